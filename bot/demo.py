"""The offline demo: the real bot against the Bot API emulator, officials played by script.

:class:`World` (emulator + real Application over HTTP on 127.0.0.1 + officials) is also the
harness of the end-to-end tests; :func:`play_sop` walks one case through all twelve steps
with one return, with a reason, at every review step.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts as t
from bot.app import build_application
from bot.clock import Clock, ManualClock
from bot.config import Config, parse_config
from bot.context import Services, SopApplication
from bot.core.model import CaseStatus
from bot.outbox import PaperMaker
from bot.services.reports import Charts
from bot.updates import ALLOWED_UPDATES
from emulator import BotApiEmulator, EmuMessage, EmuUser
from storage import repo

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:DEMO-offline-emulator-token-AAAAAAAAAAAA"
ADMIN_ID = 1000


@dataclass(frozen=True)
class Person:
    key: str
    telegram_id: int
    name: str
    nip: str
    position: str
    roles: tuple[str, ...]

    def entry(self, roles: Sequence[str] | None = None, **changes: Any) -> dict[str, Any]:
        """The person as a ``[[people]]`` entry of config.toml, with other ``roles`` or
        other values (``nip=...``) when given."""
        entry: dict[str, Any] = {
            "telegram_id": self.telegram_id,
            "name": self.name,
            "nip": self.nip,
            "position": self.position,
            "roles": list(self.roles if roles is None else roles),
        }
        return {**entry, **changes}


OFFICIALS = (
    Person("kasubag", 1001, "Dra. Siti Rahmawati, M.M.", "197803152005012003", "Kepala Subbagian Program dan Anggaran", ("kasubag",)),
    Person("kabag", 1002, "Budi Santoso, S.E., M.Si.", "197505102000031002", "Kepala Bagian Manajemen Kinerja", ("kabag",)),
    Person("karo", 1003, "Dr. Ir. Hendra Wijaya, M.P.A.", "196912201995031001", "Kepala Biro Perencanaan dan Manajemen Kinerja", ("karo",)),
    Person("tim1", 1004, "Ayu Lestari, S.Kom.", "199001012015032001", "Analis Perencanaan", ("tim",)),
    Person("tim2", 1005, "Rudi Hartono, S.E.", "198807072014021002", "Analis Anggaran", ("tim",)),
    Person("fu", 1006, "Dewi Anggraini", "199205052019032004", "Pengelola Arsip", ("fungsional_umum",)),
)  # fmt: skip
# Appointed Plh Karo in the demo's second case (an official of another division, no role here).
ACTING = Person(
    "plh", 1007, "Drs. Agus Salim, M.Si.", "197108171998031004", "Kepala Bagian Umum", ()
)


def world_config(out: Path, base_url: str, **sections: Any) -> Config:
    raw: dict[str, Any] = {
        "sops": [str(ROOT / "sops" / "penyusunan-program-kerja.toml")],
        "admins": [ADMIN_ID],
        "bot": {"api_base_url": base_url},
        "storage": {"database": str(out / "sopbot.sqlite3"), "files_dir": str(out / "files")},
        "people": [p.entry() for p in (*OFFICIALS, ACTING)],
    }
    for key, value in sections.items():
        raw[key] = {**raw.get(key, {}), **value} if isinstance(value, dict) else value
    return parse_config(raw, base_dir=out)


FAST_SENDER = {
    "per_second": 200.0,
    "per_chat_per_second": 100.0,
    "per_chat_burst": 50.0,
    "max_backoff": 0.5,
}


class World:
    """The emulator, the real bot talking HTTP to it, and the officials as emulator users."""

    def __init__(
        self,
        out: Path,
        *,
        clock: Clock | None = None,
        sender: dict[str, float] | None = None,
        papers: PaperMaker | None = None,
        charts: Charts | None = None,
        **config_sections: Any,
    ) -> None:
        self.out = out
        self.clock = clock
        self.papers = papers
        self.charts = charts
        self.sender = FAST_SENDER if sender is None else sender
        self.config_sections = config_sections
        self.emu = BotApiEmulator(token=TOKEN, bot_username="sopbot_demo_bot")
        self.app: SopApplication | None = None
        self.users: dict[str, EmuUser] = {}

    async def __aenter__(self) -> World:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        await self.emu.start()
        self.config = world_config(self.out, self.emu.base_url, **self.config_sections)
        for p in (*OFFICIALS, ACTING):
            self.users[p.key] = self.emu.user(p.telegram_id, p.name.split(",")[0], username=p.key)
        self.users["admin"] = self.emu.user(ADMIN_ID, "Admin", username="admin")
        await self.start_bot()

    def reload_config(self) -> Config:
        """The config read again (after a test edited a file it names)."""
        return world_config(self.out, self.emu.base_url, **self.config_sections)

    async def start_bot(self) -> None:
        app = build_application(
            self.config,
            TOKEN,
            clock=self.clock,
            papers=self.papers,
            sender_options=self.sender,
            charts=self.charts,
        )
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES
        )
        self.app = app

    async def stop_bot(self) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        with contextlib.suppress(Exception):
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
        with contextlib.suppress(Exception):
            if app.running:
                await app.stop()
        with contextlib.suppress(Exception):
            await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)

    async def stop(self) -> None:
        await self.stop_bot()
        await self.emu.stop()

    @property
    def services(self) -> Services:
        assert self.app is not None
        return self.app.services

    def __getitem__(self, key: str) -> EmuUser:
        return self.users[key]

    async def everyone_starts(self) -> None:
        for user in self.users.values():
            await user.send("/start")
            await user.wait_message(timeout=10)

    async def case_status(self, case_id: int) -> CaseStatus | None:
        case = await self.services.db.read(repo.load_case, case_id)
        return case.status if case else None

    async def drained(self, within: float = 10.0) -> None:
        """Wait until the outbox has nothing pending."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            counts = await self.services.db.read(repo.outbox_counts)
            if counts["pending"] == 0:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError(f"outbox not drained: {counts}")


