"""From the form to a draft definition: who acts in each step, what kind of step, where it goes.

Actors, in order of strength:

1. The flowchart symbol (a .docx): the Pelaksana column whose cell holds a drawing, shape,
   picture or mark. Where a sentence names someone else, the symbol wins and the step says so.
2. The previous step's sentence: "menyampaikan/meneruskan/menyerahkan ... kepada X" or
   "memerintahkan X untuk ..." names the actor of the next step (for a decision, its approve
   part does).
3. A return: "jika tidak setuju dikembalikan kepada X" names the actor of the earlier step it
   returns to, the nearest earlier step X holds or may hold. When that step is the only one
   X could hold, or the step just before (the case came from it), it is certain; otherwise
   it is a guess that names the other steps X holds.

A step still without an actor, or whose sentence fits several columns, gets a guessed actor and
a guess the reviewer must confirm. Nothing uncertain is picked silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.sopimport import texts as t
from bot.sopimport.documents import DocumentBook
from bot.sopimport.model import (
    Draft,
    DraftGuess,
    DraftRole,
    DraftStep,
    FormRow,
    ImportFailure,
    SopForm,
    Symbol,
    SymbolShape,
)
from bot.sopimport.roles import Match, build_roles, match_phrase
from bot.sopimport.sentences import Reading, read_sentence
from bot.sopimport.times import DEFAULT_MINUTES, parse_time


@dataclass
class _Actor:
    role: str | None = None
    candidates: tuple[str, ...] = ()  # several columns fit and none is proven yet
    by_mark: bool = False
    guess: DraftGuess | None = None
    notes: list[str] = field(default_factory=list)
    unmatched: str = ""  # a phrase that named this step's actor but fits no column


def infer_draft(form: SopForm, source_name: str) -> Draft:
    roles = build_roles(form.role_headings)
    names = {r.id: r.name for r in roles}
    readings = [read_sentence(row.activity, row.remark) for row in form.rows]
    actors = [_from_marks(row, roles) for row in form.rows]
    kinds, kind_guesses = _kinds(form.rows, readings)
    _forward(readings, actors, roles, names)
    returns = _returns(readings, kinds, actors, roles, names)
    _fill_unknown(actors, roles, names)
    _role_titles(roles, readings)

    book = DocumentBook([r.requirements for r in form.rows], [r.output for r in form.rows])
    book.link_drafts({i + 1 for i, k in enumerate(kinds) if k == "review"})
    kinds, teams = _team_and_archive(kinds, readings, actors, roles)
    per_step = book.per_step(kinds)
    for i, docs in enumerate(per_step):
        if kinds[i] == "action" and any(
            book.is_draft(d) and d not in docs.inputs for d in docs.uploads
        ):
            kinds[i] = "upload"

    steps = []
    last = len(form.rows)
    for i, (row, reading, actor, docs) in enumerate(
        zip(form.rows, readings, actors, per_step, strict=True)
    ):
        assert actor.role is not None
        step = DraftStep(
            id=row.number,
            actor=actor.role,
            kind=kinds[i],
            title="",
            activity=_sentence(row.activity),
            inputs=docs.inputs,
            uploads=docs.uploads,
            outputs=docs.outputs,
            on_approve=row.number + 1 if row.number < last else None,
            related_sop=None,
            team=teams.get(i),
        )
        step.related_sop, remark_note = _remark(row.remark, form.header.related_sops)
        step.notes += [*row.notes, *([remark_note] if remark_note else []), *actor.notes]
        if actor.guess is not None:
            step.guesses.append(actor.guess)
        step.guesses += kind_guesses.get(i, [])
        if kinds[i] == "review":
            target, guess = returns[i]
            step.on_return = target
            merged_ket = "remark" in row.merged and target == reading.back_step
            if guess is None and merged_ket and read_sentence(row.activity).back_step != target:
                # "kembali ke no. 2" only in a Ket merged down from a step above
                guess = DraftGuess(
                    "on_return",
                    t.RETURN_NAMED_MERGED_REASON.format(step=target),
                    t.RETURN_NAMED_MERGED_DETAIL.format(step=target, remark=row.remark[:60]),
                )
            if guess is not None:
                step.guesses.append(guess)
            step.approval = reading.approval
        if docs.produced_only:
            # blocking: confirmed as it stands, every checklist and Lembar Pemeriksaan after
            # this step ticks such a document as present ("Ada") though no file exists
            listed = ", ".join(f"'{d.name}'" for d in book.documents if d.id in docs.produced_only)
            for doc in book.documents:
                if doc.id in {book.canonical(d) for d in docs.produced_only}:
                    doc.source = "generated"  # `check` refuses an uploaded one no step uploads
            step.guesses.append(
                DraftGuess(
                    "outputs",
                    t.OUTPUTS_WITHOUT_FILE_REASON.format(listed=listed, step=step.id),
                    t.OUTPUTS_WITHOUT_FILE_DETAIL.format(listed=listed),
                )
            )
        key = row.time_cell
        _time(step, row, [r.number for r in form.rows if key is not None and r.time_cell == key])
        steps.append(step)
    _step_titles(steps, readings, {r.id: r.title for r in roles})
    notes = []
    if not form.symbols_possible:
        notes.append(t.NO_SYMBOLS_IN_TEXT)
    elif not any(row.marks for row in form.rows):
        notes.append(t.NO_SYMBOLS_IN_DOCX)
    return Draft(
        notes=notes,
        source_name=source_name,
        form=form.source,
        code=_code(form.header.name),
        header=form.header,
        roles=roles,
        documents=book.documents,
        steps=steps,
    )


# -- actors ------------------------------------------------------------------------------


def _from_marks(row: FormRow, roles: Sequence[DraftRole]) -> _Actor:
    columns: list[int] = []
    for covered, _symbol in row.marks:
        columns += [c for c in covered if c not in columns]
    if len(columns) == 1:
        what = ", ".join(dict.fromkeys(symbol.what for _, symbol in row.marks))
        note = t.ACTOR_FROM_SYMBOL.format(what=what, role=roles[columns[0]].name)
        return _Actor(role=roles[columns[0]].id, by_mark=True, notes=[note])
    if len(columns) > 1:
        return _Actor(candidates=tuple(roles[c].id for c in columns), by_mark=True)
    return _Actor()


def _shown(role_ids: Sequence[str], names: dict[str, str]) -> str:
    return ", ".join(names[r] for r in role_ids)


def _match_all(phrases: Sequence[str], roles: Sequence[DraftRole]) -> tuple[list[Match], str]:
    """Matches of the phrases that fit a column, and the first phrase that fits none."""
    matches = [match_phrase(p, roles) for p in phrases]
    unmatched = next((m.phrase for m in matches if not m.roles), "")
    return [m for m in matches if m.roles], unmatched


def _forward(
    readings: Sequence[Reading],
    actors: list[_Actor],
    roles: Sequence[DraftRole],
    names: dict[str, str],
) -> None:
    for k, reading in enumerate(readings[:-1], 1):  # k: the step whose sentence speaks
        target = actors[k]
        matches, unmatched = _match_all(reading.forward, roles)
        fits = tuple(dict.fromkeys(r for m in matches for r in m.roles))
        said = "; ".join(f"'{m.phrase}'" for m in matches)
        if not fits:
            if unmatched and not target.by_mark:
                target.unmatched = t.ACTOR_UNMATCHED.format(k=k, phrase=unmatched)
            continue
        if target.by_mark and target.role is not None:
            if target.role not in fits:
                role = names[target.role]
                target.guess = DraftGuess(
                    "actor",
                    t.ACTOR_SYMBOL_OVER_SENTENCE_REASON.format(role=role, k=k, said=said),
                    t.ACTOR_SYMBOL_OVER_SENTENCE_DETAIL.format(
                        role=role,
                        k=k,
                        quote=reading.quote(),
                        said=said,
                        columns=_shown(fits, names),
                    ),
                )
            continue
        if target.by_mark:
            both = [r for r in target.candidates if r in fits]
            if len(both) == 1:
                why = t.SYMBOLS_ONE_NAMED.format(k=k, said=said)
            elif both:
                why = t.SYMBOLS_SEVERAL_NAMED.format(k=k, said=said)
            else:
                why = t.SYMBOLS_OTHER_NAMED.format(k=k, said=said)
            target.role = (both or list(target.candidates))[0]
            columns = _shown(target.candidates, names)
            target.guess = DraftGuess(
                "actor",
                t.SYMBOLS_REASON.format(columns=columns, why=why),
                t.SYMBOLS_DETAIL.format(columns=columns, why=why, role=names[target.role]),
            )
            target.candidates = ()
            continue
        if len(fits) == 1 and not any(m.loose for m in matches):
            target.role = fits[0]
            target.notes.append(t.ACTOR_FROM_SENTENCE.format(k=k, said=said))
        elif len(fits) == 1:
            target.role = fits[0]
            target.guess = DraftGuess(
                "actor",
                t.ACTOR_LOOSE_REASON.format(k=k, said=said, role=names[fits[0]]),
                t.ACTOR_LOOSE_DETAIL.format(
                    k=k, quote=reading.quote(), said=said, role=names[fits[0]]
                ),
            )
        else:
            target.candidates = fits
            target.notes.append(t.ACTOR_SEVERAL_NOTE.format(k=k, said=said))
            target.unmatched = t.ACTOR_SEVERAL_SAID.format(k=k, quote=reading.quote(), said=said)


def _returns(
    readings: Sequence[Reading],
    kinds: Sequence[str],
    actors: list[_Actor],
    roles: Sequence[DraftRole],
    names: dict[str, str],
) -> dict[int, tuple[int, DraftGuess | None]]:
    """The step each decision returns to (by index), with a guess when it is not certain."""
    found: dict[int, tuple[int, DraftGuess | None]] = {}
    for i, kind in enumerate(kinds):
        if kind != "review":
            continue
        k = i + 1
        if i == 0:
            raise ImportFailure(t.FIRST_STEP_DECISION)
        reading = readings[i]
        matches, unmatched = _match_all(reading.back, roles)
        fits = tuple(dict.fromkeys(r for m in matches for r in m.roles))
        said = "; ".join(f"'{m.phrase}'" for m in matches)
        previous = i  # the step number just before this one
        if reading.back_step is not None and 1 <= reading.back_step < k:
            # "kembali ke no. 2": the form names the step; the sentence may name its actor
            target = reading.back_step
            actors[i].notes.append(t.RETURN_NAMED.format(step=target))
            held = actors[target - 1]
            if len(fits) == 1 and held.role is None and not held.by_mark:
                held.role, held.candidates = fits[0], ()
                held.notes.append(t.ACTOR_FROM_RETURN_NOTE.format(k=k, said=said))
            found[i] = (target, None)
            continue
        if reading.back_step is not None:
            actors[i].notes.append(t.RETURN_NAMED_NOT_BEFORE.format(step=reading.back_step, k=k))

        def may_hold(j: int, role: str) -> bool:
            actor = actors[j]
            unknown = actor.role is None and not actor.candidates
            return unknown or actor.role == role or role in actor.candidates

        holders = [r for r in fits if any(may_hold(j, r) for j in range(i))]
        if len(fits) > 1 and len(holders) == 1:  # "Kabag": only one Kabag held an earlier step
            fits = (holders[0],)
        if len(fits) != 1:
            if fits:
                why = t.RETURN_SEVERAL.format(said=said, columns=_shown(fits, names))
                near = [j for j in range(i - 1, -1, -1) if actors[j].role in fits]
                target = near[0] + 1 if near else previous
            else:
                why = t.RETURN_UNMATCHED.format(phrase=unmatched) if unmatched else t.RETURN_UNNAMED
                target = previous
            found[i] = (
                target,
                DraftGuess(
                    "on_return",
                    t.RETURN_GUESSED_REASON.format(why=why, step=target),
                    t.RETURN_GUESSED_DETAIL.format(why=why, step=target),
                ),
            )
            continue
        role = fits[0]
        loose = any(m.loose for m in matches)
        could = [j for j in range(i) if may_hold(j, role)]
        if not could:
            found[i] = (
                previous,
                DraftGuess(
                    "on_return",
                    t.RETURN_NO_STEP_OF_ROLE_REASON.format(k=k, role=names[role], step=previous),
                    t.RETURN_NO_STEP_OF_ROLE_DETAIL.format(
                        said=said, role=names[role], step=previous
                    ),
                ),
            )
            continue
        j = could[-1]
        target_actor = actors[j]
        guess = None
        if loose:
            guess = DraftGuess(
                "on_return",
                t.RETURN_LOOSE_REASON.format(said=said, role=names[role]),
                t.RETURN_LOOSE_DETAIL.format(said=said, role=names[role], step=j + 1),
            )
        if target_actor.role != role:
            sole = len(could) == 1
            was = target_actor.candidates
            target_actor.role = role
            target_actor.candidates = ()
            if target_actor.by_mark:
                columns = _shown(was, names)
                target_actor.guess = DraftGuess(
                    "actor",
                    t.ACTOR_FROM_RETURN_SYMBOLS_REASON.format(
                        columns=columns, k=k, role=names[role]
                    ),
                    t.ACTOR_FROM_RETURN_SYMBOLS_DETAIL.format(
                        columns=columns, k=k, said=said, role=names[role]
                    ),
                )
            elif sole:
                target_actor.notes.append(t.ACTOR_FROM_RETURN_SOLE.format(k=k, said=said))
            else:
                target_actor.guess = DraftGuess(
                    "actor",
                    t.ACTOR_FROM_RETURN_REASON.format(k=k, said=said),
                    t.ACTOR_FROM_RETURN_DETAIL.format(
                        k=k, quote=readings[i].quote(), role=names[role]
                    ),
                )
                guess = guess or DraftGuess(
                    "on_return",
                    t.RETURN_ACTOR_UNSURE_REASON.format(step=j + 1),
                    t.RETURN_ACTOR_UNSURE_DETAIL.format(step=j + 1, role=names[role]),
                )
        if guess is None and len(could) > 1 and j != i - 1:
            # "dikembalikan kepada Kasubag" from step 4 when the Kasubag holds steps 1 and 2:
            # the nearest is a pick, not what the sentence says (it may mean step 1)
            others = t.RETURN_OTHERS_SEP.join(
                t.RETURN_OTHER_STEP.format(step=c + 1) for c in could[:-1]
            )
            guess = DraftGuess(
                "on_return",
                t.RETURN_NEAREST_REASON.format(role=names[role], step=j + 1, others=others),
                t.RETURN_NEAREST_DETAIL.format(
                    k=k, quote=readings[i].quote(), said=said, step=j + 1, others=others
                ),
            )
        found[i] = (j + 1, guess)
    return found


def _fill_unknown(actors: list[_Actor], roles: Sequence[DraftRole], names: dict[str, str]) -> None:
    for i, actor in enumerate(actors):
        if actor.role is not None:
            continue
        if actor.candidates:
            actor.role = actor.candidates[0]
            columns = _shown(actor.candidates, names)
            if actor.by_mark:
                why = t.PICKED_BY_SYMBOLS_WHY.format(columns=columns)
                detail = t.PICKED_BY_SYMBOLS_DETAIL.format(columns=columns)
            else:
                why = t.PICKED_BY_SENTENCE_WHY.format(columns=columns)
                detail = t.PICKED_BY_SENTENCE_DETAIL.format(said=actor.unmatched, columns=columns)
            actor.guess = DraftGuess(
                "actor",
                t.PICKED_REASON.format(why=why, role=names[actor.role]),
                t.PICKED_DETAIL.format(detail=detail, role=names[actor.role]),
            )
            actor.candidates = ()
            continue
        if i == 0:
            actor.role = roles[0].id
            basis = t.ACTOR_FIRST_COLUMN.format(role=roles[0].name)
        else:
            actor.role = actors[i - 1].role
            assert actor.role is not None
            basis = t.ACTOR_AS_BEFORE.format(step=i, role=names[actor.role])
        why = actor.unmatched or t.ACTOR_UNNAMED
        actor.guess = DraftGuess(
            "actor",
            t.ACTOR_GUESSED_REASON.format(why=why, basis=basis),
            t.ACTOR_GUESSED_DETAIL.format(why=why, basis=basis),
        )


def _role_titles(roles: Sequence[DraftRole], readings: Sequence[Reading]) -> None:
    """A role's title: the fullest way the sentences name it ("Karo Perencanaan" for Karo)."""
    for reading in readings:
        for phrase in (*reading.forward, *reading.back):
            match = match_phrase(phrase, roles)
            if len(match.roles) == 1 and not match.loose:
                role = next(r for r in roles if r.id == match.roles[0])
                if len(phrase) > len(role.title):
                    role.title = phrase


