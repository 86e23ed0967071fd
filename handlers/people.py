"""People: /start (with an invitation token), the profile dialogue, /saya and /bantuan."""

from __future__ import annotations

import re
import unicodedata

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import parsing
from bot import texts as t
from bot.callbacks import Callback, Op, decode
from bot.context import SopApplication
from bot.core.definition import Role
from bot.core.nip import NIP_DIGITS, bare_nip, digits_in
from bot.core.text import LINE_BREAKS
from bot.menus import set_admin_commands
from bot.outbox import keyboard_markup
from bot.services import reports
from bot.services.cases import AlreadyApplied
from bot.services.people import Profile, StartResult
from bot.views import acting_grounds, acting_role
from handlers.common import Context, answer, reply, reply_in_parts, user_id

TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PROFILE_LIMIT = 200  # characters of a name or a position (the service refuses a longer one)


async def start(update: Update, context: Context) -> None:
    svc = context.services
    uid = user_id(update)
    token = context.args[0] if context.args else ""
    mangled = bool(token) and not TOKEN.match(token)
    if mangled:
        await reply(update, t.INVITE_INVALID)
        token = ""
    user = update.effective_user
    try:
        result = await svc.people.start(
            uid, token, user.username if user else None, update.update_id
        )
    except AlreadyApplied:
        return  # put back after a crash, applied already (the gate asks again what it asked)
    try:
        await _welcome(update, context, result, told_invalid=mangled)
    finally:
        # what was queued for them (the tasks an invitation passed) follows the welcome
        # that explains it
        if result.queued:
            svc.people.wake_outbox()


async def _welcome(
    update: Update, context: Context, result: StartResult, told_invalid: bool = False
) -> None:
    """``told_invalid``: the link was answered as not valid already (a payload no token
    could be): a newcomer is not told besides that they are not registered."""
    svc = context.services
    uid = user_id(update)
    if result.invite_invalid:
        await reply(update, t.INVITE_INVALID)
    profile = result.profile
    if profile is None:
        if not (result.invite_invalid or told_invalid):
            await reply(update, t.no_access(uid, held=result.held))
        return
    # the chat exists now (README: /start)
    if profile.is_admin and await set_admin_commands(context.bot, uid):
        await svc.people.mark_admin_menu(uid, True)
    welcome = ""
    if result.invite_held:  # left for whom it was meant
        welcome = t.INVITE_HELD.format(role=t.e(result.invite_held)) + "\n\n"
    if result.invited_role:
        welcome = t.WELCOME_INVITED.format(role=t.e(result.invited_role))
        if result.passed_from:  # the role passed from its holder, with its waiting tasks
            old = t.e(", ".join(result.passed_from))
            if result.passed_not_told:  # never pressed Start: their notice waits until then
                not_told = t.e(", ".join(result.passed_not_told))
                welcome += " " + t.INVITE_PASSED_IN_NOT_TOLD.format(old=old, not_told=not_told)
            else:
                welcome += " " + t.INVITE_PASSED_IN.format(old=old)
            if result.passed_tasks:
                welcome += " " + t.ROLE_MOVED_TASKS_IN.format(tasks=result.passed_tasks)
            if result.passed_listed:  # the notice that lists them follows the welcome
                welcome += " " + t.ROLE_TASKS_LIST_FOLLOWS
        welcome += "\n\n"
    if result.asks_profile:
        await reply(update, welcome + t.PROFILE_BEFORE_START.format(question=t.ASK_NAME))
        return
    greeting = welcome or t.WELCOME_BACK.format(name=t.e(t.sentence(profile.person.display)))
    # a deployment of many SOPs names many roles: in several messages rather than cut
    await reply_in_parts(update, greeting + help_text(context, profile.is_admin))


def _typed(text: str) -> str:
    """A typed answer, NFKC-normalised and trimmed (a name's or position's runs of spaces
    are collapsed by parsing.one_line_title)."""
    return unicodedata.normalize("NFKC", text).strip()


