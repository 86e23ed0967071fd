"""``bot.event_loop``: which loop the bot runs on (``sopbot run`` on both is in
``test_operations.py``)."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest
import uvloop

from bot import eventloop


def test_uvloop_is_the_default_and_asyncio_can_be_chosen() -> None:
    for kind, expected in (("uvloop", uvloop.Loop), ("asyncio", asyncio.BaseEventLoop)):
        loop = eventloop.loop_factory(kind)()
        try:
            assert isinstance(loop, expected), (kind, type(loop))
        finally:
            loop.close()
    plain = eventloop.loop_factory("asyncio")()
    try:
        assert not isinstance(plain, uvloop.Loop)
    finally:
        plain.close()


def test_an_unknown_loop_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown event loop 'trio'"):
        eventloop.loop_factory("trio")


def test_without_uvloop_the_bot_runs_on_asyncio_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as on Windows: the import fails
    with caplog.at_level(logging.WARNING, logger="bot.eventloop"):
        factory = eventloop.loop_factory("uvloop")
    assert factory is asyncio.new_event_loop
    assert "uvloop is not installed" in caplog.text


def test_run_runs_a_coroutine_on_the_chosen_loop() -> None:
    async def which() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert eventloop.run(which(), "uvloop") == "uvloop"
    assert eventloop.run(which(), "asyncio").startswith("asyncio")


async def test_the_tests_run_on_the_loop_production_runs_on() -> None:
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
