"""Importing SOP-AP forms: the source SOP reproduces the shipped definition, other SOPs in both
forms give the drafts their text and symbols say, and every uncertain inference is a guess.

Every import is loaded back with the real loader (``load_draft``) from the TOML it wrote.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import logging
import re
import sys
import tomllib
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import IO, Any

import pytest
from core_helpers import SOP_PATH, Run, person, sop
from docx import Document
from hypothesis import given
from hypothesis import strategies as st
from sopimport_forms import (
    CONNECTOR,
    DIAMOND,
    DIAMOND_PICTURE,
    PICTURE,
    PROCESS,
    VML_DIAMOND,
    Form,
    Row,
    to_docx,
    to_text,
)
from test_filecheck import compound_file

from bot.core.definition import SopDefinition
from bot.core.loader import (
    DefinitionError,
    Guess,
    UnconfirmedGuesses,
    load_definition,
    parse_definition,
    parse_draft,
)
from bot.core.model import CaseStatus
from bot.sopimport import ImportFailure, draft_toml, read_sop_form, write_atomically
from bot.sopimport.docx_form import _style_numbering
from bot.sopimport.inference import infer_draft
from bot.sopimport.model import DraftGuess
from bot.sopimport.roles import role_ids
from bot.sopimport.sentences import read_sentence
from bot.sopimport.text_form import split_numbered
from bot.sopimport.times import parse_time
from bot.sopimport.toml_writer import toml_string, write_draft

# A byte-identical copy of ../shared/sop/source-sop.txt (the portal's export), so that the
# suite runs from the repository alone; test_the_fixture_is_the_shared_source checks the copy.
SOURCE = Path(__file__).resolve().parent / "fixtures" / "sopimport" / "source-sop.txt"
SHARED_SOURCES = [
    parent / "shared" / "sop" / "source-sop.txt" for parent in Path(__file__).resolve().parents[1:4]
]


def imported(name: str, data: bytes) -> tuple[SopDefinition, tuple[Guess, ...], str]:
    text, _ = draft_toml(name, data)
    definition, guesses = parse_draft(tomllib.loads(text), source=name)
    return definition, guesses, text


def flow(definition: SopDefinition) -> list[tuple[int, str, bool, int | None, int | None]]:
    return [(s.id, s.actor, s.is_review, s.on_approve, s.on_return) for s in definition.steps]


def guessed(guesses: tuple[Guess, ...], prefix: str) -> set[str]:
    """Fields guessed under ``prefix`` ("steps[2]" -> {"actor", ...})."""
    return {g.path.rsplit(".", 1)[1] for g in guesses if g.path.rsplit(".", 1)[0] == prefix}


# -- the source SOP (portal text export) -------------------------------------------------


def test_importing_the_source_text_reproduces_the_shipped_steps() -> None:
    definition, _, _ = imported("source-sop.txt", SOURCE.read_bytes())
    assert flow(definition) == flow(sop())
    assert [s.kind for s in definition.steps] == [s.kind for s in sop().steps]
    assert [s.approval for s in definition.steps] == [s.approval for s in sop().steps]
    assert {r.id for r in definition.roles} == {r.id for r in sop().roles}
    assert {r.id: r.superior for r in definition.roles} == sop().superior_of()
    assert [r.id for r in definition.roles if r.shared] == ["tim"]


def test_the_team_step_names_the_team_it_forms_also_beside_a_second_team() -> None:
    """ "membentuk Tim Penyusunan" forms the role Tim; with a second shared role (the archive
    kept by a "Tim Arsip") the draft must say which, or it would not load."""
    _, _, text = imported("source-sop.txt", SOURCE.read_bytes())
    assert 'team = "tim"' in text.splitlines()
    two_teams = (
        SOURCE.read_bytes()
        .decode("utf-8-sig")
        .replace("\tFungsional Umum\tPersyaratan", "\tTim Arsip\tPersyaratan")
    )
    definition, _, _ = imported("source-sop.txt", two_teams.encode())
    assert [r.id for r in definition.roles if r.shared] == ["tim", "tim_arsip"]
    team = definition.team_role(5)
    assert team is not None and team.id == "tim"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_the_source_text_saved_by_notepad_as_unicode_imports_the_same(encoding: str) -> None:
    """Notepad's "Unicode" is UTF-16 with a byte order mark: read, not refused."""
    text = SOURCE.read_bytes().decode("utf-8-sig")
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    assert imported("source-sop.txt", data)[2] == imported("source-sop.txt", SOURCE.read_bytes())[2]


def test_the_fixture_is_the_shared_source() -> None:
    shared = [p for p in SHARED_SOURCES if p.exists()]
    if not shared:
        pytest.skip("../shared/sop/source-sop.txt is not beside this checkout")
    assert SOURCE.read_bytes() == shared[0].read_bytes()


# the steps whose new Output no step uploads (the Disposisi at step 2, the Dokumentasi at
# step 12): recorded as present when the step completes, without a file, which the office
# confirms (or turns into an upload, or a paper the bot writes)
PRODUCED_WITHOUT_A_FILE = {1, 11}


def test_the_source_text_leaves_open_the_hierarchy_the_blank_times_and_outputs_without_files() -> (
    None
):
    definition, guesses, _ = imported("source-sop.txt", SOURCE.read_bytes())
    for i in range(len(definition.steps)):
        outputs = {"outputs"} if i in PRODUCED_WITHOUT_A_FILE else set()
        assert guessed(guesses, f"steps[{i}]") == {"time_minutes", *outputs}  # Waktu: "menit"
    disposisi = next(g for g in guesses if g.path == "steps[1].outputs")
    assert "'Disposisi' dicatat ada tanpa berkas" in disposisi.reason
    for i in range(len(definition.roles)):
        assert guessed(guesses, f"roles[{i}]") == {"superior"}
    assert all("menit" in g.reason for g in guesses if g.path.endswith("time_minutes"))


def test_the_source_header_documents_and_related_sops_are_carried() -> None:
    definition, _, text = imported("source-sop.txt", SOURCE.read_bytes())
    header = definition.header
    assert header.name == sop().header.name
    assert header.number == "1/.../OT.04.00/././...."
    assert header.organisation == sop().header.organisation
    assert header.approved_by == "Kepala Biro Perencanaan"
    assert header.revision_date == "-"
    assert len(header.legal_basis) == 5 and header.legal_basis[1].startswith("PP No. 47")
    assert len(header.qualifications) == 3
    assert header.related_sops == sop().header.related_sops
    assert header.equipment[1] == "Lembar Pemeriksaan"
    assert header.warning == sop().header.warning
    steps = {s.id: s for s in definition.steps}
    assert steps[6].related_sop == "SOP Pengumpulan Bahan, SOP Pembuatan Draf"
    assert steps[12].related_sop == "SOP Pendokumentasian"
    # 'Konsep Rencana Kerja' approved is 'Rencana Kerja'; the drafts approved are the finals
    assert definition.canonical("rencana_kerja") == "konsep_rencana_kerja"
    assert definition.canonical("program_kerja") == "draf_program_kerja"
    assert definition.canonical("rkakl") == "draf_rkakl"
    assert set(steps[1].uploads) == {"konsep_rencana_kerja", "tor"}
    assert "bahan" in steps[6].uploads and "draf_rkakl" in steps[6].uploads
    assert steps[6].inputs[0] == "sk"  # 'SK TIM' merged with 'SK' ...
    assert "PERIKSA: 'SK TIM'" in text  # ... as a visible guess
    assert all(s.papers == () for s in definition.steps)  # not in the form: left out, said so
    assert "papers" in text.split("[sop]")[0]


def test_every_guess_has_a_periksa_comment_above_it() -> None:
    _, guesses, text = imported("source-sop.txt", SOURCE.read_bytes())
    assert text.count("\n# PERIKSA:") == len(guesses) == 20
    tables = re.split(r"\n(?=\[)", text)
    for table in tables:
        lines = table.splitlines()
        periksa = [n for n, line in enumerate(lines) if line.startswith("# PERIKSA:")]
        fields = [n for n, line in enumerate(lines) if line.startswith("guesses.")]
        assert len(periksa) == len(fields)
        assert all(p < f for p, f in zip(periksa, fields, strict=True))
        assert ("confirmed = false" in lines) is bool(fields)


def shipped_as_docx(folder: Path) -> bytes:
    """The source SOP drawn in Word: its rows, with each shipped actor's symbol in its cell."""
    form = read_sop_form("source-sop.txt", SOURCE.read_bytes())
    heading = dict(
        zip(["kasubag", "kabag", "karo", "tim", "fungsional_umum"], form.role_headings, strict=True)
    )
    decisions = iter([DIAMOND, DIAMOND_PICTURE, VML_DIAMOND, DIAMOND, DIAMOND])
    rows = []
    for row, step in zip(form.rows, sop().steps, strict=True):
        symbol = next(decisions) if step.is_review else (PROCESS if step.id == 4 else PICTURE)
        extra = (("Karo", CONNECTOR),) if step.id == 1 else ()  # an arrow is not a symbol
        rows.append(
            Row(
                row.activity,
                (heading[step.actor],),
                symbol,
                row.requirements,
                row.time,
                row.output,
                row.remark,
                extra,
            )
        )
    h = form.header
    return to_docx(
        Form(
            name=h.name, roles=form.role_headings, rows=rows, number=h.number,
            organisation=h.organisation, approved_by=h.approved_by, legal_basis=h.legal_basis,
            qualifications=h.qualifications, related=h.related_sops, equipment=h.equipment,
            warning=h.warning, record_keeping=h.record_keeping,
        ),
        folder,
    )  # fmt: skip


def test_the_source_sop_drawn_in_word_imports_to_the_same_steps(tmp_path: Path) -> None:
    definition, guesses, _ = imported("sop.docx", shipped_as_docx(tmp_path))
    assert flow(definition) == flow(sop())
    assert [s.kind for s in definition.steps] == [s.kind for s in sop().steps]
    assert definition.header.related_sops == sop().header.related_sops
    for i in range(len(definition.steps)):
        outputs = {"outputs"} if i in PRODUCED_WITHOUT_A_FILE else set()
        assert guessed(guesses, f"steps[{i}]") == {"time_minutes", *outputs}


# -- another SOP, in both forms ----------------------------------------------------------

ROLES = ("Staf Pelaksana", "Kasubag TU", "Kabag Umum", "Kabag Keuangan", "Sesditjen")


