"""The one registry of paper kinds: name, template file, context, file name, sample.

A paper kind is named in SOP files as the registry names it: a step's ``papers = [...]``
and ``templates = [...]``, a document's ``paper = "..."``. ``sopbot check`` refuses any
other name, a name on a step whose kind the paper does not fit (:func:`step_paper_problems`),
and renders every kind's template with its sample record.

Which steps a kind fits follows from how :mod:`bot.paperwork` builds it: a Disposisi is
addressed to the holder of the step the case moves on to (so never on the archive step, which
ends the case); the SK Tim lists the team a team step formed; the Lembar Pemeriksaan records
a review step's decision and is written for every one of them by the bot itself
(``bot.services.effects``), so no step names it; the blank drafts are handed to whoever
drafts, on entering the step; the Dokumentasi is the archive record, named on the archive
step, and the record of a case completed at the last step of an SOP that does not end in
archiving, written for it by the bot itself (:func:`completion_papers`); the SOP evaluation
report (``laporan``) is no paper of a case at all.

An SOP file may declare blank drafts of its own (``[blanks.<id>]``: a title and a .docx
template): :func:`paper_kinds` is the one answer to "which papers has this SOP", the kinds
registered here and a kind made of each such blank (:func:`blank_kind`), filled, named and
sent as the registered blank drafts are. Every place that resolves a paper's name for a
case or a definition asks it.

Adding a paper: a record in :mod:`bot.papers.model`, a context function in
:mod:`bot.papers.contexts`, a sample in :mod:`bot.papers.samples`, the template in
``doc_templates/``, one entry here, and (for the bot) how a case becomes the record in
:mod:`bot.paperwork`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from bot.core.definition import Blank, SopDefinition, StepKind
from bot.papers import samples
from bot.papers.contexts import (
    clean,
    disposisi_context,
    dokumentasi_context,
    laporan_context,
    pemeriksaan_context,
    sk_tim_context,
    skeleton_context,
)
from bot.papers.dates import OfficeZone
from bot.papers.model import (
    Disposisi,
    Dokumentasi,
    DraftSkeleton,
    LaporanSop,
    Pemeriksaan,
    SkTim,
)

__all__ = [
    "ARCHIVE_WORD",
    "DISPOSISI",
    "DOKUMENTASI",
    "LAPORAN",
    "PAPERS",
    "PEMERIKSAAN",
    "PENETAPAN_KINERJA",
    "PROGRAM_KERJA",
    "RKAKL",
    "SK_TIM",
    "PaperKind",
    "archive_file_name",
    "blank_kind",
    "blank_problems",
    "bundles",
    "completion_papers",
    "file_name",
    "loaded_kinds",
    "paper_kinds",
    "paper_title",
    "report_file_name",
    "step_paper_problems",
    "team_amendments",
    "unused_blanks",
]

R = TypeVar("R")


@dataclass(frozen=True)
class PaperKind(Generic[R]):
    """One kind of paper and everything that belongs to it."""

    name: str  # as SOP files name it: "sk_tim"
    title: str  # what the paper is called in the office (paper_title: in an SOP)
    template: str  # its file in doc_templates/ (or an office's templates_dir)
    file_word: str  # the first word of its file names: "sk-tim"
    record: type[R]  # its input (bot.papers.model)
    context: Callable[[R, OfficeZone], dict[str, Any]]  # what fills the template
    sample: Callable[[], R]  # a realistic record, for `sopbot check` and tests
    # The step kinds whose `papers` may name it (written when the step is completed) and
    # whose `templates` may (handed to the holder when the step is entered).
    papers_on: frozenset[StepKind] = frozenset()
    templates_on: frozenset[StepKind] = frozenset()
    # The step kinds for which the bot writes it by itself, unnamed (every decision).
    automatic_on: frozenset[StepKind] = frozenset()
    # Written again, as an amendment, when a member's place in a case's team passes on
    # (for a team step that names it in its papers).
    amended_on_team_change: bool = False
    # Written by the bot itself, unnamed, when a case is completed: the last step of an SOP
    # that does not end in archiving done (its record, for whoever completed it).
    on_completion: bool = False

    @property
    def of_a_step(self) -> bool:
        """Whether a step of a case produces it at all (the SOP report is no such paper)."""
        return bool(self.papers_on or self.templates_on or self.automatic_on or self.on_completion)


DISPOSISI = PaperKind(
    "disposisi", "Lembar Disposisi", "disposisi.docx", "disposisi",
    Disposisi, disposisi_context, samples.sample_disposisi,
    papers_on=frozenset({StepKind.ACTION, StepKind.REVIEW, StepKind.TEAM, StepKind.UPLOAD}),
)  # fmt: skip
SK_TIM = PaperKind(
    "sk_tim", "Draf SK Tim Penyusunan", "sk_tim.docx", "sk-tim",
    SkTim, sk_tim_context, samples.sample_sk_tim,
    papers_on=frozenset({StepKind.TEAM}), amended_on_team_change=True,
)  # fmt: skip
PEMERIKSAAN = PaperKind(
    "pemeriksaan", "Lembar Pemeriksaan", "pemeriksaan.docx", "pemeriksaan",
    Pemeriksaan, pemeriksaan_context, samples.sample_pemeriksaan,
    automatic_on=frozenset({StepKind.REVIEW}),
)  # fmt: skip
PROGRAM_KERJA = PaperKind(
    "program_kerja", "Kerangka Draf Program Kerja", "program_kerja.docx", "program-kerja",
    DraftSkeleton, skeleton_context, samples.sample_skeleton,
    templates_on=frozenset({StepKind.ACTION, StepKind.UPLOAD}),
)  # fmt: skip
RKAKL = PaperKind(
    "rkakl", "Kerangka Draf RKAKL", "rkakl.docx", "rkakl",
    DraftSkeleton, skeleton_context, samples.sample_skeleton,
    templates_on=frozenset({StepKind.ACTION, StepKind.UPLOAD}),
)  # fmt: skip
PENETAPAN_KINERJA = PaperKind(
    "penetapan_kinerja", "Kerangka Draf Penetapan Kinerja", "penetapan_kinerja.docx",
    "penetapan-kinerja", DraftSkeleton, skeleton_context, samples.sample_skeleton,
    templates_on=frozenset({StepKind.ACTION, StepKind.UPLOAD}),
)  # fmt: skip
DOKUMENTASI = PaperKind(
    "dokumentasi", "Dokumentasi", "dokumentasi.docx", "dokumentasi",
    Dokumentasi, dokumentasi_context, samples.sample_dokumentasi,
    papers_on=frozenset({StepKind.ARCHIVE}), on_completion=True,
)  # fmt: skip
# Not a paper of a case: the SOP evaluation report of /laporan, named by its SOP's code and
# its period (report_file_name).
LAPORAN = PaperKind(
    "laporan", "Laporan Evaluasi Penerapan SOP", "laporan.docx", "laporan-evaluasi-sop",
    LaporanSop, laporan_context, samples.sample_laporan,
)  # fmt: skip

PAPERS: Mapping[str, PaperKind[Any]] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            DISPOSISI,
            SK_TIM,
            PEMERIKSAAN,
            PROGRAM_KERJA,
            RKAKL,
            PENETAPAN_KINERJA,
            DOKUMENTASI,
            LAPORAN,
        )
    }
)


# The step kinds a blank draft fits: it is handed to whoever drafts, on entering the step.
BLANK_STEPS = frozenset({StepKind.ACTION, StepKind.UPLOAD})


def blank_kind(blank: Blank) -> PaperKind[DraftSkeleton]:
    """The paper kind of an SOP's own blank draft: filled as the registered blank drafts are
    (:class:`DraftSkeleton`: letterhead, case, who signs, the date), its files named by its
    id ("konsep-spp-B7-kerangka-langkah3-ke1.docx")."""
    return PaperKind(
        blank.id, blank.title, blank.template, blank.id.replace("_", "-"),
        DraftSkeleton, skeleton_context, samples.sample_skeleton, templates_on=BLANK_STEPS,
    )  # fmt: skip


def paper_kinds(definition: SopDefinition) -> Mapping[str, PaperKind[Any]]:
    """The papers an SOP may name: the registered kinds and the SOP's own blank drafts. A
    blank never stands in for a registered kind of its name (:func:`blank_problems`
    refuses such a blank)."""
    if not definition.blanks:
        return PAPERS
    kinds = dict(PAPERS)
    for blank in definition.blanks:
        kinds.setdefault(blank.id, blank_kind(blank))
    return MappingProxyType(kinds)


def loaded_kinds(definitions: Iterable[SopDefinition]) -> list[PaperKind[Any]]:
    """Every paper kind of a deployment: the registered ones, then the blank drafts of the
    SOPs it runs (one per id and template file: two SOPs may share a blank)."""
    kinds: dict[tuple[str, str], PaperKind[Any]] = {
        (kind.name, kind.template): kind for kind in PAPERS.values()
    }
    for definition in definitions:
        for kind in paper_kinds(definition).values():
            kinds.setdefault((kind.name, kind.template), kind)
    return list(kinds.values())


def blank_problems(definition: SopDefinition) -> list[str]:
    """The SOP's blank drafts whose id is a registered paper's: a step naming it would get
    the registered paper, not the SOP's."""
    return [
        f"blanks.{blank.id}: '{blank.id}' is the name of a paper the bot has "
        f"({PAPERS[blank.id].title}): give the SOP's blank draft an id of its own"
        for blank in definition.blanks
        if blank.id in PAPERS
    ]


