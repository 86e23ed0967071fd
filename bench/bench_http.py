"""CPU per Bot API call: ``bot.telegram_http.LeanRequest`` against PTB's ``HTTPXRequest``.

A real ``telegram.Bot`` makes ``--calls`` sequential calls (``getMe``, and ``sendMessage``
with an inline keyboard, form-encoded) through each client against the Bot API emulator,
rounds alternating lean / httpx. Two set-ups:

* ``split``: the emulator runs in a child process (``python -m emulator``), so this
  process's CPU time (``time.process_time()``) is the client's alone: PTB + the HTTP client;
* ``shared``: the emulator runs on this process's loop (as the tests run it), so the figure
  also holds tornado's work for each call, the same for both clients.

Figures are microseconds of CPU per call, the median over ``--rounds`` rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import statistics
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup  # noqa: E402
from telegram._utils.types import ODVInput  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest, RequestData  # noqa: E402

from bench.harness import emit, note  # noqa: E402
from bot.telegram_http import LeanRequest  # noqa: E402
from emulator import BotApiEmulator  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
CHAT = 1001
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Setujui", callback_data="ok:1"),
            InlineKeyboardButton("Tolak", callback_data="no:1"),
        ]
    ]
)


@contextlib.asynccontextmanager
async def shared_emulator() -> AsyncIterator[str]:
    async with BotApiEmulator(token=TOKEN, bot_username="bench_http_bot") as emu:
        await emu.user(CHAT, "Alice").send("/start")
        yield emu.base_url


@contextlib.asynccontextmanager
async def split_emulator() -> AsyncIterator[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        "0",
        "--token",
        TOKEN,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await proc.stdout.readline()).decode()
        match = re.search(r"(http://[\d.]+:\d+)/bot", line)
        if match is None:
            raise RuntimeError(f"emulator did not start: {line!r}")
        base_url = match.group(1)
        # a user who has started the bot, through the control API
        await _control(base_url, "users", {"id": CHAT, "first_name": "Alice"})
        await _control(base_url, "send", {"user_id": CHAT, "text": "/start"})
        yield base_url
    finally:
        proc.terminate()
        await proc.wait()


async def _control(base_url: str, path: str, body: dict[str, object]) -> None:
    def post() -> None:
        req = urllib.request.Request(
            f"{base_url}/_emu/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=5) as answer:
            answer.read()

    await asyncio.to_thread(post)


class ReplayRequest(LeanRequest):
    """No HTTP at all after the first call per endpoint: the answer is replayed. What is left
    is python-telegram-bot's own work per call, the floor under both clients."""

    __slots__ = ("_answers",)

    def __init__(self) -> None:
        super().__init__()
        self._answers: dict[str, tuple[int, bytes]] = {}

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        answer = self._answers.get(endpoint)
        if answer is None:
            answer = await super().do_request(url, method, request_data)
            self._answers[endpoint] = answer
        elif request_data is not None:
            request_data.json_parameters  # noqa: B018 - encoding the parameters is PTB's work too
        return answer


KINDS = ("lean", "httpx", "none")


def make_request(kind: str) -> BaseRequest:
    if kind == "lean":
        return LeanRequest(connection_pool_size=8)
    if kind == "none":
        return ReplayRequest()
    return HTTPXRequest()


async def cpu_per_call(base_url: str, kind: str, calls: int, what: str) -> tuple[float, float]:
    """(CPU µs per call, wall µs per call) for ``calls`` sequential calls."""
    async with Bot(TOKEN, base_url=base_url + "/bot", request=make_request(kind)) as bot:
        call: Callable[[], Awaitable[object]]
        if what == "getMe":
            call = bot.get_me
        else:

            def call() -> Awaitable[object]:
                return bot.send_message(
                    CHAT, "<b>Tugas baru</b> #12", parse_mode="HTML", reply_markup=KEYBOARD
                )

        for _ in range(50):  # warm-up: connection, caches
            await call()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(calls):
            await call()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return cpu / calls * 1e6, wall / calls * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setup", choices=("split", "shared", "both"), default="both")
    args = parser.parse_args()
    setups = ("split", "shared") if args.setup == "both" else (args.setup,)
    for setup in setups:
        emulator = split_emulator if setup == "split" else shared_emulator
        async with emulator() as base_url:
            for what in ("getMe", "sendMessage"):
                cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
                wall: dict[str, list[float]] = {kind: [] for kind in KINDS}
                for _ in range(args.rounds):
                    for kind in KINDS:
                        c, w = await cpu_per_call(base_url, kind, args.calls, what)
                        cpu[kind].append(c)
                        wall[kind].append(w)
                lean, httpx, floor = (statistics.median(cpu[kind]) for kind in KINDS)
                note(
                    f"{setup} {what}: lean {lean:.0f} µs CPU/call "
                    f"({statistics.median(wall['lean']):.0f} µs wall), httpx {httpx:.0f} µs "
                    f"({statistics.median(wall['httpx']):.0f} µs wall): {httpx / lean:.1f}x; "
                    f"PTB alone (no HTTP) {floor:.0f} µs, so HTTP: lean {lean - floor:.0f} µs, "
                    f"httpx {httpx - floor:.0f} µs"
                )
                emit(f"http {what} CPU per call, lean ({setup})", lean, "µs", None)
                emit(f"http {what} CPU per call, httpx ({setup})", httpx, "µs", None)
                emit(f"http {what} CPU per call, PTB alone ({setup})", floor, "µs", None)


if __name__ == "__main__":
    asyncio.run(main())
