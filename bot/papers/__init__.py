"""The official papers of a case as .docx (tata naskah dinas, Permenaker 3/2019 layout).

Input: the frozen dataclasses of :mod:`bot.papers.model` (no dependency on the rest of
the bot). Output: .docx bytes from the templates in ``doc_templates/``
(:mod:`bot.papers.render`), and the archive .zip (:mod:`bot.papers.archive`). Rendering is
synchronous and thread-safe: call it with ``asyncio.to_thread``.
"""