def surat_tugas(**changes: Row) -> Form:
    """Five steps, two Kabag columns; step 2 hands on to "Kabag" (which of the two?)."""
    rows = {
        "r1": Row(
            "menyusun konsep Surat Tugas dan menyampaikan kepada Kasubag TU.",
            ("Staf Pelaksana",), PICTURE, "Nota Dinas Permintaan", "30 menit", "Konsep Surat Tugas",
        ),
        "r2": Row(
            "memeriksa konsep Surat Tugas. Jika setuju memberi paraf dan menyampaikan kepada "
            "Kabag, jika tidak setuju dikembalikan kepada Staf Pelaksana untuk diperbaiki.",
            ("Kasubag TU",), DIAMOND, "Konsep Surat Tugas", "2 jam", "Konsep Surat Tugas",
        ),
        "r3": Row(
            "memeriksa konsep Surat Tugas. Jika setuju memberi paraf dan meneruskan kepada "
            "Sesditjen, jika tidak setuju dikembalikan kepada Kasubag TU.",
            ("Kabag Keuangan",), DIAMOND, "Konsep Surat Tugas", "1 hari", "Konsep Surat Tugas",
        ),
        "r4": Row(
            "memeriksa Surat Tugas. Jika setuju menandatangani dan menyerahkan kepada Staf "
            "Pelaksana untuk diarsipkan, jika tidak setuju dikembalikan kepada Kabag untuk diperbaiki.",
            ("Sesditjen",), DIAMOND, "Konsep Surat Tugas", "", "Surat Tugas",
        ),
        "r5": Row(
            "mengarsipkan Surat Tugas dan menyampaikan salinannya kepada pegawai yang ditugaskan.",
            ("Staf Pelaksana",), "mark:√", "Surat Tugas", "menit", "Arsip Surat Tugas",
            "SOP Perjalanan Dinas",
        ),
    }  # fmt: skip
    rows.update(changes)
    return Form(
        name="Penerbitan Surat Tugas Perjalanan Dinas",
        roles=ROLES,
        rows=list(rows.values()),
        related=("SOP Perjalanan Dinas",),
    )


def test_another_sop_from_the_text_export_flags_the_ambiguous_kabag() -> None:
    definition, guesses, text = imported("surat-tugas.txt", to_text(surat_tugas()).encode())
    assert [r.id for r in definition.roles] == [
        "staf_pelaksana", "kasubag_tu", "kabag_umum", "kabag_keuangan", "sesditjen",
    ]  # fmt: skip
    assert flow(definition) == [
        (1, "staf_pelaksana", False, 2, None),  # named by the return of step 2
        (2, "kasubag_tu", True, 3, 1),
        (3, "kabag_umum", True, 4, 2),  # "kepada Kabag": one of two, flagged below
        (4, "sesditjen", True, 5, 3),
        (5, "staf_pelaksana", False, None, None),
    ]
    assert guessed(guesses, "steps[0]") == set()
    assert guessed(guesses, "steps[1]") == set()
    assert guessed(guesses, "steps[2]") == {"actor"}
    actor = next(g for g in guesses if g.path == "steps[2].actor")
    assert "Kabag Umum" in actor.reason and "Kabag Keuangan" in actor.reason
    assert guessed(guesses, "steps[3]") == {"on_return", "time_minutes"}  # "kepada Kabag" again
    assert guessed(guesses, "steps[4]") == {"time_minutes", "outputs"}  # the archive's Output
    assert [s.time_minutes for s in definition.steps[:3]] == [30, 120, 480]
    assert (
        definition.steps[3].approval is not None
        and definition.steps[3].approval.value == "signature"
    )
    assert definition.canonical("surat_tugas") == "konsep_surat_tugas"
    assert "# PERIKSA: kalimat langkah 2" in text


def test_the_same_sop_in_word_takes_the_actor_from_the_symbol(tmp_path: Path) -> None:
    definition, guesses, _ = imported("surat-tugas.docx", to_docx(surat_tugas(), tmp_path))
    assert flow(definition) == [
        (1, "staf_pelaksana", False, 2, None),
        (2, "kasubag_tu", True, 3, 1),
        (3, "kabag_keuangan", True, 4, 2),  # the symbol settles "kepada Kabag"
        (4, "sesditjen", True, 5, 3),  # only Kabag Keuangan held an earlier step
        (5, "staf_pelaksana", False, None, None),
    ]
    assert {g.path for g in guesses if g.path.startswith("steps")} == {
        "steps[3].time_minutes",
        "steps[4].time_minutes",
        "steps[4].outputs",
    }
    header = definition.header
    assert header.organisation[2] == "Biro Umum"
    assert header.approved_by == "Kepala Biro Umum"
    assert header.legal_basis == ("UU No. 5 Tahun 2014 tentang Aparatur Sipil Negara",)
    assert header.related_sops == ("SOP Perjalanan Dinas",)
    assert definition.step(5).related_sop == "SOP Perjalanan Dinas"


def test_a_ket_note_that_names_no_sop_stays_a_comment_on_its_step() -> None:
    rows = surat_tugas().rows
    form = surat_tugas(
        r3=dataclasses.replace(rows[2], remark="Disposisi paling lambat 1 hari kerja"),
        r4=dataclasses.replace(rows[3], remark="SOP Perjalanan Dinas, salinan ke Bagian Keuangan"),
        r5=dataclasses.replace(rows[4], remark="Perjalanan Dinas"),  # as under KETERKAITAN
    )
    definition, guesses, text = imported("ket.txt", to_text(form).encode())
    assert definition.step(3).related_sop is None  # a note, not the name of an SOP
    step3 = text.split("[[steps]]")[3]
    assert "# Ket pada formulir: 'Disposisi paling lambat 1 hari kerja'" in step3
    assert definition.step(4).related_sop == "SOP Perjalanan Dinas"
    assert "salinan ke Bagian Keuangan" in text.split("[[steps]]")[4]
    assert definition.step(5).related_sop == "Perjalanan Dinas"
    assert "Ket pada formulir" not in text.split("[[steps]]")[5]
    assert all(g.path.rsplit(".", 1)[1] != "related_sop" for g in guesses)


def test_a_return_goes_back_to_the_step_of_the_official_it_names(tmp_path: Path) -> None:
    form = surat_tugas(
        r4=Row(
            "memeriksa Surat Tugas. Jika setuju menandatangani dan menyerahkan kepada Staf "
            "Pelaksana, jika tidak setuju dikembalikan kepada Kasubag TU untuk diperbaiki.",
            ("Sesditjen",), DIAMOND, "Konsep Surat Tugas", "1 jam", "Surat Tugas",
        ),
    )  # fmt: skip
    for name, data in (("t.txt", to_text(form).encode()), ("t.docx", to_docx(form, tmp_path))):
        definition, guesses, _ = imported(name, data)
        assert definition.step(4).on_return == 2, name  # past step 3, to Kasubag TU's step
        assert "on_return" not in guessed(guesses, "steps[3]"), name


def test_where_the_symbol_and_the_sentence_disagree_the_symbol_wins_and_says_so(
    tmp_path: Path,
) -> None:
    form = surat_tugas(
        r2=Row(
            "memeriksa konsep Surat Tugas. Jika setuju menyampaikan kepada Kabag Umum, jika "
            "tidak setuju dikembalikan kepada Staf Pelaksana.",
            ("Kasubag TU",), DIAMOND, "Konsep Surat Tugas", "2 jam", "Konsep Surat Tugas",
        ),
    )  # fmt: skip
    definition, guesses, text = imported("beda.docx", to_docx(form, tmp_path))
    assert definition.step(3).actor == "kabag_keuangan"  # the symbol's column
    reason = next(g.reason for g in guesses if g.path == "steps[2].actor")
    assert "simbol di kolom Kabag Keuangan" in reason and "'Kabag Umum'" in reason
    assert "simbol yang dipakai" in reason
    assert "# PERIKSA: pelaksana diambil dari simbol di kolom Kabag Keuangan" in text


def test_symbols_in_two_columns_are_flagged_not_silently_picked(tmp_path: Path) -> None:
    form = surat_tugas(
        r3=Row(
            "memeriksa konsep Surat Tugas. Jika setuju meneruskan kepada Sesditjen, jika tidak "
            "setuju dikembalikan kepada Kasubag TU.",
            ("Kabag Umum", "Kabag Keuangan"), PICTURE, "Konsep Surat Tugas", "1 hari",
            "Konsep Surat Tugas",
        ),
    )  # fmt: skip
    definition, guesses, _ = imported("dua.docx", to_docx(form, tmp_path))
    assert definition.step(3).actor in {"kabag_umum", "kabag_keuangan"}
    reason = next(g.reason for g in guesses if g.path == "steps[2].actor")
    assert "beberapa kolom (Kabag Umum, Kabag Keuangan)" in reason
    with pytest.raises(UnconfirmedGuesses) as refused:
        parse_definition(tomllib.loads(draft_toml("dua.docx", to_docx(form, tmp_path))[0]))
    assert any(
        p.startswith("steps[2].actor: ") and p.endswith("; periksa") for p in refused.value.problems
    )


def test_symbols_in_two_columns_with_no_sentence_to_settle_them(tmp_path: Path) -> None:
    form = surat_tugas(
        r2=Row(
            "memeriksa konsep Surat Tugas. Jika setuju memberi paraf, jika tidak setuju "
            "dikembalikan kepada Staf Pelaksana.",
            ("Kasubag TU",), DIAMOND, "Konsep Surat Tugas", "2 jam", "Konsep Surat Tugas",
        ),
        r3=Row(
            "memeriksa konsep Surat Tugas. Jika setuju meneruskan kepada Sesditjen, jika tidak "
            "setuju dikembalikan kepada Kasubag TU.",
            ("Kabag Umum", "Kabag Keuangan"), PICTURE, "Konsep Surat Tugas", "1 hari",
            "Konsep Surat Tugas",
        ),
    )  # fmt: skip
    definition, guesses, text = imported("dua.docx", to_docx(form, tmp_path))
    assert definition.step(3).actor == "kabag_umum"
    reason = next(g.reason for g in guesses if g.path == "steps[2].actor")
    assert reason.startswith("simbol di beberapa kolom (Kabag Umum, Kabag Keuangan)")
    assert "# PERIKSA: baris ini memuat simbol di beberapa kolom Pelaksana" in text
    assert "on_return" in guessed(guesses, "steps[3]")  # "kepada Kabag": which step is theirs?


def test_decision_shapes_are_told_and_a_rectangle_overrides_a_decision_sentence(
    tmp_path: Path,
) -> None:
    form = surat_tugas(
        r3=Row(
            "memeriksa kelengkapan konsep Surat Tugas dan meneruskan kepada Sesditjen.",
            ("Kabag Keuangan",), DIAMOND_PICTURE, "Konsep Surat Tugas", "1 hari",
            "Konsep Surat Tugas", extra=(("Kabag Umum", CONNECTOR),),
        ),
        r4=Row(
            "memeriksa Surat Tugas. Jika setuju menandatangani dan menyerahkan kepada Staf "
            "Pelaksana, jika tidak setuju dikembalikan kepada Kabag Keuangan.",
            ("Sesditjen",), PROCESS, "Konsep Surat Tugas", "15 menit", "Surat Tugas",
        ),
    )  # fmt: skip
    definition, guesses, _ = imported("bentuk.docx", to_docx(form, tmp_path))
    step3, step4 = definition.step(3), definition.step(4)
    assert step3.actor == "kabag_keuangan" and step3.is_review  # the diamond picture
    assert step3.on_return == 2  # no return sentence: the previous step, guessed
    assert guessed(guesses, "steps[2]") == {"kind", "on_return"}
    assert not step4.is_review and step4.on_return is None  # the rectangle wins
    assert guessed(guesses, "steps[3]") == {"kind"}
    assert "bukan belah ketupat" in next(g.reason for g in guesses if g.path == "steps[3].kind")


