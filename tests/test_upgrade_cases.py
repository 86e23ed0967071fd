"""An office upgrades from an older release: the open cases it left keep what four eyes and
the shared roles need (who handed the work in, who took each step), rebuilt from their
events at the first start, whatever older case format they were stored in."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from bot.demo import Script, World
from storage import repo


async def returned_proposal(world: World) -> Any:
    """Kasubag's proposal, approved by Kabag and returned by Karo: it waits at step 2."""
    s = Script(world, timeout=15)
    case = await s.submit("Program Kerja 2027")
    await s.approve("kabag", case)
    await s.review_return("karo", case, "Perbaiki sasaran.")
    await world.drained()
    stored = await world.services.db.read(repo.load_case, case)
    assert stored is not None and stored.step == 2 and stored.handed_in
    return stored


def store_as_format_1(path: Path, case_id: int) -> None:
    """The case row as a release before case format 2 left it: no revision, no hand-ins."""
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT state FROM cases WHERE id = ?", (case_id,)).fetchone()
        state = json.loads(row[0])
        for key in ("revision", "handed_in", "took"):
            state.pop(key, None)
        state["files"] = [
            dict(zip(["doc", "file_id", "version", "sha256", "name", "by"], f, strict=True))
            for f in state["files"]
        ]
        state["approvals"] = [
            dict(zip(["step", "kind", "by", "role", "at"], a, strict=True))
            for a in state["approvals"]
        ]
        move = state["last_move"]
        fields = ["by", "from_step", "to_step", "version"]
        state["last_move"] = dict(zip(fields, move, strict=True)) if move else None
        conn.execute(
            "UPDATE cases SET state = ?, format = 1, sop_revision = NULL WHERE id = ?",
            (json.dumps(state), case_id),
        )


async def test_a_returned_proposal_left_by_a_format_1_release_keeps_its_proposer_out(
    world: World,
) -> None:
    """Recording the SOP's revision of such a case rewrote it in the current format before
    the hand-ins were rebuilt, so they never were: the Kasubag who is also Plh Kabag could
    have approved her own proposal."""
    before = await returned_proposal(world)
    await world.stop_bot()
    store_as_format_1(Path(world.config.storage.database), before.id)
    await world.start_bot()
    after = await world.services.db.read(repo.load_case, before.id)
    assert after is not None
    assert (after.handed_in, after.took) == (before.handed_in, before.took)
