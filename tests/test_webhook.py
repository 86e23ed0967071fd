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
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from reliability_helpers import query
from test_operations import (
    WEBHOOK_SECRET,
    free_port,
    leaks,
    sopbot,
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


async def a_stranger_starts_through_the_webhook(emu: BotApiEmulator, port: int) -> httpx.Response:
    """Once the bot listens, Telegram posts a stranger's /start with the secret; the answer
    to that post, once the bot has answered the stranger."""
    await wait_listening(port)
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"http://127.0.0.1:{port}/telegram",
            json=stranger_says(1, "/start"),
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
    await emu.wait_until(lambda: bool(emu.calls_to("sendMessage")), timeout=WAIT)
    return answer


async def test_a_webhook_telegram_refuses_stops_the_bot_with_telegrams_reason_in_one_line(
    tmp_path: Path,
) -> None:
    """The office writes the URL of its proxy on port 9443; Telegram only calls 443, 80, 88
    and 8443 and refuses setWebhook. The bot no longer tries again for ever in silence: it
    stops (2) with Telegram's reason, naming bot.webhook.url, without a traceback or the
    token, its database closed."""
    async with BotApiEmulator(token=TOKEN) as emu:
        config = webhook_config(tmp_path, emu.base_url, free_port())
        edit(config, "https://bot.kemnaker.example", "https://office.example:9443/sopbot")
        code, out, err = await sopbot(
            "run", "--config", str(config), token=TOKEN, SOPBOT_WEBHOOK_SECRET=WEBHOOK_SECRET
        )
        assert len(emu.calls_to("setWebhook")) == 1
    assert code == 2, out + err
    [line] = [line for line in err.splitlines() if line.startswith("error:")]
    assert line.startswith("error: bot.webhook.url: Telegram refused the webhook"), err
    assert "https://office.example:9443/sopbot/telegram" in line
    assert "webhook can be set up only on ports 80, 88, 443 or 8443" in line.lower()
    assert "Traceback" not in err and leaks(out + err) == [] and WEBHOOK_SECRET not in err
    database = tmp_path / "db.sqlite3"
    assert not database.with_name(database.name + "-wal").exists()


async def test_a_webhook_refused_whose_path_holds_the_token_is_named_without_it(
    tmp_path: Path,
) -> None:
    """python-telegram-bot's old examples put the token in the webhook's path
    (url_path=TOKEN). When Telegram refuses that webhook, the one line that names it goes
    to stderr (the journal) with <token> in the token's place: the log's filter never sees
    a print."""
    async with BotApiEmulator(token=TOKEN) as emu:
        config = webhook_config(tmp_path, emu.base_url, free_port())
        edit(config, "https://bot.kemnaker.example", "https://office.example:9443")
        edit(config, 'path = "telegram"', f'path = "{TOKEN}"')
        code, out, err = await sopbot(
            "run", "--config", str(config), token=TOKEN, SOPBOT_WEBHOOK_SECRET=WEBHOOK_SECRET
        )
    assert code == 2, out + err
    [line] = [line for line in err.splitlines() if line.startswith("error:")]
    assert line.startswith(
        "error: bot.webhook.url: Telegram refused the webhook https://office.example:9443/<token>:"
    ), err
    assert TOKEN not in out + err and TOKEN.partition(":")[2] not in out + err


async def test_a_token_revoked_while_the_webhook_runs_stops_the_bot_naming_the_variable(
    tmp_path: Path,
) -> None:
    """The operator takes a new token from @BotFather while the bot serves its webhook:
    Telegram still posts the officials' messages, and every answer is refused (401
    Unauthorized). The bot does not run on answering no one, a warning per message: it
    says why, stops cleanly and exits 2, naming the variable, as it does when polling."""
    port = free_port()
    async with BotApiEmulator(token=TOKEN) as emu:
        config = webhook_config(tmp_path, emu.base_url, port)
        proc = await start(config)
        try:
            await emu.wait_until(lambda: bool(emu.calls_to("setWebhook")), timeout=WAIT)
            await wait_listening(port)
            emu.token = "123456:ANewTokenFromBotFatherAfterRevoke000"
            async with httpx.AsyncClient(trust_env=False) as client:
                await client.post(
                    f"http://127.0.0.1:{port}/telegram",
                    json=stranger_says(1, "/start"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), WAIT)
            stopped = proc.returncode is not None
        finally:
            log = await stop_bot(proc)
    assert stopped, f"the bot ran on with a refused token:\n{log}"
    assert proc.returncode == 2, log
    assert (
        "error: Telegram rejected the bot token in $TELEGRAM_BOT_TOKEN, or bot.api_base_url "
        f"({emu.base_url}) is not a Bot API server"
    ) in log.splitlines(), log
    assert "Telegram refused the bot token while the bot was running: stopping" in log, log
    assert "Traceback" not in log and leaks(log) == [], log
    database = tmp_path / "db.sqlite3"
    assert not database.with_name(database.name + "-wal").exists(), "the database not closed"


async def test_setwebhook_failing_on_the_way_is_tried_again_with_a_line_per_try(
    tmp_path: Path,
) -> None:
    """The office's proxy answers 502 twice while setWebhook goes out: each failed try is a
    WARNING line, and the bot answers once Telegram took the webhook."""
    port = free_port()
    async with BotApiEmulator(token=TOKEN) as emu:
        emu.faults.fail(2, status=502, method="setwebhook")
        config = webhook_config(tmp_path, emu.base_url, port)
        proc = await start(config)
        try:
            await emu.wait_until(lambda: len(emu.calls_to("setWebhook")) >= 3, timeout=WAIT)
            answer = await a_stranger_starts_through_the_webhook(emu, port)
        finally:
            log = await stop_bot(proc)
    assert answer.status_code == 200
    tries = [line for line in log.splitlines() if "setWebhook failed" in line]
    assert len(tries) == 2 and all(" WARNING sopbot: " in line for line in tries), log
    assert all(line.endswith("trying again") for line in tries), log
    assert "Traceback" not in log and leaks(log) == [], log


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
            answer = await a_stranger_starts_through_the_webhook(emu, port)
        finally:
            await stop_bot(proc)
    assert hook.params["url"] == "https://bot.kemnaker.example/telegram"
    assert answer.status_code == 200


async def test_the_webhook_refuses_strangers_and_large_bodies_before_reading_them(
    tmp_path: Path,
) -> None:
    """Whoever reaches the port can no longer make the bot hold a large body: a request
    announcing 50 MB without the secret is refused (403) at its headers, as is one over
    1 MB with it (413); a GET is a 405, another path a 404. Telegram's update is answered
    200 once it is stored, and SIGTERM still stops the bot cleanly, nothing left behind."""
    port = free_port()
    database = tmp_path / "db.sqlite3"
    async with BotApiEmulator(token=TOKEN) as emu:
        config = webhook_config(tmp_path, emu.base_url, port)
        proc = await start(config)
        try:
            await emu.wait_until(lambda: bool(emu.calls_to("setWebhook")), timeout=WAIT)
            [hook] = emu.calls_to("setWebhook")
            await wait_listening(port)
            chunk = b"{" + b" " * 65536
            stranger = await raw_status(port, post_head(50_000_000), chunk)
            guess = await raw_status(port, post_head(50_000_000, "tebakan"), chunk)
            large = await raw_status(port, post_head(50_000_000, WEBHOOK_SECRET), chunk)
            async with httpx.AsyncClient() as client:
                url = f"http://127.0.0.1:{port}/telegram"
                secret = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}

                async def unannounced() -> AsyncIterator[bytes]:  # chunked: no Content-Length
                    for _ in range(40):
                        yield b" " * 65536

                streamed = await client.post(url, content=unannounced(), headers=secret)
                fetched = await client.get(url, headers=secret)
                elsewhere = await client.post(
                    f"http://127.0.0.1:{port}/lain", json=stranger_says(1, "/start"), headers=secret
                )
                genuine = await client.post(url, json=stranger_says(2, "/start"), headers=secret)
            await emu.wait_until(lambda: bool(emu.calls_to("sendMessage")), timeout=WAIT)
        finally:
            log = await stop_bot(proc, signal.SIGTERM)
    assert stranger.startswith(b"HTTP/1.1 403"), stranger
    assert guess.startswith(b"HTTP/1.1 403"), guess
    assert large.startswith(b"HTTP/1.1 413"), large
    assert streamed.status_code == 413
    assert (fetched.status_code, elsewhere.status_code, genuine.status_code) == (405, 404, 200)
    [answer] = emu.calls_to("sendMessage")
    assert str(answer.params["text"]).startswith("Mohon maaf, Bapak/Ibu belum terdaftar")
    assert hook.params["secret_token"] == WEBHOOK_SECRET
    assert hook.params["max_connections"] == 40
    assert hook.params["allowed_updates"] == [
        "message", "edited_message", "callback_query", "my_chat_member", "message_reaction"
    ]  # fmt: skip
    assert proc.returncode == 0, log
    assert "INFO sopbot: SIGTERM received: stopping" in log and "Traceback" not in log, log
    assert not database.with_name(database.name + "-wal").exists()
    assert query(database, "SELECT COUNT(*) FROM inbox")[0][0] == 0


