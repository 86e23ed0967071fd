"""Source lines 22 and 28: Karo, not agreeing, returns the proposal and the drafts "kepada
Kabag MK untuk diperbaiki". Kabag corrects them himself: he sends the corrected Rencana Kerja
or draft in the chat at his review step (2 or 8), approves again, and Karo's decision and the
papers name the version he sent, not the one Karo returned."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from e2e_helpers import case_of

from bot.core.model import Attachment, Case
from bot.demo import Script, World, draft
from storage import repo

TITLE = "Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro TA 2027"
DRAFTS = ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with World(tmp_path) as w:
        await w.everyone_starts()
        yield w


async def paper_text(world: World, case_id: int, name: str) -> str:
    """All the text of the paper of the case stored under ``name``."""
    db, store = world.services.db, world.services.files
    for row in await db.read(repo.files_of_case, case_id):
        if row.kind == "paper" and row.name == name:
            document = Document(io.BytesIO(await store.read(row.path)))
            parts = [p.text for p in document.paragraphs]
            for table in document.tables:
                parts += [cell.text for row_ in table.rows for cell in row_.cells]
            return "\n".join(parts)
    raise AssertionError(f"no paper {name}")


def latest(case: Case, doc: str) -> Attachment:
    attachment = case.latest(doc)
    assert attachment is not None
    return attachment


async def test_karo_returns_the_rencana_kerja_and_kabag_corrects_it_before_approving_again(
    world: World,
) -> None:
    s = Script(world)
    case_id = await s.submit(TITLE)
    await s.approve("kabag", case_id)
    returned = await latest_of(world, case_id, "konsep_rencana_kerja")
    await s.review_return("karo", case_id, "Rencana Kerja agar diselaraskan dengan Renstra.")
    await s.seen(
        "kabag", lambda m: "Perbaikan Konsep Rencana Kerja dapat Bapak/Ibu kirimkan" in m.text
    )

    await s.upload("kabag", case_id, "Rencana Kerja.docx", draft("Rencana Kerja", 2))
    corrected = await latest_of(world, case_id, "konsep_rencana_kerja")
    assert corrected.version == 2 and corrected.by == world["kabag"].id
    await s.seen("kabag", lambda m: "Rencana Kerja: Rencana Kerja.docx (versi 2)" in m.text)
    await s.approve("kabag", case_id)
    await s.seen("karo", lambda m: "Rencana Kerja: Rencana Kerja.docx (versi 2)" in m.text)
    await s.approve("karo", case_id)
    await world.drained()

    # Karo's second Lembar Pemeriksaan at step 3 names what he approved: Kabag's correction
    sheet = await paper_text(world, case_id, f"pemeriksaan-B{case_id}-langkah3-ke2-setuju.docx")
    assert corrected.sha256 in sheet and returned.sha256 not in sheet


async def test_kabags_returned_task_names_the_rencana_kerja_as_its_list_does(
    world: World,
) -> None:
    """Karo returns the proposal to Kabag. His task lists the document he may correct as
    "Konsep Rencana Kerja" and invites its correction by that name, not as the "Rencana
    Kerja" (the name step 2's output gives it): one name for one document on one screen."""
    s = Script(world)
    case_id = await s.submit(TITLE)
    await s.approve("kabag", case_id)
    await s.review_return("karo", case_id, "Rencana Kerja agar diselaraskan dengan Renstra.")
    task = (await s.seen("kabag", lambda m: "Perbaikan " in m.text)).text
    assert "Konsep Rencana Kerja: Konsep Rencana Kerja.docx (versi 1)" in task, task
    assert "Perbaikan Konsep Rencana Kerja dapat Bapak/Ibu kirimkan" in task, task


async def test_kabag_cannot_replace_the_konsep_before_karo_returned_it(world: World) -> None:
    """Kabag reviews Kasubag's Konsep at step 2 for the first time: nothing was handed back
    to him to correct ("jika tidak setuju dikembalikan kepada Kasubag untuk diperbaiki"). A
    Rencana Kerja he sends is not taken as its next version: he is told no step asks him for
    a document, and the Konsep stays the one Kasubag submitted."""
    s = Script(world)
    case_id = await s.submit(TITLE)
    await s.upload(
        "kabag", case_id, "Rencana Kerja.docx", draft("Rencana Kerja versi Kabag", 2),
        expect="tidak ada langkah yang memerlukan unggahan dokumen",
    )  # fmt: skip
    await world.drained()
    submitted = await latest_of(world, case_id, "konsep_rencana_kerja")
    assert (submitted.version, submitted.by) == (1, world["kasubag"].id)


PK_REASON = "Target indikator kinerja pada draf PK agar dikoreksi."


async def karo_returns_the_drafts(world: World, reason: str) -> tuple[Script, int]:
    """A case whose drafts the team handed in, Kasubag and Kabag approved, and Karo returned
    with ``reason`` (to Kabag, who may correct them himself)."""
    s = Script(world)
    case_id = await s.submit(TITLE)
    await s.to_the_drafts(case_id)
    for name in DRAFTS:
        await s.upload("tim1", case_id, name, draft(name))
    await s.press("tim1", "Serahkan draf", case_id)
    await s.approve("kasubag", case_id)
    await s.approve("kabag", case_id)
    await s.review_return("karo", case_id, reason)
    return s, case_id


