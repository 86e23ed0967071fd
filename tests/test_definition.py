"""The SOP as data: the source SOP loads as the README reads it, and a broken one is refused.

Every refusal starts from the real TOML, breaks exactly one thing and expects the loader to
name the place (``<path>: <message>``).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from core_helpers import SOP_PATH, raw_sop, sop

from bot.callbacks import Callback, Op, decode
from bot.core.definition import MAX_STEP_ID, ApprovalKind, DocumentSource, StepKind
from bot.core.loader import (
    MAX_STEP_MINUTES,
    DefinitionError,
    load_definition,
    parse_definition,
    stored_definition,
)

Raw = dict[str, Any]


def refusal(break_it: Callable[[Raw], object]) -> list[str]:
    """The problems the loader reports for the source SOP with one thing broken."""
    raw = raw_sop()
    break_it(raw)
    with pytest.raises(DefinitionError) as caught:
        parse_definition(raw, source="broken.toml")
    assert caught.value.source == "broken.toml"
    for problem in caught.value.problems:
        assert problem in str(caught.value)
    return caught.value.problems


def step_at(raw: Raw, step_id: int) -> dict[str, Any]:
    return next(s for s in raw["steps"] if s["id"] == step_id)


# -- the source SOP --------------------------------------------------------------------


def test_the_source_sop_loads_with_its_twelve_steps_in_order() -> None:
    definition = sop()
    assert definition.code == "ppk-rkakl-pk"
    assert [s.id for s in definition.steps] == list(range(1, 13))
    assert definition.first_step.id == 1


def test_each_step_is_performed_by_the_official_its_sentence_names() -> None:
    assert [s.actor for s in sop().steps] == [
        "kasubag",
        "kabag",
        "karo",
        "kabag",
        "kasubag",
        "tim",
        "kasubag",
        "kabag",
        "karo",
        "kabag",
        "kasubag",
        "fungsional_umum",
    ]


def test_the_decisions_are_steps_2_3_7_8_9_and_each_returns_to_the_official_named() -> None:
    reviews = {s.id: s.on_return for s in sop().steps if s.is_review}
    assert reviews == {2: 1, 3: 2, 7: 6, 8: 7, 9: 8}
    for step in sop().steps:
        if not step.is_review:
            assert step.on_return is None


def test_every_step_but_the_last_approves_into_the_next_and_the_last_archives() -> None:
    steps = sop().steps
    for step, following in pairwise(steps):
        assert step.on_approve == following.id
    assert steps[-1].kind is StepKind.ARCHIVE
    assert steps[-1].on_approve is None


def test_step_kinds_follow_the_activities() -> None:
    kinds = {s.id: s.kind for s in sop().steps}
    assert kinds[5] is StepKind.TEAM  # Kasubag forms the drafting team
    assert kinds[6] is StepKind.UPLOAD  # the team hands in the drafts
    assert kinds[12] is StepKind.ARCHIVE  # Fungsional Umum documents the result
    assert {kinds[i] for i in (1, 4, 10, 11)} == {StepKind.ACTION}


def test_kasubag_and_kabag_initial_the_drafts_and_karo_signs_them() -> None:
    approvals = {s.id: s.approval for s in sop().steps if s.approval is not None}
    assert approvals == {
        7: ApprovalKind.PARAF,
        8: ApprovalKind.PARAF,
        9: ApprovalKind.SIGNATURE,
    }


def test_the_hierarchy_runs_karo_kabag_kasubag_tim_with_fungsional_umum_under_kasubag() -> None:
    assert sop().superior_of() == {
        "karo": None,
        "kabag": "karo",
        "kasubag": "kabag",
        "tim": "kasubag",
        "fungsional_umum": "kasubag",
    }


def test_only_the_drafting_team_is_held_by_several_people() -> None:
    assert [r.id for r in sop().roles if r.shared] == ["tim"]


def test_the_header_keeps_legal_basis_qualifications_related_sops_and_warning() -> None:
    header = sop().header
    assert header.name == "Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro"
    assert header.approved_by == "Kepala Biro Perencanaan"  # DISAHKAN OLEH, as printed
    assert header.revision_date == "-"
    assert len(header.legal_basis) == 5
    assert header.legal_basis[0].startswith("UU No. 39 Tahun 2008")
    assert len(header.qualifications) == 3
    assert header.related_sops == (
        "SOP Pembentukan Tim",
        "SOP Pengumpulan Bahan",
        "SOP Pembuatan Draf",
        "SOP Pendokumentasian",
    )
    assert header.warning.startswith("Teliti kesesuaian")
    assert len(header.organisation) == 3
    assert len(header.equipment) == 3
    assert header.record_keeping == "Disimpan sebagai data elektronik dan manual"


def test_the_approved_konsep_rencana_kerja_is_the_rencana_kerja() -> None:
    definition = sop()
    assert definition.canonical("rencana_kerja") == "konsep_rencana_kerja"
    assert definition.canonical("program_kerja") == "draf_program_kerja"
    assert definition.canonical("tor") == "tor"


def test_the_bot_writes_the_disposisi_sk_and_dokumentasi_papers() -> None:
    definition = sop()
    generated = {d.id for d in definition.documents if d.source is DocumentSource.GENERATED}
    assert generated == {"disposisi", "sk", "dokumentasi"}
    # the papers are written where the steps name them: the SK Tim once Kasubag has formed
    # the team (step 5), not at step 4, whose outputs name the SK
    papers = {s.id: s.papers for s in definition.steps if s.papers}
    assert papers == {
        2: ("disposisi",),
        3: ("disposisi",),
        4: ("disposisi",),
        5: ("sk_tim",),
        12: ("dokumentasi",),
    }


def test_only_the_bahan_may_be_missing() -> None:
    assert [d.id for d in sop().documents if d.optional] == ["bahan"]


def test_the_time_norm_is_the_sum_of_the_step_times() -> None:
    definition = sop()
    assert definition.norm_minutes == sum(s.time_minutes for s in definition.steps)
    assert definition.norm_minutes == 8640
    assert definition.step(6).time_minutes == 4800  # ten working days for the drafts


def test_a_deployment_overrides_some_step_times_without_touching_the_source() -> None:
    definition = sop()
    faster = definition.with_step_times({6: 2400, 9: 240})
    assert faster.step(6).time_minutes == 2400
    assert faster.step(9).time_minutes == 240
    assert faster.step(1).time_minutes == definition.step(1).time_minutes
    assert faster.norm_minutes == definition.norm_minutes - 2400 - 240
    assert definition.step(6).time_minutes == 4800
    assert faster.step(6).actor == "tim"  # the lookup tables follow the copy
    assert faster.has_step(12)


def test_load_definition_reads_the_file_and_parse_definition_gives_the_same() -> None:
    assert load_definition(str(SOP_PATH)) == parse_definition(raw_sop())


# -- refusals ----------------------------------------------------------------------------


def test_a_step_performed_by_an_unknown_role_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 4).update(actor="sekretaris"))
    assert problems == ["steps[3].actor: unknown role 'sekretaris'"]


def test_a_role_or_document_id_misspelt_by_a_letter_is_told_the_id_meant() -> None:
    """The office types kasubbag for the actor of step 1 and draf_rkkl for an input of step
    7: each was "unknown role 'kasubbag'", and the ids are in another part of the file."""

    def break_it(raw: Raw) -> None:
        step_at(raw, 1)["actor"] = "kasubbag"
        step_at(raw, 7)["inputs"][1] = "draf_rkkl"

    assert refusal(break_it) == [
        "steps[0].actor: unknown role 'kasubbag' (did you mean 'kasubag'?)",
        "steps[6].inputs[1]: unknown document 'draf_rkkl' (did you mean 'draf_rkakl'?)",
    ]


def test_a_superior_that_is_no_role_is_refused() -> None:
    problems = refusal(lambda raw: raw["roles"][0].update(superior="menteri"))
    assert "roles[0].superior: unknown role 'menteri'" in problems


def test_a_role_or_document_written_by_its_name_instead_of_its_id_is_told_the_id() -> None:
    """The office writes the actor as the form's heading reads, "Kabag", and a document as
    the step's column names it, "Draf RKAKL": the refusal says which id that name has."""

    def break_it(raw: Raw) -> None:
        step_at(raw, 2)["actor"] = "Kabag"
        step_at(raw, 7)["inputs"][1] = "Draf RKAKL"
        raw["roles"][2]["superior"] = "Kepala Bagian Manajemen Kinerja"

    assert refusal(break_it) == [
        "roles[2].superior: unknown role 'Kepala Bagian Manajemen Kinerja' (the name of "
        "role 'kabag': a role is named by its id)",
        "steps[1].actor: unknown role 'Kabag' (the name of role 'kabag': a role is named by "
        "its id)",
        "steps[6].inputs[1]: unknown document 'Draf RKAKL' (the name of document "
        "'draf_rkakl': a document is named by its id)",
    ]


