"""What a case looks like in a chat: task messages with their buttons, status, history.

Pure functions from a case (and the names of the people in it) to HTML text and
keyboards. A keyboard is rows of ``(label, callback_data)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot import texts as t
from bot.callbacks import Callback, Op
from bot.core.definition import BUDGET_YEAR, RoleBook, SopDefinition, Step, StepKind
from bot.core.model import Case, Event, EventType
from bot.core.workflow import missing_inputs
from bot.papers.dates import OfficeZone

Keyboard = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class View:
    text: str
    keyboard: Keyboard


def case_heading(definition: SopDefinition, case: Case) -> str:
    return (
        f"<b>Berkas #{case.id}</b> — {t.e(case.title)}\n"
        f"{t.e(definition.header.year_label)} {case.fiscal_year} · "
        f"SOP {t.e(definition.header.name)}"
    )


def year_short(definition: SopDefinition) -> str:
    """The year's label in a list line: "TA" for a budget year, else the label itself."""
    label = definition.header.year_label
    return "TA" if label == BUDGET_YEAR else label


def step_line(definition: SopDefinition, step: Step) -> str:
    return (
        f"Langkah {definition.position(step.id) + 1} dari {len(definition.steps)}: "
        f"<b>{t.e(step.title)}</b>"
    )


def role_name(definition: RoleBook, role: str) -> str:
    if role == "admin":
        return "Administrator"
    return definition.role(role).name if definition.has_role(role) else role


ACTING_TITLES = {"plh": "Plh.", "plt": "Plt."}


def acting_role(definition: RoleBook, role: str, kind: str) -> str:
    """ "Plh. Karo": the role as an acting official holds it."""
    return f"{ACTING_TITLES.get(kind, kind)} {role_name(definition, role)}"


def by_whom(definition: SopDefinition, event: Event, name: str) -> str:
    """ "Budi (Kabag)", or "Agus selaku Plh. Karo" for a decision taken by an acting official."""
    acting = str(event.data.get("acting", ""))
    if acting:
        return f"{t.e(name)} selaku {t.e(acting_role(definition, event.role, acting))}"
    return f"{t.e(name)} ({t.e(role_name(definition, event.role))})"


def document_checklist(definition: SopDefinition, case: Case, doc_ids: Sequence[str]) -> str:
    lines = []
    for doc_id in dict.fromkeys(doc_ids):
        canonical = definition.canonical(doc_id)
        doc = definition.document(doc_id)
        attachment = case.latest(canonical)
        if attachment is not None:
            lines.append(f"✅ {t.e(doc.name)}: {t.e(attachment.name)} (versi {attachment.version})")
        elif canonical in case.produced:
            lines.append(f"✅ {t.e(doc.name)}")
        else:
            optional = " (tidak wajib)" if definition.document(canonical).optional else ""
            lines.append(f"⬜ {t.e(doc.name)}{optional}")
    return "\n".join(lines)


# Candidates on one page of the team step's buttons: a bureau may register a hundred
# drafters, and Telegram refuses a keyboard of more than 100 buttons ("reply markup is too
# long"): the Kasubag would never get the step.
TEAM_PAGE = 10

INTROS = {
    "created": "🆕 Berkas #{case} telah dibuat. Silakan melengkapi dokumennya.",
    "withdrawn": "⏪ Berkas #{case} telah ditarik kembali dan menunggu tindakan Anda.",
}


