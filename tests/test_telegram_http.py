"""``bot.telegram_http.LeanRequest``: real sockets only.

Part 1 scripts a raw ``asyncio.start_server`` on 127.0.0.1 per test (framing, keep-alive,
the keep-alive race, timeouts, the pool, malformed answers, the exact request bytes,
cancellation, TLS, the token's secrecy). Part 2 runs a real ``telegram.Bot`` over it against
the project's Bot API emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import gzip
import io
import json
import logging
import os
import shutil
import socket
import ssl
import struct
import subprocess
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    MessageEntity,
)
from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram_http import LeanRequest, _form_encode
from emulator import BotApiEmulator

TOKEN = "123456:TEST-TOKEN"
SECRET = "987654:AAH-secret-token-never-shown"
MB = 1024 * 1024


# -- a scripted HTTP server ----------------------------------------------------------------
@dataclass
class Req:
    """One request as the server read it."""

    head: bytes
    body: bytes
    conn: int  # the connection's number, from 1

    @property
    def request_line(self) -> str:
        return self.head.split(b"\r\n", 1)[0].decode()

    @property
    def headers(self) -> dict[str, str]:
        lines = self.head.decode("latin-1").split("\r\n")[1:]
        return {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines if x)}


@dataclass
class Reply:
    data: bytes
    close: bool = False  # close the connection after writing


RESET = Reply(b"", close=True)  # answer nothing, send a TCP reset

Responder = Callable[[Req], Awaitable[Reply | None]]  # None: close without an answer


@dataclass
class ServerConn:
    number: int
    served: int = 0


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(handle: Handler, **kwargs: object) -> AsyncIterator[int]:
    """``asyncio.start_server`` on 127.0.0.1; yields the port; on exit the connection
    handlers still running are cancelled (``Server.close`` leaves them be)."""
    tasks: set[asyncio.Task[object]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handle(reader, writer)
        except asyncio.CancelledError:
            pass  # cancelled on exit below: end quietly (3.11 logs a cancelled handler task)
        finally:
            tasks.discard(task)
            writer.close()

    server = await asyncio.start_server(tracked, "127.0.0.1", 0, **kwargs)  # type: ignore[arg-type]
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass
class Server:
    respond: Responder
    port: int = 0
    connections: int = 0
    requests: list[Req] = field(default_factory=list)
    client_closes: int = 0  # connections the client closed (EOF where a request would start)
    got_request: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str = f"/bot{TOKEN}/getMe") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn = ServerConn(self.connections)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    self.client_closes += 1
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                req = Req(head, body, conn.number)
                self.requests.append(req)
                self.got_request.set()
                reply = await self.respond(req)
                conn.served += 1
                if reply is None:
                    return
                if reply is RESET:
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                writer.write(reply.data)
                await writer.drain()
                if reply.close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass


@contextlib.asynccontextmanager
async def serving(respond: Responder) -> AsyncIterator[Server]:
    server = Server(respond)
    async with raw_server(server.handle) as port:
        server.port = port
        yield server


@contextlib.asynccontextmanager
async def lean(**kwargs: float | int | None) -> AsyncIterator[LeanRequest]:
    request = LeanRequest(**kwargs)  # type: ignore[arg-type]
    async with request:
        yield request


OK_BODY = b'{"ok":true,"result":true}'


def ok(body: bytes = OK_BODY, *extra: str) -> bytes:
    head = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def always(data: bytes, close: bool = False) -> Responder:
    async def respond(req: Req) -> Reply:
        return Reply(data, close)

    return respond


def form(**params: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


# -- framing ---------------------------------------------------------------------------------
async def test_content_length_body_and_keep_alive_reuse() -> None:
    async with serving(always(ok(b"hello"))) as server, lean() as request:
        for _ in range(3):
            assert await request.do_request(server.url(), "POST") == (200, b"hello")
        assert server.connections == 1  # one keep-alive connection for all three
        assert len(server.requests) == 3


async def test_interim_answers_are_skipped_and_status_is_passed_through() -> None:
    answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n" + (
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\nX-Other:  a:b \r\n\r\n{}"
    )
    async with serving(always(answer)) as server, lean() as request:
        assert await request.do_request(server.url(), "POST") == (400, b"{}")


async def test_chunked_body_with_extensions_and_trailers() -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n"
        b"6\r\n world\r\n"
        b"A\r\n0123456789\r\n"
        b"0\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n"
    )
    async with serving(always(answer)) as server, lean() as request:
        assert await request.do_request(server.url(), "POST") == (200, b"hello world0123456789")
        assert await request.do_request(server.url(), "POST") == (200, b"hello world0123456789")
        assert server.connections == 1  # a chunked answer leaves the connection reusable


async def test_close_delimited_body_is_read_to_the_end_and_not_reused() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the server closes"
    async with serving(always(answer, close=True)) as server, lean() as request:
        assert await request.do_request(server.url(), "POST") == (200, b"until the server closes")
        assert await request.do_request(server.url(), "POST") == (200, b"until the server closes")
        assert server.connections == 2


@pytest.mark.parametrize(
    ("answer", "reused"),
    [
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", False),
        (b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", True),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", False),
        (b"HTTP/1.1 200 OK\r\nconnection: Upgrade, CLOSE\r\nContent-Length: 2\r\n\r\nok", False),
        (b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", True),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", True),
    ],
)
async def test_connection_reuse_follows_version_and_connection_header(
    answer: bytes, reused: bool
) -> None:
    # the server itself keeps every connection open: only the client decides
    async with serving(always(answer)) as server, lean() as request:
        for _ in range(3):
            assert await request.do_request(server.url(), "POST") == (200, b"ok")
        assert server.connections == (1 if reused else 3)


async def test_no_body_statuses_and_gzip() -> None:
    packed = gzip.compress(b'{"ok":true}')
    answers = iter(
        [
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
            % (len(packed), packed),
        ]
    )

    async def respond(req: Req) -> Reply:
        return Reply(next(answers))

    async with serving(respond) as server, lean() as request:
        assert await request.do_request(server.url(), "POST") == (204, b"")
        assert await request.do_request(server.url(), "GET") == (304, b"")
        assert await request.do_request(server.url(), "POST") == (200, b'{"ok":true}')
        assert server.connections == 1


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
async def test_tens_of_megabytes_download(framing: str) -> None:
    payload = bytes(range(256)) * (32 * MB // 256)

    async def respond(req: Req) -> Reply:
        if framing == "length":
            return Reply(ok(payload))
        if framing == "close":
            return Reply(b"HTTP/1.1 200 OK\r\n\r\n" + payload, close=True)
        step = MB - 7
        chunks = [payload[i : i + step] for i in range(0, len(payload), step)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
        return Reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body + b"0\r\n\r\n")

    async with serving(respond) as server, lean() as request:
        status, body = await request.do_request(server.url("/file/bot/x.bin"), "GET")
        assert status == 200
        assert len(body) == len(payload) and body == payload


async def test_large_upload_arrives_whole() -> None:
    content = bytes(range(256)) * (20 * MB // 256)
    async with serving(always(ok())) as server, lean() as request:
        data = form(chat_id=1, document=InputFile(content, filename="big.bin"))
        assert await request.do_request(server.url(), "POST", data) == (200, OK_BODY)
        (req,) = server.requests
        assert int(req.headers["content-length"]) == len(req.body)
        assert content in req.body


# -- reuse safety and the keep-alive race ------------------------------------------------------
async def test_idle_connection_closed_by_server_is_not_reused() -> None:
    async with serving(always(ok(b"x"), close=True)) as server, lean() as request:
        # the answer says nothing about closing, but the server closes right after it
        assert await request.do_request(server.url(), "POST") == (200, b"x")
        await asyncio.sleep(0.05)  # the FIN arrives while the connection is idle
        assert await request.do_request(server.url(), "POST") == (200, b"x")
        assert server.connections == 2
        assert len(server.requests) == 2  # seen dead before use: nothing was sent twice


@pytest.mark.parametrize("close", [True, False])
async def test_idle_connection_with_unsolicited_bytes_is_not_reused(close: bool) -> None:
    unasked = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    async with serving(always(ok(b"x") + unasked, close=close)) as server, lean() as request:
        assert await request.do_request(server.url(), "POST") == (200, b"x")
        await asyncio.sleep(0.05)
        assert await request.do_request(server.url(), "POST") == (200, b"x")
        assert server.connections == 2


@pytest.mark.parametrize("how", ["eof", "reset"])
async def test_a_reused_connection_that_took_the_request_and_ended_is_not_retried(
    how: str,
) -> None:
    """The server read the request and may have acted on it (a sendMessage): sending it
    again could duplicate a message, so the caller gets a NetworkError and decides."""

    async def respond(req: Req) -> Reply | None:
        if len(server.requests) == 2:  # the second request, on the reused connection
            return None if how == "eof" else RESET
        return Reply(ok(b"fine"))

    async with serving(respond) as server, lean() as request:
        assert await request.do_request(server.url(), "POST", form(n=1)) == (200, b"fine")
        with pytest.raises(NetworkError):
            await request.do_request(server.url(), "POST", form(n=2))
        assert [r.body for r in server.requests] == [b"n=1", b"n=2"]  # not sent twice
        assert await request.do_request(server.url(), "POST", form(n=3)) == (200, b"fine")
        assert server.connections == 2


async def test_a_fresh_connection_is_never_retried() -> None:
    async def respond(req: Req) -> None:
        return None

    async with serving(respond) as server, lean() as request:
        with pytest.raises(NetworkError, match="without sending a response") as caught:
            await request.do_request(server.url(), "POST")
        assert not isinstance(caught.value, TimedOut)
        assert len(server.requests) == 1


async def test_a_reused_connection_is_not_retried_once_answer_bytes_arrived() -> None:
    async def respond(req: Req) -> Reply:
        if len(server.requests) == 2:
            return Reply(b"HTTP/1.1 200 OK\r\nContent-Le", close=True)
        return Reply(ok())

    async with serving(respond) as server, lean() as request:
        await request.do_request(server.url(), "POST")
        with pytest.raises(NetworkError, match="head was complete"):
            await request.do_request(server.url(), "POST")
        assert len(server.requests) == 2  # not sent again


# -- timeouts and the pool --------------------------------------------------------------------
async def test_slow_answer_times_out_per_call_override_and_default() -> None:
    async def respond(req: Req) -> Reply:
        await asyncio.sleep(0.6)
        return Reply(ok())

    async with serving(respond) as server, lean(read_timeout=0.2) as request:
        assert request.read_timeout == 0.2
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            await request.do_request(server.url(), "POST")
        assert time.monotonic() - started < 0.5
        assert "Pool timeout" not in str(caught.value)
        # an explicit read timeout wins over the default, in both directions
        assert await request.do_request(server.url(), "POST", read_timeout=3.0) == (200, OK_BODY)
        with pytest.raises(TimedOut):
            await request.do_request(server.url(), "POST", read_timeout=0.05)


async def test_each_read_has_its_own_timeout() -> None:
    """A body trickling in slower than the read timeout overall, but never stalling that
    long, is read whole: the read timeout is per read, not for the whole answer."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        for byte in b"slowy":
            await asyncio.sleep(0.12)
            writer.write(bytes([byte]))
        await writer.drain()
        await reader.read()

    async with raw_server(handle) as port, lean(read_timeout=0.4) as request:
        started = time.monotonic()
        status, body = await request.do_request(f"http://127.0.0.1:{port}/x", "GET")
        assert (status, body) == (200, b"slowy")
        assert time.monotonic() - started > 0.5  # longer than one read timeout in all


