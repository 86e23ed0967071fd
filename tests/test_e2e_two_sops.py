"""A unit that runs two SOPs: the Planning Bureau's and a directorate's "Penerbitan Surat
Tugas" (``tests/fixtures/sops/surat-tugas.toml``), each by its definition file alone. Through
the real bot and the Bot API emulator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.demo import OFFICIALS, ROOT, World
from emulator import EmuUser
from storage import repo

WAIT = 15.0
SURAT_TUGAS = Path(__file__).parent / "fixtures" / "sops" / "surat-tugas.toml"
SHIPPED = ROOT / "sops" / "penyusunan-program-kerja.toml"
KASUBDIT = 2002


def person(telegram_id: int, name: str, position: str, roles: list[str]) -> dict[str, Any]:
    nip = "19800101200501100" + str(telegram_id % 10)
    return {
        "telegram_id": telegram_id,
        "name": name,
        "nip": nip,
        "position": position,
        "roles": roles,
    }


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """The bureau's officials; Kasubag also heads a section (Kasi) of the second SOP."""
    people = [
        person(
            p.telegram_id,
            p.name,
            p.position,
            [*p.roles, "kasi"] if p.key == "kasubag" else list(p.roles),
        )
        for p in OFFICIALS
    ]
    people.append(person(KASUBDIT, "Kasubdit Penempatan", "Kepala Subdirektorat", ["kasubdit"]))
    async with World(tmp_path, sops=[str(SHIPPED), str(SURAT_TUGAS)], people=people) as w:
        await w.everyone_starts()
        yield w


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


async def said(user: EmuUser, text: str) -> str:
    user.mark_seen()
    await user.send(text)
    return (await user.wait_message(timeout=WAIT)).text


async def test_kasubag_who_may_open_both_sops_is_asked_which_and_opens_a_surat_tugas(
    world: World,
) -> None:
    kasubag = world["kasubag"]
    choice = await said(kasubag, "/baru")
    assert "beberapa SOP" in choice
    assert "/baru ppk-rkakl-pk" in choice and "/baru surat-tugas" in choice
    kasubag.mark_seen()
    await kasubag.send("/baru surat-tugas")
    asked = await kasubag.wait_message(timeout=WAIT)
    assert "Penerbitan Surat Tugas Perjalanan Dinas" in asked.text and "judul" in asked.text
    await kasubag.send("Surat Tugas Monev Bursa Kerja Surabaya")
    await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)
    await kasubag.send("2027")
    await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=WAIT)
    number = int(asked.text.split("Berkas #", 1)[1].split()[0])
    case = await world.services.db.read(repo.load_case, number)
    assert case is not None and case.title == "Surat Tugas Monev Bursa Kerja Surabaya"
    assert case.sop_code == "surat-tugas" and case.step == 1


async def test_an_unknown_sop_code_and_an_official_who_opens_none_are_told_which_may(
    world: World,
) -> None:
    unknown = plain(await said(world["kasubag"], "/baru cuti"))
    assert "tidak ada SOP dengan kode cuti" in unknown and "/baru surat-tugas" in unknown
    refused = plain(await said(world["kabag"], "/baru"))
    assert refused == "Mohon maaf, pengajuan berkas baru dilakukan oleh Kasubag atau Kasi."
    refused = plain(await said(world["kabag"], "/baru surat-tugas"))
    assert refused == "Mohon maaf, pengajuan berkas baru dilakukan oleh Kasi."


async def test_the_administrator_invites_and_appoints_for_the_second_sops_roles(
    world: World,
) -> None:
    admin = world["admin"]
    invited = plain(await said(admin, "/undang kasubdit"))
    assert invited.startswith("Tautan undangan sekali pakai untuk peran Kasubdit, berlaku")
    appointed = plain(await said(admin, "/plh direktur 1002 31-12-2030 cuti tahunan"))
    assert "ditetapkan sebagai Plh. Direktur" in appointed
    roles = plain(await said(admin, "/peran"))
    assert "Kasubdit: Kasubdit Penempatan" in roles and "Kasubag:" in roles


