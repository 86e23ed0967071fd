"""Pictures: the timeline sent with ``/status <nomor>``, and ``/laporan [periode]``, the SOP
evaluation report (chart and paper) for the heads of the unit and administrators."""

from __future__ import annotations

import logging

from telegram import Chat, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler

from bot import parsing
from bot import telegram_calls as calls
from bot import texts as t
from bot.context import SopApplication
from bot.core.definition import SopDefinition
from bot.outbox import UPLOAD_READ_TIMEOUT
from bot.papers.render import TemplateFailed
from bot.services.queries import CaseStatus
from bot.services.registry import SopRegistry
from bot.services.reports import PeriodRequest, head_names
from bot.views import listing
from handlers.common import Context, reply, reply_in_parts, topic_of, user_id

log = logging.getLogger(__name__)

MAX_CAPTION = 1024


def refused_report(definition: SopDefinition, sops: SopRegistry) -> str:
    """Who may ask for the SOP's report, read from its definition as /bantuan reads it: the
    heads of its hierarchy (the bureau's Karo and Kabag, a leave SOP's own) and the
    administrators."""
    who = [t.e(name) for name in head_names(definition, sops)]
    return t.REFUSED_REPORT.format(
        sop=t.e(definition.header.name), who=listing([*who, t.REPORT_WHO_ADMIN])
    )


def refused_reports(sops: SopRegistry) -> str:
    """``/laporan`` without a code from one who heads none of the SOPs: who may ask for
    each SOP's report."""
    lines = "\n".join(
        t.REPORT_WHO_LINE.format(
            sop=t.e(d.header.name),
            who=listing([*map(t.e, head_names(d, sops)), t.REPORT_WHO_ADMIN]),
        )
        for d in sops
    )
    return t.REFUSED_REPORTS.format(lines=lines)


def report_choices(definitions: list[SopDefinition], period: str) -> str:
    """``/laporan`` without a code from one who may ask for several SOPs' reports: the
    command of each, with the period they typed."""
    return t.REPORT_WHICH_SOP.format(
        choices="\n".join(
            t.REPORT_CHOICE.format(
                command=t.e(" ".join(["/laporan", d.code, *period.split()])),
                sop=t.e(d.header.name),
            )
            for d in definitions
        )
    )


async def send_status(update: Update, context: Context, found: CaseStatus, text: str) -> None:
    """``/status <nomor>``: the case's status in text at once; its timeline picture follows
    from a task of its own, so the official's next update does not wait the tenth of a
    second the drawing takes (PTB awaits such tasks when it stops). An update answered
    while the bot stops (PTB handles the ones still queued after it stopped running, and
    awaits no task created then) sends its picture before it counts as handled: a task
    would be cut off when the HTTP session and the database close."""
    await reply(update, text)
    chat = update.effective_chat
    if chat is None:
        return
    if context.application.running:
        context.application.create_task(
            _send_timeline(context, chat, found, topic_of(update)), update=update
        )
    else:
        await _send_timeline(context, chat, found, topic_of(update))


async def _send_timeline(
    context: Context, chat: Chat, found: CaseStatus, topic: int | None
) -> None:
    """The timeline picture of ``/status`` (in the forum ``topic`` asked in, if any); when
    it cannot be drawn or sent, the text stands alone (and the log says why)."""
    case_id = found.case.id
    try:
        picture = await context.services.reports.timeline(found)
    except Exception:
        log.warning(
            "timeline of case %s could not be drawn; /status answers in text only",
            case_id,
            exc_info=True,
        )
        return
    try:
        await calls.send_photo(
            context.bot,
            chat.id,
            InputFile(picture.png, filename=f"linimasa-berkas-{case_id}.png"),
            caption=t.fit(t.e(picture.caption), MAX_CAPTION),
            message_thread_id=topic,
            read_timeout=UPLOAD_READ_TIMEOUT,
        )
    except TelegramError as exc:
        log.warning("timeline of case %s not sent: %s", case_id, exc)


