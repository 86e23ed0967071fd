"""An office upgrades from an older release: the open cases it left keep what four eyes and
the shared roles need (who handed the work in, who took each step, where each file was
attached), rebuilt from their
events at the first start, whatever older case format they were stored in; and what the
old release had queued and not yet sent still reaches the officials it was for."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.core.loader import revision_of
from bot.core.model import CaseStatus
from bot.demo import Script, World, has_button
from bot.outbox import RenderedPaper, Unwritten
from bot.texts import MAX_MESSAGE
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
            dict(zip(["doc", "file_id", "version", "sha256", "name", "by"], f[:6], strict=True))
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
    assert after.files == before.files  # with the step each was attached at


class NoPapers:
    """A paper maker that writes nothing: the papers stay for the old release's rows."""

    async def make(
        self, case_id: int, paper: str, seq: int, unwritten: Sequence[Unwritten] = ()
    ) -> list[RenderedPaper]:
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


# Karo's step as a release before activities were bounded (600 characters) let an office
# write it: an activity of some 3,700 characters
KARO_ACTIVITY = (
    "Memeriksa usulan. Jika setuju memerintahkan Kabag MK untuk membentuk Tim Penyusunan, "
    "jika tidak setuju dikembalikan kepada Kabag MK untuk diperbaiki."
)
LONG_ACTIVITY = "Memeriksa usulan beserta seluruh lampirannya secara cermat, " * 60 + KARO_ACTIVITY


def run_on_a_revision_of_an_earlier_release(path: Path, case_id: int, old: str, new: str) -> str:
    """The case as an earlier release left it: it started with a revision of the SOP whose
    text wrote ``old`` as ``new``, stored as that release stored every revision it ran.
    The revision."""
    with sqlite3.connect(path) as conn:
        state, revision = conn.execute(
            "SELECT state, sop_revision FROM cases WHERE id = ?", (case_id,)
        ).fetchone()
        (text,) = conn.execute(
            "SELECT text FROM sop_revisions WHERE revision = ?", (revision,)
        ).fetchone()
        assert old in text, old
        earlier = text.replace(old, new, 1)
        conn.execute(
            "INSERT INTO sop_revisions (revision, code, source, text, first_seen_at) "
            "SELECT ?, code, source, ?, '2025-01-06T09:00:00+00:00' FROM sop_revisions "
            "WHERE revision = ?",
            (revision_of(earlier), earlier, revision),
        )
        state = json.loads(state)
        state["revision"] = revision_of(earlier)
        conn.execute(
            "UPDATE cases SET state = ?, sop_revision = ? WHERE id = ?",
            (json.dumps(state), revision_of(earlier), case_id),
        )
    return revision_of(earlier)


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


async def test_an_upgrade_keeps_the_cases_started_on_an_older_revision_running(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Kasubag's proposal waits at Kabag on a revision an earlier release ran, whose Karo
    step has an activity of 3,700 characters (today's checks hold an SOP file to 600). The
    new release starts (it refused to: "steps[2].activity: must be at most 600
    characters"), warning of the revision; the proposal goes on with it: Karo's task shows
    the activity shortened and still says what Setujui does, and Karo approves."""
    s = Script(world, timeout=15)
    case = await s.submit("Program Kerja 2027")
    await s.seen("kabag", has_button("Setujui", case))
    await world.drained()
    await world.stop_bot()
    revision = run_on_a_revision_of_an_earlier_release(
        Path(world.config.storage.database), case, KARO_ACTIVITY, LONG_ACTIVITY
    )

    with caplog.at_level(logging.WARNING, logger="bot.app"):
        await world.start_bot()
    warned = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    assert warned == [
        f"open cases of ppk-rkakl-pk run revision {revision}, which today's checks refuse: "
        "steps[2].activity: must be at most 600 characters (every task message shows it), "
        f"got {len(LONG_ACTIVITY)} (open cases: 1); they finish with it, as it was when they "
        "started"
    ]
    await s.approve("kabag", case)
    task = await s.seen("karo", has_button("Setujui", case))
    assert len(task.text) <= MAX_MESSAGE
    shown = plain(task.text)
    [activity] = [line for line in shown.splitlines() if line.startswith("Memeriksa usulan")]
    assert len(activity) <= 600 and activity.endswith("secara cermat,…")
    assert (
        "Silakan menekan Setujui untuk memberikan persetujuan dan meneruskan berkas kepada "
        "Kabag. Bila perlu perbaikan, silakan menekan Kembalikan dan menuliskan alasannya; "
        "berkas dikembalikan kepada Kabag."
    ) in shown
    await s.approve("karo", case)
    await s.seen("kabag", has_button("Teruskan", case))
    stored = await world.services.db.read(repo.load_case, case)
    assert stored is not None and (stored.step, stored.revision) == (4, revision)


async def test_a_case_cancelled_on_an_older_revision_does_not_stop_the_start(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The proposal on that revision was cancelled before the upgrade: the new release
    starts, and warns of nothing (no open case runs the revision); the case is still
    shown with it."""
    s = Script(world, timeout=15)
    case = await s.submit("Program Kerja 2027")
    admin = world["admin"]
    admin.mark_seen()
    await admin.send(f"/batalkan {case} diajukan ganda")
    await admin.wait_message(lambda m: "telah dibatalkan" in m.text, timeout=15)
    await world.drained()
    await world.stop_bot()
    run_on_a_revision_of_an_earlier_release(
        Path(world.config.storage.database), case, KARO_ACTIVITY, LONG_ACTIVITY
    )

    with caplog.at_level(logging.WARNING, logger="bot.app"):
        await world.start_bot()
    assert [r.getMessage() for r in caplog.records if r.name == "bot.app"] == []
    assert (await world.case_status(case)) is CaseStatus.CANCELLED
    admin.mark_seen()
    await admin.send(f"/status {case}")
    shown = await admin.wait_message(lambda m: f"#{case}" in m.text, timeout=15)
    assert "dibatalkan" in shown.text
