"""The bot token never reaches a log line: not in the message, its arguments or a traceback."""

from __future__ import annotations

import io
import logging
import os
import re
import time
from collections.abc import Iterator

import pytest

from bot.logsetup import RedactToken, setup_logging

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ng"
URL = f"https://api.telegram.org/bot{TOKEN}/getUpdates"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@pytest.fixture
def captured(request: pytest.FixtureRequest) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose one handler is set up like ``setup_logging``'s, writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactToken(TOKEN))
    logger = logging.getLogger(f"test.logsetup.{request.node.name}")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.handlers[:] = []


def test_the_token_in_the_message_is_masked(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info(f"polling {URL} failed")
    text = stream.getvalue()
    assert TOKEN not in text
    assert "polling https://api.telegram.org/bot<token>/getUpdates failed" in text


def test_the_token_in_the_arguments_is_masked(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.warning("request %s returned %d", URL, 502)
    logger.warning("request %(url)s for %(who)s", {"url": URL, "who": "kasubag"})
    logger.warning("settings: %r", {"token": TOKEN, "mode": "polling"})
    logger.warning("token tail %s", TOKEN.split(":")[1])
    logger.warning("quoted %s", URL.replace(":", "%3A"))

    class Request:
        def __str__(self) -> str:
            return f"<Request {URL}>"

    logger.error("cannot send %s", Request())
    text = stream.getvalue()
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    assert "request https://api.telegram.org/bot<token>/getUpdates returned 502" in text
    assert "for kasubag" in text
    assert "'mode': 'polling'" in text
    assert "token tail <token>" in text
    assert "<Request https://api.telegram.org/bot<token>/getUpdates>" in text


def fail_with_token() -> None:
    try:
        raise ConnectionError(f"cannot reach {URL}")
    except ConnectionError as exc:
        raise RuntimeError(f"getUpdates failed ({TOKEN})") from exc


def test_the_token_in_a_traceback_is_masked(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    try:
        fail_with_token()
    except RuntimeError:
        logger.exception("polling stopped")
    text = stream.getvalue()
    assert TOKEN not in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: getUpdates failed (<token>)" in text
    assert "ConnectionError: cannot reach https://api.telegram.org/bot<token>/getUpdates" in text
    assert "fail_with_token" in text


def test_the_token_in_exc_info_given_explicitly_is_masked(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    error = ValueError(f"bad url {URL}")
    logger.error("update %s failed", 7, exc_info=error)
    logger.error("again", exc_info=(ValueError, error, None))
    text = stream.getvalue()
    assert TOKEN not in text
    assert text.count("ValueError: bad url https://api.telegram.org/bot<token>/getUpdates") == 2


def test_every_handler_sees_the_masked_record(captured: tuple[logging.Logger, io.StringIO]) -> None:
    """A second handler formatting the same record later must not get the raw traceback back."""
    logger, stream = captured
    second = io.StringIO()
    plain = logging.StreamHandler(second)
    plain.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(plain)
    try:
        fail_with_token()
    except RuntimeError:
        logger.exception("stopped %s", URL)
    assert TOKEN not in stream.getvalue()
    assert TOKEN not in second.getvalue()
    assert "<token>" in second.getvalue()


def test_token_shaped_text_is_masked_without_knowing_the_token() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactToken(None))
    logger = logging.getLogger("test.logsetup.shape")
    logger.handlers[:] = [handler]
    logger.propagate = False
    other = "987654321:ZZyyXXwwVVuuTTssRRqqPPoo_-nnMM"
    try:
        logger.warning("other bot %s", other)
        try:
            raise OSError(f"https://api.telegram.org/bot{other}/getMe")
        except OSError:
            logger.exception("failed")
    finally:
        logger.handlers[:] = []
    assert other not in stream.getvalue()
    assert stream.getvalue().count("<token>") == 2


def test_a_malformed_logging_call_neither_raises_nor_leaks(
    captured: tuple[logging.Logger, io.StringIO], capsys: pytest.CaptureFixture[str]
) -> None:
    logger, stream = captured
    logger.info("%d updates from %s", URL)  # wrong arguments: a bug, but not a crash
    logger.info("%s and %s", TOKEN)
    text = stream.getvalue() + capsys.readouterr().err
    assert TOKEN not in text


def test_plain_messages_are_unchanged(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info("case %d moved to step %d (%s)", 12, 3, "Karo")
    logger.info("100% of 12:30 steps")
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith(
        "INFO test.logsetup.test_plain_messages_are_unchanged: case 12 moved to step 3 (Karo)"
    )
    assert lines[1].endswith(": 100% of 12:30 steps")


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    levels = {n: logging.getLogger(n).level for n in ("httpx", "httpcore", "apscheduler")}
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_setup_logging_masks_the_token_and_quiets_httpx(root_logging: None) -> None:
    setup_logging(TOKEN)
    [handler] = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 200 OK"', URL)
    logging.getLogger("httpx").warning("HTTP Request: POST %s failed", URL)
    logging.getLogger("bot.app").info("started with %s", URL)
    try:
        fail_with_token()
    except RuntimeError:
        logging.getLogger("bot.app").exception("crashed")
    text = stream.getvalue()
    assert TOKEN not in text
    assert "HTTP/1.1 200 OK" not in text  # httpx request lines are held back at INFO
    assert "failed" in text and "started with" in text and "crashed" in text
    assert text.count("<token>") >= 4


@pytest.fixture
def makassar_host() -> Iterator[None]:
    """The process runs with TZ=Asia/Makassar (WITA, UTC+8), as a server of a bureau in
    Makassar is set; the zone it had is set back after."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Makassar"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_a_log_line_says_the_offset_of_the_hosts_time_it_is_written_in(
    root_logging: None, makassar_host: None
) -> None:
    """The bot runs on a host set to WITA for an office in Jakarta (time.timezone WIB): the
    tasks and papers say 08.05 WIB, the log said "09:05:12,345" with no zone, and the IT
    officer matching a complaint to the log was an hour off. Each line names its offset."""
    setup_logging(TOKEN)
    [handler] = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    logging.getLogger("sopbot").warning("Telegram cannot be reached at start")
    line = stream.getvalue().rstrip("\n")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \+0800 WARNING sopbot: "
        r"Telegram cannot be reached at start",
        line,
    ), line
