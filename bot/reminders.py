"""Reminders and escalation, derived from the database at every sweep.

Nothing lives in memory: each open case row carries ``next_due_at`` (indexed), the number
of reminders sent and when, and any snooze. A sweep reads the rows that are due, asks the
pure policy (:mod:`bot.reminder_policy`) what to do, and queues the messages in the same
transaction that counts them — so a restart after a stop of any length sends each due
reminder once, never twice and never not at all.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import texts as t
from bot.reminder_policy import HeldStep, decide_reminder, escalation_chain
from bot.views import step_line
from storage import repo
from storage.codec import parse_ts, ts

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

SWEEP_LIMIT = 500


def _held(row: Any, norm: int) -> HeldStep:
    return HeldStep(
        step_entered_at=parse_ts(row["step_entered_at"]),
        norm_minutes=norm,
        reminders_sent=row["reminders_sent"],
        last_reminded_at=parse_ts(row["last_reminded_at"]) if row["last_reminded_at"] else None,
        snoozed_until=parse_ts(row["snoozed_until"]) if row["snoozed_until"] else None,
    )


async def due_case_ids(svc: Services, now: datetime, limit: int = SWEEP_LIMIT) -> list[int]:
    rows = await svc.db.reader.execute_fetchall(
        "SELECT id FROM cases WHERE status = 'open' AND next_due_at <= ? ORDER BY next_due_at LIMIT ?",
        (ts(now), limit),
    )
    return [r[0] for r in rows]


async def sweep(svc: Services, limit: int = SWEEP_LIMIT) -> int:
    """Send every reminder due now; returns how many were sent.

    Due rows are read ``limit`` at a time until none is left: every row handled leaves the
    due set (its ``next_due_at`` moves past ``now``), so the pages always make progress. A
    case that cannot be handled (e.g. its SOP was taken out of the config) is logged and
    skipped, so it does not hold back the reminders of every case due after it.
    """
    now = svc.clock.now()
    sent = 0
    broken: set[int] = set()
    while True:
        wanted = limit + len(broken)  # the broken ones are still due: read past them
        page = await due_case_ids(svc, now, wanted)
        fresh = [case_id for case_id in page if case_id not in broken]
        page_sent = 0
        for case_id in fresh:
            try:
                if await _remind(svc, case_id, now):
                    page_sent += 1
            except Exception:
                log.exception("reminder of case %d failed; the sweep goes on", case_id)
                broken.add(case_id)
        if page_sent:
            sent += page_sent
            svc.outbox.wake()  # deliver this page while the next one is read
        if not fresh or len(page) < wanted:
            return sent


async def _remind(svc: Services, case_id: int, now: datetime) -> bool:
    async with svc.db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT * FROM cases WHERE id = ? AND status = 'open'", (case_id,)
        )
        row = next(iter(rows), None)
        if row is None:
            return False
        case = await repo.load_case(conn, case_id)
        assert case is not None
        definition = svc.sops[case.sop_code]
        step = definition.step(case.step)
        held = _held(row, step.time_minutes)
        decision = decide_reminder(svc.calendar, svc.cases.reminders, held, now)
        if not decision.due:
            await conn.execute(
                "UPDATE cases SET next_due_at = ? WHERE id = ?",
                (ts(decision.next_check_at), case_id),
            )
            return False
        number = held.reminders_sent + 1
        spent = svc.calendar.working_minutes_between(case.step_entered_at, now)
        holders = await svc.cases.step_holders(conn, definition, case)
        header = (
            f"⏰ <b>Pengingat ke-{number}</b>\nLangkah ini menunggu tindakan Bapak/Ibu sejak "
            f"{t.when(case.step_entered_at)} (norma {t.minutes_text(step.time_minutes)}, "
            f"telah berjalan {t.minutes_text(spent)})."
        )
        view = await svc.cases.task_view_for(conn, definition, case)
        for person in holders:
            payload = {
                "text": t.fit(f"{header}\n\n{view.text}"),
                "keyboard": view.keyboard,
                "version": case.version,
            }
            await repo.enqueue(conn, person.telegram_id, "task", payload, now, case.id)
        chain = escalation_chain(step.actor, definition.superior_of(), decision.level)
        holder_names = ", ".join(p.display for p in holders) or "-"
        for role in chain[1:]:
            for superior in await repo.holders(conn, case.unit, role):
                text = (
                    f"📣 <b>Eskalasi</b> — Berkas #{case.id}: {t.e(case.title)}\n"
                    f"{step_line(definition, step)}\nPemegang: {t.e(holder_names)} "
                    f"({t.e(definition.role(step.actor).name)})\n"
                    f"Sejak {t.when(case.step_entered_at)}; norma {t.minutes_text(step.time_minutes)}, "
                    f"telah berjalan {t.minutes_text(spent)}; pengingat ke-{number}.\n"
                    "Mohon berkenan menindaklanjuti."
                )
                await repo.enqueue(
                    conn, superior.telegram_id, "message", {"text": t.fit(text)}, now, case.id
                )
        await conn.execute(
            "UPDATE cases SET reminders_sent = ?, last_reminded_at = ?, next_due_at = ? WHERE id = ?",
            (number, ts(now), ts(decision.next_check_at), case_id),
        )
    return True


def start_reminders(app: Any) -> None:
    """Run the sweep on PTB's JobQueue (APScheduler) at the configured interval."""
    svc = app.services
    if not svc.config.reminders.enabled or app.job_queue is None:
        return

    async def job(context: Any) -> None:
        try:
            await sweep(svc)
        except Exception:
            log.exception("reminder sweep failed")

    app.job_queue.run_repeating(
        job, interval=svc.config.reminders.check_every_seconds, first=1, name="reminders"
    )