def unused_blanks(definition: SopDefinition) -> list[str]:
    """The SOP's blank drafts no step names in its ``templates``: nobody is handed them."""
    named = {name for step in definition.steps for name in step.templates}
    return [
        f"blanks.{blank.id}: no step names it in its templates: nobody is handed the "
        f"{blank.title} ({blank.template})"
        for blank in definition.blanks
        if blank.id not in named and blank.id not in PAPERS
    ]


def paper_title(kind: PaperKind[Any], team: str) -> str:
    """What the paper is called in an SOP whose team step forms ``team`` (the shared role's
    name): the SK Tim is the decree of that team, "Draf SK Tim Penyusunan" in the shipped
    SOP, "Draf SK Tim Pemeriksa Barang" where the team is a "Tim Pemeriksa Barang" (or a
    "Pemeriksa Barang"); every other kind keeps its title."""
    if kind.name != SK_TIM.name or not team.strip():
        return kind.title
    team = team.strip()
    named = team if team.casefold().split()[0] == "tim" else f"Tim {team}"
    return f"Draf SK {named}"


# The archive bundle (.zip) of a finished case: not a template, but named the same way.
ARCHIVE_WORD = "arsip-dokumentasi"

_SLUG_DROP = re.compile(r"[^A-Za-z0-9.]+")


