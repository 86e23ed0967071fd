"""The Bot API 10.0 specification (machine-readable) and parameter validation against it.

The spec is ``data/api-10.0.json`` from PaulSonOfLars/telegram-bot-api-spec (MIT, licence in
``data/LICENSE.PaulSonOfLars``). Validation is stricter than Telegram in two documented ways:
a parameter that is not a field of the method is rejected (Telegram ignores it), and a value
of the wrong type is rejected (Telegram often coerces it, e.g. a non-number chat_id becomes
"chat not found"). Both catch bot bugs early. Inside JSON objects unknown keys are ignored,
as Telegram does.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.errors import ApiError, bad_request

SPEC_PATH = Path(__file__).parent / "data" / "api-10.0.json"

_INTEGER_RE = re.compile(r"^[+-]?\d{1,20}$")
_ARRAY_PREFIX = "Array of "

# Telegram's own wording for a few required parameters; the rest get "<name> is empty".
_MISSING_MESSAGES = {
    "text": "message text is empty",
    "chat_id": "chat_id is empty",
    "document": "there is no document in the request",
    "photo": "there is no photo in the request",
    "media": 'parameter "media" is required',
    "message_ids": "message identifiers are not specified",
}


TOLERATED_EXTRAS = frozenset({"parse_mode"})
"""Parameters Telegram silently ignores where a method has no such field, and that
python-telegram-bot sends anyway when ``Defaults(parse_mode=...)`` is set (for example on
editMessageReplyMarkup). Every other unknown parameter is refused (stricter than Telegram,
to catch mistakes)."""


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart/form-data request."""

    filename: str
    body: bytes
    content_type: str


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]


class _Mismatch(Exception):
    """A value does not have the expected type; ``str(self)`` says where and why."""