def test_a_return_to_a_step_that_does_not_exist_is_refused() -> None:
    def break_it(raw: Raw) -> None:
        # Step 9 is renumbered 90; step 4 becomes a review that returns to "step 9".
        step_at(raw, 9)["id"] = 90
        step_at(raw, 8)["on_approve"] = 90
        step_at(raw, 4).update(kind="review", on_return=9)

    assert refusal(break_it) == ["steps[3].on_return: step 9 does not exist"]


def test_a_review_returning_to_step_99_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 7).update(on_return=99))
    assert problems == ["steps[6].on_return: step 99 does not exist"]


def test_an_approval_leading_to_a_step_that_does_not_exist_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 11).update(on_approve=99))
    assert "steps[10].on_approve: step 99 does not exist" in problems


@pytest.mark.parametrize(
    ("break_it", "problem"),
    [
        # step 3 typed to lead to step 31 instead of step 4
        (
            lambda raw: step_at(raw, 3).update(on_approve=31),
            "steps[2].on_approve: step 31 does not exist",
        ),
        # step 11's next step left out
        (
            lambda raw: step_at(raw, 11).pop("on_approve"),
            "steps[10].on_approve: missing (only the last step, or an archive step, ends the SOP)",
        ),
    ],
)
def test_a_step_leading_nowhere_is_refused_with_that_one_line(
    break_it: Callable[[Raw], object], problem: str
) -> None:
    """One slip is one line: the steps after it are not also called "unreachable", nor those
    before it "with no path to the end", which would send the office after steps that are
    right."""
    assert refusal(break_it) == [problem]


def test_a_review_without_a_return_target_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 8).pop("on_return"))
    assert problems == ["steps[7].on_return: missing required field for a review step"]


def test_a_step_nobody_leads_to_is_refused_as_unreachable() -> None:
    # Kabag's order goes straight to the Tim: nobody forms the team any more.
    problems = refusal(lambda raw: step_at(raw, 4).update(on_approve=6))
    assert "steps[4]: step 5 is unreachable from step 1" in problems


