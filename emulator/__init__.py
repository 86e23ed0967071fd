"""An emulated Telegram Bot API server for end-to-end tests and the offline demo.

A real, unmodified python-telegram-bot ``Application`` talks HTTP to it::

    emu = BotApiEmulator(token="123456:TEST-TOKEN", bot_username="sop_test_bot")
    await emu.start()
    app = (
        Application.builder()
        .token(emu.token)
        .base_url(emu.base_url + "/bot")
        .base_file_url(emu.base_url + "/file/bot")
        .build()
    )

and the test plays any number of users::

    alice = emu.user(1001, "Alice", username="alice")
    await alice.send("/start")
    msg = await alice.wait_message(lambda m: "Setujui" in m.text)
    answer = await alice.press(msg, "Setujui")
    album = await alice.wait_album()        # a sendMediaGroup, all items in order
    alice.received_count(), alice.edits_seen()  # what the bot sent her so far

Telegram's documented behaviour is followed (limits, error texts, the "user must have
pressed Start" rule, getUpdates/webhook semantics, albums and photos: see ``emulator.media``;
a button on a message older than ``emu.inaccessible_after`` brings an InaccessibleMessage,
and ``emu.advance_clock(seconds)`` makes messages old);
where the emulator is stricter than Telegram (unknown parameters, wrong types, an unescaped
``&`` in HTML, buttons with two actions, one-item albums) the error says so. ``python -m emulator --port N`` runs it standalone.
"""

from emulator.errors import ApiError
from emulator.faults import Fault, FaultInjector, RateLimits
from emulator.html_entities import HtmlParseError, parse_html
from emulator.server import ApiCall, BotApiEmulator
from emulator.users import (
    CallbackAnswer,
    Delivery,
    DeliveryLog,
    EmuChat,
    EmuEvent,
    EmuMessage,
    EmuUser,
    PressResult,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "Delivery",
    "DeliveryLog",
    "EmuChat",
    "EmuEvent",
    "EmuMessage",
    "EmuUser",
    "Fault",
    "FaultInjector",
    "HtmlParseError",
    "PressResult",
    "RateLimits",
    "parse_html",
]