@pytest.mark.parametrize("explicit", [False, True])
async def test_upload_write_timeout_uses_media_write_timeout(explicit: bool) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)  # never reads: the client's socket buffers fill up

    data = form(chat_id=1, document=InputFile(b"\0" * (64 * MB), filename="big.bin"))
    async with raw_server(handle) as port:
        if explicit:  # an explicit write timeout wins over media_write_timeout
            kwargs: dict[str, float] = {"write_timeout": 30.0, "media_write_timeout": 30.0}
            call_timeout: dict[str, float] = {"write_timeout": 0.3}
        else:  # with files and DEFAULT_NONE, media_write_timeout (not write_timeout) applies
            kwargs, call_timeout = {"write_timeout": 30.0, "media_write_timeout": 0.3}, {}
        async with lean(**kwargs) as request:
            started = time.monotonic()
            with pytest.raises(TimedOut):
                await request.do_request(
                    f"http://127.0.0.1:{port}/up", "POST", data, **call_timeout
                )
            assert time.monotonic() - started < 3


async def test_connect_failure_is_a_network_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    async with lean() as request:
        with pytest.raises(NetworkError, match="ConnectionRefusedError") as caught:
            await request.do_request(f"http://127.0.0.1:{port}/bot{SECRET}/getMe", "POST")
        assert not isinstance(caught.value, TimedOut)