def test_two_steps_approving_into_each_other_have_no_path_to_the_end() -> None:
    def break_it(raw: Raw) -> None:
        step_at(raw, 10)["on_approve"] = 11
        step_at(raw, 11)["on_approve"] = 10

    problems = refusal(break_it)
    assert "steps[9]: step 10 has no path to the end" in problems
    assert "steps[10]: step 11 has no path to the end" in problems
    assert "steps[11]: step 12 is unreachable from step 1" in problems


def test_a_step_other_than_the_archive_must_say_where_it_leads() -> None:
    problems = refusal(lambda raw: step_at(raw, 11).pop("on_approve"))
    assert (
        "steps[10].on_approve: missing (only the last step, or an archive step, ends the SOP)"
        in problems
    )


def test_an_archive_step_in_the_middle_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 6).update(kind="archive"))
    assert "steps[5].on_approve: an archive step ends the SOP and has no next step" in problems


def test_an_sop_whose_last_step_leads_back_has_no_end_and_is_refused() -> None:
    def break_it(raw: Raw) -> None:
        step_at(raw, 12)["kind"] = "action"
        step_at(raw, 12)["on_approve"] = 1

    problems = refusal(break_it)
    assert "steps[11].on_approve: step 1 is not a later step" in problems
    assert (
        "steps: no step ends the SOP (an archive step, or a last step without on_approve)"
        in problems
    )


def test_a_step_leading_to_itself_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 10).update(on_approve=10))
    assert "steps[9].on_approve: a step cannot lead to itself" in problems


def test_an_approval_leading_back_to_an_earlier_step_is_refused() -> None:
    # Karo "approving" back to Kabag would send every approval round in a circle.
    problems = refusal(lambda raw: step_at(raw, 3).update(on_approve=2))
    assert "steps[2].on_approve: step 2 is not a later step" in problems


def test_an_approval_loop_with_an_exit_through_a_return_is_refused() -> None:
    # 1 -> 3 -> back to 1 on approval; only a return from 3 reaches 2 and the rest.
    def break_it(raw: Raw) -> None:
        step_at(raw, 1)["on_approve"] = 3
        step_at(raw, 3)["on_approve"] = 1
        step_at(raw, 3)["inputs"] = []

    problems = refusal(break_it)
    assert "steps[2].on_approve: step 1 is not a later step" in problems


def test_a_return_to_a_later_step_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 7).update(on_return=8))
    assert problems == ["steps[6].on_return: return target 8 is not an earlier step"]


def test_a_return_to_the_reviewing_step_itself_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 7).update(on_return=7))
    assert problems == ["steps[6].on_return: return target 7 is not an earlier step"]


def test_a_return_from_a_step_that_is_no_review_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 10).update(on_return=9))
    assert problems == ["steps[9].on_return: only a review step can return"]


def test_a_duplicate_step_id_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 5).update(id=4))
    assert "steps[4].id: duplicate step id 4" in problems


@pytest.mark.parametrize("step_id", [0, -3, MAX_STEP_ID + 1])
def test_a_step_id_out_of_range_is_refused(step_id: int) -> None:
    """A step's number rides on its task's buttons (callback data): from 1 to 9999."""
    problems = refusal(lambda raw: raw["steps"].insert(0, {**step_at(raw, 1), "id": step_id}))
    assert f"steps[0].id: must be a whole number from 1 to {MAX_STEP_ID}" in problems


def test_the_highest_step_id_fits_every_button_of_its_task() -> None:
    for op in Op:
        assert decode(Callback(op, 10**12 - 1, MAX_STEP_ID, 10**9 - 1, "a" * 20).encode())


def test_a_duplicate_role_id_is_refused() -> None:
    problems = refusal(lambda raw: raw["roles"].append({"id": "kabag", "name": "Kabag lain"}))
    assert problems == ["roles[5].id: duplicate role id 'kabag'"]


def test_ids_and_the_code_ending_in_a_line_break_are_refused() -> None:
    """``id = "kabag\\n"`` (a basic string's escape, or a multi-line string) named a role
    no [[people]] entry, button or /peran could hold: the pattern's "$" matched before the
    final line break. So did a document id and the SOP's code (its papers' numbers)."""

    def break_it(raw: Raw) -> None:
        raw["sop"]["code"] = "ppk-rkakl-pk\n"
        raw["roles"].append({"id": "arsiparis\n", "name": "Arsiparis"})
        raw["documents"]["catatan\n"] = {"name": "Catatan", "source": "upload", "optional": True}

    assert refusal(break_it) == [
        "sop.code: must be 1-24 characters of a-z, 0-9 and '-'",
        "roles[5].id: must be 1-32 characters of a-z, 0-9 and '_', starting with a letter",
        "documents.catatan\n: document id must be 1-32 characters of a-z, 0-9 and '_'",
    ]


def test_a_revision_stored_before_ids_were_matched_whole_still_runs_its_cases() -> None:
    """An earlier release stored a revision whose archivist role reads "fungsional_umum\\n"
    (the "$" let it through): today's checks name it, and the revision is still read as it
    was, for the cases that started with it (bot.services.registry)."""
    text = SOP_PATH.read_text(encoding="utf-8").replace('"fungsional_umum"', '"fungsional_umum\\n"')
    definition, problems = stored_definition(text, "sop.toml (revision 1)")
    assert problems == (
        "roles[4].id: must be 1-32 characters of a-z, 0-9 and '_', starting with a letter",
    )
    assert definition.step(12).actor == "fungsional_umum\n"


def test_a_step_without_a_title_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 1).pop("title"))
    assert problems == ["steps[0].title: missing required field"]


