"""SpiffWorkflow and sopbot side by side: one persisted transition of the same SOP.

The SOP runs on both engines in one process, on real SQLite files in a temp dir, with the
same journal settings (WAL, ``synchronous = NORMAL``, foreign keys on):

* **SpiffWorkflow 3.2** runs ``bench/spiff/ppk_rkakl_pk.bpmn`` (lanes per role, a user
  task per step, an exclusive gateway on ``decision`` after each review). Its state lives
  as its example application (spiff-example-cli) keeps it: the spec serialized once in a
  ``workflow_spec`` row, each workflow's serialized state (``BpmnWorkflowSerializer``, spec
  left out) in a ``workflow`` row. One transition, all in one transaction: read the row
  (joined with its spec), deserialize, find the ready user task, set its data (decision,
  actor, files...), run it, ``do_engine_steps()``, find the next ready task (whom to tell),
  serialize, write the row back, commit.
* **sopbot** runs the real service layer: ``CaseService.execute(case_id, command, user_id)``
  (``start_case`` for a new case), one transaction with the events, the case state and the
  outbox rows (the outbox does not run), awaited on the event loop the bot runs on
  (``bot.event_loop``: uvloop; ``--event-loop asyncio`` for the standard library's).

Both walk whole cases along the same paths: half straight through the twelve steps, half
with one return at every review step (as ``sopbot demo`` does). A *transition* is a move:
a user task completed in Spiff, a CompleteStep / Approve / ReturnForCorrection / FormTeam /
ArchiveCase in sopbot. sopbot's AttachFile commands (Spiff keeps the file references in
the task data of the move instead) and the starts are timed, and reported apart.

Rounds alternate which engine goes first; each round walks the same cases on both (one
untimed round on each side first warms up). Per call: ``perf_counter_ns`` (wall) and
``process_time_ns`` (CPU of the whole process, so aiosqlite's thread counts) around the
transition only: no setup, no checks.

Figures (µs): p50/p99 per side, the ratio sopbot / Spiff of the p50s (goal ≤ 0.2), the
per-round ratios' range, CPU per transition, starts and sopbot's attaches; and database
bytes per finished case (file size after the last connection closed, and the payload of
the rows).

Run: .venv/bin/python bench/bench_spiff.py [--rounds 7] [--cases 24] [--keep DIR]
(needs the ``bench`` extra: ``bin/setup --bench``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, add_event_loop_option, emit, note, percentile
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from bot import eventloop, placement
from bot.app import load_sops, work_calendar
from bot.clock import ManualClock
from bot.core.definition import SopDefinition, StepKind
from bot.core.model import (
    Approve,
    ArchiveCase,
    AttachFile,
    Case,
    CaseStatus,
    Command,
    CompleteStep,
    FormTeam,
    ReturnForCorrection,
)
from bot.demo import OFFICIALS, world_config
from bot.services.cases import CaseService
from bot.services.people import PeopleService
from storage import repo
from storage.codec import ts
from storage.db import Database, SqliteDatabase, Tx, migrate

BPMN = ROOT / "bench" / "spiff" / "ppk_rkakl_pk.bpmn"
PROCESS_ID = "ppk_rkakl_pk"
REASON = "Mohon diperbaiki sesuai catatan pada Lembar Pemeriksaan."
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 08.00 WIB

# The bureau's officials (the demo's): who acts for each role.
PERSON = {p.roles[0]: p.telegram_id for p in OFFICIALS if p.key != "tim2"}
TEAM = tuple(p.telegram_id for p in OFFICIALS if "tim" in p.roles)


# -- the path ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One transition: the holder of ``step`` moves it on (``decision`` on review steps)."""

    step: int
    decision: str | None = None  # "approve" | "return"


def walk(definition: SopDefinition, with_returns: bool) -> list[Move]:
    """The moves of one case from step 1 to the archive; ``with_returns``: the first visit
    to every review step returns the case (to the step's ``on_return``)."""
    moves: list[Move] = []
    returned: set[int] = set()
    step: int | None = definition.first_step.id
    while step is not None:
        s = definition.step(step)
        if s.is_review and with_returns and step not in returned:
            returned.add(step)
            moves.append(Move(step, "return"))
            step = s.on_return
            continue
        moves.append(Move(step, "approve" if s.is_review else None))
        step = s.on_approve
    return moves


def task_name(step: int) -> str:
    """The BPMN id of a step's user task."""
    return f"step_{step:02d}"


