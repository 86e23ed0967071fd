"""The outbox under Telegram failures: every row is delivered, in order per chat, and a row
is sent twice only where Telegram took it but its answer was lost.

The bot is the real Application talking HTTP to the emulator (``World``); the faults are the
emulator's (answers 500/502/429, hangs, dropped connections, outages). Rows are written by
the real service (officials pressing buttons) or, where a test needs exact control over
what is queued, with ``repo.enqueue`` in one write transaction, as the service does: short
messages (``notice`` rows of a given text), documents as an album or alone (``files``),
buttons removed (``strip``), and messages with buttons to remove (``text``, the kind of
rows written before rows were small, which the sender still delivers).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reliability_helpers import (
    Delivery,
    delivery,
    delivery_records,
    drained_as_time_passes,
    emulator_chats,
    fault_counts,
    outbox_rows,
    sqlite_file,
    until_nothing_due,
)
from telegram.error import NetworkError

from bot import texts as t
from bot.clock import ManualClock
from bot.config import DEFAULT_API_BASE_URL, max_upload_bytes
from bot.demo import FAST_SENDER, Script, World, draft, has_button, play_sop
from bot.messages import load_inputs
from bot.outbox import OutboxSender
from bot.outbox.courier import TOO_LARGE, says
from emulator import RateLimits
from emulator.server import ApiCall
from storage import repo
from storage.db import Tx

SENDING = ("sendMessage", "sendDocument", "sendMediaGroup", "editMessageReplyMarkup")
NGINX_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


Row = tuple[int, str, int | None, dict[str, Any]]  # chat, kind, case, params


async def enqueue(world: World, rows: list[Row]) -> list[int]:
    """Queue rows in one transaction, as the service does, and wake the sender; their ids."""
    svc = world.services
    now = svc.clock.now()

    def txn(tx: Tx) -> list[int]:
        first = int(tx.value("SELECT COALESCE(MAX(id), 0) FROM outbox")) + 1
        for chat, kind, case_id, params in rows:
            repo.enqueue(tx, chat, kind, now, case_id=case_id, params=params)
        return list(range(first, first + len(rows)))

    ids: list[int] = await svc.db.write(txn)
    svc.outbox.wake()
    return ids


def note(chat: int, text: str) -> Row:
    return chat, "notice", None, {"t": "text", "text": text}


def db_path(world: World) -> Path:
    return sqlite_file(world)


def check_delivered(world: World, *, duplicates_allowed: bool) -> Delivery:
    report = delivery(outbox_rows(db_path(world)), world.emu.calls, emulator_chats(world.emu))
    print(f"\n[outbox] {report.summary()}")
    assert not report.pending, report.summary()
    assert not report.failed, report.summary()
    assert not report.missing, report.summary()
    assert not report.out_of_order, report.out_of_order
    assert not report.unexplained, report.unexplained  # a duplicate only after a lost answer
    if not duplicates_allowed:
        assert not report.duplicated, report.duplicated
    return report


IN_FLIGHT = 0.05
"""Calls reaching Telegram this soon after a 429 left the bot before it read the 429."""


def calls_started_within(calls: list[ApiCall], start: float, end: float) -> list[ApiCall]:
    return [c for c in calls if c.method in SENDING and start + IN_FLIGHT < c.started < end]


async def test_every_fault_is_retried_until_delivered_once_and_in_order(tmp_path: Path) -> None:
    async with World(tmp_path / "w") as world:
        emu = world.emu
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.new_case("Uji gangguan pengiriman", 2027)
        await s.upload("kasubag", case_id, "Konsep Rencana Kerja.docx", draft("Konsep"))
        await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"))
        await s.upload("kasubag", case_id, "TOR.docx", draft("TOR", 2))
        konsep, tor1, tor2 = [
            f.id for f in await world.services.db.read(repo.files_of_case, case_id)
        ]
        chats = [world[k].id for k in ("kabag", "karo", "fu")]
        button = [[["Lihat", "x:1:1:1"]]]
        first = await enqueue(
            world,
            [
                (chat, "text", None, {"text": f"Tugas awal {i} untuk {chat}", "keyboard": button})
                for chat in chats
                for i in range(2)
            ],
        )
        await world.drained()
        shown = {r.id: r.message_id for r in outbox_rows(db_path(world)) if r.id in first}
        calls_before = len(emu.calls)

        emu.faults.fail(2, status=500, method="sendMessage")
        emu.faults.fail(1, status=502, method="sendMessage", body=NGINX_502)
        emu.faults.fail(1, status=429, retry_after=1, method="sendMessage")
        emu.faults.drop(1, method="sendMessage")  # lost before Telegram acted: no copy
        emu.faults.hang(1, seconds=0.5, method="sendMessage", execute="after")  # slow, answered
        emu.faults.hang(1, seconds=5.6, method="sendMessage", execute="before")  # read timeout
        emu.faults.fail(1, status=502, method="sendDocument")
        emu.faults.drop(1, method="sendDocument", execute=True)  # sent, answer lost: a copy
        emu.faults.hang(1, seconds=0.8, method="sendDocument", execute="never")  # then 502
        emu.faults.fail(1, status=500, method="sendMediaGroup")
        emu.faults.drop(1, method="sendMediaGroup", execute=True)  # an album twice
        emu.faults.fail(1, status=500, method="editMessageReplyMarkup")
        emu.faults.drop(1, method="editMessageReplyMarkup", execute=True)
        injected = sum(rule.remaining for rule in emu.faults.rules)  # calls to meet a fault

        batch: list[Row] = []
        old = iter(first)
        for chat in chats:
            for i in range(8):
                if i in (2, 6):
                    batch.append((chat, "strip", None, {"message_id": shown[next(old)]}))
                elif i == 1:  # two documents: an album
                    batch.append((chat, "files", case_id, {"files": [konsep, tor1]}))
                elif i == 4:  # one: a document
                    batch.append((chat, "files", case_id, {"files": [tor2]}))
                else:
                    batch.append(note(chat, f"<b>Pesan {i}</b> untuk {chat}"))
        await enqueue(world, batch)
        await world.drained(within=40)

        assert emu.faults.rules == [], "every injected fault was met by a delivery"
        faulty = fault_counts(emu.calls[calls_before:])
        print(f"[outbox] faults injected {injected}, answered: {dict(faulty)}")
        assert sum(faulty.values()) == injected == 14
        report = check_delivered(world, duplicates_allowed=True)
        # exactly three rows were taken by Telegram without the bot hearing of it: the
        # dropped document, the dropped album and the message answered after the timeout
        assert sum(report.duplicated.values()) == 3, report.duplicated
        assert sorted(k[0] for k in report.duplicated) == [
            "sendDocument",
            "sendMediaGroup",
            "sendMessage",
        ]
        print(f"[outbox] duplicated after a lost answer: {sorted(report.duplicated)}")
        for row in outbox_rows(db_path(world)):  # the first messages lost their buttons
            if row.id in first:
                assert row.message_id is not None
                assert emu.message(row.chat_id, row.message_id).reply_markup is None
        for chat in chats:  # each got its three documents, the album's two together
            messages = world.emu.state.chats[chat].messages.values()
            documents = [m for m in messages if m.document is not None]
            assert len({(m.document or {}).get("file_unique_id") for m in documents}) == 3
            albums = {m.media_group_id for m in documents if m.media_group_id}
            assert albums and all(
                len([m for m in documents if m.media_group_id == a]) == 2 for a in albums
            )

        # 429: nothing was sent before retry_after had passed
        flood = [c for c in emu.calls if c.status == 429]
        assert len(flood) == 1
        early = calls_started_within(emu.calls, flood[0].finished, flood[0].finished + 0.95)
        assert early == [], [(c.method, c.started - flood[0].finished) for c in early]


async def test_flood_control_retry_after_is_honoured(tmp_path: Path) -> None:
    """Telegram's own flood limits (1 message/s per chat, small burst) answer 429 with
    retry_after; the sender waits that long before sending again, and loses nothing."""
    async with World(tmp_path / "w") as world:
        emu = world.emu
        await world.everyone_starts()
        emu.rate_limits = RateLimits(chat_rate=2.0, chat_burst=2.0)
        chats = [world[k].id for k in ("kabag", "karo")]
        await enqueue(
            world, [note(chat, f"Pesan {i} untuk {chat}") for i in range(5) for chat in chats]
        )
        await world.drained(within=30)
        emu.rate_limits = None
        floods = [c for c in emu.calls if c.status == 429]
        assert floods, "the burst met the flood limit"
        for flood in floods:
            retry_after = float(flood.response["parameters"]["retry_after"])
            early = calls_started_within(
                emu.calls, flood.finished, flood.finished + retry_after - 0.05
            )
            assert early == [], [(c.method, c.params.get("chat_id")) for c in early]
        print(f"[outbox] flood control: {len(floods)} answers 429, all waited out")
        check_delivered(world, duplicates_allowed=False)


JAKARTA = ZoneInfo("Asia/Jakarta")


async def test_hour_long_outage_queues_steps_and_the_backlog_drains(tmp_path: Path) -> None:
    """Sending fails while officials act on three cases; then Telegram is down for an hour
    (the clock is moved through it a minute at a time, with the production backoff of up to
    60 s between attempts). When it comes back, every queued message arrives exactly once,
    in order, and the officials carry on."""
    clock = ManualClock(datetime(2025, 1, 6, 9, 0, tzinfo=JAKARTA))  # a Monday morning
    sender = {**FAST_SENDER, "max_backoff": 60.0}
    async with World(tmp_path / "w", clock=clock, sender=sender) as world:
        emu = world.emu
        svc = world.services
        await world.everyone_starts()
        s = Script(world)
        cases = []
        for n in range(3):
            case = await s.new_case(f"Program Kerja Biro, berkas uji {n + 1}", 2027)
            await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft(f"Konsep {n}"))
            await s.upload("kasubag", case, "TOR.docx", draft(f"TOR {n}"))
            await s.press("kasubag", "Ajukan", case)
            cases.append(case)
        await world.drained()
        # a press is answered before its message shows the decision: wait for that too
        await s.seen("kasubag", has_button("Tarik kembali", cases[2]))
        before = max(r.id for r in outbox_rows(db_path(world)))

        # Telegram takes updates but sends nothing: three steps are taken meanwhile
        for method in ("sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"):
            emu.faults.fail(100_000, status=502, method=method)
        await s.approve("kabag", cases[0])
        await s.approve("kabag", cases[1])
        await s.press("kasubag", "Tarik kembali", cases[2])

        # then it is down altogether for an hour: 502 for half of it, refused connections after
        emu.faults.clear()
        await emu.start_outage("502")
        for minute in range(60):
            if minute == 30:
                await emu.end_outage()
                await emu.start_outage("refused")
            clock.advance(minutes=1)
            svc.outbox.wake()
            await until_nothing_due(world)
        queued = [r for r in outbox_rows(db_path(world)) if r.id > before]
        sendable = [r for r in queued if r.kind != "paper"]
        assert len(sendable) >= 10, "several steps' messages waited in the outbox"
        assert all(not r.sent for r in sendable)
        attempts = Counter(r.attempts for r in sendable)
        assert max(attempts) >= 30, attempts  # retried all hour long, never given up
        await emu.end_outage()

        await drained_as_time_passes(world, clock)
        report = check_delivered(world, duplicates_allowed=False)
        print(
            f"[outbox] outage: {len(sendable)} rows queued ({Counter(r.kind for r in sendable)}), "
            f"attempts per row {min(attempts)}..{max(attempts)}, failed attempts in all "
            f"{sum(r.attempts for r in sendable)} ({sum(fault_counts(emu.calls).values())} of "
            f"them answered 502, the others refused); {report.summary()}"
        )
        karo, kasubag = world["karo"], world["kasubag"]
        for case in cases[:2]:
            assert [m for m in karo.bot_messages if f"Berkas #{case}" in m.text and m.buttons]
        assert [m for m in kasubag.bot_messages if f"Berkas #{cases[2]}" in m.text and m.buttons]
        await s.approve("karo", cases[0])  # and the work goes on
        await world.drained()
        stored = await svc.db.read(repo.load_case, cases[0])
        assert stored is not None and stored.step == 4


def documents_in(world: World, chat: int) -> list[str]:
    """The file_unique_id of every document the chat holds, in order."""
    messages = world.emu.state.chats[chat].messages.values()
    return [str(m.document["file_unique_id"]) for m in messages if m.document is not None]


async def case_with_konsep(world: World, title: str) -> tuple[int, int]:
    """Everyone has pressed Start; Kasubag opened a case and uploaded its Konsep Rencana
    Kerja, and everything it caused has been delivered. (The case, the file.)"""
    await world.everyone_starts()
    s = Script(world)
    case_id = await s.new_case(title, 2027)
    await s.upload("kasubag", case_id, "Konsep Rencana Kerja.docx", draft("Konsep"))
    [konsep] = [f.id for f in await world.services.db.read(repo.files_of_case, case_id)]
    await world.drained()
    return case_id, konsep


async def test_a_document_refused_as_too_large_is_given_up_and_the_chat_goes_on(
    tmp_path: Path,
) -> None:
    """Telegram answers an upload above its limit with 413, and would answer the same body
    the same way every time: the row is given up at once (not retried for ever, holding
    back the chat's later messages), and what comes after it in that chat goes out."""
    async with World(tmp_path / "w") as world:
        emu = world.emu
        case_id, konsep = await case_with_konsep(world, "Uji dokumen terlalu besar")
        kabag = world["kabag"].id
        emu.faults.fail(
            1, status=413, method="sendDocument", description="Request Entity Too Large"
        )
        too_large, after = await enqueue(
            world,
            [(kabag, "files", case_id, {"files": [konsep]}), note(kabag, "Pesan sesudahnya")],
        )
        await world.drained(within=20)
        rows = {r.id: r for r in outbox_rows(db_path(world))}
        assert rows[too_large].failed and rows[too_large].attempts <= 1
        assert "Too Large" in str(rows[too_large].last_error)
        assert rows[after].sent
        uploads = [c for c in emu.calls if c.method == "sendDocument"]
        assert [c.status for c in uploads] == [413]
        assert "Pesan sesudahnya" in world["kabag"].bot_messages[-1].text


@pytest.mark.parametrize(
    "refusal",
    [
        "Request Entity Too Large",  # Telegram's description; PTB's phrase up to Python 3.12
        "Content Too Large (413)",  # PTB's phrase for an empty 413 (a proxy) from Python 3.13
        "Payload Too Large (413). Parsing the server response b'' failed",
    ],
)
def test_an_upload_refused_as_too_large_is_known_in_every_wording_of_a_413(refusal: str) -> None:
    """A 413 is given up at once whichever words it comes with: Telegram's description, or
    the phrase python-telegram-bot takes from Python's HTTP status table when a proxy answers
    with an empty body (RFC 9110 renamed it, and Python 3.13 with it). Not known, the row
    would be retried for ever, holding back the chat's later messages."""
    assert says(NetworkError(refusal), TOO_LARGE)


async def test_a_refused_token_loses_no_message(tmp_path: Path) -> None:
    """401 Unauthorized (the token revoked in BotFather, or a wrong server URL, until the
    operator puts it right) is not the message's fault: the rows wait and are retried,
    none is given up."""
    async with World(tmp_path / "w") as world:
        emu = world.emu
        await world.everyone_starts()
        kabag = world["kabag"].id
        await world.drained()
        calls_before = len(emu.calls)
        emu.faults.fail(3, status=401, method="sendMessage", description="Unauthorized")
        await enqueue(world, [note(kabag, f"Pesan {i} untuk Kabag") for i in range(3)])
        await world.drained(within=30)
        statuses = [c.status for c in emu.calls[calls_before:] if c.method == "sendMessage"]
        assert statuses == [401] * 3 + [200] * 3
        check_delivered(world, duplicates_allowed=False)


async def eleven_tors_of_one_case(world: World, title: str) -> tuple[int, list[int]]:
    """Everyone has started; Kasubag opened a case and sent eleven versions of its TOR, all
    saved and every message they caused delivered. The case and its files."""
    await world.everyone_starts()
    s = Script(world)
    case_id = await s.new_case(title, 2027)
    for version in range(1, 12):
        await s.upload("kasubag", case_id, "TOR.docx", draft("TOR", version))
    files = [f.id for f in await world.services.db.read(repo.files_of_case, case_id)]
    assert len(files) == 11
    await world.drained()
    return case_id, files


async def test_an_album_of_eleven_cut_off_after_ten_sends_only_the_eleventh_again(
    tmp_path: Path,
) -> None:
    """Telegram takes at most ten documents in an album: eleven go as an album of ten and a
    document. When the document fails, the retry sends that one only: the ten Kabag has
    were recorded as they arrived."""
    async with World(tmp_path / "w") as world:
        emu = world.emu
        case_id, files = await eleven_tors_of_one_case(world, "Uji album sebelas dokumen")
        kabag = world["kabag"].id
        emu.faults.fail(1, status=500, method="sendDocument")
        await enqueue(world, [(kabag, "files", case_id, {"files": files})])
        await world.drained(within=20)
        albums = [c for c in emu.calls if c.method == "sendMediaGroup" and c.status == 200]
        assert len(albums) == 1
        assert [c.status for c in emu.calls if c.method == "sendDocument"] == [500, 200]
        held = documents_in(world, kabag)
        assert len(held) == len(set(held)) == 11
        check_delivered(world, duplicates_allowed=False)


async def test_an_album_whose_last_part_telegram_took_as_the_bot_stopped_sends_that_part_again(
    tmp_path: Path,
) -> None:
    """Eleven documents go as an album of ten and a document. Telegram takes the document
    but the bot is stopped before its answer comes: the ten are recorded as Kabag's, the
    eleventh is not, and the row is not settled (the last part is recorded with the row
    settled, in one transaction). After the restart only the eleventh goes again (at least
    once), and the row is settled with it recorded."""
    async with World(tmp_path / "w") as world:
        emu = world.emu
        case_id, files = await eleven_tors_of_one_case(world, "Uji album terhenti")
        kabag = world["kabag"].id
        emu.faults.hang(1, seconds=30, method="sendDocument", execute="before")
        [row_id] = await enqueue(world, [(kabag, "files", case_id, {"files": files})])
        await emu.wait_until(lambda: len(documents_in(world, kabag)) == 11, timeout=20)
        await world.stop_bot()
        db = db_path(world)
        [row] = [r for r in outbox_rows(db) if r.id == row_id]
        assert not row.sent
        recorded = {f for (person, f) in delivery_records(db) if person == kabag}
        assert len(recorded & set(files)) == 10
        [eleventh] = set(files) - recorded
        await world.start_bot()
        await world.drained(within=30)
        held = documents_in(world, kabag)
        assert len(held) == 12 and len(set(held)) == 11  # the eleventh twice, nothing else
        [row] = [r for r in outbox_rows(db) if r.id == row_id]
        assert row.sent and row.message_id is not None
        records = delivery_records(db)
        assert records[(kabag, eleventh)] == row.message_id
        assert {f for (person, f) in records if person == kabag} >= set(files)
        albums = [c for c in emu.calls if c.method == "sendMediaGroup" and c.status == 200]
        assert len(albums) == 1


async def test_an_archive_bundle_above_telegrams_upload_limit_gives_way_to_its_papers(
    tmp_path: Path,
) -> None:
    """Fungsional Umum receives the Dokumentasi as one .zip with every file of the case. A
    bundle above what the Bot API server takes in an upload (50 MB on Telegram's cloud, 2000
    MB on a self-hosted server) would be refused every time (413): then the papers go
    without it (the files themselves come with the task)."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        case_id = await Script(world).new_case("Uji arsip yang besar", 2027)
        fu = world["fu"].id
        svc = world.services

        def written(seq: int, bundle_size: int) -> Callable[[Tx], tuple[int, int]]:
            def txn(tx: Tx) -> tuple[int, int]:
                common: dict[str, Any] = {
                    "case_id": case_id,
                    "doc": "paper:dokumentasi",
                    "kind": "paper",
                    "sha256": f"{seq:064d}",
                    "uploaded_by": fu,
                    "now": svc.clock.now(),
                    "source_seq": seq,
                }
                paper = repo.add_file(
                    tx, name=f"dokumentasi-{seq}.docx", size=40_000, path="d.docx", **common
                )
                bundle = repo.add_file(
                    tx, name=f"arsip-{seq}.zip", size=bundle_size, path="a.zip", **common
                )
                return paper, bundle

            return txn

        cloud = max_upload_bytes(DEFAULT_API_BASE_URL)
        self_hosted = max_upload_bytes("http://127.0.0.1:8081")
        for seq, size, limit, sent in (
            (1, cloud, cloud, "bundle"),
            (2, cloud + 1, cloud, "paper"),
            # a self-hosted Bot API server takes uploads up to 2000 MB
            (3, cloud + 1, self_hosted, "bundle"),
            (4, self_hosted + 1, self_hosted, "paper"),
        ):
            paper, bundle = await svc.db.write(written(seq, size))
            item = repo.OutboxItem(
                0, fu, "files", case_id, None, {"papers": [[seq, "dokumentasi"]]}, 0
            )
            inputs = await svc.db.read(load_inputs, [item], svc.sops, svc.clock.now(), limit)
            chosen = [f.id for f in inputs.papers[(case_id, seq, "dokumentasi")]]
            assert chosen == ([bundle] if sent == "bundle" else [paper]), (size, limit, chosen)


async def test_an_archive_bundle_the_server_refuses_as_too_large_goes_as_its_paper(
    tmp_path: Path,
) -> None:
    """A self-hosted Bot API server without --local keeps the cloud's 50 MB for uploads,
    while the bot takes 2000 MB for any self-hosted one: the archivist's bundle is refused
    (413). The row goes again with the Dokumentasi alone, and the archivist gets it (the
    row was given up, and the archivist got nothing)."""
    async with World(tmp_path / "w") as world:
        emu = world.emu
        await world.everyone_starts()
        case_id = await Script(world).new_case("Uji arsip yang ditolak", 2027)
        fu = world["fu"].id
        svc = world.services
        saved = {
            name: await svc.files.save(case_id, name, draft(name))
            for name in ("dokumentasi-1.docx", "arsip-1.zip")
        }

        def written(tx: Tx) -> None:
            for name, stored in saved.items():
                repo.add_file(
                    tx,
                    case_id=case_id,
                    doc="paper:dokumentasi",
                    kind="paper",
                    name=name,
                    size=stored.size,
                    sha256=stored.sha256,
                    path=stored.relative,
                    uploaded_by=fu,
                    now=svc.clock.now(),
                    source_seq=1,
                )

        await svc.db.write(written)
        await world.drained()
        emu.faults.fail(
            1, status=413, method="sendDocument", description="Request Entity Too Large"
        )
        (row,) = await enqueue(world, [(fu, "files", case_id, {"papers": [[1, "dokumentasi"]]})])
        await world.drained(within=20)
        sent = [c for c in emu.calls if c.method == "sendDocument"]
        assert [c.status for c in sent] == [413, 200]
        names = [
            m.document["file_name"]
            for m in world.emu.state.chats[fu].messages.values()
            if m.document is not None
        ]
        assert names == ["dokumentasi-1.docx"]
        (settled,) = [r for r in outbox_rows(db_path(world)) if r.id == row]
        assert settled.sent and not settled.failed


async def test_a_document_telegram_is_slow_to_acknowledge_is_sent_once(tmp_path: Path) -> None:
    """Telegram answers an upload once it has stored the file, which for a large file takes
    longer than the 5 s an ordinary call waits for its answer. The bot waits for it, and
    does not send the document a second time."""
    async with World(tmp_path / "w") as world:
        emu = world.emu
        case_id, konsep = await case_with_konsep(world, "Uji unggahan yang lambat")
        kabag = world["kabag"].id
        emu.faults.hang(1, seconds=6.5, method="sendDocument", execute="before")
        await enqueue(world, [(kabag, "files", case_id, {"files": [konsep]})])
        await world.drained(within=20)
        assert len(documents_in(world, kabag)) == 1
        check_delivered(world, duplicates_allowed=False)


async def test_a_message_waiting_to_be_retried_goes_soon_after_the_host_clock_is_set_back(
    tmp_path: Path,
) -> None:
    """The host's clock ran an hour fast when a message failed; its retry was written an
    hour too late. When the clock is put right (set back an hour), the message still goes
    within its back-off, not an hour later."""
    clock = ManualClock(datetime(2025, 1, 6, 9, 0, tzinfo=JAKARTA))
    sender = {**FAST_SENDER, "max_backoff": 60.0}
    async with World(tmp_path / "w", clock=clock, sender=sender) as world:
        emu = world.emu
        await world.everyone_starts()
        await world.drained()
        kabag = world["kabag"].id
        clock.advance(hours=1)  # the clock runs an hour fast
        emu.faults.fail(1, status=502, method="sendMessage")
        [row_id] = await enqueue(world, [note(kabag, "Pesan yang sempat gagal")])
        # it fails once and waits for its retry (the clock stands)
        await emu.wait_until(
            lambda: [r.attempts for r in outbox_rows(db_path(world)) if r.id == row_id] == [1],
            timeout=10,
        )

        clock.advance(hours=-1)  # the clock is put right, and stands there
        world.services.outbox.wake()
        await world.drained(within=10)
        assert [m for m in world["kabag"].bot_messages if m.text == "Pesan yang sempat gagal"]
        check_delivered(world, duplicates_allowed=False)


async def test_a_decision_whose_answer_telegram_lost_is_shown_on_its_task_message_later(
    tmp_path: Path,
) -> None:
    """Kabag presses Setujui while Telegram loses both the edit that shows his decision and
    the reply that stands in for it. The case moves on; then his task message shows the
    decision (through the outbox, which retries): his Tarik kembali instead of the buttons
    of a step that moved on."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Uji jawaban yang hilang")
        kabag = world["kabag"]
        await world.drained()
        task = await s.seen("kabag", has_button("Setujui", case))
        world.emu.faults.drop(1, method="editMessageText", chat_id=kabag.id)
        world.emu.faults.drop(1, method="sendMessage", chat_id=kabag.id)
        approve = next(b for b in task.button_texts if "Setujui" in b)
        await kabag.press(task, approve, timeout=15)
        await world.emu.wait_until(lambda: world.emu.faults.rules == [], timeout=15)
        await world.emu.wait_until(lambda: "✅ Disetujui oleh" in task.text, timeout=15)
        assert task.button_texts == [t.BTN_WITHDRAW]
        stored = await world.services.db.read(repo.load_case, case)
        assert stored is not None and stored.step == 3
        await world.drained()
        check_delivered(world, duplicates_allowed=False)