async def test_the_help_names_both_sops_and_who_opens_cases(world: World) -> None:
    text = plain(await said(world["kabag"], "/bantuan"))
    assert "Penyusunan Program Kerja" in text and "Penerbitan Surat Tugas Perjalanan Dinas" in text
    assert "/baru [kode SOP] — mengajukan berkas baru (Kasubag, Kasi)" in text
    assert "• Direktur — Direktur Bina Pengantar Kerja" in text


async def test_sop_asks_which_of_the_two_and_shows_the_directorates_by_its_code(
    world: World,
) -> None:
    kasubag = world["kasubag"]
    which = plain(await said(kasubag, "/sop"))
    assert "/sop ppk-rkakl-pk" in which and "/sop surat-tugas" in which
    shown = plain(await said(kasubag, "/sop SURAT-TUGAS"))
    assert shown.startswith("📘 SOP Penerbitan Surat Tugas Perjalanan Dinas")
    assert "Unit kerja: Direktorat Bina Pengantar Kerja" in shown
    assert "Nomor: 5/.../KP.01.00/2026" in shown
    assert "Dasar Hukum\n1. PMK No. 113 Tahun 2012 tentang Perjalanan Dinas" in shown
    # Kasubag is the directorate's Kasi too: the Kasi's steps are his, marked; the form
    # fills no warning, qualifications or record keeping, and none is shown empty
    assert re.search(r"^Langkah \d+ · Kasi \(.+\) ◀$", shown, re.MULTILINE)
    assert not re.search(r"^Langkah \d+ · Direktur .*◀$", shown, re.MULTILINE)
    assert "Peringatan" not in shown and "Kualifikasi" not in shown


async def test_the_report_of_the_second_sop_is_asked_for_by_its_code(world: World) -> None:
    """/laporan surat-tugas 2026 reports on the directorate's SOP, /laporan ppk-rkakl-pk
    2026 on the bureau's. The two papers for one year are named apart, by code."""
    admin = world["admin"]
    for command, name, paper_name in (
        (
            "/laporan surat-tugas 2026",
            "Penerbitan Surat Tugas Perjalanan Dinas",
            "laporan-evaluasi-sop-surat-tugas-Tahun-2026.docx",
        ),
        (
            "/laporan ppk-rkakl-pk 2026",
            "Penyusunan Program Kerja",
            "laporan-evaluasi-sop-ppk-rkakl-pk-Tahun-2026.docx",
        ),
    ):
        admin.mark_seen()
        await admin.send(command)
        chart = await admin.wait_message(lambda m: m.photo is not None, timeout=WAIT)
        assert name in chart.text, chart.text
        paper = await admin.wait_message(lambda m: m.document is not None, timeout=WAIT)
        assert (paper.document or {}).get("file_name") == paper_name


async def test_the_report_without_a_code_is_of_the_sop_the_official_heads(world: World) -> None:
    """/laporan 2026 without a code: the Kasubdit, who heads the directorate's SOP only, gets
    its report (not a refusal for the bureau's); Kabag, who heads the bureau's only, gets
    the bureau's. The administrator, who may ask for both, is asked which, with the two
    commands; Kasubag, who heads neither, is told who may ask for each."""
    for official, name in (
        (world.emu.user(KASUBDIT, "Kasubdit"), "Penerbitan Surat Tugas Perjalanan Dinas"),
        (world["kabag"], "Penyusunan Program Kerja"),
    ):
        official.mark_seen()
        await official.send("/laporan 2026")
        chart = await official.wait_message(lambda m: m.photo is not None, timeout=WAIT)
        assert name in chart.text, chart.text
    asked = plain(await said(world["admin"], "/laporan 2026"))
    assert asked.startswith("Bapak/Ibu dapat meminta laporan evaluasi penerapan beberapa SOP")
    assert "• /laporan ppk-rkakl-pk 2026 — Penyusunan Program Kerja" in asked, asked
    assert "• /laporan surat-tugas 2026 — Penerbitan Surat Tugas Perjalanan Dinas" in asked
    refused = plain(await said(world["kasubag"], "/laporan 2026"))
    assert refused.startswith(
        "Mohon maaf, laporan evaluasi penerapan SOP hanya dapat diminta oleh pejabat berikut:"
    ), refused
    assert refused.count("administrator") == 2, refused  # once a line, not in the heading
    assert "• Penerbitan Surat Tugas Perjalanan Dinas: Direktur, Kasubdit, dan administrator" in (
        refused
    ), refused


