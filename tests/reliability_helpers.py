"""Shared checks of the reliability tests: what the outbox delivered, and whether a case's
event log is whole.

Everything here reads the SQLite file with a plain ``sqlite3`` connection of its own (WAL
lets it read beside the bot's writer), so the same checks serve a bot running in the test's
event loop and a bot running in another process. What Telegram received is read from the
emulator's call log (``emu.calls``): a call that answered 200 took effect, also when the
answer was then lost (a dropped connection, or a hang the client gave up on).

Outbox rows are small (what to send, to whom, about which case) and rendered when they go
out, so a row's text is not in the database: what a row put in a chat is found through the
message it recorded (``message_id``) and the call that made that message.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.callbacks import Op, decode
from bot.core.definition import SopDefinition
from bot.core.model import Case, Event, EventType
from bot.core.workflow import replay
from emulator.server import ApiCall
from storage import repo
from storage.codec import case_from_json, event_from_row

if TYPE_CHECKING:
    from bot.clock import ManualClock
    from bot.demo import World

PTB_READ_TIMEOUT = 5.0
"""python-telegram-bot's default read timeout: a hang this long loses the answer."""

SENDS = ("sendMessage", "sendDocument", "sendMediaGroup")
"""Calls that put a new message (or an album) in a chat."""

Key = tuple[str, int, str]  # (method, chat, text or caption): what a chat was sent


def sqlite_file(world: World) -> Path:
    """The SQLite file of ``world``'s database (these checks read SQLite only)."""
    database = world.config.storage.database
    assert isinstance(database, Path), f"not a SQLite file: {database!r}"
    return database


def connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def query(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    conn = connect(db_path)
    try:
        return list(conn.execute(sql, params).fetchall())
    finally:
        conn.close()


# -- the case and its log -----------------------------------------------------------------


def load_case(db_path: Path, case_id: int) -> Case | None:
    rows = query(db_path, "SELECT state FROM cases WHERE id = ?", (case_id,))
    return case_from_json(rows[0]["state"]) if rows else None


def load_events(db_path: Path, case_id: int) -> list[Event]:
    rows = query(db_path, "SELECT * FROM events WHERE case_id = ? ORDER BY seq", (case_id,))
    return [event_from_row(r) for r in rows]


def event_count(db_path: Path, case_id: int) -> int:
    return int(query(db_path, "SELECT COUNT(*) FROM events WHERE case_id = ?", (case_id,))[0][0])


def log_problems(definition: SopDefinition, case: Case, events: Sequence[Event]) -> list[str]:
    """Why the event log is not a whole, valid history of ``case`` (empty if it is)."""
    problems: list[str] = []
    if not events or events[0].type is not EventType.STARTED:
        return ["the log does not begin with 'started'"]
    try:
        replayed = replay(definition, events)
    except ValueError as exc:
        return [f"the log does not replay: {exc}"]
    if replayed != case:
        problems.append(f"replay differs from the stored case: {replayed} != {case}")
    step = definition.first_step.id
    from_steps: list[int] = []
    moves = 0
    for i, event in enumerate(events):
        if event.step != step:
            problems.append(
                f"event {i + 1} ({event.type.value}) at step {event.step}, case at {step}"
            )
        if not event.is_move:
            continue
        moves += 1
        current = definition.step(step)
        allowed: set[int | None] = set()
        if event.type in (EventType.COMPLETED, EventType.APPROVED):
            allowed = {current.on_approve}
        elif event.type is EventType.RETURNED:
            allowed = {current.on_return}
        elif event.type is EventType.WITHDRAWN:
            allowed = {from_steps[-1]} if from_steps else set()
        elif event.type in (EventType.ARCHIVED, EventType.CANCELLED):
            allowed = {None, step}
        if event.to_step not in allowed:
            problems.append(
                f"event {i + 1}: {event.type.value} from step {step} to {event.to_step} "
                f"is not a move of the SOP (allowed {sorted(map(str, allowed))})"
            )
        from_steps.append(step)
        if event.to_step is not None:
            step = event.to_step
    if case.version != 1 + moves:
        problems.append(f"version {case.version} but {moves} moves in the log")
    return problems


# -- the outbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    kind: str
    case_id: int | None
    version: int | None
    params: dict[str, Any]
    attempts: int
    sent: bool
    failed: bool
    message_id: int | None
    last_error: str | None

    @property
    def edits_into(self) -> bool:
        """A task shown by editing a message that was there before (the /baru question)."""
        into = self.params.get("into")
        return into is not None and self.message_id == int(into)


def outbox_rows(db_path: Path) -> list[OutboxRow]:
    return [
        OutboxRow(
            r["id"],
            r["chat_id"],
            r["kind"],
            r["case_id"],
            r["version"],
            json.loads(r["params"]),
            r["attempts"],
            r["sent_at"] is not None,
            r["failed_at"] is not None,
            r["message_id"],
            r["last_error"],
        )
        for r in query(db_path, "SELECT * FROM outbox ORDER BY id")
    ]


def pending_rows(db_path: Path) -> int:
    sql = "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    return int(query(db_path, sql)[0][0])


# -- what Telegram did --------------------------------------------------------------------


def _chat(call: ApiCall) -> int | None:
    try:
        return int(str(call.params.get("chat_id")))
    except ValueError:
        return None


def call_key(call: ApiCall) -> Key | None:
    """What a call that makes or edits a message put in the chat."""
    chat = _chat(call)
    if chat is None:
        return None
    params = call.params
    if call.method in ("sendMessage", "editMessageText"):
        return call.method, chat, str(params.get("text") or "")
    if call.method == "sendDocument":
        return call.method, chat, str(params.get("caption") or "")
    if call.method == "sendMediaGroup":
        media = params.get("media")
        last = media[-1] if isinstance(media, list) and media else {}
        caption = last.get("caption") if isinstance(last, dict) else None
        return call.method, chat, str(caption or "")
    return None


def made_messages(calls: Iterable[ApiCall]) -> dict[tuple[int, int], ApiCall]:
    """(chat, message id) -> the call that took effect and made that message (each message
    of an album too)."""
    made: dict[tuple[int, int], ApiCall] = {}
    for call in calls:
        if not call.ok or call.method not in SENDS or not isinstance(call.response, dict):
            continue
        result = call.response.get("result")
        for message in result if isinstance(result, list) else [result]:
            if isinstance(message, dict):
                made[(int(message["chat"]["id"]), int(message["message_id"]))] = call
    return made


def edit_calls(calls: Iterable[ApiCall]) -> dict[tuple[int, int], list[ApiCall]]:
    """(chat, message id) -> the edits of it that took effect, in order."""
    edits: dict[tuple[int, int], list[ApiCall]] = defaultdict(list)
    for call in calls:
        if call.ok and call.method in ("editMessageText", "editMessageReplyMarkup"):
            chat = _chat(call)
            if chat is not None:
                edits[(chat, int(call.params.get("message_id", 0)))].append(call)
    return edits


def answer_lost(call: ApiCall, read_timeout: float = PTB_READ_TIMEOUT) -> bool:
    """The call took effect but its sender never got the answer (so it will send again)."""
    if not call.ok:
        return False
    if call.fault == "drop":
        return True
    return call.fault == "hang" and call.finished - call.started >= read_timeout - 0.3


def buttons_of(call: ApiCall) -> list[str]:
    """The callback data of the inline buttons a call sent."""
    markup = call.params.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    return [
        str(button.get("callback_data"))
        for row in markup.get("inline_keyboard", [])
        for button in row
        if isinstance(button, dict) and button.get("callback_data")
    ]


@dataclass
class Delivery:
    """What happened to the outbox rows in Telegram (see :func:`delivery`)."""

    rows: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    pending: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    # settled without a message of their own: tasks of a step gone by or shown by editing
    # the live task, files the person had already, prompts of an ended dialogue, reactions
    quiet: Counter[str] = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)  # settled, but not in the chat
    duplicated: dict[Key, int] = field(default_factory=dict)  # extra copies
    lost_answers: dict[Key, int] = field(default_factory=dict)
    # copies beyond the lost answers the emulator saw as faults: in the crash test, answers
    # lost because the bot was killed while Telegram answered
    unexplained: dict[Key, int] = field(default_factory=dict)
    out_of_order: list[str] = field(default_factory=list)

    @property
    def extra_copies(self) -> int:
        return sum(self.duplicated.values())

    def summary(self) -> str:
        return (
            f"{self.rows} rows {dict(self.by_kind)}; pending {len(self.pending)}, failed "
            f"{len(self.failed)}, settled without a message of their own {dict(self.quiet)}, "
            f"missing {len(self.missing)}, extra copies {self.extra_copies} (after a dropped or "
            f"timed-out answer {sum(self.lost_answers.values())}, otherwise "
            f"{sum(self.unexplained.values())}), order violations {len(self.out_of_order)}"
        )


