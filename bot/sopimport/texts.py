"""The texts ``sopbot sop import`` shows the office's operator who drafts an SOP, so that their
wording is read and changed in one place: the refusals of a file that is not a form the
importer can read (:class:`~bot.sopimport.model.ImportFailure`, one ``error:`` line of the
command), and the warnings in the draft it writes: each guess (its short ``guesses`` reason,
which ``sopbot sop show``, ``check`` and ``run`` repeat, and its ``# PERIKSA:`` comment), the
notes above a role, document or step, and the draft's fixed comments. The reading modules only
fill them in; a text used in more than one place is one constant.

All are in Bahasa Indonesia, as bot/cli.py's own texts for ``sop import`` and ``sop show``
(``bot.texts``, ``SOP_IMPORT_*``): the operator is the bureau's official, who reads the form
in Indonesian, and the messages quote the form's own words (Kegiatan, Pelaksana, Mutu Baku).
Only the command's ``error:`` prefix (bot.cli) and the definition's keys and values
(``confirmed = true``, ``source = "generated"``) stay as the program and the TOML file spell
them. An importer's own fault is no operator text: it stays an English exception that the
command shows inside ``SOP_IMPORT_BUG``, for the developers.

Values are plain text (the CLI and a TOML comment), not HTML: nothing here is escaped. A
form's words are quoted as they are, cut where a message says so, without the control and
direction characters the readers leave out (``model.shown_text``).
"""

from __future__ import annotations


