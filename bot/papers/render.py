"""Fills the .docx templates in ``doc_templates/`` with a paper's values.

Synchronous and self-contained: the bot calls these through ``asyncio.to_thread``; they
are thread-safe. Template bytes are read once (and again only when the file changes on
disk, so an office can edit a template without restarting the bot), and each template is
compiled once into what docxtpl would make of it for every paper: the Jinja templates of
its parts and the untouched zip members. A paper then costs a Jinja render and one zip,
and comes out as docxtpl's (see "compiled templates" below).

Every user-supplied string is cleaned (control characters other than tab and newline
removed, since they make invalid XML) and XML-escaped by Jinja's autoescape. A newline
becomes a line break on paper, a tab a tab.
"""

from __future__ import annotations

import copy
import io
import re
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import docxtpl
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.coreprops import CT_CoreProperties
from docx.oxml.ns import nsmap, qn
from docx.oxml.parser import parse_xml
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree  # type: ignore[import-untyped]

from bot.papers.dates import angka, hari_tanggal, jam, tanggal
from bot.papers.model import (
    RETURNED,
    ApprovalRecord,
    CaseInfo,
    CheckItem,
    Disposisi,
    Dokumentasi,
    DraftSkeleton,
    EventRecord,
    FileRecord,
    Letterhead,
    Official,
    Pemeriksaan,
    SkTim,
    StepTime,
    TeamMember,
)

__all__ = [
    "DEFAULT_TEMPLATE_DIR",
    "KINDS",
    "PaperRenderer",
    "clean",
    "file_name",
    "render_disposisi",
    "render_dokumentasi",
    "render_pemeriksaan",
    "render_penetapan_kinerja",
    "render_program_kerja",
    "render_rkakl",
    "render_sk_tim",
    "set_template_dir",
]

DEFAULT_TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "doc_templates"

# Template file of each paper kind.
TEMPLATES: Mapping[str, str] = {
    "disposisi": "disposisi.docx",
    "sk_tim": "sk_tim.docx",
    "pemeriksaan": "pemeriksaan.docx",
    "program_kerja": "program_kerja.docx",
    "rkakl": "rkakl.docx",
    "penetapan_kinerja": "penetapan_kinerja.docx",
    "dokumentasi": "dokumentasi.docx",
}

DOTS = "." * 40  # a blank to fill in by hand
DASH = "-"
CHECK = "\u221a"  # "√": the tick of Indonesian forms (present in Arial, unlike U+2713)

# --- cleaning ------------------------------------------------------------------------

# C0 controls except tab and newline (\r is turned into \n first), lone surrogates and the
# two non-characters may not appear in XML 1.0 at all; DEL and the C1 controls may, but
# only print as boxes.
_INVALID_XML = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# docxtpl turns these back into Jinja delimiters after rendering (its escape for literal
# braces in templates); a zero-width space keeps a user's text as typed.
_DOCXTPL_UNESCAPES = re.compile(r"([{}%])(_[{}%])")


