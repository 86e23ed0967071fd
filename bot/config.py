"""Deployment configuration: TOML read with ``tomllib`` into frozen dataclasses.

Everything is validated at start; a problem is reported as ``<key>: <message>``
(e.g. ``time.timezone: unknown timezone 'Mars/Olympus'``). Secrets (the bot token, the
webhook secret) come from environment variables named in the file, never from the file.
"""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.core.loader import MAX_STEP_MINUTES
from bot.core.nip import bare_nip, is_nip
from bot.core.textfile import UnreadableText, read_text_file, toml_problem, unknown_key
from bot.logsetup import TOKEN_SHAPE
from bot.parsing import MAX_TELEGRAM_ID

DEFAULT_API_BASE_URL = "https://api.telegram.org"
# the only ports Telegram posts webhook updates to (setWebhook refuses any other)
WEBHOOK_PORTS = (443, 80, 88, 8443)
# getFile on Telegram's cloud Bot API refuses files above 20 MB ("file is too big"); a
# self-hosted Bot API server in --local mode has no download limit (its uploads: 2000 MB).
CLOUD_MAX_FILE_MB = 20
SELF_HOSTED_MAX_FILE_MB = 2000
# the largest file a bot may send (sendDocument): the cloud's limit, and a self-hosted
# server's (which takes uploads up to 2000 MB)
CLOUD_MAX_UPLOAD_MB = 50
SELF_HOSTED_MAX_UPLOAD_MB = 2000
# The reminder scheduler's longest pause between two looks at the stalled steps: a day (the
# sweep also runs when the next reminder it knows of falls due, so only what it cannot
# foresee waits that long; the job queue refuses huge intervals).
MAX_CHECK_EVERY_SECONDS = 24 * 60 * 60
DEFAULT_ALLOWED_EXTENSIONS = (
    "pdf", "doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "csv", "ppt", "pptx", "odp",
    "txt", "zip", "jpg", "jpeg", "png",
)  # fmt: skip


class ConfigError(ValueError):
    """A config refused: ``problems`` lists every ``key: message`` found in ``source`` (the
    file; None when the problems name their own files, or the config was read from no file)."""

    def __init__(self, problems: list[str], source: Path | None = None) -> None:
        self.problems = problems
        self.source = source
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem, each ``FILE: key: message``."""
        if self.source is None:
            return list(self.problems)
        return [f"{self.source}: {problem}" for problem in self.problems]


@dataclass(frozen=True)
class WebhookConfig:
    listen: str = "0.0.0.0"
    port: int = 8443
    url: str = ""
    path: str = "telegram"
    secret_token_env: str = "SOPBOT_WEBHOOK_SECRET"

    @property
    def public_url(self) -> str:
        """What setWebhook is given: the public URL and the path the bot listens on."""
        return f"{self.url.rstrip('/')}/{self.path}"

    def secret(self) -> str | None:
        return os.environ.get(self.secret_token_env) or None

    def secret_problem(self) -> str | None:
        """Why the webhook cannot start safely with the secret in the environment, if so.
        Telegram sends the secret with every update (X-Telegram-Bot-Api-Secret-Token): without
        one, anyone who reaches the URL could post updates in any official's name."""
        key = "bot.webhook.secret_token_env"
        secret = self.secret()
        if secret is None:
            return (
                f"{key}: environment variable {self.secret_token_env} is not set; webhook mode "
                "needs a secret, or anyone who reaches the URL could act as any official"
            )
        if not _WEBHOOK_SECRET.fullmatch(secret):
            return (
                f"{key}: the secret in {self.secret_token_env} must be 1-256 characters of "
                "A-Z, a-z, 0-9, _ and - (Telegram refuses any other)"
            )
        return None


# what Telegram takes as a webhook's secret_token (setWebhook)
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class BotConfig:
    token_env: str = "TELEGRAM_BOT_TOKEN"
    api_base_url: str = DEFAULT_API_BASE_URL
    mode: str = "polling"
    language: str = "id"
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    # "aiohttp": bot.aiohttp_request.AiohttpRequest (the default); "httpx":
    # python-telegram-bot's own HTTPXRequest (for a SOCKS proxy).
    http_client: str = "aiohttp"
    # A PEM CA file trusted besides the system's (a self-hosted Bot API server's own CA).
    ca_file: Path | None = None
    # "uvloop" (the default; asyncio's own where uvloop is missing) or "asyncio":
    # bot.eventloop.
    event_loop: str = "uvloop"

    @property
    def base_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/bot"

    @property
    def base_file_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/file/bot"


@dataclass(frozen=True)
class StorageConfig:
    # a SQLite file (a Path), or a PostgreSQL URL (a str: "postgresql://user@host/db")
    database: Path | str = Path("data/sopbot.sqlite3")
    files_dir: Path = Path("data/files")
    max_file_mb: int = 20
    allowed_extensions: tuple[str, ...] = DEFAULT_ALLOWED_EXTENSIONS
    retention_days: int = 7  # delivered outbox rows are kept this long, then pruned
    # the event loop and SQLite's threads on one CPU (bot.placement); false: the scheduler's
    same_cpu: bool = True

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)


