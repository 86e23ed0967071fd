"""One row tried, and settled as what went wrong means: a 429 waited out, a network error
or a 5xx tried again with back-off, what Telegram refuses recorded (a person who blocked the
bot marked, the administrators told of a task nobody can see), a fault of the bot's own held
(:mod:`bot.outbox.faults`), a template that does not fill given up at once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot import texts as t
from bot.messages import Inputs
from bot.outbox.courier import (
    DELETED,
    GONE,
    NOT_MODIFIED,
    TOO_LARGE,
    UNREACHABLE,
    Courier,
    says,
)
from bot.outbox.faults import FaultHold, local_fault
from bot.outbox.files import Wait, with_bundle
from bot.outbox.papers import PaperRows
from bot.outbox.rows import Rows
from bot.papers.render import TemplateFailed
from bot.services import effects
from bot.services.registry import SopRegistry
from storage import repo
from storage.db import Tx

log = logging.getLogger("bot.outbox")  # the package's one logger, as before it was split

PAPER_WAIT = timedelta(milliseconds=200)


class Settler:
    def __init__(
        self,
        courier: Courier,
        sops: SopRegistry,
        admins: Sequence[int],
        rows: Rows,
        papers: PaperRows,
        faults: FaultHold,
        max_backoff: float,
    ) -> None:
        self.courier, self.sops, self.admins = courier, sops, admins
        self.rows, self.papers, self.faults = rows, papers, faults
        self._max_backoff = max_backoff

    async def settle(self, item: repo.OutboxItem, inputs: Inputs | None) -> int:
        """Deliver one row (``inputs``: none for a paper to make); 1 when it is settled (sent,
        skipped or given up), else 0. A row settled while others were held by a local fault
        tells that the fault is over."""
        settled = await self._attempt(item, inputs)
        if settled:
            await self.faults.settled(item)
        return settled

    async def _attempt(self, item: repo.OutboxItem, inputs: Inputs | None) -> int:
        courier = self.courier
        try:
            if inputs is None:
                await self.papers.make(item)
            else:
                await self.rows.deliver(item, inputs)
            return 1
        except Wait as wait:
            seconds = PAPER_WAIT.total_seconds()
            if wait.until is not None:
                seconds = max(seconds, (wait.until - courier.clock.now()).total_seconds())
            await self._retry(item, seconds, "waiting for papers", count=False)
        except TemplateFailed as exc:
            await self.papers.failed(item, exc)
            return 1
        except RetryAfter as exc:
            after = exc.retry_after
            seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
            await self._retry(item, seconds, f"429 retry after {seconds}s")
        except (BadRequest, Forbidden) as exc:
            return int(await self._settle_error(item, exc))
        except InvalidToken as exc:
            # the token was revoked, or the server URL is wrong: nothing is given up while
            # the operator puts it right
            log.error("outbox item %d: the Bot API refused the bot's token (%s)", item.id, exc)
            await self._retry(item, self._backoff(item), repr(exc))
        except NetworkError as exc:  # TimedOut included
            if says(exc, TOO_LARGE) and inputs is not None and with_bundle(item, inputs):
                # the archive bundle is above what this server takes (a self-hosted one
                # without --local keeps 50 MB): the row goes again with the papers alone
                await courier.db.write(repo.mark_without_bundle, item.id, courier.clock.now())
                return 0
            if says(exc, TOO_LARGE):  # a 413: the same body would be refused again
                return int(await self._settle_error(item, exc))
            await self._retry(item, self._backoff(item), repr(exc))
        except Exception as exc:
            if local_fault(exc):
                await self.faults.hold(item, exc)
                return 0
            log.exception("outbox item %d (%s) failed", item.id, item.kind)
            if item.attempts >= 20:
                await courier.db.write(repo.mark_failed, item.id, courier.clock.now(), repr(exc))
                return 1
            await self._retry(item, self._backoff(item), repr(exc))
        return 0

    def _backoff(self, item: repo.OutboxItem) -> float:
        return min(self._max_backoff, 2.0 ** min(item.attempts, 10))

    async def _settle_error(self, item: repo.OutboxItem, exc: Exception) -> bool:
        """Record a row Telegram refused; False when it goes again at once instead: a 403
        while the bot holds the person reachable may answer a send begun before they
        unblocked it (the my_chat_member handled while the answer came back), so the row
        is tried once more. A second 403 settles it (and marks the person unreachable):
        someone who really blocked the bot costs one more call, never a loop."""
        courier = self.courier
        text = str(exc)
        # buttons of a message that is gone or already without them: nothing left to do
        if item.kind == "strip" and says(exc, NOT_MODIFIED + GONE):
            await courier.db.write(repo.mark_sent, item.id, courier.clock.now(), None)
            return True
        log.warning(
            "outbox item %d (%s) to chat %d refused: %s", item.id, item.kind, item.chat_id, text
        )
        now = courier.clock.now()
        unreachable = item.kind == "task" and (isinstance(exc, Forbidden) or says(exc, UNREACHABLE))

        error = f"{type(exc).__name__}: {text}"

        def record(tx: Tx) -> bool | None:
            if isinstance(exc, Forbidden) and repo.refused_while_reachable(tx, item.id):
                repo.mark_retry(tx, item.id, now, f"{repo.AGAIN}{error}")
                return None
            # told once until the person starts: their later tasks (reminders too) wait
            # with the first
            told = unreachable and repo.tasks_refused_unreachable(tx, item.chat_id)
            repo.mark_failed(tx, item.id, now, error)
            if isinstance(exc, Forbidden):
                # blocked, or the account deleted, without a my_chat_member the bot handled:
                # what is said of whether they were told is true from now on, and their
                # next word to the bot (or unblocking it) sends what waits
                repo.mark_blocked(tx, item.chat_id)
            if not unreachable or told or not self.admins or item.case_id is None:
                return False
            # a task nobody can see holds the case up: the administrators hear of it (the row
            # goes again once the person presses Start)
            person = repo.get_person(tx, item.chat_id)
            who = (
                t.NAMED.format(name=t.e(person.name), person=item.chat_id)
                if person is not None and person.name
                else t.UNNAMED.format(person=item.chat_id)  # not "ID 7 (ID 7)"
            )
            if says(exc, DELETED):  # never presses Start: the role is to pass on
                notice = t.TASK_UNDELIVERABLE_DELETED.format(
                    case=item.case_id,
                    who=who,
                    role_id=t.e(self._role_of(tx, item.case_id)),
                    person=item.chat_id,
                )
            else:
                notice = t.TASK_UNDELIVERABLE.format(case=item.case_id, who=who)
            effects.tell_admins(tx, self.admins, [notice], now, besides=item.chat_id)
            return True

        outcome = await courier.db.write(record)
        if outcome is not False:  # a notice to the administrators, or the row again
            courier.wake()
        return outcome is not None

    def _role_of(self, tx: Tx, case_id: int) -> str:
        """The role whose step a case waits at (for an administrator's command), or a
        placeholder when the case is closed or its SOP no longer known."""
        case = repo.load_case(tx, case_id)
        if case is None or not case.is_open:
            return t.TASK_UNDELIVERABLE_ROLE
        try:
            return self.sops.of(case).step(case.step).actor
        except LookupError:
            return t.TASK_UNDELIVERABLE_ROLE

    async def _retry(
        self, item: repo.OutboxItem, seconds: float, error: str, count: bool = True
    ) -> None:
        if count:
            log.info("outbox item %d retry in %.1fs: %s", item.id, seconds, error)
        when = self.courier.clock.now() + timedelta(seconds=seconds)
        await self.courier.db.write(repo.mark_retry, item.id, when, error, count)
