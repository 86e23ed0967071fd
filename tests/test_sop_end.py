"""An SOP that does not end in archiving: its last step is an action ("Menyampaikan surat
jawaban kepada pemohon"), an upload or a review ("Menandatangani laporan"), and completing
or approving it finishes the case ("selesai"), with no archive number. The definition is
``tests/fixtures/sops/surat-jawaban.toml``: the Pelaksana drafts the reply, the Kasubag
initials it, the Kabag signs it, the Pelaksana sends it."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cli_helpers import TOKEN, sopbot
from core_helpers import Run, person
from sopimport_forms import DIAMOND, PICTURE, Form, Row, to_docx, to_text

from bot import charts, stats
from bot.core.definition import SopDefinition, StepKind
from bot.core.loader import DefinitionError, load_definition, parse_definition
from bot.core.model import (
    Actor,
    Approve,
    ArchiveCase,
    AttachFile,
    CancelCase,
    CaseClosed,
    CaseStatus,
    Command,
    CompleteStep,
    CorrectArchiveReference,
    EventType,
    NamesAt,
    NotArchived,
    ReturnForCorrection,
    StartCase,
    Withdraw,
    WrongStepKind,
)
from bot.papers.dates import OfficeZone
from bot.sopimport import draft_toml
from bot.views import task_view
from bot.worktime import WorkCalendar, WorkSchedule

ROOT = Path(__file__).resolve().parents[1]
JAWABAN = ROOT / "tests" / "fixtures" / "sops" / "surat-jawaban.toml"
SHIPPED = ROOT / "sops" / "penyusunan-program-kerja.toml"

PELAKSANA = person(1, "pelaksana_tl")
KASUBAG = person(2, "kasubag_tl")
KABAG = person(3, "kabag_pm")
ADMIN = person(90, admin=True)

Raw = dict[str, Any]


def raw() -> Raw:
    with JAWABAN.open("rb") as f:
        return copy.deepcopy(tomllib.load(f))


def step_at(data: Raw, step_id: int) -> dict[str, Any]:
    return next(s for s in data["steps"] if s["id"] == step_id)


def changed(change: Callable[[Raw], object]) -> SopDefinition:
    data = raw()
    change(data)
    return parse_definition(data, source="surat-jawaban.toml")


def refusal(change: Callable[[Raw], object]) -> list[str]:
    with pytest.raises(DefinitionError) as refused:
        changed(change)
    return refused.value.problems


def signed(definition: SopDefinition) -> Run:
    """A reply drafted, initialled and signed: at the step after the Kabag's signature."""
    run = Run(definition)
    run.do(PELAKSANA, StartCase(1, definition.code, "humas", "Jawaban pengaduan", 2026))
    run.attach(PELAKSANA, "konsep_jawaban")
    run.complete(PELAKSANA)
    run.approve(KASUBAG)
    run.approve(KABAG)
    return run


# -- the definition ----------------------------------------------------------------------


def test_the_loader_accepts_an_sop_whose_last_step_is_an_action() -> None:
    definition = load_definition(JAWABAN)
    last = definition.steps[-1]
    assert (last.id, last.kind, last.on_approve) == (4, StepKind.ACTION, None)
    assert last.ends and last.finishes
    assert not any(s.kind is StepKind.ARCHIVE for s in definition.steps)
    # the shipped SOP still ends in its archive step, which files the case
    shipped = load_definition(SHIPPED).steps[-1]
    assert (shipped.kind, shipped.ends, shipped.finishes) == (StepKind.ARCHIVE, True, False)


def test_sopbot_check_accepts_it_beside_the_shipped_sop(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'sops = ["{SHIPPED}", "{JAWABAN}"]\n', encoding="utf-8")
    config.chmod(0o600)
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode == 0, result.stderr
    assert "sop surat-jawaban: " in result.stdout
    assert "reviews [2, 3], step 4 finishes a case (no archiving)" in result.stdout
    shipped = next(line for line in result.stdout.splitlines() if "ppk-rkakl-pk" in line)
    assert "finishes" not in shipped  # it ends in archiving, as before


@pytest.mark.parametrize(
    ("kind", "extra"),
    [("upload", {"uploads": ["konsep_jawaban"]}), ("review", {"on_return": 1})],
)
def test_the_last_step_may_be_an_upload_or_a_review(kind: str, extra: Raw) -> None:
    definition = changed(lambda data: step_at(data, 4).update(kind=kind, **extra))
    assert definition.steps[-1].finishes


def test_a_step_before_the_last_without_a_next_step_is_still_refused() -> None:
    problems = refusal(lambda data: step_at(data, 2).pop("on_approve"))
    assert (
        "steps[1].on_approve: missing (only the last step, or an archive step, ends the SOP)"
        in (problems)
    )