def delivery(rows: Iterable[OutboxRow], calls: Iterable[ApiCall], chats: Any) -> Delivery:
    """Match outbox rows with the calls Telegram executed and the messages in the chats.

    ``chats`` maps a chat id to ``{message_id: record}`` (the emulator's chat messages).
    A row that recorded a message is delivered if that message is in its chat, made by a
    call that took effect; a row without one is checked for what it stands for (buttons
    removed, a reaction set). A row is duplicated if more calls with its content took
    effect than there are rows with that content; a duplicate is explained by a lost
    answer (the row was sent again because Telegram's answer never came). Per chat, rows
    must appear in the order they were written.
    """
    report = Delivery()
    rows = list(rows)
    calls = list(calls)
    made = made_messages(calls)
    edits = edit_calls(calls)
    wanted: Counter[Key] = Counter()
    sent_new: list[OutboxRow] = []  # rows that put a new message in their chat
    for row in rows:
        report.rows += 1
        report.by_kind[row.kind] += 1
        if row.failed:
            report.failed.append(row.id)
            continue
        if not row.sent:
            report.pending.append(row.id)
            continue
        if row.message_id is None:
            problem = _quiet_row_problem(row, chats, edits)
            if problem:
                report.missing.append(f"row {row.id} ({row.kind}): {problem}")
            else:
                report.quiet[row.kind] += 1
            continue
        where = (row.chat_id, row.message_id)
        message = chats.get(row.chat_id, {}).get(row.message_id)
        if message is None or message.deleted:
            report.missing.append(f"row {row.id} ({row.kind}): message #{row.message_id} gone")
            continue
        if row.edits_into:
            if not edits.get(where):
                report.missing.append(f"row {row.id} (task): message #{row.message_id} unedited")
            continue
        call = made.get(where)
        key = call_key(call) if call is not None else None
        if key is None:
            report.missing.append(f"row {row.id} ({row.kind}): no call made #{row.message_id}")
            continue
        wanted[key] += 1
        sent_new.append(row)
    executed: Counter[Key] = Counter()
    lost: Counter[Key] = Counter()
    for call in calls:
        if not call.ok or call.method not in SENDS:
            continue
        key = call_key(call)
        if key is None or key not in wanted:
            continue
        executed[key] += 1
        if answer_lost(call):
            lost[key] += 1
    for key, count in wanted.items():
        extra = executed[key] - count
        if extra > 0:
            report.duplicated[key] = extra
            if lost[key]:
                report.lost_answers[key] = lost[key]
            if extra > lost[key]:
                report.unexplained[key] = extra - lost[key]
    per_chat: dict[int, list[OutboxRow]] = defaultdict(list)
    for row in sent_new:
        per_chat[row.chat_id].append(row)
    for chat, chat_rows in per_chat.items():
        for before, after in itertools.pairwise(chat_rows):
            assert before.message_id is not None and after.message_id is not None
            if after.message_id < before.message_id:
                report.out_of_order.append(
                    f"chat {chat}: row {after.id} shown as #{after.message_id}, before row "
                    f"{before.id} (#{before.message_id})"
                )
    return report


def _quiet_row_problem(
    row: OutboxRow, chats: Any, edits: dict[tuple[int, int], list[ApiCall]]
) -> str | None:
    """Why a row settled without a message of its own did not do its work (None if it did)."""
    p = row.params
    if row.kind == "strip":
        where = (row.chat_id, int(p["message_id"]))
        message = chats.get(row.chat_id, {}).get(where[1])
        stripped = any(
            c.method == "editMessageReplyMarkup" and not c.params.get("reply_markup")
            for c in edits.get(where, [])
        )
        if stripped or message is None or message.reply_markup is None:
            return None
        if p.get("decided_html") and p.get("keyboard"):  # the decision, with Tarik kembali
            labels = [[b[0] for b in row] for row in p["keyboard"]]
            shown = [[b["text"] for b in row] for row in message.reply_markup["inline_keyboard"]]
            return None if shown == labels else f"message #{where[1]} shows {shown}"
        return f"message #{where[1]} keeps its buttons"
    if row.kind == "react":
        message = chats.get(row.chat_id, {}).get(int(p["reply_to"]))
        if message is not None and message.bot_reactions:
            return None
        return f"no reaction on message #{p['reply_to']}"
    if row.kind in ("task", "files", "prompt", "paper"):
        return None  # stale, shown by an edit, nothing new to send, or a job (no chat)
    return "settled without a message"


def emulator_chats(emu: Any) -> dict[int, dict[int, Any]]:
    return {chat_id: dict(chat.messages) for chat_id, chat in emu.state.chats.items()}


