"""Correct at the edges, as a black-box audit found them.

Each test here failed on the bot (or the emulator) before its fix: a file Telegram will not
hand over, document names with HTML characters, a /tugas page button on a message too old
to be shown, and the reactions on an album of uploads.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot import texts as t
from bot.demo import Script, World, draft
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