def test_a_step_no_sentence_names_gets_a_guessed_actor() -> None:
    form = surat_tugas(
        r1=Row(
            "menyusun konsep Surat Tugas.", (), PICTURE, "Nota Dinas Permintaan", "30 menit",
            "Konsep Surat Tugas",
        ),
        r2=Row(
            "memeriksa konsep Surat Tugas. Jika setuju menyampaikan kepada Kabag Keuangan, jika "
            "tidak setuju dikembalikan kepada Kepala Sub Bagian TU untuk diperbaiki.",
            (), DIAMOND, "Konsep Surat Tugas", "2 jam", "Konsep Surat Tugas",
        ),
        r3=Row(
            "meneruskan konsep Surat Tugas kepada Sesditjen.", (), PICTURE, "Konsep Surat Tugas",
            "1 hari", "Konsep Surat Tugas",
        ),
    )  # fmt: skip
    definition, guesses, _ = imported("tanpa.txt", to_text(form).encode())
    # step 2 returns to "Kepala Sub Bagian TU" (= Kasubag TU): the only step before is step 1
    assert definition.step(1).actor == "kasubag_tu"
    assert guessed(guesses, "steps[0]") == set()
    # nothing names the actor of step 2: guessed, and said so
    assert definition.step(2).actor == "kasubag_tu"
    reason = next(g.reason for g in guesses if g.path == "steps[1].actor")
    assert "tidak ada simbol atau kalimat" in reason and "langkah 1" in reason
    assert definition.step(3).actor == "kabag_keuangan"
    assert guessed(guesses, "steps[2]") == set()


def test_a_return_to_an_official_who_may_hold_several_steps_is_a_guess() -> None:
    form = surat_tugas(
        r1=Row(
            "menyusun konsep Surat Tugas.", (), PICTURE, "Nota Dinas Permintaan", "30 menit",
            "Konsep Surat Tugas",
        ),
        r2=Row(
            "memeriksa konsep Surat Tugas. Jika setuju menyampaikan kepada Kabag Keuangan, jika "
            "tidak setuju dikembalikan kepada Kasubag TU.",
            (), DIAMOND, "Konsep Surat Tugas", "2 jam", "Konsep Surat Tugas",
        ),
        r3=Row(
            "memeriksa konsep Surat Tugas. Jika setuju meneruskan kepada Sesditjen, jika tidak "
            "setuju dikembalikan kepada Kasubag TU.",
            (), DIAMOND, "Konsep Surat Tugas", "1 hari", "Konsep Surat Tugas",
        ),
    )  # fmt: skip
    definition, guesses, _ = imported("dua-kali.txt", to_text(form).encode())
    # step 3 returns to Kasubag TU: step 2 (nobody names its actor) or step 1 (Kasubag TU)
    assert definition.step(3).on_return == 2
    assert definition.step(2).actor == "kasubag_tu"
    assert guessed(guesses, "steps[1]") == {"actor"}
    assert guessed(guesses, "steps[2]") == {"on_return"}


FORMS = SOURCE.parent  # other SOPs of the same form, made with sopimport_forms (a review's)


@pytest.mark.parametrize("which", ["lkj.docx", "lkj.txt"])
def test_a_return_to_the_nearer_of_two_steps_of_the_official_named_is_a_guess_naming_both(
    which: str,
) -> None:
    """The LKj's Karo (step 4) returns "kepada Kasubag untuk mengumpulkan ulang data capaian
    kinerja": the Kasubag holds steps 1 and 2, both proven by symbols in the .docx. Step 2,
    the nearer, is a pick that names step 1; step 3's return to the step just before it (the
    case came from there) is not."""
    definition, guesses, text = imported(which, (FORMS / which).read_bytes())
    assert [s.actor for s in definition.steps[:2]] == ["kasubag", "kasubag"]
    assert definition.step(4).on_return == 2
    reason = next(g.reason for g in guesses if g.path == "steps[3].on_return")
    assert reason == (
        "Kasubag memegang beberapa langkah sebelumnya; dipilih langkah 2, yang terdekat "
        "(bukan langkah 1)"
    )
    periksa = " ".join(text.replace("#", " ").split())  # the comments, unwrapped
    assert "dipilih langkah 2, yang terdekat; mungkin yang dimaksud langkah 1." in periksa
    if which.endswith(".docx"):  # every actor proven by its symbol
        assert guessed(guesses, "steps[2]") == set()
        assert definition.step(3).on_return == 2


def merged_down(data: bytes, column: int, first: int, last: int, text: str | None = None) -> bytes:
    """The form with the activity table's cells in ``column`` merged down over the rows of
    steps ``first``..``last``, as an office merges a text repeated in the rows below: the rows
    below emptied, then Word's vertical merge (``w:vMerge``), with python-docx's public
    ``_Cell.merge``; ``text``: the first cell's new text."""
    document = Document(io.BytesIO(data))
    table = document.tables[-1]
    steps = {
        row.cells[0].text: row
        for row in table.rows
        if row.cells[0].text.isdigit() and not row.cells[1].text.isdigit()
    }
    top = steps[str(first)].cells[column]
    if text is not None:
        top.text = text
    for n in range(first + 1, last + 1):
        steps[str(n)].cells[column].text = ""
    merged = top.merge(steps[str(last)].cells[column])
    # python-docx reads every row of the merge as the cell that starts it: so must the importer
    assert all(steps[str(n)].cells[column].text == merged.text for n in range(first, last + 1))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


LKJ = FORMS / "lkj.docx"  # columns: No, Kegiatan, Kasubag, Kabag, Karo, Persyaratan, Waktu, ...


@pytest.mark.parametrize(
    ("column", "first", "last", "text", "label"),
    [
        (5, 1, 2, None, "Persyaratan/Kelengkapan"),  # both rows "Data Capaian Kinerja"
        (7, 2, 3, None, "Output"),  # both rows "Draf Laporan Kinerja"
        (8, 1, 5, "SOP Pengumpulan Data", "Ket"),
    ],
)
def test_a_mutu_baku_or_ket_cell_merged_down_holds_for_every_row_it_spans(
    column: int, first: int, last: int, text: str | None, label: str
) -> None:
    """Offices merge a cell over the rows that repeat its text: Word keeps the text in the
    first row only, and every row of the merge shows it. The steps below must not lose it
    (step 2 had no inputs, steps 2-5 no related SOP); each says where the value came from."""
    plain, plain_guesses, _ = imported("lkj.docx", LKJ.read_bytes())
    definition, guesses, draft = imported(
        "lkj.docx", merged_down(LKJ.read_bytes(), column, first, last, text)
    )
    docs = [(s.inputs, s.outputs, s.uploads) for s in definition.steps]
    assert docs == [(s.inputs, s.outputs, s.uploads) for s in plain.steps]
    assert definition.step(2).inputs == ("data_capaian_kinerja",)
    related = [s.related_sop for s in definition.steps]
    assert related == [text if first <= n <= last else None for n in range(1, 6)]
    assert guesses == plain_guesses  # a repeated value is certain: nothing more to confirm
    comments = " ".join(draft.replace("#", " ").split())  # unwrapped
    said = f"adalah sel yang digabung dengan baris langkah {first}: berlaku juga untuk langkah ini"
    assert comments.count(f"{label} '") == comments.count(said) == last - first


def test_a_waktu_merged_down_is_each_steps_norm_as_a_guess_on_every_step_it_spans() -> None:
    """'5 hari' over steps 1-2 may be each step's norm or the two together: each step takes
    it, and both ask the reviewer (the first too: its 5 days may be the pair's)."""
    definition, guesses, _ = imported("lkj.docx", merged_down(LKJ.read_bytes(), 6, 1, 2))
    assert [s.time_minutes for s in definition.steps[:2]] == [2400, 2400]
    for i in (0, 1):
        (guess,) = [g for g in guesses if g.path == f"steps[{i}].time_minutes"]
        assert guess.reason == (
            "Waktu '5 hari' satu sel yang digabung untuk langkah 1, 2; dipakai untuk setiap langkah"
        )
    assert guessed(guesses, "steps[2]") == set()


def test_a_merged_pelaksana_symbol_stays_its_steps_and_merged_no_or_kegiatan_is_refused() -> None:
    """A flowchart symbol is one step's: a Kasubag cell merged over steps 1-2 proves step 1's
    actor only; step 2's is read from the sentences (here a guess), with a note. A step
    without its own No or Kegiatan is refused, naming the merge."""
    definition, guesses, draft = imported("lkj.docx", merged_down(LKJ.read_bytes(), 2, 1, 2))
    assert [s.actor for s in definition.steps[:2]] == ["kasubag", "kasubag"]
    assert guessed(guesses, "steps[0]") == set()
    assert guessed(guesses, "steps[1]") == {"actor"}
    assert "sel Pelaksana Kasubag digabung dengan baris langkah 1: simbolnya dibaca" in draft
    with pytest.raises(ImportFailure, match="sel Kegiatan langkah 2 digabung dengan sel Kegiatan"):
        read_sop_form("lkj.docx", merged_down(LKJ.read_bytes(), 1, 1, 2))
    with pytest.raises(ImportFailure, match="sel No-nya digabung dengan sel No di atasnya"):
        read_sop_form("lkj.docx", merged_down(LKJ.read_bytes(), 0, 1, 2))


def test_a_return_read_from_a_ket_merged_down_from_another_step_is_a_guess(
    tmp_path: Path,
) -> None:
    """Step 4's Ket "Tidak: kembali ke no. 2" merged over step 5 sends step 5 back to step 2
    too: it holds for that row as written, but may have been meant for step 4 alone."""
    definition, guesses, _ = imported(
        "karpeg.docx", merged_down(to_docx(karpeg(), tmp_path), -1, 4, 5)
    )
    assert [(s.id, s.on_return) for s in definition.steps if s.is_review] == [(4, 2), (5, 2)]
    (guess,) = [g for g in guesses if g.path == "steps[4].on_return"]
    assert guess.reason == "'kembali ke 2' dari sel Ket yang digabung dengan baris di atasnya"
    assert guessed(guesses, "steps[3]") == set()


@pytest.mark.parametrize("which", ["sk-pns.docx", "sk-pns.txt"])
def test_a_document_name_with_dan_inside_stays_one_document_with_a_note(which: str) -> None:
    """Kelengkapan "…Golongan III, Surat Keterangan Sehat Jasmani dan Rohani dari Dokter
    Pemerintah": the official is asked for the doctor's certificate, not for a "Rohani dari
    Dokter Pemerintah"; the reviewer is told the name was kept whole."""
    definition, _, text = imported(which, (FORMS / which).read_bytes())
    uploads = [definition.document(d).name for d in definition.step(1).inputs]
    assert uploads == [
        "Surat Keterangan Telah Mengikuti Pendidikan dan Pelatihan Prajabatan / Latsar CPNS "
        "Golongan III",
        "Surat Keterangan Sehat Jasmani dan Rohani dari Dokter Pemerintah",
    ]
    assert not any("Rohani" in d.name and "Surat" not in d.name for d in definition.documents)
    comment = text.split("[documents.surat_keterangan_sehat_jasmani]", 1)[1].split("name =")[0]
    assert "dibaca sebagai satu" in comment and "pisahkan menjadi dua dokumen" in comment