async def open_budget_case(world: World, title: str) -> int:
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send("/baru ppk-rkakl-pk")
    asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    await kasubag.send(title)
    await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)
    await kasubag.send("2027")
    await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=WAIT)
    return int(asked.text.split("Berkas #", 1)[1].split()[0])


async def test_an_official_of_the_directorates_sop_does_not_see_the_bureaus_cases(
    world: World,
) -> None:
    """The Kasubdit holds a role in the Surat Tugas SOP only: the bureau's budget case is
    not his to read (its holder, decisions and return reasons). /status of it reads as a
    case that does not exist, and his list of cases leaves it out. Kabag, an official of
    that SOP, and the administrator see it."""
    number = await open_budget_case(world, "Penyusunan RKAKL Rahasia Anggaran")
    kasubdit = world.emu.user(KASUBDIT, "Kasubdit")
    assert plain(await said(kasubdit, f"/status {number}")) == f"Berkas #{number} tidak ditemukan."
    assert "Rahasia Anggaran" not in plain(await said(kasubdit, "/status"))
    assert "Rahasia Anggaran" in plain(await said(world["kabag"], f"/status {number}"))
    assert "Rahasia Anggaran" in plain(await said(world["kabag"], "/status"))
    assert "Rahasia Anggaran" in plain(await said(world["admin"], f"/status {number}"))


async def test_a_surat_tugas_begun_while_the_office_renames_its_code_is_not_opened_as_another(
    world: World, tmp_path: Path
) -> None:
    """Kasubag asks for a Surat Tugas (/baru surat-tugas) and types its title; the office
    renames that SOP's code (surat-tugas -> surat-tugas-dinas) and restarts the bot; Kasubag
    gives the year. No case is opened (it became a Program Kerja case, the deployment's
    first SOP): Kasubag is told that the SOP is no longer run, with the title typed and the
    SOPs to open instead."""
    copy = tmp_path / "surat-tugas.toml"
    copy.write_text(SURAT_TUGAS.read_text(encoding="utf-8"), encoding="utf-8")
    await world.stop_bot()
    world.config_sections["sops"] = [str(SHIPPED), str(copy)]
    world.config = world.reload_config()
    await world.start_bot()
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send("/baru surat-tugas")
    asked = await kasubag.wait_message(timeout=WAIT)
    await kasubag.send("Surat Tugas Monev Bursa Kerja Surabaya")
    await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)

    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace('code = "surat-tugas"', 'code = "surat-tugas-dinas"', 1))
    await world.drained()
    await world.stop_bot()
    world.config = world.reload_config()
    await world.start_bot()

    told = plain(await said(kasubag, "2027"))
    assert "SOP dengan kode surat-tugas tidak lagi dijalankan" in told
    assert "tidak ada berkas yang dibuat" in told
    assert "Surat Tugas Monev Bursa Kerja Surabaya" in told
    assert "/baru ppk-rkakl-pk" in told and "/baru surat-tugas-dinas" in told
    await world.drained()
    assert await world.services.db.read(repo.load_case, 1) is None
    assert "dibatalkan" in asked.text  # the question asks no more
    assert await world.services.queries.dialogue(kasubag.id) is None


async def open_surat_tugas(world: World, title: str) -> int:
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send("/baru surat-tugas")
    asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    await kasubag.send(title)
    await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)
    await kasubag.send("2026")
    await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=WAIT)
    return int(asked.text.split("Berkas #", 1)[1].split()[0])


