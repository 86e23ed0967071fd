"""A paper row: the paper rendered (by the application's :class:`PaperMaker`) and kept with
the case, its recipients' files rows queued; what it went without, and a template that does
not fill, told to the administrators."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot import texts as t
from bot.core.model import EventType
from bot.filestore import FileStore
from bot.outbox.courier import Courier
from bot.outbox.files import Wait
from bot.papers.registry import bundles
from bot.papers.render import TemplateFailed
from bot.services import effects
from storage import repo
from storage.db import Tx

log = logging.getLogger("bot.outbox")  # the package's one logger, as before it was split

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class LeftOut:
    """A stored file a paper was to hold and does not (a final document the archive bundle
    goes without), or a paper of the case never written (``path`` empty, ``name`` its label,
    :data:`bot.texts.UNWRITTEN_PAPER`; ``job``: its outbox row, as :class:`Unwritten`'s):
    ``why`` is a key of :data:`bot.texts.LEFT_OUT_WHY`."""

    name: str
    path: str
    why: str
    job: int = 0


@dataclass(frozen=True)
class RenderedPaper:
    doc: str
    file_name: str
    data: bytes
    left_out: tuple[LeftOut, ...] = ()  # the person it records and the admins are told
    # what officials call it, as the notices name it (bot.texts.UNWRITTEN_PAPER: "Lembar
    # Pemeriksaan langkah 3 (ke-1)"); empty: named by its file
    label: str = ""


@dataclass(frozen=True)
class Unwritten:
    """A paper of the case the archive bundle is to hold that was not written: its job (a
    ``paper`` for the case's event ``seq``) given up, or still held by a fault of the bot's
    own when the bundle could wait no longer; ``why`` ("unwritten", "late") is a key of
    :data:`bot.texts.LEFT_OUT_WHY`; ``job``: its outbox row (0: not known), which keeps
    that the bundle went without it (:func:`storage.repo.note_left_out`)."""

    paper: str
    seq: int
    why: str
    job: int = 0


class PaperMaker(Protocol):
    async def make(
        self, case_id: int, paper: str, seq: int, unwritten: Sequence[Unwritten] = ()
    ) -> list[RenderedPaper]: ...


# How long an archive bundle waits for a paper of its case still being written (held by a
# fault of the bot's own: such a fault is retried until it clears) before it goes without
# it, and says so: by default (papers.bundle_wait_minutes, :attr:`PaperRows.bundle_wait`).
# A paper that fails of itself is given up long before (a template that does not fill at
# once, any other error after 20 attempts, about 15 minutes).
BUNDLE_WAIT = timedelta(minutes=30)
WAITING_SINCE = "waiting_since"  # in a bundle's job: when it first waited for a paper


class PaperRows:
    def __init__(
        self,
        courier: Courier,
        files: FileStore,
        maker: PaperMaker | None,
        admins: Sequence[int],
        bundle_wait: timedelta = BUNDLE_WAIT,
    ) -> None:
        self.courier, self.files, self.maker, self.admins = courier, files, maker, admins
        # how long an archive bundle waits for a paper still being written (0: never)
        self.bundle_wait = bundle_wait

    async def make(self, item: repo.OutboxItem) -> None:
        """Render a paper and keep it with the case (its recipients' rows wait for it). A
        row of a release before schema 3 names its recipients itself: each gets a files
        row for the paper, as one queued today would. A paper an archive bundle of its case
        went without (:meth:`_unwritten`) is sent, once written, to whoever received that
        bundle, as a supplement to it (:meth:`_supplement`)."""
        p = item.params
        assert item.case_id is not None
        kind, seq = str(p["paper"]), int(p["seq"])
        recipients = [int(person) for person in p.get("recipients", ())]
        unwritten = await self._unwritten(item) if bundles(kind) else []
        made: list[RenderedPaper] = []
        if self.maker is not None:
            made = await self.maker.make(item.case_id, kind, seq, unwritten)
        saved = [
            (paper, await self.files.save(item.case_id, paper.file_name, paper.data))
            for paper in made
        ]
        now = self.courier.clock.now()
        case_id = item.case_id
        left_out = [gone for paper in made for gone in paper.left_out]
        labels = {gone.job: gone.name for gone in left_out if gone.job}
        label = next((paper.label for paper in made if paper.label), "")
        # a paper written as the bundle read the case's papers is in it: not "without"
        if late := [gone for gone in unwritten if gone.why == "late" and gone.job in labels]:
            log.warning(
                "archive bundle of case %s goes without papers still held after %s: %s",
                case_id,
                self.bundle_wait,
                ", ".join(f"{gone.paper} (event {gone.seq})" for gone in late),
            )
        for gone in left_out:
            log.warning(
                "paper %s of case %s goes without file %r (%s): %s",
                kind,
                case_id,
                gone.name,
                gone.path,
                gone.why,
            )

        def record(tx: Tx) -> None:
            if left_out:
                self._tell_left_out(tx, case_id, seq, left_out, now)
            for gone in unwritten:
                # one the bundle does not name was written before it read the case's
                # papers (by another sender): the bundle holds it, and nothing follows
                if gone.job in labels and not repo.note_left_out(tx, gone.job, seq):
                    # written since the bundle was made without it: its supplement goes now
                    name = labels[gone.job]
                    self._supplement(tx, case_id, gone.seq, gone.paper, [seq], now, name)
            for paper, stored in saved:
                repo.add_file(
                    tx,
                    case_id=case_id,
                    doc=f"paper:{kind}",
                    kind="paper",
                    name=paper.file_name,
                    size=stored.size,
                    sha256=stored.sha256,
                    path=stored.relative,
                    uploaded_by=0,
                    now=now,
                    mime=DOCX_MIME if paper.file_name.endswith(".docx") else "application/zip",
                    source_seq=seq,
                )
            for person in dict.fromkeys(recipients):
                repo.enqueue(
                    tx, person, "files", now, case_id=case_id, params={"papers": [(seq, kind)]}
                )
            went_without = repo.settle_paper_job(tx, item.id, now)
            if went_without and saved:
                self._supplement(tx, case_id, seq, kind, went_without, now, label)

        await self.courier.db.write(record)
        self.courier.wake()

    async def _unwritten(self, item: repo.OutboxItem) -> list[Unwritten]:
        """What an archive bundle goes without of the papers of its case queued before it
        (its own earlier versions aside: a corrected bundle replaces them). It does not
        overtake a paper still being written (a fault of the bot's own holds it for a
        retry): it waits for it (:class:`Wait`), up to :attr:`bundle_wait` from its first
        wait (not at all for none), then goes without it; a paper given up it goes without at once. Either is
        named in the bundle and told (:meth:`_tell_left_out`), never left out silently; its
        job keeps that the bundle went without it, to send it as a supplement once written."""
        assert item.case_id is not None
        db, now = self.courier.db, self.courier.clock.now()
        earlier = await db.read(repo.unwritten_papers, item.case_id, item.id)
        earlier = [job for job in earlier if not bundles(job.paper)]
        pending = [job for job in earlier if not job.failed]
        if pending:
            since = item.params.get(WAITING_SINCE)
            began = datetime.fromisoformat(since) if isinstance(since, str) else now
            if now < began + self.bundle_wait:
                if since is None:
                    await db.write(repo.note_waiting, item.id, WAITING_SINCE, now.isoformat())
                raise Wait(min(min(job.due for job in pending), began + self.bundle_wait))
        return [
            Unwritten(job.paper, job.seq, "unwritten" if job.failed else "late", job.id)
            for job in earlier
        ]

    async def failed(self, item: repo.OutboxItem, exc: TemplateFailed) -> None:
        """A template that does not fill fails the same way every time: the paper is given
        up at once (the rows waiting for it go without it), and the administrators are told
        which file and which placeholder, to mend it and check it with ``sopbot check``."""
        paper, case_id = str(item.params.get("paper", "")), item.case_id
        log.error("paper %s of case %s not written: %s", paper, case_id, exc)
        now = self.courier.clock.now()
        text = t.PAPER_TEMPLATE_FAILED.format(
            paper=t.e(paper),
            case=case_id,
            problem=t.e(t.clip(str(exc), 600)),
            advice=t.TEMPLATE_ADVICE.get(exc.key, ""),
        )

        def record(tx: Tx) -> None:
            repo.mark_failed(tx, item.id, now, f"TemplateFailed: {exc}"[:500])
            effects.tell_admins(tx, self.admins, [text], now)

        await self.courier.db.write(record)
        self.courier.wake()

    def _tell_left_out(
        self, tx: Tx, case_id: int, seq: int, left_out: list[LeftOut], now: datetime
    ) -> None:
        """A paper went without files it was to hold (the archive bundle without a final
        document gone from the files folder): the person whose decision it records (the
        archivist) and the administrators are told which, and why. A corrected bundle
        records the administrator's correction: it goes to, and is told to, the archivist
        who filed the case."""
        person = _bundle_reader(tx, case_id, seq)
        found = repo.people_by_ids(tx, [person]) if person is not None else {}
        name = found[person].display if person in found else t.UNNAMED.format(person=person)
        admin_text = "\n".join(
            t.FILE_LEFT_OUT_ADMIN.format(
                name=t.e(gone.name),
                case=case_id,
                why=t.LEFT_OUT_WHY[gone.why],
                path=t.e(gone.path),
                person=t.e(name),
            )
            if gone.path
            else t.FILE_UNWRITTEN_ADMIN.format(  # a paper never written has no file
                name=t.e(gone.name),
                case=case_id,
                why=t.LEFT_OUT_WHY[gone.why],
                person=t.e(name),
                advice=t.UNWRITTEN_ADVICE.get(gone.why, ""),
            )
            for gone in left_out
        )
        effects.tell_admins(tx, self.admins, [t.fit(admin_text)], now, besides=person or 0)
        if person is not None:
            text = "\n".join(
                t.FILE_LEFT_OUT.format(
                    name=t.e(gone.name),
                    case=case_id,
                    why=t.LEFT_OUT_WHY[gone.why],
                    then=t.LEFT_OUT_THEN.get(gone.why, ""),
                )
                for gone in left_out
            )
            repo.enqueue(
                tx,
                person,
                "notice",
                now,
                case_id=case_id,
                params={"t": "text", "text": t.fit(text)},
            )

    def _supplement(
        self,
        tx: Tx,
        case_id: int,
        seq: int,
        kind: str,
        bundles_seq: Sequence[int],
        now: datetime,
        label: str = "",
    ) -> None:
        """The paper ``kind`` of event ``seq``, written after the archive bundles of events
        ``bundles_seq`` went without it: whoever received each (the archivist who filed the
        case, who was told it lacks the paper) gets it in a files row of its own, its caption
        saying it is a supplement to the archive (:data:`storage.repo.SUPPLEMENT`); the
        administrators are told, the paper named by ``label`` as the bundle's notices named
        it (by its file names where there is none). A person who has it already is not sent
        it again (a files row never sends a document its person has)."""
        names = list(
            dict.fromkeys(f.name for f in repo.papers_for(tx, case_id, seq, [f"paper:{kind}"]))
        )
        readers = [_bundle_reader(tx, case_id, bundle) for bundle in bundles_seq]
        people = list(dict.fromkeys(p for p in readers if p is not None))
        if not names or not people:
            return
        log.info(
            "paper %s of case %s (event %s), which its archive bundle went without, is sent "
            "to %s as a supplement",
            kind,
            case_id,
            seq,
            people,
        )
        found = repo.people_by_ids(tx, people)
        for person in people:
            repo.enqueue(
                tx,
                person,
                "files",
                now,
                case_id=case_id,
                params={"papers": [(seq, kind)], repo.SUPPLEMENT: 1},
            )
            name = found[person].display if person in found else t.UNNAMED.format(person=person)
            text = t.PAPER_SUPPLEMENT_ADMIN.format(
                name=t.e(label or ", ".join(names)), case=case_id, person=t.e(name)
            )
            effects.tell_admins(tx, self.admins, [t.fit(text)], now, besides=person)


def _bundle_reader(tx: Tx, case_id: int, seq: int) -> int | None:
    """Who receives, and is told about, the archive bundle of the case's event ``seq``: the
    person whose decision it records (the archivist, or whoever completed the case); a
    corrected bundle records an administrator's correction, and goes to the archivist who
    filed the case."""
    event = repo.event_at(tx, case_id, seq)
    if event is None:
        return None
    if event.type is EventType.ARCHIVE_CORRECTED:
        return repo.archivist_of(tx, case_id)
    return event.actor
