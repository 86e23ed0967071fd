"""What belongs to no one concern: a savepoint, for a part of a write that may fail alone
(a caller's loop over many items in one transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from storage.db import Tx


@contextmanager
def savepoint(tx: Tx, name: str) -> Iterator[None]:
    """Part of a write that may fail alone: an exception rolls back what the block wrote
    (and goes on to the caller), and the transaction keeps the rest (the reminder sweep:
    one broken case does not undo the reminders of the others)."""
    tx.run(f"SAVEPOINT {name}")
    try:
        yield
    except Exception:
        tx.run(f"ROLLBACK TO {name}")
        tx.run(f"RELEASE {name}")
        raise
    tx.run(f"RELEASE {name}")
