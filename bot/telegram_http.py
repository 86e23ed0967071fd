"""A lean HTTP/1.1 client for python-telegram-bot: ``LeanRequest``, a ``BaseRequest``.

Why this exists: PTB's default ``HTTPXRequest`` goes through httpx, httpcore, anyio and h11 on
every Bot API call. Profiles of this bot show that stack at 45-75 % of the process's CPU,
about 1.3 ms per call over loopback, although a Bot API call is one small form-encoded POST
and one small JSON answer on a keep-alive connection. ``LeanRequest`` does exactly that on
plain asyncio streams: it builds the request head from per-origin bytes computed once, writes
head and body in one ``transport.write``, reads the answer head with one ``readuntil`` and the
body with (usually) one ``read``, and arms one timer per operation inside a single
``asyncio.timeout`` per call (rescheduled, not re-created). No task, regex or URL parser runs
on the per-call path.

What it keeps from ``HTTPXRequest`` (``telegram/request/_httpxrequest.py``):

* the wire format: a body only when there are parameters; form fields urlencoded like
  httpx's ``data=`` (byte for byte ``urlencode`` of ``RequestData.json_parameters``, from a
  lookup table rather than ``quote_plus``'s per-byte Python loop); with files,
  ``multipart/form-data`` with the parameters as fields first and then the file parts
  (``name``/``filename`` escaped the way httpx does, a ``Content-Type`` per file); a POST
  without a body says ``Content-Length: 0``; PTB's ``User-Agent``;
* the timeouts: ``DEFAULT_NONE`` resolves to the instance's defaults, the write timeout of a
  request that uploads files defaults to ``media_write_timeout``; connect, each write (drain)
  and each read have their own timer; a full pool raises ``TimedOut`` with PTB's pool message,
  any other timeout ``TimedOut()``; other transport failures raise ``NetworkError``;
* a bounded pool: at most ``connection_pool_size`` connections in use at once (across
  origins, like httpx's ``max_connections``), idle ones kept per origin for reuse;
* httpcore's habit of still reading the answer after a failed write, since a server may
  answer (413, say) and close before it has read the whole upload.

What it adds: a *reused* keep-alive connection whose request could not even be written (the
server had closed it while idle: reset, broken pipe) and that brought not a byte of answer is
retried once on a new connection. Nothing else is ever retried: once a request was handed to
the kernel, the server may have acted on it (a ``sendMessage``), so a connection that then
ends unanswered raises ``NetworkError`` as httpx does, and the caller decides (the outbox
sends again, at least once). An idle connection the server has closed is noticed before
reuse (its reader is at EOF), so that case seldom arises.

The URL carries the bot token, so no exception message or log line here contains it (nor
the request path).

Limitations: no proxy support (``HTTPS_PROXY``/``ALL_PROXY`` are ignored, unlike httpx), no
HTTP/2, no idle-age expiry of pooled connections (httpx drops them after 5 s; here a dead one
is found on reuse), uploads are held in memory whole (Telegram's 50 MB limit keeps that
bounded), answer heads need CRLF line endings, and ``Content-Encoding`` other than
gzip/deflate is passed through as is (none is asked for: no ``Accept-Encoding`` is sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import ssl
import zlib
from typing import Final
from urllib.parse import quote, urlsplit

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["LeanRequest"]

_log = logging.getLogger(__name__)

# The most bytes an answer head (status line + headers), a chunk-size line or the trailers
# may take. It is also the StreamReader's limit, whose flow control it sets (reading pauses
# at twice this much unread data).
_MAX_HEAD: Final = 64 * 1024
# A request up to this size goes out in one write; a larger one in writes of this size, each
# with its own write timeout (httpcore writes 64 KiB chunks the same way).
_WRITE_CHUNK: Final = 64 * 1024
# Interim (1xx) answers skipped before one counts as malformed.
_MAX_INTERIM: Final = 16

_POOL_TIMEOUT_MESSAGE: Final = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)
_FORM_TYPE: Final = b"application/x-www-form-urlencoded"
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
_HEX_DIGITS: Final = b"0123456789abcdefABCDEF"
# Characters left alone when a request target has to be percent-encoded: the reserved set,
# "%" (already-encoded escapes stay as they are) and the unreserved ones quote() keeps anyway.
_TARGET_SAFE: Final = "!$%&'()*+,/:;=?@[]~"
# urlencode()'s quote_plus, byte by byte: unreserved characters stay, space becomes "+",
# everything else (UTF-8 bytes) "%XX". quote_plus builds the same per call with a Python-level
# loop over a dict per byte; a tuple looked up from C (map) is several times cheaper.
_FORM_QUOTED: Final = tuple(
    chr(b)
    if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_.-~")
    else "+"
    if b == 0x20
    else f"%{b:02X}"
    for b in range(256)
)
# httpx's escaping of multipart ``name``/``filename`` values (HTML5 form encoding).
_FORM_PARAM_ESCAPES: Final = str.maketrans(
    {'"': "%22", "\\": "\\\\", **{chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}}
)


class _ProtocolError(Exception):
    """The server's answer is not valid HTTP/1.x (becomes a ``NetworkError``)."""