def megabytes(size: int) -> str:
    """A size as a message names it: ``4 MB``, ``250,1 MB`` (a decimal comma; rounded up, so
    that a size over a limit never reads as the limit)."""
    tenths = -(-size * 10 // (1024 * 1024))
    return f"{tenths // 10} MB" if tenths % 10 == 0 else f"{tenths // 10},{tenths % 10} MB"


# -- the file: not one the importer reads (bot.sopimport, docx_form, text_form) ------------

# the expectation a .docx refusal ends with
DOCX_EXPECTED = "diharapkan dokumen Word .docx berisi tabel kepala dan tabel kegiatan SOP-AP"
# {size}, {limit}: megabytes()
TOO_BIG = "berkas terlalu besar: {size}, batasnya {limit}; formulir SOP-AP hanya beberapa halaman"
TEXT_TOO_BIG = (
    "berkas teks terlalu besar untuk ekspor teks/HTML SOP-AP: {size}, batasnya {limit} "
    "(ekspor satu SOP dari portal hanya beberapa KB)"
)
OLD_WORD = (
    "dokumen Word lama (.doc) tidak dapat dibaca; simpan ulang sebagai .docx, atau gunakan "
    "ekspor teks/HTML dari portal"
)
DOCX_PASSWORD = (
    "dokumen Word dilindungi kata sandi sehingga isinya tidak dapat dibaca; buka dokumennya "
    "di Word, hapus kata sandinya, simpan sebagai .docx tanpa kata sandi, lalu impor kembali"
)
EMPTY_FILE = "berkas kosong; diharapkan ekspor teks/HTML SOP-AP dari portal atau dokumen .docx"
DOCX_NOT_ZIP = (
    "berkas .docx rusak atau bukan dokumen Word (.docx); buka berkas itu di Word, simpan "
    "ulang sebagai Dokumen Word (.docx) dengan Simpan Sebagai, lalu impor kembali; {expected}"
)
# {count}: how many, or PARTS_ZIP64
DOCX_TOO_MANY_PARTS = (
    "berkas .docx memuat {count} bagian (berkas di dalam arsip ZIP-nya), batasnya {limit} "
    "(dokumen Word sebuah formulir SOP-AP memuat beberapa puluh); {expected}"
)
PARTS_ZIP64 = "65535 atau lebih"
DOCX_NO_PART = "berkas .docx tidak memuat bagian dokumen ({part}); {expected}"
# {part}: the main part's name (word/document.xml); {size}, {limit}: megabytes()
DOCX_PART_TOO_BIG = (
    "isi dokumen .docx ({part}) terlalu besar: {size} setelah dibuka, batasnya {limit}; "
    "formulir SOP-AP hanya beberapa halaman (isinya biasanya kurang dari 1 MB): simpan "
    "formulirnya saja dalam dokumen tersendiri"
)
# {part}: the main part's name (word/document.xml); what the ZIP or XML reader said is
# logged, not shown (English, and bytes and columns the official cannot act on)
DOCX_BROKEN = (
    "berkas .docx rusak: isi dokumennya ({part}) tidak dapat dibaca, mungkin berkasnya "
    "tidak utuh; buka berkas itu di Word, simpan ulang sebagai Dokumen Word (.docx) dengan "
    "Simpan Sebagai, lalu impor kembali berkas yang baru disimpan; {expected}"
)
# {part}: the main part's name (word/document.xml)
DOCX_DOCTYPE = (
    "berkas .docx ditolak: {part} memuat deklarasi DOCTYPE (entitas XML), yang tidak pernah "
    "ditulis Word dan dapat membengkak menjadi gigabita (simpan ulang dokumennya di Word); "
    "{expected}"
)
DOCX_NO_BODY = (
    "berkas .docx tidak memuat isi dokumen Word; buka berkas itu di Word, simpan ulang "
    "sebagai Dokumen Word (.docx) dengan Simpan Sebagai, lalu impor kembali; {expected}"
)
# a .docx table row ({table}, {row}: from 1) with more grid columns than a table can have
ROW_TOO_WIDE = (
    "tabel ke-{table} dalam dokumen, baris ke-{row}: lebarnya {width} kolom, batasnya {limit} "
    "(batas Word sendiri); formulir SOP-AP memuat belasan kolom"
)
TOO_MANY_TABLES = (
    "dokumen memuat {count} tabel, batasnya {limit}; formulir SOP-AP memuat beberapa tabel "
    "(kepala SOP dan tabel kegiatan): simpan formulirnya saja dalam dokumen tersendiri"
)
TOO_MANY_ROWS = (
    "tabel dokumen memuat {count} baris, batasnya {limit}; formulir SOP-AP memuat satu baris "
    "per langkah: simpan formulirnya saja dalam dokumen tersendiri"
)
TEXT_TOO_MANY_ROWS = (
    "berkas teks memuat {count} baris, batasnya {limit}; ekspor teks/HTML SOP-AP memuat satu "
    "baris per langkah dan belasan baris kepala"
)
# {row}: the line, from 1; {width}: its cells (tab-separated)
TEXT_ROW_TOO_WIDE = (
    "berkas teks, baris ke-{row}: {width} kolom (dipisahkan tab), batasnya {limit}; ekspor "
    "teks/HTML SOP-AP memuat belasan kolom"
)
TEXT_UTF16_BROKEN = "berkas teks UTF-16 yang tidak utuh; simpan ulang sebagai UTF-8"
TEXT_NUL = (
    "bukan berkas teks (memuat byte NUL); diharapkan ekspor teks/HTML SOP-AP dari portal "
    "(UTF-8) atau dokumen Word .docx"
)
# {byte}: the first byte that is not UTF-8, in hex; {at}: its place
TEXT_NOT_UTF8 = (
    "berkas teks bukan UTF-8 (byte 0x{byte:02x} pada posisi {at}); diharapkan ekspor "
    "teks/HTML SOP-AP dalam UTF-8: simpan ulang sebagai UTF-8"
)

# -- the form: its header and activity table (form) ----------------------------------------

EXPECTED_COLUMNS = (
    "No, Kegiatan, Pelaksana (satu kolom per peran), Mutu Baku (Persyaratan/Kelengkapan, "
    "Waktu, Output), Ket"
)
NO_ACTIVITY_TABLE = (
    "bukan formulir SOP-AP: tabel kegiatan tidak ditemukan; diharapkan baris judul dengan "
    "kolom {expected}"
)
NO_SOP_NAME = (
    "bukan formulir SOP-AP lengkap: kepala SOP tidak memuat NAMA SOP; diharapkan tabel kepala "
    "dengan NO SOP, NAMA SOP, DISAHKAN OLEH, DASAR HUKUM, dan seterusnya"
)
# {missing}: the columns not found, ", " between; {below}: COLUMNS_BELOW_MUTU_BAKU or ""
COLUMNS_MISSING = (
    "tabel kegiatan tidak sesuai bentuk baku SOP-AP: kolom {missing} tidak ditemukan; "
    "diharapkan kolom {expected}{below}"
)
COLUMNS_BELOW_MUTU_BAKU = " (Persyaratan/Kelengkapan, Waktu, Output pada baris di bawah Mutu Baku)"
# {found}: the columns in the order found, ", " between
COLUMNS_ORDER = (
    "kolom tabel kegiatan tidak dalam urutan baku SOP-AP: diharapkan {expected}; ditemukan: {found}"
)
NO_ROLES = (
    "tabel kegiatan tidak menyebut pelaksana: di bawah judul Pelaksana diharapkan satu kolom "
    "per peran (mis. Kasubag, Kabag, Karo)"
)
# a row of the activity table without a step number ({shown}: its cells' text, " | " between,
# cut to 80) ...
ROW_UNNUMBERED = (
    "tabel kegiatan: baris tanpa nomor langkah ('{shown}'); diharapkan setiap baris langkah "
    "diawali nomornya di kolom No"
)
# ... whose No cell is merged down from the step above ({step})
ROW_NUMBER_MERGED = (
    "tabel kegiatan: baris tanpa nomor langkah ('{shown}'): sel No-nya digabung dengan sel No "
    "di atasnya (langkah {step}); bila baris ini langkah tersendiri, pisahkan sel yang "
    "digabung dan tuliskan nomornya"
)
# ... numbered by Word's automatic numbering that is not read ("1.2")
ROW_NUMBER_UNREADABLE = (
    "tabel kegiatan: nomor langkah di kolom No pada baris ('{shown}') dibuat dengan penomoran "
    "otomatis Word yang tidak dapat dibaca; ketikkan nomor langkahnya (1, 2, 3, ...) sebagai "
    "teks di kolom No"
)
# ... whose No cell Word's bullets button (or a style such as "List Bullet") marks with a
# bullet, no number: refused as a row whose No cell holds a typed dot is
ROW_NUMBER_BULLET = (
    "tabel kegiatan: baris tanpa nomor langkah ('{shown}'): kolom No-nya diberi poin (bullet) "
    "dengan daftar berpoin Word, bukan nomor; ketikkan nomor langkahnya (1, 2, 3, ...) sebagai "
    "teks di kolom No, atau ganti poinnya dengan penomoran (Numbering) di Word"
)
# ... whose No cell Word may number, from its numbering or styles part ({part}:
# word/numbering.xml) that is too big to be read; {size}, {limit}: megabytes()
ROW_NUMBER_PART_TOO_BIG = (
    "tabel kegiatan: baris ('{shown}') tidak memuat nomor langkah yang diketik di kolom No, "
    "dan penomoran otomatis Word-nya tidak dapat dibaca karena bagian {part} dalam berkas "
    ".docx terlalu besar: {size} setelah dibuka, batasnya {limit} (biasanya hanya beberapa "
    "KB); ketikkan nomor langkahnya (1, 2, 3, ...) sebagai teks di kolom No, atau simpan "
    "formulirnya saja dalam dokumen tersendiri"
)
# ... whose No cell Word may number, from its numbering or styles part ({part}:
# word/numbering.xml; or the relationships that name them) that is damaged
ROW_NUMBER_PART_DAMAGED = (
    "tabel kegiatan: baris ('{shown}') tidak memuat nomor langkah yang diketik di kolom No, "
    "dan penomoran otomatis Word-nya tidak dapat dibaca karena bagian {part} dalam berkas "
    ".docx rusak; buka berkas itu di Word, simpan ulang sebagai Dokumen Word (.docx) dengan "
    "Simpan Sebagai, lalu impor kembali berkas yang baru disimpan (atau ketikkan nomor "
    "langkahnya (1, 2, 3, ...) sebagai teks di kolom No)"
)
# where a merged cell starts: the step whose row it is (its number), or a row above all steps
MERGED_FROM_STEP = "baris langkah {step}"
MERGED_FROM_ABOVE = "baris di atasnya"
# {where}: MERGED_FROM_*; {text}: the merged cell's text, cut to 60
ACTIVITY_MERGED = (
    "tabel kegiatan: sel Kegiatan langkah {step} digabung dengan sel Kegiatan {where} "
    "('{text}'); setiap langkah memerlukan uraian kegiatannya sendiri: pisahkan sel yang "
    "digabung dan tuliskan kegiatan langkah {step}"
)
# {roles}: the repeated heading's Pelaksana columns; {first}: the first heading's
HEADING_REPEATED_OTHER_ROLES = (
    "tabel kegiatan: judul tabel diulang dengan kolom Pelaksana lain ({roles}; di judul "
    "pertama: {first}); baris sesudahnya tidak dapat dibaca sebagai lanjutan tabel. Samakan "
    "judul kolom Pelaksana, atau simpan SOP lain dalam berkas tersendiri"
)
# a later table that continues the activity table after a page break ({n}: its place in the
# document, 1 = the first table)
CONTINUATION_OTHER_ROLES = (
    "tabel ke-{n} dalam dokumen mengulang judul tabel kegiatan dengan kolom Pelaksana lain "
    "({roles}; di tabel kegiatan: {first}), sehingga tidak dapat dibaca sebagai lanjutannya; "
    "samakan judul kolom Pelaksana, atau simpan SOP lain dalam berkas tersendiri"
)
CONTINUATION_OTHER_WIDTH = (
    "tabel ke-{n} dalam dokumen tampak melanjutkan tabel kegiatan (baris pertamanya langkah "
    "{start}), tetapi jumlah kolomnya {width}, bukan {expected} seperti tabel kegiatan; "
    "satukan kedua tabel di Word, atau ulangi baris judul tabel kegiatan di atas lanjutannya"
)
CONTINUATION_GAP = (
    "tabel ke-{n} dalam dokumen tampak melanjutkan tabel kegiatan, tetapi baris pertamanya "
    "langkah {start}, bukan langkah {expected}; ada langkah yang hilang (tabel terpotong?): "
    "lengkapi baris langkahnya"
)
NO_STEPS = (
    "tabel kegiatan kosong: tidak ada baris langkah bernomor di bawah judul tabel; diharapkan "
    "satu baris per langkah (No, Kegiatan, simbol Pelaksana, Mutu Baku, Ket)"
)
# {numbers}: the step numbers in table order; {gap}: STEPS_GAP_AFTER or ""
STEPS_OUT_OF_ORDER = (
    "tabel kegiatan: nomor langkah harus berurutan mulai 1; ditemukan {numbers}{gap} (baris "
    "hilang atau tabel terpotong?)"
)
STEPS_GAP_AFTER = "; sesudah langkah {before} ditemukan langkah {after}"
STEP_WITHOUT_ACTIVITY = "tabel kegiatan: langkah {step} tidak memuat uraian Kegiatan"

# -- the form: its steps (inference) -------------------------------------------------------

FIRST_STEP_DECISION = (
    "langkah 1 adalah keputusan, tetapi tidak ada langkah sebelumnya untuk tempat "
    "pengembalian; diharapkan langkah pertama berupa kegiatan"
)

# -- the draft's own comments (toml_writer; {source}: the form's file name, {form}: how it
# was read, FORM_TEXT or FORM_DOCX) -------------------------------------------------------

FORM_TEXT = "teks/HTML"
FORM_DOCX = ".docx"
DRAFT_TITLE = "DRAF definisi SOP, dibuat oleh `sopbot sop import` dari {source} (bentuk {form})."
DRAFT_HOW_TO_CONFIRM = (
    "Draf ini memuat {count} tebakan. Setiap baris '# PERIKSA:' menyebut apa yang ditebak dan "
    "mengapa. Periksa butir itu, perbaiki nilainya bila perlu, lalu ubah `confirmed = false` "
    "menjadi `confirmed = true` pada butir yang sama. `sopbot sop show` menampilkan tebakan "
    "yang belum dikonfirmasi; `sopbot check` dan `sopbot run` menolak definisi ini selama "
    "masih ada."
)
DRAFT_NOT_IN_THE_FORM = (
    "Tidak ada dalam formulir, jadi tidak ditulis: kertas yang ditulis bot (papers, "
    "templates; mis. Lembar Disposisi, SK Tim) dan dokumen yang dibuat bot "
    '(source = "generated"). Tambahkan sendiri bila perlu; contohnya '
    "sops/penyusunan-program-kerja.toml."
)
# a labelled header field the definition has no key for ({value}: HEADER_EMPTY when empty)
DRAFT_HEADER_EXTRA = "Kepala SOP, {label}: {value} (tidak dipakai bot)"
HEADER_EMPTY = "(kosong)"
# the label of the lines of DISAHKAN OLEH after the first (the official's name, NIP)
HEADER_APPROVED_BY_MORE = "DISAHKAN OLEH (lanjutan)"
DRAFT_CODE = "dibuat dari NAMA SOP; boleh diganti (1-24 huruf kecil, angka, '-'), unik di config"
DRAFT_ROLES = (
    "Peran: satu per kolom Pelaksana, dalam urutan kolom. id dibuat dari judul kolom (jabatan "
    "struktural atau 'Tim' saja, selain itu judul utuh). superior: atasan yang menerima "
    "eskalasi langkah yang terlambat."
)
DRAFT_DOCUMENTS = (
    "Dokumen dari kolom Persyaratan/Kelengkapan dan Output: berkas unggahan "
    '(source = "upload"), atau dicatat ada tanpa berkas setelah langkah yang menghasilkannya '
    '(source = "generated"); same_as: nama lain berkas yang sama setelah disetujui.'
)
DRAFT_STEPS = (
    "Langkah-langkah, satu per baris tabel kegiatan. time_minutes dalam menit kerja (1 hari "
    "kerja = 480 menit). uploads: berkas yang dilampirkan pelaksana pada langkah itu."
)
# above everything, when no actor was read from a symbol
NO_SYMBOLS_IN_TEXT = (
    "Ekspor teks tidak memuat simbol diagram alir: pelaksana setiap langkah dibaca dari "
    "kalimat kegiatan (lihat catatan pada langkahnya)."
)
NO_SYMBOLS_IN_DOCX = (
    "Kolom Pelaksana tidak memuat simbol: pelaksana setiap langkah dibaca dari kalimat "
    "kegiatan (lihat catatan pada langkahnya)."
)

# -- guesses and notes: roles (roles) ------------------------------------------------------
# A guess is two texts: its reason (``*_REASON``, the short ``guesses`` line) and its detail
# (``*_DETAIL``, the ``# PERIKSA:`` comment). A note is one comment line above its table.

ROLE_SHARED = "shared = true: '{heading}' adalah tim (beberapa orang memegang peran ini sekaligus)"
# {order}: the roles whose office is known, highest first, " > " between
USUAL_ORDER = "urutan jabatan yang lazim (Karo > Kabag > Kasubag > staf/tim)"
SUPERIOR_UNKNOWN_REASON = "atasan tidak diketahui: jabatan tidak dikenali"
SUPERIOR_UNKNOWN_DETAIL = (
    "jabatan '{role}' tidak dikenali, jadi atasannya tidak ditebak; formulir tidak menyebut "
    "hierarki. Isi superior bila perlu."
)
SUPERIOR_TOP_REASON = "ditebak sebagai pimpinan tertinggi menurut {usual}"
SUPERIOR_TOP_DETAIL = (
    "'{role}' ditebak sebagai jabatan tertinggi di SOP ini (tanpa atasan) menurut {usual}: "
    "{order}. Formulir tidak menyebut hierarki."
)
SUPERIOR_REASON = "ditebak dari {usual}"
# {tie}: SUPERIOR_TIE or ""
SUPERIOR_DETAIL = (
    "atasan '{boss}' ditebak dari {usual}: {order}{tie}. Formulir tidak menyebut hierarki; "
    "atasan menerima eskalasi langkah yang terlambat."
)
SUPERIOR_TIE = " (dipilih yang pertama dari {names})"

# -- guesses and notes: documents (documents) ----------------------------------------------

DOCUMENT_KEPT_WHOLE = (
    "'{name}' dibaca sebagai satu dokumen: '{tail}' sesudah 'dan' tidak tampak sebagai nama "
    "dokumen tersendiri. Bila '{head}' dan '{tail}' dua dokumen, pisahkan menjadi dua dokumen."
)
DOCUMENT_PREFIX_SHARED = (
    "'{prefix}' dari sel '{cell}' (langkah {step}) diberlakukan untuk setiap butirnya"
)
DOCUMENT_EXTENDS_REASON = "'{name}' (langkah {step}) dianggap dokumen yang sama dengan '{earlier}'"
DOCUMENT_EXTENDS_DETAIL = (
    "'{name}' pada langkah {step} dianggap dokumen yang sama dengan '{earlier}' karena namanya "
    "diawali nama itu. Jika berbeda, tambahkan dokumen baru dan ganti namanya pada langkah "
    "tersebut."
)
DOCUMENT_SAME_AS = (
    "same_as: '{name}' adalah '{draft}' yang telah disetujui (langkah {step}); berkasnya sama"
)
DOCUMENT_NOT_SAME_AS = (
    "tidak dihubungkan dengan '{draft}': tidak muncul sesudah langkah keputusan yang memeriksa "
    "draf itu"
)
# {listed}: the documents, quoted, ", " between
OUTPUTS_WITHOUT_FILE_REASON = "{listed} dicatat ada tanpa berkas setelah langkah {step}"
OUTPUTS_WITHOUT_FILE_DETAIL = (
    "{listed} baru muncul sebagai Output langkah ini: dicatat ada setelah langkah selesai, "
    'tanpa berkas (source = "generated"), dan daftar periksa serta Lembar Pemeriksaan '
    "berikutnya mencentangnya sebagai 'Ada'. Bila berupa berkas, jadikan source = \"upload\" "
    "dan masukkan ke uploads langkah ini; bila ditulis bot, tambahkan paper (mis. paper = "
    '"disposisi") dan cantumkan di papers langkah ini.'
)

# -- guesses and notes: a step's actor (inference) -----------------------------------------
# {k}: the step whose sentence speaks; {said}: the phrases it names, quoted, "; " between;
# {columns}: Pelaksana columns, ", " between; {quote}: the sentence, cut

ACTOR_FROM_SYMBOL = "pelaksana dari simbol ({what}) di kolom {role}"
ACTOR_FROM_SENTENCE = "pelaksana dari kalimat langkah {k}: {said}"
ACTOR_UNMATCHED = (
    "kalimat langkah {k} menyebut '{phrase}', yang tidak cocok dengan kolom Pelaksana mana pun"
)
ACTOR_SEVERAL_NOTE = "kalimat langkah {k} ({said}) cocok dengan beberapa kolom"
ACTOR_SEVERAL_SAID = "kalimat langkah {k} ('{quote}') menyebut {said}"
ACTOR_SYMBOL_OVER_SENTENCE_REASON = (
    "simbol di kolom {role}, tetapi kalimat langkah {k} menyebut {said}; simbol yang dipakai"
)
ACTOR_SYMBOL_OVER_SENTENCE_DETAIL = (
    "pelaksana diambil dari simbol di kolom {role}; kalimat langkah {k} ('{quote}') menyebut "
    "{said} ({columns}). Simbol yang dipakai; periksa mana yang benar."
)
# symbols in several columns, one picked by a sentence ({why}: SYMBOLS_*)
SYMBOLS_ONE_NAMED = "kalimat langkah {k} menyebut {said}"
SYMBOLS_SEVERAL_NAMED = (
    "kalimat langkah {k} ({said}) juga cocok dengan beberapa; dipilih yang pertama"
)
SYMBOLS_OTHER_NAMED = (
    "kalimat langkah {k} menyebut {said}, bukan kolom bersimbol; dipilih yang pertama"
)
SYMBOLS_REASON = "simbol di beberapa kolom ({columns}); {why}"
SYMBOLS_DETAIL = "baris ini memuat simbol di beberapa kolom Pelaksana ({columns}); {why}: {role}."
ACTOR_LOOSE_REASON = (
    "ditebak dari kalimat langkah {k}: {said} hanya cocok jabatannya dengan kolom {role}"
)
ACTOR_LOOSE_DETAIL = (
    "pelaksana ditebak dari kalimat langkah {k} ('{quote}'): {said} tidak sama persis dengan "
    "judul kolom mana pun; dicocokkan dengan {role} hanya dari jabatannya."
)
# the actor of the step a return goes back to, from the return's sentence (step {k})
ACTOR_FROM_RETURN_NOTE = "pelaksana dari kalimat pengembalian langkah {k} ({said})"
ACTOR_FROM_RETURN_SOLE = (
    "pelaksana dari kalimat pengembalian langkah {k} ({said}): satu-satunya langkah "
    "sebelumnya yang dapat dipegangnya"
)
ACTOR_FROM_RETURN_SYMBOLS_REASON = (
    "simbol di beberapa kolom ({columns}); kalimat pengembalian langkah {k} menunjuk {role}"
)
ACTOR_FROM_RETURN_SYMBOLS_DETAIL = (
    "baris ini memuat simbol di beberapa kolom ({columns}); kalimat langkah {k} mengembalikan "
    "kepada {said}, jadi dipilih {role}."
)
ACTOR_FROM_RETURN_REASON = "ditebak dari kalimat pengembalian langkah {k} ({said})"
ACTOR_FROM_RETURN_DETAIL = (
    "pelaksana ditebak dari kalimat langkah {k} ('{quote}'): langkah ini yang terdekat "
    "sebelumnya yang pelaksananya belum pasti, tetapi {role} mungkin memegang langkah lain."
)
# several columns fit and nothing settled it: the first is picked
PICKED_BY_SYMBOLS_WHY = "simbol di beberapa kolom ({columns}); tidak ada kalimat yang memastikan"
PICKED_BY_SYMBOLS_DETAIL = "baris ini memuat simbol di beberapa kolom Pelaksana ({columns})"
PICKED_BY_SENTENCE_WHY = "kalimat cocok dengan beberapa kolom ({columns})"
# {said}: ACTOR_SEVERAL_SAID
PICKED_BY_SENTENCE_DETAIL = "{said}, yang cocok dengan beberapa kolom Pelaksana ({columns})"
PICKED_REASON = "{why}; dipilih {role}"
PICKED_DETAIL = "{detail}; dipilih yang pertama ({role}). Tentukan yang benar."
# nothing names the actor: the first column, or the previous step's actor ({why}:
# ACTOR_UNMATCHED, ACTOR_SEVERAL_SAID or ACTOR_UNNAMED)
ACTOR_UNNAMED = "tidak ada simbol atau kalimat yang menyebut pelaksana langkah ini"
ACTOR_FIRST_COLUMN = "dipilih kolom Pelaksana pertama ({role})"
ACTOR_AS_BEFORE = "ditebak sama dengan pelaksana langkah {step} ({role})"
ACTOR_GUESSED_REASON = "{why}; {basis}"
ACTOR_GUESSED_DETAIL = "{why}; {basis}."

# -- guesses and notes: a step's kind (inference, sentences) -------------------------------

KIND_DIAMOND_REASON = (
    "simbol belah ketupat (keputusan), tetapi kalimatnya bukan 'jika setuju ... jika tidak "
    "setuju dikembalikan'; simbol yang dipakai"
)
KIND_DIAMOND_DETAIL = (
    "langkah keputusan karena simbolnya belah ketupat; kalimatnya tidak memuat 'jika setuju "
    "... jika tidak setuju dikembalikan ...'."
)
# {wording}: KIND_SAYS_DECISION or why the sentence asks (ASKS_*); {symbol}: what it is
KIND_SAYS_DECISION = "kalimat memuat 'jika setuju ... jika tidak setuju'"
KIND_ACTIVITY_SYMBOL_REASON = (
    "kalimat berbentuk keputusan, tetapi simbolnya {symbol} (bukan belah ketupat); simbol "
    "yang dipakai"
)
KIND_ACTIVITY_SYMBOL_DETAIL = (
    "{wording}, tetapi simbolnya {symbol}, bukan belah ketupat: simbol yang dipakai (kegiatan)."
)
KIND_RETURN_ONLY_REASON = "kalimat menyebut pengembalian tanpa 'jika setuju'; dianggap keputusan"
KIND_RETURN_ONLY_DETAIL = (
    "kalimat menyebut pengembalian tanpa 'jika setuju'; dianggap langkah keputusan "
    "(setujui/kembalikan)."
)
KIND_ASKS_REASON = "{asks}; dianggap keputusan"
KIND_ASKS_DETAIL = (
    "{asks}, tanpa simbol yang memastikannya: dianggap langkah keputusan "
    '(setujui/kembalikan). Bila bukan keputusan, jadikan kind = "action" dan hapus on_return.'
)
# why a sentence reads as a decision without "jika setuju" (sentences)
ASKS_QUESTION = "kalimatnya berupa pertanyaan 'Apakah …?'"
ASKS_YES_NO = "kolom Ket memuat cabang Ya/Tidak ('{remark}')"
KIND_TEAM = 'kind = "team": langkah ini membentuk {team} (anggotanya dipilih di Telegram)'
KIND_ARCHIVE = 'kind = "archive": langkah terakhir mengakhiri SOP'
KIND_LAST_ENDS = (
    "langkah terakhir tanpa on_approve: penyelesaiannya (atau persetujuannya) mengakhiri SOP "
    'tanpa nomor arsip; bila langkah ini mengarsipkan hasilnya, jadikan kind = "archive"'
)

# -- guesses and notes: where a decision returns (inference) -------------------------------

RETURN_NAMED = "on_return = {step}: formulir menulis 'kembali ke {step}'"
RETURN_NAMED_NOT_BEFORE = "'kembali ke {step}' bukan langkah sebelum langkah {k}; tidak dipakai"
RETURN_NAMED_MERGED_REASON = (
    "'kembali ke {step}' dari sel Ket yang digabung dengan baris di atasnya"
)
RETURN_NAMED_MERGED_DETAIL = (
    "tujuan pengembalian langkah {step} diambil dari Ket ('{remark}'), satu sel yang digabung "
    "dengan baris di atasnya: mungkin ditulis untuk langkah lain."
)
# {why}: RETURN_SEVERAL, RETURN_UNMATCHED or RETURN_UNNAMED
RETURN_SEVERAL = (
    "kalimat pengembalian menyebut {said}, yang cocok dengan beberapa kolom ({columns})"
)
RETURN_UNMATCHED = (
    "kalimat pengembalian menyebut '{phrase}', yang tidak cocok dengan kolom mana pun"
)
RETURN_UNNAMED = "kalimat tidak menyebut kepada siapa dikembalikan"
RETURN_GUESSED_REASON = "{why}; ditebak langkah {step}"
RETURN_GUESSED_DETAIL = "tujuan pengembalian ditebak langkah {step}: {why}."
RETURN_NO_STEP_OF_ROLE_REASON = (
    "tidak ada langkah sebelum langkah {k} yang dilaksanakan {role}; ditebak langkah {step}"
)
RETURN_NO_STEP_OF_ROLE_DETAIL = (
    "kalimat menyebut pengembalian kepada {said}, tetapi tidak ada langkah sebelumnya yang "
    "dilaksanakan {role}; ditebak langkah {step}."
)
RETURN_LOOSE_REASON = "{said} hanya cocok jabatannya dengan kolom {role}"
RETURN_LOOSE_DETAIL = (
    "kalimat pengembalian menyebut {said}, dicocokkan dengan {role} hanya dari jabatannya; "
    "tujuan pengembalian langkah {step}."
)
RETURN_ACTOR_UNSURE_REASON = "ditebak langkah {step}: pelaksananya belum pasti"
RETURN_ACTOR_UNSURE_DETAIL = (
    "tujuan pengembalian ditebak langkah {step}, langkah terdekat yang mungkin dipegang {role}."
)
# {others}: the other steps the role holds, RETURN_OTHERS_SEP between
RETURN_NEAREST_REASON = (
    "{role} memegang beberapa langkah sebelumnya; dipilih langkah {step}, yang terdekat "
    "(bukan {others})"
)
RETURN_NEAREST_DETAIL = (
    "kalimat langkah {k} ('{quote}') mengembalikan kepada {said}, yang memegang beberapa "
    "langkah sebelumnya: dipilih langkah {step}, yang terdekat; mungkin yang dimaksud {others}."
)
RETURN_OTHER_STEP = "langkah {step}"
RETURN_OTHERS_SEP = " atau "

# -- guesses and notes: the Mutu Baku and Ket columns (form, inference, times) -------------

# a Mutu Baku or Ket cell merged down ({label}: its column; {where}: MERGED_FROM_*)
CELL_MERGED = (
    "{label} '{text}' adalah sel yang digabung dengan {where}: berlaku juga untuk langkah ini"
)
PELAKSANA_MERGED = (
    "sel Pelaksana {role} digabung dengan {where}: simbolnya dibaca untuk langkah itu saja, "
    "bukan untuk langkah ini"
)
ROW_WRAPPED = (
    "baris tanpa nomor sesudah langkah {step} ('{shown}') dibaca sebagai lanjutan teks langkah "
    "{step}"
)
# {steps}: the steps one merged Waktu cell spans, ", " between
TIME_MERGED_REASON = (
    "Waktu '{time}' satu sel yang digabung untuk langkah {steps}; dipakai untuk setiap langkah"
)
TIME_MERGED_DETAIL = (
    "kolom Waktu langkah {steps} adalah satu sel yang digabung berisi '{time}': dipakai sebagai "
    "norma waktu setiap langkah itu. Bila itu waktu langkah-langkah tersebut bersama, bagilah "
    "di antara langkahnya."
)
# {note}: how the Waktu cell was read (TIME_*)
TIME_READ_DETAIL = "{note}: {minutes} menit kerja."
# {name}: STEP_KIND_NAMES[kind]; {kind}: the step's kind as the TOML file spells it
TIME_DEFAULT_REASON = "{note}; dipakai bawaan proyek untuk langkah {name}"
TIME_DEFAULT_DETAIL = (
    '{note}; dipakai waktu bawaan proyek untuk langkah {name} (kind = "{kind}"): {minutes} '
    "menit kerja (1 hari kerja = 480 menit). Isi sesuai norma waktu."
)
# a step's kind as a sentence names it (the kinds of bot.core.definition.StepKind)
STEP_KIND_NAMES = {
    "action": "kegiatan",
    "review": "keputusan",
    "team": "pembentukan tim",
    "upload": "penyusunan dokumen",
    "archive": "pengarsipan",
}
# how a Waktu cell was read (times; {cell}: the cell as written)
TIME_EMPTY = "kolom Waktu kosong"
TIME_UNREADABLE = "kolom Waktu tidak terbaca ('{cell}')"
TIME_ESTIMATE = "perkiraan ('{cell}'): mohon dipastikan"
TIME_UNIT_ONLY = "kolom Waktu hanya memuat satuan ('{cell}') tanpa angka"
TIME_RANGE = "rentang '{cell}': diambil batas atasnya"
TIME_ZERO = "kolom Waktu bernilai nol ('{cell}')"
# a Ket that names no SOP ({remark}: the cell; {sops}: KET_SOME_SOPS or "")
KET_NOT_AN_SOP = (
    "Ket pada formulir: '{remark}'{sops}. Bukan nama SOP terkait, jadi tidak dipakai bot; bila "
    "menyangkut langkah ini (mis. waktu), sesuaikan nilainya sendiri."
)
KET_SOME_SOPS = "; hanya {sops} dicatat sebagai related_sop"

# -- what a Pelaksana cell holds, as the notes and guesses name it (docx_form, form) --------

SYMBOL_PICTURE = "gambar"
SYMBOL_DRAWING = "objek gambar"
SYMBOL_EMBEDDED = "objek tersemat"
SYMBOL_DIAMOND = "bentuk belah ketupat"
SYMBOL_SHAPE = "bentuk"
SYMBOL_SHAPE_NAMED = "bentuk {name}"  # {name}: SHAPE_NAMES
# a drawn shape's name by its DrawingML preset (Office's internal, English name, never
# shown): the flowchart shapes by what they stand for, the others by their form; a preset
# not named here is SYMBOL_SHAPE
SHAPE_NAMES = {
    "flowChartProcess": "proses",
    "flowChartAlternateProcess": "proses alternatif",
    "flowChartPredefinedProcess": "proses terdefinisi",
    "flowChartTerminator": "terminator",
    "flowChartDocument": "dokumen",
    "flowChartMultidocument": "multidokumen",
    "flowChartInputOutput": "data",
    "flowChartManualInput": "input manual",
    "flowChartManualOperation": "operasi manual",
    "flowChartPreparation": "persiapan",
    "flowChartMagneticDisk": "disk magnetik",
    "flowChartOnlineStorage": "penyimpanan data",
    "flowChartDelay": "penundaan",
    "flowChartMerge": "penggabungan",
    "flowChartExtract": "ekstraksi",
    "flowChartSort": "pengurutan",
    "flowChartCollate": "penyusunan",
    "rect": "persegi panjang",
    "roundRect": "persegi panjang bersudut bulat",
    "ellipse": "oval",
    "triangle": "segitiga",
    "parallelogram": "jajaran genjang",
    "trapezoid": "trapesium",
    "pentagon": "segi lima",
    "hexagon": "segi enam",
    "octagon": "segi delapan",
    "can": "silinder",
}
SYMBOL_DIAMOND_VML = "bentuk belah ketupat (VML)"
SYMBOL_PICTURE_VML = "gambar (VML)"
SYMBOL_SHAPE_VML = "bentuk (VML)"
SYMBOL_MARK = "tanda '{text}'"  # a typed mark: '√', 'X', '◆'