@dataclass(frozen=True)
class TimeConfig:
    timezone: str = "Asia/Jakarta"
    workdays: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekdays, Monday = 1
    day_start: time = time(8, 0)
    day_end: time = time(16, 0)
    public_holidays: str | None = "ID"
    extra_days_off: tuple[date, ...] = ()
    joint_leave: bool = True  # the country's joint leave days (cuti bersama) are days off
    # working days whatever the holidays package says (a cuti bersama revoked, a make-up day)
    extra_workdays: tuple[date, ...] = ()


@dataclass(frozen=True)
class ReminderConfig:
    enabled: bool = True
    repeat_every_minutes: int = 240
    escalate_after: int = 2
    max_snooze_minutes: int = 2880
    check_every_seconds: int = 60


@dataclass(frozen=True)
class OrganisationConfig:
    unit: str = "biro-perencanaan"
    unit_name: str = "Biro Perencanaan dan Manajemen Kinerja"
    ministry: str = "KEMENTERIAN KETENAGAKERJAAN REPUBLIK INDONESIA"
    secretariat: str = "SEKRETARIAT JENDERAL"
    bureau: str = "BIRO PERENCANAAN DAN MANAJEMEN KINERJA"
    address: str = "Jalan Jenderal Gatot Subroto Kav. 51, Jakarta Selatan 12950"
    city: str = "Jakarta"


@dataclass(frozen=True)
class PapersConfig:
    # An office's edited copies of doc_templates/*.docx; a paper without a copy there
    # uses the shipped template. None: the shipped templates only.
    templates_dir: Path | None = None
    # How long an archive bundle waits for a paper of its case still being written (held
    # by a fault of the bot's own) before it goes without it, and the paper follows as a
    # supplement; 0: it never waits.
    bundle_wait_minutes: int = 30

    @property
    def bundle_wait(self) -> timedelta:
        return timedelta(minutes=self.bundle_wait_minutes)


@dataclass(frozen=True)
class PersonConfig:
    telegram_id: int
    name: str = ""
    nip: str = ""
    position: str = ""
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActingConfig:
    """An acting official named in the config (bootstrap, like ``[[people]]``)."""

    role: str
    telegram_id: int
    kind: str  # "plh" | "plt"
    starts: date | None  # the first day; None: the office's day the bot first records it
    until: date  # the last day of the period
    reason: str = ""
    letter: str = ""