# -- kinds -------------------------------------------------------------------------------


def _shape(row: FormRow) -> tuple[SymbolShape | None, Symbol | None]:
    """What the row's symbols tell: a decision, an activity, or nothing."""
    shapes = [s for _, s in row.marks]
    decision = next((s for s in shapes if s.shape is SymbolShape.DECISION), None)
    if decision is not None:
        return SymbolShape.DECISION, decision
    told = [s for s in shapes if s.shape is SymbolShape.ACTIVITY]
    if told and len(told) == len(shapes):
        return SymbolShape.ACTIVITY, told[0]
    return None, None


def _kinds(
    rows: Sequence[FormRow], readings: Sequence[Reading]
) -> tuple[list[str], dict[int, list[DraftGuess]]]:
    kinds: list[str] = []
    guesses: dict[int, list[DraftGuess]] = {}
    for i, (row, reading) in enumerate(zip(rows, readings, strict=True)):
        shape, symbol = _shape(row)
        if shape is SymbolShape.DECISION:
            kinds.append("review")
            if not reading.review and not reading.asks:
                guesses.setdefault(i, []).append(
                    DraftGuess("kind", t.KIND_DIAMOND_REASON, t.KIND_DIAMOND_DETAIL)
                )
        elif shape is SymbolShape.ACTIVITY and (reading.review or reading.asks):
            assert symbol is not None
            kinds.append("action")
            wording = t.KIND_SAYS_DECISION if reading.review else reading.asks
            guesses.setdefault(i, []).append(
                DraftGuess(
                    "kind",
                    t.KIND_ACTIVITY_SYMBOL_REASON.format(symbol=symbol.what),
                    t.KIND_ACTIVITY_SYMBOL_DETAIL.format(wording=wording, symbol=symbol.what),
                )
            )
        elif reading.review:
            kinds.append("review")
        elif reading.returns and not reading.approves:
            kinds.append("review")
            guesses.setdefault(i, []).append(
                DraftGuess("kind", t.KIND_RETURN_ONLY_REASON, t.KIND_RETURN_ONLY_DETAIL)
            )
        elif reading.asks and shape is None:
            kinds.append("review")
            guesses.setdefault(i, []).append(
                DraftGuess(
                    "kind",
                    t.KIND_ASKS_REASON.format(asks=reading.asks),
                    t.KIND_ASKS_DETAIL.format(asks=reading.asks),
                )
            )
        else:
            kinds.append("action")
    return kinds, guesses


