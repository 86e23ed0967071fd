"""The bot's HTTP layer: ``AiohttpRequest``, a python-telegram-bot ``BaseRequest`` on aiohttp.

It behaves like PTB's own ``HTTPXRequest`` (``telegram/request/_httpxrequest.py``) where PTB
can see it, and does what that one leaves to httpx:

* **Wire format.** Form bodies are ``RequestData.url_encoded_parameters()`` (the same
  ``urlencode`` httpx applies to ``data=``); with files, ``multipart/form-data`` written here
  exactly as httpx writes it (parameters first, then one part per file, ``name``/``filename``
  escaped the HTML5 way httpx does, a ``Content-Type`` per file). aiohttp's own ``FormData``
  would percent-encode file names, so it is not used. A POST without parameters sends no body.
* **Timeouts.** ``DEFAULT_NONE`` means the instance's default, as in ``HTTPXRequest``; a
  request that uploads files defaults to ``media_write_timeout`` for writing. The connect
  timeout is aiohttp's ``sock_connect``, the read timeout its ``sock_read`` (each read of the
  answer). aiohttp has no write timeout: a body above 64 KiB (an upload) is streamed in
  64 KiB chunks under an outer deadline re-armed to ``write_timeout`` before each chunk; a
  smaller body is handed to the transport without waiting, so it cannot stall on writing.
  Every timeout raises PTB's ``TimedOut``.
* **Pool.** At most ``connection_pool_size`` requests in flight (HTTPXRequest's
  ``max_connections``); a request that cannot get a slot within ``pool_timeout`` raises
  ``TimedOut`` with PTB's pool message (it was not sent). Idle keep-alive connections
  expire after ``keepalive_timeout`` seconds (aiohttp closes them), so a far side or a
  middlebox that drops idle connections seldom meets a reused one.
* **Redirects** are never followed: a 307 comes back as a status, which PTB turns into an
  error.
* **Proxy.** Read once, at construction, from ``HTTPS_PROXY`` / ``HTTP_PROXY`` /
  ``ALL_PROXY`` (lower-case forms first) and ``NO_PROXY``; decided once per origin and
  passed to each request. aiohttp's ``trust_env`` is not used: it re-reads netrc and the
  proxy variables on every call. http:// and https:// proxies only (SOCKS: use httpx).
* **Body cap.** An answer longer than ``max_response_bytes`` raises ``NetworkError`` (it
  must be above the largest file the Bot API server lets the bot download).
* **The token.** Bot API URLs hold the token (``.../bot<token>/getMe``). No error raised
  here carries it: aiohttp's messages are scrubbed, and an aiohttp exception is chained as
  the cause only when nothing in its chain mentions the token.

Only public modules of PTB are imported (``telegram.request``, ``telegram.error``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import mimetypes
import os
import re
import ssl
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import IO, Any, Final
from urllib.parse import quote, unquote, urlsplit

import aiohttp
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.config import CLOUD_MAX_FILE_MB, SELF_HOSTED_MAX_FILE_MB, is_cloud_api
from bot.logsetup import TOKEN_SHAPE

__all__ = [
    "CLOUD_MAX_DOWNLOAD",
    "SELF_HOSTED_MAX_DOWNLOAD",
    "AiohttpRequest",
    "ProxyChoice",
    "ProxyError",
    "max_response_bytes_for",
    "tls_context",
]

_log = logging.getLogger(__name__)

MIB: Final = 1024 * 1024
# The largest file a bot may download (getFile): 20 MB from the cloud Bot API, 2000 MB from a
# self-hosted server (--local). The answer cap sits a little above.
CLOUD_MAX_DOWNLOAD: Final = CLOUD_MAX_FILE_MB * MIB
SELF_HOSTED_MAX_DOWNLOAD: Final = SELF_HOSTED_MAX_FILE_MB * MIB
_CAP_HEADROOM: Final = 1 * MIB

# A body up to this size is handed to aiohttp as bytes (its writer then never waits for the
# transport to drain); a larger one is streamed in chunks of this size under the write
# timeout. aiohttp's writer drains above 64 KiB too.
_STREAM_CHUNK: Final = 64 * 1024

_POOL_TIMEOUT_MESSAGE: Final = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)
_FORM_TYPE: Final = "application/x-www-form-urlencoded"
# httpx's escaping of multipart ``name``/``filename`` values (HTML5 form encoding):
# '"' -> %22, '\' -> '\\', control characters but ESC -> %XX; everything else (non-ASCII
# included) stays and is written as UTF-8.
_FORM_PARAM_ESCAPES: Final = str.maketrans(
    {'"': "%22", "\\": "\\\\", **{chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}}
)
# Bot API methods whose repetition changes nothing (reads, and setters of a whole value).
# Only these are sent again after a connection died before answering; see _may_resend.
_IDEMPOTENT_SETTERS: Final = frozenset(
    {
        "setWebhook",
        "deleteWebhook",
        "setMyCommands",
        "deleteMyCommands",
        "setMyName",
        "setMyDescription",
        "setMyShortDescription",
        "setChatMenuButton",
        "setMyDefaultAdministratorRights",
    }
)
# Connection failures before an answer arrived (not connect failures: nothing was sent then,
# and aiohttp reports them as ClientConnectorError, which this tuple's check excludes).
_DIED_BEFORE_ANSWER: Final = (
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientOSError,
    aiohttp.ClientConnectionResetError,
)
# /bot<token>/ and /file/bot<token>/ in any text that slipped through the exact scrub
_BOT_PATH: Final = re.compile(r"/(file/)?bot[^/\s'\"<>)]+")


def max_response_bytes_for(api_base_url: str) -> int:
    """The answer cap for a Bot API server: above the largest download it allows."""
    largest = CLOUD_MAX_DOWNLOAD if is_cloud_api(api_base_url) else SELF_HOSTED_MAX_DOWNLOAD
    return largest + _CAP_HEADROOM


def tls_context(ca_file: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """The system's trusted CAs, plus ``ca_file`` (PEM) if given: e.g. the CA of a
    self-hosted Bot API server's self-signed certificate. Host names are checked."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=os.fspath(ca_file))
    return context