async def test_an_update_posted_to_the_webhook_waits_in_the_inbox_as_telegram_sent_it(
    tmp_path: Path,
) -> None:
    """While a stranger's /start posted by Telegram is being answered, the inbox keeps the
    update as Telegram posted it (not python-telegram-bot's object written out again, which
    adds fields Telegram never sent): what a restart would put back."""
    port = free_port()
    database = tmp_path / "db.sqlite3"
    update = stranger_says(3, "/start")
    async with BotApiEmulator(token=TOKEN) as emu:
        config = webhook_config(tmp_path, emu.base_url, port)
        proc = await start(config)
        try:
            await emu.wait_until(lambda: bool(emu.calls_to("setWebhook")), timeout=WAIT)
            await wait_listening(port)
            held = emu.faults.hang(1, seconds=3.0, method="sendMessage", execute="after")
            async with httpx.AsyncClient() as client:
                answer = await client.post(
                    f"http://127.0.0.1:{port}/telegram",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                )
            await emu.wait_until(lambda: held.remaining == 0, timeout=WAIT)  # being answered
            kept = query(database, "SELECT body FROM inbox")
        finally:
            await stop_bot(proc, signal.SIGTERM)
    assert answer.status_code == 200
    assert [json.loads(body) for (body,) in kept] == [update]