async def test_karo_signs_the_draft_kabag_corrected_and_the_dokumentasi_keeps_it(
    world: World,
) -> None:
    s, case_id = await karo_returns_the_drafts(world, PK_REASON)
    await s.seen("kabag", lambda m: "Perbaikan Draf Program Kerja, Draf RKAKL" in m.text)

    name = "Draf Penetapan Kinerja (perbaikan Kabag).docx"
    await s.upload("kabag", case_id, name, draft("Draf Penetapan Kinerja", 2))
    corrected = await latest_of(world, case_id, "draf_penetapan_kinerja")
    assert (corrected.version, corrected.name) == (2, name)
    await s.approve("kabag", case_id)  # his paraf, on the corrected draft
    await s.approve("karo", case_id)  # the signature
    await s.press("kabag", "Teruskan", case_id)
    await s.press("kasubag", "Teruskan", case_id)
    await s.press("fu", "Arsipkan", case_id)
    await s.answer_prompt("fu", f"ARS/PK/2027/{case_id:03d}")
    await world["kasubag"].wait_message(lambda m: "selesai dan diarsipkan" in m.text, timeout=15)
    await world.drained()

    for sheet_name in (
        f"pemeriksaan-B{case_id}-langkah8-ke2-setuju.docx",
        f"pemeriksaan-B{case_id}-langkah9-ke2-setuju.docx",
    ):
        assert corrected.sha256 in await paper_text(world, case_id, sheet_name), sheet_name
    record = await paper_text(world, case_id, f"dokumentasi-B{case_id}.docx")
    assert corrected.sha256 in record and name in record


async def test_kabag_says_which_draft_a_file_named_for_none_corrects(world: World) -> None:
    """A file named "koreksi.docx" names no draft: Kabag is asked which of the drafts under
    review it is, and his answer makes it that draft's next version."""
    _, case_id = await karo_returns_the_drafts(world, "Pagu RKAKL agar disesuaikan.")
    kabag = world["kabag"]
    await kabag.send_document(draft("koreksi", 2), file_name="koreksi.docx", caption=f"#{case_id}")
    question = await kabag.wait_message(
        lambda m: "Mohon pilih jenis dokumen ini" in m.text, timeout=15
    )
    assert question.button_texts == ["Draf Program Kerja", "Draf RKAKL", "Draf Penetapan Kinerja"]
    await kabag.press(question, "Draf RKAKL", timeout=15)
    await world.emu.wait_until(lambda: not question.button_texts, timeout=15)
    await world.drained()
    corrected = await latest_of(world, case_id, "draf_rkakl")
    assert (corrected.version, corrected.name) == (2, "koreksi.docx")


async def latest_of(world: World, case_id: int, doc: str) -> Attachment:
    return latest(await case_of(world, case_id), doc)


async def test_what_a_step_takes_is_read_from_the_database_only_where_a_return_decides_it(
    world: World,
) -> None:
    """The documents a step takes now, as the upload handler asks them: an upload step's
    uploads come from the case alone (no trip to the database); a review step that corrects
    documents reads how the case came to it. Both as ``effects.accepts_now`` reads them."""
    from bot.services.effects import accepts_now

    svc = world.services
    reads: list[object] = []
    read = svc.db.read

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(fn)
        return await read(fn, *args, **kwargs)

    async def both(case_id: int) -> tuple[str, ...]:
        case = await case_of(world, case_id)
        expected = await read(lambda tx: accepts_now(tx, svc.sops.of(case), case))
        reads.clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(svc.db, "read", counted)
            taken = await svc.queries.accepts_now(case)
        assert taken == expected
        return taken

    s = Script(world)
    case_id = await s.new_case(TITLE, 2027)
    assert await both(case_id) == ("konsep_rencana_kerja", "tor") and reads == []
    await s.upload("kasubag", case_id, "Konsep Rencana Kerja.docx", draft("Konsep"))
    await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"))
    await s.press("kasubag", "Ajukan", case_id)
    await s.approve("kabag", case_id)
    await s.review_return("karo", case_id, "Rencana Kerja agar diselaraskan dengan Renstra.")
    await s.seen("kabag", lambda m: "Perbaikan " in m.text)
    assert await both(case_id) == ("rencana_kerja",) and len(reads) == 1


async def test_the_dokumentasi_says_the_kasubags_paraf_was_on_the_draft_before_kabag_corrected_it(
    world: World,
) -> None:
    """Kasubag gives her paraf on the Draf Penetapan Kinerja in its first version; Karo
    returns it, Kabag corrects it himself (version 2), gives his paraf and Karo signs. The
    Dokumentasi's "Paraf dan Tanda Tangan" still lists her paraf, but says it was given on
    version 1: it is not read as a paraf on the version Karo signed and Dewi filed. His and
    Karo's, given on the filed versions, say nothing more."""
    s, case_id = await karo_returns_the_drafts(world, PK_REASON)
    await s.seen("kabag", lambda m: "Perbaikan Draf Program Kerja, Draf RKAKL" in m.text)
    await s.upload("kabag", case_id, DRAFTS[2], draft("Draf Penetapan Kinerja", 2))
    await s.approve("kabag", case_id)
    await s.approve("karo", case_id)
    await s.press("kabag", "Teruskan", case_id)
    await s.press("kasubag", "Teruskan", case_id)
    await s.press("fu", "Arsipkan", case_id)
    await s.answer_prompt("fu", f"ARS/PK/2027/{case_id:03d}")
    await world["kasubag"].wait_message(lambda m: "selesai dan diarsipkan" in m.text, timeout=15)
    await world.drained()

    db, store = world.services.db, world.services.files
    row = next(
        r
        for r in await db.read(repo.files_of_case, case_id)
        if r.kind == "paper" and r.name == f"dokumentasi-B{case_id}.docx"
    )
    document = Document(io.BytesIO(await store.read(row.path)))
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "Jenis")
    rows = {r.cells[4].text.strip(): r.cells[5].text for r in table.rows[1:]}
    assert set(rows) == {"7", "8", "9"}
    assert "atas versi sebelumnya: Penetapan Kinerja versi 1" in rows["7"]
    assert "versi" not in rows["8"] and "versi" not in rows["9"]