@functools.lru_cache(maxsize=8)
def _shared_tls_context(ca_file: str | None) -> ssl.SSLContext:
    """One context per CA file for all instances: loading the system's CAs takes ~20 ms."""
    return tls_context(ca_file)


class ProxyError(ValueError):
    """A proxy variable the bot cannot use: one line for the operator, naming the variable
    (never the user name or password the URL may hold)."""


def _checked_proxy(variable: str, value: str) -> str:
    """The scheme of the proxy URL in ``variable``; :class:`ProxyError` when it is no URL a
    connection can be made to (an address left open, no host, a port that is none)."""
    shown = re.sub(r"(?<=://)[^/@]*@", "", value)
    try:
        parts = urlsplit(value)
    except ValueError:  # "http://[fd00::1:3128"
        raise ProxyError(
            f"{variable}: not a proxy URL ({shown}): its [address] is not closed"
        ) from None
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ProxyError(
            f"{variable}: not a proxy URL ({shown}): the port must be a number from 1 to 65535"
        )
    if not parts.hostname:
        raise ProxyError(f"{variable}: not a proxy URL ({shown}): it names no host")
    return parts.scheme.lower()


class ProxyChoice:
    """The proxy variables as they were when this was made (read once, not per call).

    For an origin ``scheme://host:port``: ``NO_PROXY`` (host, ``.domain`` suffix, ``*``,
    host:port) means direct; else ``<SCHEME>_PROXY``, then ``ALL_PROXY``; lower-case names
    win over upper-case ones, as in curl and urllib.
    """

    __slots__ = ("no_proxy", "proxies")

    def __init__(self, environ: Mapping[str, str]) -> None:
        def lookup(name: str) -> tuple[str, str] | None:
            for variable in (name.lower(), name.upper()):
                value = environ.get(variable, "").strip()
                if value:
                    return variable, value
            return None

        self.no_proxy = lookup("no_proxy")
        # scheme -> (variable, proxy URL)
        self.proxies: dict[str, tuple[str, str]] = {}
        for scheme in ("http", "https"):
            found = lookup(f"{scheme}_proxy") or lookup("all_proxy")
            if found is None:
                continue
            variable, value = found
            if "://" not in value:
                value = "http://" + value  # "proxy:3128" means an HTTP proxy, as in httpx
            proxy_scheme = _checked_proxy(variable, value)
            if proxy_scheme not in ("http", "https"):
                raise ProxyError(
                    f"{variable}: the aiohttp client speaks to http:// and https:// proxies "
                    f"only, not {proxy_scheme}://; use bot.http_client = 'httpx' for SOCKS"
                )
            self.proxies[scheme] = (variable, value)

    def for_origin(self, scheme: str, host: str, port: int) -> tuple[str, str] | None:
        """(variable, proxy URL) for an origin, or None for a direct connection."""
        proxy = self.proxies.get(scheme)
        if proxy is None:
            return None
        if self.no_proxy is not None and _bypassed(self.no_proxy[1], host, port):
            return None
        return proxy


