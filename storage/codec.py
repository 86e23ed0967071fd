"""Cases and events to and from the JSON kept in the database.

Times are stored as ISO 8601 text in UTC, so they compare correctly as text in SQL.

Every stored JSON document carries a format number (the ``format`` column of its row).
Reading an older format lifts it to the current one first (``_CASE_UPGRADES``,
``_EVENT_UPGRADES``), as SpiffWorkflow's serializer migrations do; rows are written in the
current format only.

- Case format 1: no ``revision`` (the SOP definition the case runs was not recorded).
- Case format 2: ``revision`` added ("" when unknown: the start gives such a case the
  revision current then, see :func:`bot.app.record_revisions`).
- Case format 3: ``handed_in`` added (who handed the work under review in, per review
  chain, kept through returns and withdrawals for four eyes). A format-2 case knew it only
  from ``last_move`` (a hand-in nobody has acted on since): lifted to that one, which the
  workflow core judges as it judged the last move (see
  :func:`bot.app.recall_hand_ins` for the open cases, rebuilt from their events).
- Case format 4: ``took`` added (who last acted at each step: a step of a shared role that
  is not the case's team is theirs when the case comes back). Lifted as unknown (``[]``:
  the first step stays its starter's), rebuilt from the events for the open cases
  (:func:`bot.app.recall_hand_ins`).
- Case format 5: each file's step added (where it was attached: who wrote the documents
  a review step reviews is kept from deciding it, four eyes). Lifted as unknown (0: not
  counted), rebuilt from the events for the open cases (:func:`bot.app.recall_hand_ins`).
- Event format 1: ``started`` events without ``revision``; format 2 adds it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from bot.core.model import Approval, Attachment, Case, CaseStatus, Event, EventType, Move

CASE_FORMAT = 5
EVENT_FORMAT = 2

_std_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _dumps(value: Any) -> str:
    """Compact JSON with non-ASCII text kept as is. orjson writes a case document in about
    a fifth of the standard library's time (a command writes one, and its events' and
    outbox rows' parameters); what orjson refuses (a key that is not a string, a lone
    surrogate) goes to the standard library. Both write the same text for strings, integers,
    lists and objects. An integer beyond 64 bits is refused: orjson reads it as a float."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        if _beyond_64_bits(value):  # orjson would read it back as a float
            raise ValueError("an integer beyond 64 bits cannot be stored") from None
        return _std_dumps(value)


