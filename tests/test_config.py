"""The deployment configuration: the example loads, and every bad value is refused by its key."""

from __future__ import annotations

import copy
import json
import ssl
import tomllib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import trustme

from bot.app import work_calendar
from bot.config import ConfigError, WebhookConfig, load_config, parse_config, shown_url
from storage.db import is_postgres

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"
SOP_PATH = ROOT / "sops" / "penyusunan-program-kerja.toml"

Raw = dict[str, Any]


@cache
def _example() -> Raw:
    with EXAMPLE.open("rb") as f:
        return tomllib.load(f)


def example() -> Raw:
    """A fresh copy of the example as parsed TOML, free to break."""
    return copy.deepcopy(_example())


def problems_of(raw: Raw) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, base_dir=ROOT)
    assert str(caught.value).count("\n") == len(caught.value.problems) - 1  # one line each
    return caught.value.problems


# -- the example -----------------------------------------------------------------------


def test_the_example_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.source == EXAMPLE
    assert config.sops == (SOP_PATH,)
    assert all(p.is_file() for p in config.sops)
    assert config.admins == (100000001,)
    assert config.bot.token_env == "TELEGRAM_BOT_TOKEN"
    assert config.bot.mode == "polling"
    assert config.bot.base_url == "https://api.telegram.org/bot"
    assert config.bot.base_file_url == "https://api.telegram.org/file/bot"
    assert config.storage.database == ROOT / "data" / "sopbot.sqlite3"
    assert config.storage.files_dir == ROOT / "data" / "files"
    assert config.storage.max_file_mb == 20
    assert "pdf" in config.storage.allowed_extensions
    assert config.time.timezone == "Asia/Jakarta"
    assert config.time.workdays == (1, 2, 3, 4, 5)
    assert (config.time.day_start, config.time.day_end) == (time(8, 0), time(16, 0))
    assert config.time.public_holidays == "ID"
    assert config.time.extra_days_off == (date(2026, 12, 31),)
    assert config.time.joint_leave
    assert config.reminders.repeat_every_minutes == 240
    assert config.reminders.escalate_after == 2
    assert config.organisation.unit == "biro-perencanaan"
    [person] = config.people
    assert (person.telegram_id, person.nip, person.roles) == (
        100000001,
        "198001012005011001",
        ("kasubag",),
    )
    assert config.sop_time_overrides == {"ppk-rkakl-pk": {6: 4800}}
    assert config.papers.bundle_wait == timedelta(minutes=30)


def test_the_step_times_a_config_sets_cannot_be_changed_while_the_bot_runs() -> None:
    """The config is frozen through and through: no part of the bot can change the time
    norm an operator set for a step (nor add one for another SOP) after it was read."""
    config = parse_config(example(), base_dir=ROOT)
    with pytest.raises(TypeError):
        config.sop_time_overrides["ppk-rkakl-pk"][6] = 60  # type: ignore[index]
    with pytest.raises(TypeError):
        config.sop_time_overrides["lain"] = {1: 60}  # type: ignore[index]
    assert config.sop_time_overrides == {"ppk-rkakl-pk": {6: 4800}}


def test_an_empty_config_takes_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "sops").mkdir()
    (tmp_path / "sops" / "penyusunan-program-kerja.toml").write_bytes(SOP_PATH.read_bytes())
    path = tmp_path / "config.toml"
    path.write_text("")
    config = load_config(path)
    assert config.sops == (tmp_path / "sops" / "penyusunan-program-kerja.toml",)
    assert config.storage.database == tmp_path / "data" / "sopbot.sqlite3"
    assert config.bot.mode == "polling" and config.time.timezone == "Asia/Jakarta"
    assert config.people == () and config.admins == ()
    assert config.papers.bundle_wait == timedelta(minutes=30)


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "ppk.toml").write_bytes(SOP_PATH.read_bytes())
    path = tmp_path / "deploy" / "config.toml"
    path.parent.mkdir()
    path.write_text(
        'sops = ["../defs/ppk.toml"]\n[storage]\ndatabase = "db/bot.sqlite3"\nfiles_dir = "berkas"\n'
    )
    config = load_config(path)
    assert config.sops[0].resolve() == (defs / "ppk.toml").resolve()
    assert config.storage.database == tmp_path / "deploy" / "db" / "bot.sqlite3"
    assert config.storage.files_dir == tmp_path / "deploy" / "berkas"


def test_token_comes_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = example()
    raw["bot"]["token_env"] = "SOPBOT_TEST_TOKEN"
    config = parse_config(raw, base_dir=ROOT)
    monkeypatch.delenv("SOPBOT_TEST_TOKEN", raising=False)
    assert config.token() is None
    monkeypatch.setenv("SOPBOT_TEST_TOKEN", "")
    assert config.token() is None
    monkeypatch.setenv("SOPBOT_TEST_TOKEN", "123456:abc")
    assert config.token() == "123456:abc"


