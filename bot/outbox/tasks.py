"""A task row: the task edited in place in the holder's live task message, or sent anew, and
recorded as the live one (its buttons known, so a move retires them)."""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import BadRequest

from bot import telegram_calls as calls
from bot import texts as t
from bot.messages import Inputs, Renderer
from bot.outbox.chases import Chases, log_chase
from bot.outbox.courier import GONE, NOT_MODIFIED, Courier, keyboard_markup, says, sending
from bot.outbox.memory import TaskMemory
from bot.services import effects
from bot.telegram_calls import Sent
from storage import repo
from storage.db import Tx

log = logging.getLogger("bot.outbox")  # the package's one logger, as before it was split


class TaskRows:
    def __init__(
        self, courier: Courier, renderer: Renderer, memory: TaskMemory, chases: Chases
    ) -> None:
        self.courier, self.renderer, self.memory, self.chases = courier, renderer, memory, chases

    async def deliver(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        """A task: edited in place in the holder's live task message, or sent anew."""
        courier = self.courier
        if self.renderer.stale(item, inputs):
            await courier.skip(item)
            return
        if await self.chases.office_closed(item):
            return
        assert item.case_id is not None and item.version is not None
        message = self.renderer.task(item, inputs, courier.clock.now())
        live = inputs.live.get((item.chat_id, item.case_id))
        fresh = any(key in item.params for key in ("reminder", "intro", "via", "open"))
        shown = (message.text, repr(message.keyboard))
        gone = False
        if live is not None and live[0] == item.version and not fresh:
            if await self._edit_live(item, live[1], message, shown):
                await courier.db.write(self.record, item, live[1], bool(message.keyboard), False)
                return
            gone = True
        if item.params.get("edit_only"):
            await courier.skip(item)
            return
        sent = await self._edited_into(item, message) or await courier.send(
            item.chat_id, message.text, message.keyboard, message.reply_to
        )
        # the copy sent before (a reminder, a task opened from /tugas send the task again
        # where the holder reads): one copy of a task keeps its buttons, the newest
        earlier = None
        if live is not None and live[0] == item.version and live[1] != sent.message_id and not gone:
            # a reminder keeps its headline (what this sender showed there, if it knows)
            was = (self.memory.unshown((item.chat_id, live[1])) or ("", ""))[0]  # no longer live
            earlier = (live[1], was.split("\n", 1)[0] + "\n" if was.startswith("⏰") else "")
        inputs.live[(item.chat_id, item.case_id)] = (item.version, sent.message_id)
        self.memory.remember(item, sent.message_id, shown)
        await courier.db.write(
            self.record, item, sent.message_id, bool(message.keyboard), True, earlier
        )

    async def _edit_live(
        self, item: repo.OutboxItem, message_id: int, message: Any, shown: tuple[str, str]
    ) -> bool:
        """The task shown in the holder's live task message; False when that message is
        gone (its reader deleted it: the task is then sent anew)."""
        chat_id = item.chat_id
        if self.memory.showing((chat_id, message_id)) != shown:  # an unchanged edit is a 400
            try:
                await calls.edit_message_text(
                    self.courier.bot,
                    chat_id,
                    message_id,
                    message.text,
                    reply_markup=keyboard_markup(message.keyboard),
                    rate_limit_args=sending(),
                )
            except BadRequest as exc:
                if says(exc, GONE):
                    log.info(
                        "live task message %d in chat %d is gone: sent anew", message_id, chat_id
                    )
                    self.memory.unshown((chat_id, message_id))
                    return False
                if not says(exc, NOT_MODIFIED):
                    raise
            self.memory.remember(item, message_id, shown)
        return True

    async def _edited_into(self, item: repo.OutboxItem, message: Any) -> Sent | None:
        """The task shown in the message the row names (``into``) instead of a new one."""
        into = item.params.get("into")
        if into is None:
            return None
        try:
            await calls.edit_message_text(
                self.courier.bot,
                item.chat_id,
                int(into),
                message.text,
                reply_markup=keyboard_markup(message.keyboard),
                rate_limit_args=sending(),
            )
        except BadRequest as exc:
            log.info("task not shown in message %s: %s", into, exc)
            return None
        return Sent(item.chat_id, int(into))

    def record(
        self,
        tx: Tx,
        item: repo.OutboxItem,
        message_id: int,
        buttons: bool,
        new: bool,
        earlier: tuple[int, str] | None = None,
    ) -> None:
        """After a task went out: it is the holder's live task message, its buttons are known
        (so a move retires them). If the case moved while the message was on its way, or
        the step stopped being this person's (a role passed on), its buttons go at once:
        neither could know of them. Unless the move was decided on this very message: the
        decision is then shown there again (this edit may have landed over it), or, not
        shown yet, it comes after this edit with its own buttons (Tarik kembali). A new
        message the move was made without (another holder decided as it went) shows that
        decision, as the step's other task messages do, not a task whose buttons are gone
        (:func:`repo.note_decided_meanwhile`).

        ``earlier``: the holder's live copy of the same task, before this one was sent anew
        (a reminder, /tugas), and its reminder line: its buttons go and it points to this
        one, unless a question is being answered on it (a return reason typed: the answer
        shows the decision there)."""
        assert item.case_id is not None and item.version is not None
        clock = self.courier.clock
        dropped = repo.dropped_meanwhile(tx, item.id)
        now = clock.now()
        repo.mark_sent(tx, item.id, now, message_id if new else None)
        log_chase(tx, item, now)
        current = repo.load_case(tx, item.case_id)
        if dropped or current is None or not current.is_open or current.version != item.version:
            decided = self.memory.decision((item.chat_id, message_id))
            now_at = None if current is None else (current.id, current.version)
            params: dict[str, Any] | None = None
            if decided is not None and decided[:2] == now_at:
                params = effects.decided_params(message_id, decided[2], decided[3])
            elif new and (elsewhere := repo.decided_meanwhile(tx, item.id)) is not None:
                # a message the move could not know of: it shows the decision, as the
                # step's other live task messages do, not a task with its buttons gone
                params = effects.decided_params(message_id, elsewhere, ())
            elif buttons and (
                current is None
                or repo.task_message_version(tx, item.chat_id, message_id, current.id)
                != current.version
            ):
                params = {"message_id": message_id}
            if params is not None:
                repo.enqueue(
                    tx, item.chat_id, "strip", clock.now(), case_id=item.case_id, params=params
                )
            return
        if earlier is not None:
            earlier_id, head = earlier
            dialogue = repo.get_dialogue(tx, item.chat_id)
            asked = None if dialogue is None else dialogue.asked_on
            if asked is None or asked[1] != earlier_id:
                repo.forget_task_message(tx, item.chat_id, earlier_id)
                text = t.TASK_SENT_AGAIN.format(
                    head=head, case=current.id, title=t.e(current.title)
                )
                repo.enqueue(
                    tx,
                    item.chat_id,
                    "strip",
                    clock.now(),
                    case_id=item.case_id,
                    params=effects.decided_params(earlier_id, text, ()),
                )
        repo.set_live_task(tx, item.chat_id, item.case_id, item.version, message_id)
        if buttons:
            repo.record_task_message(tx, item.chat_id, message_id, item.case_id, item.version)
