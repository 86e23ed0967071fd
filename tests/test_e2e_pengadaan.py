"""Another SOP of the same form, by its definition file alone: the Biro Umum's "Pengadaan
Barang melalui Pengadaan Langsung" (``tests/fixtures/sops/pengadaan-barang.toml``). No team
step; three upload steps in a row by three roles (the Pejabat Pengadaan's HPS and offers,
the PPK's signed SPK, the Pengelola BMN's BAST), the PPK reviewing before and after his
own upload. Through the real bot and the Bot API emulator, from the request to the archive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sop_world import WAIT, pdf, plain, sop_world
from sop_world import open_case as open_in

from bot.core.model import CaseStatus
from bot.demo import Script, World
from storage import repo

PENGADAAN = Path(__file__).parent / "fixtures" / "sops" / "pengadaan-barang.toml"
PEOPLE = {
    "ppk": (4001, "Ir. Joko Susilo", "Pejabat Pembuat Komitmen", ["ppk"]),
    "rt": (4002, "Kartika Sari, S.E.", "Kepala Subbagian Rumah Tangga", ["kasubag_rt"]),
    "pp": (4003, "Lukman Hakim", "Pejabat Pengadaan", ["pejabat_pengadaan"]),
    "bmn": (4004, "Maya Sopiah", "Pengelola BMN", ["pengelola_bmn"]),
}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with sop_world(tmp_path, PENGADAAN, PEOPLE) as w:
        yield w


async def open_case(world: World, title: str) -> int:
    return await open_in(world, "rt", title)


async def test_a_procurement_runs_from_the_request_to_its_archive(world: World) -> None:
    """The Kasubag Rumah Tangga submits (Ajukan) to the PPK above her, who returns it once;
    the three uploads hand in documents, not drafts, each to the next role; the PPK returns
    the BAST once and signs it; the Pengelola BMN archives. Every task reads as this SOP's."""
    s = Script(world, timeout=WAIT)
    case = await open_case(world, "Pengadaan Laptop Bagian Umum")
    await s.upload("rt", case, "Nota Dinas Kebutuhan.pdf", pdf("nota dinas"))
    await s.upload("rt", case, "Spesifikasi Teknis.pdf", pdf("spesifikasi"))
    proposal = await s.press("rt", "📤 Ajukan", case)
    assert "untuk menyampaikan berkas kepada PPK" in plain(proposal.text)
    await s.review_return("ppk", case, "Spesifikasi terlalu mengarah ke satu merek.")
    await s.upload("rt", case, "Spesifikasi Teknis.pdf", pdf("spesifikasi v2"))
    await s.press("rt", "Ajukan", case)
    await s.approve("ppk", case)

    await s.upload("pp", case, "HPS.pdf", pdf("hps"))
    await s.upload("pp", case, "Penawaran Penyedia.pdf", pdf("penawaran"))
    await s.press("pp", "📤 Serahkan dokumen kepada PPK", case)
    await s.upload("ppk", case, "SPK.pdf", pdf("spk"))
    await s.press("ppk", "📤 Serahkan dokumen kepada Pengelola BMN", case)
    await s.upload("bmn", case, "BAST.pdf", pdf("bast"))
    await s.press("bmn", "📤 Serahkan dokumen kepada PPK", case)
    await s.review_return("ppk", case, "Nomor seri barang belum dicantumkan dalam BAST.")
    await s.upload("bmn", case, "BAST.pdf", pdf("bast v2"))
    await s.press("bmn", "Serahkan dokumen", case)
    await s.approve("ppk", case)

    await s.press("bmn", "Arsipkan", case)
    await s.answer_prompt("bmn", f"PL.02/{case:03d}/2026")
    await world["rt"].wait_message(lambda m: "diarsipkan" in m.text, timeout=WAIT)
    await world.drained()
    assert await world.case_status(case) is CaseStatus.ARCHIVED
    stored = await world.services.db.read(repo.load_case, case)
    assert stored is not None and stored.archive_reference == f"PL.02/{case:03d}/2026"
    bast = stored.latest("bast")
    assert bast is not None and bast.version == 2
    for key in PEOPLE:
        for message in world[key].bot_messages:
            assert "draf" not in message.text.lower(), message.text
            assert not any("draf" in b.lower() for b in message.button_texts), message.text


async def test_a_report_refused_names_who_may_ask_for_this_sops_report(world: World) -> None:
    """The heads of the procurement's own hierarchy (the PPK, and the Kasubag Rumah Tangga
    and the Pejabat Pengadaan under him), not the bureau's Karo and Kabag."""
    bmn = world["bmn"]
    bmn.mark_seen()
    await bmn.send("/laporan pengadaan-barang 2026")
    refused = plain((await bmn.wait_message(timeout=WAIT)).text)
    assert refused == (
        "Mohon maaf, laporan evaluasi penerapan SOP Pengadaan Barang melalui Pengadaan "
        "Langsung hanya dapat diminta oleh PPK, Kasubag Rumah Tangga, Pejabat Pengadaan, dan "
        "administrator."
    )
    assert "Karo" not in refused
