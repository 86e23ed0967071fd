"""The NIP (Nomor Induk Pegawai) of a civil servant: 18 digits, kept bare.

Officials write it as their SK or Karpeg prints it ("NIP 19800101 200501 1 001", with dots
or hyphens between the groups); the config's
``[[people]]`` and the profile dialogue both keep the 18 digits alone (:func:`bare_nip`),
so one NIP is one string wherever it is compared. Papers print it grouped as Tata Naskah
Dinas does (:func:`printed_nip`).
"""

from __future__ import annotations

import re

__all__ = ["NIP_DIGITS", "bare_nip", "digits_in", "is_nip", "printed_nip"]

NIP_DIGITS = 18

# "NIP", "NIP." or "NIP:" before the number, as it is printed on an SK
_LABEL = re.compile(r"nip\s*[.:]?\s*", re.IGNORECASE)
# what groups the digits: spaces, tabs, dots, hyphens (and the dashes a phone makes of them)
_SEPARATORS = re.compile(r"[ \t.\-\u2010\u2011\u2012\u2013]+")
# birth date (8), appointment month (6), sex (1), serial number (3)
_GROUPS = (8, 6, 1, 3)


def bare_nip(text: str) -> str:
    """A NIP as kept: a leading "NIP", "NIP." or "NIP:" dropped and the spaces, dots and
    hyphens between its groups taken out ("NIP. 19800101.200501.1.001" →
    "198001012005011001"). Nothing else is changed (a line break stays: no NIP holds one):
    :func:`is_nip` says whether the result is a NIP."""
    text = text.strip(" \t")
    label = _LABEL.match(text)
    if label:
        text = text[label.end() :]
    return _SEPARATORS.sub("", text)


def is_nip(text: str) -> bool:
    """Whether ``text`` is a bare NIP: 18 ASCII digits."""
    return len(text) == NIP_DIGITS and text.isascii() and text.isdigit()


def digits_in(text: str) -> int:
    """How many ASCII digits ``text`` holds: what a refused NIP is told it had."""
    return sum(ch in "0123456789" for ch in text)


def printed_nip(nip: str) -> str:
    """A NIP as papers print it, grouped 8-6-1-3 ("19691220 199503 1 001"); anything that
    is not one (an empty NIP, a placeholder) unchanged."""
    bare = bare_nip(nip)
    if not is_nip(bare):
        return nip
    groups, start = [], 0
    for size in _GROUPS:
        groups.append(bare[start : start + size])
        start += size
    return " ".join(groups)
