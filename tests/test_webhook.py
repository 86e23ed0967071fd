"""Webhook mode as an office deploys it: ``sopbot run`` as a real process behind the address
Telegram posts to, Telegram being the emulator in this process.

The bot serves the webhook itself (``bot/webhook.py``): a request without the secret is
refused at its headers, a body over 1 MB is refused, an update is answered 200 once it is
stored; a webhook Telegram refuses, or a port another process holds, stops the bot with one
line naming what to change.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from pathlib import Path

import httpx
from test_operations import (
    WEBHOOK_SECRET,
    free_port,
    stop_bot,
    stranger_says,
    webhook_config,
)

from bot.demo import ROOT, TOKEN
from emulator import BotApiEmulator

WAIT = 30


async def start(config: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "SOPBOT_WEBHOOK_SECRET": WEBHOOK_SECRET}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


def edit(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")


async def wait_listening(port: int) -> None:
    for _ in range(WAIT * 10):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


async def raw_status(port: int, head: bytes, body: bytes = b"") -> bytes:
    """The status line the bot answers a request of which only ``body``'s start is sent
    (the rest never comes): what an answer given at the headers looks like."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + b"\r\n" + body)
        await writer.drain()
        try:
            return await asyncio.wait_for(reader.readline(), 5)
        except TimeoutError:
            return b"(no answer: the server waits for the body)"
    finally:
        writer.close()


def post_head(length: int, secret: str | None = None, path: str = "/telegram") -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: bot.kemnaker.example",
        "Content-Type: application/json",
        f"Content-Length: {length}",
    ]
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    return "\r\n".join(lines).encode() + b"\r\n"


async def test_a_leading_slash_in_the_webhook_path_is_the_same_path(tmp_path: Path) -> None:
    """path = "/telegram/" (an easy thing to write): Telegram is given
    https://bot.kemnaker.example/telegram, where the bot listens, and the stranger's /start
    is answered (it was a 404 for ever: setWebhook had //telegram/)."""
    port = free_port()
    async with BotApiEmulator(token=TOKEN) as emu:
        config = webhook_config(tmp_path, emu.base_url, port)
        edit(config, 'path = "telegram"', 'path = "/telegram/"')
        proc = await start(config)
        try:
            await emu.wait_until(lambda: bool(emu.calls_to("setWebhook")), timeout=WAIT)
            [hook] = emu.calls_to("setWebhook")
            await wait_listening(port)
            async with httpx.AsyncClient() as client:
                answer = await client.post(
                    f"http://127.0.0.1:{port}/telegram",
                    json=stranger_says(1, "/start"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                )
            await emu.wait_until(lambda: bool(emu.calls_to("sendMessage")), timeout=WAIT)
        finally:
            await stop_bot(proc)
    assert hook.params["url"] == "https://bot.kemnaker.example/telegram"
    assert answer.status_code == 200
