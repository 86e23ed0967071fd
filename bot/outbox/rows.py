"""One row delivered, by its kind: a task, files, a notice, a digest, a question (prompt), a
reaction, buttons retired or a decision shown (strip), and the kinds an older database may
still hold. A reminder or escalation is claimed only when its chat's turn comes."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram.error import BadRequest, InvalidToken

from bot import telegram_calls as calls
from bot import texts as t
from bot.messages import Inputs, Renderer
from bot.outbox.chases import Chases, log_chase
from bot.outbox.courier import SENDING, Courier, keyboard_markup, sending
from bot.outbox.files import FileRows, older_document
from bot.outbox.tasks import TaskRows
from bot.ratelimit import Withdrawn
from storage import repo
from storage.db import Tx

log = logging.getLogger("bot.outbox")  # the package's one logger, as before it was split

ACK_REACTION = "👌"  # on an upload the bot took (one of Telegram's reaction emoji)


class Rows:
    def __init__(
        self,
        courier: Courier,
        renderer: Renderer,
        chases: Chases,
        tasks: TaskRows,
        files: FileRows,
    ) -> None:
        self.courier, self.renderer = courier, renderer
        self.chases, self.tasks, self.files = chases, tasks, files

    async def deliver(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        if not repo.reminding(item.kind, item.params):
            await self._deliver_row(item, inputs)
            return

        async def still_wanted() -> bool:
            return bool(await self.courier.db.write(self.chases.claim, item))

        # a later reminder may take its place while it waits for its chat's turn (the
        # sweep runs on while Telegram cannot be reached): claimed when the turn comes, so
        # the official gets one of them, the latest that was not already on its way
        token = SENDING.set(replace(sending(), still_wanted=still_wanted))
        try:
            await self._deliver_row(item, inputs)
        except Withdrawn:
            log.info("outbox item %d not sent: no longer wanted when its turn came", item.id)
            # a digest left with other cases goes again without the ones left out
            self.courier.wake()
        finally:
            SENDING.reset(token)

    async def _deliver_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        courier = self.courier
        if item.kind == "task":
            await self.tasks.deliver(item, inputs)
        elif item.kind == "files":
            await self.files.deliver(item, inputs)
        elif item.kind == "notice":
            await self._notice_row(item, inputs)
        elif item.kind == "digest":
            await self.chases.digest(item, inputs)
        elif item.kind == "prompt":
            await self._prompt_row(item, inputs)
        elif item.kind == "react":
            await self._react_row(item, inputs)
        elif item.kind == "strip":
            await self._strip_row(item, inputs)
        elif item.kind == "text":  # rendered before small rows existed
            if self.renderer.stale(item, inputs):
                await courier.skip(item)
                return
            p = item.params
            markup = keyboard_markup(p.get("keyboard", []))
            sent = await calls.send_message(
                courier.bot, item.chat_id, p["text"], reply_markup=markup, rate_limit_args=sending()
            )
            await courier.db.write(repo.mark_sent, item.id, courier.clock.now(), sent.message_id)
        elif item.kind == "document":  # a row of an older database
            await self.files.deliver(older_document(item), inputs)
        else:
            raise BadRequest(f"unknown outbox kind {item.kind}")

    async def _notice_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        courier = self.courier
        # a notice about a step (an escalation, "passed over") is about that step only
        message = None
        if not self.renderer.stale(item, inputs):
            if await self.chases.office_closed(item):
                return
            message = self.renderer.notice(item, inputs, courier.clock.now())
        if message is None:
            await courier.skip(item)
            return
        # a notice's button (/ubah_data's "Perbaiki data") asks nothing yet: no dialogue
        sent = await courier.send(item.chat_id, message.text, message.keyboard, message.reply_to)

        def record(tx: Tx) -> bool:
            now = courier.clock.now()
            repo.mark_sent(tx, item.id, now, sent.message_id)
            if self.chases.escalation_void(tx, item, sent.message_id, now):
                return True
            log_chase(tx, item, now)
            return False

        if await courier.db.write(record):
            courier.wake()

    async def _strip_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        bot = self.courier.bot
        text = item.params.get("text_html")
        if item.params.get("lapsed") == "new_case":
            # the question of a /baru that ended unanswered (/batal, another question)
            await calls.edit_message_text(
                bot,
                item.chat_id,
                int(item.params["message_id"]),
                t.NEW_CASE_CANCELLED,
                rate_limit_args=sending(),
            )
        elif isinstance(decided := item.params.get("decided_html"), str) and decided:
            # the decision taken on this task message, which its handler could not show
            # (Telegram refused, or the bot died first); its Tarik kembali only while
            # the case is still where the decision took it
            keyboard = item.params.get("keyboard") or []
            if self.renderer.stale(item, inputs):
                keyboard = []
            await calls.edit_message_text(
                bot,
                item.chat_id,
                int(item.params["message_id"]),
                t.fit(decided),
                reply_markup=keyboard_markup(keyboard),
                rate_limit_args=sending(),
            )
        elif isinstance(text, str) and text:
            # a question asked on this task message lapsed: the task's text comes back
            await calls.edit_message_text(
                bot,
                item.chat_id,
                int(item.params["message_id"]),
                t.fit(f"{text}\n\n{t.QUESTION_LAPSED}"),
                rate_limit_args=sending(),
            )
        else:
            await calls.edit_message_reply_markup(
                bot,
                item.chat_id,
                int(item.params["message_id"]),
                rate_limit_args=sending(),
            )
        await self.courier.skip(item)

    async def _react_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        """A reaction on the person's own message (an upload taken); where Telegram refuses
        it, or the Bot API server does not know setMessageReaction (an older self-hosted
        one answers 404, which PTB raises as InvalidToken), the one-line answer it stands
        for. With a token that was revoked, the words fail too and the row waits."""
        courier = self.courier
        try:
            await courier.bot.set_message_reaction(
                item.chat_id,
                int(item.params["reply_to"]),
                ACK_REACTION,
                rate_limit_args=sending(),
            )
        except (BadRequest, InvalidToken) as exc:
            log.info("reaction refused (%s): answering in words", exc)
            message = self.renderer.notice(item, inputs, courier.clock.now())
            if message is not None:
                sent = await courier.send(item.chat_id, message.text, None, message.reply_to)
                await courier.db.write(
                    repo.mark_sent, item.id, courier.clock.now(), sent.message_id
                )
                return
        await courier.skip(item)

    async def _prompt_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        courier = self.courier
        message = self.renderer.prompt(item, inputs)
        if message is None:
            await courier.skip(item)
            return
        sent = await courier.send(item.chat_id, message.text, message.keyboard, None)
        dialogue = inputs.dialogues.get(item.chat_id)
        assert dialogue is not None

        def record(tx: Tx) -> None:
            repo.mark_sent(tx, item.id, courier.clock.now(), sent.message_id)
            if not repo.set_dialogue_prompt(
                tx, item.chat_id, dialogue.kind, dialogue.case_id, sent.chat_id, sent.message_id
            ):
                # the dialogue ended while its question was on the way: no buttons stay
                repo.enqueue(
                    tx,
                    sent.chat_id,
                    "strip",
                    courier.clock.now(),
                    case_id=item.case_id,
                    params={"message_id": sent.message_id},
                )

        await courier.db.write(record)
        courier.wake()
