"""The lines officials read about a case, as Indonesian office correspondence writes them."""

from __future__ import annotations

import dataclasses
import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from core_helpers import KABAG, KARO, KASUBAG, T0, Run, person, run_to, sop, started

from bot import texts as t
from bot import views
from bot.core.definition import SopDefinition
from bot.core.loader import load_definition
from bot.core.model import Event, EventType, NamesAt, ReturnForCorrection, Withdraw
from bot.papers.dates import OfficeZone
from bot.papers.registry import DISPOSISI, SK_TIM, paper_title
from bot.views import View, decided_text, history_lines, outcome_line, task_view

WIB = OfficeZone.named("Asia/Jakarta")


@pytest.mark.parametrize("kind", list(EventType))
def test_every_outcome_says_what_was_done_by_whom(kind: EventType) -> None:
    """ "Diteruskan oleh Budi", not "Meneruskan oleh Budi": with "oleh" the verb is passive."""
    definition = sop()
    event = Event(kind, 1, 1002, "kabag", T0, 2, reason="", note="")
    line = outcome_line(definition, event, "Budi Santoso", WIB)
    words = line.split(" oleh ", 1)[0].lower().split()[1:]  # after the icon
    assert any(w.startswith("di") for w in words), line
    assert not any(w.startswith("me") for w in words), line
    assert "Budi Santoso" in line and line.endswith("pukul 15.00 WIB.")


# -- what a task asks, step by step ------------------------------------------------------


def asks(step_id: int, **options: Any) -> str:
    """The text of the task of a case of the source SOP standing at ``step_id``."""
    run = run_to(step_id)
    return task_view(sop(), run.current, WIB, names={}, **options).text


def test_setujui_means_a_paraf_at_steps_7_and_8_and_the_signature_at_step_9() -> None:
    paraf = "Bapak/Ibu dicatat telah memberi paraf pada dokumen tersebut"
    assert paraf in asks(7) and "diteruskan kepada Kabag" in asks(7)
    assert paraf in asks(8) and "diteruskan kepada Karo" in asks(8)
    signing = asks(9)
    assert (
        "Dengan menekan <b>Setujui</b>, Bapak/Ibu dicatat telah menyetujui serta "
        "menandatangani Program Kerja, RKAKL, dan Penetapan Kinerja;" in signing
    )
    assert paraf not in signing
    for step in (2, 3):  # a review that records neither: approve and pass it on
        text = asks(step)
        assert "paraf" not in text and "menandatangani" not in text
        assert (
            "Silakan menekan <b>Setujui</b> untuk memberikan persetujuan dan meneruskan berkas"
            in text
        )
        assert "silakan menekan <b>Kembalikan</b> dan menuliskan alasannya; berkas" in text


def test_a_reviewer_who_got_the_case_back_is_told_to_approve_again_or_return_it_further() -> None:
    run = run_to(3)
    events = run.do(KARO, ReturnForCorrection(run.version, "Selaraskan dengan Renstra."))
    text = task_view(
        sop(), run.current, WIB, names={KARO.person_id: "Hendra"}, arrival=events[-1]
    ).text
    assert "Langkah 2 dari 12" in text and "Selaraskan dengan Renstra." in text
    assert (
        "Setelah catatan di atas ditindaklanjuti, Bapak/Ibu dapat menyetujui kembali berkas "
        "ini. Perbaikan Konsep Rencana Kerja dapat Bapak/Ibu kirimkan sebagai <b>file</b> di "
        "obrolan ini sebelum menekan <b>Setujui</b>; yang disetujui adalah versi terakhir yang "
        "tercantum di atas." in text
    )
    assert (
        "Bila perbaikan perlu dilakukan oleh Kasubag, silakan menekan <b>Kembalikan</b> dan "
        "menuliskan arahannya." in text
    )
    assert "Mohon berkenan memeriksa" not in text


def test_kabag_who_got_the_drafts_back_is_told_he_may_send_them_corrected() -> None:
    """Source line 28: Karo returns the drafts "kepada Kabag MK untuk diperbaiki"; Kasubag,
    to whom Kabag returns them (no "untuk diperbaiki" on his own review), is not told so."""
    run = run_to(9)
    events = run.do(KARO, ReturnForCorrection(run.version, "Target PK agar dikoreksi."))
    text = task_view(sop(), run.current, WIB, names={}, arrival=events[-1]).text
    assert (
        "Perbaikan Draf Program Kerja, Draf RKAKL, dan Draf Penetapan Kinerja dapat Bapak/Ibu "
        "kirimkan sebagai <b>file</b> di obrolan ini sebelum menekan <b>Setujui</b>" in text
    )
    events = run.do(KABAG, ReturnForCorrection(run.version, "Mohon tim memperbaiki."))
    text = task_view(sop(), run.current, WIB, names={}, arrival=events[-1]).text
    assert "Setelah catatan di atas ditindaklanjuti" in text and "kirimkan" not in text
    assert "kirimkan" not in asks(8)  # on the first pass Kabag reviews what he was given