def decided_on(outbox: OutboxSender, case_id: int) -> list[int]:
    """The versions of a case that the decisions the outbox sender keeps in memory brought
    it to (to show a decision again over a late edit of its task message)."""
    return [version for case, version, *_ in outbox.memory.decided.values() if case == case_id]


async def test_the_sender_forgets_the_task_messages_of_archived_cases(tmp_path: Path) -> None:
    """A proposal goes through all twelve steps, returned once at every review step, and is
    archived: the outbox sender keeps nothing of its task messages in memory (it kept each
    decision's text and what a task message showed, cut only at ten thousand entries: tens
    of MB of archived cases' texts after some hundred cases). A second one, waiting for the
    archivist, keeps only what is of use at its current version."""
    async with World(tmp_path / "w", reminders={"enabled": False}) as world:
        await world.everyone_starts()
        outbox = world.services.outbox
        first = await play_sop(world, year=2027)
        await world.drained(20)
        await world.emu.wait_until(
            lambda: not (outbox.memory.decided or outbox.memory.shown or outbox.memory.remembered),
            timeout=10,
        )
        second = await play_sop(world, year=2028, archive=False)
        await world.drained(20)
        case = await world.services.db.read(repo.load_case, second)
        assert case is not None and case.is_open
        assert not decided_on(outbox, first)
        assert set(decided_on(outbox, second)) == {case.version}
        assert len(outbox.memory.decided) + len(outbox.memory.shown) <= 3