async def profile_step(update: Update, context: Context, kind: str, text: str) -> None:
    """One answer of the profile dialogue (name → NIP → position)."""
    value = typed = _typed(text)
    # a NIP is made bare by the service (bot.core.nip), as the config's is
    if kind != "profile_nip":
        # as a title: no line breaks, control or direction marks, and some letter or digit
        # (a name of invisible characters showed as a blank team button and /peran entry);
        # kept with its runs of spaces collapsed ("Ma'ruf  Amin" is "Ma'ruf Amin")
        value = parsing.one_line_title(value, limit=PROFILE_LIMIT) or ""
        if parsing.only_a_number(value):  # a NIP (or any number) typed for a name: no name
            value = ""
    try:
        step = await context.services.people.profile_step(
            user_id(update), kind, value, update.update_id
        )
    except AlreadyApplied:
        return  # put back after a crash, applied already (the gate asks again what it asked)
    if step.refused:
        await reply(update, _bad_nip(typed) if kind == "profile_nip" else _bad_line(kind, typed))
    elif step.next_kind in ("profile_nip", "profile_position"):
        question = t.ASK_NIP if step.next_kind == "profile_nip" else t.ASK_POSITION
        if step.current is not None:  # a correction: what is kept now
            question += t.FIX_NOW.format(value=t.e(step.current))
        await reply(update, question)
    elif step.profile is not None:
        done = t.PROFILE_FIXED if step.corrected else t.PROFILE_DONE
        await reply(update, done.format(summary=summary(context, step.profile)))


def _bad_line(kind: str, typed: str) -> str:
    """Why a name or position was refused, and the question again. Two lines are refused,
    not joined: the second may be a second answer (a NIP, a position typed with the
    name) that would go unseen on every paper; the official retypes it on one line. Nor
    is a name or position of digits only (with the signs between them): a NIP typed a
    question early, or a number, names nobody on a paper; nor one without a letter or
    digit (emoji, punctuation), nor one holding a control character or a direction mark,
    which would turn the name around on every list that shows it."""
    ask, what = (
        (t.ASK_NAME, t.PROFILE_WHAT_NAME)
        if kind == "profile_name"
        else (t.ASK_POSITION, t.PROFILE_WHAT_POSITION)
    )
    if any(ch in LINE_BREAKS for ch in typed):
        return f"{t.PROFILE_ONE_LINE.format(what=what)}\n{ask}"
    length = len(" ".join(typed.split()))
    if length > PROFILE_LIMIT:
        too_long = t.PROFILE_TOO_LONG.format(what=what, limit=PROFILE_LIMIT, length=length)
        return f"{too_long}\n{ask}"
    if parsing.has_control_characters(typed):
        return f"{t.PROFILE_CONTROL_CHARACTERS.format(what=what)}\n{ask}"
    line = parsing.one_line_title(typed, limit=PROFILE_LIMIT)
    if line is None:  # no letter or digit: emoji, punctuation or invisible characters only
        return f"{t.PROFILE_NO_LETTERS.format(what=what)}\n{ask}"
    if parsing.only_a_number(line):
        after = t.PROFILE_NIP_AFTER_NAME if kind == "profile_name" else ""
        number = t.PROFILE_IS_A_NUMBER.format(typed=t.e(line), what=what, after=after)
        return f"{number}\n{ask}"
    return ask


def _bad_nip(value: str) -> str:
    """Why a typed NIP was refused: how many digits it had, or that it held more than
    digits and the spaces, dots and hyphens that group them."""
    digits = digits_in(bare_nip(value))
    if digits == 0:
        return t.BAD_NIP
    if digits != NIP_DIGITS:
        return t.BAD_NIP_DIGITS.format(digits=digits)
    return t.BAD_NIP_CHARACTERS


def fix_button(admin: int | None = None) -> tuple[str, str]:
    """The "Perbaiki data" button (of /saya, or of an administrator's /ubah_data)."""
    data = Callback(Op.FIX_PROFILE, 0, 0, 0, str(admin) if admin else "").encode()
    return t.BTN_FIX_PROFILE, data


