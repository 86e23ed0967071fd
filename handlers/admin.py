"""Administration: invitation links, role listing, revoking and reassigning, cancelling,
correcting an archive number."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import parsing
from bot import texts as t
from bot.callbacks import Callback, Op, decode
from bot.context import SopApplication
from bot.core.model import CancelCase, Case, Command, CorrectArchiveReference, DomainError
from bot.core.text import is_blank
from bot.core.workflow import MAX_TEXT
from bot.menus import drop_admin_commands
from bot.outbox import keyboard_markup
from bot.papers.dates import tanggal
from bot.services.cases import AlreadyApplied, Outcome
from bot.services.queries import page_count, page_start
from bot.services.registry import SopRegistry
from bot.views import Keyboard, acting_grounds, acting_role, second_roles_text
from handlers.common import (
    Context,
    answer,
    edit_markup_quietly,
    edit_quietly,
    page_buttons,
    refusal_text,
    reply,
    reply_in_parts,
    user_id,
)
from storage.repo import Invite


def role_label(sops: SopRegistry, role: str, shown: str | None = None) -> str:
    """The role's name (or ``shown``, "Plh. Kabag") in HTML, with its id beside it when
    another role of the unit bears the same name: "Kabag (<code>kabag_umum</code>)", the
    code the administrator types in /cabut, /alihkan and /plh."""
    label = t.e(sops.role(role).name if shown is None else shown)
    if sops.has_role(role) and sops.name_shared(role):
        label += f" (<code>{t.e(role)}</code>)"
    return label


# the words between the first and the last day of a period copied from a letter, without
# their dots and slashes ("s.d.", "s/d", "sd.", "S/D." are all "sd")
PERIOD_WORDS = frozenset({"sd", "sampai", "hingga", "-", "–", "—"})
# the longest a Plh or Plt is appointed for, with its extension (3 + 3 months, SE Kepala BKN
# No. 1/SE/I/2021): a first day typed without its year is not put back further than this
# before the end ("19 Desember s.d. 12 Desember" is two days swapped, not almost a year)
LONGEST_PERIOD = timedelta(days=184)
INVITES_PER_PAGE = 10  # /undangan lists this many open invitations a page
MAX_ACTING_REASON = 300
MAX_ACTING_LETTER = 100
MANY_HOLDERS = 5  # /peran lists the holders of a role held by more one a line


async def _require_admin(update: Update, context: Context) -> bool:
    if context.services.cases.is_admin(user_id(update)):
        return True
    await reply(update, t.ADMIN_ONLY)
    # a former administrator's menu may still offer the command: Telegram keeps it until
    # it is deleted (the start deletes those it knows of)
    people, uid = context.services.people, user_id(update)
    if people.first_refusal(uid) and await drop_admin_commands(context.bot, uid):
        await people.mark_admin_menu(uid, False)
    return False


def who(names: dict[int, str], person_id: int) -> str:
    """A person as the administrator reads them: "Drs. Agus Salim, M.Si. (ID 1007)", or
    "ID 1007" for someone the bot knows no name of (HTML)."""
    name, unnamed = names.get(person_id, ""), t.UNNAMED.format(person=person_id)
    if not name or name == unnamed:
        return unnamed
    return t.NAMED.format(name=t.e(name), person=person_id)


def _role_ids(context: Context) -> list[str]:
    return [r.id for r in context.services.sops.roles]


async def invite(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    svc = context.services
    roles = _role_ids(context)
    args = context.args or [""]
    role = args[0].lower()
    usage = t.USAGE_INVITE.format(roles=", ".join(roles))
    if role not in roles:
        await reply(update, usage)
        return
    if len(args) > 1:  # "/undang kabag 1007": the link is not his alone, so none is made
        await reply(update, f"{t.INVITE_FOR_ANYONE.format(role=t.e(role))}\n\n{usage}")
        return
    try:
        invite = await svc.people.invite(user_id(update), role, update.update_id)
    except AlreadyApplied:
        return  # put back after a crash, applied already: answered then
    link = f"https://t.me/{context.bot.username}?start={invite.token}"
    await reply(
        update,
        t.INVITE_LINK.format(
            role=role_label(svc.sops, role),
            until=svc.zone.tanggal_jam(invite.expires_at),
            link=t.e(link),
        ),
        reply_markup=keyboard_markup([[withdraw_button(invite)]]),
    )


# a withdraw button's version: on the reply to /undang, or on a page of /undangan (its
# step then holds the page, shown again as it now is once the invitation is withdrawn)
ON_INVITE, ON_LIST = 0, 1


def withdraw_button(invite: Invite, page: int | None = None) -> tuple[str, str]:
    """The button that ends ``invite``: on the reply to /undang, or on ``page`` of
    /undangan."""
    where = (0, ON_INVITE) if page is None else (page, ON_LIST)
    data = Callback(Op.WITHDRAW_INVITE, 0, *where, invite.ref).encode()
    return t.BTN_WITHDRAW_INVITE, data


async def list_invites(update: Update, context: Context) -> None:
    """/undangan: the invitations nobody has used yet, each with a button that ends it (a
    link sent to the wrong person, or forwarded, is the key to a role until it expires),
    :data:`INVITES_PER_PAGE` a page, with page buttons."""
    if not await _require_admin(update, context):
        return
    text, keyboard = await invites_view(context, 0)
    await reply(update, text, reply_markup=keyboard_markup(keyboard))


async def invites_view(context: Context, page: int) -> tuple[str, Keyboard]:
    """A page of /undangan (the last one when ``page`` is past it): how many invitations
    are open, and a line and a withdraw button for each on the page."""
    svc = context.services
    invites = await svc.people.open_invites()
    if not invites:
        return t.NO_OPEN_INVITES, []
    pages = page_count(len(invites), INVITES_PER_PAGE)
    page, first = page_start(len(invites), page, INVITES_PER_PAGE)
    shown = invites[first : first + INVITES_PER_PAGE]
    names = await svc.queries.names([i.created_by for i in shown])
    lines = [
        t.OPEN_INVITES_HEAD.format(count=len(invites))
        + (t.LIST_PAGE.format(page=page + 1, pages=pages) if pages > 1 else "")
    ]
    keyboard: Keyboard = []
    for n, invite in enumerate(shown, first + 1):
        lines.append(
            t.OPEN_INVITE_LINE.format(
                n=n,
                role=role_label(svc.sops, invite.role),
                by=who(names, invite.created_by),
                created=svc.zone.tanggal_jam(invite.created_at),
                until=svc.zone.tanggal_jam(invite.expires_at),
            )
        )
        label, data = withdraw_button(invite, page)
        keyboard.append([(f"{n}. {label}", data)])
    if nav := page_buttons(Op.INVITE_PAGE, page, pages):
        keyboard.append(nav)
    return "\n".join(lines), keyboard


async def _admin_button(update: Update, context: Context, op: Op) -> Callback | None:
    """An administrator's button of kind ``op``, decoded; None once the press is answered
    as refused (not an administrator, or data that is not such a button)."""
    query = update.callback_query
    assert query is not None
    if not context.services.cases.is_admin(user_id(update)):
        await answer(update, t.ADMIN_ONLY, alert=True)
        return None
    cb = decode(query.data)
    if cb is None or cb.op is not op:
        await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)
        return None
    return cb


async def show_invites_page(update: Update, context: Context) -> None:
    """A page button of /undangan: the same message shows the other page (a list too old
    for the bot to see it, an InaccessibleMessage: a new message shows the page)."""
    query = update.callback_query
    assert query is not None
    cb = await _admin_button(update, context, Op.INVITE_PAGE)
    if cb is None:
        return
    await answer(update)
    text, keyboard = await invites_view(context, parsing.case_number(cb.arg or "0") or 0)
    if query.message is None or not query.message.is_accessible:
        await reply(update, text, reply_markup=keyboard_markup(keyboard))
        return
    await edit_quietly(query.message, text, keyboard_markup(keyboard))


async def withdraw_invite(update: Update, context: Context) -> None:
    """The button that ends an open invitation: its link no longer admits anyone. On a page
    of /undangan, the same message shows that page as it now is (the invitation gone, the
    count and the numbers right); on the reply to /undang, the button goes."""
    query = update.callback_query
    assert query is not None
    svc = context.services
    cb = await _admin_button(update, context, Op.WITHDRAW_INVITE)
    if cb is None:
        return
    ended = await svc.people.withdraw_invite(cb.arg)
    message = query.message
    if isinstance(message, Message) and cb.version == ON_LIST:
        text, keyboard = await invites_view(context, cb.step)
        await edit_quietly(message, text, keyboard_markup(keyboard))
    elif isinstance(message, Message) and message.reply_markup is not None:
        rows = [
            [(b.text, str(b.callback_data)) for b in row]
            for row in message.reply_markup.inline_keyboard
            if not any(b.callback_data == query.data for b in row)
        ]
        await edit_markup_quietly(message, keyboard_markup(rows))
    if ended is None:
        await answer(update, t.ANS_INVITE_GONE)
        return
    await answer(update, t.ANS_INVITE_WITHDRAWN)
    await reply(
        update,
        t.INVITE_WITHDRAWN.format(
            role=role_label(svc.sops, ended.role), created=svc.zone.tanggal_jam(ended.created_at)
        ),
    )


async def list_roles(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    svc = context.services
    holders, history = await svc.people.roles_overview()
    lines = [t.ROLES_HEAD.format(unit=t.e(svc.config.organisation.unit_name))]
    for role in svc.sops.roles:
        held = [
            f"{t.e(p.display)} (<code>{p.telegram_id}</code>)" for p in holders.get(role.id, [])
        ]
        if len(held) > MANY_HOLDERS:  # a team of many: one a line
            lines.append(
                t.ROLES_LINE_MANY.format(role=role_label(svc.sops, role.id), count=len(held))
            )
            lines.extend(f"   – {person}" for person in held)
        else:
            holders_text = ", ".join(held) or t.ROLES_NO_HOLDER
            lines.append(
                t.ROLES_LINE.format(role=role_label(svc.sops, role.id), holders=holders_text)
            )
    appointments = await svc.acting.listing()
    now = svc.clock.now()
    names = await svc.queries.names(
        [a.person_id for a in appointments[-10:]]
        + [p for r, to in history[-10:] for p in (r.person_id, to) if p is not None]
    )
    if appointments:
        lines.append(t.ROLES_ACTING_HEAD)
        for a in appointments[-10:]:
            state = t.ROLES_ACTING_STATE[
                "in_force" if a.in_force(now) else ("ended" if a.ends_at <= now else "planned")
            ]
            lines.append(
                t.ROLES_ACTING_LINE.format(
                    title=role_label(svc.sops, a.role, acting_role(svc.sops, a.role, a.kind)),
                    who=who(names, a.person_id),
                    starts=svc.zone.tanggal_jam(a.starts_at),
                    ends=t.last_day(a.ends_at, svc.zone),
                    state=state,
                    reason=acting_grounds(a, svc.zone),
                )
            )
    if history:

        def named(role: str) -> str:  # a role no longer defined: its id
            return role_label(svc.sops, role) if svc.sops.has_role(role) else t.e(role)

        lines.append(t.ROLES_REVOKED_HEAD)
        for ended, to in history[-10:]:
            assert ended.revoked_at is not None
            line = dict(
                who=who(names, ended.person_id),
                role=named(ended.role),
                when=svc.zone.tanggal_jam(ended.revoked_at),
            )
            if to is None:
                lines.append(t.ROLES_REVOKED_LINE.format(**line))
            else:
                lines.append(t.ROLES_MOVED_LINE.format(to=who(names, to), **line))
    await reply_in_parts(update, "\n".join(lines))  # every holder, in as many messages


async def revoke(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    args = context.args or []
    person = parsing.telegram_id(args[0]) if len(args) == 2 else None
    role = args[1].lower() if len(args) == 2 else ""
    if person is None or role not in _role_ids(context):
        await reply(update, t.USAGE_REVOKE)
        return
    try:
        revoked = await context.services.people.revoke(
            user_id(update), person, role, update.update_id
        )
    except AlreadyApplied:
        return  # put back after a crash, applied already: answered then
    role_name = role_label(context.services.sops, role)
    if revoked is None:
        refused = await _acting_instead(context, role, person)
        if refused is None:  # named as every administrator's answer names a person
            names = await context.services.queries.names([person])
            refused = t.REVOKE_NOT_HOLDER.format(who=who(names, person), role=role_name)
        await reply(update, refused)
        return
    # as every administrator's answer names a person: "Budi (ID 1002)", or "ID 1002"
    text = t.REVOKED.format(role=role_name, holder=who({person: revoked.name}, person))
    if revoked.vacant:
        # only the tasks nobody holds wait: an acting official in force holds the others
        waiting = (
            t.TASKS_WAITING_FOR_NO_ONE.format(count=revoked.waiting) if revoked.waiting else ""
        )
        text += t.REVOKED_VACANT.format(role=role_name, waiting=waiting)
        if (acting := revoked.acting) is not None:
            names = await context.services.queries.names([acting.person_id])
            text += t.REVOKED_ACTING_KEEPS.format(
                kind=acting.kind.capitalize(),
                role=role_name,
                who=who(names, acting.person_id),
                until=t.last_day(acting.ends_at, context.services.zone),
                end=t.REVOKED_ACTING_EXCEPT if revoked.waiting else ".",
            )
        text += t.REVOKED_INVITE_NEW.format(role=t.e(role))
    if revoked.stranded:
        text += "\n" + t.TEAM_LEFT_WAITING.format(
            cases=t.case_numbers(revoked.stranded),
            role=role_name,
            role_id=t.e(role),
            person=person,
        )
    await reply(update, text)


async def _acting_instead(context: Context, role: str, person: int) -> str | None:
    """Why a person named in /cabut or /alihkan as the role's holder is not, when he is
    its Plh or Plt in force: what he is, until when, and the command that ends it (None
    when he is not)."""
    svc = context.services
    now = svc.clock.now()
    for a in await svc.acting.listing(person):
        if a.role == role and a.in_force(now):
            names = await svc.queries.names([person])
            return t.NOT_HOLDER_BUT_ACTING.format(
                who=who(names, person),
                role=role_label(svc.sops, role),
                title=role_label(svc.sops, role, acting_role(svc.sops, role, a.kind)),
                until=t.last_day(a.ends_at, svc.zone),
                role_id=t.e(role),
            )
    return None


async def reassign(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    args = context.args or []
    if len(args) != 3 or args[0].lower() not in _role_ids(context):
        await reply(update, t.USAGE_REASSIGN)
        return
    role, old, new = args[0].lower(), parsing.telegram_id(args[1]), parsing.telegram_id(args[2])
    if old is None or new is None:
        await reply(update, t.USAGE_REASSIGN)
        return
    if new == context.bot.id:  # an id copied from the bot's chat: no official's
        await reply(update, t.ADMIN_BOT_ITSELF.format(person=new, what=t.ADMIN_BOT_ITSELF_REASSIGN))
        return
    svc = context.services
    role_name = role_label(svc.sops, role)
    try:
        result = await svc.people.reassign(user_id(update), role, old, new, update.update_id)
    except AlreadyApplied:
        return  # put back after a crash, applied already: answered then
    names = await svc.queries.names([old, new])
    if result.status == "not_holder":
        acting = await _acting_instead(context, role, old)
        await reply(
            update, acting or t.REASSIGN_NOT_HOLDER.format(who=who(names, old), role=role_name)
        )
        return
    if result.status == "already":
        await reply(update, t.REASSIGN_HOLDER_ALREADY.format(who=who(names, new), role=role_name))
        return
    moved = (
        t.REASSIGN_TASKS_MOVED.format(tasks=result.tasks)
        if result.tasks
        else t.REASSIGN_TASKS_NONE_NEW
        if result.held_before
        else t.REASSIGN_TASKS_NONE
    )
    # a second holder of a shared role (a member of the same team) held it already
    held = t.REASSIGN_HELD_BEFORE if result.held_before else ""
    # Telegram refuses to write to someone who never pressed Start: say only who heard (a
    # revoked member whose team places pass on is not told again)
    old_told = result.old_held and result.old_started
    told = {
        (True, True): t.REASSIGN_TOLD_BOTH,
        (True, False): t.REASSIGN_TOLD_ONE.format(name=t.e(result.old_name)),
        (False, True): t.REASSIGN_TOLD_ONE.format(name=t.e(result.name)),
        (False, False): "",
    }[old_told, result.started]
    text = t.REASSIGNED.format(
        role=role_name, old=who(names, old), new=who(names, new), held=held, moved=moved, told=told
    )
    if (ended := result.acting_ended) is not None:
        title = role_label(svc.sops, role, acting_role(svc.sops, role, ended.kind))
        text += " " + t.ACTING_ENDED_HOLDER.format(whom=t.THE_PERSON_CONCERNED, title=title)
    if result.old_held and not result.old_started:  # their notice waits until they start
        text += "\n" + t.NOT_STARTED_NOT_TOLD.format(who=who(names, old))
    if not result.started:
        text += "\n" + (
            t.NOT_STARTED_WARNING
            if old_told or not result.old_held
            else t.NOT_STARTED_NOT_TOLD.format(who=who(names, new))
        )
    if warning := second_roles_text(
        who(names, new),
        role,
        new,
        result.second,
        partial(role_label, svc.sops),
        len(list(svc.sops)) > 1,
    ):
        text += "\n\n" + warning
    await reply(update, text)


async def _case_with_reason(
    update: Update, context: Context, *, before: int, usage: str, field: str
) -> tuple[Case, list[str], str] | None:
    """An administrator's command on a case with a reason: ``/<cmd> <berkas> <before - 1
    words> <alasan>``. The case, the words between its number and the reason, and the
    reason; None when refused (the usage, or what was wrong, answered)."""
    if not await _require_admin(update, context):
        return None
    args = context.args or []
    case_id = parsing.case_number(args[0]) if args else None
    reason = " ".join(args[before:])
    if case_id is None or not reason.strip():
        await reply(update, usage)
        return None
    if (refused := _refused_text(reason, field, MAX_TEXT)) is not None:
        await reply(update, f"{refused}\n\n{usage}")
        return None
    case = await context.services.queries.case(case_id)
    if case is None:
        await reply(update, t.CASE_NOT_FOUND.format(case=case_id))
        return None
    return case, args[1:before], reason


async def _execute(
    update: Update, context: Context, case: Case, command: Command
) -> Outcome | None:
    """The administrator's command on the case; None when it was refused (the refusal
    answered) or the update was applied before."""
    try:
        return await context.services.cases.execute(
            case.id, command, user_id(update), update_id=update.update_id
        )
    except AlreadyApplied:
        return None
    except DomainError as exc:
        closed = exc.code == "closed"  # typed: the case is named, the answer stands alone
        await reply(
            update, t.CASE_CLOSED_NAMED.format(case=case.id) if closed else refusal_text(exc)
        )
        return None


async def cancel_case(update: Update, context: Context) -> None:
    found = await _case_with_reason(
        update, context, before=1, usage=t.USAGE_CANCEL, field=t.ADMIN_FIELD_CANCEL_REASON
    )
    if found is None:
        return
    case, _, reason = found
    if await _execute(update, context, case, CancelCase(case.version, reason)) is None:
        return
    await reply(update, t.CASE_CANCELLED_BY_ADMIN.format(case=case.id))


async def correct_archive_number(update: Update, context: Context) -> None:
    """/ubah_arsip: an archived case's number, mistyped at step 12, corrected with a reason
    (recorded in the case's history); the Dokumentasi and the archive bundle are written
    again with it and sent to the archivist."""
    found = await _case_with_reason(
        update, context, before=2, usage=t.USAGE_ARCHIVE_FIX, field=t.ADMIN_FIELD_ARCHIVE_REASON
    )
    if found is None:
        return
    case, [number], reason = found
    command = CorrectArchiveReference(case.version, number, reason)
    if (outcome := await _execute(update, context, case, command)) is None:
        return
    [event] = outcome.events
    await reply(
        update,
        t.ARCHIVE_CORRECTED.format(
            case=case.id, old=t.e(event.data["old"]), new=t.e(event.data["reference"])
        ),
    )


def example_year(today: date) -> int:
    """The year of the acting examples (the usage, a date or a period not read): that of
    the next 19 December, so that every day they name (12 to 31 December) is still to
    come, or began a period still running: an example typed as shown is not refused as
    past, years after this release."""
    return today.year if (today.month, today.day) <= (12, 19) else today.year + 1


def _split_date(args: list[str], today: date) -> tuple[date, list[str]] | None:
    """The end date at the head of ``args`` (one to three words: "31-12-2026",
    "31 Desember 2026", "31 Des"), and the words after it."""
    for words in (3, 2, 1):
        if len(args) >= words and (day := parsing.indonesian_date(" ".join(args[:words]), today)):
            return day, args[words:]
    return None


def _split_period(args: list[str], today: date) -> tuple[date | None, date, list[str]] | str | None:
    """The period at the head of ``args``: an end date (:func:`_split_date`), or a period
    copied from a letter, "12 Desember 2026 s.d. 19 Desember 2026" (also "sampai (dengan)",
    "hingga", a dash), whose later date is its end (a first day typed without its year is
    the one before the end, at most :data:`LONGEST_PERIOD` before it). Its first day (None for an end date
    alone), its end and the words after it; None when no date heads ``args``; the words of
    the period when it cannot be read (no date after "s.d.", or one before the first)."""
    found = _split_date(args, today)
    if found is None:
        return None
    end, rest = found
    if not rest or _period_word(rest[0]) not in PERIOD_WORDS:
        return None, end, rest
    after = rest[2:] if rest[0].lower() == "sampai" and rest[1:2] == ["dengan"] else rest[1:]
    second = _split_date(after, today)
    if second is not None and second[0] < end:
        # a first day typed without its year is the one before the end, not the next to
        # come: "28 Desember s.d. 8 Januari" typed on 4 January began last December
        typed = args[: len(args) - len(rest)]
        earlier = _split_date(typed, second[0] - timedelta(days=365))
        if (
            earlier is not None
            and not earlier[1]
            and second[0] - LONGEST_PERIOD <= earlier[0] <= second[0]
        ):
            end = earlier[0]
    if second is None or second[0] < end:
        shown = len(after) - len(second[1]) if second else 3  # the second date, or a try
        return " ".join(args[: len(args) - len(after) + shown])
    return end, second[0], second[1]


def _period_word(word: str) -> str:
    """A word as :data:`PERIOD_WORDS` holds it: lower case, without dots and slashes (a lone
    dash stays a dash)."""
    bare = word.lower().replace(".", "").replace("/", "")
    return bare or word


def _date_words(args: list[str]) -> str:
    """What was typed as the end date: a day number with its month and year words
    ("31 Februari 2027"), else the one word ("31-02-2027", "kemarin")."""
    if args[0].isdigit():
        return " ".join(args[:3])
    return args[0]


def _refused_text(text: str, field: str, limit: int) -> str | None:
    """Why a typed reason or letter number is refused (None: it is accepted as typed; it is
    never cut short)."""
    if parsing.has_control_characters(text):
        return t.ADMIN_BAD_CHARACTERS.format(field=field)
    if len(text) > limit:
        return t.ADMIN_TEXT_TOO_LONG.format(field=field, length=len(text), limit=limit)
    return None


async def appoint_acting(update: Update, context: Context, kind: str) -> None:
    """/plh and /plt: an acting official for a role, until a date; given again for the
    acting official in force (same role, same kind) to a later date, it extends his
    appointment."""
    if not await _require_admin(update, context):
        return
    svc = context.services
    args = context.args or []
    roles = [r.id for r in svc.sops.roles if not r.shared]
    today = svc.zone.day(svc.clock.now())
    year = example_year(today)  # the examples name days still to come, whatever the year
    usage = t.USAGE_ACTING.format(kind=kind, roles=", ".join(roles), year=year)
    role = args[0].lower() if args else ""
    person = parsing.telegram_id(args[1]) if len(args) > 1 else None
    found = _split_period(args[2:], today) if len(args) > 2 else None
    if role in roles and person is not None and len(args) > 2 and found is None:
        await reply(
            update,
            t.ACTING_BAD_DATE.format(typed=t.e(t.clip(_date_words(args[2:]), 40)), year=year),
        )
        return
    if role not in roles or person is None or found is None:
        await reply(update, usage)
        return
    if isinstance(found, str):
        text = t.ACTING_BAD_PERIOD.format(typed=t.e(t.clip(found, 80)), kind=kind, year=year)
        await reply(update, text)
        return
    if person == context.bot.id:
        what = t.ADMIN_BOT_ITSELF_ACTING.format(kind=kind.capitalize())
        await reply(update, t.ADMIN_BOT_ITSELF.format(person=person, what=what))
        return
    first, until, rest = found
    reason, _, letter = " ".join(rest).partition(";")
    reason, letter = reason.strip(), letter.strip()
    if is_blank(reason):  # kept with who appointed whom and why: the why is not optional
        await reply(update, f"{t.ACTING_NO_REASON.format(kind=kind.capitalize())}\n\n{usage}")
        return
    refused = _refused_text(reason, t.ADMIN_FIELD_ACTING_REASON, MAX_ACTING_REASON)
    refused = refused or _refused_text(letter, t.ADMIN_FIELD_ACTING_LETTER, MAX_ACTING_LETTER)
    if refused is not None:
        await reply(update, f"{refused}\n\n{usage}")
        return
    try:
        result = await svc.acting.appoint(
            user_id(update), role, person, kind, until, reason, letter, update.update_id
        )
    except AlreadyApplied:
        return  # put back after a crash, applied already: answered then
    other = result.current
    names = await svc.queries.names([person] + ([other.person_id] if other else []))
    if result.status in ("busy", "planned") and other is not None:
        whom = f"{other.kind.capitalize()}. {who(names, other.person_id)}"
        last = t.last_day(other.ends_at, svc.zone)
        await reply(
            update,
            t.ACTING_BUSY.format(whom=whom, last=last, role=t.e(role))
            if result.status == "busy"
            else t.ACTING_OVERLAP.format(
                whom=whom, first=svc.zone.tanggal_jam(other.starts_at), last=last
            ),
        )
        return
    if result.status in ("shorter", "same", "config") and other is not None:
        whom = f"{other.kind.capitalize()}. {who(names, other.person_id)}"
        last = t.last_day(other.ends_at, svc.zone)
        template = {
            "shorter": t.ACTING_NOT_SHORTENED,
            "same": t.ACTING_UNCHANGED,
            "config": t.ACTING_EXTEND_IN_CONFIG,
        }[result.status]
        await reply(update, template.format(whom=whom, last=last, role=t.e(role)))
        return
    if result.status == "extended" and result.appointment is not None:
        a = result.appointment
        text = t.ACTING_EXTENDED.format(
            who=who(names, a.person_id),
            title=role_label(svc.sops, role, acting_role(svc.sops, role, a.kind)),
            until=t.last_day(a.ends_at, svc.zone),
            told=t.ACTING_EXTENDED_TOLD if result.started else "",
        )
        if not result.started:
            text += "\n" + t.NOT_STARTED_WARNING
        await reply(update, text)
        return
    if result.status != "ok" or result.appointment is None:
        await reply(update, t.ACTING_REFUSALS.get(result.status, usage))
        return
    a = result.appointment
    title = role_label(svc.sops, role, acting_role(svc.sops, role, a.kind))
    moved = (
        t.ACTING_TASKS_MOVED.format(tasks=result.tasks) if result.tasks else t.ACTING_NO_TASKS_MOVED
    )
    if result.vacant:
        definitive = t.ACTING_VACANT.format(role=role_label(svc.sops, role), role_id=t.e(role))
    elif not result.not_told:
        definitive = t.ACTING_DEFINITIVE_TOLD
    else:  # Telegram refuses to write to one who never pressed Start: the notice waits
        definitive = "\n".join(
            t.NOT_STARTED_NOT_TOLD.format(who=who({p.telegram_id: p.name}, p.telegram_id))
            for p in result.not_told
        )
    text = t.APPOINTED.format(
        who=who(names, a.person_id),
        title=title,
        until=t.last_day(a.ends_at, svc.zone),
        moved=moved,
        definitive=definitive,
    )
    if first is not None and first > today:
        text += t.ACTING_STARTS_NOW.format(first=tanggal(first), role=t.e(role))
    if not result.started:
        text += "\n" + t.NOT_STARTED_WARNING
    if warning := second_roles_text(
        who(names, a.person_id),
        role,
        a.person_id,
        result.second,
        partial(role_label, svc.sops),
        len(list(svc.sops)) > 1,
        title=title,
    ):
        text += "\n\n" + warning
    await reply(update, text)


async def appoint_plh(update: Update, context: Context) -> None:
    await appoint_acting(update, context, "plh")


async def appoint_plt(update: Update, context: Context) -> None:
    await appoint_acting(update, context, "plt")


async def end_acting(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    args = context.args or []
    svc = context.services
    role = args[0].lower() if len(args) == 1 else ""
    defined = role in _role_ids(context)
    # a role the SOP files no longer define keeps its appointment in force until ended here
    if not defined and not any(
        a.role == role and a.in_force(svc.clock.now()) for a in await svc.acting.listing()
    ):
        await reply(update, t.USAGE_END_ACTING)
        return
    try:
        ended = await svc.acting.end(user_id(update), role, update.update_id)
    except AlreadyApplied:
        return  # put back after a crash, applied already: answered then
    if ended is None:
        await reply(update, t.NO_ACTING_IN_FORCE)
        return
    appointment, handed = ended.appointment, ended.handed
    names = await svc.queries.names([appointment.person_id])
    title = role_label(svc.sops, role, acting_role(svc.sops, role, appointment.kind))
    text = t.ACTING_ENDED_BY_ADMIN.format(who=who(names, appointment.person_id), title=title)
    if not defined:  # no tasks of its own, nobody to invite to it
        text += "."
    elif ended.vacant:
        role_name = role_label(svc.sops, role)
        # no definitive holder to return to: the tasks wait for no one
        waiting = (
            t.ACTING_ENDED_WAITING.format(
                count=len(handed.waiting), cases=t.case_numbers(handed.waiting)
            )
            if handed.waiting
            else ""
        )
        text += t.ACTING_ENDED_VACANT.format(role=role_name, waiting=waiting, role_id=t.e(role))
    else:
        text += t.ACTING_ENDED_BACK
    await reply(update, text)


async def ask_correction(update: Update, context: Context) -> None:
    """/ubah_data <id>: the person is sent the "Perbaiki data" button, with a note that the
    administrator asked; they type their own data, and the administrator is told then."""
    if not await _require_admin(update, context):
        return
    args = context.args or []
    person = parsing.telegram_id(args[0]) if len(args) == 1 else None
    if person is None:
        await reply(update, t.USAGE_FIX)
        return
    svc = context.services
    try:
        profile = await svc.people.ask_correction(user_id(update), person, update.update_id)
    except AlreadyApplied:
        return  # put back after a crash, applied already: answered then
    if profile is None:
        await reply(update, t.FIX_NO_ROLE.format(person=person))
        return
    text = t.FIX_ASKED_ADMIN.format(who=who({person: profile.person.display}, person))
    if not profile.person.started_bot:
        text += "\n" + t.NOT_STARTED_WARNING
    await reply(update, text)


def register(app: SopApplication) -> None:
    app.add_handler(CommandHandler("undang", invite))
    app.add_handler(CommandHandler("undangan", list_invites))
    # before the buttons' own handler (registered later), which takes every other button
    app.add_handler(CallbackQueryHandler(withdraw_invite, pattern=r"^wi:"))
    app.add_handler(CallbackQueryHandler(show_invites_page, pattern=r"^ip:"))
    app.add_handler(CommandHandler("peran", list_roles))
    app.add_handler(CommandHandler("cabut", revoke))
    app.add_handler(CommandHandler("alihkan", reassign))
    app.add_handler(CommandHandler("batalkan", cancel_case))
    app.add_handler(CommandHandler("ubah_arsip", correct_archive_number))
    app.add_handler(CommandHandler("plh", appoint_plh))
    app.add_handler(CommandHandler("plt", appoint_plt))
    app.add_handler(CommandHandler("akhiri_plh", end_acting))
    app.add_handler(CommandHandler("ubah_data", ask_correction))