def _team_and_archive(
    kinds: list[str],
    readings: Sequence[Reading],
    actors: Sequence[_Actor],
    roles: Sequence[DraftRole],
) -> tuple[list[str], dict[int, str]]:
    """The kinds with team steps and the archive step marked, and the role each team step
    forms (written as ``team``: with two shared roles, `check` needs to be told which).
    The last step is the archive step when its activity files the result
    (:func:`archives`: "Mendokumentasikan ...", "Mengarsipkan ..."); a last step that does
    something else ("Menyampaikan surat jawaban kepada pemohon", "Memeriksa laporan. Jika
    setuju menandatangani ...") keeps the kind it reads as, and its completion or approval
    finishes the case, with no archive number asked. A decision is never taken for the
    archive step (it returns; an archive step does not)."""
    shared = {r.id for r in roles if r.shared}
    out = list(kinds)
    teams: dict[int, str] = {}
    for i, reading in enumerate(readings):
        # not the last step: the team it formed would have no step left to act in
        if out[i] == "action" and reading.team_phrase and i < len(out) - 1:
            match = match_phrase(reading.team_phrase, roles)
            if len(match.roles) == 1 and match.roles[0] in shared:
                out[i] = "team"
                teams[i] = match.roles[0]
                actors[i].notes.append(t.KIND_TEAM.format(team=reading.team_phrase))
    if out and out[-1] != "review" and archives(readings[-1]):
        out[-1] = "archive"
        actors[-1].notes.append(t.KIND_ARCHIVE)
    elif out:  # a decision last is a review step whose approval ends the SOP
        actors[-1].notes.append(t.KIND_LAST_ENDS)
    return out, teams