def test_a_team_step_cannot_end_the_sop() -> None:
    def team_last(data: Raw) -> None:
        data["roles"].append({"id": "tim", "name": "Tim", "superior": "kabag_pm", "shared": True})
        step_at(data, 4)["kind"] = "team"

    problems = refusal(team_last)
    assert problems == [
        "steps[3].on_approve: missing (a team step cannot end the SOP: the team it forms "
        "would have no step left to act in)"
    ]


# -- the case ----------------------------------------------------------------------------


def test_the_pelaksana_sending_the_reply_finishes_the_case_without_an_archive_number() -> None:
    run = signed(load_definition(JAWABAN))
    assert run.step == 4
    # the last step is no archive step: no number is taken there
    assert isinstance(run.refuse(PELAKSANA, ArchiveCase(run.version, "HM/001/2026")), WrongStepKind)
    events = run.complete(PELAKSANA, "Dikirim melalui pos tercatat.")
    assert [(e.type, e.step, e.to_step) for e in events] == [(EventType.COMPLETED, 4, None)]
    case = run.current
    assert case.status is CaseStatus.COMPLETED and not case.is_open
    assert (case.step, case.archive_reference, case.last_move) == (4, None, None)
    assert case.closed_at == events[0].at
    assert case.took[-1] == (4, PELAKSANA.person_id)
    assert run.replayed() == case


def test_a_finished_case_refuses_every_command() -> None:
    run = signed(load_definition(JAWABAN))
    run.complete(PELAKSANA)
    v = run.version
    commands: list[tuple[Actor, Command]] = [
        (PELAKSANA, CompleteStep(v)),
        (PELAKSANA, Withdraw(v)),  # the completion is not taken back
        (PELAKSANA, AttachFile(v, "konsep_jawaban", 9, "0" * 64, "x.pdf")),
        (KABAG, Approve(v)),
        (KABAG, ReturnForCorrection(v, "kembali")),
        (ADMIN, CancelCase(v, "batal")),
    ]
    for actor, command in commands:
        error = run.refuse(actor, command)
        assert isinstance(error, CaseClosed)
        assert error.params == {"status": "completed"}
    # it has no archive number to correct
    fix = CorrectArchiveReference(v, "HM/002/2026", "salah ketik")
    assert isinstance(run.refuse(ADMIN, fix), NotArchived)


def test_the_kabags_signature_at_a_last_review_step_finishes_the_case() -> None:
    """An SOP whose last step is the signature ("Menandatangani surat jawaban"): the
    approval records the signature and finishes the case; a return still goes back."""

    def sign_last(data: Raw) -> None:
        data["steps"] = data["steps"][:3]
        step_at(data, 3).pop("on_approve")

    definition = changed(sign_last)
    run = Run(definition)
    run.do(PELAKSANA, StartCase(1, definition.code, "humas", "Jawaban pengaduan", 2026))
    run.attach(PELAKSANA, "konsep_jawaban")
    run.complete(PELAKSANA)
    run.approve(KASUBAG)
    run.send_back(KABAG, "Alamat pemohon keliru.")
    assert (run.step, run.current.status) == (1, CaseStatus.OPEN)
    run.complete(PELAKSANA)
    run.approve(KASUBAG)
    events = run.approve(KABAG)
    assert [(e.type, e.to_step, e.data.get("approval")) for e in events] == [
        (EventType.APPROVED, None, "signature")
    ]
    case = run.current
    assert (case.status, case.step) == (CaseStatus.COMPLETED, 3)
    last = case.approvals[-1]
    assert (last.step, last.kind, last.by) == (3, "signature", KABAG.person_id)
    assert run.replayed() == case


def test_an_upload_at_the_last_step_is_required_before_it_finishes_the_case() -> None:
    def proof_last(data: Raw) -> None:
        data["documents"]["bukti_kirim"] = {"name": "Bukti Pengiriman", "source": "upload"}
        step_at(data, 4).update(kind="upload", uploads=["bukti_kirim"], outputs=["bukti_kirim"])

    run = signed(changed(proof_last))
    assert run.refuse(PELAKSANA, CompleteStep(run.version)).code == "missing_inputs"
    run.attach(PELAKSANA, "bukti_kirim")
    run.complete(PELAKSANA)
    assert run.current.status is CaseStatus.COMPLETED
    assert run.current.latest("bukti_kirim") is not None


def task(run: Run) -> tuple[str, list[str]]:
    """The current step's task as its holder reads it: its text and its buttons."""
    view = task_view(run.definition, run.current, OfficeZone.named("Asia/Jakarta"), names={})
    return re.sub(r"<[^>]+>", "", view.text), [label for row in view.keyboard for label, _ in row]