async def test_pool_exhaustion_times_out_without_sending() -> None:
    release = asyncio.Event()

    async def respond(req: Req) -> Reply:
        await release.wait()
        return Reply(ok(b"first"))

    async with serving(respond) as server, lean(connection_pool_size=1) as request:
        first = asyncio.create_task(request.do_request(server.url(), "POST"))
        await server.got_request.wait()
        with pytest.raises(TimedOut, match="Pool timeout") as caught:
            await request.do_request(server.url(), "POST", pool_timeout=0.1)
        assert "not* sent" in str(caught.value)
        assert len(server.requests) == 1
        release.set()
        assert await first == (200, b"first")
        # the slot is free again
        assert await request.do_request(server.url(), "POST", pool_timeout=0.1) == (200, b"first")


async def test_pool_limits_concurrency_across_many_calls() -> None:
    in_flight = 0
    most = 0

    async def respond(req: Req) -> Reply:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return Reply(ok(req.body))

    async with serving(respond) as server, lean(connection_pool_size=3, pool_timeout=10) as request:
        results = await asyncio.gather(
            *(request.do_request(server.url(), "POST", form(i=i)) for i in range(30))
        )
        assert [body for _, body in results] == [f"i={i}".encode() for i in range(30)]
        assert most == 3
        assert server.connections == 3  # each reused


