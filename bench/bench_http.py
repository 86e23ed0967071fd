"""CPU per Bot API call: ``bot.aiohttp_request.AiohttpRequest`` against PTB's ``HTTPXRequest``.

A real ``telegram.Bot`` makes ``--calls`` sequential calls (``getMe``, and ``sendMessage``
with an inline keyboard, form-encoded) through each client against the Bot API emulator,
rounds alternating aiohttp / httpx / no HTTP at all. Two set-ups:

* ``split``: the emulator runs in a child process (``python -m emulator``), so this
  process's CPU time (``time.process_time()``) is the client's alone: PTB + the HTTP client;
* ``shared``: the emulator runs on this process's loop (as the tests run it), so the figure
  also holds tornado's work for each call, the same for both clients.

Both clients run on the bot's event loop (``bot.event_loop``: uvloop; ``--event-loop
asyncio`` for the standard library's). Figures are microseconds of CPU per call: the median over ``--rounds`` rounds, and the
spread (lowest-highest round). The machine may be shared: compare figures of one run only.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import add_event_loop_option, emit, note  # noqa: E402
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest, RequestData  # noqa: E402

from bot import eventloop  # noqa: E402
from bot.aiohttp_request import AiohttpRequest  # noqa: E402
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


class ReplayRequest(BaseRequest):
    """No HTTP at all after the first call per endpoint: the answer is replayed. What is left
    is python-telegram-bot's own work per call, the floor under both clients."""

    def __init__(self) -> None:
        self._inner = AiohttpRequest(connection_pool_size=1)
        self._answers: dict[str, tuple[int, bytes]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        answer = self._answers.get(endpoint)
        if answer is None:
            answer = await self._inner.do_request(url, method, request_data)
            self._answers[endpoint] = answer
        elif request_data is not None:
            request_data.json_parameters  # noqa: B018 - encoding the parameters is PTB's work too
        return answer


KINDS = ("aiohttp", "httpx", "none")


def make_request(kind: str) -> BaseRequest:
    if kind == "aiohttp":
        return AiohttpRequest(connection_pool_size=8)
    if kind == "none":
        return ReplayRequest()
    return HTTPXRequest(connection_pool_size=8)


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


async def main(args: argparse.Namespace) -> None:
    note(f"event loop: {args.event_loop}")
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
                aio, httpx, floor = (statistics.median(cpu[kind]) for kind in KINDS)

                def spread(kind: str, cpu: dict[str, list[float]] = cpu) -> str:
                    return f"{min(cpu[kind]):.0f}-{max(cpu[kind]):.0f}"

                note(
                    f"{setup} {what}: aiohttp {aio:.0f} µs CPU/call (rounds {spread('aiohttp')}; "
                    f"{statistics.median(wall['aiohttp']):.0f} µs wall), httpx {httpx:.0f} µs "
                    f"(rounds {spread('httpx')}; {statistics.median(wall['httpx']):.0f} µs wall): "
                    f"httpx/aiohttp {httpx / aio:.2f}x; PTB alone (no HTTP) {floor:.0f} µs "
                    f"(rounds {spread('none')}), so HTTP: aiohttp {aio - floor:.0f} µs, "
                    f"httpx {httpx - floor:.0f} µs"
                )
                emit(
                    f"http {what} CPU per call, httpx / aiohttp ({setup})",
                    httpx / aio,
                    "x",
                    None,
                    "higher",
                )
                for kind, label in (
                    ("aiohttp", "aiohttp"),
                    ("httpx", "httpx"),
                    ("none", "PTB alone"),
                ):
                    emit(
                        f"http {what} CPU per call, {label} ({setup})",
                        statistics.median(cpu[kind]),
                        "µs",
                        None,
                        low=min(cpu[kind]),
                        high=max(cpu[kind]),
                    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--setup", choices=("split", "shared", "both"), default="both")
    add_event_loop_option(parser, "both clients")
    args = parser.parse_args()
    eventloop.run(main(args), args.event_loop)