def test_action_steps_say_which_button_to_press_and_to_whom_the_case_goes() -> None:
    assert (
        "Silakan menekan <b>Teruskan</b> untuk menyampaikan berkas kepada Kasubag, atau "
        "<b>Teruskan dengan catatan</b> bila ada arahan" in asks(4)
    )
    assert "kepada Fungsional Umum" in asks(11)
    assert (
        "Silakan memeriksa dokumen final, lalu menekan <b>Arsipkan</b> dan mengetik nomor "
        "arsip." in asks(12)
    )
    fresh = task_view(sop(), started().current, WIB, names={}).text
    assert "Tombol <b>Ajukan</b> tersedia setelah dokumen wajib lengkap." in fresh


def test_a_long_name_with_degrees_on_a_team_button_ends_in_an_ellipsis() -> None:
    """Kasubag picks the team by buttons of the candidates' names: a name with many
    degrees too long for a button ends in "…" after a whole word, not cut off inside one
    ("M.Si., Ak., C")."""
    long = "Dr. Hj. Siti Nur'aini Kusumawardhani Puspitasari, S.E., M.Si., Ak., CA., CPA."
    run = run_to(5)
    view = task_view(sop(), run.current, WIB, names={}, team_candidates=[(1004, long)])
    (label,) = [label for row in view.keyboard for label, _ in row if "Siti" in label]
    assert len(label) <= 60 and label.endswith("…")
    assert long.startswith(label.removeprefix("⬜ ").removesuffix("…").rstrip(" ,"))
    assert label.removesuffix("…").rstrip(" ,").endswith(("Puspitasari", "S.E.", "M.Si.", "Ak."))


def test_the_team_step_says_the_first_picked_is_ketua_in_the_sk_tim() -> None:
    candidates = [(1004, "Ayu"), (1005, "Rudi"), (1006, "Sari")]
    text = asks(5, team_candidates=candidates, team_selected=[1005, 1004, 1006])
    assert (
        "Silakan memilih anggota Tim Penyusunan, lalu menekan <b>Tetapkan tim dan "
        "teruskan</b>. Anggota yang dipilih pertama dicantumkan sebagai Ketua dalam Draf SK "
        "Tim Penyusunan" in text
    )
    assert "kemudian tetapkan" not in text
    # in the order picked, as the SK Tim lists them
    assert "Terpilih (3): Rudi (Ketua), Ayu (Sekretaris), Sari" in text


def test_the_task_gives_the_norm_in_working_hours_and_by_when() -> None:
    due = datetime(2026, 11, 2, 5, 15, tzinfo=UTC)  # 12.15 WIB
    text = task_view(sop(), started().current, WIB, names={}, due=due).text
    assert (
        "Pelaksana: Kasubag · Norma waktu: 4 jam kerja (paling lambat Senin, 2 November 2026 "
        "pukul 12.15 WIB)" in text
    )
    assert [t.minutes_text(m) for m in (240, 480, 4800, 30, 510, 0)] == [
        "4 jam kerja",
        "1 hari kerja",
        "10 hari kerja",
        "30 menit kerja",
        "1 hari kerja 30 menit",
        "0 menit",
    ]


@pytest.mark.parametrize(
    ("step_id", "related"),
    [
        (5, "SOP Pembentukan Tim"),
        (6, "SOP Pengumpulan Bahan, SOP Pembuatan Draf"),
        (12, "SOP Pendokumentasian"),
    ],
)
def test_the_task_names_the_sop_the_ket_column_points_to(step_id: int, related: str) -> None:
    """Column 11 (Ket): the Tim is formed under SOP Pembentukan Tim, the drafts are written
    under SOP Pengumpulan Bahan and SOP Pembuatan Draf, the archive kept under SOP
    Pendokumentasian; the holder's task says so under the activity."""
    text = task_view(sop(), run_to(step_id).current, WIB, names={}).text
    activity = f"<i>{sop().step(step_id).activity}</i>"
    assert f"{activity}\nBerpedoman pada: {related}\n" in text, text


