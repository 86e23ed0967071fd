"""Fills a paper's .docx template with docxtpl (its public API, and one method extended:
see :class:`_Template`).

Synchronous and thread-safe: the bot calls :meth:`PaperRenderer.render` through
``asyncio.to_thread``. A template is looked up in the office's folder
(``papers.templates_dir``) first, then in the shipped ``doc_templates/``; its bytes are
kept in memory and read again when the file changes (an office can replace a template
without restarting the bot). Each paper is one ``DocxTemplate(...).render(...)`` and
``save``: about 10–30 ms of CPU (bench/bench_papers.py).

What docxtpl makes of a template before filling it depends on the template alone: the XML
of each part cleaned for Jinja (``patch_xml``) and compiled by Jinja (``from_string``), each
property's text compiled too. Done afresh for every paper, that was about half of its CPU;
both are kept, keyed by the text they are made from (:class:`_Memo`), so a template that
changes is simply new text, and only the values are filled per paper.

A template that still holds tracked changes (Word's Track Changes) is refused before it is
filled: docxtpl fills a part's XML as it stands, so a placeholder typed or corrected with
tracking on is cut by the revision's tags (the paper cut short, or a header that is no
longer XML), and a placeholder deleted under tracking is still filled. Each part is read
back as XML as soon as it is filled (:class:`_Template`), and whatever fails in filling is
the template's doing (every value it reads is plain data): :class:`TemplateFailed`, naming
the file and, when known, the part.
"""

from __future__ import annotations

import html
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import StrictUndefined, Template
from jinja2.exceptions import SecurityError
from jinja2.nodes import Template as TemplateNode
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from lxml import etree

from bot.papers.dates import DEFAULT_ZONE, OfficeZone
from bot.papers.model import Picture
from bot.papers.registry import PaperKind

__all__ = [
    "CONTENT_CHANGES",
    "FORMAT_CHANGES",
    "SHIPPED_TEMPLATES",
    "BrokenPart",
    "PaperRenderer",
    "Revision",
    "TemplateFailed",
    "TemplateProblem",
    "TrackedChanges",
    "jinja_environment",
    "tracked_change",
]

R = TypeVar("R")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

SHIPPED_TEMPLATES = Path(__file__).resolve().parents[2] / "doc_templates"