def names_case(text: str, case_id: int) -> bool:
    """Whether a message is about this case ("Berkas #1", not "Berkas #12")."""
    return re.search(rf"Berkas #{case_id}(?!\d)", text) is not None


def has_button(label: str, case_id: int | None = None) -> Callable[[EmuMessage], bool]:
    def check(m: EmuMessage) -> bool:
        if case_id is not None and f"Berkas #{case_id}" not in m.text:
            return False
        return any(label in text for text in m.button_texts)

    return check


def draft(name: str, version: int = 1) -> bytes:
    """A small real .docx standing in for a draft the team writes."""
    import io

    from docx import Document

    document = Document()
    document.add_heading(name, 1)
    document.add_paragraph(f"Versi {version}. Disusun oleh Tim Penyusunan.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class Script:
    """Actions of the officials, each waiting for the bot as a person would.

    ``pace``, when given, is called with the person's key before each of their actions
    (a decision, an upload, a new case): the demo moves its clock on there, so that the
    case takes working days, as it would in an office, and its timeline shows them."""

    def __init__(
        self, world: World, timeout: float = 15.0, pace: Callable[[str], None] | None = None
    ) -> None:
        self.w, self.timeout, self.pace = world, timeout, pace

    def _think(self, who: str) -> None:
        if self.pace is not None:
            self.pace(who)

    async def press(self, who: str, label: str, case_id: int) -> EmuMessage:
        user = self.w[who]
        wanted = has_button(label, case_id)

        def on_screen() -> list[EmuMessage]:
            return [m for m in user.bot_messages if wanted(m)]

        # the newest message showing the button: a new task, or one just edited
        await self.w.emu.wait_until(lambda: bool(on_screen()), timeout=self.timeout)
        self._think(who)  # the task is there (the bot has done the last action): think
        message = on_screen()[-1]
        button = next(text for text in message.button_texts if label in text)
        await user.press(message, button, timeout=self.timeout)
        return message

    async def answer_prompt(self, who: str, text: str, case_id: int | None = None) -> None:
        """Type the answer to the question the task message now shows (reason, note, ...);
        with ``case_id``, the question asked on that case's task message (in a world of
        several cases, not one asked on an older case's)."""
        await self.seen(
            who,
            lambda m: (
                "silakan ketik" in m.text
                and bool(m.button_texts)
                and (case_id is None or names_case(m.text, case_id))
            ),
        )
        await self.w[who].send(text)

    async def new_case(self, title: str, year: int) -> int:
        self._think("kasubag")
        user = self.w["kasubag"]
        await user.send("/baru")
        asked = await user.wait_message(lambda m: "judul" in m.text, timeout=self.timeout)
        await user.send(title)
        await self.w.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=self.timeout)
        await user.send(str(year))
        await self.w.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=self.timeout)
        return int(asked.text.split("Berkas #", 1)[1].split()[0])

    async def upload(
        self, who: str, case_id: int, name: str, data: bytes, expect: str | None = None
    ) -> EmuMessage:
        """Send a file; wait until the bot takes it (its reaction on the file) or, with
        ``expect``, for the bot's answer that contains ``expect``."""
        self._think(who)
        user = self.w[who]
        sent = await user.send_document(data, file_name=name, caption=f"#{case_id}")
        if expect is None:
            await self.w.emu.wait_until(lambda: bool(sent.bot_reactions), timeout=self.timeout)
        else:
            await user.wait_message(lambda m: expect in m.text, timeout=self.timeout)
        return sent

    async def submit(self, title: str, year: int = 2027) -> int:
        """Step 1: Kasubag opens a case, attaches the Konsep Rencana Kerja and the TOR, and
        submits it (Ajukan); the case's number."""
        case_id = await self.new_case(title, year)
        await self.upload("kasubag", case_id, "Konsep Rencana Kerja.docx", draft(f"Konsep {title}"))
        await self.upload("kasubag", case_id, "TOR.docx", draft(f"TOR {title}"))
        await self.press("kasubag", "Ajukan", case_id)
        return case_id

    async def seen(self, who: str, check: Callable[[EmuMessage], bool]) -> EmuMessage:
        """Wait until a bot message in the person's chat shows ``check`` (new or edited)."""
        user = self.w[who]
        await self.w.emu.wait_until(
            lambda: any(check(m) for m in user.bot_messages), timeout=self.timeout
        )
        return next(m for m in reversed(user.bot_messages) if check(m))

    async def correct_profile(self, who: str, name: str, nip: str, position: str) -> None:
        """The official corrects their data: /saya, "Perbaiki data", the three answers."""
        user = self.w[who]
        user.mark_seen()
        await user.send("/saya")
        mine = await user.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=self.timeout)
        await user.press(mine, t.BTN_FIX_PROFILE)
        await user.wait_message(lambda m: "Perbaikan data" in m.text, timeout=self.timeout)
        for answer in (name, nip, position):
            user.mark_seen()
            await user.send(answer)
            await user.wait_message(timeout=self.timeout)

    async def review_return(self, who: str, case_id: int, reason: str) -> None:
        await self.press(who, "Kembalikan", case_id)
        await self.answer_prompt(who, reason, case_id)
        # the case's task message now shows the decision
        await self.seen(
            who,
            lambda m: (
                "↩️ Dikembalikan oleh" in m.text
                and reason[:30] in m.text
                and names_case(m.text, case_id)
            ),
        )

    async def approve(self, who: str, case_id: int) -> None:
        await self.press(who, "Setujui", case_id)

    async def to_the_drafts(self, case_id: int, team: Sequence[str] = ("Ayu", "Rudi")) -> None:
        """A submitted proposal through steps 2 to 5 without a return: Kabag and Karo
        approve, Kabag forwards, Kasubag forms the team (by the members' button labels: Ayu
        and Rudi) and step 6 follows."""
        await self.approve("kabag", case_id)
        await self.approve("karo", case_id)
        await self.press("kabag", "Teruskan", case_id)
        for member in team:
            await self.press("kasubag", member, case_id)
        await self.press("kasubag", "Tetapkan tim", case_id)


