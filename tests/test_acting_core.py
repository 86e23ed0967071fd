"""Acting officials in the workflow core: decisions by mandat, strategic steps, four eyes.

UU No. 30 Tahun 2014 Pasal 14: an official acting by mandat (Plh, Plt) may not take
decisions that are strategic and change legal status in budget allocation; in this SOP that
is signing the RKAKL at step 9. And one person never decides two review levels of a case.
"""

from __future__ import annotations

from typing import Any

from core_helpers import (
    KABAG,
    KARO,
    KASUBAG,
    PEOPLE,
    TIM_A,
    TIM_B,
    Run,
    person,
    raw_sop,
    run_to,
    sop,
)

from bot.core.definition import Mandate, SopDefinition
from bot.core.loader import parse_definition
from bot.core.model import (
    Actor,
    DefinitiveOnly,
    EarlierPart,
    EventType,
    FourEyes,
    RoleGone,
    Withdraw,
)
from bot.core.workflow import excluded_reviewers, four_eyes_set_aside

PLH_KARO = Actor(20, frozenset({"karo"}), acting={"karo": "plh"})
PLT_KABAG = Actor(21, frozenset({"kabag"}), acting={"kabag": "plt"})
KABAG_AS_PLH_KARO = Actor(KABAG.person_id, frozenset({"kabag", "karo"}), acting={"karo": "plh"})
KASUBAG_AS_PLH_KABAG = Actor(
    KASUBAG.person_id, frozenset({"kasubag", "kabag"}), acting={"kabag": "plh"}
)
KASUBAG_AS_PLH_KARO = Actor(
    KASUBAG.person_id, frozenset({"kasubag", "karo"}), acting={"karo": "plh"}
)
AYU_AS_PLH_KASUBAG = Actor(
    TIM_A.person_id, frozenset({"tim", "kasubag"}), acting={"kasubag": "plh"}
)
AYU_AS_PLH_KABAG = Actor(TIM_A.person_id, frozenset({"tim", "kabag"}), acting={"kabag": "plh"})
DRAFTS = ("draf_program_kerja", "draf_rkakl", "draf_penetapan_kinerja")
KARO_AS_PLH_KABAG = Actor(KARO.person_id, frozenset({"karo", "kabag"}), acting={"kabag": "plh"})


def test_step_9_is_for_the_definitive_karo_only_as_the_toml_says() -> None:
    definition = sop()
    assert definition.step(9).mandate is Mandate.DEFINITIVE_ONLY
    assert [s.id for s in definition.steps if s.definitive_only] == [9]


def test_a_plh_karo_decides_step_3_and_the_event_says_plh() -> None:
    run = run_to(3)
    events = run.approve(PLH_KARO)
    assert events[-1].type is EventType.APPROVED
    assert events[-1].role == "karo"
    assert events[-1].data["acting"] == "plh"
    assert run.replayed() == run.current


def test_a_plh_may_not_sign_the_rkakl_at_step_9_but_the_definitive_karo_may() -> None:
    run = run_to(9)
    error = run.refuse(PLH_KARO, run.approve_cmd())
    assert isinstance(error, DefinitiveOnly)
    assert error.params["kind"] == "plh"
    error = run.refuse(PLH_KARO, run.return_cmd("belum sesuai pagu"))
    assert isinstance(error, DefinitiveOnly)
    run.approve(KARO)
    assert run.step == 10
    signature = run.current.approvals[-1]
    assert (signature.step, signature.kind, signature.acting) == (9, "signature", "")


