"""The SOP as an official reads it (/sop): the form's identity, its steps with who acts and
in what time, and the sections of its first page (Dasar Hukum ... Pencatatan dan Pendataan).

The text is the definition's, as the deployment runs it (time norms with the config's
overrides); the steps the reader acts in are marked. Plain functions of the definition:
the handler sends what they return, in as many messages as it takes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from bot import texts as t
from bot.core.definition import SopDefinition, SopHeader


def sop_text(definition: SopDefinition, my_roles: Collection[str] = ()) -> str:
    """The whole SOP: identity, steps, then the first page's sections (those it fills)."""
    header = definition.header
    parts = ["\n".join(_identity(header)), "\n\n".join(_steps(definition, my_roles))]
    parts.extend(_sections(header))
    return "\n\n".join(parts)


def sop_choices(definitions: Iterable[SopDefinition]) -> str:
    """A line per SOP, naming the command that shows it."""
    return "\n".join(
        t.SOP_CHOICE.format(code=t.e(d.code), name=t.e(d.header.name)) for d in definitions
    )


def _identity(header: SopHeader) -> list[str]:
    lines = [t.SOP_TITLE.format(name=t.e(header.name))]
    if header.organisation:
        lines.append(t.SOP_UNIT.format(unit=t.e(header.organisation[-1])))
    if _given(header.number):
        lines.append(t.SOP_NUMBER.format(number=t.e(header.number)))
    if _given(header.approved_by):
        approved = t.SOP_APPROVED_BY.format(by=t.e(header.approved_by))
        if _given(header.approval_date):
            approved += t.SOP_APPROVED_ON.format(date=t.e(header.approval_date))
        lines.append(approved)
    if _given(header.revision_date):
        lines.append(t.SOP_REVISED_ON.format(date=t.e(header.revision_date)))
    return lines


def _steps(definition: SopDefinition, my_roles: Collection[str]) -> list[str]:
    head = t.SOP_STEPS_HEAD.format(norm=t.minutes_text(definition.norm_minutes))
    if any(s.actor in my_roles for s in definition.steps):
        head += t.SOP_STEPS_MINE_NOTE
    lines = [head]
    for step in definition.steps:
        line = t.SOP_STEP.format(
            label=t.e(definition.step_label(step.id)),
            role=t.e(definition.role(step.actor).name),
            norm=t.minutes_text(step.time_minutes),
            mine=t.SOP_STEP_MINE if step.actor in my_roles else "",
            activity=t.e(step.activity or step.title),
        )
        outputs = definition.names_in(step.outputs)
        if outputs:
            line += t.SOP_STEP_OUTPUT.format(
                outputs=", ".join(t.e(name) for name in outputs.values())
            )
        lines.append(line)
    return lines


def _sections(header: SopHeader) -> list[str]:
    listed = (
        (t.SOP_LEGAL_BASIS, header.legal_basis),
        (t.SOP_QUALIFICATIONS, header.qualifications),
        (t.SOP_RELATED, header.related_sops),
        (t.SOP_EQUIPMENT, header.equipment),
    )
    sections = [
        f"<b>{title}</b>\n"
        + "\n".join(t.SOP_ITEM.format(n=n, item=t.e(item)) for n, item in enumerate(items, start=1))
        for title, items in listed
        if items
    ]
    for title, text in ((t.SOP_WARNING, header.warning), (t.SOP_RECORDS, header.record_keeping)):
        if _given(text):
            sections.append(f"<b>{title}</b>\n{t.e(text)}")
    return sections


def _given(value: str) -> bool:
    """A header field the form fills: not blank, not the form's "-" for none."""
    return value.strip() not in ("", "-")