async def report(update: Update, context: Context) -> None:
    """``/laporan [periode]``: the chart (with the figures in its caption) and the paper."""
    svc = context.services
    args = list(context.args or [])
    # an SOP no file defines any more is reported on while its open cases run (as /status
    # lists them): their officials still account for them
    running = [*svc.sops.codes(), *(d.code for d in svc.sops.retired())]
    codes = {code.lower(): code for code in running}
    code = codes.get(args[0].lower(), "") if args else ""  # /laporan [kode SOP] [periode]
    typed = " ".join(args[1:] if code else args)
    today = svc.zone.day(svc.clock.now())
    parsed = parsing.report_period(typed, today)
    usage = t.USAGE_REPORT.format(**parsing.report_examples(today))
    if parsed is None:
        await reply(update, usage)
        return
    if parsed[0] > today:  # a period still to come has nothing to report (a slip of keys)
        await reply(update, t.FUTURE_REPORT.format(period=t.e(parsed[2])) + "\n" + usage)
        return
    if not code and len(svc.sops.codes()) > 1:  # the SOP the asker heads, or ask which
        allowed = await svc.reports.reportable(user_id(update))
        if len(allowed) != 1:
            await reply_in_parts(  # each SOP a line: in several messages rather than cut
                update,
                report_choices(allowed, typed) if allowed else refused_reports(svc.sops),
            )
            return
        code = allowed[0].code
    chat = update.effective_chat
    if chat is None:
        return
    result = await svc.reports.report(user_id(update), PeriodRequest(*parsed), code)
    definition = svc.sops.running(code) or svc.sops.default
    if not result.allowed:
        await reply(update, refused_report(definition, svc.sops))
        return
    # the summary is the chart's caption when it fits Telegram's 1,024 characters; a longer
    # one (many steps over their norm, returns with their reasons) follows the chart whole,
    # as a message, the chart captioned with its heading
    summary = result.summary
    apart = len(summary) > MAX_CAPTION
    caption = t.fit("\n".join(summary.split("\n")[:2]), MAX_CAPTION) if apart else summary
    if result.chart:
        try:
            await calls.send_photo(
                context.bot,
                chat.id,
                InputFile(result.chart, filename="grafik-evaluasi-sop.png"),
                caption=caption,
                message_thread_id=topic_of(update),
                read_timeout=UPLOAD_READ_TIMEOUT,
            )
        except TelegramError as exc:
            log.warning("report chart not sent: %s", exc)
            apart = True
    else:
        log.warning("report chart could not be drawn (%s); sent without it", result.chart_error)
        apart = True
    if apart:
        await reply_in_parts(update, summary)
    if result.paper_failed is not None:
        await _paper_failed(
            update, context, result.paper_failed, definition, parsed[2], result.asked_by
        )
        return
    try:
        await calls.send_document(
            context.bot,
            chat.id,
            InputFile(result.paper, filename=result.paper_name),
            caption=t.REPORT_PAPER_CAPTION.format(period=t.e(parsed[2])),
            message_thread_id=topic_of(update),
            read_timeout=UPLOAD_READ_TIMEOUT,
        )
    except TelegramError as exc:
        log.warning("report paper not sent: %s", exc)
        await reply(update, t.REPORT_PAPER_NOT_SENT)


async def _paper_failed(
    update: Update,
    context: Context,
    failed: TemplateFailed,
    definition: SopDefinition,
    period: str,
    asked_by: str,
) -> None:
    """The office's laporan.docx does not fill: the summary and the chart went out; the one
    who asked is told the paper could not be made, and the administrators which file and
    what is wrong in it, as the outbox tells them of a case's paper."""
    svc = context.services
    log.error("report paper not written: %s", failed)
    admins = svc.config.admins
    told = t.REPORT_PAPER_FAILED_TOLD if admins else t.REPORT_PAPER_FAILED_NO_ADMIN
    await reply(update, t.REPORT_PAPER_FAILED.format(told=told))
    # a head asking again before the template is mended tells them nothing new
    held = svc.report_template_alerts.take(str(failed)) if admins else None
    if held is not None:
        again = t.REPORT_TEMPLATE_FAILED_AGAIN.format(count=held) if held else ""
        await svc.outbox.tell_admins(
            t.REPORT_TEMPLATE_FAILED.format(
                sop=t.e(definition.header.name),
                period=t.e(period),
                who=t.e(asked_by),
                problem=t.e(t.clip(str(failed), 600)),
                advice=t.TEMPLATE_ADVICE.get(failed.key, ""),
            )
            + again
        )


def register(app: SopApplication) -> None:
    app.add_handler(CommandHandler("laporan", report))
