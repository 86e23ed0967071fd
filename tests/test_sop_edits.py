"""The office edits its SOP files while cases are open: the open cases finish with the
revision they started with, whatever the edit (a new code, a role taken out), through the
real bot and the Bot API emulator."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.demo import ACTING, OFFICIALS, ROOT, Script, World, has_button
from storage import repo

WAIT = 15.0
SHIPPED = ROOT / "sops" / "penyusunan-program-kerja.toml"


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def office_copy(tmp_path: Path) -> Path:
    """The office's own copy of the shipped SOP file, named in ``sops``."""
    copy = tmp_path / "sop.toml"
    copy.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


async def restart(world: World, **sections: object) -> None:
    """The bot restarted with the edited files (and config ``sections``)."""
    await world.drained()
    await world.stop_bot()
    world.config_sections.update(sections)
    world.config = world.reload_config()
    await world.start_bot()


async def test_a_case_whose_sop_code_changed_meanwhile_gets_its_sk_tim(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Kasubag's proposal waits at Kabag when the office renames the SOP's code
    (ppk-rkakl-pk -> ppk-biro) and restarts the bot. The proposal goes on with its own
    revision; when Kasubag forms the team, the team receives its task with the Draf SK Tim,
    as before the rename (the paper failed on every attempt, and the task went out without
    it a quarter of an hour later)."""
    sop = office_copy(tmp_path)
    async with World(tmp_path / "w", sops=[str(sop)]) as world:
        await world.everyone_starts()
        s = Script(world, timeout=WAIT)
        case = await s.submit("Program Kerja 2027")
        await s.seen("kabag", has_button("Setujui", case))
        edit(sop, 'code = "ppk-rkakl-pk"', 'code = "ppk-biro"')
        await restart(world)

        await s.to_the_drafts(case)
        decree = f"sk-tim-B{case}-langkah5-ke1.docx"
        await world["tim1"].wait_message(
            lambda m: (m.document or {}).get("file_name") == decree, timeout=WAIT
        )
        await world.drained()
        failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert failed == []


def people_with(renamed: dict[str, str]) -> list[dict[str, object]]:
    """The demo's [[people]], with the roles ``renamed`` as the edited file names them."""
    return [p.entry([renamed.get(r, r) for r in p.roles]) for p in (*OFFICIALS, ACTING)]


async def said(world: World, who: str, text: str) -> str:
    user = world[who]
    user.mark_seen()
    await user.send(text)
    return plain((await user.wait_message(timeout=WAIT)).text)


async def test_a_role_taken_out_of_the_file_is_still_managed_for_the_open_cases_that_need_it(
    tmp_path: Path,
) -> None:
    """The office renames the archivist's role in its file (fungsional_umum -> arsiparis,
    Dewi named Arsiparis in [[people]]) while a proposal waits at Kabag: that proposal still
    ends at the older revision's archiving step, of Fungsional Umum. Dewi moves on: the
    administrator finds the role in /peran and passes it to Agus, as for any role (the
    commands answered with their usage, so the proposal's last step could be nobody's)."""
    sop = office_copy(tmp_path)
    async with World(tmp_path / "w", sops=[str(sop)]) as world:
        await world.everyone_starts()
        s = Script(world, timeout=WAIT)
        case = await s.submit("Program Kerja 2027")
        await s.seen("kabag", has_button("Setujui", case))
        await rename_the_archivists_role(world, sop)

        roles = await said(world, "admin", "/peran")
        assert "• Arsiparis: Dewi Anggraini (1006)" in roles
        assert "• Fungsional Umum: Dewi Anggraini (1006)" in roles
        passed = await said(world, "admin", "/alihkan fungsional_umum 1006 1007")
        assert passed.startswith("Peran Fungsional Umum dialihkan dari Dewi Anggraini")
        unit = world.config.organisation.unit
        holders = await world.services.db.read(repo.holders, unit, "fungsional_umum")
        assert [p.telegram_id for p in holders] == [ACTING.telegram_id]
        invited = await said(world, "admin", "/undang fungsional_umum")
        assert invited.startswith("Tautan undangan sekali pakai untuk peran Fungsional Umum")


async def rename_the_archivists_role(world: World, sop: Path) -> None:
    """The office renames the archivist's role in its file (fungsional_umum -> arsiparis,
    Dewi named Arsiparis in [[people]]) and the bot restarts."""
    edit(
        sop,
        'id = "fungsional_umum"\nname = "Fungsional Umum"',
        'id = "arsiparis"\nname = "Arsiparis"',
    )
    edit(sop, '"fungsional_umum"', '"arsiparis"')
    await restart(world, people=people_with({"fungsional_umum": "arsiparis"}))


async def test_a_plh_of_a_role_taken_out_of_the_file_still_sees_her_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Ayu is Plh Fungsional Umum until 2030 when the office renames the role in its file
    (fungsional_umum -> arsiparis) with no case open that needs it. Her /saya still shows
    her data and the appointment, by the role's id, instead of a fault (and a KeyError in
    the log for the administrators)."""
    sop = office_copy(tmp_path)
    async with World(tmp_path / "w", sops=[str(sop)]) as world:
        await world.everyone_starts()
        await said(world, "admin", "/plh fungsional_umum 1004 31-12-2030 cuti")
        await rename_the_archivists_role(world, sop)
        data = await said(world, "tim1", "/saya")
        assert data.startswith("Data Bapak/Ibu\nNama: Ayu Lestari, S.Kom."), data
        assert "Selaku Plh. fungsional_umum: " in data, data
        assert "s.d. 31 Desember 2030" in data, data
        faults = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert faults == []


async def test_the_plh_of_a_role_taken_out_of_the_file_can_still_be_ended(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Ayu is Plh Fungsional Umum until 2030 when the office takes the role out of its file
    (renamed arsiparis), no case open needing it. The administrator ends the appointment
    with /akhiri_plh fungsional_umum, as /peran and her /saya still name it: it ends, and
    her /saya names it no more."""
    sop = office_copy(tmp_path)
    async with World(tmp_path / "w", sops=[str(sop)]) as world:
        await world.everyone_starts()
        await said(world, "admin", "/plh fungsional_umum 1004 31-12-2030 cuti")
        await rename_the_archivists_role(world, sop)
        ended = await said(world, "admin", "/akhiri_plh fungsional_umum")
        assert ended == (
            "Penetapan Ayu Lestari, S.Kom. (ID 1004) sebagai Plh. fungsional_umum diakhiri."
        )
        assert "Selaku Plh." not in await said(world, "tim1", "/saya")
        assert await said(world, "admin", "/akhiri_plh fungsional_umum") == (
            "Penggunaan: /akhiri_plh ."
        )
        await world.drained()
        told = [m.text for m in world["tim1"].bot_messages if "fungsional_umum" in m.text]
        assert told == ["Masa tugas Bapak/Ibu sebagai Plh. fungsional_umum telah berakhir."]
        faults = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert faults == []
