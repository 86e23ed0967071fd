"""The outbox: rows queued, taken under a lease, sent, retried or failed; its counts and
retention."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.codec import dumps, loads, parse_ts, ts
from storage.db import Row, Tx


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    kind: str
    case_id: int | None
    version: int | None
    params: dict[str, Any]
    attempts: int


_ENQUEUE = (
    "INSERT INTO outbox (chat_id, kind, case_id, version, params, created_at, next_attempt_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def outbox_row(
    chat_id: int,
    kind: str,
    now: datetime,
    *,
    case_id: int | None = None,
    version: int | None = None,
    params: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> tuple[Any, ...]:
    """An outbox row's values, for :func:`enqueue_rows`."""
    return (
        chat_id,
        kind,
        case_id,
        version,
        dumps(params) if params else "{}",
        ts(now),
        ts(not_before or now),
    )


def enqueue(
    tx: Tx,
    chat_id: int,
    kind: str,
    now: datetime,
    *,
    case_id: int | None = None,
    version: int | None = None,
    params: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> int:
    """Queue one row; its id."""
    row = outbox_row(
        chat_id,
        kind,
        now,
        case_id=case_id,
        version=version,
        params=params,
        not_before=not_before,
    )
    return int(tx.value(_ENQUEUE + " RETURNING id", row))


def enqueue_rows(tx: Tx, rows: Sequence[tuple[Any, ...]]) -> None:
    """Several rows of :func:`outbox_row` in one statement, in this order."""
    if len(rows) == 1:
        tx.run(_ENQUEUE, rows[0])
    elif rows:
        tx.many(_ENQUEUE, rows)


def due_outbox(tx: Tx, now: datetime, limit: int = 100) -> list[OutboxItem]:
    """Rows due now, oldest first; never a message behind an earlier one of its chat that is
    waiting for a retry (it would overtake it: per-chat order). Papers (chat 0) are
    rendering jobs, not messages: one waiting does not hold up the others, nor does a
    reminder or escalation waiting for the office to open (:func:`defer_to_office`)."""
    return _due_outbox(tx, now, limit, "")


def take_due_outbox(
    tx: Tx, now: datetime, limit: int, lease_until: datetime, busy: Collection[int] = ()
) -> list[OutboxItem]:
    """Take the rows due now (as :func:`due_outbox`) to send them: each is leased until
    ``lease_until`` (its next attempt moves there), so no other sender takes it meanwhile;
    sending settles it (sent, retry, failed) or :func:`release_outbox` gives it back. Rows
    another transaction holds are passed over (``tx.take_rows``), and so are the chats in
    ``busy`` (this sender is delivering to them). A sender that dies leaves its rows to be
    taken again when the lease ends: at least once, never lost."""
    items = _due_outbox(tx, now, limit, tx.take_rows, busy)
    if items:
        marks = ",".join("?" * len(items))
        tx.run(
            f"UPDATE outbox SET next_attempt_at = ? WHERE id IN ({marks})",
            (ts(lease_until), *(i.id for i in items)),
        )
    return items


def pending_task_row(tx: Tx, chat_id: int, case_id: int) -> int | None:
    """The latest task row of a case for a chat that is still to go, if any."""
    value = tx.value(
        "SELECT MAX(id) FROM outbox WHERE chat_id = ? AND case_id = ? AND kind = 'task' "
        "AND sent_at IS NULL AND failed_at IS NULL",
        (chat_id, case_id),
    )
    return None if value is None else int(value)


OUTBOX_LEASE = timedelta(seconds=10)
# the longest the delivery loop sleeps without a wake: a row due later than this from now
# is found by a round that comes before it falls due
OUTBOX_IDLE_MAX = timedelta(seconds=5)
"""How long a taken row is leased (:func:`take_due_outbox`, :func:`take_outbox_rows`): no
other sender takes it meanwhile (a second bot process in the seconds before it learns it is
not the active one); the rows of a sender that died are taken again when their lease ends."""


def take_outbox_rows(
    tx: Tx, ids: Sequence[int], now: datetime, lease_until: datetime
) -> list[OutboxItem]:
    """Take rows that answer an official, out of their chat's turn, leased as
    :func:`take_due_outbox` leases. Only an answer that overtakes nothing of its own case
    is taken: when a row of the same chat and case is queued before it (the album a task
    stands on, an earlier task), it keeps its turn, so the chat's own order for that case,
    and what the sender knows the person already has, stay as the regular rounds keep
    them. The rows of the answer taken before a row (a reaction before the checklist it
    changes) do not hold it back: they go first, in the answer's order; nor does a reminder
    waiting for the office to open (:func:`defer_to_office`). A reaction (the ✅ on the
    person's own upload) overtakes anything: it is on his message, in no order of the
    chat's, and he watches for it; behind the hand-offs queued to a busy chat at one
    message a second it came seconds late."""
    taken: list[OutboxItem] = []
    at = ts(now)
    for answer_id in ids:
        ahead = [item.id for item in taken]
        row = tx.one(
            "SELECT id, chat_id, kind, case_id, version, params, attempts FROM outbox o "
            "WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? "
            "AND case_id IS NOT NULL AND (o.kind = 'react' OR NOT EXISTS (SELECT 1 FROM outbox e "
            "WHERE e.chat_id = o.chat_id AND e.case_id = o.case_id AND e.id < o.id "
            "AND e.sent_at IS NULL AND e.failed_at IS NULL "
            f"AND (e.last_error IS NULL OR e.last_error <> ?){_not_in('e.id', ahead)}))"
            f"{tx.take_rows}",
            (answer_id, at, OFFICE_CLOSED, *ahead),
        )
        if row is None:
            continue
        tx.run("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", (ts(lease_until), row[0]))
        taken.append(_outbox_item(row))
    return taken


def outbox_due_besides(tx: Tx, taken: Collection[int], until: datetime) -> bool:
    """Whether a row still to go, other than ``taken`` (leased just now, as answers), is
    due by ``until``: what the delivery loop must be woken for."""
    return (
        tx.one(
            "SELECT 1 FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
            f"AND next_attempt_at <= ?{_not_in('id', taken)} LIMIT 1",
            (ts(until), *taken),
        )
        is not None
    )


def pull_forward_outbox(
    tx: Tx, now: datetime, horizon: timedelta, busy: Collection[int] = ()
) -> int:
    """Make due now the rows still to go that wait beyond ``now + horizon``: after the host's
    clock was set back, the retry times and leases written before are that much too late
    (a row would wait the hour the clock went back). A long 429 wait cut short meets
    another 429 and waits again. The chats in ``busy`` are left out (their rows are being
    sent)."""
    return tx.run(
        "UPDATE outbox SET next_attempt_at = ? WHERE sent_at IS NULL AND failed_at IS NULL "
        f"AND next_attempt_at > ?{_not_in('chat_id', busy)}",
        (ts(now), ts(now + horizon), *busy),
    )


def release_outbox(tx: Tx, ids: Sequence[int], lease_until: datetime, now: datetime) -> int:
    """Give back rows taken but not tried (still leased until ``lease_until``): due now."""
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    return tx.run(
        f"UPDATE outbox SET next_attempt_at = ? WHERE id IN ({marks}) AND sent_at IS NULL "
        "AND failed_at IS NULL AND next_attempt_at = ?",
        (ts(now), *ids, ts(lease_until)),
    )


def _outbox_item(row: Row) -> OutboxItem:
    """A row of ``SELECT id, chat_id, kind, case_id, version, params, attempts``."""
    return OutboxItem(row[0], row[1], row[2], row[3], row[4], loads(row[5]), row[6])


def _not_in(column: str, ids: Collection[int]) -> str:
    """``AND column NOT IN (?, ...)`` for ``ids`` (their values follow); "" for none."""
    return f" AND {column} NOT IN ({','.join('?' * len(ids))})" if ids else ""


def _due_outbox(
    tx: Tx, now: datetime, limit: int, take: str, busy: Collection[int] = ()
) -> list[OutboxItem]:
    at = ts(now)
    rows = tx.all(
        "SELECT id, chat_id, kind, case_id, version, params, attempts FROM outbox "
        "WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"
        f"{_not_in('chat_id', busy)} ORDER BY id LIMIT ?{take}",
        (at, *busy, limit),
    )
    if not rows:
        return []
    waiting = {
        r[0]: r[1]
        for r in tx.all(
            "SELECT chat_id, MIN(id) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
            "AND next_attempt_at > ? AND (last_error IS NULL OR last_error <> ?) "
            "GROUP BY chat_id",
            (at, OFFICE_CLOSED),
        )
    }
    return [_outbox_item(r) for r in rows if r[1] == 0 or r[0] < waiting.get(r[1], r[0] + 1)]


def pending_papers(tx: Tx, case_id: int) -> set[tuple[int, str]]:
    """The papers of the case still to be written, as (event, paper): a row that carries
    one of them waits for it."""
    rows = tx.all(
        "SELECT params FROM outbox WHERE chat_id = 0 AND case_id = ? AND sent_at IS NULL "
        "AND failed_at IS NULL",
        (case_id,),
    )
    jobs = [loads(row[0]) for row in rows]
    return {(int(p.get("seq", 0)), str(p.get("paper", ""))) for p in jobs}


def papers_pending(tx: Tx, case_id: int) -> bool:
    """A paper of the case is still to be written (its recipients' rows wait for it)."""
    return (
        tx.one(
            "SELECT 1 FROM outbox WHERE chat_id = 0 AND case_id = ? AND sent_at IS NULL "
            "AND failed_at IS NULL LIMIT 1",
            (case_id,),
        )
        is not None
    )


@dataclass(frozen=True)
class PaperJob:
    """A paper job of a case that has not written its paper: still to go, due at ``due``
    (``failed`` False), or given up."""

    id: int
    paper: str
    seq: int
    failed: bool
    due: datetime


def unwritten_papers(tx: Tx, case_id: int, before: int) -> list[PaperJob]:
    """The paper jobs of a case queued before row ``before`` that have not written their
    paper, in the order they were queued: those still to go, waiting for their turn or
    their retry, and those given up (read through the partial indexes of each,
    ``outbox_queued_by_chat`` and ``outbox_refused``; a given-up job of an open case is
    kept, :func:`prune`)."""
    jobs = []
    for failed, which in ((False, "IS NULL"), (True, "IS NOT NULL")):
        rows = tx.all(
            "SELECT id, params, next_attempt_at FROM outbox WHERE chat_id = 0 AND case_id = ? "
            f"AND sent_at IS NULL AND failed_at {which} AND id < ?",
            (case_id, before),
        )
        for job_id, params, due in rows:
            p = loads(params)
            paper, seq = str(p.get("paper", "")), int(p.get("seq", 0))
            jobs.append(PaperJob(job_id, paper, seq, failed, parse_ts(due)))
    return sorted(jobs, key=lambda job: job.id)


def note_waiting(tx: Tx, item_id: int, key: str, value: str) -> None:
    """Keep ``value`` under ``key`` in a row's params (a bundle's job: since when it waits
    for its case's papers), so that it counts across restarts."""
    row = tx.one("SELECT params FROM outbox WHERE id = ?", (item_id,))
    params = {**(loads(row[0]) if row else {}), key: value}
    tx.run("UPDATE outbox SET params = ? WHERE id = ?", (dumps(params), item_id))


# in a paper job's params: the events (seq) of the archive bundles of its case that went
# without its paper (still being written, or given up); once written, it is sent to whoever
# received them, as a supplement (SUPPLEMENT)
LEFT_OUT_OF = "left_out_of"
# in a files row's params: the papers it carries complete an archive bundle that went
# without them (the caption says so)
SUPPLEMENT = "supplement"


def note_left_out(tx: Tx, job_id: int, bundle_seq: int) -> bool:
    """The archive bundle of event ``bundle_seq`` goes without the paper of job ``job_id``:
    kept in the job's params (:data:`LEFT_OUT_OF`), for when it is written. False when the
    job has written its paper meanwhile (nothing is noted: the caller sends it now). The
    update's condition is read again under the row's lock: a job settled concurrently is
    never noted after it read its params (:func:`settle_paper_job`)."""
    row = tx.one("SELECT params FROM outbox WHERE id = ? AND sent_at IS NULL", (job_id,))
    if row is None:
        return False
    params = loads(row[0])
    seqs = [int(s) for s in params.get(LEFT_OUT_OF, ())]
    params[LEFT_OUT_OF] = list(dict.fromkeys([*seqs, bundle_seq]))
    return (
        tx.run(
            "UPDATE outbox SET params = ? WHERE id = ? AND sent_at IS NULL",
            (dumps(params), job_id),
        )
        > 0
    )


def settle_paper_job(tx: Tx, job_id: int, now: datetime) -> list[int]:
    """A paper job has written its paper: settled as sent; the events of the archive
    bundles that went without it (:func:`note_left_out`), read after the row is settled
    (and so locked): a bundle that noted it before is seen, one after finds it settled."""
    mark_sent(tx, job_id, now, None)
    row = tx.one("SELECT params FROM outbox WHERE id = ?", (job_id,))
    params = loads(row[0]) if row else {}
    return [int(s) for s in params.get(LEFT_OUT_OF, ())]


def next_outbox_time(tx: Tx, busy: Collection[int] = ()) -> datetime | None:
    """When the next row can go (rows of the chats in ``busy`` left out): a chat's rows go
    in order, so only its first row still to go counts (the rows behind one that waits, for
    its papers or a 429, wait with it); every paper job counts."""
    value = tx.value(
        "SELECT MIN(t) FROM (SELECT next_attempt_at AS t FROM outbox WHERE id IN "
        "(SELECT MIN(id) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
        f"AND chat_id <> 0{_not_in('chat_id', busy)} GROUP BY chat_id) "
        "UNION ALL SELECT MIN(next_attempt_at) FROM outbox WHERE chat_id = 0 "
        "AND sent_at IS NULL AND failed_at IS NULL) AS heads",
        tuple(busy),
    )
    return parse_ts(value) if value else None


def mark_sent(tx: Tx, item_id: int, now: datetime, message_id: int | None) -> None:
    tx.run(
        "UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1 WHERE id = ?",
        (ts(now), message_id, item_id),
    )


def mark_skipped(tx: Tx, item_ids: Sequence[int], now: datetime) -> None:
    """Rows settled without a message (nothing left to send: their case moved on), all in
    one trip; as :func:`mark_sent` each."""
    tx.many(
        "UPDATE outbox SET sent_at = ?, message_id = NULL, attempts = attempts + 1 WHERE id = ?",
        [(ts(now), item_id) for item_id in item_ids],
    )


def settle_decided(tx: Tx, item_id: int, shown: bool, now: datetime) -> bool:
    """A decision's row, waiting while its handler shows the decision itself: settled as
    sent (``shown``), or due now, for the outbox to show it. One the outbox has taken
    meanwhile (the handler took longer than the wait) is left to it. Whether a row of its
    chat is now due that it held back (the chat's rows go in order)."""
    if shown:
        tx.run(
            "UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL",
            (ts(now), item_id),
        )
    else:
        tx.run(
            "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND sent_at IS NULL "
            "AND failed_at IS NULL AND next_attempt_at > ?",
            (ts(now), item_id, ts(now)),
        )
        return True
    behind = tx.one(
        "SELECT 1 FROM outbox o WHERE o.chat_id = (SELECT chat_id FROM outbox WHERE id = ?) "
        "AND o.id > ? AND o.sent_at IS NULL AND o.failed_at IS NULL LIMIT 1",
        (item_id, item_id),
    )
    return behind is not None


def mark_retry(tx: Tx, item_id: int, when: datetime, error: str, count: bool = True) -> None:
    """Try again at ``when``; ``count=False`` when the row only waits (it did not fail)."""
    tx.run(
        "UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = ? "
        "WHERE id = ?",
        (1 if count else 0, ts(when), error[:500], item_id),
    )


NO_BUNDLE = "no_bundle"  # in a files row's params: send the papers without the archive bundle


def mark_without_bundle(tx: Tx, item_id: int, now: datetime) -> None:
    """A files row whose archive bundle the Bot API server refused as too large (413): due
    again now, with the papers alone."""
    row = tx.one("SELECT params FROM outbox WHERE id = ?", (item_id,))
    params = {**(loads(row[0]) if row else {}), NO_BUNDLE: 1}
    tx.run(
        "UPDATE outbox SET params = ?, next_attempt_at = ?, attempts = attempts + 1, "
        "last_error = 'Request Entity Too Large: sent again without the archive bundle' "
        "WHERE id = ?",
        (dumps(params), ts(now), item_id),
    )


def mark_failed(tx: Tx, item_id: int, now: datetime, error: str) -> None:
    tx.run(
        "UPDATE outbox SET attempts = attempts + 1, failed_at = ?, last_error = ? WHERE id = ?",
        (ts(now), error[:500], item_id),
    )


def outbox_counts(tx: Tx) -> dict[str, int]:
    row = tx.one(
        "SELECT COUNT(*) FILTER (WHERE sent_at IS NOT NULL), "
        "COUNT(*) FILTER (WHERE failed_at IS NOT NULL), "
        "COUNT(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) FROM outbox"
    )
    assert row is not None
    return {"sent": row[0], "failed": row[1], "pending": row[2]}


def prune(tx: Tx, sent_before: datetime, updates_before: datetime) -> tuple[int, int]:
    """Forget delivered outbox rows and claimed update ids older than the retention, the
    albums seen before the update ids, and who received which file of cases closed before
    it (the event log stays the record). Rows that never went (Telegram refused them: the
    person had blocked the bot; or given up) about cases closed before the retention go
    too: they would otherwise stay for good, and a person who unblocks the bot a year
    later would be sent every one of them again (:func:`requeue_refused`), notices of
    cases long closed among them.
    Returns (outbox rows, update ids) removed."""
    rows = tx.run(
        "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", (ts(sent_before),)
    )
    rows += tx.run(
        "DELETE FROM outbox WHERE sent_at IS NULL AND failed_at IS NOT NULL AND failed_at < ? "
        "AND case_id IN (SELECT id FROM cases WHERE status <> 'open' AND closed_at < ?)",
        (ts(sent_before), ts(sent_before)),
    )
    updates = tx.run("DELETE FROM processed_updates WHERE at < ?", (ts(updates_before),))
    tx.run("DELETE FROM albums WHERE at < ?", (ts(updates_before),))
    tx.run(
        "DELETE FROM deliveries WHERE file_id IN (SELECT f.id FROM files f JOIN cases c "
        "ON c.id = f.case_id WHERE c.status <> 'open' AND c.closed_at < ?)",
        (ts(sent_before),),
    )
    return rows, updates


# the last_error of a reminder or escalation put off until the office opens (defer_to_office)
OFFICE_CLOSED = "office closed: put off to the next working moment"


def defer_to_office(tx: Tx, item_id: int, until: datetime) -> None:
    """A reminder, escalation or put-off notice (:func:`waits_for_office`) that came due
    outside office time waits until ``until`` (the office's next working moment), not
    counted as an attempt. It holds up none of its
    chat's later rows (:func:`take_due_outbox`, :func:`take_outbox_rows`): what else the
    person gets meanwhile goes at once."""
    mark_retry(tx, item_id, until, OFFICE_CLOSED, count=False)