async def fix_profile(update: Update, context: Context) -> None:
    """The "Perbaiki data" button: the profile questions again, as a correction (written
    when the last is answered; /batal keeps the data as it was)."""
    query = update.callback_query
    assert query is not None
    cb = decode(query.data)
    if cb is None or cb.op is not Op.FIX_PROFILE:
        await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)
        return
    admin = parsing.telegram_id(cb.arg) if cb.arg else None
    try:
        person = await context.services.people.start_correction(
            user_id(update), admin, update.update_id
        )
    except AlreadyApplied:
        await answer(update)
        return  # put back after a crash, applied already (the gate asks again what it asked)
    await answer(update)
    if person is None:
        await reply(update, t.no_access(user_id(update), held=False))
        return
    if not person.complete:  # never completed: asked as at the start, kept as answered
        await reply(update, t.PROFILE_COMPLETE_FIRST.format(question=t.ASK_NAME))
        return
    question = t.ASK_NAME + t.FIX_NOW.format(value=t.e(person.name or "-"))
    await reply(update, t.FIX_START.format(question=question))


def summary(context: Context, profile: Profile) -> str:
    definition = context.services.sops
    acting_now = {a.role for a in profile.acting}
    names = [
        definition.role(r).name
        for r in sorted(profile.roles)
        if definition.has_role(r) and r not in acting_now
    ]
    if profile.is_admin:
        names.append(t.ADMINISTRATOR)
    person = profile.person
    zone = context.services.zone
    text = t.PROFILE_SUMMARY.format(
        name=t.e(person.name or "-"),
        nip=t.e(person.nip or "-"),
        position=t.e(person.position or "-"),
        roles=t.e(", ".join(names) or "-"),
    )
    for a in profile.acting:
        title = acting_role(definition, a.role, a.kind)  # a role no longer defined: its id
        text += t.PROFILE_SUMMARY_ACTING.format(
            title=t.e(title),
            starts=zone.tanggal_jam(a.starts_at),
            ends=t.last_day(a.ends_at, zone),
            grounds=acting_grounds(a, zone),  # why, on what letter: as /peran shows them
        )
    return text


async def me(update: Update, context: Context) -> None:
    uid = user_id(update)
    profile = await context.services.people.get_profile(uid)
    if profile is None:
        await reply(update, t.no_access(uid, held=False))
        return
    registered = bool(profile.roles) or profile.is_admin
    await reply(
        update,
        t.MY_DATA.format(summary=summary(context, profile), person=uid),
        reply_markup=keyboard_markup([[fix_button()]] if registered else []),
    )


def _names(roles: list[Role]) -> str:
    return ", ".join(t.e(r.name) for r in dict.fromkeys(roles))


def help_text(context: Context, is_admin: bool) -> str:
    """The commands and roles, read from the SOPs this deployment runs."""
    sops = context.services.sops
    roles = "\n".join(
        t.HELP_ROLE_LINE.format(name=t.e(r.name), title=t.e(r.title)) for r in sops.roles
    )
    definitions = list(sops)
    starters = _names([sops.role(d.first_step.actor) for d in definitions])
    if len(definitions) == 1:
        runs = t.HELP_RUNS_ONE.format(name=t.e(definitions[0].header.name))
        new_case = t.HELP_NEW_CASE_ONE.format(starters=starters)
        sop_command = t.HELP_SOP_ONE
    else:
        sop_lines = "\n".join(
            t.HELP_SOP_LINE.format(name=t.e(d.header.name), code=t.e(d.code)) for d in definitions
        )
        runs = t.HELP_RUNS_MANY.format(sops=sop_lines)
        new_case = t.HELP_NEW_CASE_MANY.format(starters=starters)
        sop_command = t.HELP_SOP_MANY
    heads = ", ".join(t.e(name) for name in reports.head_names(sops.default, sops))
    svc = context.services
    year = parsing.report_examples(svc.zone.day(svc.clock.now()))["year"]
    text = t.HELP.format(
        runs=runs,
        new_case=new_case,
        sop_command=sop_command,
        heads=heads,
        roles=roles,
        report_year=year,
    )
    if is_admin:
        text += t.HELP_ADMIN
    return text


async def help_command(update: Update, context: Context) -> None:
    text = help_text(context, context.services.cases.is_admin(user_id(update)))
    await reply_in_parts(update, text)  # in several messages rather than cut


def register(app: SopApplication) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("saya", me))
    # before the buttons' own handler (registered later), which takes every other button
    app.add_handler(CallbackQueryHandler(fix_profile, pattern=r"^pd:"))
    app.add_handler(CommandHandler(["bantuan", "help"], help_command))