def clean(value: object) -> str:
    """Text safe to put into a paper: str() of the value without control characters
    (tab and newline stay) or characters XML cannot hold."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVALID_XML.sub("", text)
    if "_" in text:
        text = _DOCXTPL_UNESCAPES.sub("\\1\u200b\\2", text)
    return text


def _or(value: str, default: str = DASH) -> str:
    text = clean(value)
    return text if text.strip() else default


# --- Jinja environment ---------------------------------------------------------------


class _CachingEnvironment(SandboxedEnvironment):
    """Keeps what it compiled: docxtpl asks for the same large template source each time."""

    _max_entries = 256

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self._compiled: OrderedDict[str, Template] = OrderedDict()
        self._lock = threading.Lock()

    def from_string(  # type: ignore[override]
        self,
        source: str,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        with self._lock:
            hit = self._compiled.get(source)
            if hit is not None:
                self._compiled.move_to_end(source)
                return hit
        compiled = super().from_string(source)
        with self._lock:
            self._compiled[source] = compiled
            while len(self._compiled) > self._max_entries:
                self._compiled.popitem(last=False)
        return compiled


# --- compiled templates (the fast path) -----------------------------------------------
#
# docxtpl, per paper: python-docx opens the package and parses every XML part (styles.xml
# alone is 350 kB), docxtpl serializes the body, patches it into Jinja source, renders,
# re-parses, then python-docx serializes and deflates every part again. All of that but
# the Jinja render and the few parts it changes depends only on the template, so it is
# done once per template file: the Jinja source of each part docxtpl renders comes from
# docxtpl's own code, and every other zip member is kept as its compressed bytes. A
# render then only fills the compiled templates, applies the steps docxtpl applies after
# its Jinja render (the same functions where docxtpl has them as methods), and writes
# the zip around the stored members.

# The docxtpl release whose render() the fast path reproduces. Another release renders
# through docxtpl itself until tests/test_papers_fast_render.py has been re-run against it
# and this is updated.
_DOCXTPL_VERIFIED = "0.20.2"

# The core properties docxtpl renders as templates (DocxTemplate.render_properties).
_DOCXTPL_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")

_FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_CONTENT_TYPES = "[Content_Types].xml"
_W_BODY = qn("w:body")

# DocxTemplate.render_xml_part puts each paragraph on its own line for Jinja (error
# line numbers) and joins them again after rendering.
_PARAGRAPH_START = re.compile(r"<w:p([ >])")
# The characters DocxTemplate.resolve_listing turns into a tab, a new paragraph, a line
# break and a page break.
_LISTING_CHARS = re.compile("[\t\a\n\f]")

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W_TBL, _W_GRID, _W_COL = f"{{{_W}}}tbl", f"{{{_W}}}tblGrid", f"{{{_W}}}gridCol"
_W_TR, _W_TC, _W_TCPR = f"{{{_W}}}tr", f"{{{_W}}}tc", f"{{{_W}}}tcPr"
_W_SPAN, _W_VAL = f"{{{_W}}}gridSpan", f"{{{_W}}}val"
_PLAIN_SPAN = re.compile("[1-9][0-9]{0,5}")

# Only for docxtpl's methods that use no template state (patch_xml, resolve_listing,
# fix_tables, the header/footer helpers): safe to share between threads.
_DOCXTPL = DocxTemplate(io.BytesIO())


class _Unsupported(Exception):
    """A template the fast path cannot render exactly as docxtpl does."""


@dataclass(frozen=True)
class _JinjaPart:
    """A part docxtpl renders: its Jinja source (kept for error context) and template."""

    member: str
    source: str
    template: Template
    encoding: str


@dataclass(frozen=True)
class _Member:
    """A zip member of the output: its entry and compressed bytes in the template (the
    bytes written unless the member is a rendered part)."""

    info: zipfile.ZipInfo
    raw: bytes


@dataclass(frozen=True)
class _FastTemplate:
    members: tuple[_Member, ...]  # output order, [Content_Types].xml first
    body: _JinjaPart
    skeleton: bytes  # document part with an empty body, as python-docx serializes it
    headers_footers: tuple[_JinjaPart, ...]  # in docxtpl's order: headers, then footers
    core_member: str
    core_xml: bytes
    properties: tuple[tuple[str, Template], ...]


@dataclass(frozen=True)
class _Compiled:
    stamp: tuple[int, int]  # (mtime_ns, size) of the template file compiled
    fast: _FastTemplate | None  # None: rendered with docxtpl, for ``reason``
    reason: str = ""


def _next_paragraph(xml: str, pos: int) -> tuple[int, int] | None:
    """Start and end of the next match of docxtpl's paragraph pattern
    ``<w:p(?: [^>]*)?>.*?</w:p>`` (DOTALL) at or after ``pos``: the next ``<w:p``
    followed by a space or ``>``, its first ``>``, then the first ``</w:p>``."""
    while True:
        start = xml.find("<w:p", pos)
        if start < 0:
            return None
        if xml[start + 4 : start + 5] in (" ", ">"):
            tag_end = xml.find(">", start + 4)
            if tag_end < 0:
                return None
            end = xml.find("</w:p>", tag_end + 1)
            return None if end < 0 else (start, end + 6)
        pos = start + 4


def _resolve_listing(xml: str) -> str:
    """DocxTemplate.resolve_listing, run only on the paragraphs it changes.

    resolve_listing rewrites each match of its paragraph pattern on its own (see
    :func:`_next_paragraph`) and leaves a match without a tab, newline, bell or form feed
    as it is; so only the matches around those characters are handed to it. They are
    found from the last ``</w:p>`` before such a character: a match holds no other
    ``</w:p>`` than its last six characters (unless in its start tag, checked), so
    scanning from just after one finds the same matches as scanning from the start.
    The same string, at the cost of the few paragraphs with a line break or tab
    instead of a Python call per paragraph."""
    pieces: list[str] = []
    done = pos = 0  # xml[:done] is in pieces; matches before pos are handled
    while (special := _LISTING_CHARS.search(xml, pos)) is not None:
        at = special.start()
        close = xml.rfind("</w:p>", pos, at)
        # (Not when it might sit in a start tag, "<w:p </w:p>...": there it can be inside
        # a match. Lxml never writes that; scanning from pos is right all the same.)
        if close >= 0 and xml.find("<w:p ", max(pos, xml.rfind(">", pos, close) + 1), close) < 0:
            pos = close + 6
        while (match := _next_paragraph(xml, pos)) is not None and match[1] <= at:
            pos = match[1]
        if match is None:
            break
        start, end = match
        if start > at:  # this character is in no paragraph; later ones may be
            pos = start
            continue
        pieces.append(xml[done:start])
        pieces.append(str(_DOCXTPL.resolve_listing(xml[start:end])))
        done = pos = end
    if not pieces:
        return xml
    pieces.append(xml[done:])
    return "".join(pieces)


def _render_part(part: _JinjaPart, context: Mapping[str, Any]) -> str:
    """What DocxTemplate.render_xml_part does with one part, from its compiled template."""
    try:
        xml = part.template.render(context)
    except TemplateError as exc:
        # docxtpl's context for the error: the template lines around it, without tags.
        if getattr(exc, "lineno", None) is not None:
            first = max(exc.lineno - 4, 0)  # type: ignore[attr-defined]
            lines = part.source.splitlines()[first : first + 7]
            exc.docx_context = [re.sub(r"<[^>]+>", "", x) for x in lines]  # type: ignore[attr-defined]
        raise
    # re.sub(r"\n<w:p([ >])", r"<w:p\1", xml) of docxtpl; the two can never overlap.
    xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
    # (Rare: clean() breaks these up in values. One-character search is the fast one.)
    if "_" in xml and ("{_" in xml or "_}" in xml):
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%")
        xml = xml.replace("%_}", "%}")
    return _resolve_listing(xml)


def _tables_need_fix(tree: Any) -> bool:
    """True when DocxTemplate.fix_tables might change the parsed body.

    It changes a table only when a row has more cells than the table has grid columns,
    or no row spans all of them (a cell counts as its gridSpan, else 1). Also true for
    whatever the count here might not read exactly as docxtpl does (nested tables, a
    table without a grid, a gridSpan that is not a plain positive integer): docxtpl's
    own fix_tables then runs."""
    tables = []
    for element in tree.iter(_W_TBL, _W_SPAN):
        if element.tag == _W_SPAN:
            if not _PLAIN_SPAN.fullmatch(element.get(_W_VAL) or ""):
                return True
        elif next(element.iterancestors(_W_TBL), None) is not None:
            return True  # a nested table
        else:
            tables.append(element)
    for table in tables:
        grid = table.find(_W_GRID)
        if grid is None:
            return True
        columns = len(grid.findall(_W_COL))
        widest = 0
        for row in table.iter(_W_TR):
            cells = row.findall(_W_TC)
            if len(cells) > columns:
                return True
            if widest < columns:
                # Every span is at least 1 (checked above): enough cells span the grid.
                width = len(cells) if len(cells) >= columns else sum(map(_cell_span, cells))
                widest = max(widest, width)
        if widest < columns:
            return True
    return False


def _cell_span(cell: Any) -> int:
    properties = cell.find(_W_TCPR)
    span = None if properties is None else properties.find(_W_SPAN)
    return 1 if span is None else int(span.get(_W_VAL))


def _fix_tables(xml: str) -> Any:
    """DocxTemplate.fix_tables: the body parsed as docxtpl parses it (recovering from
    errors), and docxtpl's own fix applied where it might change anything."""
    tree = etree.fromstring(xml, etree.XMLParser(recover=True))
    if tree.nsmap.get("w") != _W or _tables_need_fix(tree):
        return _DOCXTPL.fix_tables(xml)
    return tree