@dataclass(frozen=True)
class Config:
    bot: BotConfig = field(default_factory=BotConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    reminders: ReminderConfig = field(default_factory=ReminderConfig)
    organisation: OrganisationConfig = field(default_factory=OrganisationConfig)
    admins: tuple[int, ...] = ()
    people: tuple[PersonConfig, ...] = ()
    sops: tuple[Path, ...] = ()
    # read-only views (types.MappingProxyType), inner ones too: frozen through and through
    sop_time_overrides: Mapping[str, Mapping[int, int]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    source: Path | None = None
    acting: tuple[ActingConfig, ...] = ()
    papers: PapersConfig = field(default_factory=PapersConfig)
    # The top-level sections and keys the file leaves out (their defaults apply), and the
    # keys of an [organisation] it has ("organisation.city"): ``sopbot check`` warns of a
    # letterhead left, whole or in part, as shipped.
    absent: frozenset[str] = frozenset()

    def token(self) -> str | None:
        """The token in the variable bot.token_env names; None when it is unset or blank.
        Blanks around it (a quoted value in an env file) are dropped: a token has none."""
        return os.environ.get(self.bot.token_env, "").strip() or None

    def token_problem(self) -> str | None:
        """Why the token in bot.token_env is not one (the bot's id, a colon, then letters,
        digits, '_' and '-'), without a word of the value, which may be a real token
        pasted wrongly; None when it has that shape or there is none (the caller says
        "not set"). Caught at start: Telegram out of reach, the bot would only retry."""
        token = self.token()
        if token is None or _TOKEN_SHAPE.fullmatch(token):
            return None
        return (
            f"bot.token_env: environment variable {self.bot.token_env} does not hold a bot "
            "token as @BotFather gives it: digits (the bot's id), a colon, then letters, "
            "digits, '_' and '-', without blanks; copy it again from @BotFather (its value "
            "is not shown here)"
        )


# -- reading -----------------------------------------------------------------------------

# each matched whole (fullmatch: "$" would also match before a final line break, "08:00\n");
# a clock time takes the colon or the dot Indonesian offices write ("07.30", "16.00"),
# the hour's leading zero written or not ("7.30")
_HHMM = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
# https://core.telegram.org/bots/api#authorizing-your-bot; its length is Telegram's to judge
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNIT = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_EXTENSION = re.compile(r"[a-z0-9]{1,8}")


class _Reader:
    """Walks the raw TOML, collecting problems with the key that has them."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def table(self, raw: Mapping[str, Any], key: str, allowed: set[str]) -> Mapping[str, Any]:
        value = raw.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            self.fail(key, "must be a table")
            return {}
        for name in value:
            if name not in allowed:
                self.fail(f"{key}.{name}", unknown_key(name, allowed))
        return value

    def get(self, raw: Mapping[str, Any], key: str, kind: type, default: Any) -> Any:
        name = key.rsplit(".", 1)[-1]
        if name not in raw:
            return default
        value = raw[name]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.fail(key, f"must be an integer, got {value!r}")
            return default
        if not isinstance(value, kind):
            self.fail(key, f"must be a {kind.__name__}, got {value!r}")
            return default
        return value

    def positive(self, raw: Mapping[str, Any], key: str, default: int) -> int:
        value: int = self.get(raw, key, int, default)
        if value <= 0:
            self.fail(key, f"must be a positive integer, got {value}")
            return default
        return value

    def up_to(self, raw: Mapping[str, Any], key: str, default: int, most: int, what: str) -> int:
        """A positive integer of at most ``most`` (``what`` says what that bound is)."""
        value = self.positive(raw, key, default)
        if value > most:
            self.fail(key, f"must be at most {most} ({what}), got {value}")
            return default
        return value

    def clock(self, raw: Mapping[str, Any], key: str, default: time) -> time:
        """A time of day to the minute: "08:00" or "08.00" (as Indonesian offices write
        it; "8.00" too), or TOML's own time written unquoted (08:00:00)."""
        name = key.rsplit(".", 1)[-1]
        if name not in raw:
            return default
        value = raw[name]
        if isinstance(value, time):  # TOML's local time (never a datetime: that is no time)
            if value.second or value.microsecond:
                self.fail(key, f"must be a time as 'HH:MM' or 'HH.MM', got {value.isoformat()}")
                return default
            return value
        match = _HHMM.fullmatch(value) if isinstance(value, str) else None
        if not match:
            self.fail(key, f"must be a time as 'HH:MM' or 'HH.MM', got {value!r}")
            return default
        return time(int(match[1]), int(match[2]))


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        text = read_text_file(path)
    except OSError as exc:
        raise ConfigError([f"cannot read: {exc.strerror}"], path) from exc
    except UnreadableText as exc:
        raise ConfigError([str(exc)], path) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {toml_problem(exc, text)}"], path) from exc
    return parse_config(raw, base_dir=path.resolve().parent, source=path)


def parse_config(
    raw: Mapping[str, Any], base_dir: Path | None = None, source: Path | None = None
) -> Config:
    r = _Reader()
    base = base_dir or Path.cwd()
    top = {"bot", "storage", "time", "reminders", "organisation", "papers", "admins", "people"}
    top |= {"sops", "sop_time_overrides", "acting"}
    for name in raw:
        if name not in top:
            r.fail(name, unknown_key(name, top))
    bot = _bot(r, raw, base)
    storage = _storage(r, raw, base, cloud=is_cloud_api(bot.api_base_url))
    time_config = _time(r, raw)
    reminders = _reminders(r, raw)
    organisation = _organisation(r, raw)
    papers = _papers(r, raw, base)
    admins = _ids(r, raw.get("admins", []), "admins")
    people = _people(r, raw.get("people", []))
    sops = _sops(r, raw, base)
    overrides = _overrides(r, raw.get("sop_time_overrides", {}))
    acting = _acting(r, raw.get("acting", []))
    if r.problems:
        raise ConfigError(r.problems, source)
    return Config(
        bot, storage, time_config, reminders, organisation, admins, people, sops, overrides, source,
        papers=papers, acting=acting, absent=frozenset(top - set(raw)) | _absent_in(raw),
    )  # fmt: skip


def _bot(r: _Reader, raw: Mapping[str, Any], base: Path) -> BotConfig:
    t = r.table(
        raw,
        "bot",
        {
            "token_env",
            "api_base_url",
            "mode",
            "language",
            "webhook",
            "token",
            "http_client",
            "ca_file",
            "event_loop",
        },
    )
    if "token" in t:
        r.fail(
            "bot.token",
            "the token must not be in the file: set the variable named by bot.token_env",
        )
    token_env = _token_env(r, t)
    url = r.get(t, "bot.api_base_url", str, DEFAULT_API_BASE_URL)
    if TOKEN_SHAPE.search(url):  # never repeated in the error: it would print the token
        r.fail(
            "bot.api_base_url",
            "must not hold the bot token: the bot adds /bot<token> itself, from the variable "
            "named by bot.token_env",
        )
    elif problem := _url_problem(url):
        r.fail("bot.api_base_url", problem)
    elif _has_query(url):  # the bot's /bot<token>/METHOD would land in it
        r.fail(
            "bot.api_base_url",
            "must be the server's address without a query (?) or fragment (#), got "
            f"{shown_url(url)!r}",
        )
    elif _BOT_PATH.search(url):  # as Telegram's docs write it: https://api.telegram.org/bot<token>
        r.fail(
            "bot.api_base_url",
            f"must be the server's address without /bot: "
            f"{shown_url(_BOT_PATH.sub('', url))!r} (the bot adds /bot<token> itself)",
        )
    mode = r.get(t, "bot.mode", str, "polling")
    if mode not in ("polling", "webhook"):
        r.fail("bot.mode", f"must be 'polling' or 'webhook', got {mode!r}")
    language = r.get(t, "bot.language", str, "id")
    if language != "id":
        r.fail("bot.language", f"only 'id' (Bahasa Indonesia) is available, got {language!r}")
    http_client = r.get(t, "bot.http_client", str, "aiohttp")
    if http_client not in ("aiohttp", "httpx"):
        r.fail("bot.http_client", f"must be 'aiohttp' or 'httpx', got {http_client!r}")
    event_loop = r.get(t, "bot.event_loop", str, "uvloop")
    if event_loop not in ("uvloop", "asyncio"):
        r.fail("bot.event_loop", f"must be 'uvloop' or 'asyncio', got {event_loop!r}")
    ca_file: Path | None = None
    ca_name = r.get(t, "bot.ca_file", str, "")
    if ca_name:
        ca_file = base / ca_name
        if not ca_file.is_file():
            r.fail("bot.ca_file", f"no such file: {ca_file}")
        elif problem := _ca_problem(ca_file):
            r.fail("bot.ca_file", problem)
    w = r.table(t, "bot.webhook", {"listen", "port", "url", "path", "secret_token_env"})
    webhook = WebhookConfig(
        listen=_address(r, r.get(w, "bot.webhook.listen", str, "0.0.0.0")),
        port=r.up_to(w, "bot.webhook.port", 8443, 65535, "the highest TCP port"),
        url=r.get(w, "bot.webhook.url", str, ""),
        # "/telegram" is an easy thing to write: one value for the URL and the listening path
        path=r.get(w, "bot.webhook.path", str, "telegram").strip("/"),
        secret_token_env=_secret_token_env(r, w),
    )
    # a self-hosted Bot API server in --local mode calls any http(s) URL on any port
    cloud = is_cloud_api(url)
    if mode == "webhook" and (
        not webhook.url.startswith("https://" if cloud else "http") or not _host(webhook.url)
    ):
        r.fail("bot.webhook.url", "webhook mode needs the public https:// URL Telegram calls")
    elif mode == "webhook" and re.search(r"\s", webhook.url):
        r.fail("bot.webhook.url", "must not hold blanks (Telegram takes the URL as it stands)")
    elif mode == "webhook" and _has_query(webhook.url):
        r.fail(
            "bot.webhook.url",
            "must not hold a query (?) or fragment (#): the bot adds bot.webhook.path to it, "
            f"got {_masked(shown_url(webhook.url))!r}",
        )
    elif mode == "webhook" and cloud and _webhook_port(webhook.url) not in WEBHOOK_PORTS:
        r.fail(
            "bot.webhook.url",
            f"Telegram calls a webhook only on port 443, 80, 88 or 8443, got "
            f"{_masked(shown_url(webhook.url))!r}: use one of them (a proxy there may pass the updates "
            "on to bot.webhook.port)",
        )
    if not webhook.path:
        r.fail("bot.webhook.path", 'must name the path Telegram posts to, such as "telegram"')
    elif not _URL_PATH.fullmatch(webhook.path):
        # "x?y=1": Telegram posts to /x, where the bot, listening on "/x?y=1", answers 404
        r.fail(
            "bot.webhook.path",
            "must be letters, digits and - _ . ~ : / (as in a URL's path), got "
            f"{_masked(webhook.path)!r}",
        )
    return BotConfig(
        token_env, url, mode, language, webhook, http_client, ca_file, event_loop=event_loop
    )


# a base URL ending in /bot: the bot would call .../bot/bot<token>/getMe (a 404, which
# python-telegram-bot takes for a refused token); a server named "bot" (http://bot) is none
_BOT_PATH = re.compile(r"(?<=[^/])/bot/*$", re.IGNORECASE)


# what bot.webhook.path may hold: a URL path's own characters, taken as they are both in
# the URL Telegram is given and in the path the bot listens on (no ?, #, %, blanks or {});
# ":" too, for the token some put there (python-telegram-bot's old url_path=TOKEN)
_URL_PATH = re.compile(r"[A-Za-z0-9._~:/-]+")


def _masked(text: str) -> str:
    """A value as a message may repeat it: a bot token in it (a webhook path holding it, as
    old tutorials advise) shown as <token>."""
    return TOKEN_SHAPE.sub("<token>", text)


def _host(url: str) -> str | None:
    """The URL's host; None when it names none ("https://") or is no URL ("https://[::1")."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _url_problem(url: str) -> str | None:
    """Why ``url`` is no http(s) URL the bot can call: blanks in it, no host, a port that
    is none. None when it is one."""
    if re.search(r"\s", url):
        return f"must not hold blanks, got {shown_url(url)!r}"
    if not re.match(r"^https?://[^\s/]+", url) or not _host(url):  # "https://[::1" too
        return f"must be an http(s) URL, got {shown_url(url)!r}"
    try:
        port = urlsplit(url).port
    except ValueError:  # beyond 65535, or not a number
        port = 0
    if port == 0:
        return f"the port must be a number from 1 to 65535, got {shown_url(url)!r}"
    return None


def _has_query(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.query or parts.fragment or "?" in url or "#" in url)


def _ca_problem(ca_file: Path) -> str | None:
    """Why the CA file cannot be trusted as the bot's requests load it (PEM, as
    ``ssl.SSLContext.load_verify_locations`` reads a ``cafile``); None when it can."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=ca_file)
    except ssl.SSLError:  # DER (a Windows .cer export), a key, any other file
        return (
            f"{ca_file} holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the "
            "CA's certificate in PEM (openssl x509 -inform der -in FILE -out ca.pem)"
        )
    except OSError as exc:
        return f"{ca_file} cannot be read ({exc.strerror or exc})"
    return None


def _webhook_port(url: str) -> int | None:
    """The port of a webhook URL (443 when it names none); None when it is no port."""
    try:
        return urlsplit(url).port or 443
    except ValueError:  # "host:abc", or beyond 65535
        return None


def _token_env(r: _Reader, t: Mapping[str, Any]) -> str:
    """The name of the variable holding the token; never echoed when it is no name (it
    may be the token itself, pasted in the wrong place)."""
    name: str = r.get(t, "bot.token_env", str, "TELEGRAM_BOT_TOKEN")
    if not name:
        r.fail("bot.token_env", "must name the environment variable that holds the token")
    elif not _ENV_NAME.fullmatch(name):
        r.fail(
            "bot.token_env",
            "must be the name of an environment variable (letters, digits and '_'), "
            "not the token itself",
        )
    return name


def _secret_token_env(r: _Reader, w: Mapping[str, Any]) -> str:
    """The name of the variable holding the webhook's secret; never echoed when it is no
    name (it may be the secret itself)."""
    key = "bot.webhook.secret_token_env"
    name: str = r.get(w, key, str, "SOPBOT_WEBHOOK_SECRET")
    if not _ENV_NAME.fullmatch(name):
        r.fail(
            key,
            "must name an environment variable (letters, digits and '_'), not the secret itself",
        )
    return name


_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def _address(r: _Reader, value: str) -> str:
    """``bot.webhook.listen``: an address to listen on (0.0.0.0: every one), or a host name
    such as localhost."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOSTNAME.fullmatch(value):
            r.fail(
                "bot.webhook.listen",
                f"must be an IP address such as 0.0.0.0 or a host name, got {value!r}",
            )
    return value


def shown_url(url: str) -> str:
    """A URL as it may be printed: without a user name and password."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" (an unclosed address): shown as written, less a login
        return re.sub(r"(?<=://)[^/@]*@", "", url)
    if parts.username is None and parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def is_cloud_api(api_base_url: str) -> bool:
    """Whether the URL is Telegram's cloud Bot API server (not a self-hosted one)."""
    try:
        host = urlsplit(api_base_url).hostname
    except ValueError:  # no URL (refused by the config's checks)
        return False
    return host == urlsplit(DEFAULT_API_BASE_URL).hostname


def max_upload_bytes(api_base_url: str) -> int:
    """The largest file the Bot API server at this URL takes from the bot."""
    mb = CLOUD_MAX_UPLOAD_MB if is_cloud_api(api_base_url) else SELF_HOSTED_MAX_UPLOAD_MB
    return mb * 1024 * 1024


def _storage(r: _Reader, raw: Mapping[str, Any], base: Path, *, cloud: bool) -> StorageConfig:
    t = r.table(
        raw,
        "storage",
        {
            "database",
            "files_dir",
            "max_file_mb",
            "allowed_extensions",
            "retention_days",
            "same_cpu",
        },
    )
    exts = r.get(t, "storage.allowed_extensions", list, list(DEFAULT_ALLOWED_EXTENSIONS))
    if not all(isinstance(e, str) and _EXTENSION.fullmatch(e) for e in exts):
        r.fail("storage.allowed_extensions", "must be a list of lower-case extensions without dots")
        exts = list(DEFAULT_ALLOWED_EXTENSIONS)
    elif not exts:
        r.fail(
            "storage.allowed_extensions",
            "must name at least one extension (an empty list refuses every upload)",
        )
    max_mb = r.positive(t, "storage.max_file_mb", CLOUD_MAX_FILE_MB)
    if cloud and max_mb > CLOUD_MAX_FILE_MB:
        r.fail(
            "storage.max_file_mb",
            f"must be at most {CLOUD_MAX_FILE_MB} with Telegram's cloud Bot API (bot.api_base_url),"
            f" which refuses to hand bots larger files; got {max_mb}",
        )
    elif max_mb > SELF_HOSTED_MAX_FILE_MB:
        r.fail(
            "storage.max_file_mb",
            f"must be at most {SELF_HOSTED_MAX_FILE_MB} (a self-hosted Bot API server's limit),"
            f" got {max_mb}",
        )
    name = r.get(t, "storage.database", str, "data/sopbot.sqlite3")
    files_name = r.get(t, "storage.files_dir", str, "data/files")
    if not files_name.strip():  # would be the config's folder: the bot would fill it
        r.fail(
            "storage.files_dir",
            "must name the folder of the uploaded documents and papers, such as data/files",
        )
        files_name = "data/files"
    files_dir = base / files_name
    if not name.strip():  # would be the config's folder: not a database file
        r.fail("storage.database", "must name the SQLite database file or a postgresql:// URL")
    elif "://" not in name:
        _database_file(r, name, base / name, files_dir)
    return StorageConfig(
        database=_database_url(r, name) if "://" in name else base / name,
        files_dir=files_dir,
        max_file_mb=max_mb,
        allowed_extensions=tuple(exts),
        retention_days=r.up_to(t, "storage.retention_days", 7, 36500, "a hundred years"),
        same_cpu=r.get(t, "storage.same_cpu", bool, True),
    )


def _database_file(r: _Reader, name: str, database: Path, files_dir: Path) -> None:
    """A SQLite database path the bot can make: a file, never the files folder or a folder
    it lies in (``check`` passed those, then the bot made the files folder at start and
    could not open it, or its parent, as a database)."""
    key = "storage.database"
    if name.endswith(("/", os.sep)) or Path(name).name in ("", ".", ".."):
        r.fail(key, f"must name the SQLite database file, not a folder: got {name!r}")
        return
    here, files = Path(os.path.abspath(database)), Path(os.path.abspath(files_dir))
    if files == here:
        where = "is also storage.files_dir, the folder of the uploaded documents"
    elif files.is_relative_to(here):
        where = f"is a folder above storage.files_dir ({files_dir})"
    else:
        return
    r.fail(key, f"{database} {where}: name a database file of its own, such as data/sopbot.sqlite3")


def _database_url(r: _Reader, url: str) -> str:
    """A PostgreSQL URL; its password comes from PGPASSWORD or ~/.pgpass, never the file.
    Returned without blanks around it and with its scheme in lower case, as
    ``storage.db.is_postgres`` reads it (urlsplit below accepts " PostgreSQL://" too: the
    bot would have run on a SQLite file of that name)."""
    key = "storage.database"
    scheme, _, rest = url.strip().partition("://")
    url = f"{scheme.lower()}://{rest}"
    try:
        parts = urlsplit(url)
    except ValueError:  # "postgresql://[::1/db": an address left open
        r.fail(key, f"not a valid URL: {shown_url(url)!r}")
        return url
    if parts.scheme not in ("postgresql", "postgres"):
        r.fail(key, f"must be a file path or a postgresql:// URL, got {parts.scheme}://")
        return url
    try:
        parts.port  # noqa: B018 (a bad port raises)
    except ValueError:
        r.fail(key, "the URL has an invalid port")
    if parts.password is not None or "password" in parse_qs(parts.query):
        r.fail(
            key,
            "the password must not be in the file: set PGPASSWORD in the bot's environment "
            "or put it in ~/.pgpass",
        )
    return url


# What Indonesian offices write for their zone (as the papers do) is no zone name of the IANA
# database, which ZoneInfo reads.
INDONESIAN_ZONES_HINT = (
    " (write the zone's name: 'Asia/Jakarta' for WIB, 'Asia/Makassar' for WITA, "
    "'Asia/Jayapura' for WIT)"
)


def _time(r: _Reader, raw: Mapping[str, Any]) -> TimeConfig:
    keys = {
        "timezone",
        "workdays",
        "day_start",
        "day_end",
        "public_holidays",
        "joint_leave",
        "extra_days_off",
        "extra_workdays",
    }
    t = r.table(raw, "time", keys)
    tz = r.get(t, "time.timezone", str, "Asia/Jakarta")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        hint = INDONESIAN_ZONES_HINT if tz.strip().upper() in {"WIB", "WITA", "WIT"} else ""
        r.fail("time.timezone", f"unknown timezone {tz!r}{hint}")
        tz = "Asia/Jakarta"
    workdays = r.get(t, "time.workdays", list, [1, 2, 3, 4, 5])
    if not workdays or not all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in workdays
    ):
        r.fail("time.workdays", "must list ISO weekdays 1 (Monday) to 7 (Sunday)")
        workdays = [1, 2, 3, 4, 5]
    start = r.clock(t, "time.day_start", time(8, 0))
    end = r.clock(t, "time.day_end", time(16, 0))
    if end <= start:
        r.fail("time.day_end", "must be later than time.day_start")
    country = _country(r, r.get(t, "time.public_holidays", str, "ID"))
    days_off = _dates(r, t, "time.extra_days_off")
    workdays_declared = _dates(r, t, "time.extra_workdays")
    for i, day in enumerate(workdays_declared):
        if day in days_off:
            r.fail(
                f"time.extra_workdays[{i}]",
                f"{day.isoformat()} is also in time.extra_days_off: a day is off or worked",
            )
    joint_leave = r.get(t, "time.joint_leave", bool, True)
    return TimeConfig(
        tz,
        tuple(sorted(set(workdays))),
        start,
        end,
        country,
        tuple(days_off),
        joint_leave,
        tuple(workdays_declared),
    )


