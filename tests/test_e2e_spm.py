"""Another SOP of the same form, written from the format's documentation alone: the Biro
Keuangan dan BMN's "Penerbitan SPM-LS atas Tagihan Pihak Ketiga"
(``tests/fixtures/sops/spm-ls.toml``). Four roles the shipped SOP does not name, with
punctuation in their names ("P.P.K. Keuangan", "PP-SPM", "Biro Keuangan & BMN"); two
Verifikator Keuangan holding one shared role that is not a team; a first step that needs
two documents and is forwarded (Teruskan) to a role that is not its holder's superior; the
PP-SPM's signature returning the case two steps back, to the verification; norms in hours
and in days; the Bendahara uploading the SP2D and archiving; a blank draft of the SOP's own
(the Kerangka Konsep SPP-LS, from the office's templates folder) handed to the P.P.K. Through
the real bot and the Bot API emulator, from the invoice to the archive."""

from __future__ import annotations

import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import docx
import pytest
from sop_world import WAIT, pdf, plain, sop_world
from sop_world import open_case as open_in

from bot.core.model import CaseStatus
from bot.demo import Script, World
from emulator import EmuMessage, EmuUser
from storage import repo

SPM = Path(__file__).parent / "fixtures" / "sops" / "spm-ls.toml"
# The office's template of the SOP's own blank draft ([blanks.konsep_spp])
KONSEP_SPP = Path(__file__).parent / "fixtures" / "templates" / "konsep_spp.docx"
PEOPLE = {
    "bendahara": (5001, "Ni Luh Putu Ayu D., S.Ak.", "Bendahara Pengeluaran", ["bendahara"]),
    "vera": (5002, "Vera Oktaviani, A.Md.", "Verifikator Keuangan", ["verifikator"]),
    "wahyu": (5003, "Wahyu Ma'ruf", "Verifikator Keuangan", ["verifikator"]),
    "ppk": (5004, "Ir. H. Moh. Ra'uf Siregar, M.Si.", "Pejabat Pembuat Komitmen", ["ppk_keu"]),
    "ppspm": (5005, "Dr. Sri Mulyani-Hartati, S.E.", "Kepala Bagian Perbendaharaan", ["ppspm"]),
}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """The bureau's officials; its templates folder holds the SOP's konsep_spp.docx."""
    kantor = tmp_path / "templates-kantor"
    kantor.mkdir()
    shutil.copy(KONSEP_SPP, kantor)
    async with sop_world(tmp_path, SPM, PEOPLE, templates_dir=kantor) as w:
        yield w


def about(user: EmuUser, case: int) -> list[EmuMessage]:
    return [m for m in user.bot_messages if f"Berkas #{case}" in m.text]


def with_button(user: EmuUser, case: int, label: str) -> list[EmuMessage]:
    return [m for m in about(user, case) if any(label in b for b in m.button_texts)]


