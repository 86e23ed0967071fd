"""The SOP run as a case, example by example, in the words of the SOP."""

from __future__ import annotations

import pytest
from core_helpers import (
    ADMIN,
    FUNGSIONAL,
    KABAG,
    KARO,
    KASUBAG,
    OUTSIDER,
    PEOPLE,
    PLT_KABAG,
    SOP_CODE,
    TEAM,
    TIM_A,
    TIM_B,
    TIM_C,
    Run,
    person,
    run_to,
    sop,
    started,
)

from bot.core.model import (
    Actor,
    Approve,
    ArchiveCase,
    ArchiveReferenceSame,
    AttachFile,
    BadArchiveReference,
    CancelCase,
    CaseClosed,
    CaseStatus,
    Command,
    CompleteStep,
    CorrectArchiveReference,
    EventType,
    FormTeam,
    FourEyes,
    InvalidValue,
    MissingInputs,
    NotAllowed,
    NotArchived,
    NotHolder,
    ReasonRequired,
    ReplaceTeamMember,
    ReturnForCorrection,
    StaleVersion,
    StartCase,
    TextTooLong,
    Withdraw,
    WrongStepKind,
)
from bot.core.workflow import MAX_TEXT, archive_number_key, decide, holder_role, missing_inputs

DRAFTS = ("draf_program_kerja", "draf_rkakl", "draf_penetapan_kinerja")
HOLDERS = {
    1: KASUBAG,
    2: KABAG,
    3: KARO,
    4: KABAG,
    5: KASUBAG,
    6: TIM_A,
    7: KASUBAG,
    8: KABAG,
    9: KARO,
    10: KABAG,
    11: KASUBAG,
    12: FUNGSIONAL,
}
ALSO_HOLDING = {i: (PLT_KABAG,) for i in (1, 2, 4, 5, 7, 8, 10, 11)} | {6: (TIM_B,)}
REVIEWS = {2: (KABAG, 1, KASUBAG), 3: (KARO, 2, KABAG), 7: (KASUBAG, 6, TIM_A)}
REVIEWS |= {8: (KABAG, 7, KASUBAG), 9: (KARO, 8, KABAG)}


def assert_log_replays(run: Run) -> None:
    assert run.replayed() == run.case


# -- the whole SOP ---------------------------------------------------------------------


def test_the_proposal_goes_through_all_twelve_steps_to_the_archive() -> None:
    run = Run(sop())
    [started_event] = run.start(KASUBAG, year=2026, title="Program Kerja Biro 2026")
    assert started_event.type is EventType.STARTED
    case = run.current
    assert (case.step, case.version, case.status) == (1, 1, CaseStatus.OPEN)
    assert (case.title, case.fiscal_year, case.sop_code) == (
        "Program Kerja Biro 2026",
        2026,
        SOP_CODE,
    )

    # 1. Kasubag attaches the Konsep Rencana Kerja and the TOR and proposes to Kabag MK.
    run.attach(KASUBAG, "konsep_rencana_kerja", "Konsep RK 2026.docx")
    run.attach(KASUBAG, "tor", "KAK 2026.pdf")
    [event] = run.complete(KASUBAG, note="Mohon arahan")
    assert (event.type, event.step, event.to_step, event.note) == (
        EventType.COMPLETED,
        1,
        2,
        "Mohon arahan",
    )
    # 2. Kabag MK agrees and passes it to Karo; the bot writes the Disposisi.
    [event] = run.approve(KABAG)
    assert (event.type, event.to_step, event.role) == (EventType.APPROVED, 3, "kabag")
    assert "disposisi" in run.current.produced
    # 3. Karo agrees and orders Kabag MK to form the team.
    run.approve(KARO)
    # 4. Kabag MK orders Kasubag to form the team; the bot writes the SK.
    run.complete(KABAG)
    assert "sk" in run.current.produced
    # 5. Kasubag forms the drafting team.
    team_formed, completed = run.form_team(KASUBAG, [TIM_A.person_id, TIM_B.person_id])
    assert team_formed.type is EventType.TEAM_FORMED
    assert team_formed.data == {"members": [TIM_A.person_id, TIM_B.person_id]}
    assert (completed.type, completed.to_step) == (EventType.COMPLETED, 6)
    assert run.current.team == TEAM
    # 6. The team collects material and hands in the three drafts.
    run.attach(TIM_A, "bahan", "Bahan.zip")
    for doc in DRAFTS:
        run.attach(TIM_B, doc)
    run.complete(TIM_A)
    # 7. Kasubag initials; 8. Kabag MK initials; 9. Karo signs.
    run.approve(KASUBAG)
    run.approve(KABAG)
    run.approve(KARO)
    # 10. Kabag MK hands the signed documents to Kasubag; 11. Kasubag to Fungsional Umum.
    run.complete(KABAG)
    run.complete(KASUBAG)
    assert run.step == 12
    # 12. Fungsional Umum documents them.
    [archived] = run.archive(FUNGSIONAL, "ARSIP/PK/2026/07")
    assert archived.type is EventType.ARCHIVED

    case = run.current
    assert case.status is CaseStatus.ARCHIVED
    assert case.archive_reference == "ARSIP/PK/2026/07"
    assert case.closed_at == archived.at
    assert case.version == 13  # started at 1, twelve moves
    assert "dokumentasi" in case.produced
    assert {a.doc for a in case.latest_files()} == {
        "konsep_rencana_kerja",
        "tor",
        "bahan",
        *DRAFTS,
    }
    assert [(e.step, e.to_step) for e in run.log if e.is_move and e.to_step] == [
        (i, i + 1) for i in range(1, 12)
    ]
    assert_log_replays(run)