_ARCHIVING = re.compile(r"arsip|dokumentasi", re.IGNORECASE)
"""The words of filing, in whatever form the activity writes them: mengarsipkan, diarsipkan,
arsip, kearsipan; mendokumentasikan, didokumentasikan, pendokumentasian."""
_PURPOSE = re.compile(r"\buntuk\b", re.IGNORECASE)


def archives(reading: Reading) -> bool:
    """Whether a step's activity is archiving: a word of filing in what the step itself
    does, before a purpose it hands on ("Mendokumentasikan Laporan Kinerja", not
    "Menyerahkan laporan kepada Kabag untuk didokumentasikan")."""
    main = _PURPOSE.split(reading.main, maxsplit=1)[0]
    return _ARCHIVING.search(main) is not None


# -- texts and times ---------------------------------------------------------------------


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _step_titles(
    steps: list[DraftStep], readings: Sequence[Reading], names: dict[str, str]
) -> None:
    titles = []
    for reading in readings:
        main = " ".join(reading.main.split()).rstrip(" ,.;:")
        main = main.split(". ")[0]
        if len(main) > 60:
            main = main[:59].rsplit(" ", 1)[0].rstrip(" ,") + "…"
        titles.append(main[:1].upper() + main[1:] if main else "Langkah")
    for step, title in zip(steps, titles, strict=True):
        step.title = title if titles.count(title) == 1 else f"{title} oleh {names[step.actor]}"


