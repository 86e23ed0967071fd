"""The emulator itself: Telegram's HTTP Bot API on 127.0.0.1, served by tornado.

The HTTP server runs on the current asyncio loop, so a test can run the bot (a real
python-telegram-bot ``Application`` talking HTTP to ``emu.base_url``) and the emulated users
in one loop. Routes: ``/bot<token>/<method>`` (GET or POST; query string, urlencoded,
multipart or JSON body), ``/file/bot<token>/<file_path>``, and the JSON control API under
``/_emu/`` (see ``emulator.control``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import http.client
import inspect
import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import tornado.httputil
import tornado.netutil
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.log import app_log, gen_log

from emulator.errors import NOT_FOUND, UNAUTHORIZED, ApiError, bad_request, too_many_requests
from emulator.faults import Fault, FaultInjector, RateLimiter, RateLimits
from emulator.methods import BotMethods, CallContext, Described
from emulator.spec import MethodSpec, UploadedFile, load_spec
from emulator.state import JSON, ChatRecord, EmuState, StateEvent, UserRecord
from emulator.users import EmuChat, EmuEvent, EmuMessage, EmuUser, describe_message
from emulator.webhook import WebhookDelivery

_log = logging.getLogger("emulator")

OutageMode = Literal["502", "refused"]
EventCallback = Callable[[EmuEvent], Any]
MB = 1024 * 1024
_SENDING = frozenset({"sendmessage", "senddocument", "sendphoto", "sendmediagroup"})
_EDITING = frozenset(
    {"editmessagetext", "editmessagereplymarkup", "editmessagecaption", "editmessagemedia"}
)


@dataclass
class ApiCall:
    """One Bot API request as the emulator saw it (``emu.calls``)."""

    method: str  # canonical name ("sendMessage"), or the raw path segment if unknown
    params: JSON  # validated values when validation passed, else the raw strings
    status: int
    response: Any  # the JSON body sent (None for a dropped connection)
    started: float  # time.monotonic()
    finished: float
    fault: str | None = None  # "outage", "status 500", "hang", "drop" when injected

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def description(self) -> str | None:
        if isinstance(self.response, dict):
            return self.response.get("description")
        return None


class BotApiEmulator:
    """An emulated Telegram Bot API server with scriptable users. See the package docs."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "sop_test_bot",
        *,
        bot_name: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limits: RateLimits | None = None,
        control_api: bool = True,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token = token
        self.host = host
        self.state = EmuState(int(bot_id), bot_name or bot_username, bot_username)
        self.methods = BotMethods(self)
        self.webhook = WebhookDelivery(self.state)
        self.faults = FaultInjector()
        self.calls: list[ApiCall] = []
        self.privacy_mode = True
        # BotFather's forum topic mode for private chats (Bot API 9.3+): getMe says
        # has_topics_enabled, users write in topics of their chat with the bot, and the bot
        # may send to a topic with message_thread_id
        self.topics_in_private_chats = False
        self.strict_html_ampersand = True
        self.allow_insecure_webhook = False
        self.max_download_size = 20 * MB
        # Set: the server runs as with --local, its working directory here: getFile has no
        # size limit and answers the file's absolute path in it (see methods.get_file).
        self.local_mode_dir: Path | None = None
        # File.file_path is optional in the Bot API: False, getFile answers without it
        self.give_file_paths = True
        self.max_upload_size = 50 * MB
        self.max_photo_size = 10 * MB
        # A button pressed on a message older than this (seconds) reaches the bot with an
        # InaccessibleMessage (chat, message_id, date 0) as the callback query's message, as
        # Telegram does for old messages (about 48 hours in practice); None: never.
        self.inaccessible_after: int | None = 48 * 3600
        # The Bot API documents 2-10 album items; Telegram itself sends a single item as a plain
        # message. Strict (the default) refuses one item, so a bot never relies on that.
        self.strict_albums = True
        self.control_api = control_api
        self._rate_limits = rate_limits
        self._limiter = RateLimiter(rate_limits) if rate_limits else None
        self._outage: OutageMode | None = None
        self._outage_timer: asyncio.Task[None] | None = None
        self._port = port
        self._server: HTTPServer | None = None
        self._users: dict[int, EmuUser] = {}
        self._groups: dict[int, EmuChat] = {}
        self._listeners: list[EventCallback] = []
        self._callback_tasks: set[asyncio.Future[Any]] = set()
        self.state.event_hooks.append(self._on_state_event)

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen on ``host:port`` (port 0 picks a free port, kept across outages)."""
        self.state.closing = False
        sockets = tornado.netutil.bind_sockets(self._port, address=self.host, family=socket.AF_INET)
        self._port = sockets[0].getsockname()[1]
        server = HTTPServer(self._application(), max_body_size=self.max_upload_size + 5 * MB)
        server.add_sockets(sockets)
        self._server = server
        _log.info("Bot API emulator listening on %s", self.base_url)

    async def stop(self) -> None:
        self._cancel_outage_timer()
        self.state.closing = True
        self.state.notify()
        self.methods.stop_polling()
        await self.webhook.stop()
        await self._close_listener()
        for query in self.state.callback_queries.values():
            if query.future is not None and not query.future.done():
                query.future.cancel()

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _close_listener(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            await server.close_all_connections()

    def _application(self) -> tornado.web.Application:
        from emulator.control import ControlHandler

        args = {"emu": self}
        routes: list[Any] = [
            (r"/bot([^/]*)/([^/]*)", _BotApiHandler, args),
            (r"/file/bot([^/]*)/(.+)", _FileHandler, args),
        ]
        if self.control_api:
            routes.append((r"/_emu/(.*)", ControlHandler, args))
        return tornado.web.Application(
            routes,
            default_handler_class=_NotFoundHandler,
            default_handler_args=args,
            log_function=_log_request,
        )

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; the bot uses ``base_url + "/bot"`` as its API URL."""
        return f"http://{self.host}:{self._port}"

    @property
    def bot_id(self) -> int:
        return self.state.bot_id

    @property
    def bot_username(self) -> str:
        return self.state.bot_username

    # -- outages and limits ---------------------------------------------------------------
    @property
    def outage(self) -> OutageMode | None:
        return self._outage

    async def start_outage(self, mode: OutageMode = "502", *, seconds: float | None = None) -> None:
        """Until ``end_outage`` (or for ``seconds``): every Bot API call answers 502, or
        ("refused") nothing listens on the port, so connections are refused. The port is kept.
        """
        self._cancel_outage_timer()
        self._outage = mode
        if mode == "refused":
            # Closing the connections also ends pending long polls (they answer nobody).
            await self._close_listener()
        if seconds is not None:
            self._outage_timer = asyncio.get_running_loop().create_task(self._end_later(seconds))

    async def end_outage(self) -> None:
        self._cancel_outage_timer()
        mode, self._outage = self._outage, None
        if mode == "refused" and self._server is None and not self.state.closing:
            await self.start()

    async def _end_later(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._outage_timer = None
        await self.end_outage()

    def _cancel_outage_timer(self) -> None:
        timer, self._outage_timer = self._outage_timer, None
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()

    @property
    def rate_limits(self) -> RateLimits | None:
        return self._rate_limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        """Flood limits, None (the default) to switch them off."""
        self._rate_limits = limits
        self._limiter = RateLimiter(limits) if limits else None

    def _rate_chat(self, method: str, params: JSON) -> ChatRecord | None:
        """The chat a call counts against under the flood limits, if it counts."""
        if self._limiter is None or "chat_id" not in params:
            return None
        counted = method.lower() in _SENDING or (
            self._limiter.limits.count_edits and method.lower() in _EDITING
        )
        return self.state.resolve_chat(params["chat_id"]) if counted else None

    def _check_rate(self, method: str, params: JSON) -> None:
        """429 before the call runs if a flood limit is reached."""
        chat = self._rate_chat(method, params)
        if chat is None or self._limiter is None:
            return
        wait = self._limiter.wait(chat.id, is_group=chat.user is None)
        if wait:
            raise too_many_requests(wait)

    def _charge_rate(self, method: str, params: JSON, result: Any) -> None:
        """Count the messages a successful call sent (each album item is one)."""
        chat = self._rate_chat(method, params)
        if chat is None or self._limiter is None:
            return
        count = len(result) if isinstance(result, list) else 1
        self._limiter.take(chat.id, is_group=chat.user is None, count=count)

    def advance_clock(self, seconds: float) -> None:
        """Move the emulated Telegram's clock on (message and edit dates): e.g. two days pass
        and the bot's messages are old (see ``inaccessible_after``)."""
        if seconds < 0:
            raise ValueError("the clock only moves on")
        self.state.clock_offset += int(seconds)

    # -- the user side --------------------------------------------------------------------
    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> EmuUser:
        """The user with this id; created on first use (names given later update it)."""
        existing = self._users.get(user_id)
        if existing is not None:
            record = existing.record
            record.first_name = first_name or record.first_name
            record.username = username or record.username
            record.last_name = last_name or record.last_name
            record.language_code = language_code or record.language_code
            return existing
        if user_id <= 0 or user_id == self.bot_id:
            raise ValueError("user ids are positive and differ from the bot's id")
        record = UserRecord(
            id=user_id,
            first_name=first_name or f"User {user_id}",
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.state.users[user_id] = record
        emu_user = self._users[user_id] = EmuUser(self, record)
        return emu_user

    @property
    def users(self) -> list[EmuUser]:
        return list(self._users.values())

    def group(
        self, chat_id: int, title: str, *, username: str | None = None, forum: bool = False
    ) -> EmuChat:
        """A group (negative id) or supergroup (id starting -100) with the bot as member;
        ``forum``: a supergroup with topics (EmuChat.open_topic)."""
        existing = self._groups.get(chat_id)
        if existing is not None:
            existing.record.title = title
            return existing
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        from emulator.state import ChatRecord

        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        if forum and kind != "supergroup":
            raise ValueError("only a supergroup can be a forum")
        record = ChatRecord(id=chat_id, type=kind, title=title, username=username, is_forum=forum)
        self.state.chats[chat_id] = record
        chat = self._groups[chat_id] = EmuChat(self, record)
        return chat

    def file_bytes(self, file_id: str) -> bytes:
        """The content of any stored file (uploaded by the bot or by a user)."""
        record = self.state.files.get(file_id)
        if record is None:
            raise KeyError(f"no file with file_id {file_id!r}")
        return record.data

    def message(self, chat_id: int, message_id: int) -> EmuMessage:
        chat = self.state.resolve_chat(chat_id)
        record = chat.messages.get(message_id) if chat is not None else None
        if record is None:
            raise LookupError(f"no message #{message_id} in chat {chat_id}")
        return EmuMessage(self, record)

    def commands(self, scope: str = "default", language_code: str = "") -> list[JSON]:
        """Commands set with setMyCommands for a scope key ("default", "chat:<id>", ...)."""
        return [dict(c) for c in self.state.commands.get((scope, language_code), [])]

    def menu(
        self, chat_id: int, user_id: int, language_code: str = "", *, administrator: bool = False
    ) -> list[JSON]:
        """The command menu Telegram shows ``user_id`` in the chat ``chat_id`` (in a private
        chat, its user): the first scope with commands, in the order of the Bot API's
        "Determining list of commands", each scope first in the user's language. In a group,
        ``administrator`` says whether the user is one of its administrators."""
        chat = self.state.resolve_chat(chat_id)
        if chat is None:
            raise LookupError(f"no chat {chat_id}")
        if chat.type == "private":
            scopes = [f"chat:{chat.id}", "all_private_chats", "default"]
        else:
            scopes = [
                f"chat_member:{chat.id}:{user_id}",
                *([f"chat_administrators:{chat.id}"] if administrator else []),
                f"chat:{chat.id}",
                *(["all_chat_administrators"] if administrator else []),
                "all_group_chats",
                "default",
            ]
        for scope in scopes:
            for language in dict.fromkeys((language_code, "")):
                if found := self.state.commands.get((scope, language)):
                    return [dict(c) for c in found]
        return []

    @property
    def pending_updates(self) -> list[JSON]:
        return list(self.state.updates)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def recent_failures(self, limit: int = 8) -> str:
        failed = [c for c in self.calls if not c.ok][-limit:]
        if not failed:
            return "No failed Bot API calls."
        lines = ["Recent failed Bot API calls:"]
        lines += [f"  {c.method} -> {c.status} {c.description or ''}" for c in failed]
        return "\n".join(lines)

    async def wait_until(
        self,
        condition: Callable[[], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (a test helper's deadline, re-checked on changes)
    ) -> None:
        """Wait until ``condition()`` is true (re-checked on every change in the emulator)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"condition not met within {timeout} s\n{self.recent_failures()}"
                )
            await self.state.wait_changed(min(remaining, 0.2))

    # -- transcript -----------------------------------------------------------------------
    def on_event(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(EmuEvent)`` for each user action and bot output; returns an
        unsubscribe function. Exceptions in callbacks are logged, never raised."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _on_state_event(self, event: StateEvent) -> None:
        self._log_delivery(event)
        if not self._listeners:
            return
        user = self._users.get(event.user.id) if event.user is not None else None
        if user is None and event.chat is not None and event.chat.user is not None:
            user = self._users.get(event.chat.user.id)
        message = EmuMessage(self, event.message) if event.message is not None else None
        snapshot = describe_message(event.message) if event.message is not None else ""
        emu_event = EmuEvent(event.kind, event.chat, message, user, dict(event.data), snapshot)
        for callback in list(self._listeners):
            try:
                result = callback(emu_event)
                if inspect.isawaitable(result):
                    task = asyncio.ensure_future(result)
                    self._callback_tasks.add(task)
                    task.add_done_callback(self._callback_tasks.discard)
            except Exception:
                _log.exception("emulator event callback failed")

    def _log_delivery(self, event: StateEvent) -> None:
        """Record what the bot did in a chat in its receiver's deliveries (user or group)."""
        if event.kind not in ("bot_message", "bot_edit", "bot_delete", "bot_reaction"):
            return
        if event.chat is None:
            return
        if event.message is None:
            return
        chat = event.chat
        if chat.user is not None:
            receiver = self._users.get(chat.user.id)
            if receiver is not None:
                receiver.deliveries.record(event.kind, event.message)
        else:
            group = self._groups.get(chat.id)
            if group is not None:
                group.deliveries.record(event.kind, event.message)

    # -- serving --------------------------------------------------------------------------
    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.token.encode())


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Access log without the path: the path carries the bot token."""
    _log.debug(
        "%s %s %.1f ms",
        handler.get_status(),
        handler.request.method,
        1000 * handler.request.request_time(),
    )


def parse_request(
    request: tornado.httputil.HTTPServerRequest,
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Parameters from the query string and the body (urlencoded, multipart or JSON)."""
    raw: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    try:
        for name, values in request.query_arguments.items():
            raw[name] = values[-1].decode("utf-8")
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            if request.body.strip():
                body = json.loads(request.body)
                if not isinstance(body, dict):
                    raise bad_request("can't parse JSON object")
                for name, value in body.items():
                    raw[name] = value if isinstance(value, str) else json.dumps(value)
        elif request.body:
            arguments: dict[str, list[bytes]] = {}
            parts: dict[str, list[tornado.httputil.HTTPFile]] = {}
            tornado.httputil.parse_body_arguments(
                content_type, request.body, arguments, parts, request.headers
            )
            for name, values in arguments.items():
                raw[name] = values[-1].decode("utf-8")
            for name, uploads in parts.items():
                upload = uploads[-1]
                files[name] = UploadedFile(upload.filename, upload.body, upload.content_type)
    except UnicodeDecodeError:
        raise bad_request("strings must be encoded in UTF-8") from None
    except (ValueError, tornado.httputil.HTTPInputError):
        raise bad_request("can't parse request body") from None
    return raw, files


def _loggable(params: JSON) -> JSON:
    return {
        name: (
            {"file_name": value.filename, "size": len(value.body), "mime_type": value.content_type}
            if isinstance(value, UploadedFile)
            else value
        )
        for name, value in params.items()
    }


class _EmuHandler(tornado.web.RequestHandler):
    def initialize(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_connection_close(self) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def summary(self) -> str:
        """The request in a few words, without the bot token of its path."""
        path = self.request.path.replace(self.emu.token, "<token>")
        return f"{self.request.method} {path} ({self.request.remote_ip})"

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Tornado's log of an exception that escaped a handler, as Tornado writes it but
        for the request: its :meth:`summary`, not the request's repr, whose URI carries
        the bot token."""
        if isinstance(value, tornado.web.HTTPError):
            message = value.get_message()
            if message:
                gen_log.warning("%d %s: %s", value.status_code, self.summary(), message)
        else:
            app_log.error("Uncaught exception %s", self.summary(), exc_info=value)

    def send_json(self, status: int, body: Any) -> None:
        reason = http.client.responses.get(status, "Error")
        self.set_status(status, reason=reason)
        if isinstance(body, str):
            self.set_header("Content-Type", "text/html")
            self.finish(body)
        else:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(body, ensure_ascii=False))

    async def hold(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if the client hangs up."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await asyncio.shield(self.closed)


class _NotFoundHandler(_EmuHandler):
    def prepare(self) -> None:
        self.send_json(404, NOT_FOUND.to_json())


class _FileHandler(_EmuHandler):
    async def get(self, token: str, file_path: str) -> None:
        if not self.emu.token_matches(token):
            self.send_json(401, UNAUTHORIZED.to_json())
            return
        record = self.emu.state.file_by_path(file_path)
        if record is None or self.emu.local_mode_dir is not None:  # --local serves no files
            self.send_json(404, NOT_FOUND.to_json())
            return
        self.set_header("Content-Type", record.mime_type or "application/octet-stream")
        self.finish(record.data)


class _BotApiHandler(_EmuHandler):
    async def get(self, token: str, method: str) -> None:
        await self.serve(token, method)

    async def post(self, token: str, method: str) -> None:
        await self.serve(token, method)

    async def serve(self, token: str, method: str) -> None:
        call = ApiCall(method, {}, 0, None, time.monotonic(), 0.0)
        try:
            await self._serve(call, token, method)
        finally:
            call.finished = time.monotonic()
            self.emu.calls.append(call)

    def answer(self, call: ApiCall, status: int, body: Any) -> None:
        call.status, call.response = status, body
        self.send_json(status, body)

    async def _serve(self, call: ApiCall, token: str, method: str) -> None:
        emu = self.emu
        if not emu.token_matches(token):
            self.answer(call, 401, UNAUTHORIZED.to_json())
            return
        spec = load_spec().method(method)
        if spec is None:
            self.answer(call, 404, NOT_FOUND.to_json())
            return
        call.method = spec.name
        if emu.outage is not None:
            call.fault = "outage"
            self.answer(call, 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
            return
        try:
            raw, files = parse_request(self.request)
        except ApiError as exc:
            self.answer(call, exc.code, exc.to_json())
            return
        call.params = _loggable({**raw, **files})
        fault = emu.faults.take(spec.name, raw.get("chat_id"))
        if fault is None:
            status, body = await self._run_method(call, spec, raw, files)
            self.answer(call, status, body)
            return
        await self._faulty(call, fault, spec, raw, files)

    async def _faulty(
        self,
        call: ApiCall,
        fault: Fault,
        spec: MethodSpec,
        raw: dict[str, str],
        files: dict[str, UploadedFile],
    ) -> None:
        call.fault = f"status {fault.status}" if fault.kind == "status" else fault.kind
        if fault.kind == "status":
            self.answer(
                call, fault.status, fault.body if fault.body is not None else fault.error_body()
            )
            return
        result: tuple[int, Any] | None = None
        if fault.execute == "before":
            result = await self._run_method(call, spec, raw, files)
        if fault.kind == "drop":
            if result is not None:
                call.status, call.response = result
            self.detach().close()
            return
        if fault.execute == "after":
            await asyncio.sleep(fault.seconds)
            result = await self._run_method(call, spec, raw, files)
        else:
            await self.hold(fault.seconds)
        if result is None:
            result = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
        self.answer(call, *result)

    async def _run_method(
        self,
        call: ApiCall,
        spec: MethodSpec,
        raw: dict[str, str],
        files: dict[str, UploadedFile],
    ) -> tuple[int, Any]:
        try:
            params = load_spec().validate(spec, raw, files)
            # Parts named by attach:// inside JSON (InputMedia) are logged under their names.
            parts = {name: part for name, part in files.items() if name not in params}
            call.params = _loggable({**params, **parts})
            self.emu._check_rate(spec.name, params)
            context = CallContext(self.closed, files)
            result = await self.emu.methods.dispatch(spec.name, params, context)
            self.emu._charge_rate(spec.name, params, result)
        except ApiError as exc:
            return exc.code, exc.to_json()
        except Exception:
            _log.exception("emulator bug while serving %s", spec.name)
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if isinstance(result, Described):
            return 200, {"ok": True, "result": result.result, "description": result.description}
        return 200, {"ok": True, "result": result}