async def test_stale_rows_of_several_chats_are_settled_in_one_round_and_never_sent(
    tmp_path: Path,
) -> None:
    """Rows about a version their case has moved past (a task, documents, a notice about a
    step) are settled unsent, all of a round's together: nobody gets them, and the rows of
    the same chats before and after them go in order, once. A chat whose rows due were all
    stale still gets the row queued behind them."""
    async with World(tmp_path / "w", reminders={"enabled": False}) as world:
        emu = world.emu
        await world.everyone_starts()
        case_id = await Script(world).submit("Uji baris usang")
        await world.drained()
        case = await world.services.db.read(repo.load_case, case_id)
        assert case is not None and case.is_open and case.version > 1
        old = case.version - 1
        kabag, karo, kasubag = (world[k].id for k in ("kabag", "karo", "kasubag"))
        svc = world.services
        before = len(emu.calls)
        stale: dict[str, dict[str, Any]] = {
            "task": {},
            "files": {"files": []},
            "notice": {"t": "text", "text": "usang"},
        }

        def txn(tx: Tx) -> tuple[list[int], list[int]]:
            now = svc.clock.now()
            gone: list[int] = []
            live: list[int] = []

            def row(chat: int, kind: str, params: dict[str, Any], version: int | None) -> None:
                ids = gone if version is not None else live
                ids.append(
                    repo.enqueue(
                        tx, chat, kind, now, case_id=case_id, version=version, params=params
                    )
                )

            row(kabag, "notice", {"t": "text", "text": "A1"}, None)
            row(kabag, "task", stale["task"], old)
            row(kabag, "files", stale["files"], old)
            row(kabag, "notice", {"t": "text", "text": "A2"}, None)
            row(karo, "task", stale["task"], old)
            row(karo, "notice", stale["notice"], old)
            row(kasubag, "notice", stale["notice"], old)
            row(kasubag, "notice", {"t": "text", "text": "S1"}, None)
            return gone, live

        gone, live = await svc.db.write(txn)
        # karo's row behind its stale ones falls due a moment after they are taken
        await asyncio.sleep(0.05)
        await enqueue(world, [note(karo, "K1")])
        await world.drained()
        rows = {r.id: r for r in outbox_rows(db_path(world))}
        for row_id in gone:
            assert rows[row_id].sent and rows[row_id].message_id is None, rows[row_id]
            assert rows[row_id].attempts == 1
        assert all(rows[row_id].sent and rows[row_id].message_id for row_id in live)
        texts: dict[int, list[str | None]] = {}
        for call in emu.calls[before:]:
            if call.method in SENDING and call.status == 200:
                texts.setdefault(int(call.params["chat_id"]), []).append(call.params.get("text"))
        assert texts == {kabag: ["A1", "A2"], karo: ["K1"], kasubag: ["S1"]}