@pytest.mark.parametrize(
    ("cell", "documents"),
    [
        ("Nota Dinas, Spesifikasi Teknis dan HPS", ["Nota Dinas", "Spesifikasi Teknis", "HPS"]),
        (
            "KTP, Surat Lamaran dan Surat Keterangan Sehat",
            ["KTP", "Surat Lamaran", "Surat Keterangan Sehat"],
        ),
        ("KTP, Daftar Riwayat Hidup, dan Pas Foto", ["KTP", "Daftar Riwayat Hidup", "Pas Foto"]),
        (
            "KTP, Surat Keterangan Sehat Jasmani dan Rohani",
            ["KTP", "Surat Keterangan Sehat Jasmani dan Rohani"],
        ),
        (
            "Surat Keterangan Pendidikan dan Pelatihan",
            ["Surat Keterangan Pendidikan dan Pelatihan"],
        ),
    ],
)
def test_a_list_is_split_at_dan_only_before_a_document_of_its_own(
    cell: str, documents: list[str]
) -> None:
    form = surat_tugas(
        r1=Row(
            "menyusun konsep Surat Tugas dan menyampaikan kepada Kasubag TU.", (), PICTURE, cell,
            "30 menit", "Konsep Surat Tugas",
        ),
    )  # fmt: skip
    definition, _, _ = imported("daftar.txt", to_text(form).encode())
    assert [definition.document(d).name for d in definition.step(1).inputs] == documents


# -- other Kemnaker SOPs, as bureaus write them -------------------------------------------

ST_ROLES = ("Pegawai", "Kasubag TU", "Kabag Umum", "Karo Umum", "Pengadministrasi Umum")


def penerbitan_surat_tugas() -> Form:
    """Eight steps; the Surat Tugas signed at step 5 is numbered at step 6 ("Surat Tugas
    bernomor") and received at step 8 ("Surat Tugas diterima"): two later Outputs whose names
    start with the name of one earlier document."""
    p, kasubag, kabag, karo, admin = ST_ROLES
    rows = [
        Row("Mengajukan permohonan surat tugas kepada Kasubag TU", (p,), PICTURE,
            "Nota Dinas Permohonan", "30 menit", "Nota Dinas Permohonan"),
        Row("Memeriksa permohonan. Jika setuju meneruskan kepada Pengadministrasi Umum, jika "
            "tidak setuju dikembalikan kepada Pegawai untuk diperbaiki", (kasubag,), DIAMOND,
            "Nota Dinas Permohonan", "1 jam", "Nota Dinas Permohonan"),
        Row("Menyiapkan konsep surat tugas dan menyampaikan kepada Kabag Umum", (admin,), PICTURE,
            "Nota Dinas Permohonan", "2 jam", "Konsep Surat Tugas"),
        Row("Memeriksa konsep surat tugas. Jika setuju memberi paraf dan menyampaikan kepada "
            "Karo Umum, jika tidak setuju dikembalikan kepada Pengadministrasi Umum untuk "
            "diperbaiki", (kabag,), DIAMOND, "Konsep Surat Tugas", "1 hari", "Konsep Surat Tugas"),
        Row("Menandatangani surat tugas dan menyerahkan kepada Pengadministrasi Umum", (karo,),
            PICTURE, "Konsep Surat Tugas", "1 hari", "Surat Tugas"),
        Row("Memberi nomor dan tanggal surat tugas", (admin,), PICTURE, "Surat Tugas", "15 menit",
            "Surat Tugas bernomor", "Melalui aplikasi persuratan"),
        Row("Menggandakan surat tugas dan menyerahkan kepada Pegawai", (admin,), PICTURE,
            "Surat Tugas bernomor", "30 menit", "Salinan Surat Tugas"),
        Row("Menerima surat tugas", (p,), PICTURE, "Salinan Surat Tugas", "5 menit",
            "Surat Tugas diterima"),
    ]  # fmt: skip
    return Form(name="Penerbitan Surat Tugas Perjalanan Dinas", roles=ST_ROLES, rows=rows)


@pytest.mark.parametrize("which", ["st.docx", "st.txt"])
def test_two_outputs_named_after_one_earlier_document_are_one_guess_on_its_name(
    which: str, tmp_path: Path
) -> None:
    """Once the importer crashed here ("Cannot overwrite a value"): the Surat Tugas got two
    ``guesses.name`` keys. Now the reviewer reads one guess naming both, and a PERIKSA
    comment for each."""
    form = penerbitan_surat_tugas()
    data = to_docx(form, tmp_path) if which.endswith(".docx") else to_text(form).encode()
    definition, guesses, text = imported(which, data)
    assert len(definition.steps) == 8
    assert definition.step(6).outputs == ("surat_tugas",)
    assert definition.step(8).outputs == ("surat_tugas",)
    (name,) = [g for g in guesses if g.path.startswith("documents.surat_tugas.")]
    assert name.path == "documents.surat_tugas.name"
    assert "'Surat Tugas bernomor' (langkah 6)" in name.reason
    assert "'Surat Tugas diterima' (langkah 8)" in name.reason
    table = text.split("[documents.surat_tugas]", 1)[1].split("\n\n", 1)[0]
    assert table.count("# PERIKSA:") == 2 and table.count("guesses.name =") == 1
    assert f"memuat {len(guesses)} tebakan" in text  # the preamble counts what sop show lists


def test_two_guesses_on_one_field_of_a_step_are_written_as_one_key() -> None:
    """Whatever adds a second guess to a field, the draft still loads: one key per field."""
    draft = infer_draft(read_sop_form("st.txt", to_text(penerbitan_surat_tugas()).encode()), "st")
    draft.steps[0].guesses += [
        DraftGuess("actor", "alasan pertama", "Penjelasan pertama."),
        DraftGuess("actor", "alasan kedua", "Penjelasan kedua."),
    ]
    _, guesses = parse_draft(tomllib.loads(write_draft(draft)), source="st")
    (actor,) = [g for g in guesses if g.path == "steps[0].actor"]
    assert actor.reason.endswith("alasan pertama; alasan kedua")


def karpeg(remark3: str = "Ya: lanjut ke no. 5; Tidak: kembali ke no. 2") -> Form:
    """Permenpan-RB 35/2012 style: decisions written as questions, the branches in Ket; the
    second one sends the case back two steps."""
    pk, kasubag, kabag, karo = ROLES_KARPEG
    rows = [
        Row("Menerima usulan KARPEG-el dari pegawai", (pk,), PICTURE,
            "Formulir Usulan, SK CPNS", "30 menit", "Formulir Usulan"),
        Row("Memverifikasi berkas usulan", (pk,), PICTURE, "Formulir Usulan, SK CPNS", "1 jam",
            "Berkas Terverifikasi"),
        Row("Membuat konsep surat pengantar ke BKN", (pk,), PICTURE, "Berkas Terverifikasi",
            "2 jam", "Konsep Surat Pengantar"),
        Row("Apakah konsep surat pengantar sudah benar?", (kasubag,), DIAMOND,
            "Konsep Surat Pengantar", "1 jam", "Konsep Surat Pengantar", remark3),
        Row("Apakah konsep surat pengantar disetujui?", (kabag,), DIAMOND,
            "Konsep Surat Pengantar", "1 hari", "Konsep Surat Pengantar",
            "Ya: lanjut ke no. 6; Tidak: kembali ke no. 3"),
        Row("Menandatangani surat pengantar", (karo,), PICTURE, "Konsep Surat Pengantar",
            "1 hari", "Surat Pengantar"),
        Row("Mengirim surat pengantar dan berkas ke BKN", (pk,), PICTURE,
            "Surat Pengantar, Berkas Terverifikasi", "1 hari", "Tanda Terima BKN"),
    ]  # fmt: skip
    return Form(name="Penerbitan Kartu Pegawai Elektronik", roles=ROLES_KARPEG, rows=rows)


ROLES_KARPEG = ("Pengelola Kepegawaian", "Kasubag Kepegawaian", "Kabag Umum", "Karo Umum")


def test_a_decision_asked_as_a_question_is_a_guessed_decision_in_the_text_export() -> None:
    """The export lost the diamonds; "Apakah ... ?" with Ya/Tidak in Ket is still a decision
    (a guess to confirm), returning where Ket says ("kembali ke no. 2"), not a plain action."""
    definition, guesses, _ = imported("karpeg.txt", to_text(karpeg()).encode())
    assert [(s.id, s.is_review, s.on_return) for s in definition.steps[3:5]] == [
        (4, True, 2),
        (5, True, 3),
    ]
    kind = next(g for g in guesses if g.path == "steps[3].kind")
    assert "pertanyaan 'Apakah …?'" in kind.reason
    assert "on_return" not in guessed(guesses, "steps[3]") | guessed(guesses, "steps[4]")


def test_ya_tidak_in_ket_alone_makes_a_guessed_decision() -> None:
    form = karpeg()
    form.rows[3] = dataclasses.replace(
        form.rows[3], activity="Memeriksa konsep surat pengantar", remark="Ya → 5, Tidak → 3"
    )
    definition, guesses, _ = imported("karpeg.txt", to_text(form).encode())
    assert definition.step(4).is_review
    assert "cabang Ya/Tidak" in next(g.reason for g in guesses if g.path == "steps[3].kind")
    assert definition.step(4).on_return == 3  # no step named: the step before, as a guess
    assert "on_return" in guessed(guesses, "steps[3]")


def test_in_word_a_question_in_a_diamond_returns_where_ket_says(tmp_path: Path) -> None:
    definition, guesses, _ = imported("karpeg.docx", to_docx(karpeg(), tmp_path))
    assert [(s.id, s.actor, s.on_return) for s in definition.steps if s.is_review] == [
        (4, "kasubag_kepegawaian", 2),
        (5, "kabag_umum", 3),
    ]
    steps = {g.path for g in guesses if g.path.startswith("steps")}
    assert steps == set()  # the diamond and Ket agree: nothing to confirm
    # the last step sends the letter to BKN, files nothing: an action step that ends the
    # SOP, whose holder uploads the Tanda Terima it yields (no output recorded without a file)
    last = definition.steps[-1]
    assert (last.kind, last.on_approve, last.uploads) == ("action", None, ("tanda_terima_bkn",))


@pytest.mark.parametrize("numbering", ["button", "style"])
def test_a_no_column_numbered_by_word_is_read(numbering: str, tmp_path: Path) -> None:
    """Word's numbering button (or the List Number style) shows 1., 2., ... but puts no text
    in the cell: the numbers are counted as Word counts them."""
    form = dataclasses.replace(surat_tugas(), auto_numbered=numbering)
    definition, _, _ = imported("st.docx", to_docx(form, tmp_path))
    assert flow(definition) == flow(imported("st.docx", to_docx(surat_tugas(), tmp_path))[0])


def test_word_numbering_that_cannot_be_read_asks_for_typed_numbers(tmp_path: Path) -> None:
    form = dataclasses.replace(surat_tugas(), auto_numbered="outline")  # shown 1.1, 1.2, ...
    with pytest.raises(ImportFailure, match="penomoran otomatis Word") as refused:
        read_sop_form("st.docx", to_docx(form, tmp_path))
    assert "ketikkan nomor langkahnya" in str(refused.value)
    assert "baris tanpa nomor" not in str(refused.value)


