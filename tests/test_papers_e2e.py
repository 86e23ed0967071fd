"""End to end: the papers a played case leaves behind, reopened as a clerk would open them.

One case goes through all twelve steps with a return at every review step; then every
paper the bot wrote (rows of ``files`` with kind 'paper') is read back with python-docx
and must carry the case's real values where they belong.

The case is played at 18.30 UTC on 4 December 2026, which is already 5 December in the
office (01.30 WIB in Jakarta, 03.30 WIT in Jayapura): every paper must be dated 5 December
and write its times on the office's clock, with the office's label.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from docx import Document
from docx.table import Table
from word_edits import CONTENT_CONTROL, FOOTER, TRACKED_INSERTION, office_copy, retyped

from bot.app import work_calendar
from bot.clock import ManualClock
from bot.core.model import Case, Event, EventType
from bot.core.nip import printed_nip
from bot.core.workflow import replay
from bot.demo import OFFICIALS, RETURN_REASONS, Script, World, play_sop
from bot.papers.registry import PEMERIKSAAN
from bot.papers.render import SHIPPED_TEMPLATES
from bot.paperwork import Paperwork, renderer_for
from storage import repo

pytestmark = pytest.mark.asyncio(loop_scope="module")

TITLE = "Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro TA 2027 (Uji Lembar)"
PEOPLE = {p.key: p for p in OFFICIALS}
BY_ID = {p.telegram_id: p for p in OFFICIALS}
LATE_UTC = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)  # 5 December in every Indonesian zone


@dataclass(frozen=True)
class Office:
    timezone: str
    clock: str  # LATE_UTC on the office's clock, as the papers write it


@dataclass
class Paper:
    name: str
    doc: str
    data: bytes
    text: str


@dataclass
class Played:
    office: Office
    world: World
    case: Case
    events: list[Event]
    papers: list[Paper]
    zips: list[tuple[str, bytes]]
    stored_sha: dict[int, str]  # file row id -> SHA-256 of the bytes kept on disk


def _cells(table: Table) -> Iterator[str]:
    for row in table.rows:
        for cell in row.cells:
            yield cell.text
            for inner in cell.tables:
                yield from _cells(inner)


def docx_text(data: bytes) -> str:
    """All the text of a .docx: body paragraphs, tables (nested too), headers, footers."""
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += list(_cells(table))
    for section in document.sections:
        for part in (section.header, section.footer):
            parts += [p.text for p in part.paragraphs]
            for table in part.tables:
                parts += list(_cells(table))
    return "\n".join(parts)


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=[Office("Asia/Jakarta", "01.30 WIB"), Office("Asia/Jayapura", "03.30 WIT")],
    ids=lambda office: office.timezone,
)
async def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Played]:
    office: Office = request.param
    clock = ManualClock(LATE_UTC)
    out = tmp_path_factory.mktemp("papers")
    async with World(out, clock=clock, time={"timezone": office.timezone}) as world:
        await world.everyone_starts()
        case_id = await play_sop(world, title=TITLE)
        await world.drained()
        db, store = world.services.db, world.services.files
        case = await db.read(repo.load_case, case_id)
        assert case is not None
        events = await db.read(repo.load_events, case_id)
        papers, zips, stored = [], [], {}
        for row in await db.read(repo.files_of_case, case_id):
            data = await store.read(row.path)
            stored[row.id] = hashlib.sha256(data).hexdigest()
            assert stored[row.id] == row.sha256, f"{row.name} changed on disk"
            if row.kind != "paper":
                continue
            if row.name.endswith(".zip"):
                zips.append((row.name, data))
            else:
                papers.append(Paper(row.name, row.doc, data, docx_text(data)))
        yield Played(office, world, case, events, papers, zips, stored)


def of_kind(played: Played, prefix: str) -> list[Paper]:
    return [p for p in played.papers if p.name.startswith(prefix)]


def has_official(text: str, key: str, *, nip: bool = True) -> bool:
    person = PEOPLE[key]
    return person.name in text and (not nip or printed_nip(person.nip) in text)


async def test_every_paper_of_the_case_was_written_and_names_the_case(played: Played) -> None:
    kinds = sorted({re.sub(r"-B\d+.*", "", p.name) for p in played.papers})
    assert kinds == [
        "disposisi",
        "dokumentasi",
        "pemeriksaan",
        "penetapan-kinerja",
        "program-kerja",
        "rkakl",
        "sk-tim",
    ]
    assert len(of_kind(played, "pemeriksaan")) == 13  # 8 approvals and 5 returns
    assert len(of_kind(played, "disposisi")) == 4  # step 2 (twice), 3 and 4
    assert [name for name, _ in played.zips] == [f"arsip-dokumentasi-B{played.case.id}.zip"]
    # A name is one paper, written once (the blank drafts too, however many hold step 6).
    twice = {name for name, n in Counter(p.name for p in played.papers).items() if n > 1}
    assert twice == set()
    for paper in played.papers:  # the number the chat shows as "Berkas #N"
        assert re.search(rf"Berkas[\s:]*{played.case.id}\b", paper.text), paper.name
        assert "2027" in paper.text, paper.name
        if paper.name.startswith(("disposisi", "pemeriksaan", "dokumentasi")):
            assert TITLE in paper.text, f"{paper.name} lacks the case title"


def decisions(played: Played) -> list[tuple[str, Event, int]]:
    """(file name the bot must give its Lembar Pemeriksaan, decision, its index in the
    log) of every review decision: the k-th decision at a step ends its k-th visit."""
    made: dict[int, int] = {}
    out = []
    for index, event in enumerate(played.events):
        if event.type in (EventType.APPROVED, EventType.RETURNED):
            made[event.step] = made.get(event.step, 0) + 1
            verdict = "setuju" if event.type is EventType.APPROVED else "kembali"
            name = (
                f"pemeriksaan-B{played.case.id}-langkah{event.step}-ke{made[event.step]}-"
                f"{verdict}.docx"
            )
            out.append((name, event, index))
    return out


async def test_each_lembar_pemeriksaan_records_the_reviewer_decision_reason_and_hashes(
    played: Played,
) -> None:
    seen_returns = set()
    expected = decisions(played)
    assert sorted(p.name for p in of_kind(played, "pemeriksaan")) == sorted(
        name for name, _, _ in expected
    )
    by_name = {p.name: p for p in of_kind(played, "pemeriksaan")}
    for name, event, index in expected:
        paper = by_name[name]
        step = event.step
        verdict = "setuju" if event.type is EventType.APPROVED else "kembali"
        reviewer = BY_ID[event.actor]
        assert has_official(paper.text, reviewer.key), f"{paper.name}: reviewer missing"
        assert f"Langkah {step}:" in paper.text
        if verdict == "kembali":
            assert "Dikembalikan untuk diperbaiki" in paper.text
            assert RETURN_REASONS[step] in paper.text, paper.name
            seen_returns.add(step)
        else:
            assert "Disetujui" in paper.text
            assert not any(reason in paper.text for reason in RETURN_REASONS.values())
        # the files as they were when the decision was made, by their SHA-256
        before = replay(played.world.services.sops[played.case.sop_code], played.events[:index])
        inputs = played.world.services.sops[played.case.sop_code].step(step).inputs
        definition = played.world.services.sops[played.case.sop_code]
        wanted = {definition.canonical(d) for d in inputs}
        reviewed = [a for a in before.latest_files() if a.doc in wanted]
        assert reviewed, paper.name
        for attachment in reviewed:
            assert attachment.sha256 == played.stored_sha[attachment.file_id]
            assert attachment.sha256 in paper.text, f"{paper.name}: {attachment.name}"
            assert f"{attachment.name}" in paper.text
        # and no hash of a later version
        later = {a.sha256 for a in played.case.files} - {a.sha256 for a in before.files}
        assert not any(sha in paper.text for sha in later), paper.name
    assert seen_returns == set(RETURN_REASONS)


async def test_each_lembar_disposisi_goes_from_the_sender_to_the_next_holder(
    played: Played,
) -> None:
    forwards = [
        e
        for e in played.events
        if e.step in (2, 3, 4) and e.type in (EventType.APPROVED, EventType.COMPLETED)
    ]
    to = {2: "karo", 3: "kabag", 4: "kasubag"}
    papers = of_kind(played, "disposisi")
    # Each pass through a step ends with one move out of it: the k-th move out of step 2
    # ends its k-th visit (the first was a return, so step 2's Disposisi are ke2 and ke3).
    moves_out: dict[int, int] = {}
    names = []
    for e in played.events:
        if e.is_move:
            moves_out[e.step] = moves_out.get(e.step, 0) + 1
            if e in forwards:
                names.append(
                    f"disposisi-B{played.case.id}-langkah{e.step}-ke{moves_out[e.step]}.docx"
                )
    assert [p.name for p in papers] == names
    assert len(set(names)) == len(names) == 4
    agendas = []
    for paper, event in zip(papers, forwards, strict=True):
        sender = BY_ID[event.actor]
        assert has_official(paper.text, sender.key, nip=False), paper.name
        assert has_official(paper.text, to[event.step], nip=False), paper.name
        # the agenda number: the case, the step and the pass through it (as the file is
        # named: Karo returned the proposal, so Kabag wrote step 2's Disposisi on its 2nd
        # and 3rd pass), and the year of the paper's date (5 December 2026), not TA 2027
        visit = re.search(r"-ke(\d+)\.docx$", paper.name)
        assert visit, paper.name
        agenda = re.search(r"No\. Agenda\s*:\s*(\S+)", paper.text)
        assert agenda, paper.name
        pass_no = "" if visit[1] == "1" else f"-{visit[1]}"
        assert agenda[1] == f"{played.case.id}/{event.step}{pass_no}/2026", paper.name
        agendas.append(agenda[1])
    # two sheets of one agenda book never share a number
    assert len(set(agendas)) == len(agendas) == 4


async def test_the_sk_tim_lists_the_team_with_names_and_nips_and_the_karo_signs(
    played: Played,
) -> None:
    (sk,) = of_kind(played, "sk-tim")
    for key in ("tim1", "tim2"):
        person = PEOPLE[key]
        assert person.name in sk.text and printed_nip(person.nip) in sk.text
        assert person.position in sk.text
    assert re.search(rf"1\.\s*\n{re.escape(PEOPLE['tim1'].name)}", sk.text)
    assert "Ketua" in sk.text
    assert has_official(sk.text, "karo")
    assert "TAHUN ANGGARAN 2027" in sk.text
    for other in ("kasubag", "kabag", "fu"):
        assert printed_nip(PEOPLE[other].nip) not in sk.text


async def test_the_sk_tim_gives_the_team_the_duties_its_sop_states(played: Played) -> None:
    """Diktum KEDUA: the four duties of the SOP's team step (team_duties), lettered and
    punctuated by the paper, as the bureau's decree has always read."""
    (sk,) = of_kind(played, "sk-tim")
    assert (
        "Tim sebagaimana dimaksud dalam Diktum KESATU mempunyai tugas:\n"
        "a.\tmengumpulkan bahan penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro;\n"
        "b.\tmenyusun draf Program Kerja, RKAKL, dan Penetapan Kinerja Biro dan menyerahkannya "
        "kepada Kepala Subbagian;\n"
        "c.\tmemperbaiki draf sesuai hasil pemeriksaan Kepala Subbagian, Kepala Bagian "
        "Manajemen Kinerja, dan Kepala Biro Perencanaan dan Manajemen Kinerja; dan\n"
        "d.\tmelaporkan pelaksanaan tugas kepada Kepala Biro Perencanaan dan Manajemen Kinerja "
        "melalui Kepala Bagian Manajemen Kinerja.\n"
    ) in sk.text