async def test_a_webhook_port_another_process_holds_is_one_line_naming_it(
    tmp_path: Path,
) -> None:
    """An old bot or nginx holds bot.webhook.port: the bot stops (2) with one line naming
    the address, not a CRITICAL traceback."""
    port = free_port()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        async with BotApiEmulator(token=TOKEN) as emu:
            config = webhook_config(tmp_path, emu.base_url, port)
            code, out, err = await sopbot(
                "run", "--config", str(config), token=TOKEN, SOPBOT_WEBHOOK_SECRET=WEBHOOK_SECRET
            )
            assert not emu.calls_to("setWebhook")
    assert code == 2, out + err
    assert f"error: bot.webhook.listen/port: 127.0.0.1:{port} is in use" in err, err
    assert "Traceback" not in err and "CRITICAL" not in err, err


async def test_an_update_telegram_posts_that_python_telegram_bot_cannot_read_is_skipped(
    tmp_path: Path,
) -> None:
    """Telegram posts an update this python-telegram-bot cannot read (an entity without the
    offset and length it requires). Refused with a 400, Telegram would post it again and
    again and hold back the updates after it; it is answered 200 and logged with its fields,
    and the stranger's /start after it is answered."""
    port = free_port()
    odd = stranger_says(4, "/start")
    odd["message"]["entities"] = [{"type": "bot_command"}]
    async with BotApiEmulator(token=TOKEN) as emu:
        config = webhook_config(tmp_path, emu.base_url, port)
        proc = await start(config)
        try:
            await emu.wait_until(lambda: bool(emu.calls_to("setWebhook")), timeout=WAIT)
            await wait_listening(port)
            async with httpx.AsyncClient() as client:
                url = f"http://127.0.0.1:{port}/telegram"
                secret = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
                skipped = await client.post(url, json=odd, headers=secret)
                genuine = await client.post(url, json=stranger_says(5, "/start"), headers=secret)
            await emu.wait_until(lambda: bool(emu.calls_to("sendMessage")), timeout=WAIT)
        finally:
            log = await stop_bot(proc, signal.SIGTERM)
    assert (skipped.status_code, genuine.status_code) == (200, 200)
    assert (
        "update 4 cannot be read by python-telegram-bot (TypeError: " in log
        and "its fields: message, update_id): skipped" in log
    ), log
    assert len(emu.calls_to("sendMessage")) == 1
