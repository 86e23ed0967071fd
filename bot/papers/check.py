"""Checks the templates an office edited, before a case needs them (``sopbot check``).

Every template is filled with its kind's sample record (:mod:`bot.papers.samples`). A
placeholder that names no value (``{{ case.titel }}`` for ``{{ case.title }}``) is found by
reading the template's placeholders against the sample context, also in a paragraph an
``{%p if %}`` would leave out for the sample, and is reported by the name the office typed:
``disposisi.docx: undefined placeholder 'case.titel'``. A template that does not parse
or fails to render is reported with its part (``word/footer1.xml``) and the text around the
place, or the placeholder; one that still holds tracked changes (Word's Track Changes), with
the part and the text they are in, to be accepted or rejected in Word first.

The kinds checked are the registered ones and the blank drafts of the SOPs a deployment
loads (``definitions``: :func:`bot.papers.registry.loaded_kinds`); a blank draft whose file
is in neither the office's folder nor the shipped one is :func:`missing_blanks`' to name.
"""

from __future__ import annotations

import io
import re
import shlex
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateError, TemplateSyntaxError, nodes

from bot.core.definition import SopDefinition
from bot.papers.registry import PAPERS, PaperKind, loaded_kinds
from bot.papers.render import (
    FORMAT_CHANGES,
    PaperRenderer,
    TemplateFailed,
    TrackedChanges,
    tracked_change,
)

__all__ = [
    "heavy_styles",
    "missing_blanks",
    "outdated_templates",
    "static_templates",
    "stray_templates",
    "template_problems",
    "tracked_formatting",
    "undefined_placeholders",
]

# The core properties docxtpl fills as templates too (DocxTemplate.render_properties).
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
# docxtpl puts each paragraph on a line of its own before filling a part: the same here,
# so that a line number points at one paragraph.
_PARAGRAPH = re.compile(r"<w:p([ >])")
_TAG = re.compile(r"<[^>]+>")


def template_problems(
    renderer: PaperRenderer, definitions: Iterable[SopDefinition] = ()
) -> list[str]:
    """Every problem of every template the renderer would use (the SOPs' own blank drafts
    included), as ``<file>: <message>``; an empty list when all of them fill with their
    samples."""
    problems: list[str] = []
    for kind in loaded_kinds(definitions):
        path = renderer.template_path(kind)
        problems += [f"{path}: {message}" for message in _problems_of(renderer, kind)]
    return problems


def missing_blanks(
    renderer: PaperRenderer, sops: Iterable[tuple[Path, SopDefinition]]
) -> list[str]:
    """The SOPs' own blank drafts whose template is in neither the office's folder nor the
    shipped one, as ``<SOP file>: blanks.<id>.template: ...``: the bot could never fill
    them."""
    problems = []
    office, shipped = renderer.templates_dir, renderer.shipped_dir
    for source, definition in sops:
        for blank in definition.blanks:
            if blank.id in PAPERS:
                continue  # refused as such (bot.papers.registry.blank_problems)
            if office is not None and (office / blank.template).is_file():
                continue
            if (shipped / blank.template).is_file():
                continue
            where = (
                f"in neither {office} (papers.templates_dir) nor {shipped}"
                if office is not None
                else f"not in {shipped}, and no papers.templates_dir (the office's folder, "
                "where an SOP's own blank draft belongs) is set"
            )
            problems.append(f"{source}: blanks.{blank.id}.template: {blank.template} is {where}")
    return problems


def stray_templates(
    renderer: PaperRenderer, definitions: Iterable[SopDefinition] = ()
) -> list[str]:
    """.docx files in the office's folder that no paper uses (a misspelt file name
    leaves the shipped template in use); the SOPs' own blank drafts are papers."""
    folder = renderer.templates_dir
    if folder is None or not folder.is_dir():
        return []
    known = {kind.template for kind in loaded_kinds(definitions)}
    by_lower = {name.lower(): name for name in known}
    names = ", ".join(sorted(known))
    notes = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".docx" or path.name in known or path.name.startswith("~$"):
            continue  # not Word's, in use, or Word's lock file
        meant = by_lower.get(path.name.lower())
        if meant is not None:  # "Disposisi.DOCX": the bot looks for the name as written
            notes.append(f"{path}: ignored: the file must be named {meant} exactly")
        else:
            notes.append(f"{path}: not a paper template, ignored (templates: {names})")
    return notes