@pytest.mark.parametrize("title", ["", "   ", "\u200b", "\u3164\u3164"])
def test_a_step_with_an_empty_title_is_refused(title: str) -> None:
    """Step 4 titled "" would show as a blank heading in every task message of it."""
    problems = refusal(lambda raw: step_at(raw, 4).update(title=title))
    assert problems == ["steps[3].title: must not be empty (officials read it in the messages)"]


@pytest.mark.parametrize(
    ("place", "break_it"),
    [
        ("sop.name", lambda raw: raw["sop"].update(name="Penyusunan\u202e RKAKL")),
        ("roles[0].name", lambda raw: raw["roles"][0].update(name="Karo\x07")),
        ("roles[0].title", lambda raw: raw["roles"][0].update(title="Kepala\nBiro")),
        ("documents.tor.name", lambda raw: raw["documents"]["tor"].update(name="TOR\u2066")),
        ("steps[0].title", lambda raw: step_at(raw, 1).update(title="Pengajuan\u202e")),
    ],
)
def test_a_name_with_control_or_direction_characters_is_refused(
    place: str, break_it: Callable[[Raw], object]
) -> None:
    problems = refusal(break_it)
    assert problems == [f"{place}: must be one line without control or text-direction characters"]


@pytest.mark.parametrize(
    ("place", "entry"),
    [
        ("sop.name", lambda raw: raw["sop"]),
        ("roles[0].name", lambda raw: raw["roles"][0]),
        ("documents.tor.name", lambda raw: raw["documents"]["tor"]),
    ],
)
def test_a_name_that_shows_nothing_is_refused(
    place: str, entry: Callable[[Raw], dict[str, Any]]
) -> None:
    problems = refusal(lambda raw: entry(raw).update(name=" \u200b "))
    assert problems == [f"{place}: must not be empty (officials read it in the messages)"]


def test_a_paper_named_twice_in_a_step_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 2).update(papers=["disposisi", "disposisi"]))
    assert problems == ["steps[1].papers: names 'disposisi' twice (it would be sent twice)"]


def test_an_sop_without_a_code_is_refused() -> None:
    problems = refusal(lambda raw: raw["sop"].pop("code"))
    assert problems == ["sop.code: missing required field"]


def test_an_sop_code_with_capitals_is_refused() -> None:
    problems = refusal(lambda raw: raw["sop"].update(code="PPK RKAKL"))
    assert problems == ["sop.code: must be 1-24 characters of a-z, 0-9 and '-'"]


def test_a_missing_section_is_refused() -> None:
    problems = refusal(lambda raw: raw.pop("roles"))
    assert "roles: missing required field" in problems


def test_a_role_without_a_name_is_refused() -> None:
    problems = refusal(lambda raw: raw["roles"][2].pop("name"))
    assert problems == ["roles[2].name: missing required field"]


def test_a_step_time_of_zero_minutes_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 1).update(time_minutes=0))
    assert problems == ["steps[0].time_minutes: must be a positive number of minutes, got 0"]


def test_a_negative_step_time_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 6).update(time_minutes=-5))
    assert problems == ["steps[5].time_minutes: must be a positive number of minutes, got -5"]


def test_a_step_time_beyond_a_year_of_office_work_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 6).update(time_minutes=9999999999999))
    assert problems == [
        "steps[5].time_minutes: must be at most 124800 working minutes (a year of office "
        "work), got 9999999999999"
    ]


def test_a_step_time_of_a_whole_year_of_office_work_is_accepted() -> None:
    raw = raw_sop()
    step_at(raw, 6).update(time_minutes=MAX_STEP_MINUTES)
    assert parse_definition(raw).step(6).time_minutes == 52 * 5 * 8 * 60


def test_a_team_step_in_an_sop_without_a_shared_role_is_refused_naming_the_step() -> None:
    """Step 5 forms the drafting team from the holders of a shared role: with no role
    shared, nobody could be picked and the case could never leave step 5."""

    def unshare(raw: Raw) -> None:
        for role in raw["roles"]:
            role.pop("shared", None)

    problems = refusal(unshare)
    assert problems == [
        "steps[4].kind: a team step picks its members among the holders of a shared role "
        "(shared = true), and no role of this SOP is shared"
    ]


def test_a_step_time_written_as_text_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 1).update(time_minutes="10"))
    assert problems == ["steps[0].time_minutes: must be an integer, got str"]


def test_a_step_time_written_as_true_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 1).update(time_minutes=True))
    assert problems == ["steps[0].time_minutes: must be an integer, got bool"]


def test_a_title_that_is_not_text_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 2).update(title=2))
    assert problems == ["steps[1].title: must be a string, got int"]


def test_inputs_that_are_not_a_list_of_names_are_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 2).update(inputs="tor"))
    assert problems == ["steps[1].inputs: must be a list of strings"]


def test_shared_written_as_text_is_refused() -> None:
    problems = refusal(lambda raw: raw["roles"][3].update(shared="yes"))
    assert problems == ["roles[3].shared: must be true or false"]


def test_an_unknown_step_kind_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 4).update(kind="decision"))
    assert problems == [
        "steps[3].kind: unknown kind 'decision' (one of: action, review, team, upload, archive)"
    ]


def test_an_unknown_key_at_the_top_is_refused() -> None:
    problems = refusal(lambda raw: raw.update(langkah=[]))
    assert problems == ["langkah: unknown key"]


def test_an_unknown_key_in_the_sop_header_is_refused() -> None:
    problems = refusal(lambda raw: raw["sop"].update(norma_waktu=8640))
    assert problems == ["sop.norma_waktu: unknown key"]


