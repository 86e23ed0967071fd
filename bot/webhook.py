"""Webhook mode: the bot's own small web server feeding the application's update queue.

python-telegram-bot's ``run_webhook`` serves with tornado's default body limit (100 MB) and
checks the secret only once the whole body has arrived: anyone who reaches the port could
make the bot hold 100 MB per request. This is PTB's "custom webhook" pattern instead: an
aiohttp server that refuses a request without the secret (403) at its headers, a body over
:data:`MAX_UPDATE_BYTES` (413), and answers Telegram's ``200`` only once the update is in
the inbox (``update_queue.put`` returns once it is stored, :mod:`bot.inbox`); the
application runs with ``initialize`` / ``start`` / ``stop`` / ``shutdown`` around it.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, InvalidToken, RetryAfter, TelegramError

from bot.config import WebhookConfig
from bot.context import SopApplication
from bot.inbox import UpdateInbox, log_unreadable
from bot.updates import ALLOWED_UPDATES

log = logging.getLogger("sopbot")

MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few KB (a file is only its id)
MAX_CONNECTIONS = 40  # setWebhook's max_connections (Telegram's default, as PTB's)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_FIRST = 1.0  # seconds before a call that failed is tried again, x1.5 ...
RETRY_MOST = 30.0  # ... up to this (PTB's back-off at start)
STOP_GRACE = 5.0  # seconds the requests in hand may take to store their update at a stop


class WebhookError(Exception):
    """The webhook cannot be served: one line for the operator (never the token)."""


def web_app(app: SopApplication, path: str, secret: str) -> web.Application:
    """The routes: ``POST /path`` takes an update; any other path is a 404, another method
    a 405 (aiohttp's own answers)."""
    expected = secret.encode()

    async def take(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="forbidden")
        length = request.content_length
        if length is not None and length > MAX_UPDATE_BYTES:
            return web.Response(status=413, text="too large")
        try:
            body = await request.read()  # refuses more than client_max_size while reading
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        try:
            sent = json.loads(body)
        except ValueError:
            log.warning("webhook: a request with the secret is no update; refused (400)")
            return web.Response(status=400, text="not an update")
        try:
            update = Update.de_json(sent, app.bot)
        except Exception as exc:
            update_id = sent.get("update_id") if isinstance(sent, dict) else None
            if type(update_id) is not int:
                log.warning("webhook: a request with the secret is no update; refused (400)")
                return web.Response(status=400, text="not an update")
            # Telegram's update, which this python-telegram-bot cannot read (a field a newer
            # Bot API changed): refused, Telegram would send it again and again, and hold the
            # updates after it meanwhile
            log_unreadable(update_id, exc, sent)
            return web.Response(text="ok")
        if update is not None:
            if isinstance(app.update_queue, UpdateInbox):
                app.update_queue.received([sent])  # stored as Telegram sent it
            await app.update_queue.put(update)  # returns once the update is stored
        return web.Response(text="ok")

    server = web.Application(client_max_size=MAX_UPDATE_BYTES)
    server.router.add_post(f"/{path}", take)
    return server


async def retrying(call: Callable[[], Awaitable[object]], what: str, *, warn: bool = True) -> None:
    """``call`` until it succeeds: Telegram not reachable (a reboot before the network is
    up) is tried again, backing off up to 30 s, with a WARNING per failed try (``warn``);
    a refusal (an invalid token, a bad request) is final and raised."""
    pause, attempt = RETRY_FIRST, 0
    while True:
        try:
            await call()
            return
        except (InvalidToken, BadRequest):
            raise
        except RetryAfter as exc:
            wait = exc.retry_after
            pause = wait if isinstance(wait, (int, float)) else wait.total_seconds()
            pause += 0.5
        except TelegramError as exc:
            attempt += 1
            if warn:
                log.warning("%s failed (attempt %d: %s): trying again", what, attempt, exc)
        await asyncio.sleep(pause)
        pause = min(pause * 1.5, RETRY_MOST)


async def start_webhook(app: SopApplication, hook: WebhookConfig, secret: str) -> web.AppRunner:
    """Listen on ``bot.webhook.listen:port``, then point Telegram at ``bot.webhook.url``
    (``setWebhook``). :class:`WebhookError` when the address is taken or Telegram refuses
    the webhook."""

    runner = web.AppRunner(web_app(app, hook.path, secret), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, hook.listen, hook.port, shutdown_timeout=STOP_GRACE)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        where = f"{hook.listen}:{hook.port}"
        if exc.errno == errno.EADDRINUSE:
            raise WebhookError(
                f"bot.webhook.listen/port: {where} is in use (another process listens there)"
            ) from None
        raise WebhookError(
            f"bot.webhook.listen/port: cannot listen on {where} ({exc.strerror or exc})"
        ) from None
    log.info("webhook: listening on %s:%d /%s", hook.listen, hook.port, hook.path)

    async def set_webhook() -> None:
        await app.bot.set_webhook(
            url=hook.public_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=MAX_CONNECTIONS,
        )

    try:
        await retrying(set_webhook, "setWebhook")
    except BadRequest as exc:
        await runner.cleanup()
        raise WebhookError(
            f"bot.webhook.url: Telegram refused the webhook {hook.public_url}: {exc.message}"
        ) from None
    except BaseException:
        await runner.cleanup()
        raise
    log.info("webhook set: Telegram posts updates to %s", hook.public_url)
    return runner


def run_webhook(app: SopApplication, hook: WebhookConfig, secret: str) -> None:
    """What ``Application.run_webhook`` does, on the current event loop, with the server
    above: initialize (Telegram tried again until reached), ``post_init``, listen and set
    the webhook, start, and run until a signal (:func:`bot.cli.stop_on_signals` raises
    SystemExit) or ``stop_running`` stops the loop; then the server stops taking updates
    before the application stops and shuts down (``post_shutdown``). What was stored but
    not handled is put back at the next start (:mod:`bot.inbox`)."""
    loop = asyncio.get_event_loop()
    runner: web.AppRunner | None = None
    try:
        loop.run_until_complete(retrying(app.initialize, "initialize", warn=False))
        if app.post_init:
            loop.run_until_complete(app.post_init(app))
        runner = loop.run_until_complete(start_webhook(app, hook, secret))
        loop.run_until_complete(app.start())
        loop.run_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        try:
            if runner is not None:
                loop.run_until_complete(runner.cleanup())
            if app.running:
                loop.run_until_complete(app.stop())
                if app.post_stop:
                    loop.run_until_complete(app.post_stop(app))
            loop.run_until_complete(app.shutdown())
            if app.post_shutdown:
                loop.run_until_complete(app.post_shutdown(app))
        finally:
            loop.close()
