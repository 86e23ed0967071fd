"""Shared roles other than the drafting team, in the workflow core (no Telegram): a step of
a shared role the SOP forms no team of (the Pegawai who applies for leave, the Pengelola
who verifies it) belongs to whoever took it for the case once somebody has; a team step
names the role it forms, and the team narrows that role alone; steps are named by the
SOP's own numbers."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from core_helpers import ADMIN, Run, person, raw_sop, sop

from bot import views
from bot.core.loader import DefinitionError, load_definition, parse_definition
from bot.core.model import EventType, InvalidValue, NotAllowed, NotHolder, PassSteps
from bot.core.workflow import holder_role, narrow_holders, step_owner
from bot.paperwork import team_role

FIXTURES = Path(__file__).parent / "fixtures" / "sops"
CUTI = FIXTURES / "cuti-pegawai.toml"
PENGADAAN_TIM = FIXTURES / "pengadaan-tim.toml"

ANI = person(21, "pegawai")
BENI = person(22, "pegawai")
DIAN = person(23, "pengelola_kepeg", "pegawai")  # a Pengelola who is a Pegawai too
EKO = person(24, "pengelola_kepeg")
ATASAN = person(25, "atasan")
KASUBAG = person(26, "kasubag_kepeg")
KABAG = person(27, "kabag_kepeg")


def who_holds(run: Run, *people: Any) -> list[int]:
    """Of ``people``, those who hold the case's current step (``holder_role`` accepts)."""
    found = []
    for p in people:
        try:
            holder_role(run.definition, run.current, p)
        except NotHolder:
            continue
        found.append(p.person_id)
    return found


def applied(run: Run) -> None:
    run.start(ANI, title="Cuti tahunan Ani")
    run.attach(ANI, "formulir_cuti")
    run.complete(ANI)


def test_a_returned_leave_application_is_its_applicants_alone() -> None:
    """Any Pegawai may apply; once Ani has, her application coming back to step 1 (from the
    Atasan, or from the Pengelola two steps on) is hers: no colleague holds it, attaches
    to it or resubmits it."""
    run = Run(load_definition(CUTI))
    applied(run)
    run.send_back(ATASAN, "Tanggal cuti bertabrakan dengan rapat kerja")
    assert run.step == 1
    assert who_holds(run, ANI, BENI, DIAN) == [ANI.person_id]
    assert isinstance(run.refuse(BENI, run.attach_cmd("formulir_cuti")), NotHolder)
    run.attach(ANI, "formulir_cuti")
    run.complete(ANI)
    run.approve(ATASAN)
    run.send_back(EKO, "Sisa cuti tahun berjalan tinggal 2 hari")
    assert run.step == 1
    assert who_holds(run, ANI, BENI, DIAN) == [ANI.person_id]
    assert run.replayed() == run.current


def test_a_shared_review_step_is_first_come_then_its_takers() -> None:
    """Step 3 (the Pengelola verify the balance) reaches both Pengelola the first time; the
    one who returned it holds it when the application comes back. Step 4 is another step:
    first come again, and after the Kabag's return (6 -> 4) its taker's alone. The archive
    step no one has acted at yet is both Pengelola's."""
    run = Run(load_definition(CUTI))
    applied(run)
    run.approve(ATASAN)
    assert who_holds(run, DIAN, EKO) == [DIAN.person_id, EKO.person_id]
    run.send_back(EKO, "Sisa cuti tahun berjalan tinggal 2 hari")
    run.complete(ANI)
    run.approve(ATASAN)
    assert run.step == 3
    assert who_holds(run, DIAN, EKO) == [EKO.person_id]
    run.approve(EKO)
    assert who_holds(run, DIAN, EKO) == [DIAN.person_id, EKO.person_id]
    run.attach(DIAN, "konsep_izin")
    run.complete(DIAN)
    run.approve(KASUBAG)
    run.send_back(KABAG, "Nomor surat salah")
    assert run.step == 4
    assert who_holds(run, DIAN, EKO) == [DIAN.person_id]
    run.complete(DIAN)
    run.approve(KASUBAG)
    run.approve(KABAG)
    assert run.step == 7
    assert who_holds(run, DIAN, EKO) == [DIAN.person_id, EKO.person_id]
    run.archive(EKO)
    assert dict(run.current.took) == {
        1: ANI.person_id,
        2: ATASAN.person_id,
        3: EKO.person_id,
        4: DIAN.person_id,
        5: KASUBAG.person_id,
        6: KABAG.person_id,
        7: EKO.person_id,
    }
    assert run.replayed() == run.current


def test_the_applicant_withdraws_and_keeps_her_application() -> None:
    run = Run(load_definition(CUTI))
    applied(run)
    run.withdraw(ANI)
    assert run.step == 1
    assert who_holds(run, ANI, BENI) == [ANI.person_id]
    assert step_owner(run.definition, run.current, 1) == ANI.person_id


