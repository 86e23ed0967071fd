"""A bureau's working day, played on sopbot through the Bot API emulator (bench_updates.py).

The officials of the demo's bureau, plus more members of the drafting team, each work
through their own tasks as they reach their phone: Kasubag opens cases, uploads the first
drafts, forms the teams and reviews; Kabag and Karo approve or return with a typed reason;
the teams upload their drafts and hand them in; Fungsional Umum archives. Before every few
tasks an official looks at ``/tugas`` (and sometimes opens the task from that list); an
official with nothing to do now and then asks ``/status``. Every update they post is
recorded (:data:`Wire`), so that the echo bot can be sent exactly the same.

The officials see what a person sees: a task is acted on once its task message has come
to their chat, with the buttons that message shows. What the bot has decided (the open
cases, their steps, versions, teams and files) is read from its database, read-only.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    Player,
    Tap,
    UpdateKey,
    buttons_of,
    either,
    is_alert,
    is_edit_of,
    is_reaction_to,
    is_reply_to,
    is_send_to,
    message_id_of,
    note,
)
from sop_worker import STAFF_BASE

from bot.app import load_sops
from bot.callbacks import Callback, Op, decode
from bot.core.definition import SopDefinition, StepKind
from bot.core.model import Case
from bot.demo import OFFICIALS, draft, world_config
from emulator import ApiCall, BotApiEmulator, EmuUser
from storage.codec import case_from_json
from storage.db import Database

ID = {p.key: p.telegram_id for p in OFFICIALS}
ROLE_IDS = {
    "kasubag": [ID["kasubag"]],
    "kabag": [ID["kabag"]],
    "karo": [ID["karo"]],
    "fungsional_umum": [ID["fu"]],
}
TASK_OPS = {Op.REVIEW, Op.FORWARD, Op.SUBMIT_DRAFTS, Op.TEAM_TOGGLE, Op.TEAM_DONE, Op.ARCHIVE}
TASK_RE = re.compile(r"<b>Berkas #(\d+)</b>")
CASE_RE = re.compile(r"Berkas #(\d+)")
TASK_LINE = re.compile(r"Pelaksana: [^\n]* · Norma waktu: ")
# The documents each step's uploaders send (file name -> document id of the SOP).
STEP1_FILES = {"Konsep Rencana Kerja.docx": "konsep_rencana_kerja", "TOR.docx": "tor"}
TEAM_FILES = (  # split between the two members of a team
    {"Draf Program Kerja.docx": "draf_program_kerja", "Draf RKAKL.docx": "draf_rkakl"},
    {"Draf Penetapan Kinerja.docx": "draf_penetapan_kinerja", "Bahan pendukung.pdf": "bahan"},
)
TEAM_REQUIRED = {"draf_program_kerja", "draf_rkakl", "draf_penetapan_kinerja"}
QUIET_BEFORE = 3.0  # seconds before a move in which a message to the next holder still counts
WORK = ("decision", "return", "upload", "team", "archive")
KINDS = (*WORK, "new_case", "tugas", "open", "status")
REASONS = (
    "TOR belum mencantumkan jadwal pelaksanaan; mohon dilengkapi.",
    "Rencana Kerja agar diselaraskan dengan Renstra 2025-2029.",
    "Rincian belanja per output belum dimuat; mohon diperbaiki.",
    "Target indikator kinerja agar dikoreksi sesuai pagu.",
)
NOTES = ("Mohon diarsipkan pada map Perencanaan.", "Salinan disampaikan kepada Kabag Umum.")

Wire = tuple[str, Any, float]
"""("text", str, at) | ("press", None, at) | ("document", (name, bytes), at): ``at`` is when
the update was posted, in seconds from the start of the round (the echo bot's replay posts
it at the same moment)."""


def task_message(call: ApiCall) -> tuple[int, int] | None:
    """(chat, case) when the call is a new task message: the task view names its executor's
    role and the step's norm on one line ("Pelaksana: Kabag · Norma waktu: ..."), which the
    replies to /status (its "Pelaksana:" names a person) and /tugas do not."""
    if call.status != 200 or call.method != "sendMessage":
        return None
    text = str(call.params.get("text", ""))
    match = TASK_RE.search(text)
    if match is None or TASK_LINE.search(text) is None:
        return None
    return int(call.params["chat_id"]), int(match[1])


def mentions(call: ApiCall, case: int) -> bool:
    """An album, a document or a task message about ``case``."""
    if call.status != 200:
        return False
    if call.method in ("sendMediaGroup", "sendDocument"):
        return re.search(rf"Berkas #{case}\b", str(call.params)) is not None
    found = task_message(call)
    return found is not None and found[1] == case


def messages_in(call: ApiCall) -> int:
    """Messages a call put in its chat (Telegram's per-chat limit counts each)."""
    if call.status != 200 or not call.method.startswith("send"):
        return 0
    media = call.params.get("media")
    return len(media) if call.method == "sendMediaGroup" and isinstance(media, list) else 1


def plain_reply(uid: int) -> Any:
    """A line of text to ``uid`` about no case (a refusal, an acknowledgement in words)."""

    def check(call: ApiCall) -> bool:
        if call.method != "sendMessage" or call.params.get("chat_id") != uid:
            return False
        text = str(call.params.get("text", ""))
        return "Berkas #" not in text and "Tugas Bapak/Ibu" not in text

    return check


def sent_document(uid: int) -> Any:
    return lambda call: call.method == "sendDocument" and call.params.get("chat_id") == uid


@dataclass
class Move:
    case: int
    mover: int
    key: UpdateKey
    holders: frozenset[int]


# -- the bureau (sopbot) ---------------------------------------------------------------------


class Official(Player):
    """An official: the task messages in their chat, what they posted (for the replay)."""

    def __init__(self, bureau: Bureau, user: EmuUser) -> None:
        super().__init__(bureau.tap, user)
        self.bureau = bureau
        self.task_msgs: dict[int, tuple[int, float]] = {}  # case -> (message id, arrived)
        self.wires: list[Wire] = []
        self.round_started = time.monotonic()
        self.rng = random.Random(user.id)
        self.since_tugas = 0
        self.idle_since = time.monotonic()
        self.done_visits: set[tuple[int, float]] = set()
        self.returned: set[tuple[int, int]] = set()

    @property
    def uid(self) -> int:
        return self.user.id

    # -- what is on my phone -------------------------------------------------------------

    def sees(self, case: Case) -> bool:
        """The task message of the case's current visit has reached my chat."""
        got = self.task_msgs.get(case.id)
        return got is not None and got[1] >= self.bureau.entered.get(case.id, 0.0)

    def buttons(self, case: int) -> list[Callback]:
        """The task buttons my latest task message for ``case`` shows now."""
        got = self.task_msgs.get(case)
        if got is None:
            return []
        record = self.bureau.emu.state.live_message(self.user.private_chat, got[0])
        markup = (record.reply_markup if record is not None else None) or {}
        found = []
        for row in markup.get("inline_keyboard", []):
            for button in row:
                cb = decode(button.get("callback_data"))
                if cb is not None and cb.case_id == case and cb.op in TASK_OPS:
                    found.append(cb)
        return found

    async def button(self, case: int, op: Op, arg: str | None = None) -> Callback | None:
        """The button, at the case's current version, once my task message shows it."""
        current = await self.bureau.case(case)
        if current is None:
            return None

        def shown() -> Callback | None:
            for cb in self.buttons(case):
                if cb.op is op and (arg is None or cb.arg == arg) and cb.version == current.version:
                    return cb
            return None

        try:
            await self.bureau.emu.wait_until(lambda: shown() is not None, timeout=15)
        except TimeoutError:
            self.bureau.stuck += 1
            note(f"{self.uid}: no {op.value} button for case {case} v{current.version}")
            return None
        return shown()

    # -- posting (each update is recorded for the echo bot's replay) ----------------------

    def record(self, kind: str, payload: Any) -> None:
        """The update about to be posted, and when (the player waits for its period)."""
        at = max(time.monotonic(), self.next_post) - self.round_started
        self.wires.append((kind, payload, at))

    async def text(self, text: str, kind: str, done: Any) -> ApiCall | None:
        self.record("text", text)
        return await self.send(text, done, kind=kind)

    async def tap_button(
        self, case: int, cb: Callback, kind: str, done: Any = None
    ) -> ApiCall | None:
        mid = self.task_msgs[case][0]
        self.record("press", None)
        return await self.press(
            mid, cb.encode(), done or either(is_edit_of(mid), is_alert()), kind=kind
        )

    async def file(self, case: int, name: str) -> ApiCall | None:
        """Upload a draft; answered by the bot's reaction on it, or a line of text (quoting
        the file: a refusal may name the case, as in "Berkas #7 tidak sedang menunggu")."""
        data = self.bureau.next_draft(case, name)
        self.record("document", (name, data))
        uid = self.uid
        return await self.upload(
            data,
            name,
            lambda mid: either(is_reaction_to(mid), is_reply_to(mid), plain_reply(uid)),
            caption=f"#{case}",
            kind="upload",
        )

    # -- the day ---------------------------------------------------------------------------

    async def work(self, until: float, statuses: bool) -> None:
        while time.monotonic() < until:
            cases = await self.bureau.open_cases()
            if self.uid == ID["kasubag"] and len(cases) < self.bureau.target:
                await self.new_case()
                continue
            todo = [c for c in cases.values() if self.can_act(c)]
            if not todo:
                await self.idle(cases, statuses)
                continue
            todo.sort(key=lambda c: self.bureau.entered.get(c.id, 0.0))
            case = todo[0]
            if self.since_tugas >= self.bureau.tugas_every:
                self.since_tugas = 0
                await self.tugas(case)
            self.since_tugas += 1
            self.idle_since = time.monotonic()
            fresh = await self.bureau.case(case.id)
            if fresh is not None and fresh.version == case.version:
                await self.act(fresh)

    async def idle(self, cases: dict[int, Case], statuses: bool) -> None:
        await asyncio.sleep(max(self.period, 0.1))
        if not statuses or not cases:
            return
        if time.monotonic() - self.idle_since >= self.bureau.status_every:
            self.idle_since = time.monotonic()
            case = self.rng.choice(sorted(cases))
            uid = self.uid
            await self.text(
                f"/status {case}",
                "status",
                lambda c: (
                    c.method == "sendMessage"
                    and c.params.get("chat_id") == uid
                    and "<b>Riwayat</b>" in str(c.params.get("text", ""))
                ),
            )

    async def tugas(self, case: Case) -> None:
        uid = self.uid
        listed = await self.text(
            "/tugas",
            "tugas",
            lambda c: (
                c.method == "sendMessage"
                and c.params.get("chat_id") == uid
                and (
                    "Tugas Bapak/Ibu" in str(c.params.get("text"))
                    or "Tidak ada tugas" in str(c.params.get("text"))
                )
            ),
        )
        if listed is None or self.rng.random() >= 0.5:
            return
        mid = message_id_of(listed)
        for _, data in buttons_of(listed):
            cb = decode(data)
            if cb is not None and cb.op is Op.OPEN_TASK and cb.case_id == case.id and mid:
                self.record("press", None)
                await self.press(
                    mid,
                    data,
                    either(lambda c: task_message(c) == (uid, case.id), is_alert()),
                    kind="open",
                )
                return

    def holds(self, case: Case) -> bool:
        role = self.bureau.sop.step(case.step).actor
        if role == "tim":
            return self.uid in case.team
        return self.uid in ROLE_IDS.get(role, ())

    def can_act(self, case: Case) -> bool:
        if not self.holds(case) or not self.sees(case):
            return False
        if self.bureau.sop.step(case.step).kind is not StepKind.UPLOAD:
            return True
        index = list(case.team).index(self.uid)
        if self.missing(case, self.team_files(case, index)):
            return True
        if index != 0:
            return False
        visit = (case.id, self.bureau.entered.get(case.id, 0.0))
        have = {a.doc for a in case.latest_files()}
        return visit not in self.done_visits or have >= TEAM_REQUIRED

    @staticmethod
    def team_files(case: Case, index: int) -> dict[str, str]:
        if len(case.team) == 1:
            return {**TEAM_FILES[0], **TEAM_FILES[1]}
        return TEAM_FILES[index] if index < len(TEAM_FILES) else {}

    @staticmethod
    def missing(case: Case, files: dict[str, str]) -> list[str]:
        have = {a.doc for a in case.latest_files()}
        return [name for name, doc in files.items() if doc not in have]

    async def act(self, case: Case) -> None:
        step = self.bureau.sop.step(case.step)
        if step.kind is StepKind.REVIEW:
            visit = (case.id, step.id)
            if visit not in self.returned and self.rng.random() < self.bureau.return_share:
                self.returned.add(visit)
                await self.answer_on_task(
                    case, Op.REVIEW, "k", "return", self.rng.choice(REASONS), True
                )
            else:
                cb = await self.button(case.id, Op.REVIEW, "a")
                if cb is not None:
                    await self.decide(case, cb, "decision", returned=False)
        elif step.kind is StepKind.ACTION:
            if step.uploads:
                await self.upload_step(case, STEP1_FILES, "TOR.docx")
            if step.uploads or self.rng.random() >= 0.3:
                cb = await self.button(case.id, Op.FORWARD, "")
                if cb is not None:
                    await self.decide(case, cb, "decision", returned=False)
            else:
                await self.answer_on_task(
                    case, Op.FORWARD, "n", "decision", self.rng.choice(NOTES), False
                )
        elif step.kind is StepKind.UPLOAD:
            index = list(case.team).index(self.uid)
            await self.upload_step(
                case, self.team_files(case, index), "Draf RKAKL.docx" if index == 0 else None
            )
            now = await self.bureau.case(case.id)
            if (
                index == 0
                and now is not None
                and {a.doc for a in now.latest_files()} >= TEAM_REQUIRED
            ):
                cb = await self.button(case.id, Op.SUBMIT_DRAFTS)
                if cb is not None:
                    await self.decide(case, cb, "decision", returned=False)
        elif step.kind is StepKind.TEAM:
            await self.form_team(case)
        elif step.kind is StepKind.ARCHIVE:
            await self.answer_on_task(
                case, Op.ARCHIVE, None, "archive", f"ARS/PK/2027/{case.id:04d}", False, moves=False
            )

    async def upload_step(self, case: Case, files: dict[str, str], correction: str | None) -> None:
        """Send what is missing; on a later visit (after a return), one corrected draft."""
        visit = (case.id, self.bureau.entered.get(case.id, 0.0))
        if visit in self.done_visits:
            return
        self.done_visits.add(visit)
        todo = self.missing(case, files) or ([correction] if correction else [])
        for name in todo:
            await self.file(case.id, name)

    async def decide(self, case: Case, cb: Callback, kind: str, *, returned: bool) -> None:
        mid = self.task_msgs[case.id][0]
        call = await self.tap_button(case.id, cb, kind)
        if call is not None and is_edit_of(mid)(call):
            self.bureau.moved(self, case, self.samples[-1].key, returned=returned)

    async def answer_on_task(
        self,
        case: Case,
        op: Op,
        arg: str | None,
        kind: str,
        words: str,
        returned: bool,
        moves: bool = True,
    ) -> None:
        """A button that asks for text on the task message (reason, note, archive number),
        then the text."""
        cb = await self.button(case.id, op, arg)
        if cb is None:
            return
        mid = self.task_msgs[case.id][0]
        asked = await self.tap_button(case.id, cb, kind)
        if asked is None or not is_edit_of(mid)(asked):
            return
        done = await self.text(words, kind, either(is_edit_of(mid), plain_reply(self.uid)))
        if moves and done is not None and is_edit_of(mid)(done):
            self.bureau.moved(self, case, self.samples[-1].key, returned=returned)

    async def form_team(self, case: Case) -> None:
        toggles = [
            cb
            for cb in self.buttons(case.id)
            if cb.op is Op.TEAM_TOGGLE and cb.version == case.version
        ]
        if not toggles:
            cb = await self.button(case.id, Op.TEAM_TOGGLE)
            toggles = [cb for cb in self.buttons(case.id) if cb.op is Op.TEAM_TOGGLE] if cb else []
        if not toggles:
            return
        first = self.bureau.team_turn % len(toggles)
        self.bureau.team_turn += 1
        chosen = (
            [toggles[first], toggles[(first + 1) % len(toggles)]] if len(toggles) > 1 else toggles
        )
        for cb in chosen:
            await self.tap_button(case.id, cb, "team")
        done = await self.button(case.id, Op.TEAM_DONE)
        if done is None:
            return
        members = frozenset(int(cb.arg) for cb in chosen)
        mid = self.task_msgs[case.id][0]
        call = await self.tap_button(case.id, done, "team")
        if call is not None and is_edit_of(mid)(call):
            self.bureau.moved(self, case, self.samples[-1].key, returned=False, team=members)

    async def new_case(self) -> None:
        uid = self.uid
        n = self.bureau.opened = self.bureau.opened + 1

        def to_me(words: str) -> Any:
            return lambda c: (
                c.params.get("chat_id") == uid
                and c.method in ("sendMessage", "editMessageText")
                and words in str(c.params.get("text", ""))
            )

        asked = await self.text("/baru", "new_case", to_me("<b>judul</b>"))
        if asked is None:
            return
        await self.text(
            f"Program Kerja Biro, Subbagian {n % 7 + 1}, kegiatan {n}",
            "new_case",
            to_me("tahun anggaran"),
        )
        created = await self.text("2027", "new_case", to_me("telah dibuat"))
        if created is None:
            return
        case = int(CASE_RE.search(str(created.params["text"]))[1])  # type: ignore[index]
        mid = (
            int(created.params["message_id"])
            if created.method == "editMessageText"
            else message_id_of(created)
        )
        self.bureau.entered[case] = self.tap.arrival.get(
            self.samples[-1].key, self.samples[-1].posted
        )
        assert mid is not None
        self.task_msgs[case] = (mid, created.finished)


class Bureau:
    """The officials of the demo's bureau, plus ``staff`` more members of the drafting team."""

    name = "sopbot"

    def __init__(self, emu: BotApiEmulator, tap: Tap, db: Path, args: argparse.Namespace) -> None:
        self.emu, self.tap, self.db_path = emu, tap, db
        self.database_url: str | None = args.database  # PostgreSQL instead of the file db
        self._pg: Database | None = None
        self.sop: SopDefinition = load_sops(world_config(db.parent, "http://127.0.0.1:9")).default
        self.target = args.cases
        self.return_share = args.return_share
        self.tugas_every = args.tugas_every
        self.status_every = args.status_every
        team = [ID["tim1"], ID["tim2"]] + [STAFF_BASE + i for i in range(1, args.staff + 1)]
        ids = [ID["kasubag"], ID["kabag"], ID["karo"], ID["fu"], *team]
        self.officials = [Official(self, emu.user(uid, f"Pegawai {uid}")) for uid in ids]
        self.by_id = {o.uid: o for o in self.officials}
        self.entered: dict[int, float] = {}  # case -> arrival of the update that moved it
        self.moves: list[Move] = []
        self.drafts: dict[tuple[str, int], bytes] = {}
        self.versions: Counter[tuple[int, str]] = Counter()
        self.opened = 0
        self.team_turn = 0
        self.stuck = 0
        self._conn: sqlite3.Connection | None = None
        tap.listeners.append(self._seen)

    @property
    def players(self) -> list[Official]:
        return self.officials

    def _seen(self, call: ApiCall) -> None:
        found = task_message(call)
        if found is not None and found[0] in self.by_id:
            mid = message_id_of(call)
            if mid is not None:
                self.by_id[found[0]].task_msgs[found[1]] = (mid, call.finished)

    # -- the database, read-only (what the bot has decided; the phones show the rest) -----

    async def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if self.database_url is not None:  # PostgreSQL: sopbot's own storage layer
            if self._pg is None:
                self._pg = await Database.open(self.database_url, check_integrity=False)
            return await self._pg.read(lambda tx: tx.all(sql, params))
        if self._conn is None:
            self._conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
        return self._conn.execute(sql, params).fetchall()

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.close()
            self._pg = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def open_cases(self) -> dict[int, Case]:
        rows = await self._rows("SELECT state, format FROM cases WHERE status = 'open'")
        cases = [case_from_json(r[0], r[1]) for r in rows]
        return {c.id: c for c in cases}

    async def case(self, case_id: int) -> Case | None:
        rows = await self._rows(
            "SELECT state, format FROM cases WHERE id = ? AND status = 'open'", (case_id,)
        )
        return case_from_json(rows[0][0], rows[0][1]) if rows else None

    async def outbox_pending(self) -> int:
        rows = await self._rows(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )
        return int(rows[0][0])

    def next_draft(self, case: int, name: str) -> bytes:
        self.versions[(case, name)] += 1
        version = self.versions[(case, name)]
        key = (name, version)
        if key not in self.drafts:
            if name.endswith(".pdf"):
                self.drafts[key] = f"%PDF-1.4\n% {name} versi {version}\n%%EOF\n".encode()
            else:
                self.drafts[key] = draft(name.removesuffix(".docx"), version)
        return self.drafts[key]

    # -- moves and hand-offs -----------------------------------------------------------------

    def moved(
        self,
        who: Official,
        case: Case,
        key: UpdateKey,
        *,
        returned: bool,
        team: frozenset[int] = frozenset(),
    ) -> None:
        step = self.sop.step(case.step)
        to = step.on_return if returned else step.on_approve
        arrival = self.tap.arrival.get(key, time.monotonic())
        self.entered[case.id] = arrival
        if to is None:
            return
        role = self.sop.step(to).actor
        holders = frozenset(team or case.team) if role == "tim" else frozenset(ROLE_IDS[role])
        self.moves.append(Move(case.id, who.uid, key, holders))

    def handoffs(self, calls: list[ApiCall]) -> tuple[list[tuple[float, int]], int]:
        """Each move's arrival to the first message the next holder got about the case, with
        the messages that chat got from ``QUIET_BEFORE`` s before the move until then (an
        album of N counts N): at one message a second per chat, they are its queue."""
        found: list[tuple[float, int]] = []
        missing = 0
        for move in self.moves:
            arrival = self.tap.arrival.get(move.key)
            if arrival is None:
                missing += 1
                continue
            for call in calls:
                if (
                    call.finished >= arrival
                    and call.params.get("chat_id") in move.holders
                    and mentions(call, move.case)
                ):
                    chat = call.params.get("chat_id")
                    ahead = sum(
                        messages_in(c)
                        for c in calls
                        if arrival - QUIET_BEFORE <= c.finished < call.finished
                        and c.params.get("chat_id") == chat
                    )
                    found.append((call.finished - arrival, ahead))
                    if call.finished - arrival > 5:
                        note(
                            f"slow hand-off: case {move.case} to {chat}: "
                            f"{(call.finished - arrival) * 1000:.0f} ms, {call.method}, "
                            f"{ahead} messages to that chat before it"
                        )
                    break
            else:
                missing += 1
        return found, missing

    async def lost_tasks(self) -> int:
        """Holders of open cases whose task message for the current visit never came."""
        lost = 0
        for case in (await self.open_cases()).values():
            role = self.sop.step(case.step).actor
            holders = case.team if role == "tim" else ROLE_IDS[role]
            for uid in holders:
                if not self.by_id[uid].sees(case):
                    lost += 1
                    note(f"case {case.id} step {case.step}: no task message reached {uid}")
        return lost

    # -- a round -------------------------------------------------------------------------------

    async def start(self) -> None:
        for o in self.officials:
            await o.send("/start", is_send_to(o.uid), kind="setup")
            o.samples.clear()

    async def run(self, seconds: float, period: float, statuses: bool) -> dict[int, list[Wire]]:
        started = time.monotonic()
        for o in self.officials:
            o.wires = []
            o.round_started = started
            o.period = period
            o.samples.clear()
            o.timeouts = 0
            o.idle_since = time.monotonic()
        self.moves = []
        until = time.monotonic() + seconds
        await asyncio.gather(*(o.work(until, statuses) for o in self.officials))
        return {o.uid: o.wires for o in self.officials}

    async def settle(self, within: float = 90.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            await self.tap.quiet(0.3, within=deadline - time.monotonic())
            if await self.outbox_pending() == 0:
                await self.tap.quiet(0.3, within=5)
                return
            await asyncio.sleep(0.1)
        note("the outbox did not drain in time")