def static_templates(
    renderer: PaperRenderer, definitions: Iterable[SopDefinition] = ()
) -> list[str]:
    """Templates that fill in nothing: not one placeholder left in any part (every
    ``{{ ... }}`` typed over in Word), so every paper of the kind would read the same,
    without its case. A template that cannot be read is :func:`template_problems`' to
    report."""
    notes = []
    for kind in loaded_kinds(definitions):
        try:
            sources = list(_template_sources(renderer.template_bytes(kind)))
        except Exception:  # reported by template_problems
            continue
        if not any("{{" in source or "{%" in source for _, source in sources):
            notes.append(
                f"{renderer.template_path(kind)}: no placeholder left: every {kind.name} paper "
                "would read the same, without the case's title, people or dates"
            )
    return notes


# Placeholders a shipped template gained after offices may have copied it, by paper: an
# older copy without one still fills (check passes), but its papers read wrong. Each with
# what they then get wrong.
_LATER_PLACEHOLDERS = {
    "sk_tim": (
        "amended",
        "the SK that amends a team after a member's place passes on would read as the one "
        "that formed it",
    ),
    "pemeriksaan": (
        "case.warning",
        "every Lembar Pemeriksaan would show the Peringatan typed into the copy (or none), "
        "not the one of its case's SOP",
    ),
    "dokumentasi": (
        "storage",
        "every Dokumentasi would show the Penyimpanan typed into the copy, not the record "
        "keeping of its case's SOP",
    ),
}
# Those a deployment needs only when one of its SOPs completes cases without archiving (the
# last step an action, upload or review step).
_COMPLETION_PLACEHOLDERS = {
    "dokumentasi": (
        "completed",
        "the Dokumentasi of a case completed without archiving would read as filed "
        "(Nomor Arsip, Waktu Pengarsipan, Diarsipkan oleh, Penyimpanan)",
    ),
}
_JINJA_TAG = re.compile(r"\{[{%](.*?)[%}]\}", re.DOTALL)


def outdated_templates(
    renderer: PaperRenderer, definitions: Iterable[SopDefinition] = ()
) -> list[str]:
    """Templates (an office's copy made before the shipped one gained a placeholder) that
    never read a placeholder their paper needs: the SK Tim's ``amended`` (its amending SK
    would be titled and worded as the one that formed the team), the Lembar Pemeriksaan's
    ``case.warning`` and the Dokumentasi's ``storage`` (the first SOP's texts, typed in,
    on every SOP's papers); where one of ``definitions`` completes cases without
    archiving, the Dokumentasi's ``completed`` too (such a case's would read as filed)."""
    later = list(_LATER_PLACEHOLDERS.items())
    if any(step.finishes for definition in definitions for step in definition.steps):
        later += list(_COMPLETION_PLACEHOLDERS.items())
    notes = []
    for name, (placeholder, consequence) in later:
        kind = PAPERS[name]
        try:
            sources = list(_template_sources(renderer.template_bytes(kind)))
        except Exception:  # reported by template_problems
            continue
        uses = re.compile(r"(?<![\w.])" + r"\s*\.\s*".join(placeholder.split(".")) + r"\b")
        tags = (tag for _, source in sources for tag in _JINJA_TAG.findall(source))
        if not any(uses.search(tag) for tag in tags):
            notes.append(
                f"{renderer.template_path(kind)}: never uses `{placeholder}`: {consequence} "
                f"(see doc_templates/README.md, and the shipped {kind.template})"
            )
    return notes


def tracked_formatting(
    renderer: PaperRenderer, definitions: Iterable[SopDefinition] = ()
) -> list[str]:
    """Templates with formatting changes still tracked (Word's Track Changes): they fill,
    but every paper shows the changes as revisions. Tracked insertions, deletions and moves
    stop the paper: :func:`template_problems` reports them."""
    notes = []
    for kind in loaded_kinds(definitions):
        try:
            revision = tracked_change(_opened(renderer.template_bytes(kind)), FORMAT_CHANGES)
        except Exception:  # reported by template_problems
            continue
        if revision is not None:
            notes.append(
                f"{renderer.template_path(kind)}: {revision.part}: formatting changes still "
                f"tracked (near {revision.near!r}): every paper would show them as revisions; "
                "accept or reject every change in Word (Review → Accept All Changes) and save "
                "the file"
            )
    return notes


# Word 2010's second copy of the styles; and a styles part this large (the shipped
# templates' hold 18 KB, with python-docx's default 100 table styles 350 KB) costs each
# paper a visible share of its CPU.
_STYLES_WITH_EFFECTS = "word/stylesWithEffects.xml"
_STYLES = "word/styles.xml"
_HEAVY_STYLES = 200_000


