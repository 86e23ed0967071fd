"""``bot.aiohttp_request.AiohttpRequest``: real sockets on 127.0.0.1 only.

Scripted servers (``asyncio.start_server``) per test for the wire format (compared with what
httpx sends for the same ``RequestData``), TLS, redirects, a forward proxy, connection resets,
the body cap, timeouts and the token's secrecy; then a real ``telegram.Bot`` over it against
the project's Bot API emulator.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import gzip
import io
import logging
import re
import socket
import ssl
import struct
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMediaDocument
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.aiohttp_request import (
    CLOUD_MAX_DOWNLOAD,
    SELF_HOSTED_MAX_DOWNLOAD,
    AiohttpRequest,
    ProxyChoice,
    max_response_bytes_for,
)
from bot.app import build_application
from bot.demo import World, world_config
from emulator import BotApiEmulator

TOKEN = "123456:TEST-TOKEN"
SECRET = "987654:AAH-secret-token-never-shown"
MB = 1024 * 1024
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Setujui ✓", callback_data="ok:1:2:3")],
     [InlineKeyboardButton('Tolak "x" & y', callback_data="no:1:2:3")]]
)  # fmt: skip
# file names that an encoder can get wrong: quotes, backslashes, CR/LF, other controls,
# ESC (httpx leaves it), DEL, non-ASCII, percent signs, semicolons
TRICKY_NAMES = [
    "Lembar Disposisi.docx",
    'SK "Tim" Penyusunan.docx',
    "back\\slash\\.pdf",
    "line\r\nbreak\n.txt",
    "tab\tand\x00nul\x1b esc\x7f del.txt",
    "Laporan Kinerja – Biro Perencanaan ✓ 日本.docx",
    "100% a;b=c.xlsx",
    "café\u200b\u2028.pdf",
]


@pytest.fixture(autouse=True)
def no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without proxy variables (the machine's own are not ours to use)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


# -- servers -----------------------------------------------------------------------------
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
        except (asyncio.CancelledError, ConnectionError, ssl.SSLError):
            pass
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
class Req:
    """One request as the server read it."""

    head: bytes
    body: bytes
    conn: int  # the connection's number, from 1

    @property
    def target(self) -> str:
        return self.head.split(b" ", 2)[1].decode()

    @property
    def headers(self) -> dict[str, str]:
        lines = self.head.decode("latin-1").split("\r\n")[1:]
        return {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines if x)}


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """Head and body of the next request (Content-Length framed), None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head, await reader.readexactly(length)


def answer(
    body: bytes = b'{"ok":true,"result":true}', status: str = "200 OK", *extra: str
) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


GET_ME = b'{"ok":true,"result":{"id":987654,"is_bot":true,"first_name":"Bot","username":"b_bot"}}'

# what a scripted server does with one request: bytes to write, None to close unanswered
Responder = Callable[[Req], Awaitable[bytes | None]]


@dataclass
class Server:
    respond: Responder
    port: int = 0
    connections: int = 0
    requests: list[Req] = field(default_factory=list)
    client_closed: asyncio.Event = field(default_factory=asyncio.Event)
    got_request: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for_requests(self, count: int) -> None:
        async def arrived() -> None:
            while len(self.requests) < count:
                self.got_request.clear()
                await self.got_request.wait()

        await asyncio.wait_for(arrived(), 10)

    def url(self, method: str = "getMe", token: str = TOKEN) -> str:
        return f"http://127.0.0.1:{self.port}/bot{token}/{method}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        while True:
            request = await read_request(reader)
            if request is None:
                self.client_closed.set()
                return
            req = Req(*request, number)
            self.requests.append(req)
            self.got_request.set()
            data = await self.respond(req)
            if data is None:
                return
            writer.write(data)
            await writer.drain()
            if b"\r\nConnection: close\r\n" in data.partition(b"\r\n\r\n")[0] + b"\r\n":
                return


@contextlib.asynccontextmanager
async def serving(respond: Responder, **kwargs: object) -> AsyncIterator[Server]:
    server = Server(respond)
    async with raw_server(server.handle, **kwargs) as port:
        server.port = port
        yield server


async def bot_answers(req: Req) -> bytes:
    return answer(GET_ME if req.target.endswith("/getMe") else b'{"ok":true,"result":true}')


