"""A small JSON control API under ``/_emu/`` so other processes can play users.

Every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "..."}``.
Bodies are JSON objects; GET endpoints take query arguments.

==========================  ====================================================================
``GET  /_emu/health``       ``{"bot_username", "base_url"}``
``POST /_emu/users``        ``{id, first_name, username?, last_name?, language_code?}`` → User
``POST /_emu/groups``       ``{id, title, username?}`` → Chat
``POST /_emu/send``         ``{user_id, text, chat_id?, reply_to_message_id?}`` → Message
``POST /_emu/send_document`` ``{user_id, content_base64, file_name, mime_type?, caption?, chat_id?}``
``POST /_emu/send_photo``   ``{user_id, content_base64, caption?, chat_id?}`` → Message
``POST /_emu/press``        ``{user_id, message_id, chat_id?, button? | callback_data? | data?,
                            wait?=true, timeout?=5}`` → ``{answered, text, show_alert}``
``POST /_emu/wait_message`` ``{user_id, chat_id?, contains?, timeout?=5}`` → Message (408 if none)
``POST /_emu/wait_album``   ``{user_id, chat_id?, timeout?=5}`` → the album's Messages (408 if none)
``GET  /_emu/deliveries``   ``?user_id=`` → ``{messages, edits, deletions, albums}`` the user got
``POST /_emu/block``        ``{user_id}``; ``/_emu/unblock`` likewise
``GET  /_emu/messages``     ``?chat_id=`` → the chat's messages (edits applied, deleted omitted)
``GET  /_emu/calls``        ``?since=N`` → Bot API calls from index N
``GET  /_emu/files/<id>``   the file's bytes
``POST /_emu/faults``       ``{kind: status|hang|drop, times?, method?, status?, retry_after?,
                            description?, seconds?, execute?}``; ``{"clear": true}`` clears
``POST /_emu/outage``       ``{mode: "502" | "refused" | null, seconds?}`` (refused needs seconds)
==========================  ====================================================================
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import tornado.web

from emulator.state import JSON
from emulator.users import EmuMessage, EmuUser

if TYPE_CHECKING:
    from emulator.server import BotApiEmulator


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ControlHandler(tornado.web.RequestHandler):
    def initialize(self, emu: BotApiEmulator) -> None:
        self.emu = emu

    async def get(self, path: str) -> None:
        await self._dispatch("GET", path)

    async def post(self, path: str) -> None:
        await self._dispatch("POST", path)

    async def _dispatch(self, verb: str, path: str) -> None:
        routes: dict[tuple[str, str], Callable[[JSON], Awaitable[Any]]] = {
            ("GET", "health"): self.health,
            ("POST", "users"): self.create_user,
            ("POST", "groups"): self.create_group,
            ("POST", "send"): self.send,
            ("POST", "send_document"): self.send_document,
            ("POST", "send_photo"): self.send_photo,
            ("POST", "wait_album"): self.wait_album,
            ("GET", "deliveries"): self.deliveries,
            ("POST", "press"): self.press,
            ("POST", "wait_message"): self.wait_message,
            ("POST", "block"): self.block,
            ("POST", "unblock"): self.unblock,
            ("GET", "messages"): self.messages,
            ("GET", "calls"): self.calls,
            ("POST", "faults"): self.faults,
            ("POST", "outage"): self.outage,
        }
        try:
            if verb == "GET" and path.startswith("files/"):
                self._file(path.removeprefix("files/"))
                return
            handler = routes.get((verb, path.strip("/")))
            if handler is None:
                raise ControlError(404, f"no control endpoint {verb} /_emu/{path}")
            result = await handler(self._body(verb))
        except ControlError as exc:
            self._reply(exc.status, {"ok": False, "error": str(exc)})
        except (LookupError, ValueError, TypeError, RuntimeError) as exc:
            self._reply(400, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        except TimeoutError as exc:
            self._reply(408, {"ok": False, "error": str(exc)})
        else:
            self._reply(200, {"ok": True, "result": result})

    def _body(self, verb: str) -> JSON:
        if verb == "GET":
            return {k: v[-1].decode() for k, v in self.request.query_arguments.items()}
        if not self.request.body:
            return {}
        body = json.loads(self.request.body)
        if not isinstance(body, dict):
            raise ControlError(400, "the body must be a JSON object")
        return body

    def _reply(self, status: int, body: JSON) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))

    def _file(self, file_id: str) -> None:
        try:
            data = self.emu.file_bytes(file_id)
        except KeyError as exc:
            raise ControlError(404, str(exc)) from None
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(data)

    def _user(self, body: JSON) -> EmuUser:
        user_id = int(body["user_id"])
        if user_id not in self.emu.state.users:
            raise ControlError(404, f"unknown user {user_id}; create it with POST /_emu/users")
        return self.emu.user(user_id)

    # -- endpoints ------------------------------------------------------------------------
    async def health(self, body: JSON) -> JSON:
        return {"bot_username": self.emu.bot_username, "base_url": self.emu.base_url}

    async def create_user(self, body: JSON) -> JSON:
        user = self.emu.user(
            int(body["id"]),
            body.get("first_name"),
            username=body.get("username"),
            last_name=body.get("last_name"),
            language_code=body.get("language_code"),
        )
        return user.to_dict()

    async def create_group(self, body: JSON) -> JSON:
        group = self.emu.group(int(body["id"]), str(body["title"]), username=body.get("username"))
        return group.record.to_api()

    async def send(self, body: JSON) -> JSON:
        message = await self._user(body).send(
            str(body["text"]),
            chat=body.get("chat_id"),
            reply_to=body.get("reply_to_message_id"),
        )
        return message.raw

    async def send_document(self, body: JSON) -> JSON:
        message = await self._user(body).send_document(
            base64.b64decode(body["content_base64"]),
            file_name=body.get("file_name"),
            mime_type=body.get("mime_type"),
            caption=body.get("caption"),
            chat=body.get("chat_id"),
        )
        return message.raw

    async def send_photo(self, body: JSON) -> JSON:
        message = await self._user(body).send_photo(
            base64.b64decode(body["content_base64"]),
            caption=body.get("caption"),
            chat=body.get("chat_id"),
        )
        return message.raw

    async def wait_album(self, body: JSON) -> list[JSON]:
        album = await self._user(body).wait_album(
            timeout=float(body.get("timeout", 5.0)), chat=body.get("chat_id")
        )
        return [message.raw for message in album]

    async def deliveries(self, body: JSON) -> JSON:
        log = self._user(body).deliveries
        return {
            "messages": log.messages,
            "edits": log.edits,
            "deletions": log.deletions,
            "albums": log.albums,
        }

    async def press(self, body: JSON) -> JSON:
        user = self._user(body)
        timeout = float(body.get("timeout", 5.0))
        if "data" in body:
            result = user.press_data(
                int(body["message_id"]),
                str(body["data"]),
                chat=body.get("chat_id"),
                timeout=timeout,
            )
        else:
            chat_id = body.get("chat_id", user.id)
            message = self.emu.message(int(chat_id), int(body["message_id"]))
            result = user.press(
                message,
                body.get("button"),
                callback_data=body.get("callback_data"),
                timeout=timeout,
            )
        if body.get("wait", True):
            answer = await result
            return {"answered": True, "text": answer.text, "show_alert": answer.show_alert}
        return {"answered": False, "query_id": result.query_id}

    async def wait_message(self, body: JSON) -> JSON:
        contains = body.get("contains")

        def matches(message: EmuMessage) -> bool:
            return contains is None or str(contains) in message.text

        message = await self._user(body).wait_message(
            matches, timeout=float(body.get("timeout", 5.0)), chat=body.get("chat_id")
        )
        return message.raw

    async def block(self, body: JSON) -> bool:
        self._user(body).block()
        return True

    async def unblock(self, body: JSON) -> bool:
        self._user(body).unblock()
        return True

    async def messages(self, body: JSON) -> list[JSON]:
        chat = self.emu.state.resolve_chat(int(body["chat_id"]))
        if chat is None:
            raise ControlError(404, "chat not found")
        return [
            m.to_api(self.emu.state.bot_user)
            for _, m in sorted(chat.messages.items())
            if not m.deleted
        ]

    async def calls(self, body: JSON) -> list[JSON]:
        since = int(body.get("since", 0))
        return [
            {
                "method": c.method,
                "params": c.params,
                "status": c.status,
                "response": c.response,
                "started": c.started,
                "finished": c.finished,
                "fault": c.fault,
            }
            for c in self.emu.calls[since:]
        ]

    async def faults(self, body: JSON) -> bool:
        faults = self.emu.faults
        if body.get("clear"):
            faults.clear()
            return True
        kind = body.get("kind", "status")
        times = int(body.get("times", 1))
        method = body.get("method")
        if kind == "status":
            faults.fail(
                times,
                status=int(body.get("status", 500)),
                method=method,
                description=body.get("description"),
                retry_after=body.get("retry_after"),
            )
        elif kind == "hang":
            faults.hang(
                times,
                seconds=float(body["seconds"]),
                method=method,
                execute=body.get("execute", "never"),
            )
        elif kind == "drop":
            faults.drop(times, method=method, execute=bool(body.get("execute", False)))
        else:
            raise ControlError(400, f"unknown fault kind {kind!r}")
        return True

    async def outage(self, body: JSON) -> bool:
        mode = body.get("mode")
        seconds = float(body["seconds"]) if body.get("seconds") is not None else None
        if mode is None:
            await self.emu.end_outage()
        elif mode == "502":
            await self.emu.start_outage("502", seconds=seconds)
        elif mode == "refused":
            if seconds is None:
                raise ControlError(400, "a refused outage needs seconds: nothing could end it")
            # Closing the listener would cut this very request: answer first.
            loop = asyncio.get_running_loop()
            loop.call_later(
                0.05, lambda: loop.create_task(self.emu.start_outage("refused", seconds=seconds))
            )
        else:
            raise ControlError(400, "mode must be '502', 'refused' or null")
        return True
