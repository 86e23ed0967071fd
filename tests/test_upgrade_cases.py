"""An office upgrades from an older release: the open cases it left keep what four eyes and
the shared roles need (who handed the work in, who took each step), rebuilt from their
events at the first start, whatever older case format they were stored in; and what the
old release had queued and not yet sent still reaches the officials it was for."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from bot.demo import Script, World
from bot.outbox import RenderedPaper
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


class NoPapers:
    """A paper maker that writes nothing: the papers stay for the old release's rows."""

    async def make(self, case_id: int, paper: str, seq: int) -> list[RenderedPaper]:
        return []


def queue_as_schema_2_left_it(path: Path, case_id: int, kind: str, recipients: list[int]) -> None:
    """The paper job of the case as a release before schema 3 queued it and migration 3 kept
    it: the row names its recipients itself ({"paper", "seq", "recipients"}); no files row
    of the recipients waits for it."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE outbox SET sent_at = NULL, attempts = 0, next_attempt_at = created_at,"
            " params = json_set(params, '$.recipients', json(?))"
            " WHERE chat_id = 0 AND kind = 'paper' AND case_id = ?"
            " AND json_extract(params, '$.paper') = ?",
            (json.dumps(recipients), case_id, kind),
        )
        conn.execute(
            "DELETE FROM outbox WHERE kind = 'files' AND case_id = ? AND chat_id IN"
            " (SELECT value FROM json_each(?))",
            (case_id, json.dumps(recipients)),
        )


async def test_a_disposisi_queued_by_a_release_before_schema_3_reaches_karo(
    tmp_path: Path,
) -> None:
    """The old release had queued the Lembar Disposisi for Karo when Kabag approved, and was
    stopped for the upgrade before writing it: the paper was written with the case after
    the upgrade, and Karo never received it."""
    async with World(tmp_path, papers=NoPapers()) as world:
        await world.everyone_starts()
        s = Script(world, timeout=15)
        case = await s.submit("Program Kerja 2027")
        await s.approve("kabag", case)
        karo = world["karo"]
        await s.seen("karo", lambda m: "Setujui" in " ".join(m.button_texts))
        await world.drained()
        await world.stop_bot()
        database = Path(world.config.storage.database)
        queue_as_schema_2_left_it(database, case, "disposisi", [karo.id])

        world.papers = None  # the new release writes the papers
        await world.start_bot()
        paper = await karo.wait_message(
            lambda m: str((m.document or {}).get("file_name", "")).startswith("disposisi"),
            timeout=15,
        )
        await world.drained()
        assert paper.caption and f"#{case}" in paper.caption
        papers = [
            m for m in karo.bot_messages if m.document and "disposisi" in m.document["file_name"]
        ]
        assert len(papers) == 1  # once