def test_karo_acting_as_plh_kabag_initials_step_8_and_still_signs_step_9() -> None:
    """The Kabag is on leave and the Karo is his Plh (one level higher). The Karo initials
    the drafts at step 8 as Plh Kabag. Step 9 is strategic: no Plh or Plt may sign it, and
    the Karo is its only definitive official, so four eyes gives way there. He signs, and
    his signature records that he initialled step 8 as Plh Kabag; a Plh Karo still may not
    sign."""
    run = run_to(8)
    run.approve(KARO_AS_PLH_KABAG)
    assert run.step == 9
    assert excluded_reviewers(run.definition, run.current) == frozenset()
    earlier = EarlierPart(8, "paraf", "kabag", "plh")
    assert four_eyes_set_aside(run.definition, run.current, KARO.person_id) == (earlier,)
    assert four_eyes_set_aside(run.definition, run.current, KABAG.person_id) == ()
    assert isinstance(run.refuse(PLH_KARO, run.approve_cmd()), DefinitiveOnly)
    [signed] = run.approve(KARO)
    assert signed.data["four_eyes"] == [
        {"step": 8, "did": "paraf", "role": "kabag", "acting": "plh"}
    ]
    assert "acting" not in signed.data
    assert run.step == 10
    signature = run.current.approvals[-1]
    assert (signature.step, signature.kind, signature.by, signature.acting) == (
        9,
        "signature",
        KARO.person_id,
        "",
    )
    assert run.replayed() == run.current


def test_karo_who_initialled_step_8_as_plh_kabag_may_also_return_step_9() -> None:
    """He may return the drafts too; the return records it as well."""
    run = run_to(8)
    run.approve(KARO_AS_PLH_KABAG)
    [returned] = run.send_back(KARO, "Pagu RKAKL agar disesuaikan.")
    assert returned.data["four_eyes"][0]["step"] == 8
    assert run.step == 8


def test_four_eyes_still_holds_at_a_review_step_that_is_not_strategic() -> None:
    """Step 3 is not strategic: a Karo who approved step 2 as Plh Kabag does not decide it
    (a Plh Karo does), and nothing is set aside."""
    run = run_to(2)
    run.approve(KARO_AS_PLH_KABAG)
    assert excluded_reviewers(run.definition, run.current) == {
        KARO.person_id,
        KASUBAG.person_id,
    }
    assert four_eyes_set_aside(run.definition, run.current, KARO.person_id) == ()
    assert isinstance(run.refuse(KARO, run.approve_cmd()), FourEyes)
    run.approve(PLH_KARO)
    assert run.step == 4


def test_a_plt_kabag_gives_a_paraf_recorded_as_plt() -> None:
    run = run_to(8)
    run.approve(PLT_KABAG)
    paraf = run.current.approvals[-1]
    assert (paraf.step, paraf.kind, paraf.by, paraf.acting) == (8, "paraf", 21, "plt")
    assert run.replayed() == run.current


def test_a_kabag_who_is_plh_karo_cannot_decide_step_3_of_what_he_approved_at_step_2() -> None:
    run = run_to(2)
    run.approve(KABAG)
    assert run.step == 3
    # the Kabag approved step 2, the Kasubag proposed what step 3 reviews
    assert excluded_reviewers(run.definition, run.current) == {KABAG.person_id, KASUBAG.person_id}
    assert isinstance(run.refuse(KABAG_AS_PLH_KARO, run.approve_cmd()), FourEyes)
    assert isinstance(run.refuse(KABAG_AS_PLH_KARO, run.return_cmd("perbaiki")), FourEyes)
    run.approve(KARO)  # the definitive Karo decides
    assert run.step == 4


def test_a_kasubag_who_is_plh_kabag_does_not_review_her_own_proposal() -> None:
    """Four eyes covers the proposer too: Kasubag submits at step 1; as Plh Kabag she may
    not approve or return it at step 2. A member of the team who handed in the drafts
    (step 6) does not review them at step 7 either; the definitive holders do."""
    kasubag_as_plh_kabag = Actor(
        KASUBAG.person_id, frozenset({"kasubag", "kabag"}), acting={"kabag": "plh"}
    )
    run = run_to(2)
    assert excluded_reviewers(run.definition, run.current) == {KASUBAG.person_id}
    assert isinstance(run.refuse(kasubag_as_plh_kabag, run.approve_cmd()), FourEyes)
    assert isinstance(run.refuse(kasubag_as_plh_kabag, run.return_cmd("perbaiki")), FourEyes)
    run.approve(KABAG)
    assert run.step == 3
    run = run_to(7)
    handed_in = run.current.last_move
    assert handed_in is not None and handed_in.by != KASUBAG.person_id
    assert excluded_reviewers(run.definition, run.current) == {handed_in.by}
    run.approve(KASUBAG)
    assert run.step == 8