async def test_the_draft_skeletons_carry_the_officials_of_the_bureau(played: Played) -> None:
    for prefix in ("program-kerja", "rkakl", "penetapan-kinerja"):
        skeletons = of_kind(played, prefix)
        assert skeletons, prefix
        for paper in skeletons:
            assert has_official(paper.text, "karo"), paper.name
            for key in ("kabag", "kasubag"):
                assert has_official(paper.text, key, nip=False), paper.name


async def test_the_dokumentasi_holds_the_archive_reference_the_events_and_the_approvals(
    played: Played,
) -> None:
    (dok,) = of_kind(played, "dokumentasi")
    document = Document(io.BytesIO(dok.data))
    assert "ARS/PK/2027/001" in dok.text
    assert has_official(dok.text, "fu")
    history = next(t for t in document.tables if t.rows[0].cells[-1].text == "Alasan")
    rows = history.rows[1:]
    assert len(rows) == len(played.events) == 32
    assert [r.cells[0].text for r in rows] == [f"{i}." for i in range(1, 33)]
    for reason in RETURN_REASONS.values():
        assert reason in dok.text
    # The Kasubag hands the documents on at step 11 with a note for the archivist: the
    # history's last column is headed "Alasan", so the note says it is one, as /status
    # does ("meneruskan — catatan: ..."); a return's reason stands there as it is
    by_action = {(r.cells[3].text.split(".")[0], r.cells[4].text): r.cells[5].text for r in rows}
    assert (
        by_action[("11", "meneruskan")] == "Catatan: Mohon diarsipkan pada map Perencanaan TA 2027."
    )
    assert by_action[("9", "mengembalikan untuk diperbaiki")] == RETURN_REASONS[9]
    # each move in the words of the button that made it: Kasubag submits (Ajukan) the
    # proposal, the team hands in (Serahkan) its drafts, Kabag passes the case on (Teruskan)
    actions = {key[1] for key in by_action if key[0] in ("1", "4", "6")}
    assert actions >= {"mengajukan", "menyerahkan", "meneruskan"}
    assert ("1", "meneruskan") not in by_action and ("6", "meneruskan") not in by_action
    approvals = next(t for t in document.tables if t.rows[0].cells[1].text == "Jenis")
    standing = [
        (r.cells[1].text, r.cells[4].text, r.cells[2].text.split("\n")[0])
        for r in approvals.rows[1:]
    ]
    assert standing == [
        ("Paraf", "7", PEOPLE["kasubag"].name),
        ("Paraf", "8", PEOPLE["kabag"].name),
        ("Tanda tangan", "9", PEOPLE["karo"].name),
    ]
    for key in ("kasubag", "kabag", "karo"):
        assert f"NIP {printed_nip(PEOPLE[key].nip)}" in dok.text
    for attachment in played.case.latest_files():
        if attachment.doc.startswith("draf_"):
            assert attachment.sha256 in dok.text