RETURN_REASONS = {
    2: "TOR belum mencantumkan jadwal pelaksanaan; mohon dilengkapi.",
    3: "Rencana Kerja agar diselaraskan dengan Renstra 2025-2029 sebelum diteruskan.",
    7: "Draf RKAKL belum memuat rincian belanja per output; mohon diperbaiki.",
    8: "Paraf Kasubag belum disertai catatan pemeriksaan atas draf Penetapan Kinerja.",
    9: "Target indikator kinerja pada draf Penetapan Kinerja agar dikoreksi sesuai pagu.",
}


async def play_sop(
    world: World,
    *,
    with_returns: bool = True,
    title: str | None = None,
    year: int = 2027,
    pace: Callable[[str], None] | None = None,
    archive: bool = True,
) -> int:
    """One case through all twelve steps; with_returns: one return at every review step.
    ``archive=False`` stops when the case waits for the archivist (step 12)."""
    s = Script(world, pace=pace)
    case = await s.new_case(
        title or f"Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro TA {year}", year
    )
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep Rencana Kerja"))
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    await s.press("kasubag", "Ajukan", case)
    if with_returns:  # step 2: Kabag returns the proposal; Kasubag corrects the TOR
        await s.review_return("kabag", case, RETURN_REASONS[2])
        await world["kasubag"].wait_message(
            lambda m: RETURN_REASONS[2][:30] in m.text, timeout=s.timeout
        )
        await s.upload("kasubag", case, "TOR.docx", draft("TOR", 2))
        await s.press("kasubag", "Ajukan", case)
    await s.approve("kabag", case)
    if with_returns:  # step 3: Karo returns to Kabag, who approves again
        await s.review_return("karo", case, RETURN_REASONS[3])
        await s.approve("kabag", case)
    await s.approve("karo", case)
    await s.press("kabag", "Teruskan", case)  # step 4
    await s.press("kasubag", "Ayu", case)  # step 5: pick both team members
    await s.press("kasubag", "Rudi", case)
    await s.press("kasubag", "Tetapkan tim", case)
    # Ayu drafts from her task, as an official does: she sends files once it has come
    # (the SK and the skeletons before it), not as soon as the bot can take them
    step_6 = f"Langkah 6 dari 12 · Berkas #{case}"
    await s.seen("tim1", lambda m: m.text.split("\n", 1)[0].endswith(step_6))
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("tim1", case, name, draft(name))  # step 6
    await s.upload("tim2", case, "Bahan pendukung.pdf", b"%PDF-1.4 bahan")
    await s.press("tim2", "Serahkan draf", case)
    if with_returns:  # step 7: Kasubag returns the drafts to the team
        await s.review_return("kasubag", case, RETURN_REASONS[7])
        # both members have the return before Ayu sends the corrected RKAKL and hands it
        # in: a task whose step moved on before it went is not sent (the tests read what
        # each member received)
        for member in ("tim1", "tim2"):
            await s.seen(member, lambda m: RETURN_REASONS[7][:30] in m.text)
        await s.upload("tim1", case, "Draf RKAKL.docx", draft("Draf RKAKL", 2))
        await s.press("tim1", "Serahkan draf", case)
    await s.approve("kasubag", case)
    if with_returns:  # step 8: Kabag returns to Kasubag, who approves again
        await s.review_return("kabag", case, RETURN_REASONS[8])
        await s.approve("kasubag", case)
    await s.approve("kabag", case)
    if with_returns:  # step 9: Karo returns to Kabag
        await s.review_return("karo", case, RETURN_REASONS[9])
        await s.approve("kabag", case)
    await s.approve("karo", case)  # signature
    await s.press("kabag", "Teruskan", case)  # step 10
    await s.press("kasubag", "dengan catatan", case)  # step 11, with a note
    await s.answer_prompt("kasubag", "Mohon diarsipkan pada map Perencanaan TA 2027.")
    if not archive:
        await world["fu"].wait_message(has_button("Arsipkan", case), timeout=s.timeout)
        return case
    await s.press("fu", "Arsipkan", case)  # step 12
    await s.answer_prompt("fu", f"ARS/PK/{year}/{case:03d}")
    await world["kasubag"].wait_message(
        lambda m: "selesai dan diarsipkan" in m.text, timeout=s.timeout
    )
    return case