def _slug(text: str, limit: int = 60) -> str:
    return _SLUG_DROP.sub("-", clean(text)).strip("-.")[:limit].strip("-.")


def _name(word: str, case_no: str, extra: tuple[str, ...], suffix: str) -> str:
    parts = [word, _slug(case_no) or "tanpa-nomor"]
    parts += [slug for slug in map(_slug, extra) if slug]
    return "-".join(parts) + suffix


def completion_papers() -> list[str]:
    """The papers the bot writes by itself when a case is completed (the last step of an
    SOP that does not end in archiving done): the Dokumentasi, with its bundle."""
    return [kind.name for kind in PAPERS.values() if kind.on_completion]


def bundles(paper: str) -> bool:
    """Whether a paper job of this name writes the archive bundle besides its paper (the
    Dokumentasi): the bundle holds the case's other papers, so it waits for them (an SOP's
    own blank draft never takes the name, :func:`blank_problems`)."""
    return paper == DOKUMENTASI.name


def team_amendments(definition: SopDefinition) -> list[str]:
    """The papers a team step of the SOP writes that are written again when a member's
    place in a case's team passes on (the SK Tim: a decree amending the team's members)."""
    names = [
        name
        for step in definition.steps
        if step.kind is StepKind.TEAM
        for name in step.papers
        if name in PAPERS and PAPERS[name].amended_on_team_change
    ]
    return list(dict.fromkeys(names))


