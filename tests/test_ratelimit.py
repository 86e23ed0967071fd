"""The one flood limiter keeps every call within Telegram's limits, on a virtual clock.

Time here is virtual: sleeping callers wait until the test moves the clock past their
deadline, so the order of sends is checked exactly, without real waiting.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, NoReturn

import pytest
from telegram.error import RetryAfter

from bot.ratelimit import BACKGROUND, IF_FREE, FloodLimiter, FloodLimits, TokenBucket, Withdrawn


class VirtualTime:
    """A clock and a sleep: ``advance`` wakes the sleepers whose deadline has come."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def settle(self) -> None:
        for _ in range(20):  # let every woken task run to its next sleep or its end
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        target = self.now + seconds
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= target + 1e-9:
            deadline, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, deadline)
            if not future.done():  # (a sleeper cancelled meanwhile)
                future.set_result(None)
            await self.settle()
        self.now = target
        await self.settle()


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


def limiter(vt: VirtualTime, **limits: Any) -> FloodLimiter:
    return FloodLimiter(FloodLimits(**limits), clock=vt.clock, sleep=vt.sleep)


class Sent:
    """Records when each call reached Telegram (virtual time)."""

    def __init__(self, vt: VirtualTime) -> None:
        self.vt = vt
        self.at: dict[str, float] = {}

    def call(self, name: str) -> Callable[[], Any]:
        async def send() -> bool:
            self.at[name] = self.vt.now
            return True

        return send


def send(
    lim: FloodLimiter,
    sent: Sent,
    name: str,
    chat: int | str,
    endpoint: str = "sendMessage",
    data: dict[str, Any] | None = None,
    *,
    outbox: bool = False,
) -> asyncio.Task[Any]:
    """An interactive answer, or with ``outbox`` a message of the outbox."""
    payload = {"chat_id": chat, **(data or {})}
    how = BACKGROUND if outbox else None
    return asyncio.create_task(lim.process_request(sent.call(name), (), {}, endpoint, payload, how))


async def test_thirty_messages_to_thirty_people_go_at_once_the_next_waits_its_turn(
    vt: VirtualTime,
) -> None:
    lim, sent = limiter(vt), Sent(vt)
    for i in range(32):
        send(lim, sent, f"m{i}", 100 + i)
    await vt.settle()
    assert sorted(sent.at) == sorted(f"m{i}" for i in range(30))
    await vt.advance(1 / 30)
    assert "m30" in sent.at and "m31" not in sent.at
    await vt.advance(1 / 30)
    assert "m31" in sent.at


async def test_one_private_chat_gets_one_message_a_second_without_a_burst(vt: VirtualTime) -> None:
    lim, sent = limiter(vt), Sent(vt)
    for i in range(3):
        send(lim, sent, f"m{i}", 42)
    await vt.settle()
    assert list(sent.at) == ["m0"]
    await vt.advance(0.99)
    assert list(sent.at) == ["m0"]
    await vt.advance(0.01)
    assert list(sent.at) == ["m0", "m1"]
    await vt.advance(1.0)
    assert sent.at["m2"] == pytest.approx(1002.0)


async def test_a_reminder_replaced_while_it_waited_for_its_second_is_not_sent(
    vt: VirtualTime,
) -> None:
    """The outbox asks whether a reminder is still wanted when its turn has come, not when
    it began to wait: one replaced by a later reminder meanwhile is withdrawn unsent."""
    lim, sent = limiter(vt), Sent(vt)
    wanted = {"reminder": True}
    asked_at: list[float] = []

    async def still_wanted() -> bool:
        asked_at.append(vt.now)
        return wanted["reminder"]

    send(lim, sent, "task", 42, outbox=True)
    how = replace(BACKGROUND, still_wanted=still_wanted)
    reminder = asyncio.create_task(
        lim.process_request(sent.call("reminder"), (), {}, "sendMessage", {"chat_id": 42}, how)
    )
    await vt.settle()
    assert list(sent.at) == ["task"] and asked_at == []  # waiting for the chat's second
    wanted["reminder"] = False  # the sweep queued the next reminder in its place
    await vt.advance(1.0)
    with pytest.raises(Withdrawn):
        await reminder
    assert list(sent.at) == ["task"] and asked_at == [pytest.approx(1001.0)]


async def test_edits_in_a_private_chat_take_only_the_overall_token(vt: VirtualTime) -> None:
    lim, sent = limiter(vt), Sent(vt)
    send(lim, sent, "message", 42)
    send(lim, sent, "edit1", 42, "editMessageText")
    send(lim, sent, "edit2", 42, "editMessageReplyMarkup")
    await vt.settle()
    assert set(sent.at) == {"message", "edit1", "edit2"}


async def test_a_group_gets_twenty_messages_a_minute(vt: VirtualTime) -> None:
    lim, sent = limiter(vt), Sent(vt)
    for i in range(21):
        send(lim, sent, f"g{i}", -100123)
    send(lim, sent, "channel", "@kanal_biro")  # another chat: a bucket of its own
    await vt.settle()
    assert len(sent.at) == 21 and "g20" not in sent.at
    await vt.advance(3.0)  # 60 s / 20
    assert "g20" in sent.at