def test_four_eyes_holds_along_the_drafts_chain_too() -> None:
    run = run_to(7)
    run.approve(KASUBAG)
    kasubag_as_plt_kabag = Actor(
        KASUBAG.person_id, frozenset({"kasubag", "kabag"}), acting={"kabag": "plt"}
    )
    assert isinstance(run.refuse(kasubag_as_plt_kabag, run.approve_cmd()), FourEyes)


def test_a_withdrawn_approval_no_longer_excludes_its_author() -> None:
    run = run_to(2)
    run.approve(KABAG)
    run.withdraw(KABAG)
    assert run.step == 2
    # the Kabag may decide step 2 again; the Kasubag still may not review her proposal
    assert excluded_reviewers(run.definition, run.current) == {KASUBAG.person_id}
    assert run.current.reviewers == ()


def test_only_a_present_holder_of_the_role_takes_a_move_back() -> None:
    """A Plh Karo takes her approval back while her period runs (the event says Plh); once
    it has ended, or after the Kabag role passed on, the move made in it stays."""
    run = run_to(3)
    run.approve(PLH_KARO)
    assert run.withdraw(PLH_KARO)[-1].data == {"acting": "plh"}
    run.approve(PLH_KARO)
    period_over = Actor(PLH_KARO.person_id, frozenset())
    error = run.refuse(period_over, Withdraw(run.version))
    assert isinstance(error, RoleGone) and error.params == {"role": "karo"}
    run = run_to(2)
    run.approve(KABAG)
    kabag_no_more = Actor(KABAG.person_id, frozenset({"tim"}))
    assert isinstance(run.refuse(kabag_no_more, Withdraw(run.version)), RoleGone)
    run.withdraw(KABAG)
    assert run.step == 2


def test_the_review_chains_of_this_sop() -> None:
    definition = sop()
    assert definition.review_chain(2) == {2, 3}
    assert definition.review_chain(8) == {7, 8, 9}
    assert definition.review_chain(4) == frozenset()


def test_without_acting_officials_the_whole_sop_runs_as_before() -> None:
    run = Run(sop())
    run.start()
    while run.current.is_open:
        run.forward(PEOPLE)
    assert not any("acting" in e.data for e in run.log)
    assert run.replayed() == run.current


def test_the_kasubag_who_is_plh_kabag_does_not_decide_her_proposal_the_karo_returned() -> None:
    """Four eyes outlasts a return: the Karo sends step 3 back to step 2; the proposal the
    Kabag reviews again is still the one the Kasubag handed in at step 1."""
    run = run_to(2)
    run.approve(KABAG)
    run.send_back(KARO, "Mohon diselaraskan dengan Renstra.")
    assert run.step == 2 and run.current.last_move is None
    assert excluded_reviewers(run.definition, run.current) == {KASUBAG.person_id}
    assert isinstance(run.refuse(KASUBAG_AS_PLH_KABAG, run.approve_cmd()), FourEyes)
    assert isinstance(run.refuse(KASUBAG_AS_PLH_KABAG, run.return_cmd("perbaiki")), FourEyes)
    run.approve(KABAG)  # the definitive Kabag decides it again
    assert run.step == 3
    assert run.replayed() == run.current


def test_nor_once_the_kabag_took_his_approval_of_her_proposal_back() -> None:
    run = run_to(2)
    run.approve(KABAG)
    run.withdraw(KABAG)
    assert run.step == 2
    assert isinstance(run.refuse(KASUBAG_AS_PLH_KABAG, run.approve_cmd()), FourEyes)
    assert run.replayed() == run.current


