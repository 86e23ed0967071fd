"""A world that runs one SOP of another shape with its own officials, for the end-to-end
tests of those SOPs (procurement, leave, ...): the real bot against the Bot API emulator."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from bot.demo import World

WAIT = 15.0

# key -> (Telegram id, name, position, roles)
Official = tuple[int, str, str, list[str]]


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def pdf(text: str) -> bytes:
    return f"%PDF-1.4\n% {text}\n".encode()


@contextlib.asynccontextmanager
async def sop_world(
    tmp_path: Path,
    sop: Path,
    officials: Mapping[str, Official],
    templates_dir: Path | None = None,
    database: str | None = None,
    bundle_wait_minutes: int | None = None,
    sender: dict[str, float] | None = None,
) -> AsyncIterator[World]:
    """The SOP's officials, each registered in the config and having pressed Start;
    ``templates_dir``: the office's templates folder (``papers.templates_dir``);
    ``database``: a ``postgresql://`` URL (the SQLite file in ``tmp_path`` otherwise);
    ``bundle_wait_minutes``: how long the archive bundle waits for a paper still being
    written (``papers.bundle_wait_minutes``; 30 otherwise); ``sender``: the outbox's
    options (:data:`bot.demo.FAST_SENDER` otherwise)."""
    people: list[dict[str, Any]] = [
        {
            "telegram_id": telegram_id,
            "name": name,
            "nip": f"1980010120050110{telegram_id % 100:02d}",
            "position": position,
            "roles": roles,
        }
        for telegram_id, name, position, roles in officials.values()
    ]
    world = World(tmp_path, sender=sender, sops=[str(sop)], people=people)
    papers: dict[str, Any] = {}  # [papers] (World's own ``papers`` is the paper maker)
    if templates_dir is not None:
        papers["templates_dir"] = str(templates_dir)
    if bundle_wait_minutes is not None:
        papers["bundle_wait_minutes"] = bundle_wait_minutes
    if papers:
        world.config_sections["papers"] = papers
    if database is not None:
        world.config_sections["storage"] = {"database": database}
    async with world as w:
        for key, (telegram_id, name, _, _) in officials.items():
            w.users[key] = w.emu.user(telegram_id, name.split(",")[0], username=key)
        for key in [*officials, "admin"]:
            await w[key].send("/start")
            await w[key].wait_message(timeout=10)
        yield w


async def open_case(world: World, who: str, title: str, year: int = 2026) -> int:
    """``who`` opens a case with /baru (its title, then its year); its number."""
    user = world[who]
    user.mark_seen()
    await user.send("/baru")
    asked = await user.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    await user.send(title)
    await world.emu.wait_until(lambda: "tahun" in asked.text.lower(), timeout=WAIT)
    await user.send(str(year))
    await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=WAIT)
    return int(asked.text.split("Berkas #", 1)[1].split()[0])