# -- malformed answers -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "answer",
    [
        b"garbage\r\n\r\n",
        b"SPDY/3 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (70 * 1024) + b"\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nnot",
    ],
)
async def test_malformed_answer_is_a_network_error(answer: bytes) -> None:
    async with serving(always(answer, close=True)) as server, lean() as request:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(server.url(), "POST")
        assert not isinstance(caught.value, TimedOut)
        assert str(caught.value).startswith("LeanRequest: ")


async def test_truncated_bodies_are_network_errors() -> None:
    answers = iter(
        [
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        ]
    )

    async def respond(req: Req) -> Reply:
        return Reply(next(answers), close=True)

    async with serving(respond) as server, lean() as request:
        for _ in range(2):
            with pytest.raises(NetworkError, match="before the answer was complete"):
                await request.do_request(server.url(), "POST")
        assert len(server.requests) == 2


# -- the exact request bytes ---------------------------------------------------------------------
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Setujui ✓", callback_data="ok:1")],
        [InlineKeyboardButton('Tolak "x" & y', callback_data="no:1")],
    ]
)


async def test_form_body_and_head_match_httpx() -> None:
    data = form(
        chat_id=1001,
        text="Halo & <b>dunia</b> é ✓ 100% a+b=c\n",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
        entities=[MessageEntity("bold", 0, 4)],
        disable_notification=True,
    )
    async with serving(always(ok())) as server, lean() as request:
        url = server.url(f"/bot{TOKEN}/sendMessage")
        await request.do_request(url, "POST", data)
        (req,) = server.requests
    expected = httpx.Request("POST", url, data=data.json_parameters)
    assert req.body == expected.content
    assert req.request_line == f"POST /bot{TOKEN}/sendMessage HTTP/1.1"
    headers = req.headers
    assert headers["host"] == f"127.0.0.1:{server.port}"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["content-length"] == str(len(req.body))
    assert headers["user-agent"] == BaseRequest.USER_AGENT
    assert headers["connection"] == "keep-alive"
    # nested values travel as JSON strings, as PTB means them to
    fields = {k: v[0] for k, v in parse_qs(req.body.decode(), strict_parsing=True).items()}
    assert fields == data.json_parameters
    assert json.loads(fields["reply_markup"])["inline_keyboard"][1][0]["text"] == 'Tolak "x" & y'
    assert json.loads(fields["entities"]) == [{"type": "bold", "offset": 0, "length": 4}]
    assert fields["disable_notification"] == "true"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), st.text(), max_size=6))
def test_form_encoding_is_urlencode(params: dict[str, str]) -> None:
    """The table-driven form encoder is byte for byte what httpx sends for ``data=``."""
    assert _form_encode(params) == urlencode(params).encode()
    assert _form_encode(params) == httpx.Request("POST", "http://x/", data=params).content