def test_a_kasubag_who_is_plh_karo_does_not_decide_step_3_of_her_own_proposal() -> None:
    """The Kabag's approval at step 2 moves the proposal on; it is still hers at step 3."""
    run = run_to(2)
    run.approve(KABAG)
    assert isinstance(run.refuse(KASUBAG_AS_PLH_KARO, run.approve_cmd()), FourEyes)
    assert isinstance(run.refuse(KASUBAG_AS_PLH_KARO, run.return_cmd("perbaiki")), FourEyes)


def test_a_member_who_is_plh_kabag_does_not_initial_at_step_8_the_drafts_she_handed_in() -> None:
    run = run_to(6)
    run.forward([TIM_A])  # Ayu hands the drafts in
    run.approve(KASUBAG)
    assert run.step == 8
    assert excluded_reviewers(run.definition, run.current) == {
        TIM_A.person_id,
        KASUBAG.person_id,
    }
    assert isinstance(run.refuse(AYU_AS_PLH_KABAG, run.approve_cmd()), FourEyes)
    run.approve(KABAG)
    assert run.step == 9


def test_a_member_who_is_plh_kasubag_does_not_check_her_drafts_the_kabag_returned() -> None:
    """The Kabag returns step 8 to step 7: the drafts the Kasubag checks again are still
    Ayu's, so Ayu as Plh Kasubag may not; the definitive Kasubag checks them."""
    run = run_to(6)
    run.forward([TIM_A])
    run.approve(KASUBAG)
    run.send_back(KABAG, "Paraf belum lengkap.")
    assert run.step == 7
    assert isinstance(run.refuse(AYU_AS_PLH_KASUBAG, run.approve_cmd()), FourEyes)
    assert isinstance(run.refuse(AYU_AS_PLH_KASUBAG, run.return_cmd("perbaiki")), FourEyes)
    run.approve(KASUBAG)
    assert run.step == 8


def test_drafts_handed_in_again_are_the_work_of_who_handed_them_in_last() -> None:
    """The Kasubag returns the drafts to the team; Budi hands in the corrected ones. They
    are Budi's now (one hand-in per review chain: the latest), and the proposal's author is
    of another chain. Ayu, who wrote the drafts Budi handed in unchanged, is kept out too;
    once Budi has written every one of them anew, she is not."""
    run = run_to(6)
    run.forward([TIM_A])
    run.send_back(KASUBAG, "Lengkapi RKAKL.")
    run.forward([TIM_B])
    assert run.step == 7
    assert run.current.handed_in == ((1, KASUBAG.person_id), (6, TIM_B.person_id))
    assert excluded_reviewers(run.definition, run.current) == {
        TIM_A.person_id,
        TIM_B.person_id,
    }
    run.send_back(KASUBAG, "Lengkapi RKAKL.")
    for doc in DRAFTS:
        run.attach(TIM_B, doc)
    run.complete(TIM_B)
    assert excluded_reviewers(run.definition, run.current) == {TIM_B.person_id}


def test_a_member_who_wrote_the_drafts_another_handed_in_does_not_check_them_as_plh() -> None:
    """Ayu uploads the three drafts; Budi, another member, only hands them in. The drafts
    are Ayu's work all the same: as Plh Kasubag she does not check them at step 7, nor
    initial them at step 8 as Plh Kabag; the definitive officials do. One draft of hers
    still current is enough."""
    run = run_to(6)
    for doc in DRAFTS:
        run.attach(TIM_A, doc)
    run.complete(TIM_B)
    assert run.step == 7
    assert excluded_reviewers(run.definition, run.current) == {
        TIM_A.person_id,
        TIM_B.person_id,
    }
    assert isinstance(run.refuse(AYU_AS_PLH_KASUBAG, run.approve_cmd()), FourEyes)
    assert isinstance(run.refuse(AYU_AS_PLH_KASUBAG, run.return_cmd("perbaiki")), FourEyes)
    run.approve(KASUBAG)
    assert isinstance(run.refuse(AYU_AS_PLH_KABAG, run.approve_cmd()), FourEyes)
    run.send_back(KABAG, "Paraf belum lengkap.")
    run.send_back(KASUBAG, "Lengkapi RKAKL.")
    run.attach(TIM_B, "draf_rkakl")  # Budi rewrites the RKAKL only
    run.complete(TIM_B)
    assert TIM_A.person_id in excluded_reviewers(run.definition, run.current)
    assert isinstance(run.refuse(AYU_AS_PLH_KASUBAG, run.approve_cmd()), FourEyes)
    assert run.replayed() == run.current