class _NoResponse(Exception):
    """The connection ended (or failed) before a single answer byte arrived.

    ``unsent``: writing the request failed too, so the server cannot have acted on it; on a
    reused connection (the keep-alive race) the request is then sent once more.
    """

    def __init__(self, message: str, unsent: bool = False) -> None:
        super().__init__(message)
        self.unsent = unsent


class _Conn:
    """One pooled connection: the stream pair and its transport."""

    __slots__ = ("reader", "transport", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.transport = writer.transport

    def reusable(self) -> bool:
        """Whether an idle connection can take a request: no EOF, error or closing, and no
        unread bytes (data the server sent unasked, a "408 Request Timeout" before it
        closes, say, would otherwise be read as the next request's answer)."""
        reader = self.reader
        return not (
            getattr(reader, "_buffer", None)  # StreamReader has no public "bytes pending"
            or reader.at_eof()
            or self.transport.is_closing()
            or reader.exception() is not None
        )


class _Origin:
    """What is fixed per scheme://host:port: where to connect and the request-head tail."""

    __slots__ = ("head_tail", "host", "idle", "port", "server_hostname", "ssl")

    def __init__(
        self, host: str, port: int, ssl_context: ssl.SSLContext | None, host_header: str
    ) -> None:
        self.host = host
        self.port = port
        self.ssl = ssl_context
        self.server_hostname = host if ssl_context is not None else None
        # Everything after "METHOD target" up to the per-request content headers. httpx sends
        # Accept-Encoding too; this client sends none, so answers come unencoded.
        self.head_tail = (
            f" HTTP/1.1\r\nHost: {host_header}\r\nAccept: */*\r\n"
            f"Connection: keep-alive\r\nUser-Agent: {BaseRequest.USER_AGENT}\r\n"
        ).encode("ascii")
        self.idle: list[_Conn] = []


def _form_quote(text: str) -> str:
    data = text.encode()
    if data.isalnum():  # ASCII letters and digits only (and not empty): nothing to escape
        return text
    return "".join(map(_FORM_QUOTED.__getitem__, data))


def _form_encode(params: dict[str, str]) -> bytes:
    """``urlencode(params).encode()``, what httpx sends for ``data=params``, only faster."""
    return "&".join([f"{_form_quote(k)}={_form_quote(v)}" for k, v in params.items()]).encode(
        "ascii"
    )


def _form_param(name: str, value: str) -> bytes:
    return f'{name}="{value.translate(_FORM_PARAM_ESCAPES)}"'.encode()


def _multipart(fields: dict[str, str], files: UploadFileDict) -> tuple[list[bytes], int, bytes]:
    """``multipart/form-data`` as httpx encodes ``data=fields, files=files``.

    Returns the body's pieces, its length and its Content-Type value.
    """
    boundary = os.urandom(16).hex().encode("ascii")
    delimiter = b"--" + boundary + b"\r\n"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts += (
            delimiter,
            b"Content-Disposition: form-data; " + _form_param("name", name) + b"\r\n\r\n",
            value.encode(),
            b"\r\n",
        )
    for name, (filename, content, mimetype) in files.items():
        if isinstance(content, bytes):
            data = content
        else:
            # httpx rewinds a file handle before reading it
            with contextlib.suppress(AttributeError, io.UnsupportedOperation):
                content.seek(0)
            data = content.read()
        head = b"Content-Disposition: form-data; " + _form_param("name", name)
        if filename:
            head += b"; " + _form_param("filename", filename)
        head += b"\r\nContent-Type: " + mimetype.encode() + b"\r\n\r\n"
        parts += (delimiter, head, data, b"\r\n")
    parts.append(b"--" + boundary + b"--\r\n")
    return parts, sum(map(len, parts)), b"multipart/form-data; boundary=" + boundary


def _decode_content(body: bytes, encoding: bytes) -> bytes:
    """Undo a gzip/deflate Content-Encoding (never asked for, but httpx would undo it)."""
    encoding = encoding.strip().lower()
    if encoding in (b"gzip", b"x-gzip"):
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if encoding == b"deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body


def _deadline(loop: asyncio.AbstractEventLoop, timeout: float | None) -> float | None:
    return None if timeout is None else loop.time() + timeout


class LeanRequest(BaseRequest):
    """``BaseRequest`` over asyncio streams: HTTP/1.1 keep-alive, http:// and https://.

    Args:
        connection_pool_size: Most connections in use at once (all origins together).
        read_timeout: Default seconds to wait for each read of the answer (``None``: forever).
        write_timeout: Default seconds to wait for each write of a request without files.
        connect_timeout: Default seconds to wait for a connection (TCP and TLS handshake).
        pool_timeout: Default seconds to wait for a free connection slot.
        media_write_timeout: Default write timeout of requests that upload files.
        ssl_context: For https:// origins; default ``ssl.create_default_context()`` (made on
            first use), i.e. the system's CAs, certificate and host name checked, SNI = host.
    """

    __slots__ = (
        "_closed",
        "_connect_timeout",
        "_media_write_timeout",
        "_origins",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_slots",
        "_ssl_context",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._slots = asyncio.Semaphore(connection_pool_size)
        self._origins: dict[str, _Origin] = {}
        self._ssl_context = ssl_context
        # Usable right away, like HTTPXRequest (whose client exists from the constructor on).
        self._closed = False

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (see ``BaseRequest.read_timeout``)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Make the instance usable again after ``shutdown``.

        The slot semaphore is made anew then: an asyncio primitive binds to the event loop it
        first waits in, and a restarted application may run on a new loop.
        """
        if self._closed:
            self._slots = asyncio.Semaphore(self._pool_size)
            self._closed = False

    async def shutdown(self) -> None:
        """Close the idle connections; connections in use close when their request ends."""
        if self._closed:
            _log.debug("This LeanRequest is already shut down. Returning.")
            return
        self._closed = True
        closed = False
        for origin in self._origins.values():
            while origin.idle:
                # (keep the _Conn referenced until aborted: it owns the StreamWriter, whose
                # __del__ would otherwise warn about an unclosed transport first)
                conn = origin.idle.pop()
                try:
                    conn.transport.abort()
                except RuntimeError:  # its event loop is gone already
                    continue
                closed = True
        if closed:
            # one loop turn: the transports' connection_lost callbacks close the sockets
            await asyncio.sleep(0)

    # -- the request path -----------------------------------------------------------------
    def _origin(self, key: str) -> _Origin:
        """The origin for ``scheme://netloc``, parsed once and then looked up by that string."""
        origin = self._origins.get(key)
        if origin is not None:
            return origin
        try:
            parts = urlsplit(key)
            host = parts.hostname
            port = parts.port
        except ValueError:
            raise NetworkError("LeanRequest: malformed URL") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not host:
            raise NetworkError("LeanRequest: the URL must be http:// or https:// with a host")
        default_port = 443 if scheme == "https" else 80
        ssl_context: ssl.SSLContext | None = None
        if scheme == "https":
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()
            ssl_context = self._ssl_context
        ascii_host = host.encode("idna").decode("ascii")
        host_header = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
        if port is not None and port != default_port:
            host_header += f":{port}"
        origin = _Origin(ascii_host, port or default_port, ssl_context, host_header)
        self._origins[key] = origin
        return origin

    def _request_bytes(
        self, method: str, url: str, request_data: RequestData | None
    ) -> tuple[_Origin, bytes, bool]:
        """The origin, the whole request (head and body) and whether it uploads files."""
        # "scheme://host[:port]" ends at the first "/" after the "//"
        split = url.find("/", url.find("//") + 2)
        if split < 0:
            key, target = url, "/"
        else:
            key, target = url[:split], url[split:]
        if "?" in key:  # "http://host?query": no path at all
            key, _, query = key.partition("?")
            target = "/?" + query
        origin = self._origin(key)
        if "#" in target:
            target = target.partition("#")[0]
        if not (target.isascii() and target.isprintable()) or " " in target:
            target = quote(target, safe=_TARGET_SAFE)

        parts: list[bytes] = [
            method.encode("ascii"),
            b" ",
            target.encode("ascii"),
            origin.head_tail,
        ]
        has_files = False
        if request_data is not None and request_data.contains_files:
            has_files = True
            body, length, content_type = _multipart(
                request_data.json_parameters, request_data.multipart_data
            )
            parts += (
                b"Content-Length: %d\r\nContent-Type: %s\r\n\r\n" % (length, content_type),
                *body,
            )
        else:
            params = request_data.json_parameters if request_data is not None else None
            if params:
                form = _form_encode(params)
                parts += (
                    b"Content-Length: %d\r\nContent-Type: %s\r\n\r\n" % (len(form), _FORM_TYPE),
                    form,
                )
            elif method in _BODY_METHODS:
                parts.append(b"Content-Length: 0\r\n\r\n")
            else:
                parts.append(b"\r\n")
        return origin, b"".join(parts), has_files

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
        """See ``BaseRequest.do_request``: one request, the status code and the body."""
        if self._closed:
            raise RuntimeError("This LeanRequest is not initialized!")
        origin, payload, has_files = self._request_bytes(method, url, request_data)

        # DEFAULT_NONE -> the instance's defaults, exactly as HTTPXRequest resolves them
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if has_files else self._write_timeout

        loop = asyncio.get_running_loop()
        slots = self._slots
        acquired = False
        conn: _Conn | None = None
        try:
            # One Timeout for the whole call, re-armed before each operation: cheaper than a
            # context manager per operation, and the same per-operation semantics.
            async with asyncio.timeout(None) as timer:
                if slots.locked():
                    timer.reschedule(_deadline(loop, pool_timeout))
                await slots.acquire()
                acquired = True

                idle = origin.idle
                while idle:
                    conn = idle.pop()
                    if conn.reusable():
                        break
                    conn.transport.abort()
                    conn = None
                reused = conn is not None
                if conn is None:
                    timer.reschedule(_deadline(loop, connect_timeout))
                    conn = await self._connect(origin)
                try:
                    status, body, keep_alive = await self._exchange(
                        conn, payload, method == "HEAD", timer, loop, write_timeout, read_timeout
                    )
                except _NoResponse as exc:
                    if not (reused and exc.unsent):
                        raise
                    # the keep-alive race: the server closed the idle connection as we sent
                    _log.debug("Reused connection closed before an answer; retrying once")
                    conn.transport.abort()
                    conn = None
                    timer.reschedule(_deadline(loop, connect_timeout))
                    conn = await self._connect(origin)
                    status, body, keep_alive = await self._exchange(
                        conn, payload, method == "HEAD", timer, loop, write_timeout, read_timeout
                    )
                if keep_alive and not self._closed and len(idle) < self._pool_size:
                    idle.append(conn)
                else:
                    conn.transport.close()
                conn = None
        except TimeoutError as exc:
            if not acquired:
                raise TimedOut(message=_POOL_TIMEOUT_MESSAGE) from exc
            raise TimedOut from exc
        except (_NoResponse, _ProtocolError) as exc:
            raise NetworkError(f"LeanRequest: {exc}") from exc
        except asyncio.IncompleteReadError as exc:
            raise NetworkError(
                "LeanRequest: server disconnected before the answer was complete"
            ) from exc
        except asyncio.LimitOverrunError as exc:
            raise NetworkError(
                f"LeanRequest: a line of the answer exceeds {_MAX_HEAD} bytes"
            ) from exc
        except zlib.error as exc:
            raise NetworkError(f"LeanRequest: undecodable answer body: {exc}") from exc
        except OSError as exc:
            raise NetworkError(f"LeanRequest: {type(exc).__name__}: {exc}") from exc
        finally:
            # an error or cancellation mid-request: the connection's state is unknown, drop it
            if conn is not None:
                conn.transport.abort()
            if acquired:
                slots.release()
        return status, body

    async def _connect(self, origin: _Origin) -> _Conn:
        reader, writer = await asyncio.open_connection(
            origin.host,
            origin.port,
            ssl=origin.ssl,
            server_hostname=origin.server_hostname,
            limit=_MAX_HEAD,
        )
        return _Conn(reader, writer)

    async def _exchange(
        self,
        conn: _Conn,
        payload: bytes,
        head_only: bool,
        timer: asyncio.Timeout,
        loop: asyncio.AbstractEventLoop,
        write_timeout: float | None,
        read_timeout: float | None,
    ) -> tuple[int, bytes, bool]:
        """Send ``payload``, read the answer: (status, body, whether to keep the connection)."""
        transport = conn.transport
        write_error: OSError | None = None
        try:
            if len(payload) <= _WRITE_CHUNK:
                transport.write(payload)
                if transport.get_write_buffer_size():
                    timer.reschedule(_deadline(loop, write_timeout))
                    await conn.writer.drain()
            else:
                view = memoryview(payload)
                for start in range(0, len(view), _WRITE_CHUNK):
                    transport.write(view[start : start + _WRITE_CHUNK])
                    if transport.get_write_buffer_size():
                        timer.reschedule(_deadline(loop, write_timeout))
                        await conn.writer.drain()
        except OSError as exc:
            # Like httpcore: a server may answer (413, say) and close before reading the whole
            # request, so still try to read the answer; the connection is not reused.
            write_error = exc

        reader = conn.reader
        timer.reschedule(_deadline(loop, read_timeout))
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise _ProtocolError(
                    "server disconnected before the answer head was complete"
                ) from None
            raise _NoResponse(
                "server disconnected without sending a response", unsent=write_error is not None
            ) from write_error
        except OSError as exc:
            # a reset: retryable only if not a byte of the answer had arrived
            if getattr(reader, "_buffer", None):
                raise
            raise _NoResponse(
                f"{type(exc).__name__}: {exc}", unsent=write_error is not None
            ) from exc

        interim = 0
        while True:
            status, length, chunked, close, encoding = self._parse_head(head)
            if status >= 200:
                break
            if status == 101:
                raise _ProtocolError("unexpected 101 Switching Protocols")
            interim += 1
            if interim > _MAX_INTERIM:
                raise _ProtocolError("too many interim (1xx) answers")
            timer.reschedule(_deadline(loop, read_timeout))
            head = await reader.readuntil(b"\r\n\r\n")

        keep_alive = not close and write_error is None
        if head_only or status in (204, 304):
            body = b""
        elif chunked:
            body = await self._read_chunked(reader, timer, loop, read_timeout)
        elif length is not None:
            body = await self._read_exactly(reader, length, timer, loop, read_timeout)
        else:
            # neither Content-Length nor chunked: the body ends when the server closes
            keep_alive = False
            body = await self._read_to_eof(reader, timer, loop, read_timeout)
        if encoding is not None:
            body = _decode_content(body, encoding)
        return status, body, keep_alive

    @staticmethod
    def _parse_head(
        head: bytes,
    ) -> tuple[int, int | None, bool, bool, bytes | None]:
        """Status line and the headers that matter: (status, Content-Length, chunked,
        no keep-alive, Content-Encoding)."""
        lines = head[:-4].split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        if version == b"HTTP/1.1":
            http11 = True
        elif version == b"HTTP/1.0":
            http11 = False
        else:
            raise _ProtocolError("malformed status line")
        code = rest[:3]
        if len(code) != 3 or not code.isdigit() or rest[3:4] not in (b"", b" "):
            raise _ProtocolError("malformed status line")
        status = int(code)

        length: int | None = None
        transfer_encoding: bytes | None = None
        connection = b""
        encoding: bytes | None = None
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name[-1] in b" \t":
                if line[:1] in (b" ", b"\t"):  # obsolete line folding: skip the continuation
                    continue
                raise _ProtocolError("malformed header line")
            name = name.lower()
            if name == b"content-length":
                for item in value.split(b","):
                    item = item.strip()
                    if not item.isdigit() or (length is not None and int(item) != length):
                        raise _ProtocolError("invalid Content-Length")
                    length = int(item)
            elif name == b"transfer-encoding":
                value = value.strip().lower()
                transfer_encoding = (
                    value if transfer_encoding is None else transfer_encoding + b"," + value
                )
            elif name == b"connection":
                connection += b"," + value.lower()
            elif name == b"content-encoding":
                value = value.strip()
                if value and value.lower() != b"identity":
                    encoding = value
        if connection:
            tokens = {token.strip() for token in connection.split(b",")}
            close = b"close" in tokens if http11 else b"keep-alive" not in tokens
        else:
            close = not http11
        chunked = False
        if transfer_encoding is not None:
            # Transfer-Encoding wins over Content-Length (and then the connection is not
            # reused); a final coding other than chunked is read until the server closes.
            chunked = transfer_encoding.rsplit(b",", 1)[-1].strip() == b"chunked"
            if length is not None:
                close = True
            length = None
        return status, length, chunked, close, encoding

    @staticmethod
    async def _read_exactly(
        reader: asyncio.StreamReader,
        size: int,
        timer: asyncio.Timeout,
        loop: asyncio.AbstractEventLoop,
        read_timeout: float | None,
    ) -> bytes:
        """``size`` bytes, each read under its own read timeout (large downloads included)."""
        if size == 0:
            return b""
        timer.reschedule(_deadline(loop, read_timeout))
        data = await reader.read(size)  # all of it, usually: the body came with the head
        if len(data) == size:
            return data
        pieces = [data]
        missing = size - len(data)
        while data and missing:
            timer.reschedule(_deadline(loop, read_timeout))
            data = await reader.read(missing)
            pieces.append(data)
            missing -= len(data)
        if missing:
            raise asyncio.IncompleteReadError(b"".join(pieces), size)
        return b"".join(pieces)

    @staticmethod
    async def _read_to_eof(
        reader: asyncio.StreamReader,
        timer: asyncio.Timeout,
        loop: asyncio.AbstractEventLoop,
        read_timeout: float | None,
    ) -> bytes:
        pieces: list[bytes] = []
        while True:
            timer.reschedule(_deadline(loop, read_timeout))
            data = await reader.read(1 << 20)
            if not data:
                return b"".join(pieces)
            pieces.append(data)

    @classmethod
    async def _read_chunked(
        cls,
        reader: asyncio.StreamReader,
        timer: asyncio.Timeout,
        loop: asyncio.AbstractEventLoop,
        read_timeout: float | None,
    ) -> bytes:
        pieces: list[bytes] = []
        while True:
            timer.reschedule(_deadline(loop, read_timeout))
            line = await reader.readuntil(b"\r\n")
            size_field = line[:-2].partition(b";")[0].strip()  # drop chunk extensions
            if not size_field or size_field.strip(_HEX_DIGITS) or len(size_field) > 16:
                raise _ProtocolError("malformed chunk size")
            size = int(size_field, 16)
            if size == 0:
                break
            pieces.append(await cls._read_exactly(reader, size, timer, loop, read_timeout))
            timer.reschedule(_deadline(loop, read_timeout))
            if await reader.readexactly(2) != b"\r\n":
                raise _ProtocolError("malformed chunk terminator")
        # trailers (ignored) up to the empty line
        trailer_bytes = 0
        while True:
            timer.reschedule(_deadline(loop, read_timeout))
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                return b"".join(pieces)
            trailer_bytes += len(line)
            if trailer_bytes > _MAX_HEAD:
                raise _ProtocolError("chunked trailers too large")
