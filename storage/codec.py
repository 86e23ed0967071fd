"""Cases and events to and from the JSON kept in SQLite. Times are ISO 8601 with offset."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bot.core.model import Approval, Attachment, Case, CaseStatus, Event, EventType, Move


def ts(moment: datetime) -> str:
    """Always UTC, so stored times compare correctly as text (indexes, ``<=`` in SQL)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat()


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def case_to_json(case: Case) -> str:
    raw = asdict(case)
    for key in ("opened_at", "step_entered_at", "closed_at"):
        if raw[key] is not None:
            raw[key] = ts(raw[key])
    raw["status"] = case.status.value
    raw["produced"] = sorted(case.produced)
    raw["approvals"] = [{**a, "at": ts(a["at"])} for a in raw["approvals"]]
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def case_from_json(text: str) -> Case:
    raw: dict[str, Any] = json.loads(text)
    move = raw["last_move"]
    return Case(
        id=raw["id"],
        sop_code=raw["sop_code"],
        unit=raw["unit"],
        title=raw["title"],
        fiscal_year=raw["fiscal_year"],
        status=CaseStatus(raw["status"]),
        step=raw["step"],
        version=raw["version"],
        started_by=raw["started_by"],
        opened_at=parse_ts(raw["opened_at"]),
        step_entered_at=parse_ts(raw["step_entered_at"]),
        files=tuple(Attachment(**a) for a in raw["files"]),
        produced=frozenset(raw["produced"]),
        team=tuple(raw["team"]),
        approvals=tuple(Approval(**{**a, "at": parse_ts(a["at"])}) for a in raw["approvals"]),
        last_move=Move(**move) if move else None,
        archive_reference=raw["archive_reference"],
        closed_at=parse_ts(raw["closed_at"]) if raw["closed_at"] else None,
    )


def event_row(event: Event, seq: int) -> tuple[Any, ...]:
    return (
        event.case_id,
        seq,
        event.type.value,
        event.step,
        event.to_step,
        event.actor,
        event.role,
        ts(event.at),
        event.reason,
        event.note,
        json.dumps(event.data, ensure_ascii=False, separators=(",", ":")),
    )


def event_from_row(row: Any) -> Event:
    return Event(
        type=EventType(row["type"]),
        case_id=row["case_id"],
        actor=row["actor"],
        role=row["role"],
        at=parse_ts(row["at"]),
        step=row["step"],
        to_step=row["to_step"],
        reason=row["reason"],
        note=row["note"],
        data=json.loads(row["data"]),
    )