@pytest.mark.parametrize("numbering", ["bullet", "bullet-style"])
def test_a_no_column_of_word_bullets_is_refused_not_numbered(
    numbering: str, tmp_path: Path
) -> None:
    """Word's bullets button (or the List Bullet style) shows a dot in each No cell, no
    number: the list was counted as if numbered, and the draft had steps 1 to 5 the form does
    not show. A bulleted No cell is a row without a number, refused as a typed dot is, saying
    the column holds bullets and what to do."""
    form = dataclasses.replace(surat_tugas(), auto_numbered=numbering)
    with pytest.raises(ImportFailure) as refused:
        draft_toml("st.docx", to_docx(form, tmp_path))
    message = str(refused.value)
    assert message.startswith("tabel kegiatan: baris tanpa nomor langkah ('")
    assert "menyusun konsep Surat Tugas" in message  # the first step's row
    assert "poin (bullet)" in message and "ketikkan nomor langkahnya" in message


def test_header_lists_typed_with_numbers_in_word_read_as_the_text_export(tmp_path: Path) -> None:
    """Dasar Hukum typed "1. UU No. 5 ...": the SK Tim numbers its Mengingat itself, so the
    draft must not keep "1. " (it printed "1. 1. UU ...")."""
    form = dataclasses.replace(
        surat_tugas(),
        legal_basis=("UU No. 5 Tahun 2014 tentang ASN", "PP No. 11 Tahun 2017"),
        qualifications=("Memahami tata naskah dinas", "Mampu mengoperasikan komputer"),
        related=("SOP Perjalanan Dinas", "SOP Pengelolaan Surat Keluar"),
        typed_list_numbers=True,
    )
    from_word = imported("st.docx", to_docx(form, tmp_path))[0].header
    from_text = imported("st.txt", to_text(form).encode())[0].header
    assert from_word.legal_basis == from_text.legal_basis == form.legal_basis
    assert from_word.qualifications == from_text.qualifications == form.qualifications
    assert from_word.related_sops == from_text.related_sops == form.related
    assert from_word.equipment == from_text.equipment == form.equipment


def confirmed(text: str) -> SopDefinition:
    """The draft as a reviewer who agrees with every guess leaves it."""
    return parse_definition(
        tomllib.loads(text.replace("\nconfirmed = false", "\nconfirmed = true"))
    )


@pytest.mark.parametrize("which", ["source-sop.txt", "surat-tugas.docx"])
def test_a_confirmed_import_runs_a_case_to_the_archive_through_every_return(
    which: str, tmp_path: Path
) -> None:
    data = SOURCE.read_bytes() if which.endswith(".txt") else to_docx(surat_tugas(), tmp_path)
    definition = confirmed(draft_toml(which, data)[0])
    people = [person(i + 1, role.id) for i, role in enumerate(definition.roles)]
    team = [p.person_id for p in people if definition.role(next(iter(p.roles))).shared]
    run = Run(definition)
    run.start(people[0])  # the first column holds step 1 in both
    sent_back: set[int] = set()
    while run.current.status is CaseStatus.OPEN:
        step = definition.step(run.step)
        if step.is_review and step.id not in sent_back:
            sent_back.add(step.id)
            run.send_back(run.holder(people), "Mohon diperbaiki.")
            assert run.step == step.on_return
            continue
        run.forward(people, team)
    assert run.current.status is CaseStatus.ARCHIVED
    assert sent_back == {s.id for s in definition.steps if s.is_review}
    assert run.replayed() == run.current


# -- bad input ---------------------------------------------------------------------------


def source_text() -> str:
    return SOURCE.read_text(encoding="utf-8")


def test_a_table_with_the_columns_in_another_order_is_refused() -> None:
    text = source_text().replace("No.\tKegiatan\t", "Kegiatan\tNo.\t", 1)
    with pytest.raises(ImportFailure) as refused:
        draft_toml("x.txt", text.encode())
    message = str(refused.value)
    assert "urutan baku" in message and "ditemukan: Kegiatan, No" in message
    assert "No, Kegiatan, Pelaksana" in message  # what was expected


def test_an_empty_activity_table_is_refused() -> None:
    text = source_text()
    text = text[: text.index("\n1\t2\t3") + len("\n1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\n")]
    with pytest.raises(ImportFailure, match="tabel kegiatan kosong"):
        draft_toml("x.txt", text.encode())


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("surat.txt", b"Yth. Bapak/Ibu,\nDengan hormat ...\n", "tabel kegiatan tidak ditemukan"),
        (
            "x.txt",
            source_text().replace("Kepala Biro", "Kepala Bir\xe9").encode("latin-1"),
            "bukan UTF-8",
        ),
        ("x.docx", b"PK\x03\x04 bukan zip", "simpan ulang sebagai Dokumen Word (.docx)"),
        ("x.docx", b"\x00\x01 acak", "rusak"),
        ("x.doc", b"\xd0\xcf\x11\xe0 lama", ".doc"),
        ("x.txt", b"", "kosong"),
    ],
)
def test_bad_input_is_refused_naming_what_was_expected(
    name: str, data: bytes, expected: str
) -> None:
    with pytest.raises(ImportFailure) as refused:
        draft_toml(name, data)
    assert expected in str(refused.value)


def test_a_docx_whose_directory_asks_for_an_unknown_zip_version_is_refused_as_damaged(
    tmp_path: Path,
) -> None:
    """A damaged central directory entry whose "version needed to extract" reads 14.0:
    zipfile raises NotImplementedError when it opens the archive, which went out as
    "kesalahan internal pengimpor (NotImplementedError: zip file version 14.0)"."""
    data = bytearray(to_docx(surat_tugas(), tmp_path))
    entry = data.index(b"PK\x01\x02")  # the first central directory entry
    data[entry + 6 : entry + 8] = (140).to_bytes(2, "little")
    with pytest.raises(ImportFailure) as refused:
        draft_toml("st.docx", bytes(data))
    assert str(refused.value).startswith("berkas .docx rusak atau bukan dokumen Word (.docx)")
    assert "version" not in str(refused.value)