def heavy_styles(renderer: PaperRenderer, definitions: Iterable[SopDefinition] = ()) -> list[str]:
    """Templates that carry Word's unused styles: an office's copy of a shipped template
    made before 2026-12-07 (Word 2010's ``stylesWithEffects.xml``, 100 table styles in
    ``styles.xml``). They fill as well, but every paper reads, writes back and compresses
    them: a Lembar Pemeriksaan took 22-25 ms of CPU with them, 10-12 without, 19-22 without
    ``stylesWithEffects.xml`` alone (medians of 20 renders, four runs)."""
    notes = []
    for kind in loaded_kinds(definitions):
        try:
            with zipfile.ZipFile(io.BytesIO(renderer.template_bytes(kind))) as package:
                sizes = {
                    info.filename: info.file_size
                    for info in package.infolist()
                    if info.filename in (_STYLES, _STYLES_WITH_EFFECTS)
                }
        except Exception:  # reported by template_problems
            continue
        if _STYLES_WITH_EFFECTS not in sizes and sizes.get(_STYLES, 0) <= _HEAVY_STYLES:
            continue
        parts = ", ".join(
            f"{name} {_kb(sizes[name])}"
            for name in (_STYLES, _STYLES_WITH_EFFECTS)
            if name in sizes
        )
        path = renderer.template_path(kind)
        notes.append(
            f"{path}: {_kb(sum(sizes.values()))} of Word styles ({parts}), most of them "
            "unused, which every paper reads and writes again: the 790 KB the shipped "
            "templates carried before 2026-12-07 doubled the CPU of each paper (a Lembar "
            "Pemeriksaan 22–25 ms against 10–12). `sopbot template lean "
            f"{shlex.quote(str(path))} --output <new file>` writes a copy without the unused "
            "ones, the office's edits kept (see doc_templates/README.md)"
        )
    return notes


def _kb(size: int) -> str:
    return f"{round(size / 1000)} KB"


def _problems_of(renderer: PaperRenderer, kind: PaperKind[Any]) -> list[str]:
    try:
        data = renderer.template_bytes(kind)
    except OSError as exc:
        return [f"cannot read: {exc.strerror}"]
    context = kind.context(kind.sample(), renderer.zone)
    try:
        sources = list(_template_sources(data))
        revision = tracked_change(_opened(data))
    except Exception as exc:  # python-docx refuses the file
        return [f"not a Word document (.docx): {exc}"]
    if revision is not None:  # first: what it reads as placeholders is not what Word shows
        return [f"{revision.part}: {TrackedChanges(revision)}"]
    found: dict[str, None] = {}
    for where, source in sources:
        try:
            found.update(dict.fromkeys(undefined_placeholders(source, context, renderer.jinja_env)))
        except TemplateSyntaxError as exc:
            return [f"template error in the {where}: {exc.message}{_near(source, exc.lineno)}"]
    if found:
        return [f"undefined placeholder '{name}'" for name in found]
    try:
        renderer.fill(kind, context)
    except TemplateFailed as failed:  # without the file named again; the part when known
        error = failed.error
        if not isinstance(error, TemplateError):
            return [failed.problem]
        lines = [line.strip() for line in getattr(error, "docx_context", None) or []]
        near = " ".join(line for line in lines if line)[:160]
        where = f" in {failed.part}" if failed.part else ""
        return [f"template error{where}: {error}" + (f" (near: {near!r})" if near else "")]
    except Exception as exc:  # every failure is reported, none stops the check
        return [f"{type(exc).__name__}: {exc}"]
    return []


def _opened(data: bytes) -> DocxTemplate:
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.init_docx()
    return tpl


def _template_sources(data: bytes) -> Iterator[tuple[str, str]]:
    """The Jinja source of every part docxtpl fills: body, headers, footers, properties."""
    tpl = _opened(data)
    document = tpl.docx
    yield "body", _PARAGRAPH.sub(r"\n<w:p\1", tpl.patch_xml(tpl.get_xml()))
    for where, uri in (("header", tpl.HEADER_URI), ("footer", tpl.FOOTER_URI)):
        for _key, part in tpl.get_headers_footers(uri):
            xml = tpl.patch_xml(tpl.get_part_xml(part))
            yield where, _PARAGRAPH.sub(r"\n<w:p\1", xml)
    for name in _PROPERTIES:
        value = getattr(document.core_properties, name)
        if value:
            yield f"document property '{name}'", value


