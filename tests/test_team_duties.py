"""The team's duties in the SK Tim (Diktum KEDUA) come from the SOP, not from the template:
the shipped SOP states the bureau's four duties on its team step (``team_duties``); an SOP
that states none gets them derived from its steps (:func:`bot.paperwork.derived_team_duties`).
The paper letters and punctuates them itself."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import docx
from e2e_helpers import case_of

from bot.core.definition import SopDefinition
from bot.core.loader import load_definition
from bot.core.model import EventType
from bot.demo import ACTING, OFFICIALS, ROOT, Script, World, draft
from bot.papers import samples as S
from bot.papers.contexts import DOTS, sk_tim_context
from bot.papers.dates import DEFAULT_ZONE
from bot.papers.model import SkTim
from bot.papers.registry import SK_TIM
from bot.papers.render import PaperRenderer
from bot.paperwork import (
    derived_team_duties,
    menimbang,
    skeleton_signers,
    team_duties,
    team_role,
    team_step_of,
)
from storage import repo

SHIPPED = load_definition(ROOT / "sops" / "penyusunan-program-kerja.toml")
FIXTURES = Path(__file__).parent / "fixtures" / "sops"
# The directorate's Surat Tugas SOP with a team step, stating no duties of its own.
SURAT_TUGAS_TIM = load_definition(FIXTURES / "surat-tugas-tim.toml")
SURAT_TUGAS = load_definition(FIXTURES / "surat-tugas.toml")  # forms no team

STATED = list(S.TEAM_DUTIES)  # the bureau's four, as sopbot check's sample record has them
# Diktum KEDUA as the template wrote it before the duties came from the SOP.
BUREAU_DUTIES = [
    "a.\tmengumpulkan bahan penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro;",
    "b.\tmenyusun draf Program Kerja, RKAKL, dan Penetapan Kinerja Biro dan menyerahkannya "
    "kepada Kepala Subbagian;",
    "c.\tmemperbaiki draf sesuai hasil pemeriksaan Kepala Subbagian, Kepala Bagian Manajemen "
    "Kinerja, dan Kepala Biro Perencanaan dan Manajemen Kinerja; dan",
    "d.\tmelaporkan pelaksanaan tugas kepada Kepala Biro Perencanaan dan Manajemen Kinerja "
    "melalui Kepala Bagian Manajemen Kinerja.",
]


def sk_tim_of(definition: SopDefinition) -> SkTim:
    """The sample SK Tim as the bot would write it for a case of ``definition``."""
    step = team_step_of(definition)
    team = team_role(definition, step)
    assert step is not None and team is not None
    top = next(r for r in definition.roles if r.superior is None)
    sample = S.sample_sk_tim()
    return replace(
        sample,
        case=replace(sample.case, sop_name=definition.header.name),
        menimbang=menimbang(definition.header.name, 2027, team.name, top.title),
        duties=team_duties(definition, step),
    )


def kedua(data: bytes) -> list[str]:
    """The paragraphs of Diktum KEDUA, as python-docx reads the decree's second table."""
    document = docx.Document(io.BytesIO(data))
    diktum = document.tables[1]
    assert [r.cells[0].text for r in diktum.rows[:4]] == ["Menetapkan", "KESATU", "KEDUA", "KETIGA"]
    assert diktum.rows[4].cells[0].text.startswith("Ditetapkan di ")  # the signature's row
    cell = diktum.rows[2].cells[2]
    return [p.text for p in cell.paragraphs if p.text]


# -- what the SOP states or implies ----------------------------------------------------------


def test_the_shipped_sop_states_the_bureaus_four_duties_on_its_team_step() -> None:
    step = team_step_of(SHIPPED)
    assert step is not None and step.id == 5
    assert list(step.team_duties) == STATED == list(S.TEAM_DUTIES)
    assert team_duties(SHIPPED, step) == STATED


def test_a_case_of_the_revision_before_the_duties_were_stated_takes_the_stated_ones() -> None:
    """Cases opened before the SOP file gained ``team_duties`` keep their revision; their SK
    Tim takes the duties the current file states for the same step, not derived ones."""
    earlier = replace(
        SHIPPED,
        steps=tuple(replace(s, team_duties=()) if s.id == 5 else s for s in SHIPPED.steps),
    )
    step = team_step_of(earlier)
    assert step is not None and not step.team_duties
    assert team_duties(earlier, step, current=SHIPPED) == STATED
    assert team_duties(earlier, step) == derived_team_duties(earlier, step)


