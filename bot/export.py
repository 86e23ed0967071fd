"""``sopbot export CASE``: a case's record (JSON) and every file, copied to a folder."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from bot.config import Config
from bot.core.loader import DefinitionError, stored_definition
from bot.core.model import Case, Event
from bot.filestore import ChangedOnDisk, FileStore, not_mounted, safe_name
from storage import repo
from storage.codec import case_to_json, ts
from storage.db import Database, DatabaseError, Tx


@dataclass(frozen=True)
class _Record:
    case: Case
    events: list[Event]
    files: list[repo.StoredFile]
    acting: list[repo.Appointment]  # those whose period overlaps the case's life
    assignments: list[repo.RoleAssignment]  # of its SOP's roles, overlapping its life
    people: dict[int, repo.Person]
    earlier: dict[int, list[repo.EarlierProfile]]
    chases: list[repo.Chase]


def _overlaps(case: Case, start: datetime, end: datetime | None) -> bool:
    """Whether a period (``end`` None: not ended) overlaps the case's life."""
    return (case.closed_at is None or start < case.closed_at) and (
        end is None or end > case.opened_at
    )


def _sop_roles(tx: Tx, case: Case, events: list[Event]) -> tuple[set[str], set[str]]:
    """The roles of the SOP revision the case ran (recorded in the database), and those of
    them that are private: a shared role no team step forms (the Pegawai who applies for
    leave), whose holders see only the cases they take part in. The roles its events name,
    none private, when the revision's text is not there (or cannot be read at all; one
    that today's checks refuse is read as the bot runs it: :func:`stored_definition`)."""
    for revision, source, text in repo.revision_texts(tx):
        if revision == case.revision:
            with contextlib.suppress(DefinitionError):
                definition, _ = stored_definition(text, source)
                private = {
                    r.id for r in definition.roles if r.shared and r.id not in definition.team_roles
                }
                return {r.id for r in definition.roles}, private
    return {e.role for e in events}, set()


def _record(tx: Tx, case_id: int) -> _Record | None:
    case = repo.load_case(tx, case_id)
    if case is None:
        return None
    events = repo.load_events(tx, case_id)
    files = repo.files_of_case(tx, case_id)
    roles, private = _sop_roles(tx, case, events)
    # the unit's officials of this SOP; of a private role, only those who took part in it
    # (the colleagues of a Pegawai applying for leave are not in her record)
    took_part = {p for e in events for p in e.people} | set(case.team)
    took_part |= {int(m) for e in events for m in e.data.get("members", [])}
    took_part |= {f.uploaded_by for f in files}
    acting = [
        a
        for a in repo.appointments(tx, case.unit)
        if a.role in roles
        and (a.role not in private or a.person_id in took_part)
        and _overlaps(case, a.starts_at, a.ends_at)
    ]
    assignments = [
        a
        for a in repo.role_history(tx, case.unit)
        if a.role in roles
        and (a.role not in private or a.person_id in took_part)
        and _overlaps(case, a.granted_at, a.revoked_at)
    ]
    named: list[int | None] = [p for e in events for p in e.people]
    named += [int(m) for e in events for m in e.data.get("members", [])]
    named += [f.uploaded_by for f in files]
    named += [p for a in acting for p in (a.person_id, a.created_by, a.ended_by)]
    named += [p for a in assignments for p in (a.person_id, a.granted_by, a.revoked_by, a.moved_to)]
    ids = sorted({p for p in named if p is not None})
    people = repo.people_by_ids(tx, ids)
    earlier = repo.earlier_profiles(tx, ids)
    chases = repo.chases_of_case(tx, case_id)
    return _Record(case, events, files, acting, assignments, people, earlier, chases)


def _chase(chase: repo.Chase) -> dict[str, object]:
    """A reminder or escalation queued, or a /tunda: only the fields its kind has."""
    entry: dict[str, object] = {
        "kind": chase.kind,
        "step": chase.step,
        "at": ts(chase.at),
        "person_id": chase.person_id,
        "role": chase.role,
    }
    if chase.number is not None:
        entry["number"] = chase.number
    if chase.until is not None:
        entry["until"] = ts(chase.until)
    return entry