async def surat_tugas_taken_out_with_a_case_open(world: World) -> int:
    """Kasubag (Kasi) opens a Surat Tugas; the office then takes that SOP's file out of
    ``sops`` and restarts the bot: the open case runs on with its own revision."""
    number = await open_surat_tugas(world, "Surat Tugas Monev Bursa Kerja Medan")
    await world.drained()
    await world.stop_bot()
    world.config_sections["sops"] = [str(SHIPPED)]
    world.config = world.reload_config()
    await world.start_bot()
    return number


async def test_the_open_case_of_an_sop_taken_out_is_still_listed_by_status(
    world: World,
) -> None:
    """The Surat Tugas SOP is taken out of ``sops`` while a case of it is open. /status
    without a number still lists that case for the administrator and for the Kasubdit, an
    official of that SOP only (not "Belum ada berkas")."""
    number = await surat_tugas_taken_out_with_a_case_open(world)
    kasubdit = world.emu.user(KASUBDIT, "Kasubdit")
    for official in (world["admin"], kasubdit):
        listed = plain(await said(official, "/status"))
        assert f"#{number}" in listed and "Monev Bursa Kerja Medan" in listed, listed


async def test_the_report_of_an_sop_taken_out_is_given_while_its_cases_run(world: World) -> None:
    """The Surat Tugas SOP is taken out of ``sops`` while a case of it is open: its
    officials still account for that case, so /laporan surat-tugas 2026 reports on it (not
    the usage text, as for a code never run)."""
    await surat_tugas_taken_out_with_a_case_open(world)
    admin = world["admin"]
    admin.mark_seen()
    await admin.send("/laporan surat-tugas 2026")
    chart = await admin.wait_message(lambda m: m.photo is not None, timeout=WAIT)
    assert "Penerbitan Surat Tugas Perjalanan Dinas" in chart.text, chart.text
    assert "Berkas: 1 · selesai 0 · berjalan 1" in plain(chart.text), chart.text


SURAT_MASUK_UMUM = Path(__file__).parent / "fixtures" / "sops" / "surat-masuk-umum.toml"
KABAG_UMUM = 2001


@pytest.fixture
async def two_kabag(tmp_path: Path) -> AsyncIterator[World]:
    """The bureau's SOP beside the Bagian Umum's Surat Masuk, whose ``kabag_umum`` is named
    "Kabag" as the bureau's ``kabag`` is: Sari is the Kabag Umum."""
    people = [person(p.telegram_id, p.name, p.position, list(p.roles)) for p in OFFICIALS]
    people.append(person(KABAG_UMUM, "Sari Kusuma", "Kepala Bagian Umum", ["kabag_umum"]))
    sops = [str(SHIPPED), str(SURAT_MASUK_UMUM)]
    async with World(tmp_path, sops=sops, people=people) as w:
        await w.everyone_starts()
        yield w


async def test_the_administrator_tells_two_roles_named_kabag_apart_by_their_codes(
    two_kabag: World,
) -> None:
    """/peran lists the bureau's Kabag and the Kabag Umum each with the code the
    administrator types in /cabut, /alihkan and /plh; a Plh of either is named with it, and
    so is an invitation to either. Karo, whose name no other role bears, is listed as ever."""
    admin = two_kabag["admin"]
    roles = plain(await said(admin, "/peran"))
    assert "• Kabag (kabag): Budi Santoso" in roles, roles
    assert "• Kabag (kabag_umum): Sari Kusuma" in roles, roles
    assert "• Karo: " in roles and "• Fungsional Umum: " in roles, roles
    appointed = plain(await said(admin, "/plh kabag_umum 1007 31-12-2030 cuti tahunan"))
    assert "ditetapkan sebagai Plh. Kabag (kabag_umum) sampai" in appointed, appointed
    roles = plain(await said(admin, "/peran"))
    assert "• Plh. Kabag (kabag_umum): " in roles, roles
    invited = plain(await said(admin, "/undang kabag_umum"))
    assert invited.startswith(
        "Tautan undangan sekali pakai untuk peran Kabag (kabag_umum), berlaku sampai "
    ), invited
    ended = plain(await said(admin, "/akhiri_plh kabag_umum"))
    assert ended.startswith("Penetapan ") and "sebagai Plh. Kabag (kabag_umum) diakhiri" in ended