def test_each_step_is_moved_on_by_its_holder_only() -> None:
    run = started()
    for step_id, holder in HOLDERS.items():
        assert run.step == step_id
        for actor in PEOPLE:
            if actor in (holder, *ALSO_HOLDING.get(step_id, ())):
                continue
            with pytest.raises(NotHolder):
                holder_role(run.definition, run.current, actor)
            for command in run.forward_commands(TEAM)[-1:]:
                assert isinstance(run.refuse(actor, command), NotHolder)
        run.forward([holder])
    assert run.current.status is CaseStatus.ARCHIVED


def test_the_holder_acts_in_the_role_the_step_names() -> None:
    run = started()
    for step_id, holder in HOLDERS.items():
        assert holder_role(run.definition, run.current, holder) == sop().step(step_id).actor
        events = run.forward([holder])
        assert {e.role for e in events} == {sop().step(step_id).actor}
        assert {e.actor for e in events} == {holder.person_id}


def test_an_acting_kabag_who_is_also_kasubag_proposes_but_does_not_review_her_proposal() -> None:
    """She holds both roles: she submits as Kasubag; step 2 is a review of her own
    proposal, which four eyes keeps from her (the definitive Kabag decides it)."""
    run = started()
    run.forward([PLT_KABAG])
    assert run.log[-1].role == "kasubag"
    assert isinstance(run.refuse(PLT_KABAG, run.approve_cmd()), FourEyes)
    run.approve(KABAG)
    assert run.log[-1].role == "kabag"
    assert run.step == 3


def test_a_proposal_the_karo_returns_to_step_2_is_still_not_reviewed_by_its_proposer() -> None:
    """The Karo returns step 3 to step 2: the Kabag's approval no longer stands, but the
    proposal is still the one she handed in; she neither approves nor returns it at step 2,
    nor, as an acting Karo, at step 3. The definitive Kabag decides it again."""
    run = started()
    run.forward([PLT_KABAG])
    run.approve(KABAG)
    run.send_back(KARO, "Mohon diselaraskan dengan Renstra.")
    assert run.step == 2
    assert isinstance(run.refuse(PLT_KABAG, run.approve_cmd()), FourEyes)
    assert isinstance(run.refuse(PLT_KABAG, run.return_cmd("perbaiki")), FourEyes)
    run.approve(KABAG)
    assert run.step == 3
    plt_karo_too = person(PLT_KABAG.person_id, "kasubag", "kabag", "karo")
    assert isinstance(run.refuse(plt_karo_too, run.approve_cmd()), FourEyes)
    assert_log_replays(run)


# -- reviews and returns ---------------------------------------------------------------


@pytest.mark.parametrize("review_step", sorted(REVIEWS))
def test_a_reviewer_returns_with_a_reason_to_the_official_named(review_step: int) -> None:
    reviewer, back_to, corrector = REVIEWS[review_step]
    run = run_to(review_step)
    version = run.version
    [event] = run.send_back(reviewer, "  Lampiran belum lengkap  ")
    assert event.type is EventType.RETURNED
    assert (event.step, event.to_step) == (review_step, back_to)
    assert event.reason == "Lampiran belum lengkap"
    assert event.role == sop().step(review_step).actor
    assert (run.step, run.version) == (back_to, version + 1)
    assert holder_role(run.definition, run.current, corrector) == sop().step(back_to).actor
    with pytest.raises(NotHolder):
        holder_role(run.definition, run.current, reviewer)
    assert_log_replays(run)