def _bypassed(no_proxy: str, host: str, port: int) -> bool:
    """Whether NO_PROXY exempts host:port: ``*``; a name (with or without a leading dot) that
    is the host or a parent domain of it; an IP address; any of them with ``:port``."""
    host = host.lower().strip("[]")
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if entry == "*":
            return True
        entry_port: int | None = None
        if entry.startswith("["):  # [v6] or [v6]:port
            name, _, rest = entry[1:].partition("]")
            if rest.startswith(":") and rest[1:].isdigit():
                entry_port = int(rest[1:])
        elif entry.count(":") == 1:
            name, _, port_text = entry.partition(":")
            if not port_text.isdigit():
                continue
            entry_port = int(port_text)
        else:
            name = entry
        name = name.lstrip(".")
        if not name or (entry_port is not None and entry_port != port):
            continue
        if host == name or host.endswith("." + name):
            return True
    return False


def _display_url(url: str) -> str:
    """scheme://host:port of a URL: no user, password, path or query."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def _resolve(value: object, default: float | None) -> float | None:
    """A timeout argument: ``DEFAULT_NONE`` -> the instance default, as ``HTTPXRequest``
    resolves it (PTB passes no other ``DefaultValue`` as a timeout; the check is the one
    ``BaseRequest.DEFAULT_NONE`` documents)."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    if value is None or isinstance(value, int | float):
        return value
    raise TypeError(f"a timeout must be a number or None, not {type(value).__name__}")


def _form_param(name: str, value: str) -> bytes:
    return f'{name}="{value.translate(_FORM_PARAM_ESCAPES)}"'.encode()


def _read_handle(handle: IO[bytes]) -> bytes:
    """A file handle's content from its start, as httpx reads it (seek(0) where it can)."""
    with contextlib.suppress(AttributeError, io.UnsupportedOperation):
        handle.seek(0)
    return handle.read()


def _multipart(
    fields: Mapping[str, str],
    files: Mapping[str, tuple[str | None, bytes | IO[bytes], str | None]],
    boundary: bytes,
) -> list[bytes]:
    """``multipart/form-data`` pieces, byte for byte what httpx's ``MultipartStream`` writes
    for ``data=fields, files=files`` (blocking when a file is a handle: run in a thread)."""
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
        data = content if isinstance(content, bytes) else _read_handle(content)
        if mimetype is None and filename:
            mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        head = b"Content-Disposition: form-data; " + _form_param("name", name)
        if filename:
            head += b"; " + _form_param("filename", filename)
        if mimetype is not None:
            head += b"\r\nContent-Type: " + mimetype.encode()
        parts += (delimiter, head + b"\r\n\r\n", data, b"\r\n")
    parts.append(b"--" + boundary + b"--\r\n")
    return parts


class _Scrubber:
    """Removes the token (and any ``/bot<...>`` path) from text about one URL."""

    __slots__ = ("_fragments",)

    def __init__(self, url: str) -> None:
        fragments: set[str] = set()
        for segment in url.split("/"):  # works on malformed URLs too
            if not segment.startswith("bot") or len(segment) <= 3:
                continue
            for token in (segment[3:], unquote(segment[3:])):
                secret = token.partition(":")[2]
                for item in (token, quote(token, safe=""), quote(token, safe=":")):
                    fragments.add(item)
                if len(secret) >= 8:
                    fragments.add(secret)
        self._fragments = sorted(fragments, key=len, reverse=True)

    def clean(self, text: str) -> str:
        for fragment in self._fragments:
            text = text.replace(fragment, "<token>")
        text = _BOT_PATH.sub(lambda m: f"/{m.group(1) or ''}bot<token>", text)
        return TOKEN_SHAPE.sub("<token>", text)

    def mentioned_in(self, exc: BaseException) -> bool:
        """Whether the token shows in any link of ``exc``'s cause/context chain."""
        seen: set[int] = set()
        todo: list[BaseException | None] = [exc]
        while todo:
            link = todo.pop()
            if link is None or id(link) in seen:
                continue
            seen.add(id(link))
            for text in (str(link), repr(link)):
                if self.clean(text) != text:
                    return True
            todo += (link.__cause__, link.__context__)
        return False