async def test_messages_queued_to_a_group_do_not_hold_back_private_chats(vt: VirtualTime) -> None:
    """A group message takes its overall token when it goes, not while it waits."""
    lim, sent = limiter(vt), Sent(vt)
    for i in range(40):
        send(lim, sent, f"g{i}", -100123)
    await vt.settle()
    assert len(sent.at) == 20  # the group's burst; 20 wait for the group's pace
    for i in range(10):
        send(lim, sent, f"p{i}", 500 + i)
    await vt.settle()
    assert all(f"p{i}" in sent.at for i in range(10)), "private messages waited for the group"


async def test_a_longer_429_pause_reaches_callers_already_waiting(vt: VirtualTime) -> None:
    lim, sent = limiter(vt), Sent(vt)
    send(lim, sent, "first", 42)
    waiting = send(lim, sent, "second", 42)  # waits a second for chat 42's token
    await vt.settle()

    async def flooded() -> NoReturn:
        raise RetryAfter(timedelta(seconds=7))

    with pytest.raises(RetryAfter):
        await lim.process_request(flooded, (), {}, "sendMessage", {"chat_id": 77}, BACKGROUND)
    await vt.advance(1.5)
    assert "second" not in sent.at, "a caller already waiting went out during the pause"
    await vt.advance(6.0)
    assert sent.at["second"] == pytest.approx(1007.0)
    await waiting


async def test_an_album_counts_one_message_per_item(vt: VirtualTime) -> None:
    lim, sent = limiter(vt, overall_per_second=10, overall_burst=10), Sent(vt)
    media = [{"type": "document", "media": f"f{i}"} for i in range(8)]
    send(lim, sent, "album", 42, "sendMediaGroup", {"media": media})
    send(lim, sent, "other", 43)
    send(lim, sent, "third", 44)
    send(lim, sent, "fourth", 45)
    await vt.settle()
    assert set(sent.at) == {"album", "other", "third"}  # 8 + 1 + 1 of 10 tokens
    await vt.advance(0.1)
    assert "fourth" in sent.at


async def test_calls_without_a_chat_pass_straight_through(vt: VirtualTime) -> None:
    lim, sent = limiter(vt, overall_per_second=1, overall_burst=1), Sent(vt)
    send(lim, sent, "takes the only token", 1)
    for i in range(5):
        await lim.process_request(sent.call(f"a{i}"), (), {}, "answerCallbackQuery", {}, None)
    assert all(f"a{i}" in sent.at for i in range(5))


async def test_an_interactive_answer_met_by_a_429_is_sent_again_not_lost(vt: VirtualTime) -> None:
    lim = limiter(vt)
    calls = []

    async def flaky() -> bool:
        calls.append(vt.now)
        if len(calls) == 1:
            raise RetryAfter(timedelta(seconds=3))
        return True

    task = asyncio.create_task(
        lim.process_request(flaky, (), {}, "sendMessage", {"chat_id": 9}, None)
    )
    await vt.advance(3.0)
    assert await task is True
    assert calls == [pytest.approx(1000.0), pytest.approx(1003.0)]


async def test_the_outbox_gets_the_429_back_to_retry_it_itself(vt: VirtualTime) -> None:
    lim = limiter(vt)
    calls = []

    async def flooded() -> bool:
        calls.append(vt.now)
        raise RetryAfter(timedelta(seconds=5))

    with pytest.raises(RetryAfter):
        await lim.process_request(flooded, (), {}, "sendMessage", {"chat_id": 9}, BACKGROUND)
    assert len(calls) == 1