def test_kabag_returns_the_proposal_with_a_reason_and_it_goes_back_to_kasubag() -> None:
    run = run_to(2)
    run.send_back(KABAG, "TOR belum memuat jadwal")
    assert run.step == 1
    assert run.log[-1].reason == "TOR belum memuat jadwal"
    # Kasubag corrects the TOR and proposes again; the old Konsep still counts.
    run.attach(KASUBAG, "tor")
    run.complete(KASUBAG)
    assert run.step == 2
    assert run.current.latest("tor").version == 2  # type: ignore[union-attr]


def test_karo_returns_the_drafts_to_kabag_who_returns_them_on_to_kasubag_and_the_team() -> None:
    run = run_to(9)
    run.send_back(KARO, "Target kinerja belum terukur")
    assert run.step == 8
    run.send_back(KABAG, "Perbaiki target kinerja")
    assert run.step == 7
    run.send_back(KASUBAG, "Tim mohon perbaiki")
    assert run.step == 6
    # The same team corrects the drafts.
    assert run.current.team == TEAM
    run.attach(TIM_B, "draf_penetapan_kinerja")
    run.complete(TIM_B)
    for holder in (KASUBAG, KABAG, KARO, KABAG, KASUBAG):
        run.forward([holder])
    run.archive(FUNGSIONAL)
    assert run.current.status is CaseStatus.ARCHIVED
    assert_log_replays(run)


@pytest.mark.parametrize("reason", ["", "   ", "\n\t", "\u200b", " \u3164\u3164 ", "\u2060\ufeff"])
def test_a_return_needs_a_reason(reason: str) -> None:
    run = run_to(2)
    assert isinstance(run.refuse(KABAG, ReturnForCorrection(run.version, reason)), ReasonRequired)


def test_a_reason_and_a_note_are_kept_without_control_characters() -> None:
    """A pasted NUL, a bell and Windows line ends show nothing: they are dropped, the lines
    and tabs stay, and so does a direction mark (shown as typed). PostgreSQL cannot store a
    NUL; the same reason must be kept alike on both engines."""
    run = run_to(2)
    run.send_back(KABAG, "Mohon\x00 perbaiki\r\nlampiran\u2028dua\t\u200fTOR\x07")
    assert run.log[-1].reason == "Mohon perbaiki\nlampiran\ndua\t\u200fTOR"
    run = run_to(2)
    assert isinstance(
        run.refuse(KABAG, ReturnForCorrection(run.version, "\x00\x07")), ReasonRequired
    )
    run.approve(KABAG, note="Lanjut\x00kan")
    assert run.log[-1].note == "Lanjutkan"


def test_a_reason_over_a_thousand_characters_is_refused() -> None:
    run = run_to(3)
    error = run.refuse(KARO, ReturnForCorrection(run.version, "x" * (MAX_TEXT + 1)))
    assert isinstance(error, TextTooLong)
    assert error.params == {"limit": MAX_TEXT, "length": MAX_TEXT + 1}
    run.send_back(KARO, "x" * MAX_TEXT)  # exactly the limit is kept
    assert len(run.log[-1].reason) == MAX_TEXT


def test_a_note_over_a_thousand_characters_is_refused() -> None:
    run = run_to(2)
    assert isinstance(run.refuse(KABAG, Approve(run.version, "y" * 1001)), TextTooLong)
    run = run_to(4)
    assert isinstance(run.refuse(KABAG, CompleteStep(run.version, "y" * 1001)), TextTooLong)


def test_only_a_review_step_can_be_approved_or_returned() -> None:
    run = run_to(4)
    assert isinstance(run.refuse(KABAG, Approve(run.version)), WrongStepKind)
    assert isinstance(run.refuse(KABAG, ReturnForCorrection(run.version, "tidak")), WrongStepKind)
    run = run_to(2)
    assert isinstance(run.refuse(KABAG, CompleteStep(run.version)), WrongStepKind)


def test_the_team_is_formed_by_its_own_command_and_the_archive_by_its_own() -> None:
    run = run_to(5)
    assert isinstance(run.refuse(KASUBAG, CompleteStep(run.version)), WrongStepKind)
    run = run_to(12)
    assert isinstance(run.refuse(FUNGSIONAL, CompleteStep(run.version)), WrongStepKind)
    run = run_to(11)
    assert isinstance(run.refuse(KASUBAG, ArchiveCase(run.version, "A/1")), WrongStepKind)


def test_an_archive_needs_a_reference() -> None:
    run = run_to(12)
    assert isinstance(run.refuse(FUNGSIONAL, ArchiveCase(run.version, "  ")), ReasonRequired)