async def test_bodyless_post_and_get_heads() -> None:
    async with serving(always(ok())) as server, lean() as request:
        await request.do_request(server.url(), "POST", RequestData())
        await request.do_request(server.url(), "POST", None)
        file_url = server.url(f"/file/bot{TOKEN}/documents/a b ü.docx")
        await request.do_request(file_url, "GET")
    post, post_none, get = server.requests
    for req in (post, post_none):
        assert req.headers["content-length"] == "0" and "content-type" not in req.headers
        assert req.body == b""
    assert get.request_line == f"GET /file/bot{TOKEN}/documents/a%20b%20%C3%BC.docx HTTP/1.1"
    assert "content-length" not in get.headers and "content-type" not in get.headers
    assert get.request_line.split()[1] == httpx.URL(file_url).raw_path.decode()


async def test_multipart_body_is_byte_identical_to_httpx_and_parses_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "urandom", lambda n: b"\x42" * n)  # the multipart boundary
    handle = io.BytesIO(b"from a file handle " * 50)
    handle.read(7)  # httpx rewinds handles: so must we
    data = form(
        chat_id=1001,
        caption='Draf "1" \\ ✓',
        reply_markup=KEYBOARD,
        document=InputFile(
            b"PK\x03\x04\r\n--\r\n binary \x00\xff", filename='Lembar "Disposisi".docx'
        ),
        thumbnail=InputFile(handle, filename="thumb.jpg", read_file_handle=False),
    )
    assert data.contains_files
    async with serving(always(ok())) as server, lean(media_write_timeout=5) as request:
        url = server.url(f"/bot{TOKEN}/sendDocument")
        await request.do_request(url, "POST", data)
        (req,) = server.requests
    boundary = "42" * 16
    handle.seek(0)
    expected = httpx.Request(
        "POST",
        url,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        data=data.json_parameters,
        files=data.multipart_data,
    )
    assert req.body == expected.read()
    assert req.headers["content-type"] == f"multipart/form-data; boundary={boundary}"
    assert req.headers["content-length"] == str(len(req.body))

    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {req.headers['content-type']}\r\n\r\n".encode() + req.body
    )
    parts = {
        part.get_param("name", header="content-disposition"): part for part in message.iter_parts()
    }

    def payload(name: str) -> bytes:
        data = parts[name].get_payload(decode=True)
        assert isinstance(data, bytes)
        return data

    assert set(parts) == {"chat_id", "caption", "reply_markup", "document", "thumbnail"}
    assert payload("chat_id") == b"1001"
    assert payload("caption").decode() == 'Draf "1" \\ ✓'
    assert json.loads(payload("reply_markup")) == KEYBOARD.to_dict()
    document = parts["document"]
    assert document.get_filename() == "Lembar %22Disposisi%22.docx"  # httpx's escaping
    assert document.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert payload("document") == b"PK\x03\x04\r\n--\r\n binary \x00\xff"
    assert payload("thumbnail") == b"from a file handle " * 50
    assert parts["thumbnail"].get_content_type() == "image/jpeg"


# -- cancellation, shutdown -----------------------------------------------------------------------
async def test_cancellation_closes_the_connection_and_frees_the_slot() -> None:
    async def respond(req: Req) -> Reply:
        if req.conn == 1:
            await asyncio.sleep(10)  # never answers in time
        return Reply(ok(b"second"))

    async with serving(respond) as server, lean(connection_pool_size=1) as request:
        task = asyncio.create_task(request.do_request(server.url(), "POST"))
        await server.got_request.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the slot is free at once; the next call gets a new connection
        assert await request.do_request(server.url(), "POST", pool_timeout=0.1) == (200, b"second")
        assert server.connections == 2