@pytest.mark.parametrize(
    "part",
    ["word/document.xml", "word/numbering.xml", "word/_rels/document.xml.rels", "_rels/.rels"],
)
def test_a_part_declaring_an_unknown_encoding_is_a_damaged_part_not_an_importer_bug(
    part: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """<?xml ... encoding="rahasia"?> made the XML reader raise LookupError, which nothing
    caught: "kesalahan internal pengimpor (LookupError: unknown encoding: rahasia)". The
    document part is refused as damaged; another part is read as missing, as a damaged one
    is."""
    caplog.set_level(logging.INFO, logger="bot.sopimport")
    data = to_docx(surat_tugas(), tmp_path)
    xml = zipfile.ZipFile(io.BytesIO(data)).read(part)
    declared = b'<?xml version="1.0" encoding="rahasia"?>' + xml.split(b"?>", 1)[1]
    damaged = with_part(data, part, lambda member: member.write(declared))
    if part != "word/document.xml":
        assert len(imported("st.docx", damaged)[0].steps) == 5
        return
    with pytest.raises(ImportFailure) as refused:
        draft_toml("st.docx", damaged)
    assert str(refused.value).startswith("berkas .docx rusak: isi dokumennya (word/document.xml)")
    assert "rahasia" not in str(refused.value)
    assert [r.getMessage() for r in caplog.records] == [
        "the .docx part word/document.xml cannot be read: LookupError: unknown encoding: rahasia"
    ]


def test_a_document_named_with_letters_beyond_ascii_gets_an_ascii_id(tmp_path: Path) -> None:
    """A document's id was made of the words of its name as they are: "Denah Ruang 20 m²"
    became [documents.denah_ruang_20_m²], which TOML cannot hold as a bare key, and the
    official read "kesalahan internal pengimpor (RuntimeError: the importer wrote a
    definition that does not load ...)". The id is now the name's letters in ASCII, "dokumen"
    when none is left; the name stays as written."""
    form = surat_tugas()
    outputs = ("Denah Ruang 20 m²", "Résumé Konsep", "Lampiran Ⅱ", "Справка", "Arsip № 5")
    rows = [dataclasses.replace(r, output=o) for r, o in zip(form.rows, outputs, strict=True)]
    definition, _, _ = imported("st.docx", to_docx(dataclasses.replace(form, rows=rows), tmp_path))
    ids = {d.name: d.id for d in definition.documents}
    expected = ["denah_ruang_20_m2", "resume_konsep", "lampiran_ii", "dokumen", "arsip_5"]
    assert [ids[name] for name in outputs] == expected


# an escape sequence (clear the screen), a bell, a C1 control (CSI), a right-to-left override
CONTROLS = ("\x1b[2J", "\x07", "\x9b", "\u202e")
IN_XML = CONTROLS[2:]  # XML 1.0 holds no C0 control but a tab or a line break


def with_controls(text: str, controls: tuple[str, ...] = CONTROLS) -> str:
    """``text`` with a control after each word but the last: "Kepala\x1b[2J Biro"."""
    words = text.split(" ")
    marked = [f"{word}{controls[i % len(controls)]}" for i, word in enumerate(words[:-1])]
    return " ".join([*marked, words[-1]])


def test_control_and_direction_characters_in_a_form_are_left_out_of_the_draft(
    tmp_path: Path,
) -> None:
    """A cell holding a control or bidirectional character (pasted from a web page, a
    terminal) went into a role's name or a step's title, which the loader refuses: the
    official read "kesalahan internal pengimpor (RuntimeError: the importer wrote a
    definition that does not load ...)". They show nothing and are left out."""
    text = source_text().replace("Kepala Biro", with_controls("Kepala Biro Umum"))
    text = text.replace("mengajukan usulan", with_controls("mengajukan usulan"), 1)
    definition, _, draft = imported("ppk.txt", text.encode())
    assert not [c for c in CONTROLS if c[0] in draft]
    assert "Kepala[2J Biro Umum" in draft  # the escape's visible rest, as the form shows it
    assert definition.steps[0].activity.startswith("Mengajukan[2J usulan penyusunan")

    form = surat_tugas()
    first = form.rows[0]
    first = dataclasses.replace(first, activity=with_controls(first.activity, IN_XML))
    form = dataclasses.replace(
        form, name=with_controls(form.name, IN_XML), rows=[first, *form.rows[1:]]
    )
    definition, _, draft = imported("st.docx", to_docx(form, tmp_path))
    assert not [c for c in IN_XML if c in draft]
    assert definition.header.name == surat_tugas().name
    assert definition.steps[0].activity == "M" + surat_tugas().rows[0].activity[1:]


def test_a_refusal_quoting_a_cell_carries_no_control_character() -> None:
    """A refusal quotes the row it stops at; printed on the operator's terminal, an escape
    sequence in it cleared the screen or retitled the window."""
    text = source_text()
    start = text.index("\n1\tmengajukan") + 1
    row = text[start + 1 :].replace("mengajukan", with_controls("a b c d e"), 1)
    with pytest.raises(ImportFailure) as refused:
        draft_toml("x.txt", (text[:start] + "x" + row).encode())
    message = str(refused.value)
    assert "baris tanpa nomor langkah ('x | a[2J b c d e usulan" in message
    assert message.isprintable(), repr(message)


@pytest.mark.parametrize("code", ["F09F", "202E", "D800"])
def test_a_symbol_font_mark_coded_as_a_control_stays_a_mark(code: str, tmp_path: Path) -> None:
    """A w:sym whose code is a C1 control (Wingdings 0x9F), a direction override or a lone
    surrogate: left out with the controls, the step lost its mark; a surrogate in the draft
    stopped the command with a traceback (UnicodeEncodeError) when it wrote it."""
    sym = f'<w:sym w:font="Wingdings" w:char="{code}"/>'
    data = rewritten(to_docx(surat_tugas(), tmp_path), "<w:t>√</w:t>", sym)
    _, _, draft = imported("st.docx", data)
    assert "# pelaksana dari simbol (tanda '?') di kolom Staf Pelaksana" in draft.splitlines()
    write_atomically(tmp_path / "st.toml", draft)
    assert (tmp_path / "st.toml").read_text(encoding="utf-8") == draft


SYMBOL_FONT_RUN = '<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr><w:t>{text}</w:t>'


@pytest.mark.parametrize(
    ("font", "code", "shown"),
    [
        ("Wingdings", "F0FC", "✓"),
        ("Wingdings", "F0FB", "✗"),
        ("Wingdings", "F0FE", "☑"),
        ("Wingdings", "F0FD", "☒"),
        ("Wingdings", "F0A8", "◻"),
        ("Wingdings", "F078", "⌧"),
        ("Wingdings 2", "F050", "✓"),
        ("Wingdings 2", "F04F", "✗"),
        ("Wingdings 2", "F052", "☑"),
        ("Wingdings 2", "F054", "☒"),
        ("Symbol", "F0D6", "√"),
        ("Symbol", "F0B4", "×"),
    ],
)
def test_a_symbol_font_check_or_cross_mark_is_described_as_the_mark_word_shows(
    font: str, code: str, shown: str, tmp_path: Path
) -> None:
    """A mark put in from a symbol font is the font's letter: Wingdings F0FC, the check mark
    Word shows, was described as "tanda 'ü'", Wingdings 2's cross as "tanda 'O'". The common
    check, cross and box marks of Wingdings, Wingdings 2 and Symbol are now described by the
    Unicode character of the mark, whether inserted as a symbol (w:sym), typed in the font,
    or typed as its private-use character; other codes stay as they were read."""
    data = to_docx(surat_tugas(), tmp_path)
    letter = chr(int(code, 16) - 0xF000)
    for new in (
        f'<w:sym w:font="{font}" w:char="{code}"/>',
        SYMBOL_FONT_RUN.format(font=font, text=letter),
        SYMBOL_FONT_RUN.format(font=font, text=chr(int(code, 16))),
    ):
        _, _, draft = imported("st.docx", rewritten(data, "<w:t>√</w:t>", new))
        line = f"# pelaksana dari simbol (tanda '{shown}') di kolom Staf Pelaksana"
        assert line in draft.splitlines(), (new, [x for x in draft.splitlines() if "tanda" in x])


@pytest.mark.parametrize(
    ("font", "code"),
    [
        ("Wingdings", "F04A"),  # a smiley: no mark known
        ("Wingdings 2", "F078"),  # a circled 4, not a cross
        ("Webdings", "F061"),  # a font with no marks known
        ("Arial", "F0FC"),  # Wingdings' check mark's code, in an ordinary font
    ],
)
def test_other_symbol_font_codes_are_read_as_before(font: str, code: str, tmp_path: Path) -> None:
    """A code with no mark known, or a run in an ordinary font, is read as before: the
    letter of a w:sym, or the text as typed."""
    data = to_docx(surat_tugas(), tmp_path)
    letter, private = chr(int(code, 16) - 0xF000), chr(int(code, 16))
    for new, shown in (
        (f'<w:sym w:font="{font}" w:char="{code}"/>', letter),
        (SYMBOL_FONT_RUN.format(font=font, text=letter), letter),
        (SYMBOL_FONT_RUN.format(font=font, text=private), private),
    ):
        _, _, draft = imported("st.docx", rewritten(data, "<w:t>√</w:t>", new))
        line = f"# pelaksana dari simbol (tanda '{shown}') di kolom Staf Pelaksana"
        assert line in draft.splitlines(), new


def test_a_drawn_shape_is_named_in_indonesian_not_by_its_drawingml_preset(
    tmp_path: Path,
) -> None:
    """The notes and guesses named a shape by Office's internal preset, in English: "simbol
    (bentuk 'flowChartProcess')", "simbolnya bentuk 'flowChartProcess' (bukan belah
    ketupat)". A preset without an Indonesian name is "bentuk"."""
    form = surat_tugas()
    r1, r2 = (dataclasses.replace(row, symbol=PROCESS) for row in form.rows[:2])
    data = to_docx(dataclasses.replace(form, rows=[r1, r2, *form.rows[2:]]), tmp_path)
    _, _, draft = imported("st.docx", data)
    lines = draft.splitlines()
    assert "# pelaksana dari simbol (bentuk proses) di kolom Staf Pelaksana" in lines
    assert (
        'guesses.kind = "kalimat berbentuk keputusan, tetapi simbolnya bentuk proses (bukan '
        'belah ketupat); simbol yang dipakai"'
    ) in lines
    assert "flowChart" not in draft
    _, _, draft = imported("st.docx", rewritten(data, 'prst="flowChartProcess"', 'prst="star5"'))
    assert "# pelaksana dari simbol (bentuk) di kolom Staf Pelaksana" in draft.splitlines()
    assert "star5" not in draft


def test_a_default_time_names_the_kind_of_step_in_indonesian(tmp_path: Path) -> None:
    """The guess for a Waktu cell without a number said "dipakai bawaan proyek untuk langkah
    archive" (and review, action): the TOML value as a word of the sentence."""
    _, guesses, draft = imported("st.docx", to_docx(surat_tugas(), tmp_path))
    reasons = {g.path: g.reason for g in guesses}
    assert reasons["steps[3].time_minutes"] == (
        "kolom Waktu kosong; dipakai bawaan proyek untuk langkah keputusan"
    )
    assert reasons["steps[4].time_minutes"] == (
        "kolom Waktu hanya memuat satuan ('menit') tanpa angka; dipakai bawaan proyek untuk "
        "langkah pengarsipan"
    )
    comments = draft.replace("\n#   ", " ")  # each # PERIKSA: comment on one line
    assert (
        "# PERIKSA: kolom Waktu kosong; dipakai waktu bawaan proyek untuk langkah keputusan "
        '(kind = "review"): 480 menit kerja'
    ) in comments


def test_a_password_protected_docx_is_refused_as_such_not_as_an_old_doc() -> None:
    """Word saves a .docx with a password to open as an OLE2 compound file holding an
    EncryptedPackage, which begins as an old .doc does: the official was told "dokumen Word
    lama (.doc) ...; simpan ulang sebagai .docx", which is what they had done."""
    encrypted = compound_file(
        ("EncryptionInfo", b"\x04\x00\x04\x00\x40\x00\x00\x00"), ("EncryptedPackage", b"\x9a" * 64)
    )
    for name in ("SOP Surat Tugas.docx", "SOP Surat Tugas"):
        with pytest.raises(ImportFailure) as refused:
            draft_toml(name, encrypted)
        message = str(refused.value)
        assert message.startswith("dokumen Word dilindungi kata sandi"), message
        assert "tanpa kata sandi" in message and ".doc)" not in message
    with pytest.raises(ImportFailure, match=r"dokumen Word lama \(\.doc\)"):
        draft_toml("SOP lama.doc", compound_file(("WordDocument", b"\xec\xa5" + bytes(30))))


def test_a_truncated_docx_and_a_docx_without_tables_are_refused(tmp_path: Path) -> None:
    data = to_docx(surat_tugas(), tmp_path)
    with pytest.raises(ImportFailure, match="rusak"):
        draft_toml("x.docx", data[: len(data) // 2])
    plain = tmp_path / "plain.docx"
    Document().save(str(plain))
    with pytest.raises(ImportFailure, match="tabel kegiatan tidak ditemukan"):
        draft_toml("plain.docx", plain.read_bytes())


def damaged(data: bytes, how: str) -> bytes:
    """The .docx ``data`` with its word/document.xml damaged: not well-formed XML, a byte
    changed in the stored part (its CRC no longer matches) or in the compressed one (no
    longer a deflate stream)."""
    if how == "xml":
        broken = b'<w:document xmlns:w="urn:x"><w:body><w:p></w:body></w:document>'
        return with_part(data, "word/document.xml", lambda member: member.write(broken))
    method = zipfile.ZIP_STORED if how == "crc" else zipfile.ZIP_DEFLATED
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), compress_type=method)
    changed = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(changed))) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for at in range(start + 40, start + 48):
        changed[at] ^= 0xFF
    return bytes(changed)


@pytest.mark.parametrize("how", ["xml", "crc", "deflate"])
def test_a_damaged_docx_is_refused_in_indonesian_the_reader_s_error_only_logged(
    how: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The XML or ZIP reader's own words ("mismatched tag: line 1, column 55", "Bad CRC-32
    for file ...") were put in the refusal, and a broken deflate stream (zlib.error) was no
    refusal at all but an importer bug. The official reads that the file is damaged and how
    to save it again; the reader's error is logged."""
    caplog.set_level(logging.INFO, logger="bot.sopimport")
    data = damaged(to_docx(surat_tugas(), tmp_path), how)
    with pytest.raises(ImportFailure) as refused:
        draft_toml("rusak.docx", data)
    message = str(refused.value)
    assert message.startswith("berkas .docx rusak: ")
    assert "simpan ulang" in message and "impor kembali" in message
    english = ("line", "column", "CRC", "Error", "error", "mismatched", "decompress", "file")
    assert not [word for word in english if word in message], message
    logged = [r for r in caplog.records if r.name.startswith("bot.sopimport")]
    assert len(logged) == 1 and "word/document.xml" in logged[0].getMessage()
    reader = {"xml": "ParseError", "crc": "BadZipFile", "deflate": "error"}[how]
    assert f"{reader}: " in logged[0].getMessage()
    assert "Surat Tugas" not in logged[0].getMessage()  # not the form's contents


# -- the loader's guess fields -----------------------------------------------------------


def raw_with(**step: object) -> dict[str, object]:
    raw = tomllib.loads(SOP_PATH.read_text(encoding="utf-8"))
    raw["steps"][3].update(step)
    return raw


def test_unconfirmed_guesses_load_as_a_draft_but_are_refused_for_running() -> None:
    raw = raw_with(guesses={"actor": "ditebak dari kalimat langkah 3"}, confirmed=False)
    definition, guesses = parse_draft(raw)
    assert definition.step(4).actor == "kabag"
    assert [str(g) for g in guesses] == ["steps[3].actor: ditebak dari kalimat langkah 3; periksa"]
    with pytest.raises(UnconfirmedGuesses) as refused:
        parse_definition(raw, source="draf.toml")
    assert refused.value.problems == ["steps[3].actor: ditebak dari kalimat langkah 3; periksa"]
    assert "draf.toml" in str(refused.value) and "confirmed = true" in str(refused.value)


def test_a_guess_without_confirmed_also_blocks_and_confirmed_true_clears_it() -> None:
    assert parse_draft(raw_with(guesses={"actor": "x"}))[1] != ()
    assert parse_definition(raw_with(guesses={"actor": "x"}, confirmed=True)) == sop()
    assert [str(g) for g in parse_draft(raw_with(confirmed=False))[1]] == [
        "steps[3]: belum dikonfirmasi; periksa"
    ]


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        ({"guesses": {"nonsense": "x"}}, "steps[3].guesses.nonsense: not a field of this table"),
        ({"guesses": {"actor": ""}}, "steps[3].guesses.actor: must be a non-empty string"),
        ({"guesses": "actor"}, "steps[3].guesses: must be a table"),
        ({"confirmed": "ya"}, "steps[3].confirmed: must be true or false"),
    ],
)
def test_malformed_guess_fields_are_refused_with_the_place(
    step: dict[str, object], problem: str
) -> None:
    with pytest.raises(DefinitionError) as refused:
        parse_draft(raw_with(**step))
    assert any(p.startswith(problem) for p in refused.value.problems)