def _time(step: DraftStep, row: FormRow, sharing: Sequence[int]) -> None:
    """``time_minutes`` from the Waktu cell; ``sharing``: the steps whose Waktu is that same
    cell (merged down over their rows). A merged Waktu may be each step's norm or the time
    of those steps together: each step takes it, as a guess on every one of them."""
    parsed = parse_time(row.time)
    if row.time and (len(sharing) > 1 or "time" in row.merged):
        steps = ", ".join(str(n) for n in sharing)
        step.guesses.append(
            DraftGuess(
                "time_minutes",
                t.TIME_MERGED_REASON.format(time=row.time, steps=steps),
                t.TIME_MERGED_DETAIL.format(time=row.time, steps=steps),
            )
        )
    if parsed.minutes is not None:
        step.time_minutes = parsed.minutes
        if parsed.note:
            step.guesses.append(
                DraftGuess(
                    "time_minutes",
                    parsed.note,
                    t.TIME_READ_DETAIL.format(note=parsed.note, minutes=parsed.minutes),
                )
            )
        return
    step.time_minutes = DEFAULT_MINUTES[step.kind]
    step.guesses.append(
        DraftGuess(
            "time_minutes",
            t.TIME_DEFAULT_REASON.format(note=parsed.note, name=t.STEP_KIND_NAMES[step.kind]),
            t.TIME_DEFAULT_DETAIL.format(
                note=parsed.note,
                name=t.STEP_KIND_NAMES[step.kind],
                kind=step.kind,
                minutes=step.time_minutes,
            ),
        )
    )