def file_table(paper: Paper) -> list[str]:
    """The documents a paper's file table lists (the "Dokumen / Nama File" column), in order."""
    document = Document(io.BytesIO(paper.data))
    table = next(t for t in document.tables if "Nama File" in t.rows[0].cells[1].text)
    return [row.cells[1].paragraphs[0].text for row in table.rows[1:]]


async def test_the_dokumentasi_lists_the_signed_documents_by_the_names_step_12_gives_them(
    played: Played,
) -> None:
    """The team uploads drafts; Karo signs them at step 9 and steps 10 to 12 carry "Program
    Kerja, RKAKL, dan Penetapan Kinerja Biro": the archive record's "A. Dokumen Final" names
    the final documents so, not "Draf ..." (their files keep the names they came with)."""
    (dok,) = of_kind(played, "dokumentasi")
    assert file_table(dok) == ["Program Kerja", "RKAKL", "Penetapan Kinerja"]
    assert "Draf RKAKL.docx" in dok.text


async def test_a_lembar_pemeriksaan_lists_a_file_by_the_name_its_checklist_ticks(
    played: Played,
) -> None:
    """Karo checks the "Rencana Kerja" at step 3 (the Konsep Rencana Kerja Kabag passed on):
    "A. Kelengkapan" and "B. Dokumen yang Diperiksa" name the one document alike."""
    sheets = [p for p in of_kind(played, "pemeriksaan") if "-langkah3-" in p.name]
    assert sheets
    for sheet in sheets:
        document = Document(io.BytesIO(sheet.data))
        checklist = next(t for t in document.tables if "Persyaratan" in t.rows[0].cells[1].text)
        ticked = [row.cells[1].text for row in checklist.rows[1:]]
        assert ticked == ["Rencana Kerja", "Disposisi"], sheet.name
        assert file_table(sheet) == ["Rencana Kerja"], sheet.name


