"""Roles from the Pelaksana headings: their ids, how a sentence names them, their hierarchy.

Id rule: the id is the whole heading, with the unit that follows the office ("Kabag" ->
``kabag``, "Kabag Umum" -> ``kabag_umum``, "Tim Penyusunan" -> ``tim_penyusunan``,
"Fungsional Umum" -> ``fungsional_umum``). A role id is one role of the whole deployment
(every SOP that names it shares its holder), so the unit keeps the Kabag Umum of one SOP
apart from the bureau's other Kabag of another. Headings still alike are numbered
(``staf``, ``staf_2``).

Long forms are read as their abbreviations everywhere ("Kepala Sub Bagian" = Kasubag), so a
sentence's "kepada Kepala Bagian Umum" finds the column "Kabag Umum".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.sopimport import texts as t
from bot.sopimport.model import DraftGuess, DraftRole

# Long forms -> abbreviation, longest first (applied to lower-case words).
_LONG_FORMS = (
    ("kepala sub bagian", "kasubag"),
    ("kepala subbagian", "kasubag"),
    ("kepala sub direktorat", "kasubdit"),
    ("kepala subdirektorat", "kasubdit"),
    ("kepala sub bidang", "kasubbid"),
    ("kepala subbidang", "kasubbid"),
    ("kepala bagian", "kabag"),
    ("kepala biro", "karo"),
    ("kepala bidang", "kabid"),
    ("kepala seksi", "kasi"),
    ("kepala pusat", "kapus"),
    ("kepala badan", "kaban"),
    ("kepala balai", "kabalai"),
    ("sekretaris jenderal", "sekjen"),
    ("direktur jenderal", "dirjen"),
    ("inspektur jenderal", "irjen"),
    ("sekretaris direktorat jenderal", "sesditjen"),
    ("pejabat fungsional", "fungsional"),
)
_SPELLINGS = {"kasubbag": "kasubag", "kabbag": "kabag", "kasie": "kasi", "ses": "sesditjen"}

# The usual order of offices in a Kemnaker unit, top first (eselon I .. IV, then staff).
RANKS: dict[str, int] = {
    "menteri": 0, "wamen": 0,
    "sekjen": 1, "dirjen": 1, "irjen": 1, "kaban": 1,
    "karo": 2, "direktur": 2, "kapus": 2, "inspektur": 2, "sesditjen": 2, "sesban": 2,
    "kabag": 3, "kasubdit": 3, "kabid": 3, "kabalai": 3,
    "kasubag": 4, "kasi": 4, "kasubbid": 4,
}  # fmt: skip
_STAFF_WORDS = {
    "tim", "fungsional", "staf", "staff", "pelaksana", "pengadministrasi", "operator",
    "analis", "arsiparis", "pegawai", "pokja", "panitia", "jfu", "jft", "pranata", "pengelola",
}  # fmt: skip
STAFF_RANK = 5
_TEAM_WORDS = {"tim", "pokja", "panitia", "kelompok"}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def words(text: str) -> list[str]:
    """Lower-case words with long forms and spellings replaced by the usual abbreviation."""
    joined = " " + " ".join(re.findall(r"[a-z0-9]+", _ascii(text).casefold())) + " "
    for long, short in _LONG_FORMS:
        joined = joined.replace(f" {long} ", f" {short} ")
    return [_SPELLINGS.get(w, w) for w in joined.split()]


def slug(parts: Sequence[str], limit: int = 32) -> str:
    """``a_b_c`` within ``limit`` characters, cut at a word; starts with a letter."""
    out = ""
    for part in parts:
        candidate = f"{out}_{part}" if out else part
        if len(candidate) > limit:
            break
        out = candidate
    if not out:
        out = (parts[0] if parts else "x")[:limit]
    if not out[0].isalpha():
        out = ("r_" + out)[:limit]
    return out


def rank_of(heading_words: Sequence[str]) -> int | None:
    if not heading_words:
        return None
    first = heading_words[0]
    if first in RANKS:
        return RANKS[first]
    if first in _STAFF_WORDS or first == "kelompok":
        return STAFF_RANK
    return None


def role_ids(headings: Sequence[str]) -> list[str]:
    ids: list[str] = []
    for heading in headings:
        role_id = slug(words(heading) or ["peran"])
        candidate, n = role_id, 2
        while candidate in ids:  # alike headings (two "Staf" columns): number the later ones
            candidate, n = f"{role_id[:29]}_{n}", n + 1
        ids.append(candidate)
    return ids


def build_roles(headings: Sequence[str]) -> list[DraftRole]:
    roles = []
    for role_id, heading in zip(role_ids(headings), headings, strict=True):
        w = words(heading)
        role = DraftRole(id=role_id, name=heading, title=heading, rank=rank_of(w))
        if w and w[0] in _TEAM_WORDS:
            role.shared = True
            role.notes.append(t.ROLE_SHARED.format(heading=heading))
        roles.append(role)
    _guess_hierarchy(roles)
    return roles


def _guess_hierarchy(roles: list[DraftRole]) -> None:
    """Each role's superior: the nearest rank above it (the form never says who reports to whom)."""
    order = " > ".join(
        r.name for r in sorted((r for r in roles if r.rank is not None), key=lambda r: r.rank or 0)
    )
    usual = t.USUAL_ORDER
    for role in roles:
        if role.rank is None:
            role.guesses.append(
                DraftGuess(
                    "superior",
                    t.SUPERIOR_UNKNOWN_REASON,
                    t.SUPERIOR_UNKNOWN_DETAIL.format(role=role.name),
                )
            )
            continue
        above = [r for r in roles if r.rank is not None and r.rank < role.rank]
        if not above:
            role.guesses.append(
                DraftGuess(
                    "superior",
                    t.SUPERIOR_TOP_REASON.format(usual=usual),
                    t.SUPERIOR_TOP_DETAIL.format(role=role.name, usual=usual, order=order),
                )
            )
            continue
        nearest = max(r.rank or 0 for r in above)
        boss = next(r for r in above if r.rank == nearest)
        role.superior = boss.id
        tie = [r.name for r in above if r.rank == nearest]
        tie_note = t.SUPERIOR_TIE.format(names=", ".join(tie)) if len(tie) > 1 else ""
        role.guesses.append(
            DraftGuess(
                "superior",
                t.SUPERIOR_REASON.format(usual=usual),
                t.SUPERIOR_DETAIL.format(boss=boss.name, usual=usual, order=order, tie=tie_note),
            )
        )


@dataclass(frozen=True)
class Match:
    """The roles a phrase may name: one (certain), several (ambiguous) or none."""

    phrase: str
    roles: tuple[str, ...]
    loose: bool = False  # matched by the office word only ("Kabag MK" -> the only Kabag column)


def match_phrase(phrase: str, roles: Sequence[DraftRole]) -> Match:
    """Which Pelaksana column a phrase such as "Kabag MK" or "Kepala Bagian Umum" names."""
    said = words(phrase)
    if not said:
        return Match(phrase, ())
    headings = [(r.id, words(r.name)) for r in roles]
    full = [(len(h), rid) for rid, h in headings if h and said[: len(h)] == h]
    if full:
        longest = max(n for n, _ in full)
        return Match(phrase, tuple(rid for n, rid in full if n == longest))
    partial = tuple(rid for rid, h in headings if h[: len(said)] == said)
    if partial:
        return Match(phrase, partial)
    office = tuple(rid for rid, h in headings if h and h[0] == said[0] and said[0] in RANKS)
    return Match(phrase, office, loose=bool(office))