async def test_an_invoice_runs_from_the_bendahara_to_the_archive(world: World) -> None:
    """The Bendahara attaches the invoice and the BAST and forwards them to the Verifikator;
    both Verifikator get the task, Vera returns it (a missing signature) and, once it is
    forwarded again, has it alone. The P.P.K. hands in the SPP-LS; the PP-SPM returns it to
    the verification (two steps back): Vera, who verified, gets it, not Wahyu. Then the
    P.P.K. hands it in again, the PP-SPM signs, the Bendahara uploads the SP2D and archives."""
    s = Script(world, timeout=WAIT)
    case = await open_in(world, "bendahara", "Tagihan CV Maju Jaya & Rekan No. 12/INV/2026")
    task = await s.seen("bendahara", lambda m: f"Berkas #{case} telah dibuat" in m.text)
    text = plain(task.text)
    assert "CV Maju Jaya & Rekan" in text
    assert "2 jam kerja" in text, text
    await s.upload("bendahara", case, "Tagihan CV Maju Jaya.pdf", pdf("invoice"))
    await s.upload("bendahara", case, "BAST dan Kuitansi.pdf", pdf("bast"))
    forwarded = await s.press("bendahara", "Teruskan", case)
    assert "Verifikator Keuangan" in plain(forwarded.text)

    await world.emu.wait_until(
        lambda: all(with_button(world[p], case, "Kembalikan") for p in ("vera", "wahyu")),
        timeout=WAIT,
    )
    verification = plain(with_button(world["vera"], case, "Setujui")[-1].text)
    assert "1 hari kerja" in verification, verification
    await s.review_return("vera", case, "Kuitansi belum ditandatangani & bermeterai.")
    await world["bendahara"].wait_message(lambda m: "bermeterai" in m.text, timeout=WAIT)
    await s.upload("bendahara", case, "BAST dan Kuitansi.pdf", pdf("bast v2"))
    world["wahyu"].mark_seen()
    await s.press("bendahara", "Teruskan", case)
    await world.emu.wait_until(
        lambda: len(with_button(world["vera"], case, "Setujui")) >= 1, timeout=WAIT
    )
    await world.drained()
    assert with_button(world["wahyu"], case, "Setujui") == []
    await s.approve("vera", case)

    await s.upload("ppk", case, "Konsep SPP-LS.pdf", pdf("spp"))
    await s.press("ppk", "Serahkan draf kepada PP-SPM", case)
    signing = await s.seen("ppspm", lambda m: f"Berkas #{case}" in m.text and bool(m.buttons))
    assert "2 hari kerja" in plain(signing.text), plain(signing.text)
    world["wahyu"].mark_seen()
    await s.review_return(
        "ppspm", case, "Nilai SPP-LS tidak sesuai BAST; mohon diverifikasi ulang."
    )
    await world["vera"].wait_message(
        lambda m: "diverifikasi ulang" in m.text and bool(m.buttons), timeout=WAIT
    )
    await world.drained()
    assert with_button(world["wahyu"], case, "Setujui") == []
    await s.approve("vera", case)
    await s.upload("ppk", case, "Konsep SPP-LS.pdf", pdf("spp v2"))
    await s.press("ppk", "Serahkan", case)
    await s.approve("ppspm", case)

    upload = await s.seen(
        "bendahara", lambda m: f"Berkas #{case}" in m.text and "Langkah 5" in m.text
    )
    assert "3 hari kerja" in plain(upload.text), plain(upload.text)
    await s.upload("bendahara", case, "SP2D.pdf", pdf("sp2d"))
    handed = await s.press("bendahara", "📤 Lanjut ke langkah berikutnya", case)
    await world.emu.wait_until(lambda: "✔️ Diserahkan oleh" in handed.text, timeout=WAIT)
    assert "Berkas diteruskan ke langkah berikutnya (Langkah 6)." in plain(handed.text)
    await s.press("bendahara", "Arsipkan", case)
    await s.answer_prompt("bendahara", f"KU.02/{case:03d}/2026")
    await s.seen("bendahara", lambda m: "✔️ Diarsipkan oleh" in m.text)
    await world.drained()
    assert await world.case_status(case) is CaseStatus.ARCHIVED
    stored = await world.services.db.read(repo.load_case, case)
    assert stored is not None
    spp = stored.latest("konsep_spp")
    assert spp is not None and spp.version == 2
    assert stored.archive_reference == f"KU.02/{case:03d}/2026"


def bureau_of_many_sops(folder: Path, count: int) -> list[str]:
    """``count`` SOPs of the SPM-LS's shape, each for its own Bagian (its own code, role ids
    and names), as a ministry bureau that runs many of its SOP-AP would have."""
    text = SPM.read_text(encoding="utf-8")
    files = []
    for n in range(1, count + 1):
        own = text.replace('code = "spm-ls"', f'code = "spm-ls-{n}"')
        for role in ("ppspm", "ppk_keu", "verifikator", "bendahara"):
            own = own.replace(f'"{role}"', f'"{role}_{n}"')
        for name in ("PP-SPM", "P.P.K. Keuangan", "Verifikator Keuangan", "Bendahara Pengeluaran"):
            own = own.replace(f'name = "{name}"', f'name = "{name} Satker {n}"')
        path = folder / f"spm-ls-{n}.toml"
        path.write_text(own, encoding="utf-8")
        files.append(str(path))
    return files