class _Memo(Generic[K, V]):
    """Values made once from their key and kept for the next paper: the last ``size`` used
    (an office's blank drafts and replaced templates included, a few kB each), shared by
    the threads that render. Two threads missing the same key both make it; one is kept."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[K], V]) -> V:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make(key)  # outside the lock: another thread may fill another paper
        with self._lock:
            self._values[key] = value
            if len(self._values) > self.size:
                self._values.popitem(last=False)
        return value


_KEPT = 128  # parts and properties of 8 kinds and an office's own: 2-9 a template

_DATA = (str, int, float, bool, type(None), date, Mapping, list, tuple)
_JINJA = (LoopContext, Cycler, Joiner, Namespace)


class PaperSandbox(ImmutableSandboxedEnvironment):
    """A sandbox in which a template reads plain data only: text, numbers, dates, lists and
    mappings, and jinja's own ``loop``. An attribute of any other object (the chart's image,
    whose ``tpl`` is the document itself) is refused, and only the methods of plain data
    (which cannot change it), macros and jinja's globals can be called.

    A source compiled once is kept (:meth:`from_string`): docxtpl compiles each part and
    property of the template for every paper, and the sandbox checks what a template reads
    as it runs, not as it is compiled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compiled: _Memo[str, Template] = _Memo(_KEPT)

    def from_string(
        self,
        source: str | TemplateNode,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if isinstance(source, str) and globals is None and template_class is None:
            return self._compiled.get(source, super().from_string)
        return super().from_string(source, globals, template_class)

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
        tpl = _Template(io.BytesIO(self.template_bytes(kind)))
        try:
            tpl.init_docx()
        except Exception as exc:  # not a Word document (a file saved over it in another form)
            raise TemplateFailed(self.template_path(kind), exc) from exc
        revision = tracked_change(tpl)
        if revision is not None:  # an edit made with Track Changes on, never accepted
            raise TemplateFailed(self.template_path(kind), TrackedChanges(revision), revision.part)
        context = {key: _placed(tpl, value) for key, value in context.items()}
        out = io.BytesIO()
        try:
            tpl.render(context, jinja_env=self.jinja_env, autoescape=True)
            now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # python-docx: naive
            properties = tpl.docx.core_properties
            properties.created = properties.modified = now
            _drop_preview_picture(tpl)
            tpl.save(out)
        except MemoryError:  # the machine's, not the template's: it may pass next time
            raise
        except Exception as exc:
            # an office's edit: a placeholder misspelt, a broken tag (jinja's word), a part no
            # longer XML once filled, an expression that fails on the values (1 / 0)
            raise TemplateFailed(self.template_path(kind), exc, tpl.filling) from exc
        return out.getvalue()


def _drop_preview_picture(tpl: DocxTemplate) -> None:
    """Removes the template's thumbnail (``docProps/thumbnail.*``), which Windows Explorer
    and mail clients show as the paper's preview: it pictures the template (python-docx's
    blank page in a copy of the shipped files of before 2026-12-07, the placeholders in one
    Word saved with "Save preview picture"), never the paper. A part no relationship names
    is not written."""
    rels = tpl.docx.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[rid]


class TemplateFailed(Exception):
    """A template that does not fill (an office edited it): which file, which part of it
    when known ("word/footer1.xml"), and what is wrong (jinja's word, why the file is no
    Word document, a :class:`TemplateProblem`). It fails the same way every time: the paper
    is given up, not retried."""

    def __init__(self, path: Path, error: Exception, part: str = "") -> None:
        self.path, self.error, self.part = path, error, part
        super().__init__(f"{path}: {self.problem}")

    @property
    def problem(self) -> str:
        """What is wrong, without the file: "word/footer1.xml: tracked changes (...)"."""
        if isinstance(self.error, TemplateProblem):
            what = str(self.error)
        else:
            what = f"{type(self.error).__name__}: {self.error}"
        return f"{self.part}: {what}" if self.part else what

    @property
    def key(self) -> str:
        """Which :class:`TemplateProblem` it is ("" for any other error): the advice the
        administrators are given is chosen by it (bot.texts.TEMPLATE_ADVICE)."""
        return self.error.key if isinstance(self.error, TemplateProblem) else ""


class TemplateProblem(Exception):
    """Something the bot itself finds wrong in a template, worded for ``sopbot check``."""

    key = ""


class BrokenPart(TemplateProblem):
    """A part that is no longer XML once filled: the placeholder whose markup docxtpl cut,
    when it is found, else the text before the place."""

    key = "broken_xml"

    def __init__(self, error: Exception, near: str, placeholder: str = "") -> None:
        reason = _WHERE_IN_XML.sub("", str(getattr(error, "msg", "") or error))
        if placeholder:
            super().__init__(
                f"not valid XML once filled ({reason}): the placeholder {placeholder!r} runs "
                "across a link, a field or a content control; retype it as plain text"
            )
            return
        super().__init__(
            f"not valid XML once filled ({reason}), after {near!r}: a placeholder there may "
            "run across a link, a field or a content control, or a {% %} block open in one "
            "paragraph or cell and close in another; retype the placeholder as plain text, "
            "or write the block as {%p %} or {%tr %}"
        )


class TrackedChanges(TemplateProblem):
    """A part still holds tracked insertions, deletions or moves."""

    key = "tracked_changes"

    def __init__(self, revision: Revision) -> None:
        super().__init__(
            f"tracked changes (near {revision.near!r}): accept or reject every change in Word "
            "(Review → Accept All Changes) and save the file"
        )


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# Tracked insertions, deletions and moves: of text, of a paragraph mark (w:ins and w:del in
# a paragraph's properties), of table rows and cells. Each breaks filling or what is filled.
CONTENT_CHANGES = ("ins", "del", "moveFrom", "moveTo", "cellIns", "cellDel", "cellMerge")
# Tracked changes of formatting only: the old properties kept beside the new, without text.
# The paper fills as it should, but Word shows the changes on it as revisions.
FORMAT_CHANGES = (
    "rPrChange",
    "pPrChange",
    "sectPrChange",
    "tblPrChange",
    "tblPrExChange",
    "trPrChange",
    "tcPrChange",
    "tblGridChange",
    "numberingChange",
)
_SPACES = re.compile(r"\s+")
_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_XML_TAG = re.compile(r"<[^>]*>")
_WHERE_IN_XML = re.compile(r",? line \d+(?:, column \d+)?")
# A placeholder or tag as typed, Word's markup inside it included, and one tag of markup.
_JINJA_TAG = re.compile(r"\{[{%#].*?[}%#]\}", re.DOTALL)
_MARKUP = re.compile(r"<(/?)([\w:.-]+)[^>]*?(/?)>")


class _Template(DocxTemplate):  # type: ignore[misc]
    """docxtpl's template, each part it fills read back as XML at once. docxtpl reads the
    filled body back with lxml's ``recover=True``, which drops all that follows a tag left
    open (the paper cut short without a word), and a header or footer in that state fails
    only as it is written back, with lxml's error. ``filling``: the part being filled."""

    filling = ""

    def patch_xml(self, src_xml: str) -> str:
        """docxtpl's cleaning of a part's XML for Jinja, which depends on the XML alone:
        done once for each template's part (see the module's docstring)."""
        return _PATCHED.get(src_xml, super().patch_xml)

    def render_xml_part(self, src_xml: str, part: Any, context: Any, jinja_env: Any = None) -> str:
        self.filling = _part_name(part)
        xml = str(super().render_xml_part(src_xml, part, context, jinja_env))
        try:
            etree.fromstring(_DECLARATION.sub("", xml), etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError as exc:
            cut = _cut_placeholder(_source_xml(part))
            raise BrokenPart(exc, _text_before(xml, exc), cut) from exc
        self.filling = ""
        return xml


_PATCHED: _Memo[str, str] = _Memo(_KEPT)


@dataclass(frozen=True)
class Revision:
    """A tracked change left in a template: the part it is in and the text around it."""

    part: str  # "word/footer1.xml"
    near: str  # the text of its paragraph (or table row), the change included


def tracked_change(tpl: DocxTemplate, names: tuple[str, ...] = CONTENT_CHANGES) -> Revision | None:
    """The first tracked change of one of ``names`` in the parts docxtpl fills (the body,
    headers, footers, footnotes), or None. ``tpl`` is opened (``init_docx``)."""
    tags = [_W + name for name in names]
    for part, root in _filled_parts(tpl):
        found = next(root.iter(*tags), None)
        if found is not None:
            return Revision(part, _text_around(found))
    return None


def _filled_parts(tpl: DocxTemplate) -> Iterator[tuple[str, Any]]:
    """(name, XML root) of the parts docxtpl fills, as DocxTemplate.render finds them."""
    main = tpl.docx.part
    yield _part_name(main), main.element
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _key, part in tpl.get_headers_footers(uri):
            yield _part_name(part), part.element
    for part in main.package.iter_parts():
        if part.content_type == _FOOTNOTES:
            try:
                root = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False))
            except etree.XMLSyntaxError:
                continue  # not XML at all: filling it fails and says so
            yield _part_name(part), root