@pytest.mark.parametrize(
    "reference",
    [
        "x",
        "ok",
        "arsip",
        "ARS/PK\n2027/001",
        "9" * 101,
        "١٢٣",  # Arabic-Indic digits: not the office's numbers
        "\u200b1\u200b",  # a zero-width space around a digit
        "PR.01/\u202e2027/0112",  # a right-to-left override inside
        "\u3164\u31641",  # Hangul fillers that show nothing
        "ARS\t2027",
    ],
)
def test_an_archive_number_is_one_line_with_a_digit(reference: str) -> None:
    run = run_to(12)
    refused = run.refuse(FUNGSIONAL, ArchiveCase(run.version, reference))
    assert isinstance(refused, BadArchiveReference)
    assert run.archive(FUNGSIONAL, "PR.01.01/2027")[0].data["reference"] == "PR.01.01/2027"


@pytest.mark.parametrize(("typed", "kept"), [("ＰＲ．０１/２０２７", "PR.01/2027"), ("²²²", "222")])
def test_an_archive_number_typed_in_wide_or_raised_digits_is_kept_in_plain_ones(
    typed: str, kept: str
) -> None:
    run = run_to(12)
    assert run.archive(FUNGSIONAL, typed)[0].data["reference"] == kept


# -- paraf and signature ---------------------------------------------------------------


def test_kasubag_and_kabag_initial_and_karo_signs() -> None:
    run = run_to(7)
    assert not run.current.approvals
    run.approve(KASUBAG)
    run.approve(KABAG)
    [signed] = run.approve(KARO)
    assert signed.data == {"approval": "signature"}
    approvals = run.current.approvals
    assert [(a.step, a.kind, a.by, a.role) for a in approvals] == [
        (7, "paraf", KASUBAG.person_id, "kasubag"),
        (8, "paraf", KABAG.person_id, "kabag"),
        (9, "signature", KARO.person_id, "karo"),
    ]
    assert approvals[-1].at == signed.at
    assert_log_replays(run)


def test_the_proposal_reviews_record_no_paraf() -> None:
    run = run_to(4)
    assert not run.current.approvals
    assert [e.data for e in run.log if e.type is EventType.APPROVED] == [{}, {}]


# -- documents -------------------------------------------------------------------------


def test_kasubag_cannot_propose_without_the_tor() -> None:
    run = started()
    run.attach(KASUBAG, "konsep_rencana_kerja")
    error = run.refuse(KASUBAG, CompleteStep(run.version))
    assert isinstance(error, MissingInputs)
    assert error.params == {"missing": ["tor"]}


def test_kasubag_cannot_propose_with_nothing_attached() -> None:
    run = started()
    error = run.refuse(KASUBAG, CompleteStep(run.version))
    assert isinstance(error, MissingInputs)
    assert error.params == {"missing": ["konsep_rencana_kerja", "tor"]}


def test_the_team_cannot_hand_in_without_every_draft() -> None:
    run = run_to(6)
    assert missing_inputs(run.definition, run.current, sop().step(6)) == list(DRAFTS)
    run.attach(TIM_A, "draf_program_kerja")
    run.attach(TIM_A, "draf_rkakl")
    error = run.refuse(TIM_A, CompleteStep(run.version))
    assert isinstance(error, MissingInputs)
    assert error.params == {"missing": ["draf_penetapan_kinerja"]}


def test_the_bahan_is_optional() -> None:
    run = run_to(6)
    for doc in DRAFTS:
        run.attach(TIM_A, doc)
    run.complete(TIM_A)
    assert run.step == 7
    assert run.current.latest("bahan") is None


def test_a_document_not_expected_at_this_step_is_refused() -> None:
    run = started()
    for doc in ("draf_rkakl", "disposisi", "bahan", "surat_lain"):
        error = run.refuse(KASUBAG, run.attach_cmd(doc))
        assert isinstance(error, NotAllowed)
        assert error.params == {"doc": doc}
    run = run_to(2)  # a review step takes only what it corrects: not the TOR
    assert isinstance(run.refuse(KABAG, run.attach_cmd("tor")), NotAllowed)
    run = run_to(7)  # nor anything at a review no return "untuk diperbaiki" reaches
    assert isinstance(run.refuse(KASUBAG, run.attach_cmd("draf_rkakl")), NotAllowed)


def test_karo_returns_the_rencana_kerja_to_kabag_who_corrects_it_and_approves_again() -> None:
    """Source line 22: "jika tidak setuju dikembalikan kepada Kabag MK untuk diperbaiki"."""
    run = run_to(3)
    run.send_back(KARO, "Rencana Kerja agar diselaraskan dengan Renstra.")
    assert run.step == 2
    run.attach(KABAG, "konsep_rencana_kerja", "Rencana Kerja (perbaikan).docx")
    corrected = run.current.latest("konsep_rencana_kerja")
    assert corrected is not None and (corrected.version, corrected.by) == (2, KABAG.person_id)
    run.forward([KABAG])
    assert run.step == 3 and run.current.latest("konsep_rencana_kerja") == corrected
    assert_log_replays(run)