async def play_acting(world: World, year: int = 2028) -> int:
    """A case while Karo is on leave: the administrator appoints a Plh Karo, who decides step
    3 (the Lembar Disposisi names "Plh."); at step 9 (signing the RKAKL allocates the budget:
    definitive only) the Plh is told the definitive Karo must sign, and Karo signs."""
    s = Script(world)
    admin = world["admin"]
    await admin.send(
        f"/plh karo {ACTING.telegram_id} 31-12-{year} cuti tahunan; ND.45/SJ/XII/{year}"
    )
    await admin.wait_message(lambda m: "ditetapkan" in m.text, timeout=s.timeout)
    case = await s.new_case(
        f"Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro TA {year}", year
    )
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep Rencana Kerja"))
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    await s.press("kasubag", "Ajukan", case)
    await s.approve("kabag", case)
    await s.approve("plh", case)  # step 3, decided by the Plh Karo
    await s.press("kabag", "Teruskan", case)
    await s.press("kasubag", "Ayu", case)
    await s.press("kasubag", "Tetapkan tim", case)
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("tim1", case, name, draft(name))
    await s.press("tim1", "Serahkan draf", case)
    await s.approve("kasubag", case)
    await s.approve("kabag", case)
    # step 9: the Plh is told the definitive Karo must sign; Karo has the task
    await s.seen("plh", lambda m: f"Berkas #{case}" in m.text and "pejabat definitif" in m.text)
    await s.approve("karo", case)
    await s.press("kabag", "Teruskan", case)
    await s.press("kasubag", "Teruskan", case)
    await s.press("fu", "Arsipkan", case)
    await s.answer_prompt("fu", f"ARS/PK/{year}/001")
    await admin.send("/akhiri_plh karo")
    await admin.wait_message(lambda m: "diakhiri" in m.text, timeout=s.timeout)
    await world.emu.wait_until(
        lambda: any(
            "diarsipkan" in m.text for m in world["kasubag"].bot_messages if f"#{case}" in m.text
        ),
        timeout=s.timeout,
    )
    return case