def _people(found: _Record) -> list[dict[str, object]]:
    """Everyone the record names: their profile now and the ones they had before (each
    with when it was replaced and by whom), so an id in the record reads as a name."""
    return [
        {
            "person_id": pid,
            "name": person.name,
            "nip": person.nip,
            "position": person.position,
            "username": person.username,
            "earlier_profiles": [
                {
                    "name": e.name,
                    "nip": e.nip,
                    "position": e.position,
                    "valid_until": ts(e.valid_until),
                    "changed_by": e.changed_by,
                }
                for e in found.earlier.get(pid, [])
            ],
        }
        for pid, person in sorted(found.people.items())
    ]


async def export_case(config: Config, case_id: int, out: Path) -> int:
    try:
        db = await Database.open_existing(config.storage.database)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        found = await db.read(_record, case_id)
        if found is None:
            print(f"error: case {case_id} does not exist", file=sys.stderr)
            return 2
    finally:
        await db.close()
    case, events, files = found.case, found.events, found.files
    store = FileStore(config.storage.files_dir)
    if await asyncio.to_thread(store.share_not_mounted, bool(files)):
        # not files lost: "restore them" would be the wrong advice, the export a hollow one
        meanwhile = "Mount it and export again (nothing is exported)"
        print(f"error: {not_mounted(store.root, meanwhile)}", file=sys.stderr)
        return 2
    target = out / f"berkas-{case_id}"
    try:
        (target / "files").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: {target}: the export cannot be written there ({exc})", file=sys.stderr)
        return 2
    record = {
        "case": json.loads(case_to_json(case)),
        "events": [{**asdict(e), "type": e.type.value, "at": ts(e.at)} for e in events],
        "files": [],
        # acting officials (Plh/Plt) whose period overlaps the case: who acted for whom, when
        "acting": [
            {
                "role": a.role,
                "person_id": a.person_id,
                "kind": a.kind,
                "starts_at": ts(a.starts_at),
                "ends_at": ts(a.ends_at),
                "planned_end": ts(a.planned_end),
                "reason": a.reason,
                "letter": a.letter,
                "appointed_by": a.created_by,
                "ended_by": a.ended_by,
                # each extension (/plh again), with its own reason and letter
                "extensions": [e.stored() for e in a.extensions],
            }
            for a in found.acting
        ],
        # who held each role of the case's SOP while it ran: from when to when, on whose word
        "role_assignments": [
            {
                "role": a.role,
                "person_id": a.person_id,
                "granted_at": ts(a.granted_at),
                "granted_by": a.granted_by,
                "revoked_at": ts(a.revoked_at) if a.revoked_at else None,
                "revoked_by": a.revoked_by,
                "moved_to": a.moved_to,  # /alihkan passed it on (schema level 22)
            }
            for a in found.assignments
        ],
        "people": _people(found),
        # who was reminded, who was told of the late step (escalation) and who postponed
        # the reminders (/tunda), kept after the delivered messages are pruned
        "chases": [_chase(c) for c in found.chases],
    }
    missing: list[str] = []
    for f in files:
        name = f"{f.id:05d}-{safe_name(f.name)}"
        problem = await asyncio.to_thread(_copy, store, f, target / "files" / name)
        if problem:
            missing.append(
                f"file {f.id} '{f.name}' ({f.doc or f.kind}, sha256 {f.sha256}): {problem}"
            )
        record["files"].append(
            {
                "id": f.id,
                "doc": f.doc,
                "kind": f.kind,
                "name": f.name,
                "size": f.size,
                "sha256": f.sha256,
                "uploaded_by": f.uploaded_by,
                "uploaded_at": ts(f.uploaded_at),
                "exported_as": None if problem else name,
            }
        )
    (target / "record.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    copied = len(files) - len(missing)
    print(
        f"case {case_id} exported to {target} ({copied} of {len(files)} files, "
        f"{len(events)} events)"
    )
    for line in missing:
        print(f"error: not exported: {line}", file=sys.stderr)
    if missing:
        print(
            f"error: {len(missing)} of the case's files are not in the export (record.json "
            f'lists them with "exported_as": null); restore them into {store.root} and export '
            "again",
            file=sys.stderr,
        )
        return 1
    return 0


def _copy(store: FileStore, stored: repo.StoredFile, dest: Path) -> str | None:
    """Copy one file of the case; why it could not be (None: copied, the very bytes)."""
    try:
        store.copy_recorded(stored.path, stored.sha256, dest)
    except FileNotFoundError:
        return f"{stored.path} is missing from the files folder"
    except ChangedOnDisk as exc:
        return str(exc)
    except (OSError, ValueError) as exc:
        return f"{stored.path} cannot be copied ({exc})"
    return None
