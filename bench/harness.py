"""Shared pieces of the benches that drive a bot over HTTP through the Bot API emulator.

* :func:`emit` prints one figure as a JSON line (``{"name", "value", "unit", "goal",
  "better"}``); ``goal`` is ``null`` for a figure that only explains another.
* :class:`Tap` sees every Bot API call the emulator answers (``emu.calls`` is replaced by a
  list that reports each append): it records when ``getUpdates`` handed each update to the
  bot (the update's *arrival*) and routes every other call to the inbox of the user whose
  chat it concerns (``chat_id``, or the user who pressed for ``answerCallbackQuery``).
* :class:`Player` is a scripted user: it posts a text, a button press or a file, then waits
  for the Bot API call that completes the bot's answer (a :class:`Sample` of latency).
* :class:`BotProcess` runs a bot (``bench/sop_worker.py`` or ``bench/echo_bot.py``) as a
  child process, so its CPU time (all threads, from ``/proc/<pid>/task/*/schedstat``) is
  its own.

The emulator and the scripted users live in the driver process; both sides share
``time.monotonic()`` (one machine), so the emulator's call times and the driver's post
times are comparable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emulator import ApiCall, BotApiEmulator, EmuUser  # noqa: E402

PYTHON = sys.executable


def emit(
    name: str, value: float, unit: str, goal: float | None, better: str = "lower", **extra: Any
) -> None:
    digits = 3 if abs(value) < 100 else 1
    line = {
        "name": name,
        "value": round(value, digits),
        "unit": unit,
        "goal": goal,
        "better": better,
    }
    line.update(extra)
    print(json.dumps(line), flush=True)


def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


UpdateKey = tuple[Any, ...]


def update_key(update: dict[str, Any]) -> UpdateKey | None:
    if "message" in update:
        m = update["message"]
        return ("m", m["chat"]["id"], m["message_id"])
    if "callback_query" in update:
        return ("q", update["callback_query"]["id"])
    return None


class _TapList(list):  # type: ignore[type-arg]
    def __init__(self, tap: Tap) -> None:
        super().__init__()
        self._tap = tap

    def append(self, call: ApiCall) -> None:
        super().append(call)
        self._tap.on_call(call)


class Tap:
    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        emu.calls = _TapList(self)
        self.arrival: dict[UpdateKey, float] = {}
        self.query_owner: dict[str, int] = {}
        self.inboxes: dict[int, asyncio.Queue[ApiCall]] = {}
        self.last_call_at = time.monotonic()
        self.listeners: list[Callable[[ApiCall], None]] = []

    def inbox(self, user_id: int) -> asyncio.Queue[ApiCall]:
        return self.inboxes.setdefault(user_id, asyncio.Queue())

    def on_call(self, call: ApiCall) -> None:
        if call.method == "getUpdates":
            if call.status == 200 and isinstance(call.response, dict):
                for update in call.response.get("result") or []:
                    key = update_key(update)
                    if key is not None:
                        self.arrival.setdefault(key, call.finished)
            return
        self.last_call_at = call.finished
        for listener in self.listeners:
            listener(call)
        params = call.params
        owner: int | None = None
        if call.method == "answerCallbackQuery":
            owner = self.query_owner.get(str(params.get("callback_query_id")))
        elif "chat_id" in params:
            try:
                owner = int(params["chat_id"])
            except (TypeError, ValueError):
                owner = None
        if owner is not None and owner in self.inboxes:
            self.inboxes[owner].put_nowait(call)

    async def quiet(self, seconds: float = 0.3, within: float = 30.0) -> None:
        """Wait until no Bot API call (other than getUpdates) came for ``seconds``."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            idle = time.monotonic() - self.last_call_at
            if idle >= seconds:
                return
            await asyncio.sleep(seconds - idle + 0.01)


def message_id_of(call: ApiCall) -> int | None:
    if isinstance(call.response, dict) and isinstance(call.response.get("result"), dict):
        mid = call.response["result"].get("message_id")
        return int(mid) if mid is not None else None
    return None