async def test_a_row_due_beside_an_answer_goes_while_the_answer_is_on_its_way(
    tmp_path: Path,
) -> None:
    """A task opened from /tugas is an answer, taken by the command itself; the delivery loop
    is woken at once only when a row besides it is due (here one queued for Karo without a
    wake, as a command of another person might leave it). Karo's row goes while Telegram
    holds Kabag's answer; the answer arrives once Telegram lets it through, once."""
    async with World(tmp_path / "w", reminders={"enabled": False}) as world:
        emu = world.emu
        await world.everyone_starts()
        case_id = await Script(world).submit("Uji jawaban")
        await world.drained()
        svc = world.services
        case = await svc.db.read(repo.load_case, case_id)
        assert case is not None
        kabag, karo = world["kabag"].id, world["karo"].id
        await asyncio.sleep(1.1)  # the loop idles: nothing is due
        before = len(emu.calls)

        def txn(tx: Tx) -> None:
            repo.enqueue(tx, karo, "notice", svc.clock.now(), params={"t": "text", "text": "K"})

        await svc.db.write(txn)  # no wake
        emu.faults.hang(1, seconds=3, method="sendMessage", chat_id=kabag, execute="after")
        start = asyncio.get_running_loop().time()
        await svc.cases.show_task(kabag, case_id, case.version)

        def sent_to(chat: int) -> list[ApiCall]:
            return [
                c
                for c in emu.calls[before:]
                if c.method == "sendMessage" and int(c.params["chat_id"]) == chat
            ]

        await emu.wait_until(lambda: bool(sent_to(karo)), timeout=10)
        assert asyncio.get_running_loop().time() - start < 2.0
        assert not [c for c in sent_to(kabag) if c.status == 200]  # still held
        await emu.wait_until(lambda: any(c.status == 200 for c in sent_to(kabag)), timeout=10)
        await world.drained()
        assert [c.params.get("text") for c in sent_to(karo)] == ["K"]
        assert len([c for c in sent_to(kabag) if c.status == 200]) == 1