class AiohttpRequest(BaseRequest):
    """``BaseRequest`` on an aiohttp ``ClientSession`` (HTTP/1.1, http:// and https://).

    Args:
        connection_pool_size: Most requests (connections) in flight at once; PTB uses 256
            for the bot's calls and 1 for ``getUpdates``.
        read_timeout: Default seconds to wait for each read of the answer (``None``: forever).
        write_timeout: Default seconds for each 64 KiB write of a request without files.
        connect_timeout: Default seconds to connect (TCP and TLS handshake).
        pool_timeout: Default seconds to wait for a free slot in the pool.
        media_write_timeout: Default write timeout of requests that upload files.
        max_response_bytes: Longest answer body accepted (after decompression); see
            :func:`max_response_bytes_for`. Default: the cloud Bot API's.
        ssl_context: For https:// origins; default :func:`tls_context` (the system's CAs,
            plus ``ca_file``).
        ca_file: A PEM CA file trusted in addition to the system's (a self-hosted Bot API
            server's self-signed CA); ignored when ``ssl_context`` is given.
        keepalive_timeout: Seconds an idle keep-alive connection is kept for reuse.
        happy_eyeballs_delay: RFC 8305 connection attempt delay between addresses
            (IPv6/IPv4) of a host; ``None`` tries them one after another.
        environ: Where the proxy variables are read (once, here); default ``os.environ``.
        on_answer: Shown the ``result`` of each answer, as PTB parsed it from the
            answer's JSON, before PTB makes objects of it (see :meth:`parse_json_payload`).
        on_status: Told the HTTP status of each answer (a 401: the token was refused).
        log_proxies: Whether to log the proxies it takes (at start, and per origin); False
            for a second client of the same bot (the long poll), whose lines would repeat
            the first's.
    """

    __slots__ = (
        "_connect_timeout",
        "_happy_eyeballs_delay",
        "_keepalive_timeout",
        "_log_proxies",
        "_max_response_bytes",
        "_media_write_timeout",
        "_on_answer",
        "_on_status",
        "_origins",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_slots",
        "_ssl_context",
        "_timeouts",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        *,
        max_response_bytes: int = CLOUD_MAX_DOWNLOAD + _CAP_HEADROOM,
        ssl_context: ssl.SSLContext | None = None,
        ca_file: str | os.PathLike[str] | None = None,
        keepalive_timeout: float = 15.0,
        happy_eyeballs_delay: float | None = 0.25,
        environ: Mapping[str, str] | None = None,
        on_answer: Callable[[object], None] | None = None,
        on_status: Callable[[int], None] | None = None,
        log_proxies: bool = True,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        if max_response_bytes < 1:
            raise ValueError("max_response_bytes must be positive")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._max_response_bytes = max_response_bytes
        if ssl_context is None:
            ssl_context = _shared_tls_context(None if ca_file is None else os.fspath(ca_file))
        self._ssl_context = ssl_context
        self._keepalive_timeout = keepalive_timeout
        self._happy_eyeballs_delay = happy_eyeballs_delay
        self._proxy = ProxyChoice(os.environ if environ is None else environ)
        # origin ("https://api.telegram.org") -> proxy URL or None, decided on first use
        self._origins: dict[str, str | None] = {}
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._on_answer = on_answer
        self._on_status = on_status
        self._log_proxies = log_proxies

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (see ``BaseRequest.read_timeout``)."""
        return self._read_timeout

    @property
    def max_response_bytes(self) -> int:
        return self._max_response_bytes

    async def initialize(self) -> None:
        """Create the session and its connector (on the running loop); log the proxies."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(
            limit=self._pool_size,
            keepalive_timeout=self._keepalive_timeout,
            happy_eyeballs_delay=self._happy_eyeballs_delay,
            ssl=self._ssl_context,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            # a POST without a body goes without a Content-Type (aiohttp would add one)
            skip_auto_headers=("Content-Type",),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )
        self._slots = asyncio.Semaphore(self._pool_size)
        for scheme, (variable, url) in sorted(self._proxy.proxies.items()):
            if not self._log_proxies:
                break
            exempt = f"; not for {self._proxy.no_proxy[0]}" if self._proxy.no_proxy else ""
            _log.info(
                "%s:// requests go through the proxy %s (from %s%s)",
                scheme,
                _display_url(url),
                variable,
                exempt,
            )

    async def shutdown(self) -> None:
        """Close the session and its connections (a second call does nothing)."""
        session, self._session = self._session, None
        if session is None or session.closed:
            _log.debug("This AiohttpRequest is already shut down. Returning.")
            return
        await session.close()

    # -- per origin ------------------------------------------------------------------------
    def _proxy_for(self, url: str) -> str | None:
        start = url.find("//")
        end = url.find("/", start + 2) if start >= 0 else -1
        origin = url if end < 0 else url[:end]
        try:
            return self._origins[origin]
        except KeyError:
            pass
        try:
            parts = urlsplit(origin)
            scheme = parts.scheme.lower()
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            return None  # aiohttp will refuse the URL itself
        chosen = self._proxy.for_origin(scheme, parts.hostname or "", port)
        proxy = None if chosen is None else chosen[1]
        if len(self._origins) < 64:
            self._origins[origin] = proxy
            if self._proxy.proxies and self._log_proxies:
                _log.info(
                    "%s://%s: %s",
                    parts.scheme,
                    parts.hostname,
                    "direct" if chosen is None else f"via {_display_url(chosen[1])}",
                )
        return proxy

    def _client_timeout(self, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        key = (connect, read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(
                total=None, connect=None, sock_connect=connect, sock_read=read
            )
            if len(self._timeouts) < 64:
                self._timeouts[key] = timeout
        return timeout

    # -- the request -----------------------------------------------------------------------
    # PTB declares it static and calls it on the instance (``self.parse_json_payload``),
    # as a hook to override: this one needs the instance's ``on_answer``
    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """PTB's reading of an answer's JSON; its ``result`` is also handed to ``on_answer``
        when one was given: the getUpdates request's updates go to the inbox as Telegram
        sent them (:meth:`bot.inbox.UpdateInbox.received`)."""
        answer = super().parse_json_payload(payload)
        if self._on_answer is not None and isinstance(answer, dict):
            self._on_answer(answer.get("result"))
        return answer

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
        """See ``BaseRequest.do_request``: one request, the status code and the body.

        (The timeout parameters take a number, ``None`` or ``BaseRequest.DEFAULT_NONE``;
        they are typed ``object`` because PTB's type for that lives in a private module.)
        """
        session, slots = self._session, self._slots
        if session is None or slots is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = request_data is not None and request_data.contains_files
        read = _resolve(read_timeout, self._read_timeout)
        connect = _resolve(connect_timeout, self._connect_timeout)
        pool = _resolve(pool_timeout, self._pool_timeout)
        write = _resolve(
            write_timeout, self._media_write_timeout if has_files else self._write_timeout
        )

        failure: TelegramError
        acquired = False
        try:
            async with asyncio.timeout(None) as deadline:
                if slots.locked():
                    deadline.reschedule(None if pool is None else _now() + pool)
                await slots.acquire()
                acquired = True
                _rearm(deadline, None)
                try:
                    answer = await self._exchange(
                        session, url, method, request_data, deadline, connect, read, write
                    )
                finally:
                    slots.release()
                if self._on_status is not None:
                    self._on_status(answer[0])
                return answer
        except TimeoutError as exc:
            failure = TimedOut() if acquired else TimedOut(message=_POOL_TIMEOUT_MESSAGE)
            cause: BaseException = exc
        except TelegramError:
            raise
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            text = _Scrubber(url).clean(str(exc))
            failure = NetworkError(f"aiohttp.{type(exc).__name__}: {text}".rstrip(": "))
            cause = exc
        # Raised here, outside the except blocks, so the aiohttp exception is not attached as
        # __context__; it becomes the __cause__ only if no link of its chain shows the token.
        if not _Scrubber(url).mentioned_in(cause):
            failure.__cause__ = cause
        del cause
        raise failure

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        url: str,
        method: str,
        request_data: RequestData | None,
        deadline: asyncio.Timeout,
        connect: float | None,
        read: float | None,
        write: float | None,
    ) -> tuple[int, bytes]:
        parts, content_type = await self._body(request_data)
        size = sum(map(len, parts))
        headers: dict[str, str] | None = {"Content-Type": content_type} if content_type else None
        proxy = self._proxy_for(url)
        timeout = self._client_timeout(connect, read)
        for attempt in (1, 2):
            data: bytes | AsyncIterator[memoryview] | None
            if size > _STREAM_CHUNK:
                headers = {"Content-Type": content_type or "", "Content-Length": str(size)}
                data = _stream(parts, deadline, write, read)
            else:
                data = b"".join(parts) if parts else None
            try:
                response = await session.request(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    timeout=timeout,
                    proxy=proxy,
                    allow_redirects=False,
                )
            except _DIED_BEFORE_ANSWER as exc:
                if attempt == 2 or not _may_resend(exc, method, url):
                    raise
                _log.debug("connection died before an answer; sending once more")
                continue
            finally:
                _rearm(deadline, None)
            try:
                return response.status, await self._read_body(response)
            finally:
                response.release()
        raise AssertionError("unreachable")  # pragma: no cover

    async def _body(self, request_data: RequestData | None) -> tuple[list[bytes], str | None]:
        """The body's pieces and its Content-Type, as httpx would send them."""
        if request_data is None:
            return [], None
        # (each of RequestData's properties encodes the parameters anew: ask for one only)
        files = request_data.multipart_data if request_data.contains_files else None
        if files:
            fields = request_data.json_parameters
            boundary = os.urandom(16).hex().encode("ascii")
            if all(isinstance(item[1], bytes) for item in files.values()):
                parts = _multipart(fields, files, boundary)
            else:  # file handles: reading them blocks
                parts = await asyncio.to_thread(_multipart, fields, files, boundary)
            return parts, "multipart/form-data; boundary=" + boundary.decode("ascii")
        form = request_data.url_encoded_parameters()
        return ([form.encode()], _FORM_TYPE) if form else ([], None)

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        cap = self._max_response_bytes
        length = response.content_length
        if length is not None and length > cap:
            response.close()
            raise NetworkError(f"The answer's body ({length} bytes) is above the cap of {cap}")
        if length is not None and "Content-Encoding" not in response.headers:
            return await response.read()
        # unknown length, or compressed: count the decoded bytes as they come
        pieces: list[bytes] = []
        total = 0
        content = response.content
        while chunk := await content.readany():
            total += len(chunk)
            if total > cap:
                response.close()
                raise NetworkError(f"The answer's body is above the cap of {cap} bytes")
            pieces.append(chunk)
        return b"".join(pieces)


def _now() -> float:
    return asyncio.get_running_loop().time()


def _may_resend(exc: BaseException, method: str, url: str) -> bool:
    """Whether a request whose connection died before the answer's head arrived may be sent
    once more.

    The usual cause is the keep-alive race: the server (or a middlebox) closed an idle
    connection just as it was reused, so the request never reached the server. But the
    client cannot tell that apart from a server that read the request, acted on it and
    then died: for a ``sendMessage`` a second send could post the message twice. So the
    request is sent again only when doing it twice is harmless: an HTTP GET/HEAD (file
    downloads) or a Bot API method that reads (``get*``) or sets a whole value
    (``setMyCommands``, ``setWebhook``...). Everything else raises ``NetworkError``, and
    the caller decides (the bot's outbox sends again: at least once, by design). A failed
    connect (``ClientConnectorError``) is never resent here: nothing was sent, and the next
    attempt would most likely fail the same way.
    """
    if isinstance(exc, aiohttp.ClientConnectorError):
        return False
    if method in ("GET", "HEAD"):
        return True
    name = url.rsplit("/", 1)[-1].partition("?")[0]
    return name.startswith("get") or name in _IDEMPOTENT_SETTERS


async def _stream(
    parts: list[bytes], deadline: asyncio.Timeout, write: float | None, read: float | None
) -> AsyncIterator[memoryview]:
    """The body in chunks of at most 64 KiB; each chunk must be taken by the transport within
    ``write`` seconds (aiohttp asks for the next chunk only when the previous one is written,
    so the deadline, re-armed before each, bounds each write). After the last chunk the
    deadline allows ``write + read`` for the last write and the answer's head."""
    for chunk in _chunks(parts):
        if write is not None:
            _rearm(deadline, _now() + write)
        yield chunk
    _rearm(deadline, None if write is None or read is None else _now() + write + read)


def _rearm(deadline: asyncio.Timeout, when: float | None) -> None:
    """Move the deadline, unless it has fired already (the request is being cancelled)."""
    if not deadline.expired():
        deadline.reschedule(when)


def _chunks(parts: list[bytes]) -> Iterator[memoryview]:
    body = memoryview(b"".join(parts))
    for start in range(0, len(body), _STREAM_CHUNK):
        yield body[start : start + _STREAM_CHUNK]
