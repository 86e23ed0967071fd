"""The inbox (``bot/inbox.py``) on a real SQLite file: what it keeps of an update.

The end-to-end cases (an update kept as Telegram sent it while it is handled, through
polling and through the webhook; put back after a crash) are in ``test_reliability_crash.py``
and ``test_webhook.py``; these are the inputs Telegram's own server does not send but a
server in between might."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, Update

from bot.clock import ManualClock
from bot.demo import World
from bot.inbox import UpdateInbox
from storage.db import Database


@pytest.fixture
async def inbox(tmp_path: Path) -> AsyncIterator[tuple[UpdateInbox, Database]]:
    db = await Database.open(tmp_path / "sopbot.sqlite3")
    kept = UpdateInbox()
    kept.attach(db, ManualClock(datetime(2026, 12, 7, 2, tzinfo=UTC)))
    try:
        yield kept, db
    finally:
        await db.close()


def a_text(update_id: int, text: str) -> dict[str, Any]:
    person = {"id": 1001, "is_bot": False, "first_name": "Siti"}
    chat = {"id": 1001, "type": "private", "first_name": "Siti"}
    message = {"message_id": 7, "date": 1796600000, "chat": chat, "from": person, "text": text}
    return {"update_id": update_id, "message": message}


async def bodies(db: Database) -> list[Any]:
    rows = await db.read(lambda tx: tx.all("SELECT body FROM inbox ORDER BY update_id"))
    return [json.loads(row[0]) for row in rows]


async def test_a_text_with_a_lone_surrogate_escape_is_kept_from_its_object(
    inbox: tuple[UpdateInbox, Database],
) -> None:
    """Half an emoji ("\\ud83d", a lone UTF-16 surrogate) is valid JSON that Python reads and
    orjson refuses to write: that update is kept from python-telegram-bot's object instead
    (polling would otherwise stop for good on the error), and the next one as it was sent."""
    kept, db = inbox
    broken, fine = a_text(5, "Laporan \ud83d"), a_text(6, "Laporan")
    kept.received([broken, fine])
    for sent in (broken, fine):
        await kept.put(Update.de_json(sent, Bot("1:x")))
    first, second = await bodies(db)
    assert first["message"]["text"] == "Laporan \ud83d"
    assert second == fine
    assert kept.qsize() == 2


async def test_what_is_no_list_of_updates_is_not_kept_as_sent(
    inbox: tuple[UpdateInbox, Database],
) -> None:
    """An answer of another shape (``True``, an object, updates without a number) gives the
    inbox nothing to keep as sent: each update is kept from its object."""
    kept, db = inbox
    for odd in (True, {"update_id": 5}, [{"message": {}}, {"update_id": "5"}, 5]):
        kept.received(odd)
    await kept.put(Update.de_json(a_text(5, "Laporan"), Bot("1:x")))
    [body] = await bodies(db)
    assert body["message"]["text"] == "Laporan"
    assert body != a_text(5, "Laporan")  # written out by PTB: fields Telegram never sent


@pytest.mark.parametrize("client", ["aiohttp", "httpx"])
async def test_an_update_python_telegram_bot_cannot_read_does_not_deafen_the_bot(
    tmp_path: Path, client: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram sends a message this python-telegram-bot cannot read (an entity without the
    offset and length PTB requires). PTB reads a getUpdates answer whole,
    so it failed the answer and asked for the same updates again, for ever: nobody was
    heard. Now the update is skipped (logged with its fields) and Kasubag's /tugas after it
    is answered."""
    async with World(tmp_path / "w", bot={"http_client": client}) as world:
        await world.everyone_starts()
        # an entity without its offset and length, as if a newer Bot API had made them optional
        odd = {"message_id": 999, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "?"}
        odd["entities"] = [{"type": "bold"}]
        world.emu.state.push_update("message", odd)
        kasubag = world["kasubag"]
        kasubag.mark_seen()
        await kasubag.send("/tugas")
        await kasubag.wait_message(timeout=15)
    assert any(
        "cannot be read by python-telegram-bot" in r.getMessage()
        and "its fields: message, update_id" in r.getMessage()
        for r in caplog.records
    )