@dataclass(frozen=True)
class MessageCount:
    """What the six officials of the SOP received: new messages (an album of N counts N)."""

    received: dict[str, int]
    resent: int  # files that reached the same person twice in the same version

    @property
    def total(self) -> int:
        return sum(self.received.values())


def count_messages(world: World) -> MessageCount:
    received = {p.key: world[p.key].received_count() for p in OFFICIALS}
    resent = 0
    for p in OFFICIALS:
        seen: set[tuple[str, str]] = set()
        for m in world[p.key].bot_messages:
            if m.document is None:
                continue
            key = (str(m.document.get("file_name")), hashlib.sha256(m.file_bytes()).hexdigest())
            resent += key in seen
            seen.add(key)
    return MessageCount(received, resent)


BASELINE_MESSAGES = 135
"""Messages the six officials received on the main path before issue 14 (bench/README.md)."""


# The demo's office days: it starts on a Monday morning and each official takes about this
# many working minutes before acting (varied by a fixed seed, so every run is the same).
DEMO_START = datetime(2026, 11, 2, 8, 15, tzinfo=ZoneInfo("Asia/Jakarta"))
THINKING_MINUTES = {"kasubag": 150, "kabag": 210, "karo": 330, "tim1": 1500, "tim2": 900, "fu": 200}


def office_pace(world: World, clock: ManualClock, seed: int = 17) -> Callable[[str], None]:
    """Moves ``clock`` on by the working time an official takes before acting."""
    rng = random.Random(seed)

    def pace(who: str) -> None:
        minutes = round(THINKING_MINUTES.get(who, 60) * rng.uniform(0.4, 1.4))
        calendar = world.services.calendar
        clock.set(calendar.next_working_moment(calendar.add_working_minutes(clock.now(), minutes)))

    return pace