def test_kabag_corrects_the_konsep_and_the_drafts_only_once_karo_returned_them() -> None:
    """On the first pass Kabag decides on what Kasubag and the team handed in ("jika tidak
    setuju dikembalikan ... untuk diperbaiki"): a file he sends is not their next version.
    Nor when the case comes to him again after a return further down (to Kasubag): only a
    return to his own step hands him the documents to correct."""
    run = run_to(2)
    assert isinstance(run.refuse(KABAG, run.attach_cmd("konsep_rencana_kerja")), NotAllowed)
    run.send_back(KABAG, "TOR belum lengkap.")
    run.forward([KASUBAG])
    assert run.step == 2
    assert isinstance(run.refuse(KABAG, run.attach_cmd("konsep_rencana_kerja")), NotAllowed)
    run = run_to(8)
    for doc in DRAFTS:
        assert isinstance(run.refuse(KABAG, run.attach_cmd(doc)), NotAllowed), doc
    run.forward([KABAG])
    run.send_back(KARO, "Pagu RKAKL agar disesuaikan.")
    assert run.step == 8
    run.attach(KABAG, "draf_rkakl", "RKAKL (perbaikan).xlsx")
    corrected = run.current.latest("draf_rkakl")
    assert corrected is not None and corrected.by == KABAG.person_id


def test_kabag_may_approve_the_returned_drafts_again_without_sending_a_new_version() -> None:
    run = run_to(9)
    run.send_back(KARO, "Mohon dilengkapi paraf.")
    step = run.definition.step(8)
    assert step.corrects and missing_inputs(run.definition, run.current, step) == []
    run.forward([KABAG])
    assert run.step == 9


def test_only_the_holder_attaches_files() -> None:
    run = started()
    assert isinstance(run.refuse(KABAG, run.attach_cmd("tor")), NotHolder)
    run = run_to(6)
    assert isinstance(run.refuse(KASUBAG, run.attach_cmd("draf_rkakl")), NotHolder)


def test_each_new_file_of_a_document_gets_the_next_version() -> None:
    run = run_to(6)
    run.attach(TIM_A, "draf_rkakl", "rkakl-v1.xlsx")
    run.attach(TIM_B, "draf_rkakl", "rkakl-v2.xlsx")
    run.attach(TIM_A, "draf_program_kerja")
    run.attach(TIM_A, "draf_rkakl", "rkakl-v3.xlsx")
    case = run.current
    assert [a.version for a in case.files if a.doc == "draf_rkakl"] == [1, 2, 3]
    assert case.latest("draf_rkakl").name == "rkakl-v3.xlsx"  # type: ignore[union-attr]
    assert case.latest("draf_program_kerja").version == 1  # type: ignore[union-attr]
    assert [a.by for a in case.files if a.doc == "draf_rkakl"] == [4, 5, 4]
    assert case.version == run_to(6).version  # attaching a file does not move the step
    assert_log_replays(run)


def test_a_file_attached_in_step_1_still_counts_after_a_return() -> None:
    run = run_to(3)
    run.send_back(KARO, "Perbaiki")
    run.send_back(KABAG, "Perbaiki")
    assert run.step == 1
    assert missing_inputs(run.definition, run.current, sop().step(1)) == []
    run.complete(KASUBAG)
    assert run.step == 2


# -- versions --------------------------------------------------------------------------


def test_a_command_against_an_old_version_is_refused() -> None:
    run = run_to(2)
    old = run.version - 1
    stale: list[tuple[Actor, Command]] = [
        (KABAG, Approve(old)),
        (KABAG, ReturnForCorrection(old, "alasan")),
        (KASUBAG, Withdraw(old)),
        (ADMIN, CancelCase(old, "alasan")),
        (KABAG, Approve(run.version + 1)),
    ]
    for actor, command in stale:
        error = run.refuse(actor, command)
        assert isinstance(error, StaleVersion)
    assert run.refuse(KABAG, Approve(old)).params == {"current": run.version, "given": old}


def test_two_reviewers_answering_the_same_version_only_the_first_counts() -> None:
    run = run_to(8)
    stale = ReturnForCorrection(run.version, "kembali")
    run.approve(PLT_KABAG)  # the acting Kabag answers first
    assert isinstance(run.refuse(KABAG, stale), StaleVersion)


def test_every_move_raises_the_version_by_one() -> None:
    run = started()
    while run.current.is_open:
        before = run.version
        events = run.forward(PEOPLE)
        assert run.version == before + sum(e.is_move for e in events) == before + 1


# -- the drafting team -----------------------------------------------------------------