def _sop_name(text: str) -> str:
    """How names of SOPs compare: lower case, without a leading "SOP"."""
    words = re.sub(r"[^\w]+", " ", text.casefold()).split()
    if words[:1] == ["sop"]:
        words = words[1:]
    elif words[:3] == ["standar", "operasional", "prosedur"]:
        words = words[3:]
    return " ".join(words)


def _remark(remark: str, related: Sequence[str]) -> tuple[str | None, str]:
    """``related_sop`` and a note for the draft from a row's Ket.

    Ket names the related SOP ("SOP Pembentukan Tim", or a name listed under KETERKAITAN);
    any other note there ("Disposisi paling lambat 1 hari kerja") is no SOP's name: it is kept
    as a comment above the step for the administrator, not filed as ``related_sop``.
    """
    if not remark:
        return None, ""
    listed = {_sop_name(r) for r in related}

    def names_an_sop(part: str) -> bool:
        name = _sop_name(part)
        said = " ".join(re.sub(r"[^\w]+", " ", part.casefold()).split())
        return bool(name) and (said != name or name in listed)

    parts = [p.strip() for p in remark.split(", ") if p.strip()]
    sops = [p for p in parts if names_an_sop(p)]
    if len(sops) == len(parts):
        return remark, ""
    some = t.KET_SOME_SOPS.format(sops=", ".join(sops)) if sops else ""
    note = t.KET_NOT_AN_SOP.format(remark=remark, sops=some)
    return ", ".join(sops) or None, note


_CODE_SKIP = {"dan", "di", "ke", "dari", "untuk", "yang", "atau", "pada", "serta", "the", "sop"}


def _code(name: str) -> str:
    """``sop.code`` from the name: its words, small ones left out, within 24 characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    kept = [w for w in re.findall(r"[a-z0-9]+", ascii_name.casefold()) if w not in _CODE_SKIP]
    code = ""
    for word in kept:
        candidate = f"{code}-{word}" if code else word[:24]
        if len(candidate) > 24:
            break
        code = candidate
    return code or "sop"
