"""A team step in an SOP with a second shared role: "Pengadaan Barang" with a Tim Pemeriksa
Barang the PPK forms (``tests/fixtures/sops/pengadaan-tim.toml``, ``team = "tim_pemeriksa"``)
and two Pengelola BMN who archive. Its step ids are not 1..N in file order (step 8 sits
between 4 and 5). Through the real bot and the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sop_world import WAIT, pdf, plain, sop_world
from sop_world import open_case as open_in

from bot.core.model import CaseStatus
from bot.demo import Script, World
from emulator import EmuMessage, EmuUser

PENGADAAN_TIM = Path(__file__).parent / "fixtures" / "sops" / "pengadaan-tim.toml"
PEOPLE = {
    "ppk": (4001, "Ir. Joko Susilo", "PPK Biro Umum", ["ppk"]),
    "rt": (4002, "Kartika Sari, S.E.", "Kepala Subbagian Rumah Tangga", ["kasubag_rt"]),
    "pp": (4003, "Lukman Hakim", "Pejabat Pengadaan", ["pejabat_pengadaan"]),
    "bmn1": (4004, "Maya Sopiah", "Pengelola BMN", ["pengelola_bmn"]),
    "bmn2": (4005, "Nanda Putra", "Pengelola BMN", ["pengelola_bmn"]),
    "tp1": (4006, "Oki Ramadhan", "Teknisi", ["tim_pemeriksa"]),
    "tp2": (4007, "Putri Ayu", "Teknisi", ["tim_pemeriksa"]),
}


def with_button(user: EmuUser, case: int, label: str) -> list[EmuMessage]:
    return [
        m
        for m in user.bot_messages
        if f"Berkas #{case}" in m.text and any(label in b for b in m.button_texts)
    ]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with sop_world(tmp_path, PENGADAAN_TIM, PEOPLE) as w:
        yield w


async def open_case(world: World, title: str) -> int:
    return await open_in(world, "rt", title)


async def test_the_team_is_the_role_its_step_forms_and_the_archive_still_reaches_bmn(
    world: World,
) -> None:
    """The team step names and offers the Tim Pemeriksa Barang (not the Pengelola BMN), as
    the SK Tim and the history do; once the team is formed the BAST is its member's and
    the archive reaches both Pengelola BMN. The steps are named by their own numbers:
    "Langkah 8" (never "Langkah 5 dari 8") in the task, /tugas and the history."""
    s = Script(world, timeout=WAIT)
    case = await open_case(world, "Pengadaan Printer")
    await s.upload("rt", case, "Nota Dinas Kebutuhan.pdf", pdf("nota dinas"))
    await s.upload("rt", case, "Spesifikasi Teknis.pdf", pdf("spesifikasi"))
    await s.press("rt", "Ajukan", case)
    await s.approve("ppk", case)
    await s.upload("pp", case, "HPS.pdf", pdf("hps"))
    await s.upload("pp", case, "Penawaran Penyedia.pdf", pdf("penawaran"))
    await s.press("pp", "Serahkan", case)
    await s.upload("ppk", case, "SPK.pdf", pdf("spk"))
    # the PPK goes on to his own team step (8): not "Serahkan dokumen kepada PPK", himself
    await s.press("ppk", "📤 Lanjut ke langkah berikutnya", case)

    task = await s.seen(
        "ppk", lambda m: f"Berkas #{case}" in m.text and "Oki" in str(m.button_texts)
    )
    text = plain(task.text)
    assert "Langkah 8: Pembentukan Tim Pemeriksa Barang" in text
    assert " dari " not in text.split("Langkah 8", 1)[1].split("\n", 1)[0]
    assert "Tim Pemeriksa Barang" in text.split("Langkah 8", 1)[1].split("\n", 1)[1]
    assert "Pengelola BMN" not in text
    offered = " ".join(task.button_texts)
    assert "Oki" in offered and "Putri" in offered
    assert "Maya" not in offered and "Nanda" not in offered

    world["ppk"].mark_seen()
    await world["ppk"].send("/tugas")
    listed = plain((await world["ppk"].wait_message(timeout=WAIT)).text)
    assert f"#{case}" in listed and "Langkah 8: Pembentukan" in listed

    await s.press("ppk", "Oki", case)
    await s.press("ppk", "Tetapkan", case)
    await s.upload("tp1", case, "BAST.pdf", pdf("bast"))
    await s.press("tp1", "Serahkan", case)
    await s.approve("ppk", case)
    bmn1, bmn2 = world["bmn1"], world["bmn2"]
    await world.emu.wait_until(
        lambda: bool(with_button(bmn1, case, "Arsipkan") and with_button(bmn2, case, "Arsipkan")),
        timeout=WAIT,
    )
    assert with_button(world["tp2"], case, "Serahkan") == []
    # the SK Tim to its member, named after the team it forms and its step's own number
    sent = [(m, m.document) for m in world["tp1"].bot_messages if m.document is not None]
    sk, document = next((m, d) for m, d in sent if d["file_name"].startswith("sk-tim"))
    assert document["file_name"] == f"sk-tim-B{case}-langkah8-ke1.docx"
    assert "Draf SK Tim Pemeriksa Barang" in sk.text

    await s.press("bmn2", "Arsipkan", case)
    await s.answer_prompt("bmn2", f"PL.02/{case:03d}/2026")
    await world["rt"].wait_message(lambda m: "diarsipkan" in m.text, timeout=WAIT)
    await world.drained()
    assert await world.case_status(case) is CaseStatus.ARCHIVED
    history = plain(await status_text(world["rt"], case))
    assert "menetapkan Tim Pemeriksa Barang" in history, history
    assert "dari 8" not in history


async def status_text(user: EmuUser, case: int) -> str:
    user.mark_seen()
    await user.send(f"/status {case}")
    return (await user.wait_message(timeout=WAIT)).text