def test_an_unknown_key_in_a_step_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 3).update(waktu=480))
    assert problems == ["steps[2].waktu: unknown key"]


def test_a_key_of_a_step_misspelt_by_a_letter_is_named_with_the_key_meant() -> None:
    """The office writes time_minute for the norm of step 3: it was "unknown key" only."""
    problems = refusal(lambda raw: step_at(raw, 3).update(time_minute=480))
    assert problems == ["steps[2].time_minute: unknown key (did you mean 'time_minutes'?)"]


def test_an_unknown_key_in_a_document_is_refused() -> None:
    problems = refusal(lambda raw: raw["documents"]["tor"].update(format="pdf"))
    assert problems == ["documents.tor.format: unknown key"]


def test_an_unknown_key_in_a_role_is_refused() -> None:
    problems = refusal(lambda raw: raw["roles"][0].update(nip="1970"))
    assert problems == ["roles[0].nip: unknown key"]


def test_an_input_naming_an_unknown_document_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 2)["inputs"].append("lembar_pemeriksaan"))
    assert problems == ["steps[1].inputs[2]: unknown document 'lembar_pemeriksaan'"]


def test_an_output_naming_an_unknown_document_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 12)["outputs"].append("arsip"))
    assert problems == ["steps[11].outputs[1]: unknown document 'arsip'"]


def test_an_input_that_no_earlier_step_produces_is_refused() -> None:
    # Kabag cannot order the team formed on the strength of drafts written later.
    problems = refusal(lambda raw: step_at(raw, 4)["inputs"].append("draf_rkakl"))
    assert problems == ["steps[3].inputs[1]: document 'draf_rkakl' is produced by no earlier step"]


def test_an_input_produced_only_by_a_skipped_step_is_refused() -> None:
    # Kasubag's proposal goes straight to Karo: the Disposisi Karo needs comes from Kabag's
    # review (step 2), which the case now only reaches after a return from step 3.
    problems = refusal(lambda raw: step_at(raw, 1).update(on_approve=3))
    assert problems == ["steps[2].inputs[1]: document 'disposisi' is produced by no earlier step"]


def test_an_input_uploaded_in_the_same_step_is_accepted() -> None:
    raw = raw_sop()
    step_at(raw, 6)["inputs"].append("draf_rkakl")
    assert parse_definition(raw).step(6).inputs[-1] == "draf_rkakl"


def test_a_generated_document_listed_as_an_upload_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 1)["uploads"].append("disposisi"))
    assert problems == ["steps[0].uploads[2]: document 'disposisi' is generated, not uploaded"]


def test_an_uploaded_document_in_outputs_that_no_step_uploads_is_refused() -> None:
    # the drafting team forgets to upload the RKAKL but still lists it: every later checklist
    # and Lembar Pemeriksaan would tick a file that does not exist
    def forget(raw: Raw) -> None:
        step_at(raw, 6)["uploads"].remove("draf_rkakl")

    problems = refusal(forget)
    assert "steps[5].outputs: 'draf_rkakl' is an uploaded document no step uploads" in problems
    assert all("draf_rkakl" in p or "rkakl" in p for p in problems), problems


def test_an_uploaded_document_in_outputs_before_the_step_that_uploads_it_is_refused() -> None:
    # Kabag's order (step 4) lists the drafts the team uploads only at step 6
    problems = refusal(lambda raw: step_at(raw, 4)["outputs"].append("draf_rkakl"))
    assert problems == [
        "steps[3].outputs: 'draf_rkakl' is an uploaded document that neither this step nor "
        "every earlier step on the way here uploads"
    ]


def test_an_upload_step_with_nothing_to_upload_is_refused() -> None:
    def empty(raw: Raw) -> None:
        step = step_at(raw, 6)
        step["uploads"] = []
        step["outputs"] = []

    problems = refusal(empty)
    assert (
        "steps[5].uploads: an upload step must list the documents its holder uploads (it has "
        "nothing to ask for)" in problems
    )


def test_the_reviews_a_return_comes_back_to_for_correction_take_corrected_documents() -> None:
    """Source lines 22 and 28: Karo returns the proposal and the drafts "kepada Kabag MK untuk
    diperbaiki": Kabag's reviews (steps 2 and 8) take the Rencana Kerja and the drafts
    corrected, and approving never waits for them."""
    definition = sop()
    assert definition.step(2).corrects == ("rencana_kerja",)
    assert definition.step(8).corrects == (
        "draf_program_kerja",
        "draf_rkakl",
        "draf_penetapan_kinerja",
    )
    assert [s.id for s in definition.steps if s.corrects] == [2, 8]
    assert definition.step(2).uploads == () and definition.step(2).accepts == ("rencana_kerja",)


@pytest.mark.parametrize(
    ("break_it", "problem"),
    [
        (
            lambda raw: step_at(raw, 4).update(corrects=["disposisi"]),
            'steps[3].corrects: only a review step (kind = "review") takes corrected documents, '
            "not a step of kind 'action': another step lists what it takes in uploads",
        ),
        (
            lambda raw: step_at(raw, 2).update(corrects=["disposisi"]),
            "steps[1].corrects[0]: document 'disposisi' is generated, not uploaded",
        ),
        (
            lambda raw: step_at(raw, 2).update(corrects=["draf_rkakl"]),
            "steps[1].corrects[0]: document 'draf_rkakl' is not one the step reviews (its inputs)",
        ),
        (
            lambda raw: step_at(raw, 2).update(corrects=["notulen"]),
            "steps[1].corrects[0]: unknown document 'notulen'",
        ),
        (
            lambda raw: step_at(raw, 9).update(corrects=["draf_rkakl"]),
            "steps[8].corrects: no return comes back to this step (no step's on_return names "
            "it): there is nothing handed back for its holder to correct",
        ),
    ],
)
def test_corrects_a_step_could_never_use_is_refused(
    break_it: Callable[[Raw], object], problem: str
) -> None:
    assert refusal(break_it) == [problem]