def test_the_last_tasks_ask_to_finish_the_case_not_to_hand_it_on() -> None:
    """The last step's task says it is the last: an upload step's holder finishes the case
    (Selesaikan, not "Serahkan dokumen kepada ..."), a signature finishes it too."""

    def proof_last(data: Raw) -> None:
        data["documents"]["bukti_kirim"] = {"name": "Bukti Pengiriman", "source": "upload"}
        step_at(data, 4).update(kind="upload", uploads=["bukti_kirim"], outputs=["bukti_kirim"])

    run = signed(changed(proof_last))
    run.attach(PELAKSANA, "bukti_kirim")
    text, buttons = task(run)
    assert text.startswith("✅ Mohon diselesaikan · Langkah 4 dari 4")
    assert "Langkah ini merupakan langkah terakhir SOP." in text
    assert buttons == ["✅ Selesaikan"]

    def sign_last(data: Raw) -> None:
        data["steps"] = data["steps"][:3]
        step_at(data, 3).pop("on_approve")

    run = Run(changed(sign_last))
    run.do(PELAKSANA, StartCase(1, "surat-jawaban", "humas", "Jawaban pengaduan", 2026))
    run.attach(PELAKSANA, "konsep_jawaban")
    run.complete(PELAKSANA)
    run.approve(KASUBAG)
    text, buttons = task(run)
    assert (
        "menandatangani Surat Jawaban; kemudian berkas dinyatakan selesai, lalu Dokumentasinya "
        "dikirimkan kepada Bapak/Ibu." in text
    )
    assert buttons == ["✅ Setujui", "↩️ Kembalikan"]


def test_the_report_counts_a_finished_case_as_completed_not_archived() -> None:
    definition = load_definition(JAWABAN)
    run = signed(definition)
    run.complete(PELAKSANA)
    wib = ZoneInfo("Asia/Jakarta")
    period = stats.Period(datetime(2025, 1, 1, tzinfo=wib), datetime(2026, 1, 1, tzinfo=wib), "")
    report = stats.report(
        [stats.CaseHistory(run.current.id, "Jawaban", definition, run.log)],
        definition,
        WorkCalendar(WorkSchedule(country_holidays=None)),
        period,
        datetime(2025, 6, 1, tzinfo=wib),
    )
    assert report.states == {
        stats.CaseState.ON_TIME: 0,
        stats.CaseState.LATE: 0,
        stats.CaseState.COMPLETED: 1,  # this SOP's cases end so; none is ever archived
        stats.CaseState.CANCELLED: 0,
    }
    assert report.visits == 4  # the last step's completion is an execution of it


def test_the_timeline_and_the_report_chart_say_finished_not_archived() -> None:
    definition = load_definition(JAWABAN)
    run = signed(definition)
    run.complete(PELAKSANA)
    calendar = WorkCalendar(WorkSchedule(country_holidays=None))
    now = run.clock + timedelta(days=1)
    data = charts.timeline(
        case_id=run.current.id,
        title=run.current.title,
        visits=stats.visits(run.log, definition, calendar, now),
        definition=definition,
        calendar=calendar,
        zone=OfficeZone.named("Asia/Jakarta"),
        names=NamesAt({}),
        now=now,
    )
    assert data.status.startswith("Selesai pada ") and "diarsipkan" not in data.status
    wib = ZoneInfo("Asia/Jakarta")
    period = stats.Period(datetime(2025, 1, 1, tzinfo=wib), datetime(2026, 1, 1, tzinfo=wib), "")
    history = stats.CaseHistory(run.current.id, "Jawaban", definition, run.log)
    report = stats.report([history], definition, calendar, period, now)
    chart = charts.report_chart(report, definition, "Tahun 2025")
    assert [(label, count) for label, count, _ in chart.states] == [
        ("Berjalan, sesuai norma", 0),
        ("Berjalan, melewati norma", 0),
        ("Selesai", 1),
        ("Dibatalkan", 0),
    ]


# -- the importer ------------------------------------------------------------------------

ROLES_LAPORAN = ("Pelaksana", "Kasubag Program", "Kabag Perencanaan")
SIGN_AND_SEND = "Menandatangani laporan dan menyampaikannya kepada Sekretaris Jenderal"
REVIEW_AND_SIGN = (
    "Memeriksa konsep laporan. Jika setuju menandatangani, jika tidak setuju dikembalikan "
    "kepada Pelaksana"
)


def laporan(last: str, by: str, symbol: str = PICTURE) -> Form:
    """A report drafted, initialled, and then ``last``: the form's last row."""
    pelaksana, kasubag, _ = ROLES_LAPORAN
    rows = [
        Row("Menyusun konsep laporan kegiatan", (pelaksana,), PICTURE, "Data Kegiatan",
            "1 hari", "Konsep Laporan"),
        Row("Memeriksa konsep laporan. Jika setuju memaraf dan menyampaikan kepada Kabag "
            "Perencanaan, jika tidak setuju dikembalikan kepada Pelaksana", (kasubag,), DIAMOND,
            "Konsep Laporan", "2 jam", "Konsep Laporan"),
        Row(last, (by,), symbol, "Konsep Laporan", "1 jam", "Laporan"),
    ]  # fmt: skip
    return Form(name="Penyusunan Laporan Kegiatan", roles=ROLES_LAPORAN, rows=rows)


