"""The official papers of a case as .docx (tata naskah dinas, Permenaker 3/2019 layout).

Input: the frozen dataclasses of :mod:`bot.papers.model` (no dependency on the rest of
the bot). Output: .docx bytes from the templates in ``doc_templates/``
(:mod:`bot.papers.render`), and the archive .zip (:mod:`bot.papers.archive`). Rendering is
synchronous and thread-safe: call it with ``asyncio.to_thread``.
"""

from bot.papers.archive import bundle_zip
from bot.papers.dates import hari_tanggal, jam, tanggal
from bot.papers.render import (
    file_name,
    render_disposisi,
    render_dokumentasi,
    render_pemeriksaan,
    render_penetapan_kinerja,
    render_program_kerja,
    render_rkakl,
    render_sk_tim,
    set_template_dir,
)

__all__ = [
    "bundle_zip",
    "file_name",
    "hari_tanggal",
    "jam",
    "render_disposisi",
    "render_dokumentasi",
    "render_pemeriksaan",
    "render_penetapan_kinerja",
    "render_program_kerja",
    "render_rkakl",
    "render_sk_tim",
    "set_template_dir",
    "tanggal",
]