def test_once_the_team_is_formed_only_its_members_draft() -> None:
    run = run_to(6)
    assert run.current.team == TEAM
    error = run.refuse(TIM_C, run.attach_cmd("draf_rkakl"))
    assert isinstance(error, NotHolder)
    assert error.params == {"role": "tim", "team": True}
    for doc in DRAFTS:
        run.attach(TIM_B, doc)
    assert isinstance(run.refuse(TIM_C, CompleteStep(run.version)), NotHolder)
    run.complete(TIM_A)
    assert run.step == 7


def test_a_team_member_who_holds_no_tim_role_cannot_draft() -> None:
    run = run_to(6, team=(TIM_A.person_id, KABAG.person_id))
    assert isinstance(run.refuse(KABAG, run.attach_cmd("draf_rkakl")), NotHolder)


def test_a_team_needs_members_and_lists_each_once() -> None:
    run = run_to(5)
    error = run.refuse(KASUBAG, FormTeam(run.version, ()))
    assert isinstance(error, InvalidValue)
    run.form_team(KASUBAG, [TIM_B.person_id, TIM_A.person_id, TIM_B.person_id])
    assert run.current.team == (TIM_B.person_id, TIM_A.person_id)


def test_only_kasubag_forms_the_team() -> None:
    run = run_to(5)
    for actor in (KABAG, TIM_A, KARO):
        assert isinstance(run.refuse(actor, FormTeam(run.version, TEAM)), NotHolder)


def test_the_team_cannot_be_formed_before_the_sk() -> None:
    # The SK comes from Kabag's order (step 4); the definition guarantees it before step 5.
    run = run_to(5)
    assert missing_inputs(run.definition, run.current, sop().step(5)) == []
    assert {"disposisi", "sk"} <= run.current.produced


# -- withdrawing -----------------------------------------------------------------------


def test_kasubag_withdraws_the_proposal_before_kabag_acts() -> None:
    run = run_to(2)
    version = run.version
    [event] = run.withdraw(KASUBAG)
    assert event.type is EventType.WITHDRAWN
    assert (event.step, event.to_step, event.role) == (2, 1, "kasubag")
    assert (run.step, run.version) == (1, version + 1)
    assert run.current.last_move is None
    # Nothing left to withdraw twice.
    assert isinstance(run.refuse(KASUBAG, Withdraw(run.version)), NotAllowed)
    assert_log_replays(run)


def test_the_team_cannot_withdraw_the_drafts_once_kasubag_has_returned_them() -> None:
    run = run_to(7)
    run.send_back(KASUBAG, "Perbaiki")
    assert isinstance(run.refuse(TIM_A, Withdraw(run.version)), NotAllowed)


def test_nobody_but_the_submitter_withdraws() -> None:
    run = run_to(7)  # Tim A handed the drafts in
    for actor in (TIM_B, KASUBAG, KABAG, ADMIN):
        assert isinstance(run.refuse(actor, Withdraw(run.version)), NotAllowed)
    run.withdraw(TIM_A)
    assert run.step == 6


def test_no_withdrawal_after_the_next_holder_attached_a_file() -> None:
    run = run_to(6)  # Kasubag formed the team
    run.attach(TIM_A, "bahan")
    assert isinstance(run.refuse(KASUBAG, Withdraw(run.version)), NotAllowed)


def test_the_submitter_may_still_withdraw_after_attaching_more_himself() -> None:
    run = run_to(6)
    for doc in DRAFTS:
        run.attach(TIM_A, doc)
    run.complete(TIM_A)
    # Tim A is still in step 7's chat: Kasubag has not acted yet, so the drafts come back.
    run.withdraw(TIM_A)
    assert run.step == 6


def test_no_withdrawal_after_the_next_holder_moved_the_case() -> None:
    run = run_to(2)
    run.approve(KABAG)
    assert isinstance(run.refuse(KASUBAG, Withdraw(run.version)), NotAllowed)
    # Kabag, whose approval it now is, may take it back while Karo has not acted.
    run.withdraw(KABAG)
    assert run.step == 2


def test_no_withdrawal_at_the_start_of_a_case() -> None:
    run = started()
    assert isinstance(run.refuse(KASUBAG, Withdraw(run.version)), NotAllowed)


# -- cancelling ------------------------------------------------------------------------


def test_an_administrator_cancels_a_case_with_a_reason() -> None:
    run = run_to(4)
    [event] = run.cancel(ADMIN, "Diganti usulan baru")
    assert (event.type, event.role, event.reason) == (
        EventType.CANCELLED,
        "admin",
        "Diganti usulan baru",
    )
    case = run.current
    assert case.status is CaseStatus.CANCELLED
    assert case.closed_at == event.at
    assert case.step == 4
    assert_log_replays(run)


