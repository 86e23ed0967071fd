"""The one registry of paper kinds: name, template file, context, file name, sample.

A paper kind is named in SOP files as the registry names it: a step's ``papers = [...]``
and ``templates = [...]``, a document's ``paper = "..."``. ``sopbot check`` refuses any
other name, and renders every kind's template with its sample record.

Adding a paper: a record in :mod:`bot.papers.model`, a context function in
:mod:`bot.papers.contexts`, a sample in :mod:`bot.papers.samples`, the template in
``doc_templates/``, one entry here, and (for the bot) how a case becomes the record in
:mod:`bot.paperwork`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, TypeVar

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
    "file_name",
]

R = TypeVar("R")


@dataclass(frozen=True)
class PaperKind(Generic[R]):
    """One kind of paper and everything that belongs to it."""

    name: str  # as SOP files name it: "sk_tim"
    title: str  # what the paper is called in the office: "Draf SK Tim Penyusunan"
    template: str  # its file in doc_templates/ (or an office's templates_dir)
    file_word: str  # the first word of its file names: "sk-tim"
    record: type[R]  # its input (bot.papers.model)
    context: Callable[[R, OfficeZone], dict[str, Any]]  # what fills the template
    sample: Callable[[], R]  # a realistic record, for `sopbot check` and tests


DISPOSISI = PaperKind(
    "disposisi", "Lembar Disposisi", "disposisi.docx", "disposisi",
    Disposisi, disposisi_context, samples.sample_disposisi,
)  # fmt: skip
SK_TIM = PaperKind(
    "sk_tim", "Draf SK Tim Penyusunan", "sk_tim.docx", "sk-tim",
    SkTim, sk_tim_context, samples.sample_sk_tim,
)  # fmt: skip
PEMERIKSAAN = PaperKind(
    "pemeriksaan", "Lembar Pemeriksaan", "pemeriksaan.docx", "pemeriksaan",
    Pemeriksaan, pemeriksaan_context, samples.sample_pemeriksaan,
)  # fmt: skip
PROGRAM_KERJA = PaperKind(
    "program_kerja", "Kerangka Draf Program Kerja", "program_kerja.docx", "program-kerja",
    DraftSkeleton, skeleton_context, samples.sample_skeleton,
)  # fmt: skip
RKAKL = PaperKind(
    "rkakl", "Kerangka Draf RKAKL", "rkakl.docx", "rkakl",
    DraftSkeleton, skeleton_context, samples.sample_skeleton,
)  # fmt: skip
PENETAPAN_KINERJA = PaperKind(
    "penetapan_kinerja", "Kerangka Draf Penetapan Kinerja", "penetapan_kinerja.docx",
    "penetapan-kinerja", DraftSkeleton, skeleton_context, samples.sample_skeleton,
)  # fmt: skip
DOKUMENTASI = PaperKind(
    "dokumentasi", "Dokumentasi", "dokumentasi.docx", "dokumentasi",
    Dokumentasi, dokumentasi_context, samples.sample_dokumentasi,
)  # fmt: skip
# Not a paper of a case: the SOP evaluation report of /laporan, named by its period.
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

# The archive bundle (.zip) of a finished case: not a template, but named the same way.
ARCHIVE_WORD = "arsip-dokumentasi"

_SLUG_DROP = re.compile(r"[^A-Za-z0-9.]+")


def _slug(text: str, limit: int = 60) -> str:
    return _SLUG_DROP.sub("-", clean(text)).strip("-.")[:limit].strip("-.")


def _name(word: str, case_no: str, extra: tuple[str, ...], suffix: str) -> str:
    parts = [word, _slug(case_no) or "tanpa-nomor"]
    parts += [slug for slug in map(_slug, extra) if slug]
    return "-".join(parts) + suffix


def file_name(kind: PaperKind[Any], case_no: str, *extra: str) -> str:
    """A file name that says which paper it is: ``file_name(DISPOSISI, "K7", "langkah2",
    "ke1")`` -> "disposisi-K7-langkah2-ke1.docx". Only ASCII letters, digits, dots and
    dashes remain of case_no and extra."""
    return _name(kind.file_word, case_no, extra, ".docx")


def archive_file_name(case_no: str) -> str:
    """ "arsip-dokumentasi-K7.zip": the bundle of :func:`bot.papers.archive.bundle_zip`."""
    return _name(ARCHIVE_WORD, case_no, (), ".zip")
