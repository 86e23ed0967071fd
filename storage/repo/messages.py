"""The messages that carry a case's buttons in a chat, and the one live task message per
holder and case."""

from __future__ import annotations

from storage.db import Tx


def record_task_message(tx: Tx, chat_id: int, message_id: int, case_id: int, version: int) -> None:
    tx.run(
        "INSERT INTO task_messages (chat_id, message_id, case_id, version) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (chat_id, message_id) DO UPDATE SET case_id = excluded.case_id, "
        "version = excluded.version",
        (chat_id, message_id, case_id, version),
    )


def take_task_messages(tx: Tx, case_id: int, version: int) -> list[tuple[int, int]]:
    """Messages whose buttons belong to ``version`` or earlier; forgotten once returned."""
    rows = tx.all(
        "DELETE FROM task_messages WHERE case_id = ? AND version <= ? "
        "RETURNING chat_id, message_id",
        (case_id, version),
    )
    return sorted((r[0], r[1]) for r in rows)


def take_task_messages_in_chat(tx: Tx, case_id: int, chat_id: int) -> list[int]:
    """The case's messages with buttons in one chat; forgotten once returned."""
    rows = tx.all(
        "DELETE FROM task_messages WHERE case_id = ? AND chat_id = ? RETURNING message_id",
        (case_id, chat_id),
    )
    return sorted(r[0] for r in rows)


def task_message_version(tx: Tx, chat_id: int, message_id: int, case_id: int) -> int | None:
    """The version of the case whose buttons this message carries (a task, a Tarik
    kembali), as recorded; None when it is not recorded to carry any of the case."""
    value = tx.value(
        "SELECT version FROM task_messages WHERE chat_id = ? AND message_id = ? AND case_id = ?",
        (chat_id, message_id, case_id),
    )
    return None if value is None else int(value)


def task_message_cases_in_chat(tx: Tx, chat_id: int) -> list[int]:
    """The cases with a message with buttons in one chat (a task, a Tarik kembali)."""
    rows = tx.all("SELECT DISTINCT case_id FROM task_messages WHERE chat_id = ?", (chat_id,))
    return sorted(r[0] for r in rows)


def case_of_message(tx: Tx, chat_id: int, message_id: int) -> int | None:
    """The case a task message of this chat is about (one with buttons, or the live one)."""
    value = tx.value(
        "SELECT case_id FROM task_messages WHERE chat_id = ? AND message_id = ? UNION ALL "
        "SELECT case_id FROM live_tasks WHERE chat_id = ? AND message_id = ? LIMIT 1",
        (chat_id, message_id, chat_id, message_id),
    )
    return None if value is None else int(value)


def forget_task_message(tx: Tx, chat_id: int, message_id: int) -> None:
    tx.run("DELETE FROM task_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))


# -- the one live task message per holder and case ---------------------------------------


def live_task(tx: Tx, chat_id: int, case_id: int) -> tuple[int, int] | None:
    """(version, message id) of the task message kept up to date in this chat."""
    row = tx.one(
        "SELECT version, message_id FROM live_tasks WHERE chat_id = ? AND case_id = ?",
        (chat_id, case_id),
    )
    return (row[0], row[1]) if row else None


def set_live_task(tx: Tx, chat_id: int, case_id: int, version: int, message_id: int) -> None:
    tx.run(
        "INSERT INTO live_tasks (chat_id, case_id, version, message_id) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (chat_id, case_id) DO UPDATE SET version = excluded.version, "
        "message_id = excluded.message_id",
        (chat_id, case_id, version, message_id),
    )


def take_live_tasks(tx: Tx, case_id: int) -> set[tuple[int, int]]:
    """The case's live task messages (chat, message); forgotten once returned."""
    rows = tx.all(
        "DELETE FROM live_tasks WHERE case_id = ? RETURNING chat_id, message_id", (case_id,)
    )
    return {(r[0], r[1]) for r in rows}