def test_the_shipped_definition_has_no_guesses() -> None:
    assert load_definition(SOP_PATH) == sop()


# -- the pure parts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "minutes", "noted"),
    [
        ("30 menit", 30, False),
        ("2 jam", 120, False),
        ("1 hari", 480, False),
        ("1 hari kerja", 480, False),
        ("0,5 jam", 30, False),
        ("1 minggu", 2400, False),
        ("1-2 hari", 960, True),
        ("menit", None, True),
        ("", None, True),
        ("segera", None, True),
        # as forms write them: the number in words too, a day of 24 hours, two units, a half,
        # a limit (the norm is the limit)
        ("1 (satu) hari", 480, False),
        ("2 (dua) jam", 120, False),
        ("Paling lambat 3 (tiga) hari kerja", 1440, False),
        ("1 x 24 jam", 480, False),
        ("2 x 24 jam", 960, False),
        ("2 x 30 menit", 60, False),
        ("1 jam 30 menit", 90, False),
        ("1 hari 4 jam", 720, False),
        ("1 jam dan 15 menit", 75, False),
        ("½ hari", 240, False),
        ("1/2 hari", 240, False),
        ("1½ jam", 90, False),
        ("Max 1 hari", 480, False),
        ("Maks. 2 jam", 120, False),
        ("maksimal 2 jam", 120, False),
        ("paling lambat 1 hari", 480, False),
        ("selambat-lambatnya 2 hari kerja", 960, False),
        # a day as its 24 hours is a working day (not 24 working hours: three days), but
        # hours said to be working hours are those
        ("24 jam", 480, False),
        ("48 jam", 960, False),
        ("Maksimal 24 jam", 480, False),
        ("24 jam kerja", 1440, False),
        ("36 jam", 2160, False),
        # an estimate: its number, with a note asking to confirm it
        ("± 2 jam", 120, True),
        ("sekitar 1 hari", 480, True),
        ("kurang lebih 30 menit", 30, True),
        ("±", None, True),
        # still not a time: the step's default, as a guess
        ("maksimal", None, True),
        ("1 (satu)", None, True),
        ("1 jam 30 detik", None, True),
        ("1/0 hari", None, True),
        ("sesuai disposisi", None, True),
    ],
)
def test_times_become_working_minutes(cell: str, minutes: int | None, noted: bool) -> None:
    parsed = parse_time(cell)
    assert parsed.minutes == minutes
    assert bool(parsed.note) is noted


def test_a_time_written_as_a_limit_in_words_is_the_step_norm_not_a_guess() -> None:
    form = surat_tugas(r4=dataclasses.replace(surat_tugas().rows[3], time="Maksimal 1 x 24 jam"))
    definition, guesses, _ = imported("waktu.txt", to_text(form).encode())
    assert definition.step(4).time_minutes == 480  # one working day
    assert "time_minutes" not in guessed(guesses, "steps[3]")


def test_role_ids_follow_the_derivation_rule() -> None:
    """An id is one role of the whole deployment: a heading keeps the unit after its office,
    so a second SOP's Kabag Umum is not the shipped SOP's Kabag (of MK)."""
    assert role_ids(["Kasubag", "Kabag", "Karo", "Tim", "Fungsional Umum"]) == [
        "kasubag", "kabag", "karo", "tim", "fungsional_umum",
    ]  # fmt: skip
    assert role_ids(["Kasubag", "Kabag MK", "Karo Perencanaan", "Tim Penyusunan"]) == [
        "kasubag", "kabag_mk", "karo_perencanaan", "tim_penyusunan",
    ]  # fmt: skip
    assert role_ids(["Kepala Sub Bagian TU", "Kabag Umum", "Kabag Keuangan"]) == [
        "kasubag_tu", "kabag_umum", "kabag_keuangan",
    ]  # fmt: skip
    assert role_ids(["Staf", "Staf"]) == ["staf", "staf_2"]


def test_sentences_name_the_next_actor_and_the_return() -> None:
    r = read_sentence(
        "memeriksa usulan. Jika setuju memerintahkan Kabag MK untuk membentuk Tim Penyusunan, "
        "jika tidak setuju dikembalikan kepada Kabag MK untuk diperbaiki."
    )
    assert r.review and r.forward == ("Kabag MK",) and r.back == ("Kabag MK",)
    r = read_sentence("mengajukan usulan penyusunan kepada Kabag MK.")
    assert not r.review and r.forward == ("Kabag MK",) and r.back == ()
    assert read_sentence("membentuk Tim Penyusunan.").team_phrase == "Tim Penyusunan"
    assert (
        read_sentence("x. Jika setuju memberi paraf, jika tidak setuju dikembalikan.").approval
        == "paraf"
    )


def test_inline_numbering_splits_only_a_running_list() -> None:
    assert split_numbered(" 1. UU No.39 Tahun 2008 2. PP No. 47 Tahun 2009 ") == [
        "UU No.39 Tahun 2008",
        "PP No. 47 Tahun 2009",
    ]
    assert split_numbered("Pasal 2. Ayat 3. ") == ["Pasal 2. Ayat 3. "]


@given(st.text())
def test_toml_strings_read_back_as_written(value: str) -> None:
    assert tomllib.loads(f"x = {toml_string(value)}")["x"] == value


def test_a_form_whose_relationships_part_unpacks_to_hundreds_of_mb_is_read_without_it() -> None:
    """A .docx of a few hundred KB whose package relationships expand to 200 MB (a zip
    bomb): the form is read as any .docx without readable relationships, never unpacking
    more than a part may hold."""
    document = Document()
    document.add_paragraph("Bukan formulir SOP")
    plain = io.BytesIO()
    document.save(plain)
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename == "_rels/.rels":
                with target.open("_rels/.rels", "w") as member:
                    member.write(b'<Relationships xmlns="x">')
                    for _ in range(200):
                        member.write(b" " * (1 << 20))
                    member.write(b"</Relationships>")
            else:
                target.writestr(info, source.read(info))
    assert len(bomb.getvalue()) < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ImportFailure):  # no SOP table in it: refused as such
            read_sop_form("SOP.docx", bomb.getvalue())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 80 << 20, peak  # not the 200 MB of the relationships part


# -- hostile and huge input: refused naming the limit, or read in bounded work -------------