async def test_cancelled_connection_is_closed_on_the_wire() -> None:
    closed = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if await reader.read() == b"":  # EOF: the client dropped the connection
            closed.set()

    async with raw_server(handle) as port, lean() as request:
        task = asyncio.create_task(request.do_request(f"http://127.0.0.1:{port}/x", "POST"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(closed.wait(), 2)


async def test_cancelling_a_pool_waiter_leaks_nothing() -> None:
    release = asyncio.Event()

    async def respond(req: Req) -> Reply:
        await release.wait()
        return Reply(ok())

    async with serving(respond) as server, lean(connection_pool_size=1, pool_timeout=5) as request:
        first = asyncio.create_task(request.do_request(server.url(), "POST"))
        await server.got_request.wait()
        waiter = asyncio.create_task(request.do_request(server.url(), "POST"))
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        release.set()
        assert (await first)[0] == 200
        assert (await request.do_request(server.url(), "POST", pool_timeout=0.1))[0] == 200
        assert len(server.requests) == 2  # the cancelled waiter sent nothing


async def test_shutdown_closes_idle_connections_is_idempotent_and_initialize_reopens() -> None:
    async with serving(always(ok())) as server:
        request = LeanRequest()
        await request.initialize()
        await request.do_request(server.url(), "POST")
        await request.shutdown()
        await request.shutdown()
        for _ in range(100):
            if server.client_closes:
                break
            await asyncio.sleep(0.01)
        assert server.client_closes == 1
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(server.url(), "POST")
        await request.initialize()
        assert (await request.do_request(server.url(), "POST"))[0] == 200
        await request.shutdown()
        assert server.connections == 2


def test_usable_again_on_a_new_event_loop_after_shutdown() -> None:
    """PTB initializes and shuts its requests down per run; a new run may bring a new loop."""
    request = LeanRequest(connection_pool_size=1, pool_timeout=5)

    async def one_run() -> list[int]:
        async with serving(always(ok())) as server, request:
            # three at once through one slot: the pool's semaphore waits (binding to the loop)
            results = await asyncio.gather(
                *(request.do_request(server.url(), "POST") for _ in range(3))
            )
            assert server.connections == 1
        return [status for status, _ in results]

    assert asyncio.run(one_run()) == [200, 200, 200]
    assert asyncio.run(one_run()) == [200, 200, 200]


async def test_head_answer_has_no_body() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
    async with serving(always(answer)) as server, lean() as request:
        assert await request.do_request(server.url(), "HEAD") == (200, b"")
        assert await request.do_request(server.url(), "HEAD") == (200, b"")
        assert server.connections == 1
        assert server.requests[0].request_line.startswith("HEAD /bot")


# -- TLS ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_https_with_sni_and_certificate_checks(certificate: tuple[Path, Path]) -> None:
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)

    def sni(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = sni

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(ok(b"over tls"))
                await writer.drain()

    async with raw_server(handle, ssl=context) as port:
        url = f"https://localhost:{port}/bot{SECRET}/getMe"
        trusted = ssl.create_default_context(cafile=str(certificate[0]))
        async with LeanRequest(ssl_context=trusted) as request:
            assert await request.do_request(url, "POST") == (200, b"over tls")
            assert await request.do_request(url, "POST") == (200, b"over tls")
        assert names == ["localhost"]  # SNI = host, one connection kept alive
        # the default context checks the certificate: a self-signed one is refused
        async with lean() as default:
            with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED") as caught:
                await default.do_request(url, "POST")
        assert SECRET not in str(caught.value)


# -- the token's secrecy ------------------------------------------------------------------------
def chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [item.__cause__, item.__context__]


async def test_the_token_appears_in_no_exception_or_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    failures: list[BaseException] = []

    async def respond(req: Req) -> Reply | None:
        path = req.request_line.split()[1]
        if path.endswith("/getMe"):
            return Reply(ok(b'{"ok":true,"result":{"id":987654,"is_bot":true,"first_name":"b"}}'))
        if path.endswith("/garbage"):
            return Reply(b"HTTP/1.1 2000 " + path.encode() + b"\r\n\r\n", close=True)
        if path.endswith("/slow"):
            await asyncio.sleep(1)
        if path.endswith("/drop"):
            return None
        return Reply(ok())

    async with serving(respond) as server:
        async with lean(read_timeout=0.1, connection_pool_size=1) as request:
            for method in ("garbage", "slow", "getMe", "drop"):
                try:
                    await request.do_request(server.url(f"/bot{SECRET}/{method}"), "POST")
                except NetworkError as exc:
                    failures.append(exc)
            blocker = asyncio.create_task(
                request.do_request(server.url(f"/bot{SECRET}/slow"), "POST", read_timeout=2)
            )
            await asyncio.sleep(0.05)
            try:
                await request.do_request(server.url(f"/bot{SECRET}/x"), "POST", pool_timeout=0.05)
            except TimedOut as exc:
                failures.append(exc)
            await blocker
        # through PTB: its wrapper adds the status or the cause to the message
        async with Bot(
            SECRET, base_url=server.url("/bot"), request=LeanRequest(read_timeout=0.1)
        ) as bot:
            with pytest.raises(NetworkError) as caught:
                await bot.do_api_request("garbage")
            failures.append(caught.value)
    async with lean() as request:
        try:
            await request.do_request(f"ftp://127.0.0.1/bot{SECRET}/getMe", "POST")
        except NetworkError as exc:
            failures.append(exc)

    assert len(failures) == 6
    assert {type(f) for f in failures} == {NetworkError, TimedOut}
    for failure in failures:
        for link in chain(failure):
            assert SECRET not in str(link) and SECRET not in repr(link)
        assert SECRET not in "".join(traceback.format_exception(failure))
    ours = [r.getMessage() for r in caplog.records if r.name == "bot.telegram_http"]
    assert not any(SECRET in line for line in ours)  # (PTB itself logs its URLs at debug level)


# -- a real Bot against the emulator ------------------------------------------------------------
@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="lean_http_bot") as emulator:
        await emulator.user(1001, "Alice").send("/start")
        yield emulator


def make_bot(emu: BotApiEmulator, request: BaseRequest | None = None) -> Bot:
    return Bot(
        TOKEN,
        base_url=emu.base_url + "/bot",
        base_file_url=emu.base_url + "/file/bot",
        request=request or LeanRequest(connection_pool_size=4),
    )


async def test_bot_get_me(emu: BotApiEmulator) -> None:
    async with make_bot(emu) as bot:
        me = await bot.get_me()
        assert me.id == 123456 and me.is_bot and me.username == "lean_http_bot"
        # one from Bot.initialize, one here
        assert [(call.method, call.status) for call in emu.calls] == [("getMe", 200)] * 2


async def test_bot_send_message_html_with_inline_keyboard(emu: BotApiEmulator) -> None:
    async with make_bot(emu) as bot:
        sent = await bot.send_message(
            1001,
            "<b>Tugas</b> baru &amp; <i>penting</i> ✓",
            parse_mode="HTML",
            reply_markup=KEYBOARD,
        )
    assert sent.text == "Tugas baru & penting ✓"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 5),
        ("italic", 13, 7),
    ]
    assert sent.reply_markup == KEYBOARD
    seen = emu.user(1001).last_bot_message
    assert seen is not None and seen.message_id == sent.message_id
    assert seen.button_texts == ["Setujui ✓", 'Tolak "x" & y']