def _jinja_part(member: str, xml: str, env: _CachingEnvironment, encoding: str) -> _JinjaPart:
    source = _PARAGRAPH_START.sub(r"\n<w:p\1", str(_DOCXTPL.patch_xml(xml)))
    return _JinjaPart(member, source, env.from_string(source), encoding)


def _zip_members(data: bytes, keep: set[str]) -> tuple[_Member, ...]:
    """The members of the template that python-docx writes (``keep``), with their
    compressed bytes, in the template's order but [Content_Types].xml first."""
    try:
        return _copied_members(data, keep)
    except (zipfile.BadZipFile, KeyError, struct.error, zlib.error) as exc:
        raise _Unsupported(f"zip not copied: {exc}") from exc


def _copied_members(data: bytes, keep: set[str]) -> tuple[_Member, ...]:
    members: list[_Member] = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise _Unsupported("duplicate zip member names")
        if not keep <= set(names):
            raise _Unsupported(f"python-docx adds members: {sorted(keep - set(names))}")
        for info in infos:
            if info.filename not in keep:
                continue  # no part reaches it: python-docx leaves it out
            if info.flag_bits & 0x1 or info.compress_type not in (
                zipfile.ZIP_STORED,
                zipfile.ZIP_DEFLATED,
            ):
                raise _Unsupported(f"{info.filename}: encrypted or unusual compression")
            sig, *_, name_len, extra_len = struct.unpack_from("<4s5H3L2H", data, info.header_offset)
            start = info.header_offset + 30 + name_len + extra_len
            raw = data[start : start + info.compress_size]
            plain = z.read(info.filename)  # checks the CRC
            copied = raw if info.compress_type == zipfile.ZIP_STORED else zlib.decompress(raw, -15)
            if sig != b"PK\x03\x04" or copied != plain or len(raw) != info.compress_size:
                raise _Unsupported(f"{info.filename}: cannot copy its compressed bytes")
            members.append(_Member(info, raw))
    members.sort(key=lambda m: m.info.filename != _CONTENT_TYPES)  # stable: order kept
    return tuple(members)