def _near(source: str, lineno: int | None) -> str:
    if not lineno:
        return ""
    lines = source.splitlines()
    text = _TAG.sub("", lines[lineno - 1]).strip() if 0 < lineno <= len(lines) else ""
    return f" (near: {text[:160]!r})" if text else ""


# --- reading placeholders against a context -------------------------------------------

_UNKNOWN = object()  # a value the walk cannot follow (a set variable, a filter's result)
# Tests and filters that exist to handle a missing value.
_GUARDS = {"defined", "undefined", "default", "d"}


def undefined_placeholders(source: str, context: Mapping[str, Any], env: Environment) -> list[str]:
    """The placeholders of a Jinja source that name nothing in ``context``, as written
    ("case.titel", "m.nam"), in order. A loop variable stands for the first item of its
    list. TemplateSyntaxError if the source does not parse."""
    walk = _Walk(env)
    walk.block(env.parse(source), dict(context))
    return list(walk.found)


class _Walk:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.found: dict[str, None] = {}

    def block(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        """Statements: assignments bind names for the rest of the block."""
        for child in node.iter_child_nodes():
            self.node(child, scope)

    def node(self, node: nodes.Node, scope: dict[str, Any]) -> Any:
        if isinstance(node, nodes.For):
            items = self.node(node.iter, scope)
            inner = dict(scope, loop=_UNKNOWN)
            first = items[0] if isinstance(items, list) and items else _UNKNOWN
            self.bind(node.target, first, inner)
            if node.test is not None:
                self.node(node.test, inner)
            for child in node.body:
                self.node(child, inner)
            for child in node.else_:
                self.node(child, scope)
            return _UNKNOWN
        if isinstance(node, nodes.Assign):
            self.node(node.node, scope)
            self.bind(node.target, _UNKNOWN, scope)
            return _UNKNOWN
        if isinstance(node, nodes.AssignBlock):
            for child in node.body:
                self.node(child, scope)
            self.bind(node.target, _UNKNOWN, scope)
            return _UNKNOWN
        if isinstance(node, nodes.With):
            for value in node.values:
                self.node(value, scope)
            inner = dict(scope)
            for target in node.targets:
                self.bind(target, _UNKNOWN, inner)
            for child in node.body:
                self.node(child, inner)
            return _UNKNOWN
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope, caller=_UNKNOWN, varargs=_UNKNOWN, kwargs=_UNKNOWN)
            for arg in node.args:
                self.bind(arg, _UNKNOWN, inner)
            for default in node.defaults:
                self.node(default, scope)
            if isinstance(node, nodes.CallBlock):
                self.node(node.call, scope)
            else:
                scope[node.name] = _UNKNOWN
            for child in node.body:
                self.node(child, inner)
            return _UNKNOWN
        if isinstance(node, nodes.Test | nodes.Filter) and node.name in _GUARDS:
            for child in (*node.args, *(kw.value for kw in node.kwargs)):
                self.node(child, scope)
            return _UNKNOWN
        if isinstance(node, nodes.Name) and node.ctx == "load":
            if node.name in scope:
                return scope[node.name]
            if node.name not in self.env.globals:
                self.found[node.name] = None
            return _UNKNOWN
        if isinstance(node, nodes.Getattr):
            return self.member(node, node.attr, self.node(node.node, scope))
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            return self.member(node, node.arg.value, self.node(node.node, scope))
        for child in node.iter_child_nodes():
            self.node(child, scope)
        return _UNKNOWN

    def member(self, node: nodes.Getattr | nodes.Getitem, key: Any, base: Any) -> Any:
        if base is _UNKNOWN:
            return _UNKNOWN
        if isinstance(base, Mapping):
            if key in base:
                return base[key]
        elif isinstance(base, list) and isinstance(key, int):
            return base[key] if -len(base) <= key < len(base) else _UNKNOWN
        elif isinstance(key, str) and hasattr(base, key):
            return _UNKNOWN  # a method of a string or list: "{{ case.title.upper() }}"
        self.found[_written(node)] = None
        return _UNKNOWN

    def bind(self, target: nodes.Node, value: Any, scope: dict[str, Any]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = value
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, _UNKNOWN, scope)


def _written(node: nodes.Node) -> str:
    """A placeholder as the template writes it: "case.titel", "files[0].name"."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_written(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_written(node.node)}[{node.arg.value!r}]"
    return "…"