def _dates(r: _Reader, t: Mapping[str, Any], key: str) -> list[date]:
    """The days listed under ``key`` (TOML dates or "YYYY-MM-DD"); each other entry named."""
    days = []
    for i, value in enumerate(r.get(t, key, list, [])):
        if isinstance(value, datetime):  # a moment is not a day (TOML's 2026-12-24T10:00)
            r.fail(f"{key}[{i}]", f"must be a date YYYY-MM-DD, got {value!r}")
            continue
        if isinstance(value, date):
            days.append(value)
            continue
        try:
            days.append(date.fromisoformat(str(value)))
        except ValueError:
            r.fail(f"{key}[{i}]", f"must be a date YYYY-MM-DD, got {value!r}")
    return days


def _country(r: _Reader, code: str) -> str | None:
    """The country whose public holidays are days off, as the ``holidays`` package names it
    ("ID"; "id" is taken as "ID", its codes being upper case); "" for none."""
    if not code:
        return None
    if code.upper() not in holidays.list_supported_countries():
        r.fail(
            "time.public_holidays",
            f"unknown country {code!r} (a country code the holidays package knows, e.g. 'ID'; "
            "'' for none)",
        )
        return "ID"
    return code.upper()


def _reminders(r: _Reader, raw: Mapping[str, Any]) -> ReminderConfig:
    keys = {
        "enabled",
        "repeat_every_minutes",
        "escalate_after",
        "max_snooze_minutes",
        "check_every_seconds",
    }
    t = r.table(raw, "reminders", keys)
    year = "a year of office work, in working minutes"
    return ReminderConfig(
        enabled=r.get(t, "reminders.enabled", bool, True),
        repeat_every_minutes=r.up_to(
            t, "reminders.repeat_every_minutes", 240, MAX_STEP_MINUTES, year
        ),
        escalate_after=r.positive(t, "reminders.escalate_after", 2),
        max_snooze_minutes=r.up_to(t, "reminders.max_snooze_minutes", 2880, MAX_STEP_MINUTES, year),
        check_every_seconds=r.up_to(
            t, "reminders.check_every_seconds", 60, MAX_CHECK_EVERY_SECONDS, "a day"
        ),
    )


