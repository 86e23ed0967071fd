"""Callback data of inline buttons: short ids plus the case version, never over 64 bytes.

Format ``<op>:<case>:<step>:<version>[:<arg>]``, e.g. ``r:12:2:5:a`` (approve step 2 of
case 12 at version 5). A button whose step or version is no longer the case's is stale
and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_CALLBACK_BYTES = 64


class Op(StrEnum):
    REVIEW = "r"  # arg: a (approve) | k (kembalikan: return, asks the reason)
    FORWARD = "f"  # arg: "" (forward now) | n (forward with a note)
    SUBMIT_DRAFTS = "s"  # hand in the drafts (upload step)
    TEAM_TOGGLE = "t"  # arg: person id
    TEAM_DONE = "td"
    TEAM_PAGE = "tg"  # arg: the page of candidates to show
    ARCHIVE = "ar"  # asks the archive reference
    WITHDRAW = "w"
    ASSIGN_FILE = "af"  # arg: index of the document the pending upload satisfies
    CANCEL_DIALOGUE = "x"
    OPEN_TASK = "o"  # show the task of a case (from the /tugas list); arg: the list's page
    TASK_PAGE = "tp"  # another page of /tugas; case, step and version 0, arg: page
    WITHDRAW_INVITE = "wi"  # an administrator ends an open invitation; arg: its ref; on a
    # page of /undangan, version 1 and step the page (shown again as it now is)
    INVITE_PAGE = "ip"  # another page of /undangan; case, step and version 0, arg: page
    OVERDUE_PAGE = "tl"  # another page of /terlambat; case, step and version 0, arg: page
    FIX_PROFILE = "pd"  # correct one's name, NIP, position; arg: the administrator who asked
    SEND_UPLOADS = "ku"  # send the step's uploaded documents this chat does not have


@dataclass(frozen=True)
class Callback:
    op: Op
    case_id: int
    step: int
    version: int
    arg: str = ""

    def encode(self) -> str:
        data = f"{self.op.value}:{self.case_id}:{self.step}:{self.version}"
        if self.arg:
            data += f":{self.arg}"
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError("callback data over 64 bytes")
        if decode(data) != self:  # e.g. a negative or oversized number: a dead button
            raise ValueError(f"callback data {data!r} would not decode to this button")
        return data


_PATTERN = re.compile(
    r"([a-z]{1,2}):(\d{1,12}):(\d{1,4}):(\d{1,9})(?::([a-z0-9]{1,20}))?", re.ASCII
)  # matched whole (fullmatch): no trailing newline; ASCII digits only


def decode(data: str | None) -> Callback | None:
    """The button, or None for anything forged or malformed."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    match = _PATTERN.fullmatch(data)
    if not match:
        return None
    try:
        op = Op(match[1])
    except ValueError:
        return None
    return Callback(op, int(match[2]), int(match[3]), int(match[4]), match[5] or "")