async def test_the_archive_zip_holds_the_final_files_with_matching_hashes(
    played: Played,
) -> None:
    ((_, bundle),) = played.zips
    finals = [a for a in played.case.latest_files() if a.doc.startswith("draf_")]
    assert {a.doc: a.version for a in finals} == {
        "draf_program_kerja": 1,
        "draf_rkakl": 2,
        "draf_penetapan_kinerja": 1,
    }
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        names = archive.namelist()
        contents = {name: archive.read(name) for name in names}
    # the final documents and every other paper of the case: the Disposisi, the SK, the
    # blank drafts and each Lembar Pemeriksaan (written and kept, never sent)
    papers = [p for p in played.papers if not p.name.startswith("dokumentasi")]
    assert len(papers) == 4 + 1 + 3 + 13
    assert set(names) == {"dokumentasi.docx", "SHA256SUMS"} | {
        f"dokumen/{name}" for name in [a.name for a in finals] + [p.name for p in papers]
    }
    assert len(names) == len(set(names))
    for paper in papers:
        assert contents[f"dokumen/{paper.name}"] == paper.data, paper.name
    for attachment in finals:
        data = contents[f"dokumen/{attachment.name}"]
        assert hashlib.sha256(data).hexdigest() == attachment.sha256
        assert attachment.sha256 == played.stored_sha[attachment.file_id]
    sums = {
        name: digest
        for digest, name in (
            line.split("  ", 1) for line in contents["SHA256SUMS"].decode().splitlines()
        )
    }
    assert set(sums) == set(names) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(contents[name]).hexdigest() == digest
    (dok,) = of_kind(played, "dokumentasi")
    assert contents["dokumentasi.docx"] == dok.data


