"""What a Kegiatan sentence says about the flow, read from its wording alone.

    "memeriksa usulan. Jika setuju menyampaikan kepada Karo Perencanaan, jika tidak setuju
     dikembalikan kepada Kasubag untuk diperbaiki."

is a decision (approve/return markers); its approve part names the next step's actor
("kepada Karo Perencanaan"), its return part the actor of the step it returns to ("kepada
Kasubag"). A sentence without markers names the next actor with "kepada X" or "memerintahkan
X untuk ...".

The Permenpan-RB 35/2012 form writes a decision as a question, its branches in Ket:

    "Apakah konsep surat pengantar sudah benar?"   Ket: "Ya: lanjut ke no. 5; Tidak: kembali
                                                        ke no. 2"

which reads as a decision too (:attr:`Reading.asks`), returning to the step named by
"kembali ke langkah/no./nomor N" (:attr:`Reading.back_step`, also read from the sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.sopimport import texts as t

_IF = r"\b(?:jika|apabila|bila|kalau)\s+"
_OK = r"(?:setuju|disetujui|sesuai|lengkap|benar)\b"
_APPROVE = re.compile(_IF + r"(?:sudah\s+|telah\s+)?" + _OK, re.IGNORECASE)
_REFUSE = re.compile(_IF + r"(?:tidak|belum)\s+" + _OK, re.IGNORECASE)
_RETURNED = re.compile(r"\b(?:dikembalikan|mengembalikan|dikembalikannya)\b", re.IGNORECASE)
_QUESTION = re.compile(r"^\s*apakah\b[^?]*\?", re.IGNORECASE)
# "Ya: lanjut ...", "Tidak - kembali ...", "Jika ya, ...": a branch of a decision in Ket
_BRANCH = (
    r"(?:^|[\s;,.(])(?:jika\s+|bila\s+|apabila\s+)?{}\s*(?:[:=),>→-]|\s(?:lanjut|kembali|ke)\b)"
)
_YES = re.compile(_BRANCH.format("ya"), re.IGNORECASE)
_NO = re.compile(_BRANCH.format("tidak"), re.IGNORECASE)
_BACK_TO = re.compile(
    r"\bkembali\s+ke\s+(?:langkah|kegiatan|nomor|no)\s*(?:\.\s*)?(\d{1,3})\b", re.IGNORECASE
)
_TOKEN = re.compile(r"[^\W_]+(?:[/'-][^\W_]+)*|[,.;:()]")
_STOP = {
    "untuk", "dan", "jika", "apabila", "bila", "kalau", "agar", "guna", "yang", "serta",
    "dengan", "setelah", "sebagai", "atau", "lalu", "kemudian", "selanjutnya", "sesuai",
    "beserta", "melalui", "dalam", "pada", "di", "ke", "kepada", "tentang", "supaya", "sambil",
}  # fmt: skip
_ORDER_VERBS = {"memerintahkan", "menugaskan", "mendisposisikan", "menginstruksikan", "meminta"}
_TEAM_VERBS = {"membentuk", "menetapkan", "menunjuk"}
_MAX_PHRASE = 6


@dataclass(frozen=True)
class Reading:
    text: str
    main: str  # what the step does, before the approve/return parts
    approves: bool  # has an approve marker ("jika setuju")
    returns: bool  # has a return marker ("jika tidak setuju", "dikembalikan")
    forward: tuple[str, ...]  # phrases naming whom the step hands on to
    back: tuple[str, ...]  # phrases naming whom a return goes to
    approval: str | None  # "paraf" / "signature" given on approval
    team_phrase: str | None  # "Tim Penyusunan" when the step forms a team
    asks: str = ""  # why the wording reads as a decision without "jika setuju" ("" if not)
    back_step: int | None = None  # "kembali ke no. 2": the step a return goes to, as written

    @property
    def review(self) -> bool:
        return self.approves and self.returns

    def quote(self, limit: int = 90) -> str:
        """The sentence, shortened for a comment."""
        text = " ".join(self.text.split())
        return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def read_sentence(text: str, remark: str = "") -> Reading:
    """What the Kegiatan ``text`` says, with the row's Ket (``remark``) for a question's
    branches."""
    approve = _APPROVE.search(text)
    refuse = _REFUSE.search(text) or _RETURNED.search(text)
    cuts = sorted(m.start() for m in (approve, refuse) if m is not None)
    main = text[: cuts[0]] if cuts else text
    approve_part = ""
    return_part = ""
    if approve is not None:
        end = refuse.start() if refuse is not None and refuse.start() > approve.end() else len(text)
        approve_part = text[approve.end() : end]
    if refuse is not None:
        end = (
            approve.start() if approve is not None and approve.start() > refuse.end() else len(text)
        )
        return_part = text[refuse.start() : end]
    forward_part = approve_part if approve is not None else main
    return Reading(
        text=text,
        main=main,
        approves=approve is not None,
        returns=refuse is not None,
        forward=tuple(_addressees(forward_part, back=False)),
        back=tuple(_addressees(return_part, back=True)),
        approval=_approval(approve_part),
        team_phrase=_team_phrase(main),
        asks=_asks(text, remark),
        back_step=_back_step(text, remark),
    )


def _asks(text: str, remark: str) -> str:
    if _QUESTION.match(text):
        return t.ASKS_QUESTION
    if _YES.search(remark) and _NO.search(remark):
        return t.ASKS_YES_NO.format(remark=" ".join(remark.split())[:60])
    return ""


def _back_step(text: str, remark: str) -> int | None:
    found = _BACK_TO.search(remark) or _BACK_TO.search(text)
    return int(found.group(1)) if found else None


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _phrase(tokens: list[str], start: int) -> str:
    words: list[str] = []
    for token in tokens[start : start + _MAX_PHRASE]:
        if token.casefold() in _STOP or not token[0].isalnum():
            break
        words.append(token)
    return " ".join(words)


def _addressees(part: str, *, back: bool) -> list[str]:
    """Phrases after "kepada" (and "ke" in a return), or after an order verb."""
    tokens = _tokens(part)
    found = []
    for i, token in enumerate(tokens):
        word = token.casefold()
        to_whom = word == "kepada" or (back and word == "ke")
        ordering = word in _ORDER_VERBS and [tok.casefold() for tok in tokens[i + 1 : i + 2]] != [
            "kepada"
        ]
        if (to_whom or ordering) and (phrase := _phrase(tokens, i + 1)):
            found.append(phrase)
    return found


def _approval(part: str) -> str | None:
    text = part.casefold()
    if re.search(r"\b(?:menandatangani|ditandatangani|tanda\s+tangan|menandatanganinya)\b", text):
        return "signature"
    if re.search(r"\b(?:paraf|memaraf|diparaf)\b", text):
        return "paraf"
    return None


def _team_phrase(main: str) -> str | None:
    """ "membentuk Tim Penyusunan" -> "Tim Penyusunan" when forming a team is what the step does."""
    tokens = _tokens(main)
    if not tokens or tokens[0].casefold() not in _TEAM_VERBS:
        return None
    phrase = _phrase(tokens, 1)
    return phrase or None