def fault_counts(calls: Iterable[ApiCall]) -> Counter[str]:
    """Injected faults Telegram answered with, by type ("status 500", "hang", "outage"...)."""
    counts: Counter[str] = Counter()
    for call in calls:
        if call.fault:
            counts[f"{call.fault} ({call.method})"] += 1
    return counts


# -- what each person received ------------------------------------------------------------


NOT_A_TASK = (Op.WITHDRAW, Op.CANCEL_DIALOGUE, Op.OPEN_TASK, Op.TASK_PAGE)
"""Buttons that are not a step's own (taking a move back, ending a question, a list)."""


def tasks_received(calls: Iterable[ApiCall], case_id: int) -> dict[int, set[tuple[int, int]]]:
    """Person -> the (step, version) of ``case_id`` whose task buttons a call that took
    effect showed them (a task sent, or shown by an edit)."""
    shown: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for call in calls:
        if not call.ok or call.method not in ("sendMessage", "editMessageText"):
            continue
        chat = _chat(call)
        if chat is None:
            continue
        for data in buttons_of(call):
            cb = decode(data)
            if cb is not None and cb.case_id == case_id and cb.op not in NOT_A_TASK:
                shown[chat].add((cb.step, cb.version))
    return shown


def documents_received(calls: Iterable[ApiCall]) -> dict[int, set[str]]:
    """Person -> the names of the documents calls that took effect sent them."""
    names: dict[int, set[str]] = defaultdict(set)
    for call in calls:
        if not call.ok or call.method not in ("sendDocument", "sendMediaGroup"):
            continue
        result = call.response.get("result") if isinstance(call.response, dict) else None
        for message in result if isinstance(result, list) else [result]:
            if isinstance(message, dict) and isinstance(message.get("document"), dict):
                names[int(message["chat"]["id"])].add(str(message["document"].get("file_name")))
    return names


def texts_received(calls: Iterable[ApiCall]) -> dict[int, list[str]]:
    """Person -> the texts of the messages calls that took effect sent them."""
    texts: dict[int, list[str]] = defaultdict(list)
    for call in calls:
        if call.ok and call.method == "sendMessage":
            chat = _chat(call)
            if chat is not None:
                texts[chat].append(str(call.params.get("text") or ""))
    return texts


def delivery_records(db_path: Path) -> dict[tuple[int, int], int]:
    """(person, file id) -> the message that has the file in the person's chat."""
    rows = query(db_path, "SELECT person_id, file_id, message_id FROM deliveries")
    return {(r["person_id"], r["file_id"]): r["message_id"] for r in rows}