LONGEST = [
    ("sop.name", lambda raw, text: raw["sop"].update(name=text), 200),
    ("roles[0].name", lambda raw, text: raw["roles"][0].update(name=text), 120),
    ("roles[0].title", lambda raw, text: raw["roles"][0].update(title=text), 200),
    ("documents.tor.name", lambda raw, text: raw["documents"]["tor"].update(name=text), 120),
    ("steps[2].title", lambda raw, text: step_at(raw, 3).update(title=text), 200),
    ("steps[2].activity", lambda raw, text: step_at(raw, 3).update(activity=text), 600),
]


@pytest.mark.parametrize(("path", "put", "limit"), LONGEST, ids=[p for p, _, _ in LONGEST])
def test_a_text_every_task_shows_is_bounded_and_the_refusal_names_the_key(
    path: str, put: Callable[[Raw, str], object], limit: int
) -> None:
    """A 10,000-character activity pushed the case's title and what to press out of the
    4096-character task message; the limit itself is accepted."""
    raw = raw_sop()
    put(raw, "x" * limit)
    parse_definition(raw)
    problems = refusal(lambda raw: put(raw, "Memeriksa usulan. " + "x" * limit))
    assert problems == [
        f"{path}: must be at most {limit} characters (every task message shows it), "
        f"got {limit + 18}"
    ]


def test_an_alias_of_an_alias_is_refused() -> None:
    problems = refusal(
        lambda raw: raw["documents"].update(
            rencana_kerja_final={"name": "Rencana Kerja final", "same_as": "rencana_kerja"}
        )
    )
    assert problems == [
        "documents.rencana_kerja_final.same_as: must name a document that is not itself an alias"
    ]


def test_an_alias_of_an_unknown_document_is_refused() -> None:
    problems = refusal(lambda raw: raw["documents"]["rkakl"].update(same_as="draf_rkakl_lama"))
    assert problems == [
        "documents.rkakl.same_as: unknown document 'draf_rkakl_lama' (did you mean 'draf_rkakl'?)"
    ]


def test_an_alias_with_its_own_source_is_refused() -> None:
    problems = refusal(lambda raw: raw["documents"]["rkakl"].update(source="upload"))
    assert problems == [
        "documents.rkakl.source: an alias (same_as) takes its source from the document"
    ]


def test_a_document_without_a_source_is_refused() -> None:
    problems = refusal(lambda raw: raw["documents"]["tor"].pop("source"))
    assert problems == ["documents.tor.source: missing required field (or give same_as)"]


def test_a_paper_for_an_uploaded_document_is_refused() -> None:
    problems = refusal(lambda raw: raw["documents"]["tor"].update(paper="tor"))
    assert problems == ["documents.tor.paper: only a generated document has a paper"]


def test_a_superior_cycle_is_refused() -> None:
    problems = refusal(lambda raw: raw["roles"][0].update(superior="kasubag"))
    assert "roles[0].superior: the hierarchy above 'karo' is a cycle" in problems
    assert "roles[2].superior: the hierarchy above 'kasubag' is a cycle" in problems


def test_a_role_that_is_its_own_superior_is_refused() -> None:
    problems = refusal(lambda raw: raw["roles"][0].update(superior="karo"))
    assert "roles[0].superior: the hierarchy above 'karo' is a cycle" in problems


def test_an_approval_on_a_step_that_is_no_review_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 10).update(approval="signature"))
    assert problems == ["steps[9].approval: only a review step records an approval"]


def test_an_unknown_approval_kind_is_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 9).update(approval="stempel"))
    assert problems == ["steps[8].approval: must be 'paraf' or 'signature', got 'stempel'"]


def test_an_empty_list_of_steps_is_refused() -> None:
    problems = refusal(lambda raw: raw.update(steps=[]))
    assert "steps: must not be empty" in problems


