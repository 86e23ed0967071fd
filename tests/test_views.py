"""The lines officials read about a case, as Indonesian office correspondence writes them."""

from __future__ import annotations

import pytest
from core_helpers import T0, sop

from bot.core.model import Event, EventType
from bot.papers.dates import OfficeZone
from bot.views import outcome_line

WIB = OfficeZone.named("Asia/Jakarta")


@pytest.mark.parametrize("kind", list(EventType))
def test_every_outcome_says_what_was_done_by_whom(kind: EventType) -> None:
    """ "Diteruskan oleh Budi", not "Meneruskan oleh Budi": with "oleh" the verb is passive."""
    definition = sop()
    event = Event(kind, 1, 1002, "kabag", T0, 2, reason="", note="")
    line = outcome_line(definition, event, "Budi Santoso", WIB)
    words = line.split(" oleh ", 1)[0].lower().split()[1:]  # after the icon
    assert any(w.startswith("di") for w in words), line
    assert not any(w.startswith("me") for w in words), line
    assert "Budi Santoso" in line and line.endswith("pukul 15.00 WIB.")