def receipt_problems(
    definition: SopDefinition,
    case_id: int,
    events: Sequence[Event],
    calls: Sequence[ApiCall],
    chats: Any,
    db_path: Path,
) -> list[str]:
    """What the case's history says each official must have received at least once, and
    did not (empty if all arrived).

    For every version the case was open at, whoever then moved it on received that step's
    task (its buttons), the documents the step works on but those attached at that step
    itself, which its task offers (none twice: the bot's record of who has which file is
    checked against the chats) and the papers of the move that
    brought the case there (the Disposisi, the SK Tim, the blank drafts). A Lembar
    Pemeriksaan is sent to nobody. The archivist who closes the case receives its archive
    bundle (and not the Dokumentasi on its own); everyone else who took part is told the
    case is closed.
    """
    problems: list[str] = []
    tasks = tasks_received(calls, case_id)
    documents = documents_received(calls)
    texts = texts_received(calls)
    files = {
        r["id"]: r for r in query(db_path, "SELECT * FROM files WHERE case_id = ?", (case_id,))
    }
    records = delivery_records(db_path)
    for (person, file_id), message_id in records.items():
        stored = files.get(file_id)
        message = chats.get(person, {}).get(message_id)
        name = message.document.get("file_name") if message and message.document else None
        if stored is not None and name != stored["name"]:
            problems.append(f"{person} is recorded to have {stored['name']} in #{message_id}")
    entries = [i for i, e in enumerate(events) if e.type is EventType.STARTED or e.is_move]
    for k, index in enumerate(entries):
        event = events[index]
        seq, version = index + 1, k + 1
        case = replay(definition, events[: index + 1])
        papers = [
            f
            for f in files.values()
            if f["kind"] == "paper" and f["source_seq"] == seq and f["doc"] != "paper:pemeriksaan"
        ]
        if not case.is_open:
            bundles = [f["name"] for f in papers if f["name"].endswith(".zip")]
            who = event.actor
            if event.type is EventType.ARCHIVED and not bundles:
                problems.append("no archive bundle was written")
            for name in bundles:
                if name not in documents.get(who, set()):
                    problems.append(f"{who} did not receive the archive bundle {name}")
            for f in papers:
                if f["name"] in bundles:
                    continue
                for person, names in documents.items():
                    if f["name"] in names:
                        problems.append(f"{person} received {f['name']} outside the bundle")
            told = {e.actor for e in events if e.role != "admin"} | set(case.team)
            for person in sorted(told - {event.actor}):
                if not any("selesai dan diarsipkan" in x for x in texts.get(person, [])):
                    problems.append(f"{person} was not told that the case was closed")
            continue
        if k + 1 >= len(entries):
            continue  # open at the end: nobody has acted on this version yet
        actor = events[entries[k + 1]].actor
        step = definition.step(case.step)
        if (case.step, version) not in tasks.get(actor, set()):
            problems.append(f"{actor} acted on version {version} without its task (step {step.id})")
        wanted = {definition.canonical(d) for d in step.inputs}
        own = {definition.canonical(d) for d in step.uploads}
        for attachment in case.latest_files():
            if attachment.step == case.step and attachment.doc in own:
                continue  # attached at this step (a colleague's Bahan): offered, not sent
            if attachment.doc in wanted and (actor, attachment.file_id) not in records:
                problems.append(
                    f"{actor} did not receive {attachment.name} (v{attachment.version}) "
                    f"for step {step.id}"
                )
        for f in papers:
            if f["name"] not in documents.get(actor, set()):
                problems.append(f"{actor} did not receive {f['name']} for step {step.id}")
    for f in files.values():
        if f["doc"] == "paper:pemeriksaan":
            for person, names in documents.items():
                if f["name"] in names:
                    problems.append(f"{person} was sent {f['name']}")
    return problems


def paper_problems(
    definition: SopDefinition, case_id: int, events: Sequence[Event], db_path: Path
) -> list[str]:
    """Papers are written exactly once: one set per paper job, a Lembar Pemeriksaan for
    every review decision."""
    problems: list[str] = []
    rows = query(
        db_path,
        "SELECT doc, source_seq, name FROM files WHERE case_id = ? AND kind = 'paper'",
        (case_id,),
    )
    copies = Counter((r["doc"], r["source_seq"], r["name"]) for r in rows)
    problems += [f"{name} written {n} times" for (_, _, name), n in copies.items() if n > 1]
    decisions = [
        seq
        for seq, e in enumerate(events, 1)
        if e.type in (EventType.APPROVED, EventType.RETURNED) and definition.step(e.step).is_review
    ]
    reviews = sorted(r["source_seq"] for r in rows if r["doc"] == "paper:pemeriksaan")
    if reviews != decisions:
        problems.append(f"Lembar Pemeriksaan for events {reviews}, decisions at {decisions}")
    jobs = query(
        db_path,
        "SELECT params FROM outbox WHERE chat_id = 0 AND kind = 'paper' AND case_id = ?",
        (case_id,),
    )
    written = {(r["doc"], r["source_seq"]) for r in rows}
    for job in jobs:
        p = json.loads(job["params"])
        if (f"paper:{p['paper']}", int(p["seq"])) not in written:
            problems.append(f"paper job {p} left no paper")
    return problems


async def until(check: Callable[[], Awaitable[bool]], within: float = 15.0) -> None:
    """Wait until a condition on the database holds (the bot commits on its own thread)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError("the condition never held")
        await asyncio.sleep(0.02)


async def drained_as_time_passes(world: World, clock: ManualClock, minutes: int = 5) -> None:
    """Move the clock on by the longest backoff until the outbox is empty: an attempt that
    was under way when Telegram came back may have failed after the last move, and waits
    its backoff (up to a minute of the office's clock) before it is tried again."""
    for _ in range(minutes):
        clock.advance(seconds=61)
        world.services.outbox.wake()
        with contextlib.suppress(TimeoutError):
            await world.drained(within=10)
            return
    await world.drained(within=1)  # raises, with the counts


async def until_nothing_due(world: World, within: float = 10.0) -> None:
    """Wait until the sender has attempted every row due at the (manual) clock's time."""
    svc = world.services
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while await svc.db.read(repo.due_outbox, svc.clock.now()):
        if loop.time() > deadline:
            raise TimeoutError("the sender did not attempt the due rows")
        await asyncio.sleep(0.01)