def test_nobody_but_an_administrator_cancels() -> None:
    run = run_to(4)
    for actor in (KABAG, KARO, KASUBAG, OUTSIDER):
        assert isinstance(run.refuse(actor, CancelCase(run.version, "batal")), NotAllowed)


def test_a_cancellation_needs_a_reason() -> None:
    run = run_to(4)
    assert isinstance(run.refuse(ADMIN, CancelCase(run.version, " ")), ReasonRequired)


# -- an archive number corrected (/ubah_arsip) ----------------------------------------------


def test_an_administrator_corrects_a_mistyped_archive_number_with_a_reason() -> None:
    """Dewi filed the case as OT.04.00/1223/2026 for OT.04.00/123/2026: the administrator
    corrects it; the event keeps both numbers and the reason, the case stays archived
    (a correction is not a move), and nothing else can be done with it."""
    run = run_to(12)
    run.archive(FUNGSIONAL, "OT.04.00/1223/2026")
    version = run.version
    fix = CorrectArchiveReference(version, " OT.04.00/123/2026 ", "salah ketik")
    [event] = run.do(ADMIN, fix)
    assert (event.type, event.role, event.reason, event.data) == (
        EventType.ARCHIVE_CORRECTED,
        "admin",
        "salah ketik",
        {"reference": "OT.04.00/123/2026", "old": "OT.04.00/1223/2026"},
    )
    case = run.current
    assert case.archive_reference == "OT.04.00/123/2026"
    assert (case.status, case.version) == (CaseStatus.ARCHIVED, version)
    assert isinstance(run.refuse(FUNGSIONAL, Withdraw(run.version)), CaseClosed)
    assert isinstance(run.refuse(ADMIN, CancelCase(run.version, "batal")), CaseClosed)
    assert_log_replays(run)


def test_an_archive_number_is_corrected_only_by_an_administrator_with_a_reason() -> None:
    run = run_to(12)
    run.archive(FUNGSIONAL, "OT.04.00/1223/2026")
    fix = CorrectArchiveReference(run.version, "OT.04.00/123/2026", "salah ketik")
    for actor in (FUNGSIONAL, KASUBAG, OUTSIDER):
        assert isinstance(run.refuse(actor, fix), NotAllowed)
    no_reason = CorrectArchiveReference(run.version, "OT.04.00/123/2026", " ")
    assert isinstance(run.refuse(ADMIN, no_reason), ReasonRequired)
    bad = CorrectArchiveReference(run.version, "x", "salah ketik")
    assert isinstance(run.refuse(ADMIN, bad), BadArchiveReference)
    same = CorrectArchiveReference(run.version, "OT.04.00/1223/2026", "salah ketik")
    assert isinstance(run.refuse(ADMIN, same), ArchiveReferenceSame)


def test_only_an_archived_case_has_its_archive_number_corrected() -> None:
    run = run_to(12)
    fix = CorrectArchiveReference(run.version, "OT.04.00/123/2026", "salah ketik")
    assert isinstance(run.refuse(ADMIN, fix), NotArchived)
    run.cancel(ADMIN, "Kegiatan dibatalkan")
    fix = CorrectArchiveReference(run.version, "OT.04.00/123/2026", "salah ketik")
    assert isinstance(run.refuse(ADMIN, fix), NotArchived)


# -- a team member's place passed on (/alihkan tim) ---------------------------------------


def test_an_administrator_passes_a_team_members_place_on_without_moving_the_case() -> None:
    """Tim A leaves while the team drafts; the administrator passes her role to Tim C: Tim C
    takes her place (the order kept), the case stays at its step and version, so every
    button shown for the step still works, and the log replays to the same team."""
    run = run_to(6)
    version, step = run.version, run.current.step
    [event] = run.do(ADMIN, ReplaceTeamMember(version, TIM_A.person_id, TIM_C.person_id))
    assert (event.type, event.role, event.is_move) == (EventType.TEAM_CHANGED, "admin", False)
    assert event.people == (ADMIN.person_id, TIM_A.person_id, TIM_C.person_id)
    case = run.current
    assert case.team == (TIM_C.person_id, TIM_B.person_id)
    assert (case.version, case.step) == (version, step)
    assert_log_replays(run)


def test_a_place_passed_to_a_member_already_in_the_team_leaves_one_member() -> None:
    run = run_to(6)
    run.do(ADMIN, ReplaceTeamMember(run.version, TIM_A.person_id, TIM_B.person_id))
    assert run.current.team == (TIM_B.person_id,)