def test_a_bucket_forgets_nothing_it_owes() -> None:
    bucket = TokenBucket(rate=2.0, burst=2.0, now=0.0)

    def reserve(now: float) -> float:  # take a token now; how long until it is there
        wait = bucket.wait(now)
        bucket.take(now)
        return wait

    assert [reserve(0.0) for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    assert not bucket.idle(1.0)
    assert bucket.idle(2.0)


# -- answers first ---------------------------------------------------------------------------


async def test_an_answer_goes_before_the_outbox_message_waiting_for_the_chat(
    vt: VirtualTime,
) -> None:
    """Kabag's chat just had a document; the outbox's next notice waits for the chat's next
    second. Kabag asks /tugas meanwhile: the answer takes that second, the notice the one
    after."""
    lim, sent = limiter(vt), Sent(vt)
    send(lim, sent, "document", 1002, outbox=True)
    send(lim, sent, "notice", 1002, outbox=True)
    await vt.advance(0.3)
    send(lim, sent, "tugas", 1002)
    await vt.advance(0.7)
    assert list(sent.at) == ["document", "tugas"]
    assert sent.at["tugas"] == pytest.approx(1001.0)
    await vt.advance(1.0)
    assert sent.at["notice"] == pytest.approx(1002.0)


async def test_after_an_album_the_answer_still_waits_what_the_album_owes(vt: VirtualTime) -> None:
    """An album of four is four messages: the chat's next message, the answer included,
    waits until they are paid for (Telegram's limit, which no priority lifts)."""
    lim, sent = limiter(vt), Sent(vt)
    media = [{"type": "document", "media": f"f{i}"} for i in range(4)]
    send(lim, sent, "album", 1001, "sendMediaGroup", {"media": media}, outbox=True)
    send(lim, sent, "task", 1001, outbox=True)
    await vt.settle()
    send(lim, sent, "answer", 1001)
    await vt.advance(10.0)
    assert sent.at == {
        "album": pytest.approx(1000.0),
        "answer": pytest.approx(1004.0),
        "task": pytest.approx(1005.0),
    }


async def test_the_outbox_keeps_its_order_and_answers_keep_theirs(vt: VirtualTime) -> None:
    lim, sent = limiter(vt), Sent(vt)
    send(lim, sent, "o1", 7, outbox=True)
    send(lim, sent, "o2", 7, outbox=True)
    send(lim, sent, "o3", 7, outbox=True)
    await vt.settle()
    send(lim, sent, "a1", 7)
    send(lim, sent, "a2", 7)
    await vt.advance(10.0)
    assert sorted(sent.at, key=sent.at.__getitem__) == ["o1", "a1", "a2", "o2", "o3"]


async def test_answers_go_before_a_queued_burst_of_the_outbox(vt: VirtualTime) -> None:
    """5,000 reminders queue for the overall 30 a second; an answer to another official
    takes the next overall token, not the 5,001st."""
    lim, sent = limiter(vt), Sent(vt)
    for i in range(90):
        send(lim, sent, f"r{i}", 10_000 + i, outbox=True)
    await vt.settle()
    assert len(sent.at) == 30  # the overall burst
    send(lim, sent, "answer", 42)
    await vt.advance(1 / 30)
    assert "answer" in sent.at and "r30" not in sent.at
    await vt.advance(2.0)
    assert all(f"r{i}" in sent.at for i in range(90))


async def test_a_caller_given_up_while_waiting_holds_up_nobody(vt: VirtualTime) -> None:
    lim, sent = limiter(vt), Sent(vt)
    send(lim, sent, "first", 5)
    gone = send(lim, sent, "gone", 5)
    after = send(lim, sent, "after", 5, outbox=True)
    await vt.settle()
    gone.cancel()
    await vt.advance(1.0)
    assert "gone" not in sent.at and sent.at["after"] == pytest.approx(1001.0)
    await after


async def test_a_call_that_may_be_dropped_never_waits_for_its_chat(vt: VirtualTime) -> None:
    """A group's "private only" answer (``IF_FREE``) goes while the group has a token free
    and nobody waits for it; else it is withdrawn at once, taking nothing."""
    lim, sent = limiter(vt, group_burst=2.0), Sent(vt)

    def if_free(name: str, chat: int) -> asyncio.Task[Any]:
        data = {"chat_id": chat}
        return asyncio.create_task(
            lim.process_request(sent.call(name), (), {}, "sendMessage", data, IF_FREE)
        )

    first, second, third = if_free("a1", -100123), if_free("a2", -100123), if_free("a3", -100123)
    await vt.settle()
    assert await first and await second
    with pytest.raises(Withdrawn):
        await third
    assert list(sent.at) == ["a1", "a2"]
    await vt.advance(3.0)  # the group's next token
    send(lim, sent, "queued", -100123, outbox=True)
    send(lim, sent, "waits", -100123, outbox=True)
    await vt.settle()
    with pytest.raises(Withdrawn):  # a token free, but the outbox's message waits for it
        await if_free("a4", -100123)
    assert await if_free("private", 42)  # another chat's token is its own
    lim.pause(10.0)
    with pytest.raises(Withdrawn):
        await if_free("paused", 43)
    assert list(sent.at) == ["a1", "a2", "queued", "private"]


async def test_a_call_that_may_be_dropped_is_dropped_when_a_pause_began_while_it_waited(
    vt: VirtualTime,
) -> None:
    """The group's token was free, but the bot's overall 30 per second were spent: while the
    answer waited for the next overall token, Telegram answered another call with 429. The
    answer is dropped, not sent into the pause."""
    lim, sent = limiter(vt, overall_per_second=1.0, overall_burst=1.0), Sent(vt)
    send(lim, sent, "spends the overall token", 42)
    await vt.settle()
    waiting = asyncio.create_task(
        lim.process_request(sent.call("group"), (), {}, "sendMessage", {"chat_id": -100}, IF_FREE)
    )
    await vt.settle()
    lim.pause(10.0)  # a 429 meanwhile
    await vt.advance(1.0)  # the overall token comes, inside the pause
    with pytest.raises(Withdrawn):
        await waiting
    assert "group" not in sent.at
