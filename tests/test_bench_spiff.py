"""The BPMN model of the SOP that bench/bench_spiff.py runs on SpiffWorkflow.

These check the model, not timing: it is valid BPMN 2.0, it has a lane per role and a user
task per step, and a case walked through it on a real SQLite file (the bench's own
``SpiffStore``) meets the same steps, in the same lanes, as sopbot's workflow core, along
the straight path and along a path with a return at every review step.

SpiffWorkflow comes with the ``bench`` extra (``bin/setup --bench``; CI installs it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "SpiffWorkflow",
    reason="SpiffWorkflow is not installed: `bin/setup --bench` installs the bench extra",
)

from core_helpers import PEOPLE, ROOT, Run, sop

sys.path.insert(0, str(ROOT / "bench"))
import bench_spiff as bench

from bot.core.model import CaseStatus


def lane_of(step: int) -> str:
    definition = sop()
    return definition.role(definition.step(step).actor).name


def test_the_model_has_a_lane_per_role_a_task_per_step_and_a_gateway_per_review() -> None:
    spec = bench.parse_spec()  # checked against the BPMN 2.0 schema while parsing
    definition = sop()
    user_tasks = {
        name: task for name, task in spec.task_specs.items() if type(task).__name__ == "UserTask"
    }
    assert sorted(user_tasks) == [bench.task_name(s.id) for s in definition.steps]
    for step in definition.steps:
        task = user_tasks[bench.task_name(step.id)]
        assert task.lane == lane_of(step.id)
        assert task.bpmn_name.startswith(f"{step.id}. {step.title}")
        following = [t.name for t in task.outputs]
        if step.is_review:
            assert step.on_approve is not None and step.on_return is not None
            assert following == [f"gw_{step.id:02d}"]
            gateway = spec.task_specs[f"gw_{step.id:02d}"]
            targets = sorted(t.name for t in gateway.outputs)
            expected = sorted(bench.task_name(s) for s in (step.on_approve, step.on_return))
            assert targets == expected
        elif step.on_approve is not None:
            assert following == [bench.task_name(step.on_approve)]
    assert {t.lane for t in user_tasks.values()} == {r.name for r in definition.roles}


@pytest.mark.parametrize("with_returns", [False, True], ids=["straight", "returns"])
def test_a_case_walks_the_model_as_sopbot_walks_the_sop(tmp_path: Path, with_returns: bool) -> None:
    definition = sop()
    path = bench.walk(definition, with_returns)
    assert len(path) == (22 if with_returns else 12)
    store = bench.SpiffStore(tmp_path / "spiff.sqlite3")
    core = Run(definition)
    core.start()
    workflow_id, ready = store.start({"title": "PK Biro 2026"})
    assert ready == bench.task_name(core.step) == "step_01"
    visits: dict[int, int] = {}
    seen: list[str] = []
    for move in path:
        uploads = bench.uploads_for(definition, move, visits, 1)
        data = bench.spiff_data(definition, move, uploads, "2026-03-02T08:00:00+07:00", 1)
        ready, lane = store.complete(workflow_id, bench.task_name(move.step), data)
        if move.decision == "return":
            core.send_back(core.holder(PEOPLE), "perbaiki")
        else:
            core.forward(PEOPLE)
        seen.append(f"{move.step}{'R' if move.decision == 'return' else ''}")
        if core.current.is_open:
            assert ready == bench.task_name(core.step), seen
            assert lane == lane_of(core.step)
        else:
            assert (ready, lane) == (None, None), seen
    assert core.current.status is CaseStatus.ARCHIVED
    assert store.completed() == 1
    (state,) = store.conn.execute(
        "SELECT serialization FROM workflow WHERE id = ?", (workflow_id,)
    ).fetchone()
    stored = json.loads(state)
    assert "spec" not in stored  # the spec is kept once, in workflow_spec
    done = [t["task_spec"] for t in stored["tasks"].values() if t["state"] == 64]  # COMPLETED
    assert sum(name.startswith("step_") for name in done) == len(path)
    store.close()


def test_a_decision_that_is_neither_approve_nor_return_is_refused_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    definition = sop()
    store = bench.SpiffStore(tmp_path / "spiff.sqlite3")
    workflow_id, _ = store.start({})
    first = bench.Move(1)
    store.complete(workflow_id, "step_01", bench.spiff_data(definition, first, [], "t", 1))
    (before,) = store.conn.execute("SELECT serialization FROM workflow").fetchone()
    with pytest.raises(Exception, match="gw_02"):
        store.complete(workflow_id, "step_02", {"decision": "maybe"})
    (after,) = store.conn.execute("SELECT serialization FROM workflow").fetchone()
    assert after == before
    ready, lane = store.complete(workflow_id, "step_02", {"decision": "return"})
    assert (ready, lane) == ("step_01", "Kasubag")
    store.close()
