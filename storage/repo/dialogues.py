"""Pending dialogues (a question asked, its answer awaited), their prompts, and why one
ended without an answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.codec import dumps, loads, parse_ts, ts
from storage.db import Row, Tx


@dataclass(frozen=True)
class Dialogue:
    person_id: int
    kind: str
    case_id: int | None
    version: int | None
    data: dict[str, Any]
    created_at: datetime
    prompt: tuple[int, int] | None = None  # (chat, message) of the message with its buttons

    @property
    def asked_on(self) -> tuple[int, int, str] | None:
        """The task message a question was asked on, and the task's text before it: (chat,
        message, text), or None for a question of its own message."""
        data = self.data
        chat_id, message_id, text = (
            data.get("chat_id"),
            data.get("message_id"),
            data.get("text_html"),
        )
        if (
            isinstance(chat_id, int)
            and isinstance(message_id, int)
            and isinstance(text, str)
            and text
        ):
            return chat_id, message_id, text
        return None


@dataclass(frozen=True)
class EndedDialogue:
    """A person's question that ended without their answer, and why (the text they type
    for it afterwards is told so)."""

    kind: str
    case_id: int | None
    step: int | None
    why: str  # moved, archived, withdrawn, cancelled, role_moved, role_revoked, acting_ended
    at: datetime
    role: str | None = None  # the role that went from them
    actor: int | None = None  # who moved the case


def team_selection(dialogue: Dialogue | None, case_id: int) -> tuple[list[int], int]:
    """The members picked so far for a case's team (a "team" dialogue), and the page of
    candidates shown; nothing picked when the person's dialogue is about something else."""
    if dialogue is None or dialogue.kind != "team" or dialogue.case_id != case_id:
        return [], 0
    return [int(m) for m in dialogue.data.get("members", [])], int(dialogue.data.get("page", 0))


_SAME_DIALOGUE = (
    "dialogues.kind = excluded.kind AND (dialogues.case_id = excluded.case_id "
    "OR dialogues.case_id IS NULL AND excluded.case_id IS NULL)"
)


def set_dialogue(
    tx: Tx,
    person_id: int,
    kind: str,
    now: datetime,
    case_id: int | None = None,
    version: int | None = None,
    data: dict[str, Any] | None = None,
) -> Dialogue | None:
    """Start (or continue) a dialogue; returns the one it replaced, if it was another."""
    before = get_dialogue(tx, person_id)
    tx.run("DELETE FROM ended_dialogues WHERE person_id = ?", (person_id,))
    tx.run(
        "INSERT INTO dialogues (person_id, kind, case_id, version, data, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET kind = excluded.kind, "
        "case_id = excluded.case_id, version = excluded.version, data = excluded.data, "
        "created_at = excluded.created_at, "
        f"prompt_chat = CASE WHEN {_SAME_DIALOGUE} THEN dialogues.prompt_chat END, "
        f"prompt_message = CASE WHEN {_SAME_DIALOGUE} THEN dialogues.prompt_message END",
        (person_id, kind, case_id, version, dumps(data) if data else "{}", ts(now)),
    )
    if before is not None and (before.kind, before.case_id) != (kind, case_id):
        return before
    return None


def _dialogue(row: Row) -> Dialogue:
    prompt = (
        (row["prompt_chat"], row["prompt_message"]) if row["prompt_message"] is not None else None
    )
    return Dialogue(
        row["person_id"],
        row["kind"],
        row["case_id"],
        row["version"],
        loads(row["data"]),
        parse_ts(row["created_at"]),
        prompt,
    )


def get_dialogue(tx: Tx, person_id: int) -> Dialogue | None:
    row = tx.one("SELECT * FROM dialogues WHERE person_id = ?", (person_id,))
    return _dialogue(row) if row else None


def clear_dialogue(tx: Tx, person_id: int) -> Dialogue | None:
    """End the person's dialogue; returns it (its prompt may still show buttons)."""
    row = tx.one("DELETE FROM dialogues WHERE person_id = ? RETURNING *", (person_id,))
    return _dialogue(row) if row else None


def dialogues_of_case(tx: Tx, case_id: int) -> list[Dialogue]:
    rows = tx.all("DELETE FROM dialogues WHERE case_id = ? RETURNING *", (case_id,))
    return [_dialogue(r) for r in rows]


def note_ended_dialogue(tx: Tx, person_id: int, ended: EndedDialogue) -> None:
    """Keep why the person's question ended without their answer (replacing the last)."""
    tx.run(
        "INSERT INTO ended_dialogues (person_id, kind, case_id, step, why, role, actor, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
        "kind = excluded.kind, case_id = excluded.case_id, step = excluded.step, "
        "why = excluded.why, role = excluded.role, actor = excluded.actor, at = excluded.at",
        (
            person_id,
            ended.kind,
            ended.case_id,
            ended.step,
            ended.why,
            ended.role,
            ended.actor,
            ts(ended.at),
        ),
    )


def take_ended_dialogue(tx: Tx, person_id: int) -> EndedDialogue | None:
    """The person's question that ended without their answer, if any; told once."""
    row = tx.one("DELETE FROM ended_dialogues WHERE person_id = ? RETURNING *", (person_id,))
    if row is None:
        return None
    return EndedDialogue(
        row["kind"],
        row["case_id"],
        row["step"],
        row["why"],
        parse_ts(row["at"]),
        row["role"],
        row["actor"],
    )


def set_dialogue_prompt(
    tx: Tx, person_id: int, kind: str, case_id: int | None, chat_id: int, message_id: int
) -> bool:
    """Remember the message that shows the dialogue's buttons; False if the dialogue ended
    (or changed) before the message went out."""
    sql = (
        "UPDATE dialogues SET prompt_chat = ?, prompt_message = ? "
        "WHERE person_id = ? AND kind = ? AND case_id "
    )
    if case_id is None:
        changed = tx.run(sql + "IS NULL", (chat_id, message_id, person_id, kind))
    else:
        changed = tx.run(sql + "= ?", (chat_id, message_id, person_id, kind, case_id))
    return changed > 0
