"""Documents from the Mutu Baku columns: Persyaratan/Kelengkapan (inputs) and Output.

* A cell is a list: ``"Konsep Rencana Kerja, TOR"`` is two documents, and so is
  ``"A, B, dan C"`` three. In such a "dan" list a leading word of the first entry applies to
  every entry when the rest of that entry is a name used elsewhere in the form: in
  ``"Draf Program Kerja, RKAKL, dan Penetapan Kinerja Biro"`` "Program Kerja" recurs (step 9),
  so the list is Draf Program Kerja, Draf RKAKL and Draf Penetapan Kinerja Biro.
* "A, B dan C" (no comma before "dan") is a list only when "C" reads as a document of its
  own (a name used elsewhere, "Surat ...", "Nota ...", an abbreviation such as "HPS"): "Surat
  Keterangan Sehat Jasmani dan Rohani dari Dokter Pemerintah" stays one document, with a
  note for the reviewer. A name without a comma ("Pendidikan dan Pelatihan") is never split.
* The same name (case and punctuation aside) is one document.
* A name that extends an earlier one ("SK TIM" after "SK") is taken as that document: a guess.
* "Draf X" (or Konsep/Rancangan X) and "X" are one file under two names (``same_as``) when "X"
  first appears once a decision step has taken "Draf X" in: the approved draft *is* X.
* A document a step needs but no earlier step produced is attached (uploaded) in that step;
  so is a new Output of an action step. A new Output of a decision, team or archive step is
  recorded as produced when that step completes (no file).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.sopimport import texts as t
from bot.sopimport.model import DraftDocument, DraftGuess
from bot.sopimport.roles import slug

DRAFT_WORDS = {"draf", "draft", "konsep", "rancangan"}
_UPLOAD_KINDS = {"action", "upload"}


def _ascii(word: str) -> str:
    """``word`` in ASCII, lower case: accents left off, compatibility forms spelled out."""
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().casefold()


def doc_words(name: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[^\W_]+", name.casefold()))


@dataclass(frozen=True)
class _Item:
    name: str
    note: str = ""


# Words a document's name starts with ("Surat Keterangan ...", "Berita Acara ..."): after the
# " dan " of a list's last entry such a word starts a document of its own.
DOCUMENT_HEADS = DRAFT_WORDS | {
    "akta", "arsip", "berita", "bukti", "daftar", "disposisi", "dokumen", "faktur", "foto",
    "fotokopi", "formulir", "ijazah", "kartu", "keputusan", "kerangka", "kontrak", "kuitansi",
    "kwitansi", "laporan", "lembar", "memo", "naskah", "nota", "notulen", "pakta", "perjanjian",
    "peraturan", "piagam", "proposal", "rekapitulasi", "rekomendasi", "rencana", "risalah",
    "salinan", "sertifikat", "sk", "spesifikasi", "surat", "tanda", "undangan",
}  # fmt: skip


def _document_like(part: str, known: set[tuple[str, ...]]) -> bool:
    """Whether ``part`` reads as a document of its own: a name used elsewhere in the form, a
    name that starts with a document's head word ("Surat ...", "Nota Dinas ..."), or an
    abbreviation ("HPS", "SPK", "KTP")."""
    words = doc_words(part)
    if not words:
        return False
    if words in known or words[0] in DOCUMENT_HEADS:
        return True
    first = part.split()[0].strip("()")
    return len(first) >= 2 and first.isupper()


def split_cell(cell: str, known: set[tuple[str, ...]] | None = None) -> tuple[list[str], bool, str]:
    """The entries of a cell, whether it was a "dan" list, and a note when an entry was kept
    whole though it holds a " dan ".

    "A, B, dan C" is a list (the comma before "dan"); in "A, B dan C" the last entry is split
    at " dan " only when what follows reads as a document of its own (``known``: names used
    elsewhere in the form; see :func:`_document_like`): "Surat Keterangan Sehat Jasmani dan
    Rohani dari Dokter Pemerintah" is one document, and the reviewer is told it was kept
    whole."""
    parts = [p.strip(" .") for p in re.split(r"[,;\n]", cell)]
    parts = [p for p in parts if p]
    conjunction = False
    note = ""
    for i, part in enumerate(parts):
        lowered = part.casefold()
        for word in ("dan ", "serta "):
            if i and lowered.startswith(word):
                parts[i] = part[len(word) :].strip()
                conjunction = True
    if len(parts) > 1 and not conjunction:
        last = parts[-1]
        cut = last.casefold().rfind(" dan ")
        if cut > 0:
            head, tail = last[:cut].strip(), last[cut + 5 :].strip()
            if _document_like(tail, known or set()):
                parts[-1:] = [head, tail]
                conjunction = True
            else:
                note = t.DOCUMENT_KEPT_WHOLE.format(name=last, head=head, tail=tail)
    return [p for p in parts if p], conjunction, note


def _items(cell: str, known: set[tuple[str, ...]], step: int) -> list[_Item]:
    parts, conjunction, kept_whole = split_cell(cell, known)
    if kept_whole:
        return [_Item(p, kept_whole if p == parts[-1] else "") for p in parts]

    if not conjunction or len(parts) < 2:
        return [_Item(p) for p in parts]
    first = doc_words(parts[0])
    display = parts[0].split()
    for k in range(1, len(display)):
        if doc_words(" ".join(display[k:])) in known and len(first) > k:
            prefix = " ".join(display[:k])
            note = t.DOCUMENT_PREFIX_SHARED.format(prefix=prefix, cell=cell, step=step)
            items = [_Item(parts[0], note)]
            for part in parts[1:]:
                has = doc_words(part)[:k] == doc_words(prefix)
                items.append(_Item(part if has else f"{prefix} {part}", note))
            return items
    return [_Item(p) for p in parts]


@dataclass
class StepDocuments:
    inputs: list[str]
    outputs: list[str]
    uploads: list[str]
    produced_only: list[str]  # new outputs recorded without a file (decision/team/archive)


class DocumentBook:
    """Every document of the form, built step by step in table order."""

    def __init__(self, requirement_cells: Sequence[str], output_cells: Sequence[str]) -> None:
        known: set[tuple[str, ...]] = set()
        for cell in (*requirement_cells, *output_cells):  # an uncertain " dan " kept whole
            known |= {doc_words(p) for p in split_cell(cell)[0]}
        self.documents: list[DraftDocument] = []
        self._by_words: dict[tuple[str, ...], DraftDocument] = {}
        self.first_seen: dict[str, tuple[int, str]] = {}  # doc id -> (step, "in"/"out")
        self.inputs: list[list[str]] = []
        self.outputs: list[list[str]] = []
        for step, (req, out) in enumerate(zip(requirement_cells, output_cells, strict=True), 1):
            self.inputs.append(self._register(_items(req, known, step), step, "in"))
            self.outputs.append(self._register(_items(out, known, step), step, "out"))

    def _register(self, items: list[_Item], step: int, where: str) -> list[str]:
        ids: list[str] = []
        for item in items:
            key = doc_words(item.name)
            if not key:
                continue
            doc = self._by_words.get(key)
            if doc is None:
                doc = self._extends(key, item.name, step)
            if doc is None:
                doc = DraftDocument(id=self._new_id(key), name=item.name)
                if item.note:
                    doc.notes.append(item.note)
                self.documents.append(doc)
                self._by_words[key] = doc
                self.first_seen[doc.id] = (step, where)
            if doc.id not in ids:
                ids.append(doc.id)
        return ids

    def _extends(self, key: tuple[str, ...], name: str, step: int) -> DraftDocument | None:
        """An earlier document whose whole name starts this one ("SK" for "SK TIM")."""
        for words, doc in sorted(self._by_words.items(), key=lambda kv: -len(kv[0])):
            if len(words) < len(key) and key[: len(words)] == words and words[0] not in DRAFT_WORDS:
                self._by_words[key] = doc
                doc.guesses.append(
                    DraftGuess(
                        "name",
                        t.DOCUMENT_EXTENDS_REASON.format(name=name, step=step, earlier=doc.name),
                        t.DOCUMENT_EXTENDS_DETAIL.format(name=name, step=step, earlier=doc.name),
                    )
                )
                return doc
        return None

    def _new_id(self, key: tuple[str, ...]) -> str:
        """An id from the name's words (``key``, any script) in ASCII: a TOML bare key and
        the loader's id are ASCII ("m²" is "m2", "Résumé" "resume"); "dokumen" when no
        word has a letter or digit in ASCII."""
        ascii_words = ["".join(re.findall(r"[a-z0-9]+", _ascii(word))) for word in key]
        base = slug([word for word in ascii_words if word] or ["dokumen"])
        taken = {d.id for d in self.documents}
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base[:29]}_{n}", n + 1
        return candidate

    def link_drafts(self, review_steps: set[int]) -> None:
        """``X.same_as = "draf_x"`` where X first appears once a decision has taken Draf X in."""
        by_words = {doc_words(d.name): d for d in self.documents}
        for draft in self.documents:
            words = doc_words(draft.name)
            if len(words) < 2 or words[0] not in DRAFT_WORDS or draft.same_as is not None:
                continue
            final = by_words.get(words[1:])
            if final is None or final.same_as is not None or final is draft:
                continue
            if any(d.same_as == final.id for d in self.documents):
                continue
            reviews = [s for s in sorted(review_steps) if draft.id in self.inputs[s - 1]]
            step, where = self.first_seen[final.id]
            if reviews and (step > reviews[0] or (step == reviews[0] and where == "out")):
                final.same_as = draft.id
                final.notes.append(
                    t.DOCUMENT_SAME_AS.format(name=final.name, draft=draft.name, step=reviews[0])
                )
            else:
                final.notes.append(t.DOCUMENT_NOT_SAME_AS.format(draft=draft.name))

    def canonical(self, doc_id: str) -> str:
        doc = next(d for d in self.documents if d.id == doc_id)
        return doc.same_as or doc_id

    def is_draft(self, doc_id: str) -> bool:
        words = doc_words(next(d for d in self.documents if d.id == doc_id).name)
        return bool(words) and words[0] in DRAFT_WORDS

    def per_step(self, kinds: Sequence[str]) -> list[StepDocuments]:
        """Inputs, outputs and uploads of each step, walking the steps in order."""
        held: set[str] = set()
        result = []
        for inputs, outputs, kind in zip(self.inputs, self.outputs, kinds, strict=True):
            uploads = [d for d in inputs if self.canonical(d) not in held]
            brought = held | {self.canonical(d) for d in inputs}
            new_outputs = [d for d in outputs if self.canonical(d) not in brought]
            produced_only: list[str] = []
            if kind in _UPLOAD_KINDS:
                uploads += [d for d in new_outputs if d not in uploads]
            else:
                produced_only = new_outputs
            held = brought | {self.canonical(d) for d in outputs}
            result.append(StepDocuments(list(inputs), list(outputs), uploads, produced_only))
        return result
