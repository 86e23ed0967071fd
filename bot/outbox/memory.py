"""What the sender remembers of the task messages it shows, in memory only: what each shows
now (so an edit that changes nothing is not sent), and the decisions handlers showed on them
(shown again over an edit of the task that lands after the decision's). Each is of use only
while its case is at the version it was remembered at, and forgotten once the case moves
past it or is closed; at most ``SHOWN_KEPT`` of each are kept."""

from __future__ import annotations

from bot.messages import Inputs
from bot.views import Keyboard
from storage import repo

SHOWN_KEPT = 10_000  # at most this many task messages remembered (a bound; see TaskMemory.saw)

Key = tuple[int, int]  # a task message: (chat, message)


class TaskMemory:
    def __init__(self) -> None:
        self.shown: dict[Key, tuple[str, str]] = {}
        # task messages a decision was shown on: (chat, message) -> (case, the version the
        # decision brought the case to, its HTML text, its keyboard)
        self.decided: dict[Key, tuple[int, int, str, Keyboard]] = {}
        # what the two hold, by case: (chat, message) -> the version of the case it was
        # remembered at; the latest version of the case seen; the cases seen closed. Both
        # are of use only while the case is at that version: forgotten once it moves past
        # it, or is closed (at the next quiet round, :meth:`forget_closed`)
        self.remembered: dict[int, dict[Key, int]] = {}
        self._versions: dict[int, int] = {}
        self._closed: set[int] = set()

    def showing(self, key: Key) -> tuple[str, str] | None:
        """What the sender last showed in a task message (its text, its keyboard's repr)."""
        return self.shown.get(key)

    def unshown(self, key: Key) -> tuple[str, str] | None:
        """What the sender last showed in a task message, no longer known to be shown there
        (the message is gone, or no longer the live one, or edited by a handler)."""
        return self.shown.pop(key, None)

    def decision(self, key: Key) -> tuple[int, int, str, Keyboard] | None:
        """The decision a handler showed on a task message, if it is remembered."""
        return self.decided.get(key)

    def edited_elsewhere(self, chat_id: int, message_id: int) -> None:
        """A handler changed a task message itself (a team tick): what the sender last showed
        there is no longer what it shows, so its next edit is not skipped as unchanged."""
        self.shown.pop((chat_id, message_id), None)

    def decided_on(
        self,
        chat_id: int,
        message_id: int,
        case_id: int,
        version: int,
        text_html: str,
        keyboard: Keyboard,
    ) -> None:
        """A handler is about to show a decision on a task message (the case now at
        ``version``). An edit of the task the sender has on its way to that message may
        land after the decision's: when it comes back, the decision is shown again
        (:meth:`bot.outbox.tasks.TaskRows.record`), whichever of the two Telegram applied
        last."""
        self.shown.pop((chat_id, message_id), None)
        self.saw(case_id, version)
        if self._kept(case_id, version, (chat_id, message_id)):
            self.decided[(chat_id, message_id)] = (case_id, version, text_html, keyboard)
            if len(self.decided) > SHOWN_KEPT:
                self.decided.pop(next(iter(self.decided)))

    def remember(self, item: repo.OutboxItem, message_id: int, shown: tuple[str, str]) -> None:
        """What a live task message shows now, so an edit that changes nothing is not sent
        (kept in memory: after a restart one such edit may go out and be refused, and is
        taken as sent)."""
        assert item.case_id is not None and item.version is not None
        if self._kept(item.case_id, item.version, (item.chat_id, message_id)):
            self.shown[(item.chat_id, message_id)] = shown
            if len(self.shown) > SHOWN_KEPT:
                self.shown.pop(next(iter(self.shown)))

    def _kept(self, case_id: int, version: int, key: Key) -> bool:
        """Whether what a task message of the case at ``version`` shows is worth keeping
        (not when the case was already seen past that version); kept, under its case."""
        if version < self._versions.get(case_id, version):
            return False
        self.remembered.setdefault(case_id, {})[key] = version
        return True

    def saw_cases(self, inputs: Inputs) -> None:
        for case in inputs.cases.values():
            self.saw(case.id, case.version, case.is_open)

    def saw(self, case_id: int, version: int, is_open: bool = True) -> None:
        """The case is at ``version`` now: what is remembered of its task messages at
        earlier versions can no longer be used (a task row of an older version is stale,
        not sent; a decision is shown again only while the case is at the version it brought
        it to), and is forgotten. A closed case's is forgotten at the next quiet round."""
        if not is_open:
            self._closed.add(case_id)
            return
        if version <= self._versions.get(case_id, 0):
            return
        self._versions[case_id] = version
        remembered = self.remembered.get(case_id, {})
        for key in [key for key, at in remembered.items() if at < version]:
            del remembered[key]
            self.shown.pop(key, None)
            self.decided.pop(key, None)

    @property
    def closed_seen(self) -> bool:
        """Whether cases were seen closed since :meth:`forget_closed` last ran."""
        return bool(self._closed)

    def forget_closed(self) -> None:
        """What is remembered of the task messages of the cases seen closed, forgotten when no
        delivery is on its way: none that began before the case closed can still come back
        with an edit over the decision shown there (:meth:`bot.outbox.tasks.TaskRows.record`)."""
        for case_id in self._closed:
            for key in self.remembered.pop(case_id, {}):
                self.shown.pop(key, None)
                self.decided.pop(key, None)
            self._versions.pop(case_id, None)
        self._closed.clear()