def test_a_kasubag_in_the_team_who_wrote_a_draft_leaves_step_7_to_a_plh_kasubag() -> None:
    """The Kasubag is also a member of the team and writes the RKAKL. She does not check it
    at step 7; no one else holds the Kasubag's role, so a Plh Kasubag does (the
    administrators are asked for one: it is not a strategic step)."""
    siti = person(KASUBAG.person_id, "kasubag", "tim")
    run = run_to(5)
    run.form_team(KASUBAG, [KASUBAG.person_id, TIM_B.person_id])
    run.attach(siti, "draf_rkakl")
    run.attach(TIM_B, "draf_program_kerja")
    run.attach(TIM_B, "draf_penetapan_kinerja")
    run.complete(TIM_B)
    assert run.step == 7
    assert KASUBAG.person_id in excluded_reviewers(run.definition, run.current)
    assert isinstance(run.refuse(siti, run.approve_cmd()), FourEyes)
    plh_kasubag = Actor(22, frozenset({"kasubag"}), acting={"kasubag": "plh"})
    run.approve(plh_kasubag)
    assert run.step == 8


def test_a_karo_in_the_team_who_wrote_a_draft_still_signs_it_at_step_9() -> None:
    """The Karo is also a member of the team and writes the RKAKL. Step 9 is his alone (no
    Plh or Plt may sign it): four eyes gives way, and his signature records the upload."""
    hendra = person(KARO.person_id, "karo", "tim")
    run = run_to(5)
    run.form_team(KASUBAG, [KARO.person_id, TIM_B.person_id])
    run.attach(hendra, "draf_rkakl")
    run.forward([TIM_B])
    run.approve(KASUBAG)
    run.approve(KABAG)
    assert run.step == 9
    assert excluded_reviewers(run.definition, run.current) == frozenset()
    [signed] = run.approve(hendra)
    assert signed.data["four_eyes"] == [{"step": 6, "did": "uploaded", "role": "tim"}]
    assert run.step == 10


def test_a_plh_kabag_who_corrected_the_konsep_does_not_review_it_at_step_3_as_plh_karo() -> None:
    """The Karo returns step 3; Agus, Plh Kabag, sends the corrected Konsep and the
    definitive Kabag approves it. Agus wrote what step 3 reviews: made Plh Karo as well, he
    does not decide it. A level's own correction does not keep it from its own step: the
    definitive Kabag who corrects at step 2 still approves it."""
    plh_kabag = Actor(22, frozenset({"kabag"}), acting={"kabag": "plh"})
    plh_kabag_and_karo = Actor(
        22, frozenset({"kabag", "karo"}), acting={"kabag": "plh", "karo": "plh"}
    )
    run = run_to(2)
    run.approve(KABAG)
    run.send_back(KARO, "Mohon diselaraskan dengan Renstra.")
    run.attach(plh_kabag, "konsep_rencana_kerja")
    run.approve(KABAG)
    assert run.step == 3
    assert isinstance(run.refuse(plh_kabag_and_karo, run.approve_cmd()), FourEyes)
    run.send_back(KARO, "Belum sesuai.")
    run.attach(KABAG, "konsep_rencana_kerja")
    assert KABAG.person_id not in excluded_reviewers(run.definition, run.current)
    run.approve(KABAG)
    assert run.step == 3


