"""The office edits its SOP files while cases are open: the open cases finish with the
revision they started with, whatever the edit (a new code, a role taken out), through the
real bot and the Bot API emulator."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.demo import ROOT, Script, World, has_button

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