def test_a_step_without_a_ket_names_no_sop() -> None:
    assert "Berpedoman" not in task_view(sop(), run_to(7).current, WIB, names={}).text


def test_the_task_addresses_the_official_as_bapak_ibu() -> None:
    run = run_to(2)
    events = run.do(KASUBAG, Withdraw(run.version))
    text = task_view(sop(), run.current, WIB, names={}, arrival=events[-1], intro="withdrawn").text
    assert "menunggu tindakan Bapak/Ibu" in text and "Anda" not in text


# -- long texts: the quote is shortened, never what the bot says --------------------------


def test_colleagues_drafts_with_long_names_are_offered_without_cutting_the_task() -> None:
    """The drafts another member uploaded, named at length with "&" in them (five characters
    each, escaped): the task names as many as fit, counts the others, and still says which
    button receives them and which hands them in."""
    names = [f"Draf {doc} {'&' * 250}.docx" for doc in ("Program Kerja", "RKAKL", "PK")]
    text = asks(6, unheld=names)
    assert len(text) <= t.MAX_MESSAGE and "dipersingkat" not in text
    assert "Draf Program Kerja &amp;" in text
    assert "… dan 2 lainnya. Silakan menekan <b>Terima dokumen</b> untuk menerimanya" in text
    assert "Tombol <b>Serahkan draf kepada Kasubag</b> tersedia setelah" in text


def test_a_long_reason_is_shortened_in_the_task_and_its_instruction_stays() -> None:
    run = run_to(2)
    events = run.do(KABAG, ReturnForCorrection(run.version, "<&>" * 333))
    view = task_view(sop(), run.current, WIB, names={}, arrival=events[-1], limit=2000)
    assert len(view.text) <= 2000
    assert "…</blockquote>" in view.text and "dipersingkat" not in view.text
    assert view.text.rstrip().endswith(
        "Silakan menekan <b>Ajukan</b> untuk menyampaikan berkas kepada Kabag."
    )


def test_a_decided_message_keeps_its_outcome_and_shortens_the_reason_and_title() -> None:
    run = run_to(2)
    before = run.current
    reason = "&" * 1000
    events = run.do(KABAG, ReturnForCorrection(run.version, reason))
    text = decided_text(
        sop(),
        before,
        WIB,
        decision=events[-1],
        actor_name="Budi",
        names={},
        moved="Berkas dikembalikan kepada Kasubag.",
    )
    assert len(text) <= t.MAX_MESSAGE
    assert text.endswith("Berkas dikembalikan kepada Kasubag.")
    assert "↩️ Dikembalikan oleh Budi (Kabag)" in text
    assert "&amp;…" in text and "dipersingkat" not in text


def test_a_text_that_fits_is_built_once_and_one_too_long_as_fit_listed_fits_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A task (and a decided task) is built once when it fits, the keyboard with it; one too
    long is what :func:`bot.texts.fit_listed` makes of it, the keyboard of its last build."""
    built: list[int] = []
    real = views._task_text

    def counted(*args: Any, **kwargs: Any) -> str:
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "_task_text", counted)
    run = run_to(2)
    view = task_view(sop(), run.current, WIB, names={})
    assert len(built) == 1 and view.keyboard and view.text == asks(2)
    decided = Event(EventType.RETURNED, 1, 1002, "kabag", T0, 2, reason="Kurang lengkap", note="")
    built.clear()
    decided_text(sop(), run.current, WIB, decision=decided, actor_name="Budi", names={})
    assert len(built) == 1
    events = run.do(KABAG, ReturnForCorrection(run.version, "<&>" * 333))
    long = task_view(sop(), run.current, WIB, names={}, arrival=events[-1], limit=2000)
    keyboard: views.Keyboard = []

    def build(quoted: Any, shown: int) -> str:
        keyboard.clear()
        return real(
            sop(), run.current, WIB, names={}, arrival=events[-1], title=quoted[0],
            said=quoted[1], keyboard=keyboard, asking=views.Asking(), picked_shown=shown,
        )  # fmt: skip

    said = events[-1].reason
    assert long.text == t.fit_listed(build, [run.current.title, said], 0, 2000)
    assert long.keyboard == keyboard and len(long.text) <= 2000


def long_name(i: int) -> str:
    """A member's full name as the SK Tim writes it: long, with titles and degrees."""
    return f"Anggota{i:02d} Raden Mas " + "Bambang Soerjono Kusumanegara " * 5 + "S.E., M.Sc."