def _absent_in(raw: Mapping[str, Any]) -> set[str]:
    """The [organisation] keys a file with that section leaves out ("organisation.city")."""
    section = raw.get("organisation")
    if not isinstance(section, dict):
        return set()
    keys = OrganisationConfig.__dataclass_fields__
    return {f"organisation.{key}" for key in keys if key not in section}


def _organisation(r: _Reader, raw: Mapping[str, Any]) -> OrganisationConfig:
    defaults = OrganisationConfig()
    keys = set(defaults.__dataclass_fields__)
    t = r.table(raw, "organisation", keys)
    values = {k: r.get(t, f"organisation.{k}", str, getattr(defaults, k)) for k in keys}
    if not _UNIT.fullmatch(values["unit"]):
        r.fail("organisation.unit", "must be 1-32 characters of a-z, 0-9 and '-'")
    return OrganisationConfig(**values)


MAX_BUNDLE_WAIT_MINUTES = 1440  # a day: beyond it an archive is better sent without the paper


def _papers(r: _Reader, raw: Mapping[str, Any], base: Path) -> PapersConfig:
    t = r.table(raw, "papers", {"templates_dir", "bundle_wait_minutes"})
    key, default = "papers.bundle_wait_minutes", PapersConfig.bundle_wait_minutes
    wait: int = r.get(t, key, int, default)
    if wait < 0:
        r.fail(key, f"must be 0 or more, got {wait}")
        wait = default
    elif wait > MAX_BUNDLE_WAIT_MINUTES:
        r.fail(key, f"must be at most {MAX_BUNDLE_WAIT_MINUTES} (a day), got {wait}")
        wait = default
    value = r.get(t, "papers.templates_dir", str, None)
    if value is None:
        return PapersConfig(bundle_wait_minutes=wait)
    if not value.strip():
        r.fail("papers.templates_dir", "must name a folder (leave the key out for none)")
        return PapersConfig(bundle_wait_minutes=wait)
    folder = base / value
    if not folder.is_dir():
        r.fail("papers.templates_dir", f"no such folder: {value}")
    return PapersConfig(templates_dir=folder, bundle_wait_minutes=wait)