def test_only_an_administrator_passes_a_place_on_and_only_a_members() -> None:
    run = run_to(6)
    command = ReplaceTeamMember(run.version, TIM_A.person_id, TIM_C.person_id)
    for actor in (KASUBAG, TIM_B, OUTSIDER):
        assert isinstance(run.refuse(actor, command), NotAllowed)
    outsider = ReplaceTeamMember(run.version, TIM_C.person_id, TIM_A.person_id)
    assert isinstance(run.refuse(ADMIN, outsider), InvalidValue)


@pytest.mark.parametrize("close", ["archive", "cancel"])
def test_a_closed_case_refuses_every_command(close: str) -> None:
    if close == "archive":
        run = run_to(12)
        run.archive(FUNGSIONAL)
    else:
        run = run_to(7)
        run.cancel(ADMIN, "batal")
    v = run.version
    commands: list[tuple[Actor, Command]] = [
        (FUNGSIONAL, ArchiveCase(v, "lagi")),
        (KASUBAG, Approve(v)),
        (KASUBAG, ReturnForCorrection(v, "kembali")),
        (KASUBAG, CompleteStep(v)),
        (TIM_A, AttachFile(v, "draf_rkakl", 9, "0" * 64, "x.pdf")),
        (KASUBAG, FormTeam(v, TEAM)),
        (FUNGSIONAL, Withdraw(v)),
        (ADMIN, CancelCase(v, "batal lagi")),
        (KASUBAG, Approve(v - 1)),
    ]
    for actor, command in commands:
        error = run.refuse(actor, command)
        assert isinstance(error, CaseClosed)
        assert error.params == {"status": run.current.status.value}


# -- starting a case -------------------------------------------------------------------


def test_kasubag_starts_a_case_at_step_1() -> None:
    run = started()
    case = run.current
    assert (case.step, case.version, case.started_by) == (1, 1, KASUBAG.person_id)
    assert case.opened_at == case.step_entered_at == run.log[0].at


@pytest.mark.parametrize("actor", [KABAG, KARO, TIM_A, FUNGSIONAL, ADMIN, OUTSIDER])
def test_only_the_holder_of_step_1_starts_a_case(actor: Actor) -> None:
    run = Run(sop())
    assert isinstance(run.refuse(actor, StartCase(1, SOP_CODE, "biro", "PK", 2026)), NotHolder)


@pytest.mark.parametrize("year", [1999, 2101, 0, -2026, 20260])
def test_a_fiscal_year_out_of_range_is_refused(year: int) -> None:
    run = Run(sop())
    error = run.refuse(KASUBAG, StartCase(1, SOP_CODE, "biro", "PK", year))
    assert isinstance(error, InvalidValue)
    assert error.params == {"field": "fiscal_year"}


@pytest.mark.parametrize("year", [2000, 2026, 2100])
def test_a_fiscal_year_in_range_is_kept(year: int) -> None:
    run = Run(sop())
    run.start(year=year)
    assert run.current.fiscal_year == year


def test_a_case_for_another_sop_is_refused() -> None:
    run = Run(sop())
    error = run.refuse(KASUBAG, StartCase(1, "sop-lain", "biro", "PK", 2026))
    assert isinstance(error, InvalidValue)


def test_a_title_is_required_and_at_most_a_thousand_characters() -> None:
    run = Run(sop())
    assert isinstance(run.refuse(KASUBAG, StartCase(1, SOP_CODE, "b", "  ", 2026)), ReasonRequired)
    too_long = StartCase(1, SOP_CODE, "b", "t" * 1001, 2026)
    assert isinstance(run.refuse(KASUBAG, too_long), TextTooLong)


def test_a_case_cannot_be_started_twice() -> None:
    run = started()
    error = run.refuse(KASUBAG, StartCase(1, SOP_CODE, "biro", "PK", 2026))
    assert isinstance(error, InvalidValue)


def test_a_command_for_no_case_is_refused() -> None:
    with pytest.raises(InvalidValue):
        decide(sop(), None, Approve(1), KABAG, run_to(2).clock)


def test_an_archive_number_is_compared_without_spaces_case_or_a_closing_full_stop() -> None:
    """ "ot.04.00 / 123 / 2026." is the number "OT.04.00/123/2026": written on a folder, no
    one could tell them apart. A digit, a separator or another year makes another number."""
    key = archive_number_key("OT.04.00/123/2026")
    for typed in (
        "ot.04.00/123/2026",
        "OT.04.00 / 123 / 2026",
        "OT.04.00/123/2026.",
        "Ot.04.00/123/2026 ,",
    ):
        assert archive_number_key(typed) == key, typed
    for other in ("OT.04.00/1223/2026", "OT.04.00/123/2027", "OT.04.00-123-2026", "OT.04.00/123"):
        assert archive_number_key(other) != key, other