def test_the_shipped_sops_duties_derived_name_its_drafts_reviewers_and_karo() -> None:
    """Without its stated duties the bureau's SOP still gets its own: the team drafts and
    hands the drafts to Kasubag, corrects them after the reviews of steps 7-9, and
    reports to Karo through its superior."""
    step = team_step_of(SHIPPED)
    assert step is not None
    assert derived_team_duties(SHIPPED, step) == [
        "melaksanakan penyusunan draf dan menyerahkan Draf Program Kerja, Draf RKAKL, dan "
        "Draf Penetapan Kinerja kepada Kepala Subbagian",
        "memperbaiki Draf Program Kerja, Draf RKAKL, dan Draf Penetapan Kinerja sesuai hasil "
        "pemeriksaan Kepala Subbagian, Kepala Bagian Manajemen Kinerja, dan Kepala Biro "
        "Perencanaan dan Manajemen Kinerja",
        "melaporkan pelaksanaan tugas kepada Kepala Biro Perencanaan dan Manajemen Kinerja "
        "melalui Kepala Subbagian",
    ]
    without = replace(SHIPPED, steps=tuple(replace(s, team_duties=()) for s in SHIPPED.steps))
    assert team_duties(without, team_step_of(without)) == derived_team_duties(SHIPPED, step)


def test_a_second_sops_duties_are_derived_from_its_own_steps_and_officials() -> None:
    step = team_step_of(SURAT_TUGAS_TIM)
    assert step is not None and step.id == 3 and not step.team_duties
    duties = team_duties(SURAT_TUGAS_TIM, step)
    assert duties == [
        "melaksanakan penyusunan konsep surat tugas dan menyerahkan Konsep Surat Tugas dan "
        "Rencana Perjalanan Dinas kepada Kepala Seksi Antarkerja",
        "memperbaiki Konsep Surat Tugas dan Rencana Perjalanan Dinas sesuai hasil pemeriksaan "
        "Kepala Seksi Antarkerja, Kepala Subdirektorat Penempatan, dan Direktur Bina "
        "Pengantar Kerja",
        "melaporkan pelaksanaan tugas kepada Direktur Bina Pengantar Kerja melalui Kepala "
        "Seksi Antarkerja",
    ]
    text = " ".join(duties)
    # its step titles, documents and officials, none of the bureau's
    assert "penyusunan konsep surat tugas" in text and "oleh Tim" not in text
    for title in ("Kepala Seksi Antarkerja", "Kepala Subdirektorat Penempatan"):
        assert title in text
    for bureau_word in (
        "RKAKL",
        "Program Kerja",
        "Kepala Biro",
        "Kepala Subbagian",
        "Kepala Sub Bagian",
    ):
        assert bureau_word not in text


def test_an_sop_that_forms_no_team_has_no_team_duties() -> None:
    assert team_step_of(SURAT_TUGAS) is None
    assert team_duties(SURAT_TUGAS, None) == []


def test_the_derivation_follows_the_definition_alone() -> None:
    """Renamed officials and steps change the duties; a step title that is a verb already
    is not made a task twice, and a team with no superior below the top reports directly."""
    roles = tuple(
        replace(r, title="Ketua Kelompok Kerja", superior="direktur")
        if r.id == "tim_pelaksana"
        else replace(r, title="Direktur Jenderal Binapenta")
        if r.id == "direktur"
        else r
        for r in SURAT_TUGAS_TIM.roles
    )
    steps = tuple(
        replace(s, title="Menyusun rencana perjalanan dinas") if s.id == 4 else s
        for s in SURAT_TUGAS_TIM.steps
    )
    changed = replace(SURAT_TUGAS_TIM, roles=roles, steps=steps)
    first, _, last = derived_team_duties(changed, changed.step(3))
    assert first.startswith("menyusun rencana perjalanan dinas dan menyerahkan ")
    assert last == "melaporkan pelaksanaan tugas kepada Direktur Jenderal Binapenta"


# -- the paper ------------------------------------------------------------------------------


def test_the_context_letters_and_punctuates_the_duties() -> None:
    def marks_and_texts(duties: list[str]) -> list[str]:
        context = sk_tim_context(replace(S.sample_sk_tim(), duties=duties), DEFAULT_ZONE)
        return [f"{d['mark']} {d['text']}" for d in context["duties"]]

    assert marks_and_texts(["satu"]) == ["a. satu."]
    assert marks_and_texts(["satu", "dua"]) == ["a. satu; dan", "b. dua."]
    assert marks_and_texts(["satu", "dua", "tiga"]) == ["a. satu;", "b. dua; dan", "c. tiga."]
    # punctuation typed by hand is not doubled; blank items are left out; none: a blank line
    assert marks_and_texts(["satu;", "dua; dan", "  ", "tiga ."]) == [
        "a. satu;",
        "b. dua; dan",
        "c. tiga.",
    ]
    assert marks_and_texts([]) == [f"a. {DOTS}."]


