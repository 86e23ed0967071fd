"""What `sopbot export` writes of people is what the case's record needs: the officials of
its SOP and whoever took part, not every colleague of a leave applicant nor an acting
official of another SOP (with the reason of the absence)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sop_world import open_case, sop_world
from test_e2e_cuti import CUTI, PEOPLE
from test_e2e_two_sops import KASUBDIT, SHIPPED, SURAT_TUGAS, person

from bot.demo import ACTING, OFFICIALS, Script, World
from bot.export import export_case

pytestmark = pytest.mark.asyncio


def record_of(out: Path, case: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / f"berkas-{case}" / "record.json").read_text())
    return data


async def test_the_export_of_anis_leave_does_not_name_her_colleague_beni(tmp_path: Path) -> None:
    """Ani applies for leave. Beni, another Pegawai, took no part in it, and the bot never
    shows him her case: her record neither lists him as a holder of the Pegawai role nor
    gives his NIP and username. The officials of the leave SOP are listed."""
    async with sop_world(tmp_path / "w", CUTI, PEOPLE) as world:
        case = await open_case(world, "ani", "Cuti tahunan Ani")
        await world.drained()
        assert await export_case(world.config, case, tmp_path / "out") == 0
    record = record_of(tmp_path / "out", case)
    named = {p["person_id"] for p in record["people"]}
    pegawai = {a["person_id"] for a in record["role_assignments"] if a["role"] == "pegawai"}
    assert 3002 not in named and 3002 not in pegawai
    assert 3001 in pegawai  # Ani, who applied
    assert {3003, 3006, 3007} <= named  # her superior, the Kasubag and the Kabag


async def test_the_export_of_anis_leave_on_an_earlier_releases_revision_leaves_beni_out(
    tmp_path: Path,
) -> None:
    """Ani's leave runs a revision an earlier release ran, whose first step has an activity
    longer than today's checks allow: the case runs on with it, and so does its export. It
    read the SOP's roles from the events when today's checks refused the revision: every
    Pegawai's role (Beni's too) and none of the officials not yet reached."""
    from test_upgrade_cases import run_on_a_revision_of_an_earlier_release

    activity = "Mengisi formulir permohonan cuti dan menyampaikan kepada atasan langsung."
    async with sop_world(tmp_path / "w", CUTI, PEOPLE) as world:
        case = await open_case(world, "ani", "Cuti tahunan Ani")
        await world.drained()
        run_on_a_revision_of_an_earlier_release(
            Path(world.config.storage.database), case, activity, activity * 9
        )
        assert await export_case(world.config, case, tmp_path / "out") == 0
    record = record_of(tmp_path / "out", case)
    named = {p["person_id"] for p in record["people"]}
    pegawai = {a["person_id"] for a in record["role_assignments"] if a["role"] == "pegawai"}
    assert 3002 not in named and 3002 not in pegawai
    assert 3001 in pegawai
    assert {3003, 3006, 3007} <= named


async def test_the_export_carries_no_acting_official_of_another_sops_role(tmp_path: Path) -> None:
    """The directorate's Kasubdit is away for a medical reason and has a Plh. The export of
    a Program Kerja case, an SOP without that role, carries neither the appointment (nor
    its reason) nor the Plh's data."""
    people = [person(p.telegram_id, p.name, p.position, list(p.roles)) for p in OFFICIALS]
    people.append(person(KASUBDIT, "Kasubdit Penempatan", "Kepala Subdirektorat", ["kasubdit"]))
    people.append(person(ACTING.telegram_id, ACTING.name, ACTING.position, []))
    sops = [str(SHIPPED), str(SURAT_TUGAS)]
    async with World(tmp_path / "w", sops=sops, people=people) as world:
        world.users["kasubdit"] = world.emu.user(KASUBDIT, "Kasubdit", username="kasubdit")
        await world.everyone_starts()
        admin = world["admin"]
        admin.mark_seen()
        await admin.send(f"/plh kasubdit {ACTING.telegram_id} 31-12-2030 rawat inap pasca operasi")
        assert "Plh" in (await admin.wait_message(timeout=15)).text
        case = await Script(world).submit("Program Kerja 2027")
        await world.drained()
        assert await export_case(world.config, case, tmp_path / "out") == 0
    record = record_of(tmp_path / "out", case)
    assert [a for a in record["acting"] if a["role"] == "kasubdit"] == []
    assert ACTING.telegram_id not in {p["person_id"] for p in record["people"]}