async def test_kabag_mk_refused_the_surat_masuk_report_is_told_it_is_the_kabag_umums(
    two_kabag: World,
) -> None:
    """Kabag MK asks for the Surat Masuk report, which only its own heads may: the refusal
    does not say "Kabag" may ask (he is a Kabag), it names the Kepala Bagian Umum. Kasubag,
    who heads neither SOP, is told who may ask for each, the two Kabag by their titles."""
    refused = plain(await said(two_kabag["kabag"], "/laporan surat-masuk-umum 2026"))
    assert refused == (
        "Mohon maaf, laporan evaluasi penerapan SOP Penanganan Surat Masuk Bagian Umum hanya "
        "dapat diminta oleh Karo, Kepala Bagian Umum, dan administrator."
    ), refused
    listing = plain(await said(two_kabag["kasubag"], "/laporan 2026"))
    assert listing.startswith(
        "Mohon maaf, laporan evaluasi penerapan SOP hanya dapat diminta oleh pejabat berikut:"
    ), listing
    assert (
        "• Penanganan Surat Masuk Bagian Umum: Karo, Kepala Bagian Umum, dan administrator"
        in listing
    ), listing
    assert (
        "• Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro: Karo, Kepala Bagian "
        "Manajemen Kinerja, dan administrator" in listing
    ), listing
    helped = plain(await said(two_kabag["kabag"], "/bantuan"))
    assert "(Karo, Kepala Bagian Manajemen Kinerja, administrator)" in helped, helped


async def test_tugas_lists_the_overdue_surat_tugas_before_older_proposals_still_in_norm(
    tmp_path: Path,
) -> None:
    """Kasubag, who is also Kasi for the Surat Tugas, starts nine proposals at 09.00 (step 1,
    norm 4 hours: due at 13.00) and nine Surat Tugas at 10.00 (step 1, norm 2 hours: due at
    12.00). At 12.45 the Surat Tugas are past their norm and the proposals are not yet:
    /tugas lists the Surat Tugas first, though they are the newer ones, and says its order."""
    people = [
        person(
            p.telegram_id,
            p.name,
            p.position,
            [*p.roles, "kasi"] if p.key == "kasubag" else list(p.roles),
        )
        for p in OFFICIALS
    ]
    people.append(person(KASUBDIT, "Kasubdit Penempatan", "Kepala Subdirektorat", ["kasubdit"]))
    jakarta = ZoneInfo("Asia/Jakarta")
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=jakarta))  # a Monday
    async with World(
        tmp_path, clock=clock, sops=[str(SHIPPED), str(SURAT_TUGAS)], people=people
    ) as world:
        await world.everyone_starts()
        cases = world.services.cases
        kid = world["kasubag"].id
        proposals = [
            (await cases.start_case(kid, f"Usulan {n}", 2027, sop_code="ppk-rkakl-pk")).case.id
            for n in range(9)
        ]
        clock.set(datetime(2026, 11, 2, 10, tzinfo=jakarta))
        letters = [
            (await cases.start_case(kid, f"Surat Tugas {n}", 2027, sop_code="surat-tugas")).case.id
            for n in range(9)
        ]
        await world.drained(WAIT)
        clock.set(datetime(2026, 11, 2, 12, 45, tzinfo=jakarta))
        kasubag = world["kasubag"]
        kasubag.mark_seen()
        await kasubag.send("/tugas")
        listing = await kasubag.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        assert "18 tugas menunggu tindakan (halaman 1 dari 3)" in listing.text
        assert "yang batasnya paling awal lebih dahulu" in listing.text
        first = [int(n) for n in re.findall(r"^\d+\. #(\d+) ", listing.text, re.MULTILINE)]
        assert first == letters[:8]
        assert listing.text.count("melewati norma") == 8
        before = listing.text
        await kasubag.press(listing, "›", timeout=WAIT)
        await world.emu.wait_until(lambda: listing.text != before, timeout=WAIT)
        second = [int(n) for n in re.findall(r"^\d+\. #(\d+) ", listing.text, re.MULTILINE)]
        assert second == letters[8:] + proposals[:7]


