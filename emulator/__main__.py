"""``python -m emulator --port N``: run the Bot API emulator standalone (with /_emu/ API)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from emulator.faults import RateLimits
from emulator.server import BotApiEmulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="Emulated Telegram Bot API on 127.0.0.1 with a JSON control API at /_emu/.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST-TOKEN", help="the token the bot must use")
    parser.add_argument("--bot-username", default="sop_test_bot")
    parser.add_argument("--rate-limits", action="store_true", help="enforce flood limits (429)")
    parser.add_argument(
        "--insecure-webhook", action="store_true", help="allow http:// webhook URLs on any port"
    )
    parser.add_argument("--verbose", "-v", action="store_true")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    emu = BotApiEmulator(
        args.token,
        args.bot_username,
        host=args.host,
        port=args.port,
        rate_limits=RateLimits() if args.rate_limits else None,
    )
    emu.allow_insecure_webhook = args.insecure_webhook
    await emu.start()
    # The token is deliberately not printed: it is the bot's secret.
    print(f"Bot API emulator for @{emu.bot_username} at {emu.base_url}/bot<token>/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