async def save_pictures(world: World, case_id: int, out: Path, wait: float = 30.0) -> list[str]:
    """Karo asks for the case's /status and for /laporan; what Karo receives is saved:
    the timeline (PNG), the report chart (PNG) and the report paper (.docx)."""
    karo = world["karo"]
    karo.mark_seen()
    await karo.send(f"/status {case_id}")
    photo = await karo.wait_message(lambda m: m.photo is not None, timeout=wait)
    await karo.wait_message(lambda m: "Riwayat" in m.text, timeout=wait)
    saved = {f"linimasa-berkas-{case_id}.png": photo.file_bytes()}
    await karo.send("/laporan")
    chart = await karo.wait_message(lambda m: m.photo is not None, timeout=wait)
    paper = await karo.wait_message(lambda m: m.document is not None, timeout=wait)
    name = str((paper.document or {}).get("file_name") or "laporan-evaluasi-sop.docx")
    saved[name.removesuffix(".docx") + ".png"] = chart.file_bytes()
    saved[name] = paper.file_bytes()

    def write() -> None:  # off the event loop: the bot runs on it
        for file_name, data in saved.items():
            (out / file_name).write_bytes(data)

    await asyncio.to_thread(write)
    return list(saved)


def demo_world(out: Path, clock: ManualClock) -> World:
    """The demo's world, without reminders. The demo's clock moves hours between two
    actions while the reminder sweep runs on the wall clock (1 s after start, then every
    minute): a reminder came by chance, when that first sweep met a step run over its norm
    on the demo's clock, and the count of messages with it."""
    return World(out, clock=clock, reminders={"enabled": False})


async def run_demo(out: Path, quiet: bool = False) -> int:
    if (out / "sopbot.sqlite3").exists():
        for name in ("sopbot.sqlite3", "sopbot.sqlite3-wal", "sopbot.sqlite3-shm"):
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / "files", ignore_errors=True)
    clock = ManualClock(DEMO_START)
    world = demo_world(out, clock)
    lines: list[str] = []

    def show(event: Any) -> None:
        line = event.describe()
        lines.append(line)
        if not quiet:
            print(line, flush=True)

    world.emu.on_event(show)
    async with world:
        await world.everyone_starts()
        try:
            case_id = await play_sop(world, pace=office_pace(world, clock))
            await world.drained()
            counted = count_messages(world)
            clock.set(clock.now() + timedelta(hours=1))  # Karo looks at it an hour later
            pictures = await save_pictures(world, case_id, out)
            acting_case = await play_acting(world)
            await world.drained()
        except TimeoutError as exc:
            print(f"demo stopped: {exc}", file=sys.stderr)
            return 1
        status = await world.case_status(case_id)
        acting_status = await world.case_status(acting_case)
        store = world.services.files
        papers = [
            f
            for number in (case_id, acting_case)
            for f in await world.services.db.read(repo.files_of_case, number)
            if f.kind == "paper"
        ]

        def copy() -> list[str]:  # off the event loop: the bot still runs on it
            for f in papers:
                shutil.copyfile(store.resolve(f.path), out / f.name)
            return [f.name for f in papers]

        copied = await asyncio.to_thread(copy)
    (out / "transcript.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    per_person = ", ".join(f"{key} {n}" for key, n in counted.received.items())
    print(
        f"\nCase #{case_id}: {status.value if status else 'missing'}; "
        f"case #{acting_case} (Plh Karo): {acting_status.value if acting_status else 'missing'}; "
        f"{len(copied)} papers and {len(pictures)} pictures and reports "
        f"({', '.join(pictures)}) in {out}\n"
        f"Messages officials received on the main path: {counted.total} "
        f"(before: {BASELINE_MESSAGES}; {per_person}); "
        f"files sent twice to the same person in the same version: {counted.resent}"
    )
    done = status is CaseStatus.ARCHIVED and acting_status is CaseStatus.ARCHIVED
    return 0 if done else 1