def with_part(data: bytes, name: str, write: Callable[[IO[bytes]], object]) -> bytes:
    """The .docx ``data`` with its part ``name`` (added when missing) written by ``write``,
    streamed: a part of hundreds of MB packs into a few hundred KB."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info))
        with target.open(name, "w", force_zip64=True) as member:
            write(member)
    return out.getvalue()


def test_a_document_part_bigger_than_a_form_is_refused_naming_the_limit(tmp_path: Path) -> None:
    """word/document.xml unpacking to more than 4 MB (60 MB took 24 s and 900 MB to read):
    refused before it is parsed, naming the part and the limit."""
    data = to_docx(surat_tugas(), tmp_path)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    head, tail = xml.split(b"<w:sectPr", 1)

    def padded(member: IO[bytes]) -> None:
        member.write(head)
        member.write(b" " * (4 << 20))
        member.write(b"<w:sectPr" + tail)

    with pytest.raises(ImportFailure) as refused:
        draft_toml("besar.docx", with_part(data, "word/document.xml", padded))
    message = str(refused.value)
    assert "word/document.xml" in message and "batasnya 4 MB" in message
    assert "4,1 MB" in message  # its size, rounded up


@pytest.mark.parametrize("part", ["word/numbering.xml", "word/styles.xml"])
def test_a_numbering_or_styles_part_over_4_mb_is_not_read(part: str, tmp_path: Path) -> None:
    """Up to 64 MB was parsed (a 60 MB numbering.xml took 15 s, 950 MB): a larger one is left
    out, and a form with typed step numbers is read without it."""
    data = to_docx(surat_tugas(), tmp_path)
    root = part.removeprefix("word/").removesuffix(".xml")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def big(member: IO[bytes]) -> None:
        member.write(f'<w:{root} xmlns:w="{w}">'.encode())
        for _ in range(20):
            member.write(b"<w:x/>" * ((1 << 20) // 6))
        member.write(f"</w:{root}>".encode())

    tracemalloc.start()
    try:
        definition, _, _ = imported("besar.docx", with_part(data, part, big))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(definition.steps) == 5
    assert peak < 80 << 20, peak  # not the 20 MB part's elements


@pytest.mark.parametrize(
    ("numbering", "part"), [("button", "word/numbering.xml"), ("style", "word/styles.xml")]
)
def test_steps_numbered_by_word_from_a_part_over_4_mb_are_refused_naming_it(
    numbering: str, part: str, tmp_path: Path
) -> None:
    """The No column numbered by Word, its numbering or styles part padded past the limit:
    the numbers cannot be read. Once the list was counted without the part (the numbering
    button) or the rows read as without a number ("baris tanpa nomor", List Number): the
    refusal now says which part, its size and the limit, and what to do."""
    data = to_docx(dataclasses.replace(surat_tugas(), auto_numbered=numbering), tmp_path)
    xml = zipfile.ZipFile(io.BytesIO(data)).read(part)
    head, tail = xml.rsplit(b"</", 1)

    def padded(member: IO[bytes]) -> None:  # the same part, only larger
        member.write(head)
        member.write(b" " * (4 << 20))
        member.write(b"</" + tail)

    with pytest.raises(ImportFailure) as refused:
        draft_toml("besar.docx", with_part(data, part, padded))
    message = str(refused.value)
    assert f"bagian {part}" in message and "batasnya 4 MB" in message
    assert re.search(r": 4,[1-9] MB setelah dibuka", message)  # its size, over the limit
    assert "penomoran otomatis Word" in message and "ketikkan nomor langkahnya" in message
    assert "menyusun konsep Surat Tugas" in message  # the first step's row


@pytest.mark.parametrize(
    ("numbering", "part"),
    [
        ("button", "word/numbering.xml"),
        ("style", "word/styles.xml"),
        ("button", "word/_rels/document.xml.rels"),  # which part numbers: not known
    ],
)
def test_steps_numbered_by_word_from_a_damaged_part_are_refused_naming_it(
    numbering: str, part: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The No column numbered by Word, its numbering or styles part (or the relationships
    that name them) cut short, no longer well-formed XML: the part was dropped without a
    word, and the list counted without its start values and level texts (the numbering
    button) or the rows read as without a number (List Number). The refusal now names the
    part and says to save the file again in Word; a form with typed numbers still imports
    past it."""
    caplog.set_level(logging.INFO, logger="bot.sopimport")
    form = dataclasses.replace(surat_tugas(), auto_numbered=numbering)
    xml = zipfile.ZipFile(io.BytesIO(to_docx(form, tmp_path))).read(part)

    def damaged(data: bytes) -> bytes:
        return with_part(data, part, lambda member: member.write(xml[: len(xml) // 2]))

    with pytest.raises(ImportFailure) as refused:
        draft_toml("st.docx", damaged(to_docx(form, tmp_path)))
    message = str(refused.value)
    assert f"bagian {part} dalam berkas .docx rusak" in message
    assert "penomoran otomatis Word" in message and "simpan ulang" in message
    assert "impor kembali" in message and "ketikkan nomor langkahnya" in message
    assert "menyusun konsep Surat Tugas" in message  # the first step's row
    assert "ParseError" not in message and "line 1" not in message  # the reader's words
    assert any(f"{part} cannot be read: ParseError" in r.getMessage() for r in caplog.records)

    typed = damaged(to_docx(surat_tugas(), tmp_path))  # numbers typed: the part not needed
    assert len(imported("st.docx", typed)[0].steps) == 5


def test_a_text_form_bigger_than_an_export_is_refused_naming_the_limit() -> None:
    """The portal's export of an SOP is a few KB; up to 32 MB was read (a 31 MB one took a
    minute, one of tabs more than two)."""
    padding = "\t" * 5 + "x" * 58 + "\n"
    data = (source_text() + padding * ((1 << 20) // len(padding))).encode()
    with pytest.raises(ImportFailure) as refused:
        draft_toml("besar.txt", data)
    assert "batasnya 1 MB" in str(refused.value) and "1,1 MB" in str(refused.value)
    with pytest.raises(ImportFailure, match="batasnya 32 MB"):
        draft_toml("besar.docx", b"PK\x03\x04" + bytes(32 << 20))


def rewritten(data: bytes, old: str, new: str) -> bytes:
    """The .docx ``data`` with the first ``old`` in word/document.xml replaced by ``new``."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert old in xml
    changed = xml.replace(old, new, 1).encode("utf-8")
    return with_part(data, "word/document.xml", lambda member: member.write(changed))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<w:tcPr>", '<w:tcPr><w:gridSpan w:val="1000000"/>'),
        ("<w:tr>", '<w:tr><w:trPr><w:gridBefore w:val="1000000"/></w:trPr>'),
    ],
)
def test_a_row_wider_than_a_table_can_be_is_refused(old: str, new: str, tmp_path: Path) -> None:
    """A cell spanning a billion columns made a billion grid positions: the import hung (a
    million: seconds and a draft of a million columns)."""
    data = rewritten(to_docx(surat_tugas(), tmp_path), old, new)
    with pytest.raises(ImportFailure) as refused:
        draft_toml("lebar.docx", data)
    assert "1000000 kolom, batasnya 63" in str(refused.value)
    assert "tabel ke-1 dalam dokumen, baris ke-1" in str(refused.value)


SOURCE_LINES = SOURCE.read_text(encoding="utf-8").rstrip("\n")  # 33 lines
EMPTY_TABLE = "<w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>"


@pytest.mark.parametrize(
    ("more", "expected"),
    [
        (EMPTY_TABLE * 101, "memuat 104 tabel, batasnya 100"),
        ("<w:tbl>" + "<w:tr><w:tc><w:p/></w:tc></w:tr>" * 490 + "</w:tbl>", "batasnya 500"),
    ],
)
def test_a_docx_of_more_tables_or_rows_than_a_form_is_refused(
    more: str, expected: str, tmp_path: Path
) -> None:
    """5,000 tables took 8 s, 20,000 rows 19 s (within 4 MB, thousands of rows still fit)."""
    data = rewritten(to_docx(surat_tugas(), tmp_path), "<w:sectPr", more + "<w:sectPr")
    with pytest.raises(ImportFailure, match=expected):
        draft_toml("banyak.docx", data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (SOURCE_LINES + "\n" * 500, "berkas teks memuat 532 baris, batasnya 500"),
        (SOURCE_LINES + "\n" + "\t" * 63, "baris ke-34: 64 kolom (dipisahkan tab), batasnya 63"),
    ],
)
def test_a_text_form_of_more_rows_or_columns_than_a_form_is_refused(
    data: str, expected: str
) -> None:
    """20,000 rows took 5 s, a line of a million tabs half a minute (within 1 MB)."""
    with pytest.raises(ImportFailure, match=re.escape(expected)):
        draft_toml("banyak.txt", data.encode())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # runs nested 5,000 deep in the Kegiatan heading's cell
        (
            "<w:t>Kegiatan</w:t></w:r>",
            "<w:t>Kegiatan</w:t></w:r>" + "<w:r>" * 5000 + "</w:r>" * 5000,
        ),
        # a row inside content controls nested 5,000 deep
        ("<w:tr>", "<w:sdt><w:sdtContent>" * 5000 + "</w:sdtContent></w:sdt>" * 5000 + "<w:tr>"),
    ],
)
def test_elements_nested_thousands_deep_are_read(old: str, new: str, tmp_path: Path) -> None:
    """Once a RecursionError: the importer's fault line ("mohon laporkan") and no draft."""
    data = rewritten(to_docx(surat_tugas(), tmp_path), old, new)
    definition, _, _ = imported("dalam.docx", data)
    assert len(definition.steps) == 5


class OverBudget(Exception):
    pass


def run_within(lines: int, function: Callable[[], object]) -> object:
    """``function()``, stopped with :class:`OverBudget` once it has run more than ``lines``
    lines of Python (its callees' too): work counted, not time."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
            if count > lines:
                raise OverBudget(f"more than {lines} lines run")
        return trace

    sys.settrace(trace)
    try:
        return function()
    finally:
        sys.settrace(None)


def test_a_styles_part_with_a_long_based_on_chain_is_read_in_linear_work() -> None:
    """3,000 styles each based on the one before: every style's chain was walked to its root
    (a 4 MB styles.xml of such a chain took hours); the chain still numbers every style."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    n = 3000
    styles = "".join(
        f'<w:style w:styleId="S{i}"><w:basedOn w:val="S{i - 1}"/></w:style>' for i in range(1, n)
    )
    xml = (
        f'<w:styles xmlns:w="{w}"><w:style w:styleId="S0"><w:pPr><w:numPr><w:ilvl w:val="1"/>'
        f'<w:numId w:val="7"/></w:numPr></w:pPr></w:style>{styles}</w:styles>'
    )
    element = ET.fromstring(xml)
    numbering = run_within(200 * n, lambda: _style_numbering(element))  # 74 a style
    assert numbering == {f"S{i}": ("7", 1) for i in range(n)}


LAUGHS = "".join(
    f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "ha"}">' for i in range(10)
)  # &l9; is 2,000,000,000 bytes


@pytest.mark.parametrize(
    ("declared", "used"),
    [
        (f'<!ENTITY x "{"x" * 1000}">', "&x;" * 100),  # 100 KB: expat allows it
        (LAUGHS, "&l9;"),  # expat refused it as a broken .docx ("amplification factor")
    ],
)
def test_a_document_part_declaring_entities_is_refused(
    declared: str, used: str, tmp_path: Path
) -> None:
    """A DOCTYPE's entities were expanded, up to 100 times the part's size (a 4 MB part into
    400 MB), before expat's own limit; Word never writes one."""
    data = to_docx(surat_tugas(), tmp_path)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    prolog, root = xml.split("?>", 1)
    changed = f"{prolog}?><!DOCTYPE w:document [{declared}]>" + root.replace(
        "<w:t>Kegiatan</w:t>", f"<w:t>Kegiatan {used}</w:t>", 1
    )
    data = with_part(data, "word/document.xml", lambda member: member.write(changed.encode()))
    with pytest.raises(ImportFailure) as refused:
        draft_toml("entitas.docx", data)
    assert "word/document.xml memuat deklarasi DOCTYPE" in str(refused.value)


def test_a_running_list_of_thousands_of_entries_is_split_in_linear_work() -> None:
    """A header cell "1. a 2. a ... 2000. a": a pattern was compiled for every entry (a
    text form of a 200,000-entry list took 14 s); numbers out of turn stay inside an entry."""
    n = 2000
    text = " ".join(f"{i}. Peraturan No. {i + 7}. tahun" for i in range(1, n + 1))
    items = run_within(40 * n, lambda: split_numbered(text))
    assert items == [f"Peraturan No. {i + 7}. tahun" for i in range(1, n + 1)]


def test_a_docx_of_more_parts_than_a_document_has_is_refused(tmp_path: Path) -> None:
    """Its entries are counted before zipfile reads them all (200,000 took 3.5 s)."""
    data = to_docx(surat_tugas(), tmp_path)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        for i in range(1000):
            target.writestr(f"sisipan/{i}.xml", b"")
    with pytest.raises(ImportFailure) as refused:
        draft_toml("bagian.docx", out.getvalue())
    assert f"memuat {len(source.infolist()) + 1000} bagian" in str(refused.value)
    assert "batasnya 1000" in str(refused.value)


@pytest.mark.parametrize("code", ["F073", "F074", "F075", "F077"])
def test_a_wingdings_diamond_marks_a_decision_as_a_drawn_diamond_does(
    code: str, tmp_path: Path
) -> None:
    """Wingdings' diamonds and lozenges (◆ ⧫ ⬧ ⬥, codes 73–77 but the ornament 76) put in
    as a step's mark were read as the font's letters ("tanda 'u'"), a mark of no shape: the
    checking step they mark was not taken for a decision. They are ◆ now, as a typed ◆ is."""
    form = surat_tugas(
        r3=Row(
            "memeriksa kelengkapan konsep Surat Tugas dan meneruskan kepada Sesditjen.",
            ("Kabag Keuangan",), "mark:WINGDINGS", "Konsep Surat Tugas", "1 hari",
            "Konsep Surat Tugas",
        ),
    )  # fmt: skip
    data = to_docx(form, tmp_path)
    letter = chr(int(code, 16) - 0xF000)
    for new in (
        f'<w:sym w:font="Wingdings" w:char="{code}"/>',
        SYMBOL_FONT_RUN.format(font="Wingdings", text=letter),
    ):
        definition, _, draft = imported("st.docx", rewritten(data, "<w:t>WINGDINGS</w:t>", new))
        step3 = definition.step(3)
        assert step3.actor == "kabag_keuangan" and step3.is_review, new
        assert "# pelaksana dari simbol (tanda '◆') di kolom Kabag Keuangan" in draft.splitlines()