def test_a_blank_token_is_no_token_and_blanks_around_one_are_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TELEGRAM_BOT_TOKEN="   " in an env file was 'set' for check, and refused by Telegram
    at run; so was " 123456:abc " (a token never holds a blank)."""
    config = parse_config(example(), base_dir=ROOT)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", " \t ")
    assert config.token() is None
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", " 123456:abc\n")
    assert config.token() == "123456:abc"


def test_a_missing_file_and_bad_toml_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nowhere.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[time\ntimezone = 'Asia/Jakarta'\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


@pytest.mark.parametrize("url", ["http://bot", "http://bot:8081/", "https://example.org/botapi"])
def test_a_bot_api_server_named_bot_is_no_url_ending_in_bot(url: str) -> None:
    raw = example()
    raw["bot"]["api_base_url"] = url
    assert parse_config(raw, base_dir=ROOT).bot.api_base_url == url


def test_a_key_given_twice_is_named_with_its_line_and_the_file(tmp_path: Path) -> None:
    """tomllib says only "Cannot overwrite a value (at line 3, column 12)"."""
    config = tmp_path / "config.toml"
    config.write_text("[storage]\ndatabase = 'a.sqlite3'\ndatabase = 'b.sqlite3'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.lines() == [
        f"{config}: not valid TOML: database is given a value twice (at line 3, column 23)"
    ]


def test_a_curly_quote_is_named_with_its_line_and_the_file(tmp_path: Path) -> None:
    """The config edited in a word processor: tomllib says only "Invalid value"."""
    config = tmp_path / "config.toml"
    config.write_text("[storage]\ndatabase = \u201ca.sqlite3\u201d\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.lines() == [
        f"{config}: not valid TOML: Invalid value (at line 2, column 12): the character "
        "U+201C LEFT DOUBLE QUOTATION MARK cannot stand there; write a key in a-z, 0-9, '_' "
        "and '-', and text between straight quotes \"...\" (not a word processor's curly ones)"
    ]


# -- one bad value, one problem naming its key ------------------------------------------


def setting(path: str, value: Any) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        *tables, key = path.split(".")
        target = raw
        for name in tables:
            target = target.setdefault(name, {})
        target[key] = value

    return change


def without(path: str) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        *tables, key = path.split(".")
        target = raw
        for name in tables:
            target = target[name]
        del target[key]

    return change


def without_id(raw: Raw) -> None:
    del raw["people"][0]["telegram_id"]


def both(*changes: Callable[[Raw], None]) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        for c in changes:
            c(raw)

    return change


def person(**fields: Any) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        raw["people"][0].update(fields)

    return change


def acting(kind: str, starts: str, until: str, role: str = "karo") -> Raw:
    """An [[acting]] entry: a Plh or Plt for ``role`` from ``starts`` to ``until``."""
    return {"role": role, "telegram_id": 100000009, "kind": kind, "from": starts, "until": until}


BAD = {
    "unknown timezone": (
        setting("time.timezone", "Mars/Olympus"),
        "time.timezone: unknown timezone 'Mars/Olympus'",
    ),
    "timezone directory": (setting("time.timezone", "America"), "time.timezone: unknown"),
    "timezone path": (setting("time.timezone", "../../etc/passwd"), "time.timezone: unknown"),
    "timezone not a string": (setting("time.timezone", 7), "time.timezone: must be a str"),
    "workday 0": (setting("time.workdays", [0, 1, 2]), "time.workdays:"),
    "workday 8": (setting("time.workdays", [1, 8]), "time.workdays:"),
    "workdays empty": (setting("time.workdays", []), "time.workdays:"),
    "workdays names": (setting("time.workdays", ["Senin"]), "time.workdays:"),
    "workdays not a list": (setting("time.workdays", "1-5"), "time.workdays:"),
    "day end before start": (setting("time.day_end", "07:00"), "time.day_end:"),
    "day end equals start": (setting("time.day_end", "08:00"), "time.day_end:"),
    "day start after end": (setting("time.day_start", "17:00"), "time.day_end:"),
    "hour of three digits": (setting("time.day_start", "008:00"), "time.day_start: must be a time"),
    "hour 24": (setting("time.day_end", "24:00"), "time.day_end: must be a time"),
    "minute 60": (setting("time.day_start", "07:60"), "time.day_start: must be a time"),
    "comma as separator": (setting("time.day_start", "08,00"), "time.day_start: must be a time"),
    "dot and one minute digit": (setting("time.day_end", "16.0"), "time.day_end: must be a time"),
    "dot and colon mixed": (setting("time.day_end", "16.00:00"), "time.day_end: must be a time"),
    "time with seconds": (setting("time.day_end", "16:00:00"), "time.day_end: must be a time"),
    "time as a number": (setting("time.day_end", 16), "time.day_end: must be a time as 'HH:MM'"),
    # TOML's own time (day_end = 16:30:15, unquoted) to the second: office hours are minutes
    "a TOML time with seconds": (
        setting("time.day_end", time(16, 30, 15)),
        "time.day_end: must be a time as 'HH:MM' or 'HH.MM', got 16:30:15",
    ),
    "unknown top-level key": (setting("token", "x"), "token: unknown key"),
    "misspelt section": (setting("reminder", {"enabled": True}), "reminder: unknown key"),
    "unknown key in time": (setting("time.zone", "Asia/Jakarta"), "time.zone: unknown key"),
    "unknown key in storage": (setting("storage.path", "x"), "storage.path: unknown key"),
    "unknown key in webhook": (
        setting("bot.webhook.secret", "s"),
        "bot.webhook.secret: unknown key",
    ),
    "unknown key in a person": (person(phone="0812"), "people[0].phone: unknown key"),
    "section not a table": (setting("time", "Asia/Jakarta"), "time: must be a table"),
    "token in the file": (setting("bot.token", "123456:AAAA"), "bot.token: the token must not"),
    "api url ftp": (setting("bot.api_base_url", "ftp://api.telegram.org"), "bot.api_base_url:"),
    "api url without scheme": (
        setting("bot.api_base_url", "api.telegram.org"),
        "bot.api_base_url:",
    ),
    "api url empty": (setting("bot.api_base_url", ""), "bot.api_base_url:"),
    "webhook port above 65535": (
        setting("bot.webhook.port", 70000),
        "bot.webhook.port: must be at most 65535",
    ),
    "webhook listen not an address": (
        setting("bot.webhook.listen", "not an ip"),
        "bot.webhook.listen: must be an IP address",
    ),
    "retention beyond a century": (
        setting("storage.retention_days", 1_000_000),
        "storage.retention_days: must be at most 36500",
    ),
    "bundle wait as text": (
        setting("papers.bundle_wait_minutes", "30"),
        "papers.bundle_wait_minutes: must be an integer, got '30'",
    ),
    "bundle wait in fractions": (
        setting("papers.bundle_wait_minutes", 1.5),
        "papers.bundle_wait_minutes: must be an integer, got 1.5",
    ),
    "bundle wait below zero": (
        setting("papers.bundle_wait_minutes", -1),
        "papers.bundle_wait_minutes: must be 0 or more, got -1",
    ),
    "bundle wait beyond a day": (
        setting("papers.bundle_wait_minutes", 1441),
        "papers.bundle_wait_minutes: must be at most 1440",
    ),
    "same cpu as a word": (
        setting("storage.same_cpu", "yes"),
        "storage.same_cpu: must be a bool",
    ),
    "a day off with a time": (
        setting("time.extra_days_off", [datetime(2026, 12, 24, 10, 0)]),
        "time.extra_days_off[0]: must be a date YYYY-MM-DD",
    ),
    "a workday of true": (setting("time.workdays", [True]), "time.workdays: must list ISO"),
    "api url with the token": (
        setting("bot.api_base_url", "https://api.telegram.org/bot123456:ABCDEFsecretTOKENvalue12"),
        "bot.api_base_url: must not hold the bot token",
    ),
    # as Telegram's docs write it (https://api.telegram.org/bot<token>/METHOD): the bot would
    # call .../bot/bot<token>/getMe, a 404 that `run` took for a refused token
    "api url ending in /bot": (
        setting("bot.api_base_url", "https://api.telegram.org/bot"),
        "bot.api_base_url: must be the server's address without /bot: 'https://api.telegram.org'",
    ),
    "self-hosted api url ending in /bot/": (
        setting("bot.api_base_url", "http://127.0.0.1:8081/BOT/"),
        "bot.api_base_url: must be the server's address without /bot: 'http://127.0.0.1:8081'",
    ),
    "bad mode": (setting("bot.mode", "pull"), "bot.mode: must be 'polling' or 'webhook'"),
    "unknown http client": (
        setting("bot.http_client", "lean"),
        "bot.http_client: must be 'aiohttp' or 'httpx'",
    ),
    "unknown event loop": (
        setting("bot.event_loop", "trio"),
        "bot.event_loop: must be 'uvloop' or 'asyncio'",
    ),
    "missing ca file": (setting("bot.ca_file", "no/such-ca.pem"), "bot.ca_file: no such file"),
    "webhook without url": (setting("bot.mode", "webhook"), "bot.webhook.url:"),
    "webhook with http url": (
        both(setting("bot.mode", "webhook"), setting("bot.webhook.url", "http://bot.example.id")),
        "bot.webhook.url:",
    ),
    "webhook url on a port Telegram never calls": (
        both(
            setting("bot.mode", "webhook"),
            setting("bot.webhook.url", "https://office.example:9443/sopbot"),
        ),
        "bot.webhook.url: Telegram calls a webhook only on port 443, 80, 88 or 8443",
    ),
    "webhook url with a port that is no number": (
        both(setting("bot.mode", "webhook"), setting("bot.webhook.url", "https://bot.id:web")),
        "bot.webhook.url: Telegram calls a webhook only on port",
    ),
    "webhook port zero": (setting("bot.webhook.port", 0), "bot.webhook.port:"),
    "language": (setting("bot.language", "en"), "bot.language:"),
    "negative repeat": (
        setting("reminders.repeat_every_minutes", -5),
        "reminders.repeat_every_minutes: must be a positive integer",
    ),
    "zero escalation": (setting("reminders.escalate_after", 0), "reminders.escalate_after:"),
    "negative snooze": (
        setting("reminders.max_snooze_minutes", -1),
        "reminders.max_snooze_minutes:",
    ),
    "negative check": (
        setting("reminders.check_every_seconds", -60),
        "reminders.check_every_seconds:",
    ),
    "repeat as text": (
        setting("reminders.repeat_every_minutes", "240"),
        "reminders.repeat_every_minutes:",
    ),
    "repeat as bool": (setting("reminders.escalate_after", True), "reminders.escalate_after:"),
    "enabled as text": (setting("reminders.enabled", "yes"), "reminders.enabled:"),
    "short NIP": (person(nip="19800101"), "people[0].nip: a NIP has 18 digits"),
    "NIP with letters": (person(nip="19800101200501100X"), "people[0].nip:"),
    "NIP with 19 digits": (person(nip="1980010120050110012"), "people[0].nip:"),
    "NIP with a line break": (person(nip="198001012005011001\n"), "people[0].nip:"),
    "NIP in Arabic-Indic digits": (person(nip="١٩٨٠٠١٠١٢٠٠٥٠١١٠٠١"), "people[0].nip:"),
    "person without id": (without_id, "people[0].telegram_id:"),
    "person id zero": (person(telegram_id=0), "people[0].telegram_id:"),
    "person roles not a list of names": (person(roles=[1]), "people[0].roles:"),
    "admins not ids": (setting("admins", ["admin"]), "admins:"),
    # an id typed with digits to spare passed `check`; `run` then stopped with a traceback
    # (SQLite's integers end at 64 bits), exit 1, restarted by systemd again and again
    "an administrator's id beyond Telegram's 52 bits": (
        setting("admins", [100000001, 100000000000000000000]),
        "admins[1]: 100000000000000000000 is no Telegram user id (at most 4503599627370495)",
    ),
    "a person's id beyond Telegram's 52 bits": (
        person(telegram_id=2**52),
        "people[0].telegram_id: 4503599627370496 is no Telegram user id (at most",
    ),
    "an acting official's id beyond Telegram's 52 bits": (
        setting("acting", [{**acting("plh", "2026-12-01", "2026-12-10"), "telegram_id": 2**63}]),
        "acting[0].telegram_id: 9223372036854775808 is no Telegram user id (at most",
    ),
    "missing SOP file": (setting("sops", ["sops/tidak-ada.toml"]), "sops[0]: no such file"),
    "SOP is a directory": (setting("sops", ["sops"]), "sops[0]: no such file"),
    "second SOP missing": (
        setting("sops", ["sops/penyusunan-program-kerja.toml", "sops/lain.toml"]),
        "sops[1]: no such file",
    ),
    "no SOPs": (setting("sops", []), "sops:"),
    "bad extra day off": (
        setting("time.extra_days_off", ["2026-02-30"]),
        "time.extra_days_off[0]:",
    ),
    "extra day off as text": (
        setting("time.extra_days_off", ["2026-12-24", "cuti bersama"]),
        "time.extra_days_off[1]:",
    ),
    "bad extra workday": (
        setting("time.extra_workdays", ["2027-02-30"]),
        "time.extra_workdays[0]: must be a date YYYY-MM-DD",
    ),
    "extra workday with a time": (
        setting("time.extra_workdays", [datetime(2026, 12, 24, 8, 0)]),
        "time.extra_workdays[0]: must be a date YYYY-MM-DD",
    ),
    "a day both off and worked": (
        both(
            setting("time.extra_days_off", ["2026-12-31"]),
            setting("time.extra_workdays", ["2026-12-24", "2026-12-31"]),
        ),
        "time.extra_workdays[1]: 2026-12-31 is also in time.extra_days_off",
    ),
    "override zero": (
        setting("sop_time_overrides", {"ppk-rkakl-pk": {"6": 0}}),
        "sop_time_overrides.ppk-rkakl-pk.6: must be a positive number of minutes",
    ),
    "override negative": (
        setting("sop_time_overrides", {"ppk-rkakl-pk": {"6": -480}}),
        "sop_time_overrides.ppk-rkakl-pk.6:",
    ),
    "override as text": (
        setting("sop_time_overrides", {"ppk-rkakl-pk": {"6": "480"}}),
        "sop_time_overrides.ppk-rkakl-pk.6:",
    ),
    "override step not a number": (
        setting("sop_time_overrides", {"ppk-rkakl-pk": {"enam": 480}}),
        "sop_time_overrides.ppk-rkakl-pk.enam: must be a step number",
    ),
    "override not a table": (
        setting("sop_time_overrides", {"ppk-rkakl-pk": 480}),
        "sop_time_overrides.ppk-rkakl-pk:",
    ),
    "unit with capitals": (setting("organisation.unit", "Biro PMK"), "organisation.unit:"),
    # a value ending in a line break ("biro\n", a multi-line string's last line) passed the
    # pattern: its "$" matched before the break
    "unit ending in a line break": (
        setting("organisation.unit", "biro-perencanaan\n"),
        "organisation.unit: must be 1-32 characters",
    ),
    "day start ending in a line break": (
        setting("time.day_start", "08:00\n"),
        "time.day_start: must be a time",
    ),
    "extension ending in a line break": (
        setting("storage.allowed_extensions", ["pdf\n"]),
        "storage.allowed_extensions: must be a list of lower-case extensions",
    ),
    "token variable ending in a line break": (
        setting("bot.token_env", "TELEGRAM_BOT_TOKEN\n"),
        "bot.token_env: must be the name of an environment variable",
    ),
    "webhook secret variable ending in a line break": (
        setting("bot.webhook.secret_token_env", "SOPBOT_WEBHOOK_SECRET\n"),
        "bot.webhook.secret_token_env: must name an environment variable",
    ),
    "max file too large": (setting("storage.max_file_mb", 5000), "storage.max_file_mb:"),
    # Telegram's cloud server never hands a bot a file above 20 MB (getFile: "file is too big")
    "max file above the cloud's 20 MB": (
        setting("storage.max_file_mb", 21),
        "storage.max_file_mb: must be at most 20 with Telegram's cloud Bot API",
    ),
    "max file above 20 MB, the cloud server by default": (
        both(without("bot.api_base_url"), setting("storage.max_file_mb", 100)),
        "storage.max_file_mb: must be at most 20 with Telegram's cloud Bot API",
    ),
    "max file above 20 MB, the cloud server written with a slash": (
        both(
            setting("bot.api_base_url", "https://API.telegram.org/"),
            setting("storage.max_file_mb", 50),
        ),
        "storage.max_file_mb: must be at most 20 with Telegram's cloud Bot API",
    ),
    "max file above a self-hosted server's 2000 MB": (
        both(
            setting("bot.api_base_url", "http://localhost:8081"),
            setting("storage.max_file_mb", 2001),
        ),
        "storage.max_file_mb: must be at most 2000",
    ),
    "extension with dot": (
        setting("storage.allowed_extensions", [".pdf"]),
        "storage.allowed_extensions:",
    ),
    "no extension allowed, so every upload refused": (
        setting("storage.allowed_extensions", []),
        "storage.allowed_extensions: must name at least one extension",
    ),
    "no database named (it would be the config's folder)": (
        setting("storage.database", ""),
        "storage.database: must name the SQLite database file or a postgresql:// URL",
    ),
    "database named as a folder": (
        setting("storage.database", "data/"),
        "storage.database: must name the SQLite database file, not a folder: got 'data/'",
    ),
    "database that is the files folder": (
        both(setting("storage.database", "data/x"), setting("storage.files_dir", "data/x")),
        f"storage.database: {ROOT / 'data' / 'x'} is also storage.files_dir",
    ),
    "database that is a folder above the files folder": (
        both(setting("storage.database", "data"), setting("storage.files_dir", "data/files")),
        f"storage.database: {ROOT / 'data'} is a folder above storage.files_dir",
    ),
    # "" is the config's own folder: the bot would put its marker and every case's folder
    # beside config.toml (in the program's folder, with the example config)
    "no files folder named (it would be the config's folder)": (
        setting("storage.files_dir", ""),
        "storage.files_dir: must name the folder of the uploaded documents",
    ),
    "a files folder of blanks": (
        setting("storage.files_dir", "   "),
        "storage.files_dir: must name the folder of the uploaded documents",
    ),
    # each passed `sopbot check`; `sopbot run` then tried to reach Telegram for ever
    "api url with a port beyond 65535": (
        setting("bot.api_base_url", "http://localhost:99999"),
        "bot.api_base_url: the port must be a number from 1 to 65535",
    ),
    "api url with a port that is no number": (
        setting("bot.api_base_url", "http://localhost:web"),
        "bot.api_base_url: the port must be a number from 1 to 65535",
    ),
    "api url without a host": (
        setting("bot.api_base_url", "https://:8081"),
        "bot.api_base_url: must be an http(s) URL",
    ),
    "api url with a blank pasted after it": (
        setting("bot.api_base_url", "https://api.telegram.org/ "),
        "bot.api_base_url: must not hold blanks",
    ),
    "api url with a query": (
        setting("bot.api_base_url", "https://api.telegram.org/?lang=id"),
        "bot.api_base_url: must be the server's address without a query (?) or fragment (#)",
    ),
    "webhook url without a host": (
        both(setting("bot.mode", "webhook"), setting("bot.webhook.url", "https://")),
        "bot.webhook.url: webhook mode needs the public https:// URL Telegram calls",
    ),
    # urlsplit's ValueError was a traceback from `sopbot check`
    "api url with an address left open": (
        setting("bot.api_base_url", "http://[::1:8081"),
        "bot.api_base_url: must be an http(s) URL, got 'http://[::1:8081'",
    ),
    "webhook url with an address left open": (
        both(setting("bot.mode", "webhook"), setting("bot.webhook.url", "https://[2001:db8::1")),
        "bot.webhook.url: webhook mode needs the public https:// URL Telegram calls",
    ),
    "webhook url with a query": (
        both(
            setting("bot.mode", "webhook"),
            setting("bot.webhook.url", "https://bot.example.id/sop?unit=1"),
        ),
        "bot.webhook.url: must not hold a query (?) or fragment (#): the bot adds",
    ),
    "webhook url with a blank": (
        both(
            setting("bot.mode", "webhook"),
            setting("bot.webhook.url", "https://bot.example.id/sop bot"),
        ),
        "bot.webhook.url: must not hold blanks",
    ),
    # Telegram posts to /x?y=1, i.e. to /x: the bot listened on "/x?y=1" and answered 404
    "webhook path with a question mark": (
        setting("bot.webhook.path", "x?y=1"),
        "bot.webhook.path: must be letters, digits and - _ . ~ : / (as in a URL's path), got 'x?y=1'",
    ),
    "webhook path with a hash": (
        setting("bot.webhook.path", "tele#gram"),
        "bot.webhook.path: must be letters, digits and - _ . ~ : / (as in a URL's path)",
    ),
    "webhook path with a blank": (
        setting("bot.webhook.path", "tele gram"),
        "bot.webhook.path: must be letters, digits and - _ . ~ : / (as in a URL's path)",
    ),
    # urlsplit's ValueError was a traceback from `sopbot check`
    "a postgresql URL with an address left open": (
        setting("storage.database", "postgresql://[::1/sopbot"),
        "storage.database: not a valid URL: 'postgresql://[::1/sopbot'",
    ),
    "no variable named for the token": (
        setting("bot.token_env", ""),
        "bot.token_env: must name the environment variable that holds the token",
    ),
    "the token pasted where its variable is named": (
        setting("bot.token_env", "123456789:AAEhBOweik6ad9r"),
        "bot.token_env: must be the name of an environment variable",
    ),
    "no variable named for the webhook's secret": (
        setting("bot.webhook.secret_token_env", ""),
        "bot.webhook.secret_token_env: must name an environment variable",
    ),
    "the webhook's secret pasted where its variable is named": (
        setting("bot.webhook.secret_token_env", "rahasia-kantor-123"),
        "bot.webhook.secret_token_env: must name an environment variable",
    ),
    "holidays of an unknown country": (
        setting("time.public_holidays", "XX"),
        "time.public_holidays: unknown country 'XX'",
    ),
    "a step norm overridden beyond a year of office work": (
        setting("sop_time_overrides", {"ppk-rkakl-pk": {"6": 9999999999999}}),
        "sop_time_overrides.ppk-rkakl-pk.6: must be at most 124800 working minutes",
    ),
    "reminders repeated less than once a year of office work": (
        setting("reminders.repeat_every_minutes", 9999999999999),
        "reminders.repeat_every_minutes: must be at most 124800",
    ),
    "a snooze beyond a year of office work": (
        setting("reminders.max_snooze_minutes", 124801),
        "reminders.max_snooze_minutes: must be at most 124800",
    ),
    "reminders looked for less than once a day": (
        setting("reminders.check_every_seconds", 86401),
        "reminders.check_every_seconds: must be at most 86400 (a day), got 86401",
    ),
    "the same person in two [[people]] entries": (
        lambda raw: raw["people"].append({**raw["people"][0], "roles": ["karo"]}),
        "people[1].telegram_id: 100000001 is already people[0]",
    ),
    "two acting officials for one role sharing a day": (
        setting(
            "acting",
            [
                acting("plh", "2026-12-01", "2026-12-10"),
                acting("plh", "2026-12-15", "2026-12-20", role="kabag"),
                acting("plt", "2026-12-10", "2026-12-31"),
            ],
        ),
        "acting[2]: plt for 'karo' 2026-12-10..2026-12-31 overlaps acting[0] (plh for 'karo' "
        "2026-12-01..2026-12-10); a role has one acting official at a time",
    ),
    "the same SOP file listed twice, spelt two ways": (
        setting(
            "sops",
            ["sops/penyusunan-program-kerja.toml", "sops/../sops/penyusunan-program-kerja.toml"],
        ),
        "sops[1]: ",
    ),
}


@pytest.mark.parametrize(
    "listen", ["0.0.0.0", "::", "127.0.0.1", "localhost", "bot.kemnaker.go.id"]
)
def test_the_webhook_listens_on_an_address_or_a_host_name(listen: str) -> None:
    raw = example()
    raw["bot"].setdefault("webhook", {})["listen"] = listen
    assert parse_config(raw, base_dir=ROOT).bot.webhook.listen == listen


@pytest.mark.parametrize("path", ["telegram", "/telegram", "telegram/", "/telegram/"])
def test_the_webhook_path_is_one_value_for_the_url_and_the_listening_path(path: str) -> None:
    raw = example()
    raw["bot"]["webhook"] = {"url": "https://bot.kemnaker.go.id/", "path": path}
    hook = parse_config(raw, base_dir=ROOT).bot.webhook
    assert (hook.path, hook.public_url) == ("telegram", "https://bot.kemnaker.go.id/telegram")


def test_a_webhook_path_of_only_slashes_is_refused_naming_its_key() -> None:
    raw = example()
    raw["bot"]["webhook"] = {"path": "/"}
    assert problems_of(raw) == [
        'bot.webhook.path: must name the path Telegram posts to, such as "telegram"'
    ]


@pytest.mark.parametrize(
    "written",
    [
        " postgresql://sopbot@db.kemnaker.go.id/sopbot",
        "PostgreSQL://sopbot@db.kemnaker.go.id/sopbot",
        "postgresql://sopbot@db.kemnaker.go.id/sopbot\n",
    ],
)
def test_a_postgresql_url_with_blanks_or_capitals_is_the_postgresql_database(written: str) -> None:
    """Pasted with a blank before it, or typed with capitals: the bot runs on PostgreSQL,
    not silently on a new SQLite file named " postgresql:/sopbot@db…"."""
    raw = example()
    raw["storage"]["database"] = written
    database = parse_config(raw, base_dir=ROOT).storage.database
    assert database == "postgresql://sopbot@db.kemnaker.go.id/sopbot"
    assert is_postgres(database) and is_postgres(written.strip())  # the two agree


def test_an_api_url_with_the_token_is_refused_without_printing_it() -> None:
    raw = example()
    raw["bot"]["api_base_url"] = "https://api.telegram.org/bot123456:ABCDEFsecretTOKENvalue12"
    assert not [p for p in problems_of(raw) if "secretTOKEN" in p]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://api.telegram.org", "https://api.telegram.org"),
        ("https://bot:s3cret@tg.kemnaker.go.id:8443/api", "https://tg.kemnaker.go.id:8443/api"),
        ("http://user@10.0.0.5:8081", "http://10.0.0.5:8081"),
    ],
)
def test_an_api_url_is_shown_without_its_user_and_password(url: str, shown: str) -> None:
    assert shown_url(url) == shown


@pytest.mark.parametrize(
    ("written", "meant"),
    [("WIB", "Asia/Jakarta"), ("wita", "Asia/Makassar"), ("WIT", "Asia/Jayapura")],
)
def test_a_timezone_written_as_indonesia_names_it_is_told_its_zone_name(
    written: str, meant: str
) -> None:
    """The IT officer of a bureau in Makassar writes timezone = "WITA", as every paper of
    his office writes the time: it was "unknown timezone 'WITA'", with nothing to say what
    the bot takes."""
    raw = example()
    setting("time.timezone", written)(raw)
    assert problems_of(raw) == [
        f"time.timezone: unknown timezone {written!r} (write the zone's name: "
        "'Asia/Jakarta' for WIB, 'Asia/Makassar' for WITA, 'Asia/Jayapura' for WIT)"
    ]
    setting("time.timezone", meant)(raw)
    assert parse_config(raw, base_dir=ROOT).time.timezone == meant


def test_a_key_misspelt_by_a_letter_or_its_case_is_named_with_the_key_meant() -> None:
    """The IT officer types repeat_every_minute, databse and [Bot]: each was refused as
    "unknown key", and he had to find in the example which key he meant."""
    raw = example()
    raw["reminders"]["repeat_every_minute"] = raw["reminders"].pop("repeat_every_minutes")
    raw["storage"]["databse"] = raw["storage"].pop("database")
    raw["Bot"] = raw.pop("bot")
    raw["people"][0]["nama"] = raw["people"][0].pop("name")
    assert sorted(problems_of(raw)) == [
        "Bot: unknown key (did you mean 'bot'?)",
        "people[0].nama: unknown key (did you mean 'name'?)",
        "reminders.repeat_every_minute: unknown key (did you mean 'repeat_every_minutes'?)",
        "storage.databse: unknown key (did you mean 'database'?)",
    ]


@pytest.mark.parametrize("change, expected", BAD.values(), ids=BAD.keys())
def test_a_bad_value_is_refused_naming_its_key(
    change: Callable[[Raw], None], expected: str
) -> None:
    raw = example()
    change(raw)
    problems = problems_of(raw)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_an_archive_bundle_that_never_waits_is_accepted() -> None:
    """0: the archive bundle goes at once without a paper still being written."""
    raw = example()
    raw["papers"]["bundle_wait_minutes"] = 0
    assert parse_config(raw, base_dir=ROOT).papers.bundle_wait == timedelta(0)


def test_the_bounds_themselves_are_accepted() -> None:
    raw = example()
    raw["reminders"]["check_every_seconds"] = 86400
    raw["reminders"]["max_snooze_minutes"] = 124800
    raw["sop_time_overrides"] = {"ppk-rkakl-pk": {"6": 124800}}
    raw["papers"]["bundle_wait_minutes"] = 1440
    config = parse_config(raw, base_dir=ROOT)
    assert config.papers.bundle_wait == timedelta(days=1)
    assert config.reminders.check_every_seconds == 86400
    assert config.sop_time_overrides == {"ppk-rkakl-pk": {6: 124800}}


def test_acting_periods_one_after_the_other_or_for_other_roles_are_accepted() -> None:
    """A Plh Karo to the 10th, a Plt Karo from the 11th, and a Plh Kabag over both."""
    raw = example()
    raw["acting"] = [
        acting("plh", "2026-12-01", "2026-12-10"),
        acting("plt", "2026-12-11", "2026-12-31"),
        acting("plh", "2026-12-01", "2026-12-31", role="kabag"),
    ]
    config = parse_config(raw, base_dir=ROOT)
    assert [(a.role, a.kind, a.starts and a.starts.day, a.until.day) for a in config.acting] == [
        ("karo", "plh", 1, 10),
        ("karo", "plt", 11, 31),
        ("kabag", "plh", 1, 31),
    ]


def test_holidays_of_id_in_lower_case_are_indonesias() -> None:
    raw = example()
    raw["time"]["public_holidays"] = "id"
    assert parse_config(raw, base_dir=ROOT).time.public_holidays == "ID"


def test_a_config_saved_as_latin1_is_refused_naming_the_file_and_the_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('[organisation]\ncity = "Bogor Café"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.lines() == [
        f"{path}: not UTF-8 text: byte 0xe9 at offset 32 (line 2, column 18); save it as UTF-8"
    ]


def test_a_config_notepad_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    body = f'sops = [{json.dumps(str(SOP_PATH))}]\n[organisation]\ncity = "Bogor Café"\n'
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    assert load_config(path).organisation.city == "Bogor Café"


def test_the_token_is_refused_from_the_file_too(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'sops = [{json.dumps(str(SOP_PATH))}]\n[bot]\ntoken = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ng"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems[0].startswith("bot.token:")
    assert "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ng" not in str(caught.value)


def test_several_problems_are_reported_together() -> None:
    raw = example()
    raw["time"]["timezone"] = "Mars/Olympus"
    raw["time"]["day_start"] = "9 pagi"
    raw["bot"]["mode"] = "pull"
    raw["reminders"]["escalate_after"] = -1
    raw["people"][0]["nip"] = "123"
    raw["sops"] = ["sops/tidak-ada.toml"]
    raw["colour"] = "merah"
    problems = problems_of(raw)
    keys = [p.split(":", 1)[0] for p in problems]
    assert sorted(keys) == sorted(
        [
            "time.timezone",
            "time.day_start",
            "bot.mode",
            "reminders.escalate_after",
            "people[0].nip",
            "sops[0]",
            "colour",
        ]
    )


def test_a_nip_written_as_printed_on_the_sk_is_kept_as_18_digits_as_telegram_keeps_it() -> None:
    """The operator copies Siti's NIP from her SK ("19800101 200501 2 001"): it is kept as
    the 18 digits the profile dialogue keeps when she types it, so the two are one NIP."""
    raw = example()
    raw["people"][0]["nip"] = "19800101 200501 2 001"
    [person] = parse_config(raw, base_dir=ROOT).people
    assert person.nip == "198001012005012001"


def test_an_office_declares_a_day_the_holidays_package_calls_off_a_working_day() -> None:
    """A new SKB revokes the cuti bersama of 24 December 2026 and of 12 March 2027 (the
    package still lists both): the office writes them under time.extra_workdays and their
    working minutes count again."""
    raw = example()
    revoked = (date(2026, 12, 24), date(2027, 3, 12))
    before = work_calendar(parse_config(raw, base_dir=ROOT))
    assert not any(before.is_working_day(d) for d in revoked)
    raw["time"]["extra_workdays"] = ["2026-12-24", date(2027, 3, 12)]
    config = parse_config(raw, base_dir=ROOT)
    assert config.time.extra_workdays == revoked
    calendar = work_calendar(config)
    assert all(calendar.is_working_day(d) for d in revoked)
    assert not calendar.is_working_day(date(2026, 12, 25))  # Christmas stays a holiday


def test_good_variants_are_accepted() -> None:
    raw = example()
    raw["bot"]["mode"] = "webhook"
    raw["bot"]["webhook"]["url"] = "https://bot.kemnaker.go.id:8443"  # one Telegram calls
    raw["bot"]["api_base_url"] = "http://localhost:8081"
    raw["storage"]["max_file_mb"] = 2000  # a self-hosted server in --local mode
    raw["time"]["timezone"] = "Asia/Makassar"
    raw["time"]["workdays"] = [5, 1, 2, 3, 4, 1]
    raw["time"]["extra_days_off"] = [date(2026, 12, 24), "2026-12-31"]
    raw["time"]["public_holidays"] = ""
    raw["people"][0]["nip"] = "19800101 200501 1 001"
    raw["sops"] = [str(SOP_PATH)]  # an absolute path stays as it is
    config = parse_config(raw, base_dir=Path("/nonexistent"))
    assert config.bot.mode == "webhook"
    assert config.bot.base_url == "http://localhost:8081/bot"
    # a self-hosted server in --local mode calls a webhook on any port, over http too
    raw["bot"]["webhook"]["url"] = "http://10.0.0.5:9443"
    assert parse_config(raw, base_dir=Path("/nonexistent")).bot.webhook.url.endswith(":9443")
    assert config.storage.max_file_mb == 2000
    assert config.time.workdays == (1, 2, 3, 4, 5)
    assert config.time.extra_days_off == (date(2026, 12, 24), date(2026, 12, 31))
    assert config.time.public_holidays is None
    assert config.sops == (SOP_PATH,)


def test_a_role_listed_twice_for_a_person_is_held_once() -> None:
    raw = example()
    person(roles=["kasubag", "kasubag"])(raw)
    assert parse_config(raw, base_dir=ROOT).people[0].roles == ("kasubag",)


@pytest.mark.parametrize("secret", ["abc\n", "ada spasi", "x" * 257, "tanda!"])
def test_a_webhook_secret_telegram_would_refuse_is_named_at_start(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """setWebhook takes 1-256 of A-Z a-z 0-9 _ -: a trailing newline (a secret file read
    whole) is refused at start, not by Telegram after it."""
    monkeypatch.setenv("SOPBOT_WEBHOOK_SECRET", secret)
    problem = WebhookConfig().secret_problem()
    assert problem is not None and "A-Z, a-z, 0-9, _ and -" in problem
    monkeypatch.setenv("SOPBOT_WEBHOOK_SECRET", "Rahasia_2026-x")
    assert WebhookConfig().secret_problem() is None


def test_a_key_given_twice_is_named_after_a_comment_pasted_with_a_line_separator(
    tmp_path: Path,
) -> None:
    """A comment pasted from a word processor keeps a U+2028 (TOML allows it there); the
    key given twice below it is still the one named (lines are counted as tomllib does)."""
    config = tmp_path / "config.toml"
    config.write_text(
        "# Konfigurasi biro\u2028disalin dari dokumen\n"
        "admins = [1]\n"
        "[bot]\n"
        'token_env = "A"\n'
        'mode = "polling"\n'
        'token_env = "B"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as refused:
        load_config(config)
    assert "token_env is given a value twice" in str(refused.value), str(refused.value)


@pytest.mark.parametrize("saved_as", ["DER (Windows' .cer export)", "not a certificate"])
def test_a_ca_file_that_holds_no_pem_certificate_is_refused_naming_its_key(
    tmp_path: Path, saved_as: str
) -> None:
    """The self-hosted server's CA exported the Windows way (binary DER), or the wrong file
    named: `sopbot check` passed it, and `sopbot run` stopped with an SSL traceback (exit 1,
    restarted by systemd). A PEM certificate of the CA is taken."""
    pem = trustme.CA().cert_pem.bytes()
    good, bad = tmp_path / "ca.pem", tmp_path / "ca.cer"
    good.write_bytes(pem)
    bad.write_bytes(
        ssl.PEM_cert_to_DER_cert(pem.decode()) if saved_as.startswith("DER") else b"kunci\n"
    )
    raw = example()
    raw["bot"]["ca_file"] = str(good)
    assert parse_config(raw, base_dir=ROOT).bot.ca_file == good
    raw["bot"]["ca_file"] = str(bad)
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, base_dir=ROOT)
    assert caught.value.problems == [
        f"bot.ca_file: {bad} holds no PEM certificate (-----BEGIN CERTIFICATE-----): "
        "give the CA's certificate in PEM (openssl x509 -inform der -in FILE -out ca.pem)"
    ]


def test_a_webhook_path_holding_the_token_as_old_tutorials_advise_is_kept_unechoed() -> None:
    """python-telegram-bot's old examples put the token in the webhook's path
    (url_path=TOKEN): it still works, and a mistake beside it is named without it."""
    token = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ng"
    raw = example()
    raw["bot"].update(mode="webhook", webhook={"url": "https://bot.example.id", "path": token})
    assert parse_config(raw, base_dir=ROOT).bot.webhook.public_url == (
        f"https://bot.example.id/{token}"
    )
    raw["bot"]["webhook"] = {"url": f"https://bot.example.id:9443/{token}?x", "path": f"{token}?"}
    problems = problems_of(raw)
    assert [p.partition(":")[0] for p in problems] == ["bot.webhook.url", "bot.webhook.path"]
    assert not any(token.partition(":")[2] in problem for problem in problems), problems
    assert "<token>" in problems[0] and "<token>" in problems[1], problems


def test_office_hours_written_as_toml_times_unquoted_are_taken() -> None:
    """TOML has a time of its own: `day_start = 07:30:00`, unquoted, is the office's 07:30
    (it was refused as "must be a str, got datetime.time(7, 30)")."""
    raw = example()
    raw["time"].update(day_start=time(7, 30), day_end=time(16, 0))
    config = parse_config(raw, base_dir=ROOT)
    assert (config.time.day_start, config.time.day_end) == (time(7, 30), time(16, 0))


def test_an_hour_written_without_its_leading_zero_is_taken() -> None:
    """ "7.30" and "8:00" are as common in an office's notes as "07.30": read alike (they
    were refused as "must be a time as 'HH:MM'")."""
    raw = example()
    raw["time"].update(day_start="7.30", day_end="4:00")
    with pytest.raises(ConfigError, match=r"time\.day_end: must be later"):
        parse_config(raw, base_dir=ROOT)  # 04:00 before 07:30: the hour is read as typed
    raw["time"].update(day_start="7.30", day_end="16.00")
    config = parse_config(raw, base_dir=ROOT)
    assert (config.time.day_start, config.time.day_end) == (time(7, 30), time(16, 0))


def test_office_hours_written_with_a_dot_as_indonesian_offices_do_are_taken() -> None:
    """An Indonesian office writes "07.30" and "16.00": both are read as the colon's
    (they were refused as "must be a time as 'HH:MM'")."""
    raw = example()
    raw["time"].update(day_start="07.30", day_end="16.00")
    config = parse_config(raw, base_dir=ROOT)
    assert (config.time.day_start, config.time.day_end) == (time(7, 30), time(16, 0))