@dataclass(frozen=True)
class Upload:
    doc: str
    version: int
    sha256: str
    name: str


def uploads_for(
    definition: SopDefinition, move: Move, visits: dict[int, int], case_no: int
) -> list[Upload]:
    """Files the holder attaches before the move: every required upload of the step on the
    first visit; after a return, a corrected version of the step's last upload."""
    s = definition.step(move.step)
    required = [d for d in s.uploads if not definition.document(d).optional]
    visit = visits.get(move.step, 0) + 1
    visits[move.step] = visit
    docs = required if visit == 1 else required[-1:]
    return [
        Upload(
            doc, visit, f"{case_no:016x}{move.step:08x}{visit:08x}{i:032x}", f"{doc}_v{visit}.docx"
        )
        for i, doc in enumerate(docs)
    ]


# -- SpiffWorkflow, persisted as its example application does ---------------------------


SPIFF_SCHEMA = """
CREATE TABLE workflow_spec (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    serialization TEXT NOT NULL
);
CREATE TABLE workflow (
    id            INTEGER PRIMARY KEY,
    spec_id       INTEGER NOT NULL REFERENCES workflow_spec(id),
    serialization TEXT NOT NULL,
    completed     INTEGER NOT NULL DEFAULT 0,
    updated_at    REAL NOT NULL
);
"""


def parse_spec(path: Path = BPMN) -> Any:
    """The process spec, parsed and checked against the BPMN 2.0 schema."""
    parser = BpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(str(path))
    return parser.get_spec(PROCESS_ID)