async def test_bot_calls_reach_the_emulator_exactly_as_httpx_sends_them(
    emu: BotApiEmulator,
) -> None:
    for request in (HTTPXRequest(), LeanRequest()):
        async with make_bot(emu, request) as bot:
            await bot.send_message(
                1001, "<b>sama</b> &amp; ✓", parse_mode="HTML", reply_markup=KEYBOARD
            )
            await bot.send_document(1001, b"same bytes", filename="sama.txt", caption="c")
    messages, documents = emu.calls_to("sendMessage"), emu.calls_to("sendDocument")
    assert len(messages) == len(documents) == 2
    assert messages[0].params == messages[1].params
    assert documents[0].params == documents[1].params


async def test_bot_document_upload_and_download_round_trip(emu: BotApiEmulator) -> None:
    content = bytes(range(256)) * (3 * MB // 256) + b"tail"
    async with make_bot(emu) as bot:
        sent = await bot.send_document(
            1001, InputFile(content, filename="Lembar Disposisi.docx"), caption="Draf 1"
        )
        assert sent.document is not None and sent.caption == "Draf 1"
        assert sent.document.file_name == "Lembar Disposisi.docx"
        assert sent.document.file_size == len(content)
        assert emu.file_bytes(sent.document.file_id) == content
        telegram_file = await bot.get_file(sent.document.file_id)
        assert bytes(await telegram_file.download_as_bytearray()) == content


async def test_bot_bad_request_and_invalid_token_surface_as_ptb_errors(emu: BotApiEmulator) -> None:
    async with make_bot(emu) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(1001, "<b>unclosed", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(1001, "")
        assert (await bot.get_me()).id == 123456  # the connection is still good
    async with LeanRequest() as request:
        wrong = Bot(SECRET, base_url=emu.base_url + "/bot", request=request)
        with pytest.raises(InvalidToken) as caught:
            await wrong.get_me()
    assert SECRET not in str(caught.value)


async def test_bot_many_concurrent_calls_share_the_pool(emu: BotApiEmulator) -> None:
    async with make_bot(emu, LeanRequest(connection_pool_size=4, pool_timeout=10)) as bot:
        sent = await asyncio.gather(*(bot.send_message(1001, f"pesan {i}") for i in range(40)))
    assert sorted(str(m.text) for m in sent) == sorted(f"pesan {i}" for i in range(40))
    assert len({m.message_id for m in sent}) == 40