def test_all_problems_are_reported_together() -> None:
    def break_it(raw: Raw) -> None:
        raw["sop"]["nomor"] = "1"
        step_at(raw, 1).update(time_minutes=0)
        raw["documents"]["tor"]["format"] = "pdf"

    assert sorted(refusal(break_it)) == [
        "documents.tor.format: unknown key",
        "sop.nomor: unknown key",
        "steps[0].time_minutes: must be a positive number of minutes, got 0",
    ]


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sop.toml"
    path.write_text("[sop\ncode = 'x'\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    assert caught.value.source == str(path)
    [problem] = caught.value.problems
    assert problem.startswith("not valid TOML: ")


def test_a_key_written_twice_in_a_step_is_named_as_the_config_names_it(tmp_path: Path) -> None:
    """An office adds a second norm to step 1 instead of changing the first: tomllib says
    only "Cannot overwrite a value"; the refusal names the key, its line and the file."""
    text = SOP_PATH.read_text(encoding="utf-8")
    path = tmp_path / "sop.toml"
    path.write_text(
        text.replace("time_minutes = 240\n", "time_minutes = 240\ntime_minutes = 300\n", 1)
    )
    line = path.read_text(encoding="utf-8").split("\n").index("time_minutes = 300") + 1
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    assert caught.value.source == str(path)
    assert caught.value.problems == [
        f"not valid TOML: time_minutes is given a value twice (at line {line}, column 19)"
    ]


@pytest.mark.parametrize(
    ("typed", "meant", "character"),
    [
        # Word or WhatsApp turned the quotes curly
        ("actor = “kasubag”", 'actor = "kasubag"', "U+201C LEFT DOUBLE QUOTATION MARK"),
        # a non-breaking space copied from a document
        ('actor\u00a0= "kasubag"', 'actor = "kasubag"', "U+00A0 NO-BREAK SPACE"),
        # a document id with a letter outside a-z
        ("[documents.tör]", "[documents.tor]", "U+00F6 LATIN SMALL LETTER O WITH DIAERESIS"),
    ],
)
def test_a_character_toml_does_not_allow_is_named_with_its_place(
    tmp_path: Path, typed: str, meant: str, character: str
) -> None:
    """tomllib says only "Invalid value" or "Expected '=' after a key"; the office reads
    which character it is (one it may not see: a non-breaking space) and what to write."""
    text = SOP_PATH.read_text(encoding="utf-8")
    assert meant in text
    path = tmp_path / "sop.toml"
    path.write_text(text.replace(meant, typed, 1), encoding="utf-8")
    line = text.split("\n").index(meant) + 1
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    [problem] = caught.value.problems
    assert problem.startswith("not valid TOML: "), problem
    assert f"(at line {line}, column " in problem
    assert f"{character} cannot stand there" in problem, problem
    assert "straight quotes" in problem


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tidak-ada.toml"
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    assert caught.value.problems == ["cannot read file: No such file or directory"]
    assert str(path) in str(caught.value)


def test_a_copied_sop_file_loads_from_anywhere(tmp_path: Path) -> None:
    path = tmp_path / "copy.toml"
    path.write_bytes(SOP_PATH.read_bytes())
    assert load_definition(path) == sop()


def test_an_sop_file_saved_as_latin1_is_refused_naming_the_byte_and_its_line(
    tmp_path: Path,
) -> None:
    text = SOP_PATH.read_text(encoding="utf-8")
    assert text.startswith("# SOP-AP")
    path = tmp_path / "sop.toml"
    path.write_bytes(text.replace("# SOP-AP", "# SOP-AP Café", 1).encode("latin-1"))
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    assert caught.value.source == str(path)
    assert caught.value.problems == [
        "not UTF-8 text: byte 0xe9 at offset 12 (line 1, column 13); save it as UTF-8"
    ]


def test_an_sop_file_saved_as_utf16_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "sop.toml"
    path.write_bytes(SOP_PATH.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    [problem] = caught.value.problems
    assert problem.startswith("not UTF-8 text: the file is UTF-16")


def test_an_sop_file_notepad_saved_with_a_byte_order_mark_loads_as_without(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sop.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SOP_PATH.read_bytes())
    loaded = load_definition(path)
    assert loaded == sop()
    assert loaded.revision == sop().revision


# -- the team's duties (team_duties, on the team step) ---------------------------------


def test_the_team_step_states_the_teams_duties_and_no_other_step_has_any() -> None:
    duties = {s.id: s.team_duties for s in sop().steps if s.team_duties}
    assert list(duties) == [5]
    assert len(duties[5]) == 4
    assert (
        duties[5][0]
        == "mengumpulkan bahan penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro"
    )
    assert duties[5][-1].startswith("melaporkan pelaksanaan tugas kepada Kepala Biro")


def test_a_team_step_without_duties_loads_with_none_stated() -> None:
    raw = raw_sop()
    del step_at(raw, 5)["team_duties"]
    assert parse_definition(raw).step(5).team_duties == ()


def test_team_duties_are_read_trimmed() -> None:
    raw = raw_sop()
    step_at(raw, 5)["team_duties"] = ["  menyusun draf  ", "melaporkan hasilnya"]
    assert parse_definition(raw).step(5).team_duties == ("menyusun draf", "melaporkan hasilnya")


@pytest.mark.parametrize(
    ("duties", "problem"),
    [
        ("menyusun draf", "steps[4].team_duties: must be a list of strings (the team's duties, one line each)"),
        (["menyusun draf", 3], "steps[4].team_duties: must be a list of strings (the team's duties, one line each)"),
        ([], "steps[4].team_duties: must list 1 to 12 duties, got 0"),
        ([f"tugas {i}" for i in range(13)], "steps[4].team_duties: must list 1 to 12 duties, got 13"),
        (["menyusun draf", "  "], "steps[4].team_duties[1]: must not be empty"),
        (["menyusun draf\nbaris kedua"], "steps[4].team_duties[0]: must be one line"),
        (["menyusun draf\u2028baris kedua"], "steps[4].team_duties[0]: must be one line"),
        (["menyusun\tdraf"], "steps[4].team_duties[0]: must not contain control characters"),
        (["menyusun\x07draf"], "steps[4].team_duties[0]: must not contain control characters"),
        (["x" * 301], "steps[4].team_duties[0]: must be at most 300 characters, got 301"),
    ],
)  # fmt: skip
def test_bad_team_duties_are_refused_naming_the_duty(duties: object, problem: str) -> None:
    assert refusal(lambda raw: step_at(raw, 5).update(team_duties=duties)) == [problem]


@pytest.mark.parametrize("ending", [";", ".", ",", ":", "; dan", " dan"])
def test_a_duty_ending_with_the_punctuation_the_paper_adds_is_refused(ending: str) -> None:
    problems = refusal(
        lambda raw: step_at(raw, 5).update(team_duties=["menyusun draf", f"melaporkan{ending}"])
    )
    assert problems == [
        "steps[4].team_duties[1]: must not end with punctuation or 'dan' (the SK Tim letters "
        "the duties and adds ';', '; dan' and '.' itself)"
    ]


def test_three_hundred_characters_and_twelve_duties_are_accepted() -> None:
    raw = raw_sop()
    duties = ["x" * 300] + [f"tugas ke-{i}" for i in range(2, 13)]
    step_at(raw, 5)["team_duties"] = duties
    assert parse_definition(raw).step(5).team_duties == tuple(duties)


def test_team_duties_on_a_step_that_is_not_the_team_step_are_refused() -> None:
    problems = refusal(lambda raw: step_at(raw, 6).update(team_duties=["menyusun draf"]))
    assert problems == [
        'steps[5].team_duties: only a team step (kind = "team") lists the duties of the team '
        "it forms, not a step of kind 'upload'"
    ]


def test_a_file_with_bad_team_duties_is_refused_naming_the_file_and_the_key(
    tmp_path: Path,
) -> None:
    text = SOP_PATH.read_text(encoding="utf-8")
    stated = '  "mengumpulkan bahan penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro",'
    assert stated in text
    path = tmp_path / "sop.toml"
    path.write_text(text.replace(stated, stated[:-2] + ';",'), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    assert caught.value.source == str(path)
    [problem] = caught.value.problems
    assert problem.startswith("steps[4].team_duties[0]: must not end with punctuation")
    assert str(caught.value).startswith(f"{path}: invalid SOP definition:")


# -- blank drafts of an SOP's own ([blanks.<id>]) ------------------------------------------

SPM_PATH = Path(__file__).parent / "fixtures" / "sops" / "spm-ls.toml"


def with_blank(raw: Raw, blank_id: str = "konsep", **fields: object) -> None:
    """The source SOP with a blank of its own, handed out at step 6 (an upload step)."""
    raw.setdefault("blanks", {})[blank_id] = {
        "title": "Kerangka Konsep Laporan",
        "template": "konsep_laporan.docx",
        **fields,
    }
    step_at(raw, 6).setdefault("templates", []).append(blank_id)


def test_the_spm_ls_hands_the_ppk_a_blank_konsep_spp_ls_of_its_own() -> None:
    """The SPM-LS declares ``[blanks.konsep_spp]``; its step 3 (the P.P.K. drafting the
    Konsep SPP-LS) names it in its templates."""
    definition = load_definition(SPM_PATH)
    [blank] = definition.blanks
    assert (blank.id, blank.title, blank.template) == (
        "konsep_spp",
        "Kerangka Konsep SPP-LS",
        "konsep_spp.docx",
    )
    assert definition.step(3).templates == ("konsep_spp",)
    assert definition.blank("konsep_spp") is blank
    assert not definition.has_blank("program_kerja")


def test_an_sop_without_blanks_of_its_own_has_none() -> None:
    assert sop().blanks == ()


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("kantor/konsep.docx", "a file name without a folder"),
        ("..\\konsep.docx", "a file name without a folder"),
        ("konsep.doc", "must end in .docx"),
        ("konsep.DOCX", "must end in .docx"),
        (".docx", "must end in .docx"),
        ("", "must not be empty"),
    ],
)
def test_a_blank_whose_template_is_no_plain_docx_file_name_is_refused(
    template: str, why: str
) -> None:
    [problem] = refusal(lambda raw: with_blank(raw, template=template))
    assert problem.startswith("blanks.konsep.template: "), problem
    assert why in problem, problem


def test_a_blank_without_a_title_or_with_an_unknown_key_is_refused() -> None:
    problems = refusal(lambda raw: with_blank(raw, title="  ", file="x.docx"))
    assert problems == [
        "blanks.konsep.file: unknown key",
        "blanks.konsep.title: must not be empty (officials read it in the messages)",
    ]


def test_a_blank_missing_its_template_is_refused() -> None:
    def break_it(raw: Raw) -> None:
        with_blank(raw)
        del raw["blanks"]["konsep"]["template"]

    assert refusal(break_it) == ["blanks.konsep.template: missing required field"]


def test_a_blank_with_an_id_that_is_no_id_is_refused() -> None:
    problems = refusal(lambda raw: with_blank(raw, "Konsep-SPP"))
    assert problems == [
        "blanks.Konsep-SPP: blank id must be 1-32 characters of a-z, 0-9 and '_', "
        "starting with a letter"
    ]


def test_blanks_that_are_no_table_of_tables_are_refused() -> None:
    assert refusal(lambda raw: raw.update(blanks=["konsep"])) == [
        "blanks: must be a table of blank drafts ([blanks.<id>])"
    ]
    assert refusal(lambda raw: raw.update(blanks={"konsep": "konsep.docx"})) == [
        "blanks.konsep: must be a table"
    ]


def test_a_file_with_a_bad_blank_is_refused_naming_the_file_and_the_key(tmp_path: Path) -> None:
    text = SPM_PATH.read_text(encoding="utf-8")
    path = tmp_path / "spm-ls.toml"
    path.write_text(
        text.replace('template = "konsep_spp.docx"', 'template = "kantor/konsep_spp.docx"'),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    [problem] = caught.value.problems
    assert problem.startswith("blanks.konsep_spp.template: ")
    assert str(caught.value).startswith(f"{path}: invalid SOP definition:")
