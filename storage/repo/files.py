"""Files: the uploads and papers stored for cases, and who has received which."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.codec import parse_ts, ts
from storage.db import Row, Tx


@dataclass(frozen=True)
class StoredFile:
    id: int
    case_id: int
    doc: str
    kind: str  # "upload" | "paper"
    telegram_file_id: str | None
    telegram_unique_id: str | None
    name: str
    mime: str
    size: int
    sha256: str
    path: str
    uploaded_by: int
    uploaded_at: datetime
    source_seq: int | None = None  # papers: the event they were written for


def any_file_recorded(tx: Tx) -> bool:
    """Whether the database records any file (upload or paper) in the files folder."""
    return tx.value("SELECT 1 FROM files LIMIT 1") is not None


def _file(row: Row) -> StoredFile:
    return StoredFile(
        row["id"],
        row["case_id"],
        row["doc"],
        row["kind"],
        row["telegram_file_id"],
        row["telegram_unique_id"],
        row["name"],
        row["mime"],
        row["size"],
        row["sha256"],
        row["path"],
        row["uploaded_by"],
        parse_ts(row["uploaded_at"]),
        row["source_seq"],
    )


def add_file(
    tx: Tx,
    *,
    case_id: int,
    doc: str,
    kind: str,
    name: str,
    size: int,
    sha256: str,
    path: str,
    uploaded_by: int,
    now: datetime,
    telegram_file_id: str | None = None,
    telegram_unique_id: str | None = None,
    mime: str = "",
    source_seq: int | None = None,
) -> int:
    return int(
        tx.value(
            "INSERT INTO files (case_id, doc, kind, telegram_file_id, telegram_unique_id, name, "
            "mime, size, sha256, path, uploaded_by, uploaded_at, source_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                case_id,
                doc,
                kind,
                telegram_file_id,
                telegram_unique_id,
                name,
                mime,
                size,
                sha256,
                path,
                uploaded_by,
                ts(now),
                source_seq,
            ),
        )
    )


def get_file(tx: Tx, file_id: int) -> StoredFile | None:
    row = tx.one("SELECT * FROM files WHERE id = ?", (file_id,))
    return _file(row) if row else None


def files_by_ids(tx: Tx, ids: Iterable[int]) -> dict[int, StoredFile]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = tx.all(f"SELECT * FROM files WHERE id IN ({','.join('?' * len(wanted))})", wanted)
    return {r["id"]: _file(r) for r in rows}


def files_of_case(tx: Tx, case_id: int) -> list[StoredFile]:
    rows = tx.all("SELECT * FROM files WHERE case_id = ? ORDER BY id", (case_id,))
    return [_file(r) for r in rows]


def papers_for(tx: Tx, case_id: int, seq: int, docs: Sequence[str]) -> list[StoredFile]:
    """The papers written for event ``seq`` (of the given documents), in writing order."""
    if not docs:
        return []
    rows = tx.all(
        f"SELECT * FROM files WHERE case_id = ? AND source_seq = ? AND kind = 'paper' "
        f"AND doc IN ({','.join('?' * len(docs))}) ORDER BY id",
        (case_id, seq, *docs),
    )
    return [_file(r) for r in rows]


def set_file_telegram_id(tx: Tx, file_id: int, telegram_file_id: str) -> None:
    tx.run(
        "UPDATE files SET telegram_file_id = ? WHERE id = ? AND telegram_file_id IS NULL",
        (telegram_file_id, file_id),
    )


def find_file(tx: Tx, case_id: int, sha256: str, kind: str = "upload") -> StoredFile | None:
    row = tx.one(
        "SELECT * FROM files WHERE case_id = ? AND sha256 = ? AND kind = ? ORDER BY id LIMIT 1",
        (case_id, sha256, kind),
    )
    return _file(row) if row else None


def set_file_doc(tx: Tx, file_id: int, doc: str) -> None:
    tx.run("UPDATE files SET doc = ? WHERE id = ?", (doc, file_id))


# -- who has received which file --------------------------------------------------------


def delivered(tx: Tx, person_id: int, file_ids: Iterable[int]) -> dict[int, int]:
    """Of ``file_ids``, those the person already has: file id -> the message that has it."""
    wanted = list(dict.fromkeys(file_ids))
    if not wanted:
        return {}
    rows = tx.all(
        f"SELECT file_id, message_id FROM deliveries WHERE person_id = ? "
        f"AND file_id IN ({','.join('?' * len(wanted))})",
        (person_id, *wanted),
    )
    return {r[0]: r[1] for r in rows}


def record_delivery(tx: Tx, person_id: int, file_id: int, message_id: int) -> None:
    tx.run(
        "INSERT INTO deliveries (person_id, file_id, message_id) VALUES (?, ?, ?) "
        "ON CONFLICT (person_id, file_id) DO UPDATE SET message_id = excluded.message_id",
        (person_id, file_id, message_id),
    )
