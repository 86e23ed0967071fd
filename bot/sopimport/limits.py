"""How big a form the importer reads. An SOP-AP form is a few pages: the portal's text export
of the shipped SOP is 4 KB, a .docx of it some tens of KB, its word/document.xml (drawn
shapes and all) a few hundred KB. The limits leave room many times over and keep an import
within a couple of seconds; anything beyond one is refused, naming it (bot.sopimport.texts),
never read for minutes or unpacked into gigabytes.
"""

from __future__ import annotations

MB = 1024 * 1024

# the .docx file itself: it may carry pictures (a scanned signature, a logo)
MAX_DOCX_BYTES = 32 * MB
# the portal's text/HTML export: text only
MAX_TEXT_BYTES = 1 * MB
# the parts (ZIP entries) of a .docx: a form's has a dozen, a hundred with many pictures
MAX_PARTS = 1000
# the main document part (word/document.xml) as unpacked: the form's text and drawings
MAX_DOCUMENT_BYTES = 4 * MB
# the numbering and styles parts as unpacked: larger ones are not read (they only tell the
# numbers Word's automatic numbering shows: a form whose No column needs them is refused
# naming the part, one with typed numbers is read without them)
MAX_PART_BYTES = 4 * MB
# the tables of a .docx (a form has two or three, and the activity table continued on the
# next pages) and the rows of all of them, or the lines of the text export (a form has one
# per step, some tens, and a dozen more; checking a draft grows with the square of its
# steps: 960 took 3.6 s)
MAX_TABLES = 100
MAX_ROWS = 500
# the grid columns of a table row (the cells of a line of the text export): Word's own limit (a form has a dozen or so)
MAX_COLUMNS = 63
# a relationships part lists a few dozen parts: a few KB (larger ones are not read)
MAX_RELS_BYTES = 1 * MB
