"""The offline demo as a newcomer runs it: ``python -m bot demo --out DIR``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from bot.demo import RETURN_REASONS, Script, World, names_case

ROOT = Path(__file__).resolve().parents[1]
PAPERS = (
    "disposisi",
    "sk-tim",
    "pemeriksaan",
    "program-kerja",
    "rkakl",
    "penetapan-kinerja",
    "dokumentasi",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
        check=False,
    )
    return done, out


def test_the_demo_plays_the_whole_sop_and_exits_0(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = demo
    assert done.returncode == 0, done.stderr[-3000:]
    summary = done.stdout.splitlines()[-2:]
    assert "Case #1: archived" in summary[0]
    assert "(Plh Karo): archived" in summary[0]
    received = re.search(r"received on the main path: (\d+) \(before: 135", summary[1])
    assert received and int(received[1]) <= 67, summary[1]
    assert summary[1].endswith("in the same version: 0")
    transcript = (out / "transcript.txt").read_text(encoding="utf-8")
    for text in (done.stdout, transcript):
        for n in range(1, 13):
            assert f"Langkah {n} dari 12" in text, f"step {n} is not in the transcript"
        for step, reason in RETURN_REASONS.items():
            assert reason in text, f"the reason of the return at step {step} is missing"
        assert "Berkas telah selesai dan diarsipkan" in text
        assert "Nomor arsip: ARS/PK/2027/001" in text
        # uploads are acknowledged with a reaction; the archivist gets the archive bundle
        assert "the bot reacted 👌" in text
        assert "received: [file arsip-dokumentasi-B1.zip]" in text
    assert transcript.strip() in done.stdout
    # the Plh period: the Plh decides step 3, is told at step 9 that Karo must sign
    assert "selaku Plh. Karo" in transcript
    assert "harus diputuskan oleh pejabat definitif" in transcript


def test_the_demo_leaves_the_papers_the_archive_and_the_database(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = demo
    assert done.returncode == 0, done.stderr[-3000:]
    names = [p.name for p in out.iterdir() if p.is_file()]
    for word in PAPERS:
        papers = [n for n in names if n.startswith(word) and n.endswith(".docx")]
        assert papers, f"no {word} paper in {sorted(names)}"
    bundles = sorted(n for n in names if n.endswith(".zip"))
    assert bundles == ["arsip-dokumentasi-B1.zip", "arsip-dokumentasi-B2.zip"]  # both cases
    assert (out / "sopbot.sqlite3").is_file()
    assert all((out / n).stat().st_size > 1000 for n in names if n.endswith((".docx", ".zip")))


def test_the_demo_leaves_the_timeline_and_the_report(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """Karo's /status of the case and /laporan, as received: reopened, sized, not blank."""
    import io

    import docx
    from PIL import Image

    done, out = demo
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("linimasa-berkas-1.png", "laporan-evaluasi-sop-ppk-rkakl-pk-Tahun-2026.png"):
        image = Image.open(out / name)
        image.load()
        assert image.format == "PNG" and image.width == 1080 and image.height > 1000, name
        small = image.convert("RGB").resize((image.width // 4, image.height // 4))
        colours = small.getcolors(maxcolors=small.width * small.height) or []
        assert len(colours) > 50, name
        inked = sum(count for count, rgb in colours if sum(cast("tuple[int, ...]", rgb)) < 600)
        assert inked > 0.03 * small.width * small.height, name
    paper = docx.Document(
        io.BytesIO((out / "laporan-evaluasi-sop-ppk-rkakl-pk-Tahun-2026.docx").read_bytes())
    )
    text = "\n".join(p.text for p in paper.paragraphs) + "\n".join(
        cell.text for table in paper.tables for row in table.rows for cell in row.cells
    )
    assert "LAPORAN EVALUASI PENERAPAN SOP" in text
    for reason in RETURN_REASONS.values():
        assert reason[:40] in text
    assert len(paper.inline_shapes) == 1


async def test_the_script_returns_the_case_it_names_when_an_older_one_was_returned_alike(
    tmp_path: Path,
) -> None:
    """Kabag returned case 1 with a reason; case 2 comes to him and he returns it with the
    same reason. The script waits for case 2's question and for case 2's task message to
    show the return, not for case 1's message that already shows one."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        reason = RETURN_REASONS[2]
        first = await s.submit("Usulan pertama", 2027)
        await s.review_return("kabag", first, reason)
        second = await s.submit("Usulan kedua", 2028)
        await s.review_return("kabag", second, reason)
        assert any(
            names_case(m.text, second) and "↩️ Dikembalikan oleh" in m.text
            for m in world["kabag"].bot_messages
        )