async def test_tugas_does_not_call_its_order_the_latest_first_when_none_is_late(
    tmp_path: Path,
) -> None:
    """Kasubag starts a proposal at 09.00 and another at 09.30 (norm 4 hours) and asks
    /tugas at 10.00: neither is late, and the list's order line does not speak of lateness;
    it says the step whose norm runs out first comes first."""
    jakarta = ZoneInfo("Asia/Jakarta")
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=jakarta))  # a Monday
    async with World(tmp_path, clock=clock, sops=[str(SHIPPED)]) as world:
        await world.everyone_starts()
        kid = world["kasubag"].id
        await world.services.cases.start_case(kid, "Usulan pagi", 2027)
        clock.set(datetime(2026, 11, 2, 9, 30, tzinfo=jakarta))
        await world.services.cases.start_case(kid, "Usulan siang", 2027)
        await world.drained(WAIT)
        clock.set(datetime(2026, 11, 2, 10, tzinfo=jakarta))
        listing = plain(await said(world["kasubag"], "/tugas"))
        assert "2 tugas menunggu tindakan" in listing, listing
        assert "terlambat" not in listing and "melewati norma" not in listing, listing
        assert (
            "diurutkan menurut batas norma waktu: yang batasnya paling awal lebih dahulu" in listing
        ), listing


async def test_a_unit_of_many_sops_lists_each_in_full_in_several_messages(
    tmp_path: Path,
) -> None:
    """A directorate runs forty SOPs, each with a long name. Kasi, who may open all of them,
    types /baru, then an unknown code; the administrator types /laporan 2026: each answer
    names every SOP, in as many messages as it takes, and none is cut ("dipersingkat")."""
    copies = []
    for n in range(40):
        copy = tmp_path / f"surat-tugas-{n}.toml"
        text = SURAT_TUGAS.read_text(encoding="utf-8")
        text = text.replace('code = "surat-tugas"', f'code = "surat-tugas-{n}"', 1).replace(
            'name = "Penerbitan Surat Tugas Perjalanan Dinas"',
            f'name = "Penerbitan Surat Tugas Perjalanan Dinas dalam Rangka Pengawasan '
            f'Ketenagakerjaan dan Pembinaan Penempatan Tenaga Kerja Wilayah {n}"',
            1,
        )
        copy.write_text(text, encoding="utf-8")
        copies.append(str(copy))
    people = [person(KASUBDIT, "Kasi Penempatan", "Kepala Seksi", ["kasi", "kasubdit"])]
    async with World(tmp_path / "w", sops=copies, people=people) as world:
        await world.everyone_starts()
        kasi = world.emu.user(KASUBDIT, "Kasi")
        asked = ((kasi, "/baru"), (kasi, "/baru bukan-kode"), (world["admin"], "/laporan 2026"))
        for user, command in asked:
            before = len(user.bot_messages)
            await user.send(command)

            def last_listed(u: EmuUser = user, b: int = before) -> bool:
                return any("Wilayah 39" in m.text for m in u.bot_messages[b:])

            await world.emu.wait_until(last_listed, timeout=WAIT)
            answer = "\n".join(m.text for m in user.bot_messages[before:])
            assert len(user.bot_messages) - before > 1, command  # too long for one message
            assert "dipersingkat" not in answer, command
            for n in range(40):
                assert f"surat-tugas-{n} " in answer, (command, n)