def test_the_shipped_sops_sk_tim_lists_the_bureaus_four_duties() -> None:
    data = PaperRenderer().render(SK_TIM, sk_tim_of(SHIPPED))
    paragraphs = kedua(data)
    assert paragraphs[0] == "Tim sebagaimana dimaksud dalam Diktum KESATU mempunyai tugas:"
    assert paragraphs[1:] == BUREAU_DUTIES


def test_the_second_sops_sk_tim_lists_its_own_duties() -> None:
    data = PaperRenderer().render(SK_TIM, sk_tim_of(SURAT_TUGAS_TIM))
    paragraphs = kedua(data)
    assert [p[:3] for p in paragraphs[1:]] == ["a.\t", "b.\t", "c.\t"]
    assert paragraphs[1].endswith("kepada Kepala Seksi Antarkerja;")
    assert paragraphs[2].endswith("dan Direktur Bina Pengantar Kerja; dan")
    assert paragraphs[3] == (
        "c.\tmelaporkan pelaksanaan tugas kepada Direktur Bina Pengantar Kerja melalui Kepala "
        "Seksi Antarkerja."
    )
    assert "RKAKL" not in "\n".join(paragraphs)


def test_twelve_long_duties_stay_in_the_diktum_with_their_indent() -> None:
    duties = [f"tugas ke-{i} " + "uraian panjang " * 18 for i in range(1, 13)]
    data = PaperRenderer().render(SK_TIM, replace(S.sample_sk_tim(), duties=duties))
    document = docx.Document(io.BytesIO(data))
    cell = document.tables[1].rows[2].cells[2]
    items = [p for p in cell.paragraphs if re.match(r"[a-l]\.\t", p.text)]
    assert [p.text[:2] for p in items] == [f"{c}." for c in "abcdefghijkl"]
    for p in items:
        assert p.paragraph_format.left_indent == 397 * 635  # twips to EMU
        assert p.paragraph_format.first_line_indent == -397 * 635
    assert items[-1].text.endswith("uraian panjang.")


# -- through the bot ------------------------------------------------------------------------


def two_sops(tmp_path: Path) -> World:
    """A deployment running both SOPs: Kasubag is also the Kasi, Kabag the Kasubdit, Karo the
    Direktur, the bureau's team (Ayu, Rudi) the Tim Pelaksana."""
    extra = {
        "kasubag": ("kasi",),
        "kabag": ("kasubdit",),
        "karo": ("direktur",),
        "tim1": ("tim_pelaksana",),
        "tim2": ("tim_pelaksana",),
    }
    people = [p.entry([*p.roles, *extra.get(p.key, ())]) for p in OFFICIALS]
    sops = [
        str(ROOT / "sops" / "penyusunan-program-kerja.toml"),
        str(FIXTURES / "surat-tugas-tim.toml"),
    ]
    return World(tmp_path, sops=sops, people=people)


async def surat_tugas_with_team(world: World, s: Script, title: str) -> int:
    """A Surat Tugas case whose team (Ayu, Rudi) the Kasi formed; it waits at step 4."""
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send("/baru surat-tugas-tim")
    asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=s.timeout)
    await kasubag.send(title)
    # the year is asked, and every task headed, as this SOP names it (sop.year_label)
    await world.emu.wait_until(lambda: "tahun kegiatan" in asked.text, timeout=s.timeout)
    await kasubag.send("2027")
    await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=s.timeout)
    case = int(asked.text.split("Berkas #", 1)[1].split()[0])
    await s.upload("kasubag", case, "Nota Dinas Permohonan.docx", draft("Nota Dinas"))
    await s.press("kasubag", "Ajukan", case)
    await s.approve("kabag", case)  # step 2, as Kasubdit
    await s.press("kasubag", "Ayu", case)  # step 3: the Kasi forms the team
    await s.press("kasubag", "Rudi", case)
    await s.press("kasubag", "Tetapkan tim", case)
    await world.emu.wait_until(
        lambda: any(has_step_4(m.text, case) for m in world["tim1"].bot_messages),
        timeout=s.timeout,
    )
    await world.drained()
    assert any(
        f"Berkas #{case}" in m.text and "Tahun Kegiatan 2027 · SOP" in m.text
        for m in world["tim1"].bot_messages
    )
    return case