async def test_each_paper_reaches_the_holders_of_the_step_that_uses_it(played: Played) -> None:
    """A Disposisi goes to whom it instructs, the SK and the blank drafts to the team; a
    Lembar Pemeriksaan is kept, not sent; the Dokumentasi reaches the archivist inside the
    archive bundle only."""
    case_id = played.case.id
    received: dict[str, set[str]] = {}
    for key in PEOPLE:
        for m in played.world[key].bot_messages:
            if m.document is not None:
                name = str(m.document.get("file_name", ""))
                received.setdefault(name, set()).add(key)
    to = {2: "karo", 3: "kabag", 4: "kasubag"}
    for paper in of_kind(played, "disposisi"):
        step = re.search(r"langkah(\d+)", paper.name)
        assert step is not None
        assert received.get(paper.name) == {to[int(step[1])]}, paper.name
    team = {"tim1", "tim2"}
    for prefix in ("sk-tim", "program-kerja", "rkakl", "penetapan-kinerja"):
        for paper in of_kind(played, prefix):
            assert received.get(paper.name) == team, paper.name
    for paper in of_kind(played, "pemeriksaan") + of_kind(played, "dokumentasi"):
        assert paper.name not in received, f"{paper.name} was sent to {received[paper.name]}"
    assert received.get(f"arsip-dokumentasi-B{case_id}.zip") == {"fu"}
    # the archivist's bundle is the one stored with the case
    fu = played.world["fu"]
    (sent,) = [
        m for m in fu.bot_messages if m.document and m.document["file_name"].endswith(".zip")
    ]
    ((_, bundle),) = played.zips
    assert sent.file_bytes() == bundle


async def test_every_paper_is_dated_in_the_office_zone_not_in_utc(played: Played) -> None:
    label = played.office.clock.split()[1]
    other_labels = {"WIB", "WITA", "WIT"} - {label}
    for paper in played.papers:
        assert "5 Desember 2026" in paper.text, f"{paper.name}: not dated 5 December"
        assert "4 Desember 2026" not in paper.text, f"{paper.name}: dated in UTC"
        assert not any(re.search(rf"\d\d\.\d\d {other}\b", paper.text) for other in other_labels)
    (disposisi, *_) = of_kind(played, "disposisi")
    assert "Sabtu, 5 Desember 2026" in disposisi.text
    (sk,) = of_kind(played, "sk-tim")
    assert "pada tanggal 5 Desember 2026" in sk.text
    for skeleton in of_kind(played, "program-kerja"):
        assert "Jakarta, 5 Desember 2026" in skeleton.text
    for paper in of_kind(played, "pemeriksaan"):
        assert f"Sabtu, 5 Desember 2026 pukul {played.office.clock}" in paper.text, paper.name
    (dok,) = of_kind(played, "dokumentasi")
    assert f"Sabtu, 5 Desember 2026 pukul {played.office.clock}" in dok.text
    assert f"5 Desember 2026\n{played.office.clock}" in dok.text  # the history table
    ((_, bundle),) = played.zips
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        hour, minute = map(int, played.office.clock.split()[0].split("."))
        assert archive.getinfo("dokumentasi.docx").date_time == (2026, 12, 5, hour, minute, 0)