def _compile(data: bytes, env: _CachingEnvironment) -> _FastTemplate:
    """Everything of a render that depends only on the template (raises _Unsupported)."""
    if docxtpl.__version__ != _DOCXTPL_VERIFIED:
        raise _Unsupported(f"docxtpl {docxtpl.__version__} (fast path checked against "
                           f"{_DOCXTPL_VERIFIED})")  # fmt: skip
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.init_docx()
    document = tpl.docx
    package = document.part.package
    # Accessing the core properties creates the part when the template has none, as
    # docxtpl's render does; the member check below then sends it to docxtpl.
    core_props = document.core_properties
    core_part = package.part_related_by(RT.CORE_PROPERTIES)
    parts = list(package.iter_parts())
    if any(p.content_type == _FOOTNOTES_TYPE for p in parts):
        # docxtpl renders footnotes once per section, each time over the last result.
        raise _Unsupported("footnotes")

    body = _jinja_part(document.part.partname.membername, tpl.get_xml(), env, "utf-8")
    skeleton_root = copy.deepcopy(document.element)
    skeleton_body = skeleton_root.find(_W_BODY)
    for child in list(skeleton_body):
        skeleton_body.remove(child)
    skeleton = serialize_part_xml(skeleton_root)

    headers_footers: list[_JinjaPart] = []
    for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
        for _rel_key, part in tpl.get_headers_footers(uri):
            xml = tpl.get_part_xml(part)
            encoding = tpl.get_headers_footers_encoding(xml)
            headers_footers.append(_jinja_part(part.partname.membername, xml, env, encoding))
    members_rendered = [p.member for p in headers_footers]
    if len(set(members_rendered)) != len(members_rendered):
        raise _Unsupported("a header or footer part used by more than one relationship")

    properties = tuple(
        (prop, env.from_string(getattr(core_props, prop))) for prop in _DOCXTPL_PROPERTIES
    )
    core_xml = serialize_part_xml(core_part.element)

    # The members python-docx writes: what the package reaches through relationships.
    saved = io.BytesIO()
    document.save(saved)
    with zipfile.ZipFile(saved) as z:
        keep = set(z.namelist())
    return _FastTemplate(
        members=_zip_members(data, keep),
        body=body,
        skeleton=skeleton,
        headers_footers=tuple(headers_footers),
        core_member=core_part.partname.membername,
        core_xml=core_xml,
        properties=properties,
    )


def _render_fast(t: _FastTemplate, context: Mapping[str, Any]) -> bytes:
    """The steps of DocxTemplate.render and save that change anything, in their order."""
    rendered: dict[str, bytes] = {}
    # Body: fix_tables re-parses it (recovering, as docxtpl does), fix_docpr_ids numbers
    # the drawings from 1001, map_tree puts it into the document, python-docx serializes.
    tree = _fix_tables(_render_part(t.body, context))
    for number, element in enumerate(tree.xpath("//wp:docPr", namespaces=nsmap), 1001):
        element.attrib["id"] = str(number)
    root = parse_xml(t.skeleton)
    root.replace(root.find(_W_BODY), tree)
    rendered[t.body.member] = serialize_part_xml(root)
    # Headers and footers: docxtpl loads the rendered XML as a new part (python-docx's
    # parser, which drops blank text between elements) and python-docx serializes it.
    for part in t.headers_footers:
        xml = _render_part(part, context).encode(part.encoding)
        rendered[part.member] = serialize_part_xml(parse_xml(xml))
    # Core properties: rendered as templates by docxtpl, created/modified set here.
    core = parse_xml(t.core_xml)
    props = CoreProperties(cast(CT_CoreProperties, core))
    for prop, template in t.properties:
        setattr(props, prop, template.render(context))
    props.created = props.modified = _now()
    rendered[t.core_member] = serialize_part_xml(core)
    return _write_zip(t.members, rendered)