def test_a_pengelola_who_leaves_releases_the_steps_she_took_but_not_an_application() -> None:
    """Dian took the verification (3) and the permit (4), and applied herself (1, a Pegawai
    too). Her role taken away, steps 3 and 4 are every Pengelola's again (passed on: her
    successor's); her own application stays hers. Only an administrator passes steps on,
    and only steps that were hers; the log replays to the same case."""
    run = Run(load_definition(CUTI))
    applied(run)
    run.approve(ATASAN)
    run.send_back(DIAN, "Sisa cuti kurang")
    run.complete(ANI)
    run.approve(ATASAN)
    assert who_holds(run, DIAN, EKO) == [DIAN.person_id]
    version = run.version
    assert isinstance(run.refuse(EKO, PassSteps(version, "pengelola_kepeg", 23, None)), NotAllowed)
    assert isinstance(
        run.refuse(ADMIN, PassSteps(version, "pengelola_kepeg", EKO.person_id, None)),
        InvalidValue,
    )
    [event] = run.do(ADMIN, PassSteps(version, "pengelola_kepeg", DIAN.person_id, None))
    assert (event.type, event.is_move, event.data["steps"]) == (EventType.STEPS_PASSED, False, [3])
    assert (run.version, run.step) == (version, 3)
    assert who_holds(run, DIAN, EKO) == [DIAN.person_id, EKO.person_id]
    run.approve(EKO)
    run.do(ADMIN, PassSteps(run.version, "pengelola_kepeg", EKO.person_id, DIAN.person_id))
    assert step_owner(run.definition, run.current, 3) == DIAN.person_id
    assert isinstance(
        run.refuse(ADMIN, PassSteps(run.version, "pegawai", ANI.person_id, None)), InvalidValue
    )
    assert run.replayed() == run.current


def test_narrowing_is_the_routes_and_the_cores_alike() -> None:
    """``narrow_holders`` is what routing sends the task to; ``holder_role`` accepts the
    same people."""
    run = Run(load_definition(CUTI))
    applied(run)
    run.send_back(ATASAN, "Lampiran kurang")
    everyone = [ANI.person_id, BENI.person_id, DIAN.person_id]
    assert narrow_holders(run.definition, run.current, "pegawai", everyone) == [ANI.person_id]


# -- a team step and a second shared role ------------------------------------------------

PPK = person(41, "ppk")
RT = person(42, "kasubag_rt")
PP = person(43, "pejabat_pengadaan")
BMN1 = person(44, "pengelola_bmn")
BMN2 = person(45, "pengelola_bmn")
TP1 = person(46, "tim_pemeriksa")
TP2 = person(47, "tim_pemeriksa")


def test_the_team_narrows_the_role_its_step_forms_and_no_other() -> None:
    """The PPK forms the Tim Pemeriksa Barang (step 8): its steps are the team's alone, and
    the Pengelola BMN's archive step still reaches both Pengelola."""
    d = load_definition(PENGADAAN_TIM)
    run = Run(d)
    run.start(RT, title="Pengadaan Printer")
    run.attach(RT, "nota_kebutuhan")
    run.attach(RT, "spesifikasi")
    run.complete(RT)
    run.approve(PPK)
    run.attach(PP, "hps")
    run.attach(PP, "penawaran")
    run.complete(PP)
    run.attach(PPK, "spk")
    run.complete(PPK)
    assert run.step == 8
    run.form_team(PPK, [TP1.person_id])
    assert run.step == 5
    assert who_holds(run, TP1, TP2) == [TP1.person_id]
    run.attach(TP1, "bast")
    run.complete(TP1)
    run.approve(PPK)
    assert run.step == 7
    assert who_holds(run, BMN1, BMN2, TP1) == [BMN1.person_id, BMN2.person_id]
    run.archive(BMN2)
    assert run.replayed() == run.current


def test_the_team_step_the_history_and_the_sk_tim_name_one_role() -> None:
    d = load_definition(PENGADAAN_TIM)
    assert d.team_roles == {"tim_pemeriksa"}
    role = d.team_role(8)
    assert role is not None and role.id == "tim_pemeriksa"
    assert views.team_name(d) == views.team_name(d, 8) == "Tim Pemeriksa Barang"
    assert team_role(d, d.step(8)) == role
    shipped = sop()
    assert shipped.step(5).team == "tim"  # the only shared role, unnamed in the file
    assert views.team_name(shipped) == "Tim Penyusunan"


def _pengadaan_tim() -> dict[str, Any]:
    with PENGADAAN_TIM.open("rb") as f:
        return tomllib.load(f)


def _problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as refused:
        parse_definition(raw)
    return list(refused.value.problems)


def test_a_team_step_among_several_shared_roles_must_name_its_role() -> None:
    raw = _pengadaan_tim()
    team_step = next(s for s in raw["steps"] if s["kind"] == "team")
    del team_step["team"]
    assert _problems(raw) == [
        "steps[4].team: this SOP has several shared roles ('pengelola_bmn', 'tim_pemeriksa'): "
        'name the one whose holders the team step picks the team among (team = "<role>")'
    ]
    team_step["team"] = "ppk"
    assert _problems(raw) == [
        "steps[4].team: role 'ppk' is not shared (shared = true): a team is picked among "
        "the several holders of a shared role"
    ]
    team_step["team"] = "juri"
    assert _problems(raw) == ["steps[4].team: unknown role 'juri'"]


def test_only_a_team_step_names_a_team() -> None:
    raw = raw_sop()
    raw["steps"][0]["team"] = "tim"
    assert _problems(raw) == [
        'steps[0].team: only a team step (kind = "team") names the role of the team it '
        "forms, not a step of kind 'action'"
    ]


# -- step numbers ------------------------------------------------------------------------


def test_a_step_is_named_by_its_own_number_and_counted_only_when_the_count_means_it() -> None:
    """Ids 1..N in file order: "Langkah 2 dari 12". Otherwise (step 8 added between 4 and
    5) the step's own number alone, as /tugas, the history and the reports name it."""
    assert sop().step_label(2, of_total=True) == "Langkah 2 dari 12"
    d = load_definition(PENGADAAN_TIM)
    assert not d.numbered_in_order
    assert d.step_label(8, of_total=True) == "Langkah 8"
    assert views.step_line(d, d.step(5)).startswith("Langkah 5: ")
