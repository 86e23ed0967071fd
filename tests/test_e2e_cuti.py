"""Another SOP of the same form whose first step is held by a shared role: the Biro Umum's
"Pengajuan Cuti Pegawai" (``tests/fixtures/sops/cuti-pegawai.toml``). Any Pegawai applies;
the two Pengelola Kepegawaian verify the balance and draft the permit; returns skip back two
steps (3 -> 1, 6 -> 4). Through the real bot and the Bot API emulator: an application that
comes back reaches its applicant alone, and a step a Pengelola took comes back to her."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sop_world import WAIT, pdf, plain, sop_world
from sop_world import open_case as open_in

from bot import texts as t
from bot.core.model import CaseStatus
from bot.demo import Script, World
from emulator import EmuMessage, EmuUser
from storage import repo

CUTI = Path(__file__).parent / "fixtures" / "sops" / "cuti-pegawai.toml"
PEOPLE = {
    "ani": (3001, "Ani Wulandari, S.E.", "Analis Keuangan", ["pegawai"]),
    "beni": (3002, "Beni Saputra", "Pengadministrasi Umum", ["pegawai"]),
    "atasan": (3003, "Drs. Cahyo Nugroho", "Kepala Subbagian Keuangan", ["atasan"]),
    # a Pengelola who is a Pegawai too
    "dian": (3004, "Dian Permata, S.Psi.", "Analis SDM Aparatur", ["pengelola_kepeg", "pegawai"]),
    "eko": (3005, "Eko Prasetyo", "Analis SDM Aparatur", ["pengelola_kepeg"]),
    "kasubag": (3006, "Fitri Handayani, S.H.", "Kepala Subbagian Mutasi", ["kasubag_kepeg"]),
    "kabag": (3007, "Gunawan Setiadi, M.M.", "Kepala Bagian Kepegawaian", ["kabag_kepeg"]),
}


def about(user: EmuUser, case: int) -> list[EmuMessage]:
    """The bot's messages in the person's chat about the case (not a refused /status)."""
    return [
        m
        for m in user.bot_messages
        if f"Berkas #{case}" in m.text and f"Berkas #{case} tidak ditemukan" not in m.text
    ]


def with_button(user: EmuUser, case: int, label: str) -> list[EmuMessage]:
    return [m for m in about(user, case) if any(label in b for b in m.button_texts)]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with sop_world(tmp_path, CUTI, PEOPLE) as w:
        yield w


async def apply_for_leave(world: World, who: str, title: str) -> int:
    return await open_in(world, who, title)


async def status(user: EmuUser, case: int) -> str:
    user.mark_seen()
    await user.send(f"/status {case}")
    return plain((await user.wait_message(timeout=WAIT)).text)


async def test_a_leave_application_comes_back_to_its_applicant_alone(world: World) -> None:
    """Ani applies; the Atasan returns it (2 -> 1) and Eko returns it from his verification
    (3 -> 1): each time the task reaches Ani only, and Beni (a Pegawai too) neither gets it
    nor reads the case with /status. The verification Eko took comes back to him, not to
    Dian; the permit Dian drafted comes back to her from the Kabag (6 -> 4); the archive,
    which no one has taken yet, reaches both Pengelola, and Eko files it."""
    s = Script(world, timeout=WAIT)
    case = await apply_for_leave(world, "ani", "Cuti tahunan Ani 5-9 Januari")
    await s.upload("ani", case, "Formulir Cuti.pdf", pdf("formulir"))
    await s.press("ani", "Ajukan", case)
    await s.review_return("atasan", case, "Tanggal cuti bertabrakan dengan rapat kerja.")
    await world["ani"].wait_message(lambda m: "bertabrakan" in m.text, timeout=WAIT)
    await world.drained()
    assert about(world["beni"], case) == []
    assert about(world["dian"], case) == []
    assert "Cuti tahunan Ani" not in await status(world["beni"], case)
    assert "Cuti tahunan Ani" in await status(world["ani"], case)

    await s.upload("ani", case, "Formulir Cuti.pdf", pdf("formulir v2"))
    await s.press("ani", "Ajukan", case)
    await s.approve("atasan", case)
    # the verification no one has taken yet: both Pengelola (first come)
    await world.emu.wait_until(
        lambda: bool(with_button(world["dian"], case, "Setujui")), timeout=WAIT
    )
    await s.review_return("eko", case, "Sisa cuti tahun berjalan tinggal 2 hari.")
    await world["ani"].wait_message(lambda m: "Sisa cuti tahun berjalan" in m.text, timeout=WAIT)
    await world.drained()
    assert about(world["beni"], case) == []
    assert with_button(world["dian"], case, "Ajukan") == []

    world["dian"].mark_seen()
    await s.press("ani", "Ajukan", case)
    await s.approve("atasan", case)
    await world.emu.wait_until(
        lambda: bool(with_button(world["eko"], case, "Setujui")), timeout=WAIT
    )
    await world.drained()
    assert with_button(world["dian"], case, "Setujui") == []  # Eko's verification
    await s.approve("eko", case)

    await s.upload("dian", case, "Konsep Surat Izin Cuti.pdf", pdf("konsep"))
    await s.press("dian", "Serahkan", case)
    await s.approve("kasubag", case)
    await s.review_return("kabag", case, "Nomor surat salah.")
    await s.seen("dian", lambda m: "Nomor surat salah" in m.text and bool(m.button_texts))
    await world.drained()
    assert with_button(world["eko"], case, "Serahkan") == []  # Dian's draft
    await s.upload("dian", case, "Konsep Surat Izin Cuti.pdf", pdf("konsep v2"))
    await s.press("dian", "Serahkan", case)
    await s.approve("kasubag", case)
    await s.approve("kabag", case)

    await world.emu.wait_until(
        lambda: bool(with_button(world["dian"], case, "Arsipkan")), timeout=WAIT
    )
    await s.press("eko", "Arsipkan", case)
    await s.answer_prompt("eko", f"KP.02/{case:03d}/2026")
    await world["ani"].wait_message(lambda m: "diarsipkan" in m.text, timeout=WAIT)
    await world.drained()
    assert await world.case_status(case) is CaseStatus.ARCHIVED
    assert about(world["beni"], case) == []


async def test_an_applicant_lists_her_own_application_and_not_a_colleagues(
    world: World,
) -> None:
    """/status without a number lists Ani's running application to her (it told her
    "Belum ada berkas"); Beni, another Pegawai, does not see it in his list, which names
    who opens cases of this SOP (not the bureau's Kasubag)."""
    s = Script(world, timeout=WAIT)
    case = await apply_for_leave(world, "ani", "Cuti tahunan Ani Desember")
    await s.upload("ani", case, "Formulir Cuti.pdf", pdf("formulir"))
    await s.press("ani", "Ajukan", case)
    await world.drained()

    async def listed(who: str) -> str:
        user = world[who]
        user.mark_seen()
        await user.send("/status")
        return plain((await user.wait_message(timeout=WAIT)).text)

    assert "Cuti tahunan Ani Desember" in await listed("ani")
    beni = await listed("beni")
    assert "Cuti tahunan Ani" not in beni
    assert beni.startswith("Belum ada berkas. Berkas baru diajukan oleh Pegawai")


async def a_verification_eko_holds(world: World, s: Script, title: str) -> int:
    """Ani's application at step 3 a second time: Eko returned it from there, so the
    verification is his alone now."""
    case = await apply_for_leave(world, "ani", title)
    await s.upload("ani", case, "Formulir Cuti.pdf", pdf("formulir"))
    await s.press("ani", "Ajukan", case)
    await s.approve("atasan", case)
    await s.review_return("eko", case, "Sisa cuti tahun berjalan tinggal 2 hari.")
    await world["ani"].wait_message(lambda m: "Sisa cuti tahun berjalan" in m.text, timeout=WAIT)
    await s.press("ani", "Ajukan", case)
    await s.approve("atasan", case)
    await world.emu.wait_until(
        lambda: bool(with_button(world["eko"], case, "Setujui")), timeout=WAIT
    )
    await world.drained()
    assert with_button(world["dian"], case, "Setujui") == []
    return case


async def test_eko_leaves_the_unit_and_the_verification_he_held_goes_to_dian(
    world: World,
) -> None:
    """Eko's role is revoked while Ani's application waits for his verification (his since
    he returned it): the verification reaches Dian, the other Pengelola, at once; his
    buttons go, Dian approves and the case goes on. The history says who passed it."""
    s = Script(world, timeout=WAIT)
    case = await a_verification_eko_holds(world, s, "Cuti tahunan Ani Maret")
    world["dian"].mark_seen()
    await world["admin"].send("/cabut 3005 pengelola_kepeg")
    await world["admin"].wait_message(lambda m: "telah dicabut" in m.text, timeout=WAIT)
    await world.emu.wait_until(
        lambda: bool(with_button(world["dian"], case, "Setujui")), timeout=WAIT
    )
    await world.drained()
    assert with_button(world["eko"], case, "Setujui") == []
    await s.approve("dian", case)
    await world.emu.wait_until(
        lambda: any("Langkah 4" in m.text for m in about(world["dian"], case)), timeout=WAIT
    )
    history = await status(world["ani"], case)
    assert "mengalihkan tugas Pengelola Kepegawaian (langkah 3) dari Eko Prasetyo" in history


async def test_eko_passes_his_role_on_and_the_verification_goes_with_it(world: World) -> None:
    """/alihkan: the verification that was Eko's waits for his successor alone, not for
    Dian."""
    s = Script(world, timeout=WAIT)
    case = await a_verification_eko_holds(world, s, "Cuti tahunan Ani April")
    world["dian"].mark_seen()
    successor = world.emu.user(3008, "Hadi")
    await successor.send("/start")
    await successor.wait_message(timeout=WAIT)
    await world["admin"].send("/alihkan pengelola_kepeg 3005 3008")
    await world["admin"].wait_message(lambda m: "dialihkan" in m.text, timeout=WAIT)
    await world.emu.wait_until(
        lambda: any(
            f"Berkas #{case}" in m.text and "Setujui" in " ".join(m.button_texts)
            for m in successor.bot_messages
        ),
        timeout=WAIT,
    )
    await world.drained()
    assert with_button(world["eko"], case, "Setujui") == []
    assert with_button(world["dian"], case, "Setujui") == []
    tasks = [m for m in successor.bot_messages if f"Berkas #{case}\n" in m.text]
    assert len(tasks) == 1, [m.text[:80] for m in tasks]  # the task once, not twice


async def test_eko_leaves_while_the_permit_waits_for_both_and_dian_gets_no_second_copy(
    world: World,
) -> None:
    """Eko approved the verification (step 3 is his now); the permit (step 4), which no one
    has taken yet, waits for both Pengelola. His role revoked, Dian keeps the task she has:
    no second copy of it."""
    s = Script(world, timeout=WAIT)
    case = await apply_for_leave(world, "ani", "Cuti tahunan Ani Mei")
    await s.upload("ani", case, "Formulir Cuti.pdf", pdf("formulir"))
    await s.press("ani", "Ajukan", case)
    await s.approve("atasan", case)
    await s.approve("eko", case)
    await world.drained()
    assert any("Langkah 4" in m.text for m in about(world["dian"], case))
    before = world["dian"].received_count()
    await world["admin"].send("/cabut 3005 pengelola_kepeg")
    await world["admin"].wait_message(lambda m: "telah dicabut" in m.text, timeout=WAIT)
    await world.drained()
    assert world["dian"].received_count() == before


async def test_eko_leaves_with_no_task_waiting_and_is_told_of_none(world: World) -> None:
    """Eko verified (3) and drafted the permit (4); the case waits for the Kasubag (5). His
    role revoked, his notice says nothing of tasks taken from him: none waited."""
    s = Script(world, timeout=WAIT)
    case = await apply_for_leave(world, "ani", "Cuti tahunan Ani Juni")
    await s.upload("ani", case, "Formulir Cuti.pdf", pdf("formulir"))
    await s.press("ani", "Ajukan", case)
    await s.approve("atasan", case)
    await s.approve("eko", case)
    await s.upload("eko", case, "Konsep Surat Izin Cuti.pdf", pdf("konsep"))
    await s.press("eko", "Serahkan", case)
    await world.emu.wait_until(
        lambda: bool(with_button(world["kasubag"], case, "Setujui")), timeout=WAIT
    )
    await world.drained()
    eko = world["eko"]
    eko.mark_seen()
    await world["admin"].send("/cabut 3005 pengelola_kepeg")
    told = await eko.wait_message(lambda m: "dicabut" in m.text, timeout=WAIT)
    assert "tugas" not in told.text, told.text


async def test_a_pengelola_invited_while_a_verification_waits_gets_it_too(world: World) -> None:
    """Ani's application waits at the verification, which no Pengelola has taken yet. A
    third Pengelola joins by invitation: the verification reaches her as it reached Dian
    and Eko (it waited for the next routing before), and Ani's own application does not."""
    s = Script(world, timeout=WAIT)
    case = await apply_for_leave(world, "ani", "Cuti tahunan Ani Juli")
    await s.upload("ani", case, "Formulir Cuti.pdf", pdf("formulir"))
    await s.press("ani", "Ajukan", case)
    await s.approve("atasan", case)
    await world.emu.wait_until(
        lambda: bool(with_button(world["dian"], case, "Setujui")), timeout=WAIT
    )
    admin = world["admin"]
    admin.mark_seen()
    await admin.send("/undang pengelola_kepeg")
    invite = await admin.wait_message(lambda m: "start=" in m.text, timeout=WAIT)
    token = invite.text.rsplit("start=", 1)[1].split()[0]
    fitri = world.emu.user(3009, "Fitri")
    await fitri.send(f"/start {token}")
    await fitri.wait_message(lambda m: "terdaftar sebagai" in m.text, timeout=WAIT)
    await world.emu.wait_until(lambda: bool(with_button(fitri, case, "Setujui")), timeout=WAIT)
    await world.drained()
    assert with_button(world["dian"], case, "Setujui")  # hers stays


async def a_verification_for_both(world: World, s: Script, title: str) -> int:
    """Ani's application at step 3 the first time: both Pengelola have its task (first come)."""
    case = await apply_for_leave(world, "ani", title)
    await s.upload("ani", case, "Formulir Cuti.pdf", pdf("formulir"))
    await s.press("ani", "Ajukan", case)
    await s.approve("atasan", case)
    await world.emu.wait_until(
        lambda: all(with_button(world[p], case, "Kembalikan") for p in ("dian", "eko")),
        timeout=WAIT,
    )
    return case


async def said(user: EmuUser, text: str) -> str:
    user.mark_seen()
    await user.send(text)
    return plain((await user.wait_message(timeout=WAIT)).text)


def not_used(case: int, by: str, reason: str) -> str:
    return (
        "Mohon maaf, alasan pengembalian yang Bapak/Ibu ketik tidak kami gunakan karena "
        f"Berkas #{case} telah diputuskan oleh {by} sebelum pesan Bapak/Ibu kami terima. "
        f"Teks tersebut tidak tercatat pada berkas:\n{reason}"
    )


async def dian_approves_while_eko_types(world: World, title: str) -> int:
    """Eko presses Kembalikan on the verification both Pengelola hold and is asked for the
    reason; Dian approves it meanwhile (the case goes on to step 4)."""
    s = Script(world, timeout=WAIT)
    case = await a_verification_for_both(world, s, title)
    await s.press("eko", "Kembalikan", case)
    await s.seen("eko", lambda m: "silakan ketik" in m.text and bool(m.button_texts))
    await s.approve("dian", case)
    await world.emu.wait_until(
        lambda: any("Langkah 4" in m.text for m in about(world["dian"], case)), timeout=WAIT
    )
    await world.drained()
    return case


async def test_ekos_reason_typed_after_dian_approved_is_told_the_case_moved_on(
    world: World,
) -> None:
    """Eko presses Kembalikan on the verification both Pengelola hold and is typing the
    reason when Dian approves it. The reason he sends is answered that the case was
    decided by Dian before it came, quoted back to him; the case stays at step 4."""
    case = await dian_approves_while_eko_types(world, "Cuti tahunan Ani Juli")
    reason = "Sisa cuti tahun berjalan tinggal 2 hari."
    assert await said(world["eko"], reason) == not_used(case, "Dian Permata, S.Psi.", reason)
    await world.drained()
    stored = await world.services.db.read(repo.load_case, case)
    assert stored is not None and stored.step == 4


async def test_the_reason_typed_after_a_restart_is_still_told_the_case_moved_on(
    world: World,
) -> None:
    """The bot restarts between Dian's approval and Eko's reason: what ended his question
    is kept in the database, and his reason is answered as it would have been."""
    case = await dian_approves_while_eko_types(world, "Cuti tahunan Ani September")
    await world.stop_bot()
    await world.start_bot()  # a new Application on the same database file
    reason = "Sisa cuti tahun berjalan tinggal 2 hari."
    assert await said(world["eko"], reason) == not_used(case, "Dian Permata, S.Psi.", reason)


async def test_text_after_a_question_ended_by_its_own_asker_is_not_understood(
    world: World,
) -> None:
    """Dian presses Kembalikan and thinks better of it (/batal): what she types next
    answers no question, and nothing names one. She presses Kembalikan again; Eko, typing
    faster, returns the application: his own question ended by his answer, so his next
    text is not understood; Dian's reason is told that Eko decided first, once."""
    s = Script(world, timeout=WAIT)
    case = await a_verification_for_both(world, s, "Cuti tahunan Ani Agustus")
    dian, eko = world["dian"], world["eko"]
    await s.press("dian", "Kembalikan", case)
    await s.seen("dian", lambda m: "silakan ketik" in m.text and bool(m.button_texts))
    await said(dian, "/batal")
    assert await said(dian, "Formulir belum ditandatangani.") == plain(t.NO_QUESTION_WAITING)

    await s.press("dian", "Kembalikan", case)
    await s.review_return("eko", case, "Sisa cuti tahun berjalan tinggal 2 hari.")
    await world["ani"].wait_message(lambda m: "Sisa cuti tahun berjalan" in m.text, timeout=WAIT)
    await world.drained()
    assert await said(eko, "Mohon dilengkapi.") == plain(t.NO_QUESTION_WAITING)
    reason = "Formulir belum ditandatangani atasan langsung."
    assert await said(dian, reason) == not_used(case, "Eko Prasetyo", reason)
    assert await said(dian, reason) == plain(t.NO_QUESTION_WAITING)