async def test_an_administrator_of_a_bureau_with_many_sops_reads_the_whole_help(
    tmp_path: Path,
) -> None:
    """Ten SOPs side by side: /bantuan names every SOP and role and, for an administrator,
    his own commands at the end; a help longer than one message comes in several, not cut
    off before the administrator's part."""
    async with World(tmp_path, sops=bureau_of_many_sops(tmp_path, 10), people=[]) as world:
        admin = world["admin"]
        await admin.send("/start")
        await admin.wait_message(timeout=WAIT)
        await world.drained()
        admin.mark_seen()
        before = admin.received_count()
        await admin.send("/bantuan")
        await admin.wait_message(lambda m: "Petunjuk" in m.text, timeout=WAIT)
        await world.drained()
        parts = admin.bot_messages[-(admin.received_count() - before) :]
        help_text = "\n".join(m.text for m in parts)
        assert "dipersingkat" not in help_text
        assert all(f"spm-ls-{n}" in help_text for n in range(1, 11))
        assert "Bendahara Pengeluaran Satker 10" in help_text
        assert all(len(m.text) <= 4096 for m in parts)


def docx_text(data: bytes) -> str:
    """The text of a .docx as Word shows it: its paragraphs, then its tables' cells."""
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def caption_of(user: EmuUser, m: EmuMessage) -> str:
    """The caption a document arrived under: its own, or its album's."""
    if m.text or m.media_group_id is None:
        return m.text
    return next(
        (o.text for o in user.bot_messages if o.media_group_id == m.media_group_id and o.text),
        "",
    )


async def test_the_ppk_is_handed_the_blank_konsep_spp_ls_of_the_sop_on_entering_step_3(
    world: World,
) -> None:
    """Step 3 of the SPM-LS names the SOP's own blank draft (``templates = ["konsep_spp"]``,
    ``[blanks.konsep_spp]``): once the Verifikator approves, the P.P.K. gets the Kerangka
    Konsep SPP-LS as a .docx, before his task, labelled by its title; it is the office's
    template filled with the case's title and the PP-SPM who signs at step 4."""
    s = Script(world, timeout=WAIT)
    title = "Tagihan CV Sinar Abadi No. 7/INV/2026"
    case = await open_in(world, "bendahara", title)
    await s.seen("bendahara", lambda m: f"Berkas #{case} telah dibuat" in m.text)
    await s.upload("bendahara", case, "Tagihan CV Sinar Abadi.pdf", pdf("invoice"))
    await s.upload("bendahara", case, "BAST dan Kuitansi.pdf", pdf("bast"))
    await s.press("bendahara", "Teruskan", case)
    await world.emu.wait_until(
        lambda: len(with_button(world["vera"], case, "Setujui")) >= 1, timeout=WAIT
    )
    await s.approve("vera", case)

    ppk = world["ppk"]

    def blank(m: EmuMessage) -> bool:
        return m.document is not None and str(m.document.get("file_name", "")).startswith(
            "konsep-spp-"
        )

    await world.emu.wait_until(lambda: any(blank(m) for m in ppk.bot_messages), timeout=WAIT)
    task = await s.seen(
        "ppk", lambda m: f"Berkas #{case}" in m.text and "Langkah 3" in m.text and not m.document
    )
    await world.drained()
    [paper] = [m for m in ppk.bot_messages if blank(m)]
    assert paper.document is not None
    name = str(paper.document["file_name"])
    assert name.endswith("-kerangka-langkah3-ke1.docx"), name
    assert paper.message_id < task.message_id
    assert f"• Kerangka Konsep SPP-LS: {name}" in caption_of(ppk, paper)
    text = docx_text(paper.file_bytes())
    assert "KONSEP SURAT PERMINTAAN PEMBAYARAN LANGSUNG (SPP-LS)" in text
    assert title in text
    assert "Dr. Sri Mulyani-Hartati, S.E." in text  # the PP-SPM, who signs at step 4
    # handed to the P.P.K. alone: the Verifikator and the PP-SPM get no blank
    for other in ("vera", "wahyu", "ppspm", "bendahara"):
        assert not any(blank(m) for m in world[other].bot_messages), other