def _beyond_64_bits(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return not -(2**63) <= value < 2**64
    if isinstance(value, dict):
        return any(_beyond_64_bits(k) or _beyond_64_bits(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_beyond_64_bits(v) for v in value)
    return False


def loads(text: str | bytes) -> Any:
    """What :func:`dumps` wrote (the standard library reads what orjson cannot: a lone
    surrogate the standard library wrote)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


@lru_cache(maxsize=64)
def ts(moment: datetime) -> str:
    """Always UTC, so stored times compare correctly as text (indexes, ``<=`` in SQL).
    (A command writes the same few moments many times: they are formatted once.)"""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat()


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def dumps(value: Any) -> str:
    return _dumps(value)


# -- cases -------------------------------------------------------------------------------


def case_to_json(case: Case) -> str:
    move = case.last_move
    raw = {
        "id": case.id,
        "sop_code": case.sop_code,
        "revision": case.revision,
        "unit": case.unit,
        "title": case.title,
        "fiscal_year": case.fiscal_year,
        "status": case.status.value,
        "step": case.step,
        "version": case.version,
        "started_by": case.started_by,
        "opened_at": ts(case.opened_at),
        "step_entered_at": ts(case.step_entered_at),
        "files": [
            [a.doc, a.file_id, a.version, a.sha256, a.name, a.by, a.step] for a in case.files
        ],
        "produced": sorted(case.produced),
        "team": list(case.team),
        "approvals": [
            [a.step, a.kind, a.by, a.role, ts(a.at), *([a.acting] if a.acting else [])]
            for a in case.approvals
        ],
        "reviewers": [list(r) for r in case.reviewers],
        "handed_in": [list(h) for h in case.handed_in],
        "took": [list(t) for t in case.took],
        "last_move": [move.by, move.from_step, move.to_step, move.version] if move else None,
        "archive_reference": case.archive_reference,
        "closed_at": ts(case.closed_at) if case.closed_at else None,
    }
    text = _dumps(raw)
    if _in_utc(case):  # what reading the text back gives, to the time zone
        _known.put(text, case)
    return text


def _in_utc(case: Case) -> bool:
    return (
        case.opened_at.tzinfo is UTC
        and case.step_entered_at.tzinfo is UTC
        and (case.closed_at is None or case.closed_at.tzinfo is UTC)
        and all(a.at.tzinfo is UTC for a in case.approvals)
    )


def _case_v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
    move = raw["last_move"]
    return {
        **raw,
        "revision": "",
        "files": [
            [a["doc"], a["file_id"], a["version"], a["sha256"], a["name"], a["by"]]
            for a in raw["files"]
        ],
        "approvals": [
            [a["step"], a["kind"], a["by"], a["role"], a["at"]] for a in raw["approvals"]
        ],
        "last_move": (
            [move["by"], move["from_step"], move["to_step"], move["version"]] if move else None
        ),
    }


def _case_v2_to_v3(raw: dict[str, Any]) -> dict[str, Any]:
    """The last move, when there is one, as the hand-in it may be (made from a step before a
    review chain into it: the core counts no other)."""
    move = raw["last_move"]
    return {"handed_in": [[move[1], move[0]]] if move else [], **raw}


def _case_v3_to_v4(raw: dict[str, Any]) -> dict[str, Any]:
    return {"took": [], **raw}


def _case_v4_to_v5(raw: dict[str, Any]) -> dict[str, Any]:
    """Each file attached at a step not known (0)."""
    return {**raw, "files": [[*a[:6], 0] for a in raw["files"]]}


_CASE_UPGRADES: Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _case_v1_to_v2,
    2: _case_v2_to_v3,
    3: _case_v3_to_v4,
    4: _case_v4_to_v5,
}
"""``_CASE_UPGRADES[n]`` lifts a case document from format n to n + 1."""


class _Known:
    """Documents whose case is known: what was just written or read (a Case is immutable),
    so the next command on a case does not parse again what the last one wrote."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self.cases: dict[str, Case] = {}
        self.lock = threading.Lock()

    def get(self, text: str) -> Case | None:
        return self.cases.get(text)

    def put(self, text: str, case: Case) -> None:
        with self.lock:
            if len(self.cases) >= self.size:
                self.cases.pop(next(iter(self.cases)))
            self.cases[text] = case


_known = _Known()


def case_from_json(text: str, fmt: int = CASE_FORMAT) -> Case:
    if fmt == CASE_FORMAT and (known := _known.get(text)) is not None:
        return known
    case = _case_from_json(text, fmt)
    if fmt == CASE_FORMAT:
        _known.put(text, case)
    return case


def _case_from_json(text: str, fmt: int) -> Case:
    raw: dict[str, Any] = loads(text)
    while fmt < CASE_FORMAT:
        raw = _CASE_UPGRADES[fmt](raw)
        fmt += 1
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
        files=tuple(Attachment(*a) for a in raw["files"]),
        produced=frozenset(raw["produced"]),
        team=tuple(raw["team"]),
        approvals=tuple(
            Approval(a[0], a[1], a[2], a[3], parse_ts(a[4]), a[5] if len(a) > 5 else "")
            for a in raw["approvals"]
        ),
        reviewers=tuple((int(s), int(p)) for s, p in raw.get("reviewers", ())),
        handed_in=tuple((int(s), int(p)) for s, p in raw["handed_in"]),
        took=tuple((int(s), int(p)) for s, p in raw["took"]),
        last_move=Move(*move) if move else None,
        archive_reference=raw["archive_reference"],
        closed_at=parse_ts(raw["closed_at"]) if raw["closed_at"] else None,
        revision=raw["revision"],
    )


# -- events ------------------------------------------------------------------------------


def _event_v1_to_v2(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind == EventType.STARTED.value and "revision" not in data:
        return {**data, "revision": ""}
    return data


_EVENT_UPGRADES: Mapping[int, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    1: _event_v1_to_v2
}


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
        _dumps(event.data) if event.data else "{}",
        EVENT_FORMAT,
    )


def event_from_row(row: Any) -> Event:
    kind = row["type"]
    data = loads(row["data"])
    fmt = row["format"]
    while fmt < EVENT_FORMAT:
        data = _EVENT_UPGRADES[fmt](kind, data)
        fmt += 1
    return Event(
        type=EventType(kind),
        case_id=row["case_id"],
        actor=row["actor"],
        role=row["role"],
        at=parse_ts(row["at"]),
        step=row["step"],
        to_step=row["to_step"],
        reason=row["reason"],
        note=row["note"],
        data=data,
    )
