"""The bot's flood limiter keeps to Telegram's limits without slowing calls within them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.ratelimit import TelegramRateLimiter, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_thirty_messages_pass_at_once_and_the_next_waits_its_turn() -> None:
    clock = Clock()
    limiter = TelegramRateLimiter(clock=clock)
    waits = [limiter.delay_for(100 + i) for i in range(30)]
    assert waits == [0.0] * 30
    assert limiter.delay_for(200) == pytest.approx(1 / 30)
    assert limiter.delay_for(201) == pytest.approx(2 / 30)  # callers queue up
    clock.now += 1.0
    assert limiter.delay_for(202) == 0.0  # refilled: 30 tokens a second, 3 were owed


def test_a_private_chat_has_no_bucket_of_its_own() -> None:
    """The outbox paces each chat itself; the limiter adds only the overall limit."""
    limiter = TelegramRateLimiter(clock=Clock())
    assert [limiter.delay_for(42) for _ in range(10)] == [0.0] * 10


def test_a_group_gets_twenty_messages_a_minute() -> None:
    clock = Clock()
    limiter = TelegramRateLimiter(clock=clock)
    assert [limiter.delay_for(-100123) for _ in range(20)] == [0.0] * 20
    assert limiter.delay_for(-100123) == pytest.approx(3.0)  # 60 s / 20
    assert limiter.delay_for("@kanal_biro") == 0.0  # another chat: a bucket of its own


async def test_a_429_that_gets_through_pauses_every_limited_call() -> None:
    clock = Clock()
    limiter = TelegramRateLimiter(clock=clock)

    async def flooded() -> None:
        raise RetryAfter(timedelta(seconds=7))

    with pytest.raises(RetryAfter):
        await limiter.process_request(flooded, (), {}, "sendMessage", {"chat_id": 5}, 0)
    assert limiter.delay_for(6) == pytest.approx(7.0)
    clock.now += 7.0
    assert limiter.delay_for(6) == 0.0


async def test_calls_without_a_chat_pass_straight_through() -> None:
    limiter = TelegramRateLimiter(overall_per_second=1, overall_burst=1, clock=Clock())
    limiter.delay_for(1)  # the only token is gone
    calls = []

    async def answer(value: int) -> bool:
        calls.append(value)
        return True

    for i in range(5):
        assert await limiter.process_request(answer, (i,), {}, "answerCallbackQuery", {}, None)
    assert calls == [0, 1, 2, 3, 4]


def test_a_bucket_forgets_nothing_it_owes() -> None:
    bucket = TokenBucket(rate=2.0, burst=2.0, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    assert not bucket.idle(1.0)
    assert bucket.idle(2.0)


async def test_an_interactive_answer_met_by_a_429_is_sent_again_not_lost() -> None:
    limiter = TelegramRateLimiter()
    attempts: list[int] = []

    async def send() -> bool:
        attempts.append(1)
        if len(attempts) == 1:
            raise RetryAfter(timedelta(milliseconds=20))
        return True

    assert await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert len(attempts) == 2


async def test_the_outbox_gets_the_429_back_to_retry_it_itself() -> None:
    limiter = TelegramRateLimiter()
    attempts: list[int] = []

    async def send() -> bool:
        attempts.append(1)
        raise RetryAfter(timedelta(milliseconds=20))

    with pytest.raises(RetryAfter):
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 7}, 0)
    assert len(attempts) == 1