def _part_name(part: Any) -> str:
    return str(part.partname).lstrip("/")


def _source_xml(part: Any) -> str:
    """A part's XML as the template holds it (docxtpl replaces a part only once filled)."""
    element = getattr(part, "element", None)
    if element is not None:
        return str(etree.tostring(element, encoding="unicode"))
    return bytes(part.blob).decode("utf-8", "replace")


def _cut_placeholder(xml: str) -> str:
    """The first placeholder (or tag) whose markup does not close what it opens: docxtpl
    drops Word's markup inside a placeholder, which leaves a link, field or content control
    that begins or ends in the middle of it half open. "" when none is found."""
    for match in _JINJA_TAG.finditer(xml):
        opened: list[str] = []
        closed: list[str] = []
        for tag in _MARKUP.finditer(match.group(0)):
            closing, name, empty = tag.groups()
            if empty:
                continue
            if not closing:
                opened.append(name)
            elif opened and opened[-1] == name:
                opened.pop()
            else:
                closed.append(name)
        if closed[::-1] != opened:  # the runs it splits close and open again: nothing else
            return _SPACES.sub(" ", html.unescape(_XML_TAG.sub("", match.group(0))))
    return ""


def _text_before(xml: str, error: Any) -> str:
    """The text of up to 60 characters before where lxml found a part's XML broken."""
    xml = _DECLARATION.sub("", xml)
    line, column = getattr(error, "position", None) or (0, 0)
    lines = xml.split("\n")
    if not 0 < line <= len(lines):
        return ""
    at = sum(len(text) + 1 for text in lines[: line - 1]) + max(column - 1, 0)
    start = max(0, at - 4000)
    window = xml[start:at]
    if start and window.find(">") < window.find("<"):  # cut inside a tag
        window = window[window.find(">") + 1 :]
    text = _SPACES.sub(" ", html.unescape(_XML_TAG.sub("", window))).strip()
    return text if len(text) <= 60 else "…" + text[-59:]


def _text_around(element: Any) -> str:
    """The text of the paragraph (or table row) an element is in, deleted text included:
    up to 60 characters before it and 60 from it on."""
    holder = next(element.iterancestors(_W + "p", _W + "tr"), element)
    before: list[str] = []
    after: list[str] = []
    for node in holder.iter():
        if node is element:
            before, after = after, before  # what came so far is before it
        if node.tag in (_W + "t", _W + "delText"):
            after.append(node.text or "")
        elif node.tag in (_W + "tab", _W + "br"):
            after.append(" ")
    head = _SPACES.sub(" ", "".join(before)).lstrip()
    tail = _SPACES.sub(" ", "".join(after)).rstrip()
    head = head if len(head) <= 60 else "…" + head[-59:]
    tail = tail if len(tail) <= 60 else tail[:59] + "…"
    return head + tail


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