async def test_a_forwarded_message_while_asked_the_year_names_the_year_as_the_sop_does(
    tmp_path: Path,
) -> None:
    """Kasubag opens a Surat Tugas, whose year is its "Tahun Kegiatan"; asked for it, she
    forwards one of the bot's messages by mistake. She is asked to type the Tahun Kegiatan,
    not a Tahun Anggaran this SOP never asked for."""
    async with two_sops(tmp_path) as world:
        await world.everyone_starts()
        kasubag, state = world["kasubag"], world.emu.state
        await kasubag.send("/baru surat-tugas-tim")
        asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=15)
        await kasubag.send("Surat Tugas Monev Bursa Kerja Surabaya")
        await world.emu.wait_until(lambda: "tahun kegiatan" in asked.text, timeout=15)
        kasubag.mark_seen()
        record = state.add_message(kasubag.private_chat, kasubag.record, text="Selamat datang")
        payload = record.to_api(state.bot_user)
        payload["forward_origin"] = {
            "type": "user",
            "sender_user": state.bot_user,
            "date": state.now(),
        }
        state.push_update("message", payload)
        told = await kasubag.wait_message(timeout=15)
        assert "Silakan ketik tahun kegiatan yang dimaksud." in told.text, told.text
        assert "anggaran" not in told.text


async def test_the_bot_writes_the_second_sops_sk_tim_with_its_derived_duties(
    tmp_path: Path,
) -> None:
    """The Kasi forms the team of a Surat Tugas case; its SK Tim lists the duties derived
    from the Surat Tugas SOP."""
    async with two_sops(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await surat_tugas_with_team(world, s, "Surat Tugas Monev Bursa Kerja Surabaya")
        db, store = world.services.db, world.services.files
        rows = [r for r in await db.read(repo.files_of_case, case) if r.name.startswith("sk-tim")]
        assert [r.name for r in rows] == [f"sk-tim-B{case}-langkah3-ke1.docx"]
        data = await store.read(rows[0].path)
    paragraphs = kedua(data)
    assert paragraphs[1:] == [
        f"{mark}\t{duty}{end}"
        for mark, duty, end in zip(
            ("a.", "b.", "c."),
            team_duties(SURAT_TUGAS_TIM, team_step_of(SURAT_TUGAS_TIM)),
            (";", "; dan", "."),
            strict=True,
        )
    ]
    assert "RKAKL" not in "\n".join(paragraphs)


async def test_passing_on_one_sops_team_role_leaves_the_other_sops_teams(tmp_path: Path) -> None:
    """Ayu drafts for the bureau (tim) and for the directorate (tim_pelaksana). Her bureau
    role passed to Agus takes her place in no Surat Tugas team: she still holds that role
    there, and Agus does not."""
    async with two_sops(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await surat_tugas_with_team(world, s, "Surat Tugas Monev")
        admin = world["admin"]
        admin.mark_seen()
        await admin.send(f"/alihkan tim 1004 {ACTING.telegram_id}")
        answer = await admin.wait_message(timeout=s.timeout)
        assert "dialihkan" in answer.text
        await world.drained()
        stored = await case_of(world, case)
        assert stored.team == (1004, 1005)
        events = await world.services.db.read(repo.load_events, case)
        assert not [e for e in events if e.type is EventType.TEAM_CHANGED]


def has_step_4(text: str, case: int) -> bool:
    return f"Berkas #{case}" in text and "Langkah 4" in text


def test_the_blank_drafts_are_signed_by_rank_not_by_role_name() -> None:
    """The draft skeletons' signature blocks (slots named after the bureau's Kasubag, Kabag
    and Karo) go to the team's superior, the level above and the top official: in the
    bureau's SOP those three, in the directorate's the Kasi, the Kasubdit and the Direktur."""
    assert skeleton_signers(SHIPPED) == {"kasubag": "kasubag", "kabag": "kabag", "karo": "karo"}
    assert skeleton_signers(SURAT_TUGAS_TIM) == {
        "kasubag": "kasi",
        "kabag": "kasubdit",
        "karo": "direktur",
    }
    # an SOP that forms no team keeps the bureau's names, where it has them
    assert set(skeleton_signers(SURAT_TUGAS)) <= {"karo", "kabag", "kasubag"}


def test_an_sop_without_a_team_or_the_bureaus_names_signs_its_blank_by_rank_above_the_drafter() -> (
    None
):
    """The SPM-LS forms no team and names no Karo, Kabag or Kasubag: its Kerangka Konsep
    SPP-LS, handed to the P.P.K. at step 3, is signed by the ranks above him (the PP-SPM,
    the top slot); without the step there is no one to rank from."""
    spm = load_definition(FIXTURES / "spm-ls.toml")
    assert skeleton_signers(spm, spm.step(3)) == {"karo": "ppspm"}
    assert skeleton_signers(spm) == {}
    # the bureau's SOP keeps its team's ranks, whichever step is meant
    assert skeleton_signers(SHIPPED, SHIPPED.step(6)) == skeleton_signers(SHIPPED)