def imported_last(form: Form, tmp_path: Path, as_docx: bool) -> tuple[SopDefinition, str]:
    """The form imported (.docx or the portal's text), its guesses confirmed as they stand:
    the definition and the draft's text."""
    if as_docx:
        text, _ = draft_toml("laporan.docx", to_docx(form, tmp_path))
    else:
        text, _ = draft_toml("laporan.txt", to_text(form).encode())
    definition = parse_definition(
        tomllib.loads(text.replace("\nconfirmed = false", "\nconfirmed = true"))
    )
    return definition, text


@pytest.mark.parametrize("as_docx", [True, False], ids=["docx", "text"])
def test_the_importer_keeps_a_last_step_that_sends_the_report_on_as_an_action(
    tmp_path: Path, as_docx: bool
) -> None:
    """ "Menandatangani laporan dan menyampaikannya ..." files nothing: the draft's last step
    stays an action step without a next step (no archive number asked), says so in its
    comment, and a case of the confirmed draft runs to its end, finished."""
    definition, text = imported_last(laporan(SIGN_AND_SEND, "Kabag Perencanaan"), tmp_path, as_docx)
    last = definition.steps[-1]
    assert (last.id, last.kind, last.on_approve) == (3, StepKind.ACTION, None)
    assert '\nkind = "archive"' not in text  # (its comment names it, as the way back)
    assert "langkah terakhir tanpa on_approve: penyelesaiannya (atau persetujuannya)" in text
    people = [person(i + 1, role.id) for i, role in enumerate(definition.roles)]
    run = Run(definition)
    run.start(people[0])
    while run.current.is_open:
        run.forward(people)
    assert run.current.status is CaseStatus.COMPLETED
    assert run.current.archive_reference is None


@pytest.mark.parametrize(
    "last",
    [
        "Mengarsipkan laporan kegiatan",
        "Mendokumentasikan laporan kegiatan",
        "Menyimpan laporan kegiatan sebagai arsip",
    ],
)
def test_the_importer_still_marks_an_archiving_last_step_archive(tmp_path: Path, last: str) -> None:
    definition, text = imported_last(laporan(last, "Pelaksana"), tmp_path, as_docx=True)
    step = definition.steps[-1]
    assert (step.kind, step.on_approve) == (StepKind.ARCHIVE, None)
    assert 'kind = "archive": langkah terakhir mengakhiri SOP' in text


def test_a_last_step_that_hands_the_report_on_to_be_filed_is_no_archive_step(
    tmp_path: Path,
) -> None:
    """ "... untuk didokumentasikan" is what the next official is to do, not what this step
    does: the step is not archiving."""
    last = "Menyerahkan laporan kepada Kasubag Program untuk didokumentasikan"
    definition, _ = imported_last(laporan(last, "Pelaksana"), tmp_path, as_docx=True)
    assert definition.steps[-1].kind is StepKind.ACTION


def test_the_importer_takes_a_last_decision_whose_approval_ends_the_sop(tmp_path: Path) -> None:
    """A form that ends with the Kabag's signature ("Jika setuju menandatangani, jika tidak
    setuju dikembalikan kepada Pelaksana"): a review step without a next step, whose return
    goes to the Pelaksana; it was refused before ("langkah terakhir adalah keputusan")."""
    form = laporan(REVIEW_AND_SIGN, "Kabag Perencanaan", DIAMOND)
    definition, _ = imported_last(form, tmp_path, as_docx=True)
    last = definition.steps[-1]
    assert (last.kind, last.on_approve, last.on_return) == (StepKind.REVIEW, None, 1)
    assert last.approval is not None and last.approval.value == "signature"


def test_a_last_step_that_forms_a_team_is_no_team_step(tmp_path: Path) -> None:
    """ "Membentuk Tim Evaluasi" written last: a team formed there would have no step left to
    act in (the loader refuses a team step that ends the SOP), so the step stays an action."""
    form = laporan("Membentuk Tim Evaluasi untuk menindaklanjuti laporan", "Kabag Perencanaan")
    form = Form(name=form.name, roles=(*ROLES_LAPORAN, "Tim Evaluasi"), rows=form.rows)
    definition, _ = imported_last(form, tmp_path, as_docx=True)
    assert (definition.steps[-1].kind, definition.steps[-1].on_approve) == (StepKind.ACTION, None)