def _ids(r: _Reader, value: Any, key: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        r.fail(key, "must be a list of Telegram user ids (positive integers)")
        return ()
    for i, v in enumerate(value):
        _id_in_range(r, f"{key}[{i}]", v)
    return tuple(value)


def _id_in_range(r: _Reader, key: str, value: int) -> bool:
    """A Telegram user id "has at most 52 significant bits" (the Bot API's User.id): a
    longer number is an id typed with digits to spare (and beyond the database's 64 bits)."""
    if value <= MAX_TELEGRAM_ID:
        return True
    r.fail(key, f"{value} is no Telegram user id (at most {MAX_TELEGRAM_ID}); check its digits")
    return False


PERSON_KEYS = frozenset({"telegram_id", "name", "nip", "position", "roles"})


def _people(r: _Reader, value: Any) -> tuple[PersonConfig, ...]:
    if not isinstance(value, list):
        r.fail("people", "must be an array of tables ([[people]])")
        return ()
    people = []
    first: dict[int, int] = {}  # telegram_id -> the index of its entry
    for i, item in enumerate(value):
        key = f"people[{i}]"
        if not isinstance(item, dict):
            r.fail(key, "must be a table")
            continue
        for name in item:
            if name not in PERSON_KEYS:
                r.fail(f"{key}.{name}", unknown_key(name, PERSON_KEYS))
        tid = item.get("telegram_id")
        if not isinstance(tid, int) or isinstance(tid, bool) or tid <= 0:
            r.fail(f"{key}.telegram_id", "missing or not a positive integer")
            continue
        if not _id_in_range(r, f"{key}.telegram_id", tid):
            continue
        if tid in first:
            r.fail(
                f"{key}.telegram_id",
                f"{tid} is already people[{first[tid]}] (give one entry all the person's roles)",
            )
        first.setdefault(tid, i)
        # kept bare, as the profile dialogue keeps a typed one: one NIP is one string
        nip = bare_nip(r.get(item, f"{key}.nip", str, ""))
        if nip and not is_nip(nip):
            r.fail(f"{key}.nip", "a NIP has 18 digits")
        roles = r.get(item, f"{key}.roles", list, [])
        if not all(isinstance(x, str) for x in roles):
            r.fail(f"{key}.roles", "must be a list of role ids")
            roles = []
        people.append(
            PersonConfig(
                telegram_id=tid,
                name=r.get(item, f"{key}.name", str, ""),
                nip=nip,
                position=r.get(item, f"{key}.position", str, ""),
                roles=tuple(dict.fromkeys(roles)),  # a role listed twice is held once
            )
        )
    return tuple(people)


def _date(r: _Reader, key: str, value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        r.fail(key, f"must be a date YYYY-MM-DD, got {value!r}")
        return None


def _acting(r: _Reader, value: Any) -> tuple[ActingConfig, ...]:
    """``[[acting]]``: role, telegram_id, kind ("plh"/"plt"), from, until, reason, letter."""
    if not isinstance(value, list):
        r.fail("acting", "must be an array of tables ([[acting]])")
        return ()
    found: list[tuple[int, ActingConfig]] = []
    keys = {"role", "telegram_id", "kind", "from", "until", "reason", "letter"}
    for i, item in enumerate(value):
        key = f"acting[{i}]"
        if not isinstance(item, dict):
            r.fail(key, "must be a table")
            continue
        for name in item:
            if name not in keys:
                r.fail(f"{key}.{name}", unknown_key(name, keys))
        tid = item.get("telegram_id")
        if not isinstance(tid, int) or isinstance(tid, bool) or tid <= 0:
            r.fail(f"{key}.telegram_id", "missing or not a positive integer")
            continue
        if not _id_in_range(r, f"{key}.telegram_id", tid):
            continue
        role = r.get(item, f"{key}.role", str, "")
        if not role:
            r.fail(f"{key}.role", "missing: the role id the official acts in")
        kind = r.get(item, f"{key}.kind", str, "plh")
        if kind not in ("plh", "plt"):
            r.fail(f"{key}.kind", f"must be 'plh' or 'plt', got {kind!r}")
        starts = _date(r, f"{key}.from", item.get("from")) if "from" in item else None
        until = _date(r, f"{key}.until", item.get("until"))
        if "until" not in item:
            r.fail(f"{key}.until", "missing: the last day of the period")
        if starts and until and until < starts:
            r.fail(f"{key}.until", "must not be before acting.from")
        if role and until and (starts or "from" not in item):
            entry = ActingConfig(
                role,
                tid,
                kind,
                starts,
                until,
                r.get(item, f"{key}.reason", str, ""),
                r.get(item, f"{key}.letter", str, ""),
            )
            _check_overlap(r, i, entry, found)
            found.append((i, entry))
    return tuple(entry for _, entry in found)


def _check_overlap(
    r: _Reader, i: int, entry: ActingConfig, earlier: list[tuple[int, ActingConfig]]
) -> None:
    """One acting official per role at a time, as /plh has it: two periods of a role may
    not share a day (the last day counts)."""
    for j, other in earlier:
        # a period without a first day starts when it is first recorded, unknown here: its
        # last day at least is its own (the bot checks the rest against what it recorded)
        starts, other_starts = entry.starts or entry.until, other.starts or other.until
        if other.role == entry.role and starts <= other.until and other_starts <= entry.until:
            r.fail(
                f"acting[{i}]",
                f"{entry.kind} for '{entry.role}' {_period(entry)} overlaps acting[{j}] "
                f"({other.kind} for '{other.role}' {_period(other)}); "
                "a role has one acting official at a time",
            )


def _period(entry: ActingConfig) -> str:
    return f"{entry.starts or ''}..{entry.until}"


def _sops(r: _Reader, raw: Mapping[str, Any], base: Path) -> tuple[Path, ...]:
    value = raw.get("sops", ["sops/penyusunan-program-kerja.toml"])
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        r.fail("sops", "must be a non-empty list of SOP definition file paths")
        return ()
    paths: list[Path] = []
    for i, item in enumerate(value):
        path = base / item
        if not path.is_file():
            r.fail(f"sops[{i}]", f"no such file: {item}")
        elif (same := _same_file(path, paths)) is not None:
            r.fail(f"sops[{i}]", f"{path} is listed twice (also sops[{same}]: {paths[same]})")
        paths.append(path)
    return tuple(paths)


def _same_file(path: Path, earlier: list[Path]) -> int | None:
    """The index of the earlier entry that is the same file (another spelling included)."""
    for i, other in enumerate(earlier):
        if other.is_file() and path.samefile(other):
            return i
    return None


def _overrides(r: _Reader, value: Any) -> Mapping[str, Mapping[int, int]]:
    if not isinstance(value, dict):
        r.fail("sop_time_overrides", "must be a table of SOP codes")
        return MappingProxyType({})
    result: dict[str, dict[int, int]] = {}
    for code, steps in value.items():
        key = f"sop_time_overrides.{code}"
        if not isinstance(steps, dict):
            r.fail(key, "must be a table of step number = minutes")
            continue
        result[code] = {}
        for step, minutes in steps.items():
            if not str(step).isdigit():
                r.fail(f"{key}.{step}", "must be a step number")
            elif isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
                r.fail(f"{key}.{step}", f"must be a positive number of minutes, got {minutes!r}")
            elif minutes > MAX_STEP_MINUTES:
                r.fail(
                    f"{key}.{step}",
                    f"must be at most {MAX_STEP_MINUTES} working minutes (a year of office "
                    f"work), got {minutes}",
                )
            else:
                result[code][int(step)] = minutes
    return MappingProxyType({code: MappingProxyType(steps) for code, steps in result.items()})