class ApiSpec:
    """Methods (looked up case-insensitively, as Telegram does) and types of the Bot API."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = str(raw.get("version", ""))
        self.types: dict[str, dict[str, Any]] = raw["types"]
        self.methods: dict[str, MethodSpec] = {}
        for name, method in raw["methods"].items():
            fields = {
                f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]))
                for f in method.get("fields", [])
            }
            self.methods[name.lower()] = MethodSpec(name, fields)

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())

    def validate(
        self,
        method: MethodSpec,
        raw: dict[str, str],
        files: dict[str, UploadedFile],
    ) -> dict[str, Any]:
        """Check and convert request parameters; raise :class:`ApiError` (400) when invalid.

        ``raw`` holds the string form of every parameter (form fields, query arguments, or
        JSON values re-serialised). Empty values count as absent, as in Telegram. The result
        maps each given field to a Python value: ``int``, ``float``, ``bool``, ``str``,
        parsed JSON, or an :class:`UploadedFile`.
        """
        params = {k: v for k, v in raw.items() if v != ""}
        for name in list(params):
            if name not in method.fields:
                if name in TOLERATED_EXTRAS:
                    del params[name]
                    continue
                raise bad_request(f"unknown parameter {name}")
        attached: set[str] = set()
        result: dict[str, Any] = {}
        for field in method.fields.values():
            text = params.get(field.name)
            part = files.get(field.name) if "InputFile" in field.types else None
            if text is None and part is None:
                if field.required:
                    message = _MISSING_MESSAGES.get(field.name, f"{field.name} is empty")
                    raise bad_request(message)
                continue
            if text is None and part is not None:
                attached.add(field.name)
                result[field.name] = part
                continue
            assert text is not None
            result[field.name] = self._convert(field, text, files, attached)
        for name in files:
            if name not in attached:
                raise bad_request(f"unknown parameter {name}")
        return result

    def _convert(
        self,
        field: FieldSpec,
        text: str,
        files: dict[str, UploadedFile],
        attached: set[str],
    ) -> Any:
        details: list[str] = []
        for type_name in field.types:
            try:
                return self._from_string(field.name, type_name, text, files, attached)
            except _Mismatch as exc:
                details.append(str(exc))
        expected = " or ".join(field.types)
        detail = f": {details[0]}" if details and details[0] else ""
        raise bad_request(f'parameter "{field.name}" must be of type {expected}{detail}')

    def _from_string(
        self,
        name: str,
        type_name: str,
        text: str,
        files: dict[str, UploadedFile],
        attached: set[str],
    ) -> Any:
        if type_name == "String":
            return text
        if type_name == "Integer":
            if not _INTEGER_RE.match(text):
                raise _Mismatch(f"{text[:40]!r} is not an integer")
            return int(text)
        if type_name == "Float":
            try:
                value = float(text)
            except ValueError:
                raise _Mismatch(f"{text[:40]!r} is not a number") from None
            if not math.isfinite(value):
                raise _Mismatch("the number must be finite")
            return value
        if type_name == "Boolean":
            lowered = text.lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
            raise _Mismatch(f"{text[:40]!r} is not a boolean")
        if type_name == "InputFile":
            return self._attached_file(text, files, attached)
        try:
            value = json.loads(text)
        except ValueError:
            raise _Mismatch(f"can't parse {name} JSON object") from None
        self._check_json(type_name, value, name, files, attached)
        return value

    @staticmethod
    def _attached_file(
        text: str, files: dict[str, UploadedFile], attached: set[str]
    ) -> UploadedFile:
        if not text.startswith("attach://"):
            raise _Mismatch("")
        part = files.get(text.removeprefix("attach://"))
        if part is None:
            raise ApiError(400, f"Bad Request: file {text!r} is not attached to the request")
        attached.add(text.removeprefix("attach://"))
        return part

    def _check_json(
        self,
        type_name: str,
        value: Any,
        path: str,
        files: dict[str, UploadedFile],
        attached: set[str],
    ) -> None:
        """Check a parsed JSON ``value`` against a spec type name; raise _Mismatch if wrong."""
        if type_name.startswith(_ARRAY_PREFIX):
            if not isinstance(value, list):
                raise _Mismatch(f"{path} must be an Array")
            inner = type_name.removeprefix(_ARRAY_PREFIX)
            for index, item in enumerate(value):
                self._check_json(inner, item, f"{path}[{index}]", files, attached)
            return
        if type_name == "Integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Mismatch(f"{path} must be an Integer")
            return
        if type_name == "Float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _Mismatch(f"{path} must be a Float")
            return
        if type_name == "Boolean":
            if not isinstance(value, bool):
                raise _Mismatch(f"{path} must be a Boolean")
            return
        if type_name == "String":
            if not isinstance(value, str):
                raise _Mismatch(f"{path} must be a String")
            return
        if type_name == "InputFile":
            if not isinstance(value, str):
                raise _Mismatch(f"{path} must be a String")
            self._attached_file(value, files, attached)
            return
        spec = self.types.get(type_name)
        if spec is None:
            return  # a type the spec does not describe: accept, Telegram's parser would decide
        if "subtypes" in spec:
            errors: list[str] = []
            for subtype in spec["subtypes"]:
                try:
                    self._check_json(subtype, value, path, files, attached)
                    return
                except _Mismatch as exc:
                    errors.append(str(exc))
            raise _Mismatch(f"{path} is not a valid {type_name} ({errors[0] if errors else ''})")
        if not isinstance(value, dict):
            raise _Mismatch(f"{path} must be an Object of type {type_name}")
        for field in spec.get("fields", []):
            fname = field["name"]
            if fname not in value:
                if field["required"]:
                    raise _Mismatch(f'{path}: field "{fname}" of {type_name} is required')
                continue
            self._check_union(field["types"], value[fname], f"{path}.{fname}", files, attached)
            _note_attachment(field, value[fname], files, attached)

    def _check_union(
        self,
        types: list[str],
        value: Any,
        path: str,
        files: dict[str, UploadedFile],
        attached: set[str],
    ) -> None:
        first: _Mismatch | None = None
        for type_name in types:
            try:
                self._check_json(type_name, value, path, files, attached)
                return
            except _Mismatch as exc:
                first = first or exc
        if first is not None:
            raise first


def _note_attachment(
    field: dict[str, Any], value: Any, files: dict[str, UploadedFile], attached: set[str]
) -> None:
    """A String field inside a JSON object that may name an upload (InputMedia's ``media``,
    ``thumbnail``, ``cover``): ``attach://<name>`` makes that part a known parameter. A name
    without a part is left to the method, which answers as Telegram does ("media not found")."""
    if not isinstance(value, str) or not value.startswith("attach://"):
        return
    if "attach://" not in str(field.get("description", "")):
        return
    name = value.removeprefix("attach://")
    if name in files:
        attached.add(name)


@functools.cache
def load_spec() -> ApiSpec:
    """The bundled Bot API spec, parsed once per process."""
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return ApiSpec(json.load(fh))