def misspell_a_placeholder(office: Path) -> tuple[str, ...]:
    """The office's Disposisi names ``case.titel``; the paper, and what the administrator
    reads of it."""
    template = Document(str(SHIPPED_TEMPLATES / "disposisi.docx"))
    mended = 0
    for paragraph in [
        p for tb in template.tables for r in tb.rows for c in r.cells for p in c.paragraphs
    ]:
        for run in paragraph.runs:
            if "case.title" in run.text:
                run.text = run.text.replace("case.title", "case.titel")
                mended += 1
    assert mended, "the shipped Disposisi names case.title"
    template.save(str(office / "disposisi.docx"))
    return "disposisi", "titel"


def save_a_pdf_over_it(office: Path) -> tuple[str, ...]:
    """The office saved a PDF as disposisi.docx: no Word document at all."""
    (office / "disposisi.docx").write_bytes(b"%PDF-1.4\n% not a Word document\n")
    return "disposisi", "BadZipFile"


def correct_the_title_with_track_changes_on(office: Path) -> tuple[str, ...]:
    """The office retypes the end of the title's placeholder with Track Changes on and
    saves without accepting it: filled, the Disposisi would have ended at the title. The
    administrator is asked, in Indonesian, to accept the changes in Word."""
    office_copy(
        office, "disposisi.docx", retyped("{{ case.title }}", "title }}", TRACKED_INSERTION)
    )
    return "disposisi", "word/document.xml", "Terima Semua Perubahan"


def put_the_case_number_of_the_footer_into_a_content_control(office: Path) -> tuple[str, ...]:
    """The office retypes the end of the case number's placeholder in the footer of its
    Lembar Pemeriksaan into a content control: filled, the footer is no longer XML (lxml's
    error, which the outbox retried for a quarter of an hour while Karo's task waited)."""
    footer = "Lembar Pemeriksaan · Berkas {{ case.case_no }} · Langkah {{ step_no }}"
    office_copy(
        office,
        "pemeriksaan.docx",
        retyped(footer, "case_no }}", CONTENT_CONTROL),
        part=FOOTER,
    )
    return "pemeriksaan", "word/footer1.xml", "{{ case.case_no }}", "ketik ulang placeholder"


@pytest.mark.parametrize(
    "broken",
    [
        misspell_a_placeholder,
        save_a_pdf_over_it,
        correct_the_title_with_track_changes_on,
        put_the_case_number_of_the_footer_into_a_content_control,
    ],
)
async def test_a_template_an_office_broke_holds_up_no_task_and_the_admin_is_told(
    tmp_path: Path, broken: Callable[[Path], tuple[str, ...]]
) -> None:
    """The office edits its Lembar Disposisi or Lembar Pemeriksaan while the bot runs: it
    misspells a placeholder (``case.titel``), saves a PDF over the file, edits it with Track
    Changes on, or puts part of a placeholder in the footer into a content control. Kabag
    approves step 2: Karo still receives his task (without the paper, which cannot be
    written), and the administrator is told which file, which part and what is wrong with
    it, at once rather than after twenty retries."""

    office = tmp_path / "kantor"
    office.mkdir()
    paper, *told = broken(office)
    world = World(tmp_path / "w")
    world.config_sections["papers"] = {"templates_dir": str(office)}
    async with world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Usulan dengan templat rusak")
        await s.approve("kabag", case)
        await s.seen(
            "karo",
            lambda m: f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts),
        )
        alert = await world["admin"].wait_message(
            lambda m: "tidak dapat dibuat" in m.text, timeout=15
        )
        assert f"{paper}.docx" in alert.text and "sopbot check" in alert.text
        assert all(words in alert.text for words in told), alert.text
        files = await world.services.db.read(repo.files_of_case, case)
        assert not [f for f in files if f.name.startswith(paper)]