def file_name(kind: PaperKind[Any], case_no: str, *extra: str) -> str:
    """A file name that says which paper it is: ``file_name(DISPOSISI, "K7", "langkah2",
    "ke1")`` -> "disposisi-K7-langkah2-ke1.docx". Only ASCII letters, digits, dots and
    dashes remain of case_no and extra."""
    return _name(kind.file_word, case_no, extra, ".docx")


def report_file_name(sop_code: str, period_label: str) -> str:
    """ "laporan-evaluasi-sop-ppk-rkakl-pk-Tahun-2026.docx": the SOP evaluation report of
    one SOP for one period (two SOPs' reports for one period never share a name). Only
    ASCII letters, digits, dots and dashes remain of the code and the label."""
    return _name(LAPORAN.file_word, sop_code, (period_label,), ".docx")


def archive_file_name(case_no: str, *extra: str) -> str:
    """ "arsip-dokumentasi-K7.zip": the bundle of :func:`bot.papers.archive.bundle_zip`
    (``extra``: "perbaikan1" for the bundle written again after a corrected number)."""
    return _name(ARCHIVE_WORD, case_no, extra, ".zip")


# -- which steps a paper fits ------------------------------------------------------------

_KIND_ORDER = tuple(StepKind)


def _kinds(kinds: frozenset[StepKind]) -> str:
    """ "an action or upload", "a team": step kinds in the order of :class:`StepKind`."""
    words = [k.value for k in _KIND_ORDER if k in kinds]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    return f"{'an' if listed[0] in 'aeiou' else 'a'} {listed}"


def _where_it_belongs(kind: PaperKind[Any]) -> str:
    if kind.automatic_on:
        return f"the bot writes it by itself for every decision of {_kinds(kind.automatic_on)} step"
    places = [
        f"{key} of {_kinds(kinds)} step"
        for key, kinds in (("papers", kind.papers_on), ("templates", kind.templates_on))
        if kinds
    ]
    where = "it belongs in " + " or ".join(places)
    if kind.on_completion:
        where += " (a case completed without archiving gets it by itself)"
    return where


def fit_problem(
    name: str,
    listed_in: str,
    step_kind: StepKind,
    kinds: Mapping[str, PaperKind[Any]] = PAPERS,
) -> str | None:
    """Why a step of ``step_kind`` may not name paper ``name`` in its ``listed_in``
    (``"papers"`` or ``"templates"``); None when it may, or when no paper of ``kinds`` (an
    SOP's: :func:`paper_kinds`) has that name (:func:`bot.paperwork.paper_problems`
    reports those)."""
    kind = kinds.get(name)
    if kind is None:
        return None
    allowed = kind.papers_on if listed_in == "papers" else kind.templates_on
    if step_kind in allowed:
        return None
    what = f"paper '{name}' ({kind.title})"
    if not kind.of_a_step:
        return f"{what} is not a paper of a case"
    return f"{what} does not fit {listed_in} of {_kinds(frozenset({step_kind}))} step: " + (
        _where_it_belongs(kind)
    )


def step_paper_problems(definition: SopDefinition) -> list[str]:
    """Every paper an SOP names where it does not fit, as ``steps[3].papers: paper
    'pemeriksaan' (Lembar Pemeriksaan) does not fit papers of an action step: ...``."""
    kinds = paper_kinds(definition)
    problems = []
    for doc in definition.documents:
        kind = kinds.get(doc.paper or "")
        if kind is not None and not kind.of_a_step:
            problems.append(
                f"documents.{doc.id}.paper: paper '{kind.name}' ({kind.title}) is not a paper "
                "of a case"
            )
    for i, step in enumerate(definition.steps):
        for listed_in in ("papers", "templates"):
            for name in getattr(step, listed_in):
                problem = fit_problem(name, listed_in, step.kind, kinds)
                if problem is not None:
                    problems.append(f"steps[{i}].{listed_in}: {problem}")
    return problems