class SpiffStore:
    """Workflows of one spec in SQLite: a row of serialized state per workflow.

    As spiff-example-cli's SQLite serializer does, the spec is stored once and joined in
    when a workflow is read; ``BpmnWorkflowSerializer`` turns the whole into a workflow and
    back. Unlike that example, which opens a connection per call, one connection is kept
    open, with sopbot's journal settings."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.executescript(SPIFF_SCHEMA)
        self.serializer = BpmnWorkflowSerializer()
        spec = parse_spec()
        cur = self.conn.execute(
            "INSERT INTO workflow_spec (name, serialization) VALUES (?, ?)",
            (spec.name, json.dumps(self.serializer.to_dict(spec))),
        )
        assert cur.lastrowid is not None
        self.spec_id: int = cur.lastrowid

    def close(self) -> None:
        self.conn.close()

    def _dump(self, workflow: BpmnWorkflow) -> str:
        dct = self.serializer.to_dict(workflow)
        del dct["spec"]  # kept once, in workflow_spec
        dct[self.serializer.VERSION_KEY] = self.serializer.VERSION
        return json.dumps(dct)

    def _load(self, state: str, spec: str) -> BpmnWorkflow:
        dct = json.loads(state)
        dct["spec"] = json.loads(spec)
        self.serializer.migrate(dct)  # what deserialize_json does: lift older versions
        workflow: BpmnWorkflow = self.serializer.from_dict(dct)
        return workflow

    def start(self, data: dict[str, Any]) -> tuple[int, str | None]:
        """A new workflow, run to its first user task; (its id, that task's name)."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            (spec_json,) = conn.execute(
                "SELECT serialization FROM workflow_spec WHERE id = ?", (self.spec_id,)
            ).fetchone()
            workflow = BpmnWorkflow(self.serializer.from_dict(json.loads(spec_json)))
            workflow.set_data(**data)
            workflow.do_engine_steps()
            ready = workflow.get_next_task(state=TaskState.READY, manual=True)
            cur = conn.execute(
                "INSERT INTO workflow (spec_id, serialization, updated_at) VALUES (?, ?, ?)",
                (self.spec_id, self._dump(workflow), time.time()),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        assert cur.lastrowid is not None
        return cur.lastrowid, ready.task_spec.name if ready else None

    def complete(
        self, workflow_id: int, task: str, data: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        """Complete the ready user task ``task`` with ``data`` and persist the workflow;
        returns the next ready user task and its lane (whom the app would notify)."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            state, spec_json = conn.execute(
                "SELECT w.serialization, s.serialization FROM workflow w "
                "JOIN workflow_spec s ON s.id = w.spec_id WHERE w.id = ?",
                (workflow_id,),
            ).fetchone()
            workflow = self._load(state, spec_json)
            ready = workflow.get_next_task(state=TaskState.READY, manual=True)
            if ready is None or ready.task_spec.name != task:
                found = ready.task_spec.name if ready else None
                raise RuntimeError(f"workflow {workflow_id}: {task} is not ready ({found})")
            ready.set_data(**data)
            ready.run()
            workflow.do_engine_steps()
            after = workflow.get_next_task(state=TaskState.READY, manual=True)
            conn.execute(
                "UPDATE workflow SET serialization = ?, completed = ?, updated_at = ? WHERE id = ?",
                (self._dump(workflow), workflow.is_completed(), time.time(), workflow_id),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if after is None:
            return None, None
        return after.task_spec.name, after.task_spec.lane

    def completed(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM workflow WHERE completed").fetchone()[0])


def archive_reference(case_no: int) -> str:
    """Each case's own archive number (sopbot refuses a number another case was filed
    under)."""
    return f"ARSIP/PPK/2026/{case_no:05d}"


def spiff_data(
    definition: SopDefinition, move: Move, uploads: list[Upload], at: str, case_no: int
) -> dict[str, Any]:
    """The task data a move leaves: what sopbot keeps in the move's events and case state."""
    s = definition.step(move.step)
    data: dict[str, Any] = {"actor": PERSON[s.actor], "role": s.actor, "at": at}
    if move.decision is not None:
        data["decision"] = move.decision
        data["reason"] = REASON if move.decision == "return" else ""
        if move.decision == "approve" and s.approval is not None:
            data[f"approval_{move.step}"] = str(s.approval)
    for up in uploads:
        data[f"file_{up.doc}"] = {
            "version": up.version,
            "sha256": up.sha256,
            "name": up.name,
            "by": PERSON[s.actor],
        }
    if s.kind is StepKind.TEAM:
        data["team"] = list(TEAM)
    if s.kind is StepKind.ARCHIVE:
        data["archive_reference"] = archive_reference(case_no)
    return data


# -- the two walkers ---------------------------------------------------------------------


@dataclass
class Samples:
    moves: list[int] = field(default_factory=list)  # wall time, ns
    moves_cpu: list[int] = field(default_factory=list)  # CPU time of the process, all threads
    starts: list[int] = field(default_factory=list)
    attaches: list[int] = field(default_factory=list)


class SpiffWalker:
    def __init__(self, path: Path, definition: SopDefinition) -> None:
        self.store = SpiffStore(path)
        self.definition = definition
        self.clock = START

    def tick(self) -> str:
        self.clock += timedelta(minutes=1)
        return self.clock.isoformat()

    def case(self, case_no: int, path: list[Move], samples: Samples) -> None:
        data = {
            "title": f"Program Kerja {case_no}",
            "fiscal_year": 2027,
            "started_by": PERSON["kasubag"],
        }
        t0 = time.perf_counter_ns()
        wf_id, ready = self.store.start(data)
        samples.starts.append(time.perf_counter_ns() - t0)
        visits: dict[int, int] = {}
        for move in path:
            assert ready == task_name(move.step), (ready, move)
            uploads = uploads_for(self.definition, move, visits, case_no)
            task_data = spiff_data(self.definition, move, uploads, self.tick(), case_no)
            t0, c0 = time.perf_counter_ns(), time.process_time_ns()
            ready, _lane = self.store.complete(wf_id, task_name(move.step), task_data)
            samples.moves_cpu.append(time.process_time_ns() - c0)
            samples.moves.append(time.perf_counter_ns() - t0)
        assert ready is None, ready


class SopbotWalker:
    def __init__(
        self,
        db: SqliteDatabase,
        svc: CaseService,
        clock: ManualClock,
        together: placement.Together | None,
    ) -> None:
        self.db = db
        self.svc = svc
        self.clock = clock
        self.definition = svc.sops.default
        self.together = together

    @classmethod
    async def open(cls, work: Path, same_cpu: bool) -> SopbotWalker:
        """The bot's database and case service, with its threads placed as the bot places
        them at start (``storage.same_cpu``, :mod:`bot.placement`)."""
        config = world_config(work, "http://127.0.0.1:9")
        db = await Database.open(work / "sopbot.sqlite3")
        assert isinstance(db, SqliteDatabase)
        together = placement.keep_together(db.thread_ids()) if same_cpu else None
        clock = ManualClock(START)
        sops = load_sops(config)
        svc = CaseService(db, sops, config, clock, work_calendar(config))
        await PeopleService(db, sops, config, clock).bootstrap()
        return cls(db, svc, clock, together)

    async def close(self) -> None:
        await self.db.close()  # the last connection to close checkpoints the WAL into the file
        if self.together is not None:
            self.together.release()

    async def _file_row(self, case_id: int, up: Upload, by: int) -> int:
        """The row the upload handler writes before it attaches the file (not timed)."""
        return await self.db.write(
            lambda tx: repo.add_file(
                tx,
                case_id=case_id,
                doc="",
                kind="upload",
                name=up.name,
                size=48_000,
                sha256=up.sha256,
                path=f"{case_id}/{up.sha256[:16]}.docx",
                uploaded_by=by,
                now=self.clock.now(),
            )
        )

    def _command(self, case: Case, move: Move, case_no: int) -> Command:
        s = self.definition.step(move.step)
        match s.kind:
            case StepKind.REVIEW if move.decision == "return":
                return ReturnForCorrection(case.version, REASON)
            case StepKind.REVIEW:
                return Approve(case.version)
            case StepKind.TEAM:
                return FormTeam(case.version, TEAM)
            case StepKind.ARCHIVE:
                return ArchiveCase(case.version, archive_reference(case_no))
            case _:
                return CompleteStep(case.version)

    async def case(self, case_no: int, path: list[Move], samples: Samples) -> None:
        svc = self.svc
        t0 = time.perf_counter_ns()
        outcome = await svc.start_case(PERSON["kasubag"], f"Program Kerja {case_no}", 2027)
        samples.starts.append(time.perf_counter_ns() - t0)
        case = outcome.case
        visits: dict[int, int] = {}
        for move in path:
            assert case.step == move.step, (case.step, move)
            actor = PERSON[self.definition.step(move.step).actor]
            for up in uploads_for(self.definition, move, visits, case_no):
                file_id = await self._file_row(case.id, up, actor)
                self.clock.advance(minutes=1)
                command: Command = AttachFile(case.version, up.doc, file_id, up.sha256, up.name)
                t0 = time.perf_counter_ns()
                outcome = await svc.execute(case.id, command, actor)
                samples.attaches.append(time.perf_counter_ns() - t0)
                case = outcome.case
            self.clock.advance(minutes=1)
            command = self._command(case, move, case_no)
            t0, c0 = time.perf_counter_ns(), time.process_time_ns()
            outcome = await svc.execute(case.id, command, actor)
            samples.moves_cpu.append(time.process_time_ns() - c0)
            samples.moves.append(time.perf_counter_ns() - t0)
            case = outcome.case
        assert case.status is CaseStatus.ARCHIVED, case.status

    async def archived(self) -> int:
        return int(
            await self.db.read(
                lambda tx: tx.value("SELECT COUNT(*) FROM cases WHERE status = 'archived'")
            )
        )


# -- sizes -------------------------------------------------------------------------------


def payload_bytes(path: Path, tables: list[str]) -> int:
    """Bytes of every value in these tables, as SQLite stores it (text and blobs at their
    length, numbers at the length of their text form): rows without page and index overhead."""
    conn = sqlite3.connect(path)
    try:
        total = 0
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            length = " + ".join(f"COALESCE(LENGTH(CAST({c} AS BLOB)), 0)" for c in columns)
            total += conn.execute(f"SELECT COALESCE(SUM({length}), 0) FROM {table}").fetchone()[0]
        return total
    finally:
        conn.close()


# -- the run -----------------------------------------------------------------------------


def us(ns: list[int], q: float) -> float:
    return percentile([v / 1000 for v in ns], q)


async def main(
    rounds: int, cases: int, keep: Path | None, one_cpu: bool = False, same_cpu: bool = True
) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-spiff-"))
    spiff_path = work / "spiff.sqlite3"
    sopbot = await SopbotWalker.open(work, same_cpu and not one_cpu)
    where = f"CPU {sopbot.together.cpu}" if sopbot.together else "unpinned"
    note(f"event loop and database threads: {where}")
    definition = sopbot.definition
    spiff = SpiffWalker(spiff_path, definition)
    paths = [walk(definition, with_returns=bool(i % 2)) for i in range(cases)]
    note(
        f"{cases} cases a round ({sum(map(len, paths))} moves), {rounds} rounds; "
        f"paths of {len(paths[0])} and {len(paths[1 % cases])} moves"
    )

    async def run_spiff(samples: Samples, first: int) -> None:
        for i, path in enumerate(paths):
            spiff.case(first + i, path, samples)

    async def run_sopbot(samples: Samples, first: int) -> None:
        for i, path in enumerate(paths):
            await sopbot.case(first + i, path, samples)

    # warm-up: one round on each side, not timed (imports, first compiles, caches)
    await run_spiff(Samples(), 0)
    await run_sopbot(Samples(), 0)
    case_no = cases
    spiff_rounds: list[Samples] = []
    sopbot_rounds: list[Samples] = []
    started = time.perf_counter()
    for r in range(rounds):
        halves: list[tuple[Callable[[Samples, int], Any], list[Samples]]] = [
            (run_spiff, spiff_rounds),
            (run_sopbot, sopbot_rounds),
        ]
        if r % 2:
            halves.reverse()
        for run, into in halves:
            gc.collect()
            samples = Samples()
            await run(samples, case_no)
            into.append(samples)
        case_no += cases
        s50 = us(spiff_rounds[-1].moves, 50)
        b50 = us(sopbot_rounds[-1].moves, 50)
        note(
            f"round {r + 1}: Spiff p50 {s50:.0f} µs, sopbot p50 {b50:.0f} µs, ratio {b50 / s50:.3f}"
        )
    elapsed = time.perf_counter() - started
    total_cases = case_no
    assert spiff.store.completed() == total_cases, spiff.store.completed()
    assert await sopbot.archived() == total_cases
    spiff.store.close()
    await sopbot.close()

    note(f"bench_spiff: {elapsed:.1f} s of rounds")
    if one_cpu:
        report_one_cpu(spiff_rounds, sopbot_rounds)
    else:
        report(spiff_rounds, sopbot_rounds, spiff_path, sopbot.db.path, total_cases)
    if keep is not None:
        keep_copies(keep, [spiff_path, sopbot.db.path])
    shutil.rmtree(work, ignore_errors=True)


def keep_copies(keep: Path, paths: list[Path]) -> None:
    keep.mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copyfile(path, keep / path.name)


def report_one_cpu(spiff_rounds: list[Samples], sopbot_rounds: list[Samples]) -> None:
    """The headline figures of a run on one CPU (``--one-cpu``), apart from the others."""
    spiff_p50 = us([v for s in spiff_rounds for v in s.moves], 50)
    sopbot_p50 = us([v for s in sopbot_rounds for v in s.moves], 50)
    ratios = [
        round(us(b.moves, 50) / us(s.moves, 50), 3)
        for b, s in zip(sopbot_rounds, spiff_rounds, strict=True)
    ]
    emit("spiff_transition_p50_one_cpu", spiff_p50, "µs", None)
    emit("sopbot_transition_p50_one_cpu", sopbot_p50, "µs", None)
    emit("sopbot_over_spiff_p50_one_cpu", sopbot_p50 / spiff_p50, "x", None, round_ratios=ratios)


def report(
    spiff_rounds: list[Samples],
    sopbot_rounds: list[Samples],
    spiff_path: Path,
    sopbot_path: Path,
    total_cases: int,
) -> None:
    spiff_moves = [v for s in spiff_rounds for v in s.moves]
    sopbot_moves = [v for s in sopbot_rounds for v in s.moves]
    spiff_p50, sopbot_p50 = us(spiff_moves, 50), us(sopbot_moves, 50)
    spiff_medians = [us(s.moves, 50) for s in spiff_rounds]
    sopbot_medians = [us(s.moves, 50) for s in sopbot_rounds]
    ratios = [round(b / s, 3) for b, s in zip(sopbot_medians, spiff_medians, strict=True)]
    spiff_medians = [round(v) for v in spiff_medians]
    sopbot_medians = [round(v) for v in sopbot_medians]
    emit(
        "spiff_transition_p50",
        spiff_p50,
        "µs",
        None,
        n=len(spiff_moves),
        round_medians=spiff_medians,
    )
    emit("spiff_transition_p99", us(spiff_moves, 99), "µs", None)
    emit(
        "sopbot_transition_p50",
        sopbot_p50,
        "µs",
        None,
        n=len(sopbot_moves),
        round_medians=sopbot_medians,
    )
    emit("sopbot_transition_p99", us(sopbot_moves, 99), "µs", None)
    emit("sopbot_over_spiff_p50", sopbot_p50 / spiff_p50, "x", 0.2, round_ratios=ratios)
    emit("sopbot_over_spiff_round_min", min(ratios), "x", None)
    emit("sopbot_over_spiff_round_max", max(ratios), "x", None)
    spiff_cpu = [v for s in spiff_rounds for v in s.moves_cpu]
    sopbot_cpu = [v for s in sopbot_rounds for v in s.moves_cpu]
    emit("spiff_transition_cpu_p50", us(spiff_cpu, 50), "µs", None)
    emit("sopbot_transition_cpu_p50", us(sopbot_cpu, 50), "µs", None)
    emit("spiff_start_p50", us([v for s in spiff_rounds for v in s.starts], 50), "µs", None)
    emit("sopbot_start_p50", us([v for s in sopbot_rounds for v in s.starts], 50), "µs", None)
    attaches = [v for s in sopbot_rounds for v in s.attaches]
    emit("sopbot_attach_p50", us(attaches, 50), "µs", None, n=len(attaches))

    spiff_spec = payload_bytes(spiff_path, ["workflow_spec"])
    emit(
        "spiff_db_bytes_per_case",
        spiff_path.stat().st_size / total_cases,
        "B",
        None,
        cases=total_cases,
        spec_bytes=spiff_spec,
    )
    emit(
        "sopbot_db_bytes_per_case",
        sopbot_path.stat().st_size / total_cases,
        "B",
        None,
        cases=total_cases,
    )
    emit(
        "spiff_row_bytes_per_case", payload_bytes(spiff_path, ["workflow"]) / total_cases, "B", None
    )
    sopbot_tables = ["cases", "events", "files", "outbox", "task_messages"]
    emit(
        "sopbot_row_bytes_per_case",
        payload_bytes(sopbot_path, sopbot_tables) / total_cases,
        "B",
        None,
    )
    retained = bytes_after_retention(sopbot_path)
    emit(
        "sopbot_db_bytes_per_finished_case_after_retention",
        retained["all_but_files"] / total_cases,
        "B",
        10_000,
        better="lower",
        with_file_rows=retained["all"] / total_cases,
        by_table={k: round(v / total_cases) for k, v in retained["tables"].items()},
    )


def bytes_after_retention(path: Path) -> dict[str, Any]:
    """What finished cases add to the database once their messages went out and the
    retention passed (the empty schema's pages subtracted):
    every outbox row delivered, then ``repo.prune`` (the bot's own), then VACUUM. Bytes by
    SQLite's page accounting (dbstat: tables and their indexes), with and without the rows
    of the ``files`` table (file metadata; the files themselves are on disk)."""
    copy = path.with_name(path.stem + "-retained.sqlite3")
    shutil.copyfile(path, copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("UPDATE outbox SET sent_at = ? WHERE sent_at IS NULL", (ts(START),))
        later = START + timedelta(days=400)
        repo.prune(Tx(conn), later, later)
        conn.execute("VACUUM")
        rows = conn.execute(
            "SELECT coalesce(m.tbl_name, d.name) AS tbl, SUM(d.pgsize) FROM dbstat d "
            "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY tbl"
        ).fetchall()
    finally:
        conn.close()
    tables = {r[0]: r[1] for r in rows}
    # what the cases add: an empty database of the same schema has a page per table and index
    empty = path.with_name(path.stem + "-empty.sqlite3")
    conn = sqlite3.connect(empty, isolation_level=None)
    try:
        migrate(conn)
        conn.execute("VACUUM")
        base = dict(
            conn.execute(
                "SELECT coalesce(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d "
                "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1"
            ).fetchall()
        )
    finally:
        conn.close()
    added = {name: size - base.get(name, 0) for name, size in tables.items()}
    total = sum(added.values())
    return {"all": total, "all_but_files": total - added.get("files", 0), "tables": added}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cases", type=int, default=24, help="cases per round on each side")
    parser.add_argument("--keep", type=Path, help="copy both databases here at the end")
    parser.add_argument(
        "--one-cpu",
        action="store_true",
        help="run the whole process (every thread) on one CPU, and print its figures apart",
    )
    parser.add_argument(
        "--same-cpu",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="storage.same_cpu, as the bot's default: the event loop's thread (which runs "
        "both sides) and the database threads on one CPU (bot.placement)",
    )
    add_event_loop_option(parser, "sopbot's side")
    args = parser.parse_args()
    if args.one_cpu:  # before any thread starts: threads inherit it
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    note(f"event loop: {args.event_loop}; CPUs: {sorted(os.sched_getaffinity(0))}")
    run = main(args.rounds, args.cases, args.keep, args.one_cpu, args.same_cpu)
    eventloop.run(run, args.event_loop)