async def test_a_bot_started_with_an_office_template_that_does_not_fill_names_it_in_its_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The office misspells a placeholder in its Lembar Disposisi (``case.titel``) and
    restarts the bot without running ``sopbot check``, which would have refused the file.
    The start said nothing: the first word came when Kabag approved a proposal. The
    start-up log now names the file, the placeholder and that the paper is not written
    until the template is corrected; the bot still starts and serves the officials."""
    office = tmp_path / "kantor"
    office.mkdir()
    misspell_a_placeholder(office)
    caplog.set_level(logging.WARNING, logger="bot.app")
    world = World(tmp_path / "w")
    world.config_sections["papers"] = {"templates_dir": str(office)}
    async with world:
        await world.everyone_starts()
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert said == [
        f"{office / 'disposisi.docx'}: undefined placeholder 'case.titel': the bot writes no "
        "paper from this template until it is corrected (sopbot check names what fails)"
    ]


async def test_a_long_problem_with_an_office_template_is_shortened_in_the_alert_as_plain_text(
    tmp_path: Path,
) -> None:
    """The office keeps its templates deep in a share with long folder names, and its
    Disposisi names ``case.titel``: what is wrong, path and all, is longer than the alert
    quotes. It is shortened with "…" inside its <code>; no markup of the bot's own shows
    in it as text."""
    folder = " & ".join(["Templat Naskah Dinas Biro Perencanaan"] * 5)
    office = tmp_path.joinpath("kantor", folder, folder, folder)
    office.mkdir(parents=True)
    misspell_a_placeholder(office)
    world = World(tmp_path / "w")
    world.config_sections["papers"] = {"templates_dir": str(office)}
    async with world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Usulan dengan templat di folder yang dalam")
        await s.approve("kabag", case)
        alert = await world["admin"].wait_message(
            lambda m: "tidak dapat dibuat" in m.text, timeout=15
        )
    problem = alert.text.split("dari templatnya:\n", 1)[1].split("\n", 1)[0]
    assert problem.startswith(str(tmp_path)) and problem.endswith("…"), problem
    assert "dipersingkat" not in alert.text and "<i>" not in alert.text
    assert "sopbot check" in alert.text


async def test_a_lembar_pemeriksaan_made_again_after_kabag_corrects_his_data_reads_as_before(
    tmp_path: Path,
) -> None:
    """Kabag returns the proposal; the Lembar Pemeriksaan names him as his profile then
    stood. He later corrects his name ("Perbaiki data"). The same paper made again (as an
    outbox row sent late makes it) reads word for word as the first: a correction changes
    no paper already made, as the correction's first message promises."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.submit("Program Kerja 2027")
        await s.review_return("kabag", case_id, RETURN_REASONS[2])
        await world.drained()
        db = world.services.db
        [first] = [
            f
            for f in await db.read(repo.files_of_case, case_id)
            if f.kind == "paper" and f.name.startswith("pemeriksaan")
        ]
        first_text = docx_text(await world.services.files.read(first.path))
        assert has_official(first_text, "kabag")
        await s.correct_profile("kabag", "Ir. Budi Santoso, M.Si.", PEOPLE["kabag"].nip, "Kabag")
        person = await db.read(repo.get_person, PEOPLE["kabag"].telegram_id)
        assert person is not None and person.name == "Ir. Budi Santoso, M.Si."
        events = await db.read(repo.load_events, case_id)
        seq = 1 + next(i for i, e in enumerate(events) if e.type is EventType.RETURNED)
        config = world.config
        paperwork = Paperwork(
            db, world.services.sops, config, work_calendar(config), renderer_for(config)
        )
        [again] = await paperwork.make(case_id, PEMERIKSAAN.name, seq)
    again_text = docx_text(again.data)
    assert "Ir. Budi Santoso" not in again_text
    assert again_text == first_text