def test_a_proposal_taken_back_by_its_proposer_is_hers_again_not_under_review() -> None:
    run = run_to(2)
    run.withdraw(KASUBAG)
    assert run.step == 1 and not run.current.handed_in
    run.forward([KASUBAG])
    assert run.current.handed_in == ((1, KASUBAG.person_id),)
    assert run.replayed() == run.current


def renumbered(by: int) -> SopDefinition:
    """The source SOP with every step number moved by ``by``: another SOP of the same form."""
    raw: dict[str, Any] = raw_sop()
    for step in raw["steps"]:
        for key in ("id", "on_approve", "on_return"):
            if key in step:
                step[key] += by
    return parse_definition(raw)


def test_four_eyes_reads_the_review_chains_from_the_sop_not_from_step_numbers() -> None:
    definition = renumbered(100)
    assert definition.review_chain(108) == {107, 108, 109}
    run = Run(definition)
    run.start()
    while run.step != 106:
        run.forward(PEOPLE)
    run.forward([TIM_A])
    run.approve(KASUBAG)
    run.send_back(KABAG, "Paraf belum lengkap.")
    assert run.step == 107
    assert isinstance(run.refuse(AYU_AS_PLH_KASUBAG, run.approve_cmd()), FourEyes)
    run.approve(KASUBAG)
    assert isinstance(run.refuse(AYU_AS_PLH_KABAG, run.approve_cmd()), FourEyes)


def test_a_case_opened_by_a_plh_kasubag_is_recorded_as_acting() -> None:
    """The history, /status and the Dokumentasi name who opened the case from its started
    event: "Plh. Kasubag", like every other event of hers."""
    plh_kasubag = Actor(30, frozenset({"kasubag"}), acting={"kasubag": "plh"})
    run = Run(sop())
    [opened] = run.start(plh_kasubag)
    assert (opened.type, opened.role, opened.data["acting"]) == (
        EventType.STARTED,
        "kasubag",
        "plh",
    )
    assert run.replayed() == run.current
    [opened] = Run(sop()).start(KASUBAG)
    assert "acting" not in opened.data


def test_a_plh_kabag_kept_out_by_four_eyes_does_not_send_the_correction_kabag_decides_on() -> None:
    """The Karo returns step 3 to the Kabag "untuk diperbaiki": what the Kabag's level sends
    back as corrected becomes what that level approves. The Kasubag, who proposed it, may
    not decide step 2 as Plh Kabag, so she may not send its corrected Konsep either; the
    definitive Kabag may. At step 8 likewise: Ayu, who handed the drafts in, does not send
    a corrected draft as Plh Kabag after the Karo returned step 9."""
    run = run_to(2)
    run.approve(KABAG)
    run.send_back(KARO, "Mohon diselaraskan dengan Renstra.")
    assert run.step == 2
    refused = run.refuse(KASUBAG_AS_PLH_KABAG, run.attach_cmd("konsep_rencana_kerja", file_id=90))
    assert isinstance(refused, FourEyes)
    run.attach(KABAG, "konsep_rencana_kerja")
    corrected = run.current.latest("konsep_rencana_kerja")
    assert corrected is not None and corrected.by == KABAG.person_id

    run = run_to(6)
    run.forward([TIM_A])  # Ayu hands the drafts in
    run.approve(KASUBAG)
    run.approve(KABAG)
    run.send_back(KARO, "Pagu RKAKL agar disesuaikan.")
    assert run.step == 8
    refused = run.refuse(AYU_AS_PLH_KABAG, run.attach_cmd("draf_rkakl", file_id=91))
    assert isinstance(refused, FourEyes)
    run.attach(KABAG, "draf_rkakl")
    corrected = run.current.latest("draf_rkakl")
    assert corrected is not None and corrected.by == KABAG.person_id