def buttons_of(call: ApiCall) -> list[tuple[str, str]]:
    """(text, callback_data) of the inline keyboard a successful call left on a message."""
    if call.status != 200 or not isinstance(call.response, dict):
        return []
    result = call.response.get("result")
    if not isinstance(result, dict):
        return []
    markup = result.get("reply_markup") or {}
    return [
        (b.get("text", ""), b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


@dataclass
class Sample:
    """One user action: when it was posted, its update, and when its last answer came."""

    kind: str
    key: UpdateKey
    posted: float
    end: float | None = None  # finish time of the bot's last direct call for it
    arrival: float | None = None  # when getUpdates handed the update to the bot

    @property
    def latency(self) -> float | None:
        if self.end is None or self.arrival is None:
            return None
        return self.end - self.arrival


@dataclass
class Player:
    """A scripted user: posts an action, then waits for the call that completes it."""

    tap: Tap
    user: EmuUser
    samples: list[Sample] = field(default_factory=list)
    timeouts: int = 0
    period: float = 0.0  # at most one action per period (0: as soon as answered)

    def __post_init__(self) -> None:
        self.queue = self.tap.inbox(self.user.id)
        self.seen: Callable[[ApiCall], None] = lambda call: None
        self.next_post = 0.0

    async def _paced(self) -> float:
        now = time.monotonic()
        if self.period > 0:
            if self.next_post > now:
                await asyncio.sleep(self.next_post - now)
                now = time.monotonic()
            self.next_post = now + self.period
        return now

    def absorb(self) -> None:
        """Look at every call that came in meanwhile (e.g. tasks sent by the outbox)."""
        while not self.queue.empty():
            self.seen(self.queue.get_nowait())

    async def next_call(self, within: float) -> ApiCall:
        call = await asyncio.wait_for(self.queue.get(), within)
        self.seen(call)
        return call

    async def send(
        self,
        text: str,
        done: Callable[[ApiCall], bool],
        *,
        reply_to: int | None = None,
        kind: str = "text",
        within: float = 30.0,
    ) -> ApiCall | None:
        posted = await self._paced()
        self.absorb()
        message = await self.user.send(text, reply_to=reply_to)
        sample = Sample(kind, ("m", message.chat_id, message.message_id), posted)
        return await self._finish(sample, done, within)

    async def upload(
        self,
        data: bytes,
        file_name: str,
        done: Callable[[int], Callable[[ApiCall], bool]] | None = None,
        *,
        caption: str | None = None,
        kind: str = "document",
        within: float = 30.0,
    ) -> ApiCall | None:
        """Send a file as a document; ``done(message_id)`` says which call answers it (by
        default the bot reacting to the file's message)."""
        posted = await self._paced()
        self.absorb()
        message = await self.user.send_document(data, file_name=file_name, caption=caption)
        sample = Sample(kind, ("m", message.chat_id, message.message_id), posted)
        return await self._finish(sample, (done or is_reaction_to)(message.message_id), within)

    async def press(
        self,
        message_id: int,
        data: str,
        done: Callable[[ApiCall], bool],
        *,
        kind: str = "press",
        within: float = 30.0,
    ) -> ApiCall | None:
        posted = await self._paced()
        self.absorb()
        result = self.user.press_data(message_id, data, timeout=within)
        self.tap.query_owner[result.query_id] = self.user.id
        sample = Sample(kind, ("q", result.query_id), posted)
        return await self._finish(sample, done, within)

    async def _finish(
        self, sample: Sample, done: Callable[[ApiCall], bool], within: float
    ) -> ApiCall | None:
        deadline = time.monotonic() + within
        while True:
            remaining = deadline - time.monotonic()
            try:
                call = await self.next_call(max(0.001, remaining))
            except TimeoutError:
                self.timeouts += 1
                note(f"user {self.user.id}: no answer to {sample.kind} within {within} s")
                return None
            if done(call):
                sample.end = call.finished
                self.samples.append(sample)
                return call


def is_send_to(chat_id: int, contains: str | None = None) -> Callable[[ApiCall], bool]:
    def check(call: ApiCall) -> bool:
        if call.method != "sendMessage" or call.params.get("chat_id") != chat_id:
            return False
        return contains is None or contains in str(call.params.get("text", ""))

    return check


def is_reaction_to(message_id: int) -> Callable[[ApiCall], bool]:
    def check(call: ApiCall) -> bool:
        return call.method == "setMessageReaction" and call.params.get("message_id") == message_id

    return check


def is_reply_to(message_id: int) -> Callable[[ApiCall], bool]:
    """A message quoting ``message_id`` (the bot answers about a file by quoting it)."""

    def check(call: ApiCall) -> bool:
        reply = call.params.get("reply_parameters")
        return (
            call.method == "sendMessage"
            and isinstance(reply, dict)
            and reply.get("message_id") == message_id
        )

    return check


def is_edit_of(message_id: int) -> Callable[[ApiCall], bool]:
    def check(call: ApiCall) -> bool:
        return call.method == "editMessageText" and call.params.get("message_id") == message_id

    return check


def is_alert() -> Callable[[ApiCall], bool]:
    def check(call: ApiCall) -> bool:
        return call.method == "answerCallbackQuery" and bool(call.params.get("show_alert"))

    return check


def either(*checks: Callable[[ApiCall], bool]) -> Callable[[ApiCall], bool]:
    return lambda call: any(check(call) for check in checks)


class BotProcess:
    """A bot in a child process; CPU time (user + sys) read with psutil."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.log = log
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.ps: psutil.Process | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("wb")
        self.proc = subprocess.Popen(
            [PYTHON, *self.args],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=ROOT,
        )
        handle.close()
        self.ps = psutil.Process(self.proc.pid)

    def cpu(self) -> float:
        """CPU seconds so far, user + system, all threads (aiosqlite's too).

        From each thread's ``/proc/<pid>/task/<tid>/schedstat`` (nanoseconds) where Linux
        has it: psutil's figures come in 10 ms clock ticks, too coarse for a round of a few
        hundred milliseconds. (A thread that has ended takes its time with it; the bots'
        threads live as long as the process.)"""
        assert self.ps is not None
        task_dir = Path(f"/proc/{self.ps.pid}/task")
        try:
            total = 0
            for task in task_dir.iterdir():
                total += int((task / "schedstat").read_text().split()[0])
            return total / 1e9
        except (OSError, ValueError, IndexError):
            times = self.ps.cpu_times()
            return float(times.user + times.system)

    def loop_cpu(self) -> float:
        """CPU seconds of the main thread alone (the bots' event loop), from its schedstat."""
        assert self.ps is not None
        try:
            stat = Path(f"/proc/{self.ps.pid}/task/{self.ps.pid}/schedstat").read_text()
            return int(stat.split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            return math.nan

    def rss_mb(self) -> float:
        assert self.ps is not None
        return float(self.ps.memory_info().rss / 1024 / 1024)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def stop(self, within: float = 15.0) -> int | None:
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + within
            while proc.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        return proc.returncode

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


async def wait_polling(tap: Tap, bot: BotProcess, since: int, within: float = 60.0) -> None:
    """Until the bot is about to poll: ``run_polling`` calls deleteWebhook (after
    ``post_init``) right before its first getUpdates (calls are logged when they end, so
    a long poll in progress is not seen yet)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if any(c.method in ("deleteWebhook", "getUpdates") for c in list(tap.emu.calls)[since:]):
            return
        if not bot.alive():
            raise RuntimeError(f"the bot process ended early:\n{bot.tail()}")
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot did not start polling within {within} s:\n{bot.tail()}")


def add_event_loop_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--event-loop``: the loop ``what`` runs on; production's (``bot.event_loop``) unless
    told otherwise."""
    from bot import eventloop
    from bot.config import BotConfig

    parser.add_argument(
        "--event-loop",
        choices=eventloop.KINDS,
        default=BotConfig().event_loop,
        help=f"the loop {what} runs on (production's by default: bot.event_loop)",
    )