def task_view(
    definition: SopDefinition,
    case: Case,
    zone: OfficeZone,
    *,
    names: Mapping[int, str],
    arrival: Event | None = None,
    team_candidates: Sequence[tuple[int, str]] = (),
    team_selected: Sequence[int] = (),
    team_page: int = 0,
    intro: str = "",
    files_note: str = "",
    notes: Sequence[str] = (),
) -> View:
    """The message that asks the holder of the current step to act, with its buttons.

    ``arrival`` is the event that brought the case to this step: a return shows its reason,
    a forward move its note (the next holder reads what the sender wrote)."""
    step = definition.step(case.step)
    role = definition.role(step.actor)
    lines = []
    if intro in INTROS:
        lines += [INTROS[intro].format(case=case.id), ""]
    for note in notes:
        lines += [note, ""]
    lines += [case_heading(definition, case), "", step_line(definition, step)]
    lines.append(
        f"Pelaksana: {t.e(role.name)} · Waktu penyelesaian: {t.minutes_text(step.time_minutes)}"
    )
    lines.append(f"<i>{t.e(step.activity)}</i>")
    if arrival is not None and arrival.to_step == case.step:
        by = by_whom(definition, arrival, names.get(arrival.actor, f"ID {arrival.actor}"))
        if arrival.type is EventType.RETURNED:
            lines += [
                "",
                f"↩️ <b>Dikembalikan untuk diperbaiki</b> oleh {by} pada "
                f"{zone.tanggal_jam(arrival.at)}.",
                f"Alasan: <blockquote>{t.e(arrival.reason)}</blockquote>",
            ]
        elif arrival.note:
            lines += ["", f"📝 Catatan dari {by}:", f"<blockquote>{t.e(arrival.note)}</blockquote>"]
    keyboard: Keyboard = []

    def button(label: str, op: Op, arg: str = "") -> tuple[str, str]:
        return label, Callback(op, case.id, case.step, case.version, arg).encode()

    missing = missing_inputs(definition, case, step)
    if step.kind is StepKind.REVIEW:
        lines += ["", "Dokumen yang diperiksa:", document_checklist(definition, case, step.inputs)]
        lines += ["", "Mohon berkenan memeriksa dan memberikan keputusan."]
        keyboard.append(
            [button(t.BTN_APPROVE, Op.REVIEW, "a"), button(t.BTN_RETURN, Op.REVIEW, "k")]
        )
    elif step.kind in (StepKind.ACTION, StepKind.UPLOAD):
        docs = (*step.inputs, *step.uploads)
        if docs:
            lines += ["", "Kelengkapan:", document_checklist(definition, case, docs)]
        if step.uploads and missing:
            lines += [
                "",
                "Silakan mengirim dokumen yang belum ada sebagai <b>file</b> di obrolan ini.",
            ]
        if not missing:
            if step.kind is StepKind.UPLOAD:
                nxt = definition.role(definition.step(step.on_approve or step.id).actor).name
                keyboard.append([button(t.BTN_SUBMIT_DRAFTS.format(role=nxt), Op.SUBMIT_DRAFTS)])
            elif step.id == definition.first_step.id:
                keyboard.append([button(t.BTN_SUBMIT, Op.FORWARD)])
            else:
                keyboard.append([button(t.BTN_FORWARD, Op.FORWARD)])
                keyboard.append([button(t.BTN_FORWARD_NOTE, Op.FORWARD, "n")])
    elif step.kind is StepKind.TEAM:
        team = next((r.name for r in definition.roles if r.shared), "Tim")
        lines += ["", f"Silakan memilih anggota {t.e(team)}, kemudian tetapkan tim."]
        if not team_candidates:
            lines.append(
                f"<i>Belum ada pegawai terdaftar dengan peran {t.e(team)}. "
                "Mohon hubungi administrator.</i>"
            )
        pages = -(-len(team_candidates) // TEAM_PAGE) or 1
        page = min(max(team_page, 0), pages - 1)
        for person_id, name in team_candidates[page * TEAM_PAGE : (page + 1) * TEAM_PAGE]:
            mark = "☑️" if person_id in team_selected else "⬜"
            keyboard.append([button(f"{mark} {name}"[:60], Op.TEAM_TOGGLE, str(person_id))])
        if pages > 1:
            chosen = [name for person_id, name in team_candidates if person_id in team_selected]
            lines.append(
                f"Terpilih ({len(chosen)}): {t.e(', '.join(chosen))}" if chosen else "Terpilih: -"
            )
            keyboard.append(
                [
                    button("‹", Op.TEAM_PAGE, str((page - 1) % pages)),
                    button(f"{page + 1}/{pages}", Op.TEAM_PAGE, str(page)),
                    button("›", Op.TEAM_PAGE, str((page + 1) % pages)),
                ]
            )
        if team_selected:
            keyboard.append([button(t.BTN_TEAM_DONE, Op.TEAM_DONE)])
    elif step.kind is StepKind.ARCHIVE:
        lines += [
            "",
            "Dokumen final untuk didokumentasikan:",
            document_checklist(definition, case, step.inputs),
        ]
        keyboard.append([button(t.BTN_ARCHIVE, Op.ARCHIVE)])
    if files_note:
        lines += ["", files_note]
    return View(t.fit("\n".join(lines)), keyboard)


def decided_text(original: str, outcome: str) -> str:
    """The pressed message after a decision: what it asked, then who decided what, when."""
    return t.fit(f"{original}\n\n{outcome}")


ACTION_WORDS = {
    EventType.STARTED: "memulai berkas",
    EventType.FILE_ATTACHED: "mengunggah dokumen",
    EventType.COMPLETED: "meneruskan",
    EventType.APPROVED: "menyetujui",
    EventType.RETURNED: "mengembalikan untuk diperbaiki",
    EventType.TEAM_FORMED: "menetapkan {team}",
    EventType.TEAM_CHANGED: "mengalihkan keanggotaan {team}",
    EventType.ARCHIVED: "mengarsipkan",
    EventType.WITHDRAWN: "menarik kembali",
    EventType.CANCELLED: "membatalkan berkas",
}


# What happened, said of the case ("Diteruskan oleh ..."): the passive that "oleh" needs
OUTCOME_WORDS = {
    EventType.STARTED: "✔️ Dimulai",
    EventType.FILE_ATTACHED: "✔️ Diunggah",
    EventType.COMPLETED: "✔️ Diteruskan",
    EventType.APPROVED: "✅ Disetujui",
    EventType.RETURNED: "↩️ Dikembalikan",
    EventType.TEAM_FORMED: "✔️ {team} ditetapkan",
    EventType.TEAM_CHANGED: "✔️ Keanggotaan {team} dialihkan",
    EventType.ARCHIVED: "✔️ Diarsipkan",
    EventType.WITHDRAWN: "⏪ Ditarik kembali",
    EventType.CANCELLED: "✖️ Dibatalkan",
}


def team_name(definition: SopDefinition) -> str:
    """The team as the SOP names its shared role ("Tim Penyusunan"), for what a team step
    did."""
    return next((r.name for r in definition.roles if r.shared), "Tim")


def action_text(
    definition: SopDefinition,
    event: Event,
    name_of: Callable[[int], str],
    escape: Callable[[str], str] = lambda text: text,
) -> str:
    """What the event's actor did, as the history and the Dokumentasi say it ("menetapkan
    Tim Penyusunan"); a member's place passed on names both. ``escape``: for HTML."""
    text = ACTION_WORDS[event.type].format(team=escape(team_name(definition)))
    if event.type is EventType.TEAM_CHANGED:
        left, joined = int(event.data["left"]), int(event.data["joined"])
        text += f" dari {escape(name_of(left))} kepada {escape(name_of(joined))}"
    return text


def outcome_line(definition: SopDefinition, event: Event, actor_name: str, zone: OfficeZone) -> str:
    icon = OUTCOME_WORDS[event.type].format(team=t.e(team_name(definition)))
    line = (
        f"{icon} oleh {by_whom(definition, event, actor_name)} pada {zone.tanggal_jam(event.at)}."
    )
    if event.reason:
        line += f"\nAlasan: {t.e(event.reason)}"
    if event.note:
        line += f"\nCatatan: {t.e(event.note)}"
    return line


def moved_line(definition: SopDefinition, case: Case, move: Event) -> str:
    """Where the case went, for the person who moved it."""
    if not case.is_open:
        return ""
    holder = t.e(definition.role(definition.step(case.step).actor).name)
    if move.type in (EventType.COMPLETED, EventType.APPROVED):
        return f"Berkas diteruskan kepada {holder}."
    if move.type is EventType.RETURNED:
        return f"Berkas dikembalikan kepada {holder}."
    return ""


def history_lines(
    definition: SopDefinition,
    events: Sequence[Event],
    names: Mapping[int, str],
    zone: OfficeZone,
) -> list[str]:
    lines = []
    for ev in events:
        if ev.type is EventType.FILE_ATTACHED:
            detail = f" {t.e(ev.data.get('name', ''))} (v{ev.data.get('version')})"
        else:
            detail = ""
        who = by_whom(definition, ev, names.get(ev.actor, f"ID {ev.actor}"))
        action = action_text(definition, ev, lambda p: names.get(p, f"ID {p}"), t.e)
        line = f"{zone.tanggal_jam(ev.at)} · L{ev.step} · {who} {action}{detail}"
        if ev.reason:
            line += f" — {t.e(ev.reason[:200])}"
        if ev.note:
            line += f" — catatan: {t.e(ev.note[:200])}"
        lines.append(line)
    return lines