def _now() -> datetime:
    """The created/modified time of a paper (UTC, whole seconds; python-docx's format)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _write_zip(members: Sequence[_Member], rendered: Mapping[str, bytes]) -> bytes:
    """A zip of ``members`` in their order: the copied ones as their stored compressed
    bytes, the rendered ones deflated (zipfile's default level, as python-docx uses).

    zipfile cannot write already-compressed data, and compressing the 800 kB of styles
    again per paper would cost more than all the rest; the format is simple enough."""
    out = io.BytesIO()
    central: list[bytes] = []
    for m in members:
        info = m.info
        data = rendered.get(info.filename)
        if data is None:
            raw, method, crc, size = m.raw, info.compress_type, info.CRC, info.file_size
        else:
            deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            raw = deflate.compress(data) + deflate.flush()
            method, crc, size = zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data)
        try:
            name, flags = info.filename.encode("ascii"), 0
        except UnicodeEncodeError:
            name, flags = info.filename.encode("utf-8"), 0x800
        offset = out.tell()
        if max(offset, len(raw), size) >= 0xFFFFFFFF:
            raise ValueError("paper too large for a zip without zip64")
        y, mo, d, h, mi, s = info.date_time
        dos_time = (h << 11) | (mi << 5) | (s // 2)
        dos_date = ((y - 1980) << 9) | (mo << 5) | d
        version = max(info.extract_version, 20)
        fields = (flags, method, dos_time, dos_date, crc, len(raw), size, len(name))
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", version, *fields, 0))
        out.write(name)
        out.write(raw)
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                (info.create_system << 8) | max(info.create_version, 20),
                version,
                *fields,
                0,  # extra field length
                0,  # comment length
                0,  # disk number
                info.internal_attr,
                info.external_attr,
                offset,
            )
            + name
        )
    directory_offset = out.tell()
    directory = b"".join(central)
    out.write(directory)
    n = len(central)
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(directory), directory_offset, 0)
    )
    return out.getvalue()


@dataclass(frozen=True)
class _Loaded:
    stamp: tuple[int, int]  # (mtime_ns, size)
    data: bytes


class PaperRenderer:
    """Renders papers from the templates in one folder."""

    def __init__(self, template_dir: Path | None = None) -> None:
        self.template_dir = Path(template_dir) if template_dir else DEFAULT_TEMPLATE_DIR
        self._env = _CachingEnvironment()
        self._bytes: dict[str, _Loaded] = {}
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()  # guards the writes to _bytes and _compiled
        self._compile_lock = threading.Lock()  # one compile at a time, none twice

    def _load(self, kind: str) -> _Loaded:
        path = self.template_dir / TEMPLATES[kind]
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        loaded = self._bytes.get(kind)
        if loaded is None or loaded.stamp != stamp:
            loaded = _Loaded(stamp, path.read_bytes())
            with self._lock:
                self._bytes[kind] = loaded
        return loaded

    def template_bytes(self, kind: str) -> bytes:
        """The template file of a paper kind, read once and re-read when it changes."""
        return self._load(kind).data

    def _compiled_template(self, kind: str) -> _Compiled:
        """The compiled template of ``kind``, compiled again when the file changed."""
        loaded = self._load(kind)
        hit = self._compiled.get(kind)
        if hit is not None and hit.stamp == loaded.stamp:
            return hit
        with self._compile_lock:
            hit = self._compiled.get(kind)
            if hit is not None and hit.stamp == loaded.stamp:
                return hit
            try:
                compiled = _Compiled(loaded.stamp, _compile(loaded.data, self._env))
            except _Unsupported as exc:
                compiled = _Compiled(loaded.stamp, None, str(exc))
            except TemplateSyntaxError as exc:
                # docxtpl raises it at the render, after any error of an earlier part:
                # let it, with its own message.
                compiled = _Compiled(loaded.stamp, None, f"template syntax error: {exc}")
            with self._lock:
                self._compiled[kind] = compiled
        return compiled

    def render(self, kind: str, context: Mapping[str, Any]) -> bytes:
        """Fill the template of ``kind`` with an already cleaned context; .docx bytes.

        The output is what docxtpl makes of the template (:meth:`_render_with_docxtpl`),
        from a template compiled once (see ``_compile``); a template using something the
        compiled path does not reproduce is rendered by docxtpl."""
        compiled = self._compiled_template(kind)
        if compiled.fast is None:
            return self._render_with_docxtpl(kind, context)
        return _render_fast(compiled.fast, dict(context))

    def _render_with_docxtpl(self, kind: str, context: Mapping[str, Any]) -> bytes:
        """The reference render: docxtpl and python-docx on the whole package."""
        tpl = DocxTemplate(io.BytesIO(self.template_bytes(kind)))
        tpl.render(dict(context), jinja_env=self._env, autoescape=True)
        props = tpl.docx.core_properties
        props.created = props.modified = _now()
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()

    # One method per paper -------------------------------------------------------------

    def disposisi(self, p: Disposisi) -> bytes:
        return self.render("disposisi", disposisi_context(p))

    def sk_tim(self, p: SkTim) -> bytes:
        return self.render("sk_tim", sk_tim_context(p))

    def pemeriksaan(self, p: Pemeriksaan) -> bytes:
        return self.render("pemeriksaan", pemeriksaan_context(p))

    def program_kerja(self, p: DraftSkeleton) -> bytes:
        return self.render("program_kerja", skeleton_context(p))

    def rkakl(self, p: DraftSkeleton) -> bytes:
        return self.render("rkakl", skeleton_context(p))

    def penetapan_kinerja(self, p: DraftSkeleton) -> bytes:
        return self.render("penetapan_kinerja", skeleton_context(p))

    def dokumentasi(self, p: Dokumentasi) -> bytes:
        return self.render("dokumentasi", dokumentasi_context(p))


_default = PaperRenderer()


def set_template_dir(template_dir: Path | None) -> None:
    """Use templates from another folder (an office's edited copies); None: the default."""
    global _default
    _default = PaperRenderer(template_dir)


def render_disposisi(p: Disposisi) -> bytes:
    """Lembar Disposisi (SOP steps 2-4)."""
    return _default.disposisi(p)


def render_sk_tim(p: SkTim) -> bytes:
    """Draft Keputusan (SK) forming the Tim Penyusunan, with the team in its Lampiran."""
    return _default.sk_tim(p)


def render_pemeriksaan(p: Pemeriksaan) -> bytes:
    """Lembar Pemeriksaan of one review step (2, 3, 7, 8, 9)."""
    return _default.pemeriksaan(p)


def render_program_kerja(p: DraftSkeleton) -> bytes:
    """Skeleton of the Program Kerja draft (step 6)."""
    return _default.program_kerja(p)


def render_rkakl(p: DraftSkeleton) -> bytes:
    """Skeleton of the RKAKL draft (step 6)."""
    return _default.rkakl(p)


def render_penetapan_kinerja(p: DraftSkeleton) -> bytes:
    """Skeleton of the Penetapan Kinerja draft (step 6)."""
    return _default.penetapan_kinerja(p)


def render_dokumentasi(p: Dokumentasi) -> bytes:
    """Dokumentasi: the archive record of a finished case (step 12)."""
    return _default.dokumentasi(p)


# --- file names ----------------------------------------------------------------------

# Paper kind (and accepted spellings) -> the word that starts its file name.
KINDS: Mapping[str, str] = {
    "disposisi": "disposisi",
    "sk": "sk-tim",
    "sk-tim": "sk-tim",
    "pemeriksaan": "pemeriksaan",
    "program-kerja": "program-kerja",
    "rkakl": "rkakl",
    "kinerja": "penetapan-kinerja",
    "penetapan-kinerja": "penetapan-kinerja",
    "dokumentasi": "dokumentasi",
    "arsip": "arsip-dokumentasi",
}

_SLUG_DROP = re.compile(r"[^A-Za-z0-9.]+")


def _slug(text: str, limit: int = 60) -> str:
    return _SLUG_DROP.sub("-", clean(text)).strip("-.")[:limit].strip("-.")


def file_name(kind: str, case_no: str, extra: str = "") -> str:
    """A file name that says which paper it is: ``file_name("disposisi", "K7", "langkah2")``
    -> "disposisi-K7-langkah2.docx". Kinds: disposisi, sk (sk_tim), pemeriksaan,
    program_kerja, rkakl, kinerja (penetapan_kinerja), dokumentasi; and arsip for the
    .zip of :func:`bot.papers.archive.bundle_zip`. Only ASCII letters, digits, dots and
    dashes remain of case_no and extra."""
    key = kind.strip().lower().replace("_", "-")
    if key not in KINDS:
        raise ValueError(f"unknown paper kind: {kind!r}")
    parts = [KINDS[key], _slug(case_no) or "tanpa-nomor"]
    if extra_slug := _slug(extra):
        parts.append(extra_slug)
    return "-".join(parts) + (".zip" if key == "arsip" else ".docx")


# --- contexts ------------------------------------------------------------------------
# Everything handed to a template is a plain str (or a dict/list of them), cleaned here.


def _kop(k: Letterhead) -> dict[str, str]:
    return {
        "ministry": clean(k.ministry),
        "secretariat": clean(k.secretariat),
        "bureau": clean(k.bureau),
        "address": clean(k.address),
        "city": clean(k.city),
    }


def _case(c: CaseInfo) -> dict[str, str]:
    return {
        "case_no": _or(c.case_no),
        "title": _or(c.title),
        "unit": _or(c.unit),
        "fiscal_year": clean(c.fiscal_year),
        "sop_number": _or(c.sop_number),
        "sop_name": _or(c.sop_name),
    }


def _title(position: str, fallback: str) -> str:
    """The position as written over a signature: upper case, "Plt."/"Plh." kept as is."""
    text = clean(position).strip().rstrip(",").strip()
    if not text:
        return fallback
    m = re.match(r"(?i)(pl[th]\.?\s+)", text)
    if m:
        prefix = m.group(1)
        return prefix[:1].upper() + prefix[1:].lower() + text[len(prefix) :].upper()
    return text.upper()


def _official(o: Official | None, title_fallback: str = DOTS) -> dict[str, str]:
    if o is None:
        return {"name": DOTS, "nip": DOTS, "position": DOTS, "title": title_fallback}
    return {
        "name": _or(o.name, DOTS),
        "nip": clean(o.nip).strip(),
        "position": _or(o.position),
        "title": _title(o.position, title_fallback),
    }


def _base(letterhead: Letterhead, case: CaseInfo) -> dict[str, Any]:
    return {"kop": _kop(letterhead), "case": _case(case)}


def _head_title(letterhead: Letterhead) -> str:
    bureau = clean(letterhead.bureau).strip()
    return f"KEPALA {bureau.upper()}" if bureau else DOTS


def _stamp(dt: datetime) -> str:
    """Date and time in a table cell: two lines."""
    return f"{tanggal(dt)}\n{jam(dt)}"


def _mark_letter(i: int) -> str:
    """a, b, ..., z, aa, ab, ...: the lettering of Menimbang."""
    letters = ""
    i += 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters + "."


def disposisi_context(p: Disposisi) -> dict[str, Any]:
    return {
        **_base(p.letterhead, p.case),
        "sender": _official(p.from_official),
        "recipient": _official(p.to_official),
        "date": tanggal(p.date),
        "date_long": hari_tanggal(p.date),
        "instruction": _or(p.instruction),
        "notes": _or(p.notes),
        "paraf": clean(p.paraf),
        "agenda_no": _or(p.agenda_no),
    }


def _members(members: Sequence[TeamMember]) -> list[dict[str, str]]:
    return [
        {
            "no": f"{i}.",
            "name": _or(m.name),
            "nip": _or(m.nip),
            "position": _or(m.position),
            "position_in_team": _or(m.position_in_team),
        }
        for i, m in enumerate(members, 1)
    ]


def sk_tim_context(p: SkTim) -> dict[str, Any]:
    menimbang = [clean(t) for t in p.menimbang] or [DOTS]
    mengingat = [clean(t) for t in p.mengingat] or [DOTS]
    return {
        **_base(p.letterhead, p.case),
        "decree_number": _or(p.decree_number, DOTS),
        "date": tanggal(p.date),
        "city": _or(p.city, "") or _or(p.letterhead.city, DOTS),
        "menimbang": [{"mark": _mark_letter(i), "text": t} for i, t in enumerate(menimbang)],
        "mengingat": [{"mark": f"{i}.", "text": t} for i, t in enumerate(mengingat, 1)],
        "members": _members(p.members),
        "signer": _official(p.signer, _head_title(p.letterhead)),
    }


def _files(files: Iterable[FileRecord]) -> list[dict[str, str]]:
    return [
        {
            "no": f"{i}.",
            "document": _or(f.document),
            "file_name": _or(f.file_name),
            "version": clean(f.version),
            "sha256": _or(f.sha256),
            "uploaded_by": _or(f.uploaded_by),
            "uploaded_at": f"{tanggal(f.uploaded_at)}, {jam(f.uploaded_at)}",
        }
        for i, f in enumerate(files, 1)
    ]


def _items(items: Iterable[CheckItem]) -> list[dict[str, str]]:
    return [
        {
            "no": f"{i}.",
            "name": _or(c.name),
            "ada": CHECK if c.present else "",
            "tidak_ada": "" if c.present else CHECK,
            "note": clean(c.note),
        }
        for i, c in enumerate(items, 1)
    ]


def pemeriksaan_context(p: Pemeriksaan) -> dict[str, Any]:
    returned = clean(p.decision).strip().lower().startswith(RETURNED.split()[0].lower())
    return {
        **_base(p.letterhead, p.case),
        "step_no": clean(p.step_no),
        "step_title": _or(p.step_title),
        "reviewer": _official(p.reviewer),
        "reviewer_role": _or(p.reviewer_role),
        "decided_day": hari_tanggal(p.decided_at),
        "decided_date": tanggal(p.decided_at),
        "decided_time": jam(p.decided_at),
        "decision": _or(p.decision),
        "reason_label": "Alasan pengembalian" if returned else "Catatan",
        "reason": _or(p.reason),
        "items": _items(p.items),
        "files": _files(p.files),
    }


def skeleton_context(p: DraftSkeleton) -> dict[str, Any]:
    officials = p.officials
    return {
        **_base(p.letterhead, p.case),
        "date": tanggal(p.date),
        "karo": _official(officials.get("karo"), _head_title(p.letterhead)),
        "kabag": _official(officials.get("kabag")),
        "kasubag": _official(officials.get("kasubag")),
        "atasan": _official(officials.get("atasan")),
    }


def _approvals(approvals: Iterable[ApprovalRecord]) -> list[dict[str, str]]:
    rows = []
    for i, a in enumerate(approvals, 1):
        nip = clean(a.official.nip).strip()
        rows.append(
            {
                "no": f"{i}.",
                "kind": _or(a.kind),
                "name": _or(a.official.name),
                "nip_line": f"NIP {nip}" if nip else "",
                "position": _or(a.official.position),
                "role": clean(a.role),
                "step_no": clean(a.step_no),
                "at": _stamp(a.at),
            }
        )
    return rows


def _events(events: Iterable[EventRecord]) -> list[dict[str, str]]:
    rows = []
    for i, e in enumerate(events, 1):
        title = clean(e.step_title).strip()
        step = f"{e.step_no}. {title}" if e.step_no > 0 else (title or DASH)
        rows.append(
            {
                "no": f"{i}.",
                "at": _stamp(e.at),
                "actor": _or(e.actor),
                "role": clean(e.role),
                "step": step.strip(),
                "action": _or(e.action),
                "reason": _or(e.reason),
            }
        )
    return rows


def _signed(n: int) -> str:
    return f"+{angka(n)}" if n > 0 else angka(n)


def _verdict(diff: int) -> str:
    if diff > 0:
        return "Melebihi norma"
    if diff < 0:
        return "Di bawah norma"
    return "Sesuai norma"


def _step_times(steps: Sequence[StepTime]) -> tuple[list[dict[str, str]], dict[str, str]]:
    rows = []
    for s in steps:
        has_norm = s.norm_minutes > 0
        diff = s.actual_minutes - s.norm_minutes
        rows.append(
            {
                "step_no": clean(s.step_no),
                "title": _or(s.title),
                "norm": angka(s.norm_minutes) if has_norm else DASH,
                "actual": angka(s.actual_minutes),
                "diff": _signed(diff) if has_norm else DASH,
                "note": _verdict(diff) if has_norm else "Norma belum ditetapkan",
            }
        )
    normed = [s for s in steps if s.norm_minutes > 0]
    norm_total = sum(s.norm_minutes for s in normed)
    diff_total = sum(s.actual_minutes - s.norm_minutes for s in normed)
    total = {
        "norm": angka(norm_total) if normed else DASH,
        "actual": angka(sum(s.actual_minutes for s in steps)),
        "diff": _signed(diff_total) if normed else DASH,
        "note": _verdict(diff_total) if normed else DASH,
    }
    return rows, total


def dokumentasi_context(p: Dokumentasi) -> dict[str, Any]:
    steps, total = _step_times(p.step_times)
    return {
        **_base(p.letterhead, p.case),
        "archived_day": hari_tanggal(p.archived_at),
        "archived_date": tanggal(p.archived_at),
        "archived_time": jam(p.archived_at),
        "archive_reference": _or(p.archive_reference),
        "archivist": _official(p.archivist),
        "final_files": _files(p.final_files),
        "approvals": _approvals(p.approvals),
        "events": _events(p.events),
        "step_times": steps,
        "total": total,
    }
