"""Fills a paper's .docx template with docxtpl (public API only).

Synchronous and thread-safe: the bot calls :meth:`PaperRenderer.render` through
``asyncio.to_thread``. A template is looked up in the office's folder
(``papers.templates_dir``) first, then in the shipped ``doc_templates/``; its bytes are
kept in memory and read again when the file changes (an office can replace a template
without restarting the bot). Each paper is one ``DocxTemplate(...).render(...)`` and
``save``: about 30 ms (bench/bench_papers.py).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import StrictUndefined, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace

from bot.papers.dates import DEFAULT_ZONE, OfficeZone
from bot.papers.model import Picture
from bot.papers.registry import PaperKind

__all__ = ["SHIPPED_TEMPLATES", "PaperRenderer", "jinja_environment"]

R = TypeVar("R")

SHIPPED_TEMPLATES = Path(__file__).resolve().parents[2] / "doc_templates"


_DATA = (str, int, float, bool, type(None), date, Mapping, list, tuple)
_JINJA = (LoopContext, Cycler, Joiner, Namespace)


class PaperSandbox(ImmutableSandboxedEnvironment):
    """A sandbox in which a template reads plain data only: text, numbers, dates, lists and
    mappings, and jinja's own ``loop``. An attribute of any other object (the chart's image,
    whose ``tpl`` is the document itself) is refused, and only the methods of plain data
    (which cannot change it), macros and jinja's globals can be called."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return isinstance(obj, (*_DATA, *_JINJA)) and super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj: Any) -> bool:
        if not super().is_safe_callable(obj):
            return False
        if isinstance(obj, (Macro, LoopContext)) or any(obj is g for g in self.globals.values()):
            return True
        owner = getattr(obj, "__self__", None)
        return owner is not None and isinstance(owner, (*_DATA, *_JINJA))


def jinja_environment() -> SandboxedEnvironment:
    """The environment templates are filled in: sandboxed (a template edited by an office
    cannot reach Python, see :class:`PaperSandbox`), every value XML-escaped, and a
    misspelt placeholder an error instead of an empty place on the paper."""
    return PaperSandbox(autoescape=True, undefined=StrictUndefined)


@dataclass(frozen=True)
class _Loaded:
    stamp: tuple[str, int, int]  # (path, mtime_ns, size) of the file read
    data: bytes


class PaperRenderer:
    """Renders papers from an office's templates (falling back to the shipped ones) and
    writes their dates and times in the office's zone.

    ``PaperRenderer()`` is the shipped templates in WIB (Asia/Jakarta)."""

    def __init__(
        self,
        templates_dir: Path | None = None,
        zone: OfficeZone = DEFAULT_ZONE,
        *,
        shipped_dir: Path = SHIPPED_TEMPLATES,
    ) -> None:
        self.templates_dir = templates_dir
        self.shipped_dir = shipped_dir
        self.zone = zone
        self.jinja_env = jinja_environment()
        self._loaded: dict[str, _Loaded] = {}
        self._lock = threading.Lock()

    def template_path(self, kind: PaperKind[Any]) -> Path:
        """The office's copy of the template if it has one, else the shipped file."""
        if self.templates_dir is not None:
            office = self.templates_dir / kind.template
            if office.is_file():
                return office
        return self.shipped_dir / kind.template

    def template_bytes(self, kind: PaperKind[Any]) -> bytes:
        """The template file of a kind: read once, and again when it changes on disk."""
        path = self.template_path(kind)
        st = path.stat()
        stamp = (str(path), st.st_mtime_ns, st.st_size)
        with self._lock:
            loaded = self._loaded.get(kind.name)
        if loaded is None or loaded.stamp != stamp:
            loaded = _Loaded(stamp, path.read_bytes())
            with self._lock:
                self._loaded[kind.name] = loaded
        return loaded.data

    def render(self, kind: PaperKind[R], record: R) -> bytes:
        """The paper of ``record`` as .docx bytes."""
        return self.fill(kind, kind.context(record, self.zone))

    def fill(self, kind: PaperKind[Any], context: dict[str, Any]) -> bytes:
        """The template of ``kind`` filled with a ready context (see bot.papers.contexts)."""
        tpl = DocxTemplate(io.BytesIO(self.template_bytes(kind)))
        try:
            tpl.init_docx()
        except Exception as exc:  # not a Word document (a file saved over it in another form)
            raise TemplateFailed(self.template_path(kind), exc) from exc
        context = {key: _placed(tpl, value) for key, value in context.items()}
        try:
            tpl.render(context, jinja_env=self.jinja_env, autoescape=True)
        except TemplateError as exc:  # an office's edit: a placeholder misspelt, a broken tag
            raise TemplateFailed(self.template_path(kind), exc) from exc
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # python-docx: naive UTC
        properties = tpl.docx.core_properties
        properties.created = properties.modified = now
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()


class TemplateFailed(Exception):
    """A template that does not fill (an office edited it): which file, and what is wrong
    (jinja's word, or why the file is no Word document). It fails the same way every time:
    the paper is given up, not retried."""

    def __init__(self, path: Path, error: Exception) -> None:
        super().__init__(f"{path}: {type(error).__name__}: {error}")
        self.path, self.error = path, error


class _Image:
    """An image as a template sees it: it shows itself where it is placed, and has nothing
    else to read (docxtpl's InlineImage, kept private, holds the whole document).

    ``{{ chart }}`` places it: the environment autoescapes, and markupsafe's ``escape`` takes
    the image's XML from ``__html__``. Anything that makes text of it (a filter such as
    ``|upper`` or ``|trim``, ``~``, ``format``) goes through ``__str__``, which refuses, so
    that the paper fails and ``sopbot check`` names it, instead of the Laporan showing the
    image's XML as text."""

    __slots__ = ("_inline",)

    def __init__(self, inline: InlineImage) -> None:
        self._inline = inline

    def __html__(self) -> str:
        return str(self._inline.__html__())

    def __str__(self) -> str:
        raise SecurityError(
            "'chart' is an image: place it as {{ chart }} alone, "
            "without a filter or text joined to it"
        )


def _placed(tpl: DocxTemplate, value: Any) -> Any:
    """A :class:`Picture` becomes an image of this template (docxtpl's InlineImage)."""
    if isinstance(value, Picture) and value.png:
        return _Image(InlineImage(tpl, io.BytesIO(value.png), width=Mm(value.width_mm)))
    return value
