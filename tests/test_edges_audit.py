"""Correct at the edges, as a black-box audit found them.

Each test here failed on the bot (or the emulator) before its fix: a file Telegram will not
hand over, document names with HTML characters, a /tugas page button on a message too old
to be shown, and the reactions on an album of uploads.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot import texts as t
from bot.callbacks import Callback, Op
from bot.demo import ROOT, Script, World, draft
from storage import repo

WAIT = 15.0


def as_read(text: str) -> str:
    """A message text as the official reads it (the bot sends HTML)."""
    return re.sub(r"<[^>]+>", "", text)


def stored_files(world: World) -> list[Path]:
    return [p for p in world.services.files.root.rglob("*") if p.is_file()]


# -- 1. a file the Bot API server will not hand over -------------------------------------


async def test_a_file_telegram_refuses_to_hand_over_is_refused_as_too_big(tmp_path: Path) -> None:
    """Kasubag uploads a TOR that Telegram's getFile refuses ("file is too big"); he is told
    the file is over the size limit (not asked to send it again, which would not help), and
    nothing is recorded."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await s.new_case("Usulan dengan berkas besar", 2027)
        world.emu.faults.fail(
            1, status=400, method="getFile", description="Bad Request: file is too big"
        )
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"), expect="melebihi batas")
        told = world["kasubag"].bot_messages[-1]
        assert told.text == as_read(t.FILE_TOO_BIG.format(limit=20))
        assert "mengirim ulang" not in told.text
        await world.drained()
        assert await world.services.db.read(repo.files_of_case, case) == []
        assert stored_files(world) == []
        # any other refusal of the download still asks for the file again
        world.emu.faults.fail(1, status=400, method="getFile", description="Bad Request: wrong")
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"), expect="mengirim ulang")
        assert world["kasubag"].bot_messages[-1].text == as_read(t.FILE_DOWNLOAD_FAILED)


# -- 2. document names with HTML characters -------------------------------------------------

NOTA = "Nota Dinas <Kabag> & Lampiran"


def sop_with_a_nota(tmp_path: Path) -> Path:
    """The SOP with one more upload, Kabag's "Nota Dinas <Kabag> & Lampiran", needed to
    pass step 4 on (an imported SOP may name its documents so)."""
    text = (ROOT / "sops" / "penyusunan-program-kerja.toml").read_text(encoding="utf-8")
    text = text.replace(
        "[documents.rencana_kerja]",
        f'[documents.nota]\nname = "{NOTA}"\nsource = "upload"\n\n[documents.rencana_kerja]',
    )
    step4 = 'inputs = ["disposisi"]\noutputs = ["disposisi", "sk"]'
    assert text.count(step4) == 1
    text = text.replace(
        step4, 'inputs = ["disposisi", "nota"]\nuploads = ["nota"]\noutputs = ["disposisi", "sk"]'
    )
    sop = tmp_path / "sop-nota.toml"
    sop.write_text(text, encoding="utf-8")
    return sop


async def test_a_missing_document_named_with_html_characters_is_named_in_both_refusals(
    tmp_path: Path,
) -> None:
    """Kabag holds step 4 without the Nota Dinas <Kabag> & Lampiran it needs, so his task
    shows no Teruskan button; an old or forged one is pressed anyway. Pressing Teruskan he is
    told (an alert, plain text) which document is missing; pressing Teruskan dengan catatan
    and typing the note, he is told so in a message (HTML), the name shown as written."""
    async with World(tmp_path / "w", sops=[str(sop_with_a_nota(tmp_path))]) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case_id = await s.new_case("Usulan PK", 2027)
        await s.upload("kasubag", case_id, "Konsep Rencana Kerja.docx", draft("Konsep"))
        await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"))
        await s.press("kasubag", "Ajukan", case_id)
        await s.approve("kabag", case_id)
        await s.approve("karo", case_id)
        task = await s.seen(
            "kabag", lambda m: f"Berkas #{case_id}" in m.text and "Langkah 4 dari 12" in m.text
        )
        assert f"⬜ {NOTA}" in task.text and not task.button_texts
        case = await world.services.db.read(repo.load_case, case_id)
        refused = f"Dokumen belum lengkap. Yang masih diperlukan: {NOTA}."
        forward = Callback(Op.FORWARD, case.id, case.step, case.version)
        alert = await world["kabag"].press_data(task, forward.encode(), timeout=WAIT)
        assert alert.show_alert and alert.text == refused
        with_note = Callback(Op.FORWARD, case.id, case.step, case.version, "n")
        await world["kabag"].press_data(task, with_note.encode(), timeout=WAIT)
        world["kabag"].mark_seen()
        await s.answer_prompt("kabag", "Mohon segera ditindaklanjuti.")
        told = await world["kabag"].wait_message(lambda m: "Dokumen" in m.text, timeout=WAIT)
        assert told.text == refused
        assert (await world.services.db.read(repo.load_case, case_id)).step == 4
