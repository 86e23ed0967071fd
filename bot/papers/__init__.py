"""The official papers of a case as .docx (tata naskah dinas, Permenaker 3/2019 layout).

Input: the frozen dataclasses of :mod:`bot.papers.model` (no dependency on the rest of
the bot). The paper kinds, their templates and contexts: :mod:`bot.papers.registry`.
Output: .docx bytes from the templates in ``doc_templates/`` or an office's copies
(:class:`bot.papers.render.PaperRenderer`), and the archive .zip
(:mod:`bot.papers.archive`). Rendering is synchronous and thread-safe: call it with
``asyncio.to_thread``. Dates and times: :mod:`bot.papers.dates`, in the office's zone.
"""

from bot.papers.archive import bundle_zip
from bot.papers.dates import DEFAULT_ZONE, OfficeZone
from bot.papers.registry import PAPERS, PaperKind, archive_file_name, file_name
from bot.papers.render import PaperRenderer

__all__ = [
    "DEFAULT_ZONE",
    "PAPERS",
    "OfficeZone",
    "PaperKind",
    "PaperRenderer",
    "archive_file_name",
    "bundle_zip",
    "file_name",
]