@contextlib.asynccontextmanager
async def aio(**kwargs: object) -> AsyncIterator[AiohttpRequest]:
    async with AiohttpRequest(**kwargs) as request:  # type: ignore[arg-type]
        yield request


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0)."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# -- the wire format: the same bytes as httpx -------------------------------------------------
class Recorder(BaseRequest):
    """Keeps each ``RequestData`` PTB builds (and answers ``true``): the test then sends the
    very same objects through httpx and through aiohttp."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, RequestData | None]] = []

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

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
        method = url.rsplit("/", 1)[-1]
        self.calls.append((method, request_data))
        if method == "getMe":
            return 200, GET_ME
        message = '{"message_id":1,"date":0,"chat":{"id":1001,"type":"private"}}'
        result = f"[{message}]" if method == "sendMediaGroup" else message
        return 200, f'{{"ok":true,"result":{result}}}'.encode()


async def record(calls: Callable[[Bot], Awaitable[None]]) -> list[tuple[str, RequestData | None]]:
    recorder = Recorder()
    async with Bot(TOKEN, request=recorder) as bot:
        await calls(bot)
    return recorder.calls


def normalised(req: Req) -> tuple[str, str, bytes]:
    """(Content-Type, Content-Length, body) with the multipart boundary replaced."""
    content_type = req.headers.get("content-type", "")
    body = req.body
    match = re.search(r"boundary=([0-9a-f]+)", content_type)
    if match:
        boundary = match.group(1)
        content_type = content_type.replace(boundary, "BOUNDARY")
        body = body.replace(boundary.encode(), b"BOUNDARY")
    return content_type, req.headers.get("content-length", ""), body


async def wire_of_both(calls: list[tuple[str, RequestData | None]]) -> list[Req]:
    """Send each recorded call through httpx, then through aiohttp, to a capture server."""
    async with serving(bot_answers) as server:
        for request in (HTTPXRequest(), AiohttpRequest()):
            async with request:
                for method, data in calls:
                    status, _ = await request.do_request(server.url(method), "POST", data)
                    assert status == 200
    assert len(server.requests) == 2 * len(calls)
    return server.requests


def assert_same_wire(requests: list[Req]) -> None:
    half = len(requests) // 2
    for by_httpx, by_aiohttp in zip(requests[:half], requests[half:], strict=True):
        assert by_aiohttp.target == by_httpx.target
        assert normalised(by_aiohttp) == normalised(by_httpx)
        assert "transfer-encoding" not in by_aiohttp.headers


async def test_bodies_are_byte_for_byte_what_httpx_sends() -> None:
    big = bytes(range(256)) * (MB // 256) + b"tail"  # streamed in chunks (above 64 KiB)

    async def calls(bot: Bot) -> None:
        await bot.get_me()  # no parameters: no body
        await bot.send_message(
            1001, "<b>Tugas</b> baru &amp; ✓ 100% a+b=c", parse_mode="HTML", reply_markup=KEYBOARD
        )
        for name in TRICKY_NAMES:
            await bot.send_document(1001, InputFile(b"%PDF-1.7 ...", filename=name), caption=name)
        await bot.send_document(1001, InputFile(big, filename="besar.bin"), caption="besar")
        # a file handle PTB leaves unread (read here, off the event loop)
        handle = io.BytesIO(b"isi berkas " * 100)
        handle.read()  # at its end: it must be rewound, as httpx does
        await bot.send_document(
            1001, InputFile(handle, filename="dari handle.txt", read_file_handle=False)
        )
        await bot.send_media_group(
            1001, [InputMediaDocument(b"one", filename="a.txt"), InputMediaDocument(b"two")]
        )

    recorded = await record(calls)
    assert [m for m, _ in recorded].count("sendDocument") == len(TRICKY_NAMES) + 2
    requests = await wire_of_both(recorded)
    assert_same_wire(requests)
    # and the aiohttp side really did carry the names (not, say, both dropped them)
    bodies = b"".join(r.body for r in requests[len(requests) // 2 :])
    assert b'filename="SK %22Tim%22 Penyusunan.docx"' in bodies
    assert b'filename="back\\\\slash\\\\.pdf"' in bodies
    assert b'filename="line%0D%0Abreak%0A.txt"' in bodies
    assert 'filename="Laporan Kinerja – Biro Perencanaan ✓ 日本.docx"'.encode() in bodies
    assert big in bodies


@settings(max_examples=15, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4))
def test_any_file_name_is_written_as_httpx_writes_it(names: list[str]) -> None:
    async def calls(bot: Bot) -> None:
        for name in names:
            await bot.send_document(1001, InputFile(b"isi", filename=name), caption=name)

    async def run() -> None:
        assert_same_wire(await wire_of_both(await record(calls)))

    asyncio.run(run())


# -- TLS ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@contextlib.asynccontextmanager
async def tls_server(
    ca: trustme.CA, respond: Responder, names: tuple[str, ...] = ("localhost", "127.0.0.1")
) -> AsyncIterator[Server]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    async with serving(respond, ssl=context) as server:
        yield server


async def test_a_self_signed_certificate_is_refused_unless_its_ca_is_given(
    ca: trustme.CA, tmp_path: Path
) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    async with tls_server(ca, bot_answers) as server:
        url = f"https://localhost:{server.port}/bot{SECRET}/getMe"
        async with aio() as default:
            with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED") as caught:
                await default.do_request(url, "POST")
        assert SECRET not in str(caught.value)
        assert server.requests == []
        async with aio(ca_file=ca_file) as trusting:
            assert await trusting.do_request(url, "POST") == (200, GET_ME)
            assert await trusting.do_request(url, "POST") == (200, GET_ME)
        context = ssl.create_default_context()
        ca.configure_trust(context)
        async with aio(ssl_context=context) as trusting:
            assert await trusting.do_request(url, "POST") == (200, GET_ME)
        # keep-alive over TLS: two calls, one connection; then one more for the last client
        assert [r.conn for r in server.requests] == [1, 1, 2]
    # the host name is checked too: a certificate of the same CA for another name is refused
    async with tls_server(ca, bot_answers, names=("bot.example",)) as other:
        url = f"https://127.0.0.1:{other.port}/bot{SECRET}/getMe"
        async with aio(ca_file=ca_file) as trusting:
            with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
                await trusting.do_request(url, "POST")
        assert other.requests == []


# -- redirects ----------------------------------------------------------------------------------
async def test_a_307_comes_back_as_a_status_and_is_not_followed() -> None:
    async def respond(req: Req) -> bytes:
        if "/elsewhere/" in req.target:
            return answer(GET_ME)
        location = req.target.replace(f"/bot{SECRET}/", "/elsewhere/")
        return answer(b"", "307 Temporary Redirect", f"Location: {location}")

    async with serving(respond) as server:
        async with aio() as request:
            status, _ = await request.do_request(server.url("getMe", SECRET), "POST")
            assert status == 307
            bot = Bot(SECRET, base_url=f"http://127.0.0.1:{server.port}/bot", request=request)
            with pytest.raises(NetworkError, match=r"Temporary Redirect \(307\)") as caught:
                await bot.get_me()
        assert SECRET not in str(caught.value)
        assert [r.target.split("/")[1] for r in server.requests] == [f"bot{SECRET}"] * 2


# -- proxies ------------------------------------------------------------------------------------
@dataclass
class ForwardProxy:
    """An HTTP forward proxy: absolute-form requests (forwarded one by one) and CONNECT
    tunnels. ``seen`` holds (method, target, Proxy-Authorization) of each."""

    seen: list[tuple[str, str, str | None]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (request := await read_request(reader)) is not None:
            head, body = request
            req = Req(head, body, 0)
            method = head.split(b" ", 1)[0].decode()
            self.seen.append((method, req.target, req.headers.get("proxy-authorization")))
            if method == "CONNECT":
                host, _, port = req.target.rpartition(":")
                up_reader, up_writer = await asyncio.open_connection(host, int(port))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
                return
            target = urlsplit(req.target)
            assert target.scheme == "http" and target.port is not None  # absolute-form
            up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
            lines = head.decode("latin-1").split("\r\n")
            forwarded = [f"{method} {target.path} HTTP/1.1"] + [
                line for line in lines[1:] if line and not line.lower().startswith("proxy-")
            ]
            up_writer.write(("\r\n".join(forwarded) + "\r\n\r\n").encode("latin-1") + body)
            status_head = await up_reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: *(\d+)", status_head)
            assert length is not None
            writer.write(status_head + await up_reader.readexactly(int(length.group(1))))
            up_writer.close()


@dataclass
class SocksProxy:
    """A SOCKS5 proxy (RFC 1928) asking for a user name and password (RFC 1929): CONNECT
    only. ``seen`` holds (host, port, user, password) of each tunnel."""

    seen: list[tuple[str, int, str, str]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        assert version == 5 and 2 in await reader.readexactly(count)  # user and password
        writer.write(b"\x05\x02")
        _, size = await reader.readexactly(2)
        user = (await reader.readexactly(size)).decode()
        password = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        writer.write(b"\x01\x00")
        version, command, _, kind = await reader.readexactly(4)
        assert version == 5 and command == 1  # CONNECT
        if kind == 1:
            host = socket.inet_ntoa(await reader.readexactly(4))
        elif kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        self.seen.append((host, port, user, password))
        up_reader, up_writer = await asyncio.open_connection(host, port)
        writer.write(b"\x05\x00\x00\x01" + bytes(6))
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="aiohttp_bot") as emulator:
        await emulator.user(1001, "Alice").send("/start")
        yield emulator


def make_bot(emu: BotApiEmulator, request: BaseRequest | None = None) -> Bot:
    return Bot(
        TOKEN,
        base_url=emu.base_url + "/bot",
        base_file_url=emu.base_url + "/file/bot",
        request=request or AiohttpRequest(connection_pool_size=4),
    )


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_http_proxy_from_the_environment_sees_the_calls(
    emu: BotApiEmulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    variable: str,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.aiohttp_request")
    proxy = ForwardProxy()
    async with raw_server(proxy.handle) as port:
        monkeypatch.setenv(variable, f"http://sop:pa%3Ass-word@127.0.0.1:{port}")
        async with make_bot(emu) as bot:  # the variables are read here, once
            monkeypatch.delenv(variable)  # so a later change does not matter
            sent = await bot.send_message(1001, "lewat proxy ✓")
    assert sent.text == "lewat proxy ✓"
    origin = emu.base_url
    assert [(m, t) for m, t, _ in proxy.seen] == [
        ("POST", f"{origin}/bot{TOKEN}/getMe"),
        ("POST", f"{origin}/bot{TOKEN}/sendMessage"),
    ]
    expected = "Basic " + base64.b64encode(b"sop:pa:ss-word").decode()
    assert {auth for _, _, auth in proxy.seen} == {expected}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"http://127.0.0.1:{port}" in logged and variable in logged
    assert "pa%3Ass" not in logged and "pa:ss" not in logged and "sop" not in logged


async def test_the_bot_started_behind_a_proxy_logs_its_proxy_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The office's proxy is in HTTP_PROXY and the Bot API server in NO_PROXY: the start's
    log said each line twice (the bot's calls and the long poll each have a client), and
    the IT officer wondered which second proxy the bot had found."""
    caplog.set_level(logging.INFO, logger="bot.aiohttp_request")
    monkeypatch.setenv("HTTP_PROXY", "http://pegawai:rahasia@proxy.kantor:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with World(tmp_path) as world:
        await world.everyone_starts()
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.aiohttp_request"]
    assert logged == [
        "http:// requests go through the proxy http://proxy.kantor:3128 (from HTTP_PROXY; "
        "not for NO_PROXY)",
        "http://127.0.0.1: direct",
    ]


async def test_https_calls_tunnel_through_the_proxy_with_connect(
    ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = ForwardProxy()
    context = ssl.create_default_context()
    ca.configure_trust(context)
    async with tls_server(ca, bot_answers) as server, raw_server(proxy.handle) as port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # not for https://
        async with aio(ssl_context=context) as request:
            bot = Bot(TOKEN, base_url=f"https://localhost:{server.port}/bot", request=request)
            assert (await bot.get_me()).username == "b_bot"
            assert await bot.set_my_commands([])
    assert proxy.seen == [("CONNECT", f"localhost:{server.port}", None)]  # one tunnel, reused
    assert [r.target.rsplit("/", 1)[-1] for r in server.requests] == ["getMe", "setMyCommands"]


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_the_httpx_client_reaches_the_bot_api_through_a_socks_proxy(
    emu: BotApiEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    """The office lets traffic out through a SOCKS proxy only: README sends it to
    bot.http_client = "httpx", which must then work as installed (before, the package it
    needs was missing and the start died)."""
    proxy = SocksProxy()
    config = world_config(tmp_path, emu.base_url)
    config = dataclasses.replace(config, bot=dataclasses.replace(config.bot, http_client="httpx"))
    async with raw_server(proxy.handle) as port:
        monkeypatch.setenv("ALL_PROXY", f"{scheme}://pegawai:rahasia@127.0.0.1:{port}")
        async with build_application(config, TOKEN).bot as bot:
            sent = await bot.send_message(1001, "lewat SOCKS ✓")
    assert sent.text == "lewat SOCKS ✓"
    emulator = urlsplit(emu.base_url)
    assert set(proxy.seen) == {(emulator.hostname, emulator.port, "pegawai", "rahasia")}
    assert [c.method for c in emu.calls[-2:]] == ["getMe", "sendMessage"]


@pytest.mark.parametrize(
    "no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*", ".0.0.1", "example.org, 127.0.0.1"]
)
async def test_no_proxy_is_honoured(
    emu: BotApiEmulator, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    proxy = ForwardProxy()
    async with raw_server(proxy.handle) as port:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("NO_PROXY", no_proxy)
        async with make_bot(emu) as bot:
            await bot.send_message(1001, "langsung")
    assert proxy.seen == []
    assert len(emu.calls_to("sendMessage")) == 1


def test_proxy_choice_order_and_no_proxy_rules() -> None:
    env = {
        "HTTPS_PROXY": "http://upper:1",
        "https_proxy": "lower:2",  # lower case wins; no scheme means http://
        "ALL_PROXY": "http://all:3",
        "NO_PROXY": "internal.example, .corp.example, 10.1.2.3, host.example:8443, [::1]",
    }
    choice = ProxyChoice(env)
    assert choice.for_origin("https", "api.telegram.org", 443) == ("https_proxy", "http://lower:2")
    assert choice.for_origin("http", "api.telegram.org", 80) == ("ALL_PROXY", "http://all:3")
    for host, port in [
        ("internal.example", 443),
        ("bot.internal.example", 443),
        ("a.corp.example", 443),
        ("corp.example", 443),
        ("10.1.2.3", 8081),
        ("host.example", 8443),
        ("::1", 443),
    ]:
        assert choice.for_origin("https", host, port) is None, host
    for host, port in [("notinternal.example", 443), ("host.example", 443), ("10.1.2.30", 1)]:
        assert choice.for_origin("https", host, port) is not None, host
    assert ProxyChoice({}).for_origin("https", "api.telegram.org", 443) is None
    with pytest.raises(ValueError, match=r"ALL_PROXY.*socks5"):
        ProxyChoice({"ALL_PROXY": "socks5://127.0.0.1:1080"})


# -- connections the far side drops ---------------------------------------------------------
async def test_an_idle_connection_reset_by_the_server_does_not_fail_the_next_call() -> None:
    idle_reset = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        assert request is not None
        writer.write(answer(GET_ME))
        await writer.drain()
        reset(writer)  # the answer went out; now the idle connection is reset
        idle_reset.set()

    async with raw_server(handle) as port, aio() as request:
        url = f"http://127.0.0.1:{port}/bot{TOKEN}/getMe"
        assert await request.do_request(url, "POST") == (200, GET_ME)
        await asyncio.wait_for(idle_reset.wait(), 5)
        assert await request.do_request(url, "POST") == (200, GET_ME)
        assert await request.do_request(url, "POST") == (200, GET_ME)


async def test_a_connection_dying_unanswered_is_resent_only_for_idempotent_calls() -> None:
    """The server reads the second request on a kept-alive connection, then closes without
    an answer (as if it had acted and died). getMe is sent again; sendMessage is not."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await read_request(reader)
        assert first is not None
        served.append(Req(*first, 0))
        writer.write(answer(GET_ME))
        await writer.drain()
        second = await read_request(reader)
        if second is not None:
            served.append(Req(*second, 0))
        # closed by raw_server without an answer

    for method, resent in (("getMe", True), ("sendMessage", False), ("getUpdates", True)):
        served: list[Req] = []
        async with raw_server(handle) as port, aio() as request:
            url = f"http://127.0.0.1:{port}/bot{TOKEN}/{method}"
            assert await request.do_request(url, "POST") == (200, GET_ME)
            if resent:
                assert await request.do_request(url, "POST") == (200, GET_ME)
            else:
                with pytest.raises(NetworkError, match="ServerDisconnectedError") as caught:
                    await request.do_request(url, "POST")
                assert TOKEN not in str(caught.value)
        # first call, the unanswered one, and (resent) its second sending
        assert len(served) == (3 if resent else 2), method


async def test_idle_connections_expire_after_the_keepalive_timeout() -> None:
    async with serving(bot_answers) as server, aio(keepalive_timeout=0.2) as request:
        assert (await request.do_request(server.url(), "POST"))[0] == 200
        # aiohttp closes the expired idle connection itself: the server sees the EOF
        await asyncio.wait_for(server.client_closed.wait(), 10)
        assert (await request.do_request(server.url(), "POST"))[0] == 200
    assert [r.conn for r in server.requests] == [1, 2]


# -- the body cap -------------------------------------------------------------------------------
async def test_an_endless_body_stops_at_the_cap() -> None:
    written = 0

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal written
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
        while True:  # until the client goes away (then drain raises)
            writer.write(chunk)
            written += 65536
            await writer.drain()

    async with raw_server(endless) as port, aio(max_response_bytes=MB) as request:
        with pytest.raises(NetworkError, match="above the cap"):
            await request.do_request(f"http://127.0.0.1:{port}/bot{SECRET}/getFile", "POST")
    assert written >= MB


@pytest.mark.parametrize("kind", ["content-length", "until-close", "gzip"])
async def test_a_body_above_the_cap_raises_network_error(kind: str) -> None:
    big = b"\0" * (2 * MB)
    if kind == "content-length":
        data = answer(big)
    elif kind == "until-close":
        data = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + big
    else:  # a small compressed body that inflates past the cap
        data = answer(gzip.compress(big), "200 OK", "Content-Encoding: gzip")

    async def respond(req: Req) -> bytes | None:
        return data

    async with serving(respond) as server, aio(max_response_bytes=MB) as request:
        with pytest.raises(NetworkError, match="above the cap"):
            await request.do_request(server.url(), "POST")
    # and a body at the cap is fine
    async with serving(respond) as server, aio(max_response_bytes=2 * MB) as request:
        assert await request.do_request(server.url(), "POST") == (200, big)


def test_the_cap_follows_the_bot_api_server() -> None:
    cloud = max_response_bytes_for("https://api.telegram.org")
    local = max_response_bytes_for("http://127.0.0.1:8081")
    assert CLOUD_MAX_DOWNLOAD < cloud < SELF_HOSTED_MAX_DOWNLOAD < local
    assert AiohttpRequest().max_response_bytes == cloud


# -- timeouts -----------------------------------------------------------------------------------
async def test_a_server_stalling_mid_head_raises_timed_out() -> None:
    release = asyncio.Event()

    async def respond(req: Req) -> bytes | None:
        if req.target.endswith("/stall-head"):
            return b"HTTP/1.1 200 OK\r\nContent-Len"
        if req.target.endswith("/stall-body"):
            return b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345"
        await release.wait()
        return answer()

    async with serving(respond) as server, aio(read_timeout=0.2) as request:
        for method in ("stall-head", "stall-body"):
            with pytest.raises(TimedOut) as caught:
                await request.do_request(server.url(method, SECRET), "POST")
            assert SECRET not in "".join(traceback.format_exception(caught.value))
        # a per-call read timeout overrides the default (and None waits as long as it takes)
        waiting = asyncio.create_task(
            request.do_request(server.url("slow"), "POST", read_timeout=None)
        )
        await server.wait_for_requests(3)
        release.set()
        assert await waiting == (200, answer()[-25:])


async def test_a_connect_that_gets_no_answer_raises_timed_out() -> None:
    """A listening socket whose accept queue is full drops further SYNs: connect hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the accept queue (nobody accepts)
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        async with aio(connect_timeout=0.3) as request:
            with pytest.raises(TimedOut) as caught:
                await request.do_request(f"http://127.0.0.1:{port}/bot{SECRET}/getMe", "POST")
        assert SECRET not in "".join(traceback.format_exception(caught.value))
    finally:
        for sock in [*fillers, listener]:
            sock.close()


async def test_a_full_pool_raises_timed_out_with_ptb_pool_message() -> None:
    release = asyncio.Event()

    async def respond(req: Req) -> bytes:
        if req.target.endswith("/hold"):
            await release.wait()
        return answer()

    async with serving(respond) as server, aio(connection_pool_size=1) as request:
        holder = asyncio.create_task(request.do_request(server.url("hold"), "POST"))
        await server.wait_for_requests(1)
        with pytest.raises(TimedOut, match="Pool timeout") as caught:
            await request.do_request(server.url("getMe", SECRET), "POST", pool_timeout=0.05)
        release.set()
        assert (await holder)[0] == 200
        assert (await request.do_request(server.url(), "POST"))[0] == 200
    assert [r.target.rsplit("/", 1)[-1] for r in server.requests] == ["hold", "getMe"]
    assert SECRET not in repr(caught.value)


async def test_an_upload_the_server_does_not_read_hits_the_write_timeout() -> None:
    got_head = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        got_head.set()
        await asyncio.Event().wait()  # never reads the body

    async def calls(bot: Bot) -> None:
        await bot.send_document(1001, InputFile(b"\1" * (48 * MB), filename="besar.bin"))

    ((_, data),) = [c for c in await record(calls) if c[0] == "sendDocument"]
    # read timeout long, write timeout short: only the write deadline can end this
    async with raw_server(handle) as port, aio(read_timeout=60, media_write_timeout=0.3) as request:
        with pytest.raises(TimedOut):
            await request.do_request(
                f"http://127.0.0.1:{port}/bot{SECRET}/sendDocument", "POST", data
            )
    assert got_head.is_set()


async def test_not_initialized_and_shutdown_twice() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/botX/getMe", "POST")
    async with serving(bot_answers) as server:
        await request.initialize()
        assert (await request.do_request(server.url(), "POST"))[0] == 200
        await request.shutdown()
        await request.shutdown()  # idempotent
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(server.url(), "POST")
        await request.initialize()  # usable again
        assert (await request.do_request(server.url(), "POST"))[0] == 200
        await request.shutdown()


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


async def test_the_token_appears_in_no_error(
    caplog: pytest.LogCaptureFixture, ca: trustme.CA
) -> None:
    caplog.set_level(logging.DEBUG)
    failures: list[TelegramError] = []

    async def collect(call: Awaitable[object]) -> None:
        try:
            await call
        except TelegramError as exc:
            failures.append(exc)
        else:
            pytest.fail(f"call {len(failures) + 1} succeeded")

    async def respond(req: Req) -> bytes | None:
        method = req.target.rsplit("/", 1)[-1]
        if method == "garbage":
            return b"HTTP/1.1 2000 " + req.target.encode() + b"\r\n\r\n"
        if method == "slow":
            await asyncio.Event().wait()
        if method == "drop":
            return None
        if method == "huge":
            return answer(b"x" * 2048)
        return answer(GET_ME)

    closed_port = socket.socket()
    closed_port.bind(("127.0.0.1", 0))
    refused = closed_port.getsockname()[1]
    closed_port.close()
    async with serving(respond) as server:
        async with aio(
            read_timeout=0.1, connection_pool_size=1, max_response_bytes=1024
        ) as request:
            for method in ("garbage", "slow", "drop", "huge"):
                await collect(request.do_request(server.url(method, SECRET), "POST"))
            await collect(request.do_request(f"http://127.0.0.1:{refused}/bot{SECRET}/x", "POST"))
            await collect(request.do_request(f"ftp://127.0.0.1/bot{SECRET}/getMe", "POST"))
            await collect(request.do_request(f"http://127.0.0.1:99999/bot{SECRET}/x", "POST"))
            await collect(request.do_request(f"http://[::1/bot{SECRET}/x", "POST"))
            # a full pool
            blocker = asyncio.create_task(
                request.do_request(server.url("slow", SECRET), "POST", read_timeout=5)
            )
            await server.wait_for_requests(5)  # the four above, and this one
            await collect(request.do_request(server.url("x", SECRET), "POST", pool_timeout=0.05))
            blocker.cancel()
            await asyncio.gather(blocker, return_exceptions=True)
        async with tls_server(ca, respond) as tls, aio() as request:
            await collect(request.do_request(f"https://localhost:{tls.port}/bot{SECRET}/x", "POST"))
        # through PTB: its wrapper adds the status or the cause to the message
        async with Bot(
            SECRET,
            base_url=f"http://127.0.0.1:{server.port}/bot",
            request=AiohttpRequest(read_timeout=0.1),
        ) as bot:
            await collect(bot.do_api_request("garbage"))
            await collect(bot.do_api_request("drop"))

    assert len(failures) == 12
    assert {type(f) for f in failures} == {NetworkError, TimedOut}
    secret_half = SECRET.partition(":")[2]
    for failure in failures:
        for link in chain(failure):
            for text in (str(link), repr(link)):
                assert SECRET not in text and secret_half not in text, text
        text = "".join(traceback.format_exception(failure))
        assert secret_half not in text, text
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
    assert not any(secret_half in line for line in ours)


# -- a real Bot against the emulator ------------------------------------------------------------
async def test_bot_get_me_and_send_message(emu: BotApiEmulator) -> None:
    async with make_bot(emu) as bot:
        me = await bot.get_me()
        assert me.id == 123456 and me.is_bot and me.username == "aiohttp_bot"
        sent = await bot.send_message(
            1001, "<b>Tugas</b> baru &amp; <i>penting</i> ✓", parse_mode="HTML",
            reply_markup=KEYBOARD,
        )  # fmt: skip
    assert sent.text == "Tugas baru & penting ✓"
    assert sent.reply_markup == KEYBOARD
    seen = emu.user(1001).last_bot_message
    assert seen is not None and seen.message_id == sent.message_id
    assert seen.button_texts == ["Setujui ✓", 'Tolak "x" & y']
    assert [(c.method, c.status) for c in emu.calls] == [
        ("getMe", 200),
        ("getMe", 200),
        ("sendMessage", 200),
    ]


async def test_bot_send_document_with_tricky_names_as_httpx_does(emu: BotApiEmulator) -> None:
    content = bytes(range(256)) * 1024  # 256 KiB: streamed
    # (tornado, under the emulator, refuses a raw ESC or DEL in a part's header)
    names = [name for name in TRICKY_NAMES if "\x1b" not in name]
    for request in (HTTPXRequest(), AiohttpRequest()):
        async with make_bot(emu, request) as bot:
            for name in names:
                sent = await bot.send_document(1001, InputFile(content, filename=name))
                assert sent.document is not None
                assert emu.file_bytes(sent.document.file_id) == content
                telegram_file = await bot.get_file(sent.document.file_id)
                assert bytes(await telegram_file.download_as_bytearray()) == content
    documents = emu.calls_to("sendDocument")
    assert len(documents) == 2 * len(names)
    by_httpx, by_aiohttp = documents[: len(names)], documents[len(names) :]
    assert [d.params for d in by_aiohttp] == [d.params for d in by_httpx]
    plain = [d.params["document"]["file_name"] for d in by_aiohttp]
    assert plain[0] == "Lembar Disposisi.docx"
    assert plain[4] == "Laporan Kinerja – Biro Perencanaan ✓ 日本.docx"


async def test_bot_long_poll_get_updates(emu: BotApiEmulator) -> None:
    request = AiohttpRequest(connection_pool_size=1)
    async with make_bot(emu, request) as bot:
        first = await bot.get_updates(timeout=0)
        assert [u.message.text for u in first if u.message] == ["/start"]
        offset = first[-1].update_id + 1
        poll = asyncio.create_task(bot.get_updates(offset=offset, timeout=20))
        await emu.user(1001).send("pesan selama long poll")
        updates = await poll
    assert [u.message.text for u in updates if u.message] == ["pesan selama long poll"]
    long_polls = [c for c in emu.calls_to("getUpdates") if c.params.get("timeout") == 20]
    assert len(long_polls) == 1 and long_polls[0].status == 200


def test_the_application_uses_aiohttp_unless_told_httpx(tmp_path: Path) -> None:
    config = world_config(tmp_path, "http://127.0.0.1:9")
    app = build_application(config, TOKEN)
    assert isinstance(app.bot.request, AiohttpRequest)
    assert app.bot.request.max_response_bytes == SELF_HOSTED_MAX_DOWNLOAD + MB
    httpx_config = dataclasses.replace(
        config, bot=dataclasses.replace(config.bot, http_client="httpx")
    )
    assert isinstance(build_application(httpx_config, TOKEN).bot.request, HTTPXRequest)