def test_a_large_team_keeps_the_outcome_of_its_step_and_counts_the_members_left_out() -> None:
    """Kasubag names 22 drafters with long names (about 180 characters each): the record of
    step 5 lists them in the order picked as far as the message allows, counts the others,
    and still says who formed the team and to whom the case went."""
    run = run_to(5)
    before = run.current
    members = list(range(2000, 2022))
    names = {m: long_name(i) for i, m in enumerate(members)}
    events = run.form_team(KASUBAG, members)
    text = decided_text(
        sop(), before, WIB, decision=events[-1], actor_name="Siti", names=names, events=events,
        moved="Berkas diteruskan kepada Tim Penyusunan.",
    )  # fmt: skip
    assert len(text) <= t.MAX_MESSAGE and "dipersingkat" not in text
    assert "anggota lainnya\n\n✔️ Diteruskan oleh Siti (Kasubag) pada " in text
    assert text.endswith("Berkas diteruskan kepada Tim Penyusunan.")
    team = text.split("Susunan Tim Penyusunan:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert team[0] == f"1. {long_name(0)} (Ketua)" and team[1] == f"2. {long_name(1)} (Sekretaris)"
    shown = len(team) - 1
    assert 15 < shown < 22 and team[-2] == f"{shown}. {long_name(shown - 1)}"
    assert team[-1] == f"… dan {22 - shown} anggota lainnya"
    # a team that fits is listed whole
    whole = decided_text(
        sop(), before, WIB, decision=events[-1], actor_name="Siti",
        names={m: f"Pegawai {m}" for m in members}, events=events,
    )  # fmt: skip
    assert "22. Pegawai 2021\n\n✔️ Diteruskan oleh Siti" in whole and "lainnya" not in whole


def test_the_team_picked_so_far_is_counted_where_it_would_not_fit() -> None:
    """While Kasubag picks 22 drafters with long names, the task names as many as fit and
    counts the others; the names of the first two keep their places."""
    members = list(range(2000, 2022))
    candidates = [(m, long_name(i)) for i, m in enumerate(members)]
    text = asks(5, team_candidates=candidates, team_selected=members)
    assert len(text) <= t.MAX_MESSAGE and "dipersingkat" not in text
    picked = text.split("Terpilih (22): ", 1)[1].split("\n", 1)[0]
    assert picked.startswith(f"{long_name(0)} (Ketua), {long_name(1)} (Sekretaris), ")
    named = picked.count("Anggota")
    assert 15 < named < 22 and picked.endswith(f" dan {22 - named} lainnya")


@pytest.mark.parametrize(
    ("items", "room", "expected"),
    [
        (
            ["Ayu Lestari", "Rudi Hartono", "Sari Dewi Anggraini"],
            100,
            "Ayu Lestari, Rudi Hartono, Sari Dewi Anggraini",
        ),
        (
            ["Ayu Lestari", "Rudi Hartono", "Sari Dewi Anggraini"],
            40,
            "Ayu Lestari, Rudi Hartono, dan 1 lainnya",  # EYD: a comma before "dan"
        ),
        (["Ayu Lestari", "Rudi Hartono", "Sari Dewi Anggraini"], 30, "Ayu Lestari dan 2 lainnya"),
        (["A&B", "Rudi"], 13, "A&B, Rudi"),
        (["Ayu" * 20, "Rudi"], 20, "AyuAy… dan 1 lainnya"),
    ],
)
def test_a_list_of_names_keeps_to_its_room_and_counts_the_others(
    items: list[str], room: int, expected: str
) -> None:
    listed = t.names(items, room)
    assert listed == expected and len(t.e(listed)) <= room


def test_a_shortened_list_puts_its_separator_before_dan_as_eyd_writes_a_series() -> None:
    """ "Ayu, Rudi, dan 20 lainnya", as every other list of the bot ("nama, NIP, dan
    jabatan"); a list of "; " keeps its ";" there; the case numbers of a notice too."""
    members = ["Ayu Lestari, ID 1004", "Rudi Hartono, ID 1005", "Sari Dewi, ID 1006"]
    listed = t.names(members, 60, sep="; ")
    assert listed == "Ayu Lestari, ID 1004; Rudi Hartono, ID 1005; dan 1 lainnya"
    assert t.case_numbers(list(range(1, 15))) == (
        "Berkas #1, #2, #3, #4, #5, #6, #7, #8, #9, #10, dan 4 lainnya"
    )
    assert t.case_numbers([3, 5]) == "Berkas #3, #5"


@pytest.mark.parametrize("room", [0, 1, 2, 5, 6, 7, 50])
@pytest.mark.parametrize("text", ["a&b<c>" * 10, "Rencana Kerja Biro " * 4])
def test_a_clipped_text_escaped_fits_its_room_and_ends_in_an_ellipsis(room: int, text: str) -> None:
    """With something to escape or without (a title of plain words, measured without
    escaping it a character at a time), the same rule."""
    clipped = t.clip(text, room)
    assert len(t.e(clipped)) <= room
    assert clipped == "" or clipped.endswith("…")
    assert text.startswith(clipped.removesuffix("…"))
    if room > 1 and "&" not in text:  # as much as fits beside the "…", no blank before it
        assert clipped == text[: room - 1].rstrip() + "…"


def test_a_long_reason_or_note_in_the_history_ends_after_a_whole_word_and_is_marked() -> None:
    """Kabag returns with a long reason whose decisive words come last, and Karo approves
    with a long note: /status's history shows each up to a whole word and "…", so nobody
    takes a cut word for the end of the reason; a short one stays whole."""
    reason = (
        "Mohon diperbaiki: "
        + "rincian belanja per output belum lengkap; " * 6
        + "JANGAN DITERUSKAN KE KARO."
    )
    note = "Catatan pimpinan: " + "selaraskan&sesuaikan dengan Renstra " * 10
    events = [
        Event(EventType.RETURNED, 2, 1002, "kabag", T0, 1, reason=reason),
        Event(EventType.APPROVED, 3, 1003, "karo", T0, 4, note=note),
        Event(EventType.RETURNED, 2, 1002, "kabag", T0, 1, reason="TOR belum lengkap."),
    ]
    lines = history_lines(sop(), events, NamesAt({}), WIB)
    for line, text in zip(lines, (reason, note), strict=False):
        shown = line.split(" — ", 1)[1].removeprefix("catatan: ")
        assert shown.endswith("…") and len(shown) <= views.HISTORY_TEXT, line
        kept = html.unescape(shown.removesuffix("…"))
        assert text.startswith(kept) and text[len(kept)] == " ", line
    assert lines[2].endswith(" — TOR belum lengkap.")


def uploaded(actor: int, role: str, step: int, at: datetime, name: str, version: int) -> Event:
    data = {"doc": "tor", "file_id": version, "name": name, "version": version}
    return Event(EventType.FILE_ATTACHED, 2, actor, role, at, step, data=data)


def test_the_documents_uploaded_in_one_sitting_share_a_history_line() -> None:
    """A long case's /status: Kasubag sends the Konsep and the TOR at step 1 within minutes:
    one line says she uploaded 2 documents and names each with its version, from the first
    minute to the last. What a reader needs of each upload stays (who, as what, at which
    step, which file in which version); a line a file made the oldest history give way
    sooner to Telegram's limit. A single upload reads as before."""
    monday = datetime(2026, 7, 6, 2, 5, tzinfo=UTC)  # 09.05 WIB
    minutes = [monday.replace(minute=m) for m in (5, 12, 40)]
    events = [
        Event(EventType.STARTED, 2, 1001, "kasubag", monday, 1),
        uploaded(1001, "kasubag", 1, minutes[0], "Konsep Rencana Kerja.docx", 1),
        uploaded(1001, "kasubag", 1, minutes[1], "TOR <final>.docx", 1),
        uploaded(1001, "kasubag", 1, minutes[2], "TOR.docx", 2),
        Event(EventType.COMPLETED, 2, 1001, "kasubag", minutes[2], 1, to_step=2),
        uploaded(1002, "kabag", 2, minutes[2], "Catatan.pdf", 1),
    ]
    lines = history_lines(sop(), events, NamesAt({1001: "Siti", 1002: "Budi"}), WIB)
    assert len(lines) == 4
    assert lines[1] == (
        "6 Juli 2026 pukul 09.05–09.40 WIB · L1 · Siti (Kasubag) mengunggah 3 dokumen: "
        "Konsep Rencana Kerja.docx (versi 1), TOR &lt;final&gt;.docx (versi 1), TOR.docx (versi 2)"
    )
    assert lines[3] == (
        "6 Juli 2026 pukul 09.40 WIB · L2 · Budi (Kabag) mengunggah dokumen Catatan.pdf (versi 1)"
    )
    # within one minute: the minute once
    same = [uploaded(1001, "kasubag", 1, monday, f"Lampiran {n}.pdf", n) for n in (1, 2)]
    [line] = history_lines(sop(), same, NamesAt({1001: "Siti"}), WIB)
    assert line.startswith("6 Juli 2026 pukul 09.05 WIB · L1 · Siti (Kasubag) mengunggah 2 ")


def test_uploads_of_other_people_days_or_steps_keep_lines_of_their_own() -> None:
    """The two members of the team each upload their draft at step 5: a line each, so each
    is named. Kasubag's upload of Monday and her next one of Tuesday, or one at another
    step, or one after another event between them, are lines of their own too: a sitting
    is one person's, at one step, on one day, with nothing else recorded between."""
    monday = datetime(2026, 7, 6, 2, 5, tzinfo=UTC)
    tuesday = datetime(2026, 7, 7, 2, 5, tzinfo=UTC)
    names = NamesAt({1001: "Siti", 1005: "Ani", 1006: "Rudi"})
    team = [
        uploaded(1005, "tim", 5, monday, "Draf PK.docx", 1),
        uploaded(1006, "tim", 5, monday, "Draf RKAKL.xlsx", 1),
    ]
    apart = [
        uploaded(1001, "kasubag", 1, monday, "TOR.docx", 1),
        uploaded(1001, "kasubag", 1, tuesday, "TOR.docx", 2),
        uploaded(1001, "kasubag", 4, tuesday, "Konsep.docx", 1),
        Event(EventType.WITHDRAWN, 2, 1001, "kasubag", tuesday, 4),
        uploaded(1001, "kasubag", 4, tuesday, "Konsep.docx", 2),
    ]
    for events in (team, apart):
        lines = history_lines(sop(), events, names, WIB)
        assert len(lines) == len(events), lines
        for line, event in zip(lines, events, strict=True):
            if event.type is EventType.FILE_ATTACHED:
                assert f" mengunggah dokumen {event.data['name']} (v" in line, line


# -- other SOPs of the same form: the wording follows their definition ---------------------

FIXTURES = Path(__file__).parent / "fixtures" / "sops"


def task_of(file: str, step_id: int, **options: Any) -> View:
    """The task of a case of the fixture SOP ``file`` standing at ``step_id`` with every
    document in (so the task asks and offers its buttons)."""
    definition = load_definition(FIXTURES / file)
    run = Run(definition)
    run.start(person(1, definition.first_step.actor))
    everything = frozenset(definition.canonical(d.id) for d in definition.documents)
    case = dataclasses.replace(run.current, step=step_id, produced=everything)
    return task_view(definition, case, WIB, names={}, **options)


def buttons(view: View) -> list[str]:
    return [label for row in view.keyboard for label, _ in row]


def test_an_upload_step_hands_in_documents_and_only_drafts_are_called_drafts() -> None:
    """The Pejabat Pengadaan's HPS and the PPK's signed SPK are no drafts; the shipped
    team's Draf Program Kerja, Draf RKAKL and Draf Penetapan Kinerja are."""
    assert buttons(task_of("pengadaan-barang.toml", 3)) == ["📤 Serahkan dokumen kepada PPK"]
    assert buttons(task_of("pengadaan-barang.toml", 4)) == [
        "📤 Serahkan dokumen kepada Pengelola BMN"
    ]
    hps = task_of("pengadaan-barang.toml", 3).text
    assert "silakan menekan <b>Serahkan dokumen kepada PPK</b>" in hps and "draf" not in hps
    run = run_to(6)
    everything = frozenset(d.id for d in sop().documents)
    drafting = dataclasses.replace(run.current, produced=everything)
    assert buttons(task_view(sop(), drafting, WIB, names={})) == ["📤 Serahkan draf kepada Kasubag"]


def test_the_first_step_is_submitted_only_to_a_superior() -> None:
    """The Kasubag Rumah Tangga submits (Ajukan) to the PPK above her; the Karo who disposes
    an incoming letter forwards it to his Kabag, and the Kasubag who gathers the LKj's data
    goes on to her own next step, not "kepada Kasubag"."""
    proposal = task_of("pengadaan-barang.toml", 1)
    assert buttons(proposal) == ["📤 Ajukan"]
    assert "Silakan menekan <b>Ajukan</b> untuk menyampaikan berkas kepada PPK." in proposal.text
    letter = task_of("surat-masuk.toml", 1)
    assert buttons(letter) == ["➡️ Teruskan", "📝 Teruskan dengan catatan"]
    assert "Ajukan" not in letter.text
    assert "Silakan menekan <b>Teruskan</b> untuk menyampaikan berkas kepada Kabag" in letter.text
    data = task_of("laporan-kinerja.toml", 1)
    assert "Ajukan" not in data.text and "kepada Kasubag" not in data.text
    assert (
        "Silakan menekan <b>Teruskan</b> untuk menyampaikan berkas ke langkah berikutnya"
        in data.text
    )


def test_the_team_step_names_the_sk_of_the_team_the_sop_forms() -> None:
    candidates = [(1004, "Ayu"), (1005, "Rudi")]
    text = task_of("surat-tugas-tim.toml", 3, team_candidates=candidates).text
    assert "Ketua dalam Draf SK Tim Pelaksana," in text
    assert "Penyusunan" not in text
    assert paper_title(SK_TIM, "Pemeriksa Barang") == "Draf SK Tim Pemeriksa Barang"
    assert paper_title(SK_TIM, "Tim Penyusunan") == "Draf SK Tim Penyusunan"
    assert paper_title(DISPOSISI, "Tim Pelaksana") == "Lembar Disposisi"


def spm_up_to_the_signature(definition: SopDefinition) -> Run:
    """An SPM-LS case run until the PP-SPM's signature (step 4): the Bendahara hands in the
    invoice and the BAST, the Verifikator approves, the P.P.K. hands in the Konsep SPP-LS."""
    bendahara, ppk = person(1, "bendahara"), person(3, "ppk_keu")
    run = Run(definition)
    run.start(bendahara)
    run.attach(bendahara, "tagihan")
    run.attach(bendahara, "bast")
    run.complete(bendahara)
    run.approve(person(2, "verifikator"))
    run.attach(ppk, "konsep_spp")
    run.complete(ppk)
    return run


def test_an_optional_document_not_sent_is_not_ticked_on_the_later_checklists() -> None:
    """The P.P.K. hands in the Konsep SPP-LS without the SSP, which is optional though the
    step lists it among its outputs; the PP-SPM signs. Neither the Bendahara's archive task
    nor the case ticks the SSP as present: it is "tidak wajib" and still missing."""
    definition = load_definition(FIXTURES / "spm-ls.toml")
    bendahara = person(1, "bendahara")
    run = spm_up_to_the_signature(definition)
    run.approve(person(4, "ppspm"))
    run.attach(bendahara, "sp2d")
    run.complete(bendahara)
    assert "ssp" not in run.current.produced
    assert "spm" in run.current.produced  # generated: recorded when the PP-SPM signs
    archive = task_view(definition, run.current, WIB, names={}).text
    assert "⬜ SSP PPh Ps. 22/23 (tidak wajib)" in archive
    assert "✅ SSP" not in archive
    assert run.replayed() == run.current


def test_the_bendahara_who_uploads_the_sp2d_and_then_archives_goes_on_to_her_own_step() -> None:
    """Step 5 (the SP2D) and step 6 (the archive) are both the Bendahara's: her button and
    her task say she goes on to the next step, not that she hands the documents "kepada
    Bendahara Pengeluaran", herself; and once she has, she reads that the case went on to
    step 6, not to herself."""
    definition = load_definition(FIXTURES / "spm-ls.toml")
    sp2d = task_of("spm-ls.toml", 5)
    assert buttons(sp2d) == ["📤 Lanjut ke langkah berikutnya"]
    assert "kepada Bendahara Pengeluaran" not in sp2d.text
    assert "silakan menekan <b>Lanjut ke langkah berikutnya</b>" in sp2d.text
    bendahara = person(1, "bendahara")
    run = Run(definition)
    run.start(bendahara)
    case = dataclasses.replace(run.current, step=6)
    handed = Event(EventType.COMPLETED, 1, 1, "bendahara", T0, 5, to_step=6)
    assert views.moved_line(definition, case, handed) == (
        "Berkas diteruskan ke langkah berikutnya (Langkah 6)."
    )
    # a move to another role's step still names that role
    verified = Event(EventType.COMPLETED, 1, 1, "bendahara", T0, 1, to_step=2)
    assert views.moved_line(definition, dataclasses.replace(case, step=2), verified) == (
        "Berkas diteruskan kepada Verifikator Keuangan."
    )


def spm_with(tmp_path: Path, *changes: tuple[str, str]) -> SopDefinition:
    """The SPM-LS SOP with passages of its file written otherwise (old, new)."""
    text = (FIXTURES / "spm-ls.toml").read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "spm-ls.toml"
    path.write_text(text, encoding="utf-8")
    return load_definition(path)


def test_the_pp_spm_who_uploads_the_signed_spm_at_his_review_is_asked_for_it(
    tmp_path: Path,
) -> None:
    """The office makes the SPM-LS a file the PP-SPM sends when he signs (step 4, a review,
    lists it in `uploads`): his task names it among what he sends, and Setujui comes once it
    is in; Kembalikan is there from the start."""
    definition = spm_with(
        tmp_path,
        (
            '[documents.spm]\nname = "SPM-LS"\nsource = "generated"',
            '[documents.spm]\nname = "SPM-LS"\nsource = "upload"',
        ),
        (
            'outputs = ["spp", "spm"]\ntime_minutes = 960',
            'uploads = ["spm"]\noutputs = ["spp", "spm"]\ntime_minutes = 960',
        ),
    )
    ppspm = person(4, "ppspm")
    run = spm_up_to_the_signature(definition)
    signing = task_view(definition, run.current, WIB, names={})
    assert "⬜ SPM-LS" in signing.text
    assert "Silakan mengirim dokumen yang belum ada sebagai <b>file</b>" in signing.text
    assert buttons(signing) == ["↩️ Kembalikan"]
    run.attach(ppspm, "spm")
    signed = task_view(definition, run.current, WIB, names={})
    assert "✅ SPM-LS: spm.pdf (versi 1)" in signed.text
    assert buttons(signed) == ["✅ Setujui", "↩️ Kembalikan"]
    run.approve(ppspm)
    assert run.step == 5


def test_the_bendahara_who_attaches_the_filing_receipt_at_the_archive_is_asked_for_it(
    tmp_path: Path,
) -> None:
    """The archive step lists a document its holder uploads (the Berita Acara Penyimpanan):
    the task names it among what she sends, and Arsipkan comes once it is in (a number
    typed before would be refused and typed again)."""
    definition = spm_with(
        tmp_path,
        (
            "outputs = []\ntime_minutes = 60",
            'uploads = ["ba_simpan"]\noutputs = []\ntime_minutes = 60\n\n'
            '[documents.ba_simpan]\nname = "Berita Acara Penyimpanan"\nsource = "upload"',
        ),
    )
    bendahara = person(1, "bendahara")
    run = spm_up_to_the_signature(definition)
    run.approve(person(4, "ppspm"))
    run.attach(bendahara, "sp2d")
    run.complete(bendahara)
    filing = task_view(definition, run.current, WIB, names={})
    assert "⬜ Berita Acara Penyimpanan" in filing.text
    assert "Silakan mengirim dokumen yang belum ada sebagai <b>file</b>" in filing.text
    assert buttons(filing) == []
    run.attach(bendahara, "ba_simpan")
    filed = task_view(definition, run.current, WIB, names={})
    assert "✅ Berita Acara Penyimpanan: ba_simpan.pdf (versi 1)" in filed.text
    assert buttons(filed) == ["🗄 Arsipkan"]


def test_a_verifikator_who_drafts_the_spp_after_approving_goes_on_to_his_own_step(
    tmp_path: Path,
) -> None:
    """An office where the Verifikator who verifies the invoice (step 2) also drafts the
    SPP-LS (step 3): Setujui takes the case to his own next step, not "kepada Verifikator
    Keuangan", himself; a return still names the Bendahara."""
    definition = spm_with(
        tmp_path,
        ('actor = "ppk_keu"\nkind = "upload"', 'actor = "verifikator"\nkind = "upload"'),
    )
    bendahara = person(1, "bendahara")
    run = Run(definition)
    run.start(bendahara)
    run.attach(bendahara, "tagihan")
    run.attach(bendahara, "bast")
    run.complete(bendahara)
    text = task_view(definition, run.current, WIB, names={}).text
    assert "kepada Verifikator Keuangan" not in text
    assert (
        "Silakan menekan <b>Setujui</b> untuk memberikan persetujuan dan melanjutkan ke langkah "
        "berikutnya." in text
    )
    assert "berkas dikembalikan kepada Bendahara Pengeluaran" in text
