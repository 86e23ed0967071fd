"""The texts officials see, in Bahasa Indonesia, in the tone of office correspondence: the
fixed phrases (questions, refusals, notices, buttons, callback answers), the parts a status,
a list or an administrator's reply is built from, the words of the pictures, the texts the
bot writes into papers beside their templates' own, and the operator's Indonesian messages
(``sopbot sop import``), so that their wording is read and changed in one place. The views
and handlers only put them together; a text used in more than one place is one constant.

Values from users are HTML-escaped here (messages use HTML parse mode); callers pass raw
strings. Texts are cut to fit Telegram's limits by :func:`fit`.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from html import escape

from bot.papers.dates import DEFAULT_ZONE, OfficeZone, durasi

MAX_MESSAGE = 4096
MAX_CALLBACK_ANSWER = 200

# an acting official's title before the role: "Plh. Karo", "Plt. Kabag"
ACTING_TITLES = {"plh": "Plh.", "plt": "Plt."}


def e(value: object) -> str:
    return escape(str(value), quote=False)


def fit(text: str, limit: int = MAX_MESSAGE) -> str:
    """Cut a message to Telegram's limit without splitting an HTML tag or entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 40]
    last_lt, last_gt = cut.rfind("<"), cut.rfind(">")
    if last_lt > last_gt:
        cut = cut[:last_lt]
    last_amp, last_semi = cut.rfind("&"), cut.rfind(";")
    if last_amp > last_semi:
        cut = cut[:last_amp]
    # close tags left open (only the flat ones this module emits)
    for tag in ("b", "i", "code", "blockquote"):
        if cut.count(f"<{tag}>") > cut.count(f"</{tag}>"):
            cut += f"</{tag}>"
    return cut + "\n… <i>(dipersingkat)</i>"


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")
# where an over-long line may be cut: after a list's comma, else after any space (never
# inside a tag)
_ITEM_END = re.compile(r"(?<=, )(?![^<]*>)")
_WORD_END = re.compile(r"(?<= )(?![^<]*>)")


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """A text too long for one message as several, in order, each at most ``limit``: cut
    at the ends of lines (a line longer than a message after a comma, else at a space; a
    word longer than a message anywhere), never inside an HTML tag or entity. A tag open
    where a message ends is closed there and opened again at the start of the next, so
    that each message is valid HTML by itself. Nothing is left out."""
    if len(text) <= limit:
        return [text]
    pending = [(line, "\n") for line in text.split("\n")]
    pending.reverse()  # popped from the end: in order
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []  # the tags open at the end of the current message
    body = ""
    has_text = False
    while pending:
        unit, sep = pending.pop()
        after = _tags_after(stack, unit)
        candidate = body + (sep if has_text else "") + unit
        if len(candidate) + len(_closing(after)) <= limit:
            if has_text or unit.strip():
                body, stack, has_text = candidate, after, True
            continue
        words = [w for w in _ITEM_END.split(unit) if w]
        if len(words) == 1:
            words = [w for w in _WORD_END.split(unit) if w]
        alone = _opening(stack) + unit + _closing(after)
        if has_text and (len(alone) <= limit or len(words) == 1):
            # the message is full: the unit starts the next one
            pieces.append(body + _closing(stack))
            body, has_text = _opening(stack), False
            pending.append((unit, sep))
            continue
        # a unit longer than a message by itself: its words, or else its characters
        if len(words) == 1:
            words = _hard_cut(unit, max(limit - len(alone) + len(unit) - 16, 1))
        pending.extend(reversed([(w, sep if i == 0 else "") for i, w in enumerate(words)]))
    if has_text:
        pieces.append(body + _closing(stack))
    return [piece for piece in pieces if _TAG.sub("", piece).strip()]  # no tags alone


def _tags_after(stack: list[tuple[str, str]], text: str) -> list[tuple[str, str]]:
    """The tags open after ``text`` (name, opening tag), those of ``stack`` being so
    before it."""
    after = list(stack)
    for match in _TAG.finditer(text):
        if not match[1]:
            after.append((match[2], match[0]))
            continue
        for i in range(len(after) - 1, -1, -1):
            if after[i][0] == match[2]:
                del after[i]
                break
    return after


def _opening(stack: list[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _hard_cut(word: str, size: int) -> list[str]:
    """A word with no space in it, in parts of about ``size`` characters, none cut inside
    a tag or an entity."""
    parts = []
    while len(word) > size:
        cut = word[:size]
        last_lt, last_gt = cut.rfind("<"), cut.rfind(">")
        if last_lt > last_gt and last_lt > 0:
            cut = cut[:last_lt]
        last_amp, last_semi = cut.rfind("&"), cut.rfind(";")
        if last_amp > last_semi and last_amp > 0:
            cut = cut[:last_amp]
        parts.append(cut)
        word = word[len(cut) :]
    return [*parts, word]


def clip(text: str, room: int) -> str:
    """Text a user wrote (a title, a reason, a note), shortened so that, HTML-escaped, it
    takes at most ``room`` characters; a shortened text ends in "…"."""
    if len(e(text)) <= room:
        return text
    if room < 1:
        return ""
    if not any(c in text for c in "&<>"):  # nothing to escape: a character is one of room
        return text[: room - 1].rstrip() + "…"
    used = end = 0
    for ch in text:
        size = len(e(ch))
        if used + size > room - 1:
            break
        used, end = used + size, end + 1
    return text[:end].rstrip() + "…"


def clip_words(text: str, room: int) -> str:
    """As :func:`clip`, but a shortened text ends after a whole word (then "…"), so that
    no cut word reads as the last one; a first word longer than ``room`` is cut inside."""
    clipped = clip(text, room)
    if clipped == text or not clipped:
        return clipped
    head = clipped.removesuffix("…")
    if not text[len(head)].isspace():  # the cut fell inside a word: it goes
        inside = re.search(r"\s\S*\Z", head)
        if inside and head[: inside.start()].strip():
            head = head[: inside.start()]
    return head.rstrip() + "…"


def fit_quoted(
    build: Callable[[Sequence[str]], str], quoted: Sequence[str], limit: int = MAX_MESSAGE
) -> str:
    """A message that quotes what users wrote: ``build`` escapes each text of ``quoted`` and
    puts it in once. When the message is longer than ``limit``, those texts are shortened
    (the longest first, each ending in "…") by what is too much, so that what the bot says
    around them (the outcome, the instructions, the buttons' words) is never cut."""
    text = build(quoted)
    if len(text) <= limit:
        return text
    sizes = [len(e(q)) for q in quoted]
    left = max(limit - (len(text) - sum(sizes)), 0)
    shares = list(sizes)
    count = len(sizes)
    for i in sorted(range(len(sizes)), key=sizes.__getitem__):  # the shortest keep theirs
        shares[i] = min(sizes[i], left // count)
        left, count = left - shares[i], count - 1
    return fit(build([clip(q, n) for q, n in zip(quoted, shares, strict=True)]), limit)


QUOTED_KEPT = 200
"""The room (HTML-escaped characters) each quoted text keeps before a list gives way
(:func:`fit_listed`): as much as a case's title may take."""


def fit_listed(
    build: Callable[[Sequence[str], int], str],
    quoted: Sequence[str],
    count: int,
    limit: int = MAX_MESSAGE,
) -> str:
    """As :func:`fit_quoted`, for a message that also lists ``count`` items (the members of
    a team: a bureau may name tens, with long names and degrees): ``build(quoted, shown)``
    lists the first ``shown`` of them and says how many more there are. When the message is
    too long, whole items give way from the list's end, as many as it takes with each
    quoted text shortened to :data:`QUOTED_KEPT` at most; the quoted texts then get what
    is left. What the bot says around them (the outcome, what to do) is never cut."""
    whole = build(quoted, count)
    if len(whole) <= limit:
        return whole
    kept = [clip(q, QUOTED_KEPT) for q in quoted]
    shown = count
    while shown > 0 and len(build(kept, shown)) > limit:
        shown -= 1
    return fit_quoted(lambda q: build(q, shown), quoted, limit)


MORE_NAMES = " dan {count} lainnya"  # the people a shortened list counts, not names
NAMES_ROOM = 1000
"""The room (HTML-escaped characters) a list of people takes in a notice that says what to
do after it (:func:`names`): a team's members, the holders of a shared role."""


def names(items: Sequence[str], room: int = NAMES_ROOM, sep: str = ", ") -> str:
    """``items`` (raw texts: the caller escapes the result) joined by ``sep``: as many whole
    ones as fit ``room`` HTML-escaped characters, those left out counted ("Ayu, Rudi, dan 20
    lainnya"). The first is always named (shortened if it alone is too long)."""
    whole = sep.join(items)
    if len(e(whole)) <= room:
        return whole
    for shown in range(len(items) - 1, 0, -1):
        # a series of more than two: its separator before "dan" too (EYD: "A, B, dan C")
        before = sep.rstrip() if shown > 1 else ""
        text = sep.join(items[:shown]) + before + MORE_NAMES.format(count=len(items) - shown)
        if len(e(text)) <= room:
            return text
    more = MORE_NAMES.format(count=len(items) - 1) if len(items) > 1 else ""
    return clip(items[0], room - len(more)) + more


def sentence(text: str) -> str:
    """Text ending a sentence: a full stop, unless it ends in one already ("M.Si.")."""
    return text if text.endswith((".", "!", "?")) else f"{text}."


def last_day(moment: datetime, zone: OfficeZone = DEFAULT_ZONE) -> str:
    """The end of a period as officials name it: "31 Desember 2028" for a period that ends
    at midnight after that day; a date and time otherwise."""
    local = zone.local(moment)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return zone.tanggal(local - timedelta(seconds=1))
    return zone.tanggal_jam(moment)


def minutes_text(minutes: int) -> str:
    """Working minutes as officials say them: "1 hari kerja 2 jam", "4 jam kerja",
    "1 hari kerja 20 menit" (:func:`bot.papers.dates.durasi`, as the pictures and papers
    write them, with "kerja")."""
    if minutes <= 0:
        return "0 menit"
    return durasi(minutes, kerja=True)


# -- phrases several views use ----------------------------------------------------------

CASE_NOT_FOUND = "Berkas #{case} tidak ditemukan."
CASE_LINE = "<b>Berkas #{case}</b> — {title}"  # the title HTML-escaped by the caller
# what a task asks, in its first line (views.task_headline): "📝 Mohon diperiksa · Langkah ..."
ASKED_RETURNED = "Dikembalikan untuk diperbaiki"
ASKED_REVIEW = {  # by what an approval records: a paraf, a signature, or an approval
    "paraf": "Mohon diperiksa dan diparaf",
    "signature": "Mohon diperiksa dan ditandatangani",
    "": "Mohon diperiksa",
}
ASKED_TEAM = "Mohon ditetapkan anggota {team}"
ASKED_ARCHIVE = "Mohon diarsipkan"
ASKED_DOCUMENTS = "Mohon dilengkapi dokumennya"
ASKED_HAND_IN = "Mohon diserahkan"
ASKED_FINISH = "Mohon diselesaikan"  # an upload step that is the last of its SOP
ASKED_SUBMIT = "Mohon diajukan"
ASKED_FORWARD = "Mohon ditindaklanjuti"
# a review step a return brought back to its holder to correct (its `corrects`)
RETURNED_CORRECTS = (
    "Perbaikan {docs} dapat Bapak/Ibu kirimkan sebagai <b>file</b> di obrolan ini sebelum "
    "menekan {approve}; yang disetujui adalah versi terakhir yang tercantum di atas."
)
# the SOP a step is carried out under (its Ket column: `related_sop`), under its activity
RELATED_SOP = "Berpedoman pada: {sop}"
UNNAMED = "ID {person}"  # a person the bot knows no name of
NAMED = "{name} (ID {person})"  # a person as the administrator reads them
ADMINISTRATOR = "Administrator"
THE_PERSON_CONCERNED = "yang bersangkutan"  # a {whom}: the official a notice is about
# an administrator's answer when the person given a role or an appointment never opened the
# bot: Telegram refuses to write to them until they press Start
NOT_STARTED_WARNING = (
    "⚠️ Yang bersangkutan belum pernah membuka bot: mohon minta yang bersangkutan menekan "
    "Start agar pesan dapat disampaikan."
)
# ... naming the one it is about (/alihkan, an invitation used: the old holder, who could
# not be told)
NOT_STARTED_NOT_TOLD = (
    "⚠️ {who} belum pernah membuka bot sehingga belum dapat diberi tahu: mohon minta yang "
    "bersangkutan menekan Start agar pesan dapat disampaikan."
)
# the places in a team's decree (the SK Tim), in the order the members were picked
TEAM_CHAIR = "Ketua"
TEAM_SECRETARY = "Sekretaris"
TEAM_MEMBER = "Anggota"

# -- the command menus Telegram shows (bot.menus): each command and what it does ---------

COMMAND_MENU = {
    "tugas": "Daftar tugas yang menunggu tindakan Bapak/Ibu",
    "baru": "Mengajukan berkas baru",
    "status": "Posisi dan riwayat berkas",
    "sop": "Langkah-langkah SOP dan norma waktunya",
    "tarik": "Menarik kembali berkas yang baru saja diteruskan",
    "saya": "Data dan peran Bapak/Ibu",
    "tunda": "Menunda pengingat suatu berkas",
    "terlambat": "Daftar langkah yang melewati norma waktu",
    "laporan": "Laporan evaluasi penerapan SOP (pimpinan)",
    "batal": "Membatalkan isian yang sedang berjalan",
    "bantuan": "Petunjuk penggunaan",
}
# after COMMAND_MENU, only in the administrators' own chats
ADMIN_COMMAND_MENU = {
    "undang": "Membuat tautan undangan untuk suatu peran",
    "undangan": "Daftar undangan yang belum digunakan, untuk dibatalkan",
    "peran": "Daftar pemegang peran, Plh/Plt, dan riwayat pencabutan",
    "cabut": "Mencabut peran seseorang",
    "alihkan": "Mengalihkan peran kepada pegawai lain",
    "batalkan": "Membatalkan berkas",
    "ubah_arsip": "Mengubah nomor arsip berkas yang salah ketik",
    "plh": "Menetapkan Pelaksana Harian (Plh)",
    "plt": "Menetapkan Pelaksana Tugas (Plt)",
    "akhiri_plh": "Mengakhiri penetapan Plh/Plt",
    "ubah_data": "Meminta seseorang memperbaiki nama, NIP, dan jabatannya",
}

# -- access ------------------------------------------------------------------------------

# {person}: the reader's own Telegram ID, which the administrator's /peran, /alihkan and
# /plh need (the person has no /saya to read it from); written by no_access
NOT_REGISTERED = (
    "Mohon maaf, Bapak/Ibu belum terdaftar sebagai pengguna layanan ini.\n"
    "Silakan menghubungi administrator untuk memperoleh tautan undangan, dengan menyampaikan "
    "ID Telegram Bapak/Ibu: <code>{person}</code>"
)
NO_ROLE_NOW = (
    "Mohon maaf, Bapak/Ibu saat ini tidak memegang peran apa pun dalam layanan ini sehingga "
    "pesan tersebut tidak dapat kami tindak lanjuti.\n"
    "Apabila hal ini tidak sesuai, silakan menghubungi administrator dengan menyampaikan "
    "ID Telegram Bapak/Ibu: <code>{person}</code>"
)

# NO_ROLE_NOW as a button's alert (plain, at most 200 characters with the ID whole)
NO_ROLE_NOW_ALERT = (
    "Mohon maaf, Bapak/Ibu saat ini tidak memegang peran apa pun dalam layanan ini.\n"
    "Apabila tidak sesuai, silakan menghubungi administrator dengan menyampaikan "
    "ID Telegram Bapak/Ibu: {person}"
)


def no_access(person: int, *, held: bool, html: bool = True) -> str:
    """The answer to someone with no role: NO_ROLE_NOW for one who held a role (``held``),
    else NOT_REGISTERED, naming their Telegram ID. ``html``: for a message; else plain
    text, for a button's alert (shown as it is, 200 characters at most)."""
    if held and not html:
        return NO_ROLE_NOW_ALERT.format(person=person)
    text = (NO_ROLE_NOW if held else NOT_REGISTERED).format(person=person)
    return text if html else text.replace("<code>", "").replace("</code>", "")


PRIVATE_ONLY = "Mohon maaf, layanan ini hanya dapat digunakan melalui pesan pribadi dengan bot."
# a command an anonymous group administrator sent on behalf of the group ({bot}: the bot's
# username)
PRIVATE_ONLY_ANONYMOUS = (
    "Mohon maaf, layanan ini hanya dapat digunakan melalui pesan pribadi dengan bot. Pesan "
    "yang dikirim secara anonim atas nama grup tidak dapat kami kenali sebagai pesan dari "
    "pegawai yang terdaftar.\n"
    "Silakan membuka percakapan pribadi dengan @{bot} menggunakan akun Bapak/Ibu sendiri."
)
BTN_WITHDRAW_INVITE = "🚫 Batalkan undangan"
ADMIN_ONLY = "Mohon maaf, perintah ini hanya dapat digunakan oleh administrator."
INVITE_INVALID = (
    "Mohon maaf, tautan undangan tersebut tidak berlaku (sudah digunakan atau kedaluwarsa).\n"
    "Silakan meminta tautan baru kepada administrator."
)
ERROR_GENERIC = (
    "Mohon maaf, terjadi gangguan saat memproses permintaan Bapak/Ibu. Data yang telah "
    "tersimpan tetap aman.\n"
    "Silakan mencoba kembali beberapa saat lagi."
)
# a long answer sent in several messages (handlers.common.reply_in_parts) of which one part
# could not be sent: the parts after it were not sent either ({part} of {parts})
ANSWER_BROKE_OFF = (
    "Mohon maaf, jawaban di atas tidak terkirim seluruhnya karena gangguan pada layanan "
    "Telegram: bagian {part} dari {parts} gagal terkirim sehingga bagian selanjutnya tidak "
    "dikirimkan. Silakan mengulangi perintah tersebut beberapa saat lagi."
)
UNKNOWN_INPUT = (
    "Mohon maaf, pesan tersebut tidak dapat kami proses. Ketik /bantuan untuk petunjuk penggunaan."
)
# text typed with no question waiting for it (names typed for a team picked by buttons, a
# remark): nothing is recorded; where the official's tasks and the guide are
NO_QUESTION_WAITING = (
    "Mohon maaf, pesan tersebut tidak kami catat karena saat ini tidak ada pertanyaan yang "
    "menunggu jawaban Bapak/Ibu. Tugas Bapak/Ibu beserta tombolnya dapat dilihat dengan "
    "/tugas, dan petunjuk penggunaan dengan /bantuan."
)
# a message of a kind the bot takes nothing from (a voice note, a location, a poll...) with no
# question pending: what it does take, and where to look ({kind}: one of NOT_TAKEN_KINDS)
NOT_TAKEN = (
    "Mohon maaf, {kind} tidak dapat kami proses. Bot ini menerima perintah yang diketik "
    "(misalnya /tugas), tombol pada pesan tugas, serta dokumen yang dikirim sebagai "
    "<b>file</b> ketika suatu langkah memintanya.\nSilakan mengetik /tugas untuk melihat "
    "tugas Bapak/Ibu atau /bantuan untuk petunjuk penggunaan."
)
# the kinds NOT_TAKEN names, by the Bot API's field (a venue before a location: it has one)
NOT_TAKEN_KINDS = {
    "voice": "pesan suara",
    "video_note": "pesan video bulat",
    "contact": "kontak",
    "venue": "lokasi tempat",
    "location": "lokasi",
    "poll": "jajak pendapat",
    "dice": "emoji animasi",
}
NOT_TAKEN_OTHER = "pesan jenis tersebut"  # the {kind} of NOT_TAKEN for any other kind
UNKNOWN_COMMAND = (
    "Mohon maaf, perintah tersebut tidak dikenal. Ketik /bantuan untuk daftar perintah."
)
# a command with another bot's name typed in the private chat ("/tugas@otherbot", copied
# from a group or another bot's guide): {typed} the command as typed, {other} that bot's
# username, {bot} this bot's; {hint}: COMMAND_OF_OURS or COMMAND_NOT_OURS
COMMAND_FOR_ANOTHER_BOT = (
    "Mohon maaf, perintah <b>{typed}</b> ditujukan kepada bot lain (@{other}), bukan kepada "
    "kami (@{bot}); perintah tersebut tidak kami jalankan. {hint}"
)
COMMAND_OF_OURS = "Di obrolan ini cukup ketik /{command} tanpa nama bot."
COMMAND_NOT_OURS = "Ketik /bantuan untuk daftar perintah di obrolan ini."
# free text for a question that ended meanwhile without the person's answer (another
# holder decided the step, the role went, ...): what they typed, and why it was not used
LAPSED_KIND = {
    "return_reason": "alasan pengembalian",
    "note": "catatan",
    "archive_reference": "nomor arsip",
    "new_title": "judul berkas",
    "new_year": "tahun anggaran",
}
LAPSED_WHY = {
    "moved": "Berkas #{case} telah diputuskan{by} sebelum pesan Bapak/Ibu kami terima",
    "archived": "Berkas #{case} telah diarsipkan{by} sebelum pesan Bapak/Ibu kami terima",
    "withdrawn": "Berkas #{case} telah ditarik kembali{by} sebelum pesan Bapak/Ibu kami terima",
    "cancelled": "Berkas #{case} telah dibatalkan{by}",
    "role_moved": (
        "peran {role} Bapak/Ibu telah dialihkan oleh administrator sehingga Berkas #{case} "
        "tidak lagi menjadi tugas Bapak/Ibu"
    ),
    "role_revoked": (
        "peran {role} Bapak/Ibu telah dicabut oleh administrator sehingga Berkas #{case} "
        "tidak lagi menjadi tugas Bapak/Ibu"
    ),
    "acting_ended": (
        "masa tugas Bapak/Ibu sebagai Plh/Plt {role} telah berakhir sehingga "
        "Berkas #{case} tidak lagi menjadi tugas Bapak/Ibu"
    ),
}
LAPSED = (
    "Mohon maaf, {kind} yang Bapak/Ibu ketik tidak kami gunakan karena {why}. "
    "Teks tersebut tidak tercatat pada berkas:\n<blockquote>{typed}</blockquote>"
)
LAPSED_QUOTE = 300  # characters of the typed text quoted back


def lapsed_text(
    kind: str, why: str, case_id: int | None, typed: str, actor: str = "", role: str = ""
) -> str:
    """The answer to text typed for a question that ended without it (``actor``: who moved
    the case; ``role``: the role that went, both as names)."""
    quoted = typed if len(typed) <= LAPSED_QUOTE else typed[: LAPSED_QUOTE - 1].rstrip() + "…"
    reason = LAPSED_WHY.get(why, LAPSED_WHY["moved"]).format(
        case=case_id, by=f" oleh {e(actor)}" if actor else "", role=e(role)
    )
    return LAPSED.format(kind=LAPSED_KIND.get(kind, "pesan"), why=reason, typed=e(quoted))


# text sent in reply to a message of a case while no question waits (a remark on a task,
# "TOR belum lengkap"): recorded nowhere; a decision is a button of the task
REPLY_TO_CASE_NOT_RECORDED = (
    "Mohon maaf, balasan atas pesan Berkas #{case} tidak kami catat pada berkas. Keputusan "
    "dicatat melalui tombol pada pesan tugasnya (alasan atau catatan diketik setelah "
    "tombolnya ditekan), dan dokumen dikirim sebagai file. Tugas yang menunggu tindakan "
    "Bapak/Ibu dapat dilihat dengan /tugas."
)
# a message of the bot's own about a case, forwarded back while no question waits
FORWARDED_CASE_NOT_RECORDED = (
    "Mohon maaf, pesan Berkas #{case} yang Bapak/Ibu teruskan berasal dari bot ini sendiri "
    "sehingga tidak kami catat pada berkas. Keputusan dicatat melalui tombol pada pesan "
    "tugasnya; tugas yang menunggu tindakan Bapak/Ibu dapat dilihat dengan /tugas."
)
# text typed for a question about one case, sent as a reply to a message of another case
# (Kembalikan pressed on #1, the reason typed in reply to #2's task): applied to neither
ANSWER_FOR_ANOTHER_CASE = (
    "Mohon maaf, pesan Bapak/Ibu membalas pesan Berkas #{replied}, sedangkan yang sedang kami "
    "tunggu adalah {kind} Berkas #{case}. Pesan tersebut tidak kami catat pada berkas mana "
    "pun:\n<blockquote>{typed}</blockquote>\n"
    "Bila teks tersebut untuk Berkas #{case}, silakan mengirimkannya kembali tanpa membalas "
    "pesan berkas lain. Bila untuk Berkas #{replied}, silakan ketik /batal, lalu tekan tombol "
    "pada pesan tugas Berkas #{replied}."
)


def answer_for_another_case(kind: str, case_id: int, replied: int, typed: str) -> str:
    """The answer to text typed for a question about ``case_id`` in reply to a message of
    case ``replied``: the text quoted back, so nothing typed is lost."""
    quoted = typed if len(typed) <= LAPSED_QUOTE else typed[: LAPSED_QUOTE - 1].rstrip() + "…"
    return ANSWER_FOR_ANOTHER_CASE.format(
        replied=replied, kind=LAPSED_KIND.get(kind, "isian"), case=case_id, typed=e(quoted)
    )


WITHDRAWN_FROM_YOU = (
    "Tugas Bapak/Ibu pada langkah {step} untuk berkas ini tidak perlu ditindaklanjuti lagi."
)
EDIT_NOT_PROCESSED = (
    "Mohon maaf, perubahan atas pesan yang telah terkirim tidak kami proses; yang tercatat "
    "tetap pesan aslinya. Bila ada yang perlu diperbaiki, silakan mengirim pesan baru."
)
# an edit of a message typed for a question that still waits (a year, a reason refused):
# nothing of it was recorded, so no "original" stands (``ask``, ``cancel``: as NOT_TYPED)
EDIT_OF_AN_ANSWER_NOT_TAKEN = (
    "Mohon maaf, pesan tersebut belum kami terima sebagai jawaban, dan perubahannya tidak "
    "kami proses. {ask} Mohon dikirim sebagai pesan baru; pertanyaannya masih berlaku{cancel}."
)
# an edit of the caption of a file or photo the bot took nothing of (a file refused, a
# photo: its sender was told why): nothing of it was recorded, so no "original" stands
EDIT_OF_A_FILE_NOT_TAKEN = (
    "Mohon maaf, perubahan atas pesan tersebut tidak kami proses. Kiriman tersebut belum "
    "kami terima, sebagaimana telah kami sampaikan; bila masih diperlukan, silakan "
    "mengirimkannya kembali sebagai pesan baru."
)
# an edit of a text the bot took nothing of (typed while no question waited for typed
# text: a remark, a reply to a task, a task forwarded back): nothing of it was recorded, so
# no "original" stands; where the official's tasks are
EDIT_OF_A_TEXT_NOT_TAKEN = (
    "Mohon maaf, perubahan atas pesan tersebut tidak kami proses. Pesan tersebut pun tidak "
    "kami catat sehingga tidak ada isinya yang tersimpan. Tugas yang menunggu tindakan "
    "Bapak/Ibu dapat dilihat dengan /tugas."
)

# /tugas: the order of its list (the moment each step's norm runs out)
TASKS_ORDER = "<i>diurutkan menurut batas norma waktu: yang batasnya paling awal lebih dahulu</i>"

# -- /terlambat (steps past their norm, for heads and administrators) ------------------

# ``page``: LIST_PAGE when the list takes several pages, else ""
OVERDUE_HEAD = (
    "<b>Langkah yang melewati norma waktu</b>: {count} langkah{page}\n<i>{scope}; {order}</i>"
)
OVERDUE_SCOPE_OWN = "langkah peran Bapak/Ibu dan bawahannya"
OVERDUE_SCOPE_ALL = "semua langkah"
OVERDUE_ORDER = "yang paling jauh melewati normanya lebih dahulu"
# one late step; ``sop``: the SOP's name and " · " when the deployment runs several SOPs
# (as a digest's line names it), else "" (a step number alone says which step it is)
OVERDUE_LINE = (
    "#{case} · {sop}langkah {step} ({role}) · {spent} dari norma {norm} "
    "(terlambat {late}) · {title}"
)
OVERDUE_WAITS_DEFINITIVE = " · <i>menunggu pejabat definitif (Plh/Plt tidak berwenang)</i>"
OVERDUE_NONE = "Tidak ada langkah yang melewati norma waktu ({scope}). Terima kasih."
OVERDUE_REFUSED = "Mohon maaf, daftar keterlambatan hanya untuk pimpinan dan administrator."

# -- /start, /saya, /bantuan --------------------------------------------------------------

WELCOME_INVITED = "Selamat datang. Bapak/Ibu terdaftar sebagai <b>{role}</b>."
WELCOME_BACK = "Selamat datang, {name}\n\n"  # {name}: ending a sentence (t.sentence)
# the newcomer's first question, after the welcome
PROFILE_BEFORE_START = "Sebelum memulai, mohon lengkapi data Bapak/Ibu.\n{question}"
PROFILE_COMPLETE_FIRST = "Mohon lengkapi data Bapak/Ibu.\n{question}"
PROFILE_WHAT_NAME = "nama"  # the {what} of PROFILE_ONE_LINE, PROFILE_TOO_LONG and the like
PROFILE_WHAT_POSITION = "jabatan"
PROFILE_SUMMARY = "Nama: <b>{name}</b>\nNIP: {nip}\nJabatan: {position}\nPeran: {roles}"
# a Plh/Plt period ({grounds}: its reason and letter, and each extension's, in the words
# of /peran: ROLES_ACTING_LETTER, ROLES_ACTING_EXTENDED)
PROFILE_SUMMARY_ACTING = "\nSelaku <b>{title}</b>: {starts} s.d. {ends}{grounds}"
MY_DATA = "<b>Data Bapak/Ibu</b>\n{summary}\n\nID Telegram: <code>{person}</code>"
# /bantuan ({runs}: HELP_RUNS_ONE or HELP_RUNS_MANY; {new_case}: HELP_NEW_CASE_*; {heads}:
# the roles that may ask /laporan; {roles}: HELP_ROLE_LINE each, a line each)
HELP_RUNS_ONE = "SOP <i>{name}</i>"
HELP_RUNS_MANY = "SOP berikut:\n{sops}"
HELP_SOP_LINE = "• <i>{name}</i> (kode <code>{code}</code>)"
HELP_NEW_CASE_ONE = "/baru — mengajukan berkas baru ({starters})\n"
HELP_NEW_CASE_MANY = "/baru [kode SOP] — mengajukan berkas baru ({starters})\n"
HELP_SOP_ONE = "/sop — langkah-langkah SOP, pelaksana, dan norma waktunya\n"
HELP_SOP_MANY = "/sop [kode SOP] — langkah-langkah SOP, pelaksana, dan norma waktunya\n"
HELP_ROLE_LINE = "• <b>{name}</b> — {title}"
HELP = (
    "<b>Petunjuk Penggunaan</b>\n"
    "Layanan ini menjalankan {runs} secara elektronik: "
    "setiap langkah disampaikan kepada pejabat yang berwenang, dicatat, dan diarsipkan.\n\n"
    "<b>Perintah</b>\n"
    "/tugas — tugas yang menunggu tindakan Bapak/Ibu\n"
    "{new_case}"
    "/status [nomor] — posisi, waktu, dan riwayat berkas, dengan gambar linimasanya\n"
    "{sop_command}"
    "/tarik &lt;nomor&gt; — menarik kembali berkas yang baru saja Bapak/Ibu teruskan\n"
    "/tunda &lt;nomor&gt; &lt;durasi&gt; — menunda pengingat, misalnya <code>/tunda 12 2j</code>\n"
    "/terlambat — langkah yang melewati norma waktu (pimpinan: pada peran Bapak/Ibu dan "
    "bawahannya; administrator: semua langkah)\n"
    "/laporan [periode] — laporan evaluasi penerapan SOP: grafik dan dokumen "
    "({heads}, administrator), misalnya <code>/laporan {report_year}</code>\n"
    "/saya — data dan peran Bapak/Ibu, dengan tombol untuk memperbaiki nama, NIP, dan "
    "jabatan\n"
    "/batal — membatalkan isian yang sedang berjalan\n"
    "/bantuan — petunjuk ini\n\n"
    "<b>Cara kerja</b>\n"
    "• Pada langkah pemeriksaan tersedia tombol <b>Setujui</b> dan <b>Kembalikan</b>; "
    "pengembalian wajib disertai alasan.\n"
    "• Dokumen yang diminta suatu langkah dikirim sebagai <b>file</b> di obrolan ini.\n"
    "• Pengingat dikirim pada jam kerja bila suatu langkah melewati norma waktunya.\n\n"
    "<b>Peran</b>\n{roles}"
)
HELP_ADMIN = (
    "\n\n<b>Administrator</b>\n"
    "/undang &lt;peran&gt; · /undangan · /peran · /cabut &lt;id&gt; &lt;peran&gt; · "
    "/alihkan &lt;peran&gt; &lt;id lama&gt; &lt;id baru&gt; · "
    "/batalkan &lt;nomor&gt; &lt;alasan&gt;\n"
    "/ubah_arsip &lt;nomor berkas&gt; &lt;nomor arsip&gt; &lt;alasan&gt; — mengubah "
    "nomor arsip berkas yang telah diarsipkan (salah ketik); Dokumentasinya "
    "diterbitkan ulang\n"
    "/plh atau /plt &lt;peran&gt; &lt;id&gt; &lt;sampai tanggal&gt; &lt;alasan&gt; — "
    "menetapkan Pelaksana Harian (Plh) atau Pelaksana Tugas (Plt) · "
    "/akhiri_plh &lt;peran&gt; — mengakhiri penetapannya\n"
    "/ubah_data &lt;id&gt; — meminta seseorang memperbaiki nama, NIP, dan jabatannya "
    "(yang bersangkutan mengetik sendiri datanya)"
)

# -- /sop: the procedure as its form sets it out (bot.sop_view) ---------------------------

SOP_CHOICE = "• <code>/sop {code}</code> — {name}"  # a line of the SOPs to choose from
SOP_WHICH = "Layanan ini menjalankan SOP berikut:\n{choices}\n\nMohon pilih salah satunya."
SOP_UNKNOWN = "Mohon maaf, SOP dengan kode <code>{code}</code> tidak ditemukan.\n{choices}"
SOP_TITLE = "📘 <b>SOP {name}</b>"
SOP_UNIT = "Unit kerja: {unit}"
SOP_NUMBER = "Nomor: {number}"
SOP_APPROVED_BY = "Disahkan oleh: {by}"
SOP_APPROVED_ON = ", tanggal {date}"  # after SOP_APPROVED_BY, when the form gives the date
SOP_REVISED_ON = "Tanggal revisi: {date}"
SOP_STEPS_HEAD = "<b>Langkah-langkah</b> (norma waktu seluruhnya {norm})"
SOP_STEPS_MINE_NOTE = "\nLangkah yang ditandai ◀ dilaksanakan oleh Bapak/Ibu."
SOP_STEP = "<b>{label} · {role}</b> ({norm}){mine}\n{activity}"
SOP_STEP_MINE = " ◀"
SOP_STEP_OUTPUT = "\n<i>Output: {outputs}</i>"
SOP_ITEM = "{n}. {item}"
SOP_LEGAL_BASIS = "Dasar Hukum"
SOP_QUALIFICATIONS = "Kualifikasi Pelaksana"
SOP_RELATED = "Keterkaitan"
SOP_EQUIPMENT = "Peralatan/Perlengkapan"
SOP_WARNING = "Peringatan"
SOP_RECORDS = "Pencatatan dan Pendataan"

# -- /baru, /tugas, /status, /tarik ------------------------------------------------------

USAGE_STATUS = (
    "Penggunaan: <code>/status &lt;nomor berkas&gt;</code>, misalnya <code>/status 12</code>."
)
USAGE_WITHDRAW = "Penggunaan: <code>/tarik &lt;nomor berkas&gt;</code>."
OR_SEP = " atau "  # between alternatives named in a sentence (roles, document types)
# /baru of one who holds no SOP's first step ({roles}: those who do, OR_SEP between)
NEW_CASE_STARTERS_ONLY = "Mohon maaf, pengajuan berkas baru dilakukan oleh {roles}."
NEW_CASE_CHOICE = "• <code>/baru {code}</code> — {name}"  # a line of the SOPs to choose from
# /tugas (``late``: TASK_LATE or "")
NO_TASKS = "Tidak ada tugas yang menunggu tindakan Bapak/Ibu saat ini. Terima kasih."
TASKS_HEAD = "<b>Tugas Bapak/Ibu</b>: {count} tugas menunggu tindakan"
TASK_LINE = "{n}. <b>#{case}</b> {title}\n    Langkah {step}: {step_title} · sejak {since}{late}"
TASK_LATE = " ⚠️ melewati norma"
BTN_TASK = "#{case} · Langkah {step} · {title}"  # cut to 60 characters
TASKS_FOOT = "\nPilih tugas untuk membukanya."
# /status of a case (``late``: STATUS_LATE or "")
STATUS_HOLDER = "Pelaksana: {holders} ({role})"
STATUS_SINCE = "Sejak: {since}"
STATUS_SPENT = "Waktu berjalan: {spent} dari norma {norm}{late}"
STATUS_LATE = " ⚠️ <b>melewati norma</b>"
STATUS_CLOSED = "Status: <b>{state}</b> pada {when}"
STATUS_ARCHIVED = "diarsipkan"
STATUS_COMPLETED = "selesai"  # the last step of an SOP that does not end in archiving done
STATUS_CANCELLED = "dibatalkan"
STATUS_ARCHIVE_REFERENCE = "Nomor arsip: <code>{reference}</code>"
STATUS_HISTORY = "<b>Riwayat</b>"
STATUS_EARLIER = "<i>… {n} catatan terdahulu tidak ditampilkan.</i>"
# /status without a number: the latest cases ({roles}: who opens cases, OR_SEP between)
NO_CASES_YET = "Belum ada berkas. Berkas baru diajukan oleh {roles} dengan /baru."
RECENT_CASES_HEAD = "<b>Berkas terbaru</b>"
RECENT_CASE_AT = "langkah {step} ({role})"  # where an open case is
RECENT_CASE_CLOSED = {  # where a closed case is, by its status
    "archived": "selesai (diarsipkan)",
    "completed": "selesai",
    "cancelled": "dibatalkan",
}
RECENT_CASES_FOOT = "\nRincian: /status &lt;nomor&gt;"

# -- /tunda ---------------------------------------------------------------------------------

USAGE_SNOOZE = (
    "Penggunaan: <code>/tunda &lt;nomor berkas&gt; &lt;durasi&gt;</code>, durasi dalam jam kerja "
    "(<code>2j</code>), menit (<code>30m</code>), atau hari kerja (<code>1h</code>)."
)
SNOOZE_NOT_HOLDER = (
    "Mohon maaf, pengingat Berkas #{case} hanya dapat ditunda oleh pelaksana langkah yang "
    "sedang berjalan."
)
# /tunda of a case that is closed (archived, completed, cancelled): no reminder is left
SNOOZE_CLOSED = "Berkas #{case} sudah ditutup; tidak ada pengingat yang perlu ditunda."
SNOOZED = "Pengingat Berkas #{case} ditunda sampai {until}{note}."
SNOOZE_CAPPED = " (dibatasi paling lama {most})"  # the {note} of a shorter snooze than asked
# a /tunda of a member of a team holding the step (the Tim Penyusunan): his own reminders
# only; {due}: his next one, the step's first after {until}
SNOOZED_OWN = (
    "Pengingat Berkas #{case} untuk Bapak/Ibu ditunda sampai {until}{note}; pengingat "
    "berikutnya bagi Bapak/Ibu mengikuti jadwal langkah ini, yaitu pada {due}. Pengingat "
    "bagi anggota tim lainnya tidak berubah."
)
# ... when the step reminds the team before {until}: he is reminded as his snooze ends
# ({due}: then, or when the office opens, if it ends as the office closes)
SNOOZED_OWN_BACK = (
    "Pengingat Berkas #{case} untuk Bapak/Ibu ditunda sampai {until}{note}; pengingat "
    "berikutnya dikirim kepada Bapak/Ibu pada {due}, saat penundaan tersebut berakhir. "
    "Pengingat bagi anggota tim lainnya tidak berubah."
)
# ... when an earlier /tunda of his ends later ({kept}) than this one ({until}): it stands
# (a /tunda only postpones); {due}: his next reminder, as SNOOZED_OWN or SNOOZED_OWN_BACK
SNOOZED_OWN_ALREADY_LATER = (
    "Pengingat Berkas #{case} untuk Bapak/Ibu telah ditunda sampai {kept} atas permintaan "
    "Bapak/Ibu sebelumnya, lebih lambat daripada batas penundaan yang diminta ({until}); "
    "pengingat berikutnya dikirim kepada Bapak/Ibu pada {due}. Pengingat bagi anggota tim "
    "lainnya tidak berubah."
)
# a /tunda that ends before the next reminder was due anyway (after an upload, a longer
# /tunda, within the norm): a /tunda only postpones, so the reminder comes when it was due
SNOOZE_ALREADY_LATER = (
    "Pengingat Berkas #{case} telah dijadwalkan pada {due}, lebih lambat daripada batas "
    "penundaan yang diminta ({until}); pengingat berikutnya tetap dikirim pada waktu tersebut."
)
# to a team member whose own /tunda holds, when a colleague's upload ({name}) puts the
# step's reminders off past the moment his reply named ({was}): his next is at {due}
REMINDER_PUT_OFF_BY_UPLOAD = (
    "Berkas #{case}: {name} telah mengunggah dokumen pada langkah ini sehingga pengingat "
    "langkah ini diundur. Pengingat berikutnya bagi Bapak/Ibu dikirim pada {due}, bukan pada "
    "{was} sebagaimana disampaikan sebelumnya."
)

# -- reminder digests (more reminders or escalations than a few in one sweep) ----------

DIGEST_REMINDER_HEAD = (
    "⏰ <b>Pengingat</b>: {count} tugas Bapak/Ibu telah melewati norma waktu\n"
    "<i>yang paling lama terlambat lebih dahulu</i>"
)
DIGEST_REMINDER_FOOT = "Mohon berkenan menindaklanjuti melalui daftar tugas (/tugas)."
DIGEST_ESCALATION_HEAD = (
    "📣 <b>Eskalasi</b>: {count} langkah telah melewati norma waktu\n"
    "<i>yang paling lama terlambat lebih dahulu</i>"
)
# above the closing sentence, when some holders listed cannot be written to (``names``):
# they blocked the bot or never pressed Start, so Telegram refused their reminders
DIGEST_ESCALATION_NOT_REACHED = (
    "⚠️ Pengingat tidak dapat disampaikan kepada {names} karena yang bersangkutan belum "
    "membuka bot atau telah memblokirnya; mohon berkenan menghubunginya secara langsung."
)
DIGEST_ESCALATION_FOOT = (
    "Mohon berkenan mengingatkan yang bersangkutan. Rincian setiap langkah dapat dilihat "
    "dengan /terlambat."
)
# one case of a digest: its number and title, then its step and how late it is (``late``:
# DIGEST_LATE, or DIGEST_DUE_NOW when the norm ran out less than a minute ago)
DIGEST_LINE = "• <b>#{case}</b> {title}\n    {sop}{step}: {step_title} · {late}"
DIGEST_LATE = "terlambat {late}"
DIGEST_DUE_NOW = "batas norma waktu tercapai"
DIGEST_ONE_SOP = "SOP {sop}"  # under the heading when every case listed is of one SOP
DIGEST_HOLDERS = " · pelaksana: {holders}"
# ... and under it, of a team's members who put off their own reminders (/tunda), so were
# not sent the one escalated: {each} is ESCALATION_POSTPONED_BY of each, joined by "; "
DIGEST_POSTPONED = "\n    pengingat tidak dikirim kepada {each}, yang telah menunda pengingatnya"
DIGEST_MORE = "… dan {count} lainnya."
# a digest on its way when the role it is about passed on (/alihkan, /cabut, an acting
# period that ended): once it landed, it is edited to leave out what is no longer the
# person's (``count``: how many cases), with a note above its closing sentence ...
DIGEST_REMINDER_LEFT_OUT = (
    "Catatan: {count} tugas lain yang semula tercantum dalam pengingat ini tidak lagi menjadi "
    "tugas Bapak/Ibu."
)
DIGEST_ESCALATION_LEFT_OUT = (
    "Catatan: {count} langkah lain yang semula tercantum dalam eskalasi ini tidak lagi berada "
    "di bawah pengawasan Bapak/Ibu."
)
# ... or, when nothing it listed is theirs any more, to say that it no longer applies
DIGEST_REMINDER_VOID = (
    "⏰ <b>Pengingat</b> ini tidak berlaku lagi karena {count} tugas yang semula tercantum di "
    "dalamnya tidak lagi menjadi tugas Bapak/Ibu. Mohon pesan ini diabaikan."
)
DIGEST_ESCALATION_VOID = (
    "📣 <b>Eskalasi</b> ini tidak berlaku lagi karena {count} langkah yang semula tercantum di "
    "dalamnya tidak lagi berada di bawah pengawasan Bapak/Ibu. Mohon pesan ini diabaikan."
)
# ... as a single escalation ("📣 Eskalasi — Berkas #n") is, once it landed, when the
# superior role it was sent as passed on while it was on its way
ESCALATION_VOID = (
    "📣 <b>Eskalasi</b> ini tidak berlaku lagi karena langkah tersebut tidak lagi berada di "
    "bawah pengawasan Bapak/Ibu. Mohon pesan ini diabaikan."
)

# -- buttons -----------------------------------------------------------------------------

BTN_APPROVE = "✅ Setujui"
BTN_RETURN = "↩️ Kembalikan"
BTN_SUBMIT = "📤 Ajukan"
BTN_FORWARD = "➡️ Teruskan"
BTN_FORWARD_NOTE = "📝 Teruskan dengan catatan"
BTN_SUBMIT_DRAFTS = "📤 Serahkan draf kepada {role}"  # an upload step whose documents are drafts
BTN_SUBMIT_DOCUMENTS = "📤 Serahkan dokumen kepada {role}"  # any other upload step
BTN_SUBMIT_ONWARD = "📤 Lanjut ke langkah berikutnya"  # an upload step on to its own role
# the last step of an SOP that does not end in archiving (an action or upload step)
BTN_FINISH = "✅ Selesaikan"
BTN_FINISH_NOTE = "📝 Selesaikan dengan catatan"  # ... with a note to everyone who took part
# a review or archive step whose holder sends documents of his own (``uploads``); the
# second also asks an upload step's holder for what is missing (``button``: its button)
OWN_UPLOADS = "Dokumen yang Bapak/Ibu lampirkan pada langkah ini:"
OWN_UPLOADS_MISSING = (
    "Silakan mengirim dokumen yang belum ada sebagai <b>file</b> di obrolan ini. "
    "Tombol {button} tersedia setelah dokumen wajib lengkap."
)
BTN_TEAM_DONE = "✅ Tetapkan tim dan teruskan"
BTN_ARCHIVE = "🗄 Arsipkan"
BTN_WITHDRAW = "⏪ Tarik kembali"
BTN_CANCEL = "✖️ Batal"
BTN_SEND_UPLOADS = "📥 Terima dokumen"  # the official receives; "mengirim" is what they do
BTN_TASK_LIST = "📋 Buka daftar tugas"  # a reminder digest: the /tugas list

# -- callback answers (at most 200 characters) -------------------------------------------

ANS_ALREADY_HANDLED = "Sudah diproses. Langkah ini telah ditindaklanjuti sebelumnya."
ANS_NOT_YOURS = "Mohon maaf, langkah ini bukan tugas Bapak/Ibu."
ANS_UNKNOWN_BUTTON = "Mohon maaf, tombol ini tidak dikenali."
ANS_DONE = "Terima kasih, sudah dicatat."
ANS_NO_MEMBERS = "Pilih sekurang-kurangnya satu anggota tim."
ANS_WITHDRAWN = "Berkas ditarik kembali; tugasnya kembali kepada Bapak/Ibu."
ANS_TASK_OPENED = "Tugas dikirim ke obrolan ini."
ANS_UPLOADS_SENT = "Dokumen dikirimkan ke obrolan ini."
ANS_UPLOADS_HELD = "Versi terakhir dokumen tersebut sudah ada di obrolan ini."
# a page button of a /tugas or /terlambat list too old for the bot to edit it
# (InaccessibleMessage)
ANS_LIST_OLD = (
    "Mohon maaf, daftar tersebut sudah terlalu lama untuk diperbarui; daftar terbaru kami "
    "kirimkan sebagai pesan baru."
)
ANS_DUPLICATE = "Dokumen itu sama dengan versi terakhirnya; tidak dicatat ulang."
ANS_SAME_AS_OTHER = "Dokumen itu sama persis dengan {doc} yang telah dicatat; tidak dicatat."
# a task's button pressed before the person's profile is complete: nothing was recorded
ANS_PROFILE_FIRST = (
    "Mohon maaf, data Bapak/Ibu (nama, NIP, dan jabatan) belum lengkap. Mohon dilengkapi "
    "terlebih dahulu melalui pertanyaan di obrolan ini; setelah itu tombol ini dapat ditekan "
    "kembali."
)

# an administrator's /ubah_arsip, to the archivist who filed the case
ARCHIVE_CORRECTED_NOTICE = (
    "Berkas #{case} ({title}): nomor arsipnya telah diubah oleh administrator dari "
    "<code>{old}</code> menjadi <code>{new}</code>.\nAlasan: {reason}\n\nDokumentasi dan "
    "arsip dokumentasinya dengan nomor yang benar kami kirimkan berikut ini; mohon "
    "Bapak/Ibu menggantikan yang sebelumnya."
)

# -- domain refusals ---------------------------------------------------------------------

REFUSALS = {
    "stale": (
        "Sudah diproses: berkas telah berpindah ke langkah lain sebelum perintah Bapak/Ibu "
        "diterima."
    ),
    "not_holder": ANS_NOT_YOURS,
    "wrong_kind": "Mohon maaf, tindakan tersebut tidak sesuai dengan langkah saat ini.",
    "missing_inputs": "Dokumen belum lengkap. Yang masih diperlukan: {missing}.",
    "reason_required": "Alasan wajib diisi. Silakan menuliskan alasannya.",
    "archive_reference": (
        "Nomor arsip belum sesuai: mohon tuliskan nomor arsip lengkap dalam satu baris "
        "(3 sampai 100 karakter, memuat angka), misalnya ARS/PK/2027/001."
    ),
    "archive_reference_used": (
        "Nomor arsip {reference} telah digunakan untuk Berkas #{case}. Mohon periksa kembali "
        "dan tuliskan nomor arsip berkas ini."
    ),
    "not_archived": (
        "Mohon maaf, nomor arsip hanya dapat diubah untuk berkas yang telah diarsipkan."
    ),
    "archive_reference_same": (
        "Berkas ini sudah tercatat dengan nomor arsip {reference}; tidak ada yang diubah."
    ),
    "too_long": "Teks terlalu panjang (paling banyak {limit} karakter). Silakan mempersingkatnya.",
    "closed": "Berkas ini sudah ditutup; tidak ada tindakan lagi yang dapat dilakukan.",
    "not_allowed": "Mohon maaf, tindakan tersebut tidak dapat dilakukan.",
    # /tarik, or a Tarik kembali button, when the next holder has acted already (also a
    # button's alert: at most 200 characters)
    "nothing_to_withdraw": (
        "Mohon maaf, berkas ini tidak dapat ditarik kembali: penarikan hanya berlaku untuk "
        "tindakan terakhir Bapak/Ibu selama pelaksana langkah berikutnya belum "
        "menindaklanjutinya."
    ),
    "role_gone": (
        "Mohon maaf, Bapak/Ibu tidak lagi memegang peran {role}; langkah yang diputuskan "
        "dalam peran tersebut tidak dapat Bapak/Ibu tarik kembali."
    ),
    "invalid": "Mohon maaf, isian tersebut tidak valid.",
    "refused": "Mohon maaf, permintaan tersebut tidak dapat diproses.",
    "definitive_only": (
        "Mohon maaf, langkah ini harus diputuskan oleh pejabat definitif; Plh/Plt tidak "
        "berwenang memutuskannya (UU No. 30 Tahun 2014 Pasal 14 ayat (7))."
    ),
    # shown as a button's alert: at most 200 characters (answerCallbackQuery)
    "four_eyes": (
        "Mohon maaf, Bapak/Ibu telah menyusun atau mengajukan dokumen berkas ini, atau "
        "memeriksanya di tingkat lain; satu orang tidak boleh memeriksa usulannya sendiri "
        "atau memutuskan dua tingkat pemeriksaan."
    ),
    "profile_incomplete": (
        "Mohon maaf, data Bapak/Ibu (nama, NIP, dan jabatan) belum lengkap, sedangkan data "
        "tersebut dicantumkan pada riwayat berkas dan dokumennya. Mohon dilengkapi terlebih "
        "dahulu melalui /saya."
    ),
}

# a typed command on a case already closed (an administrator's /batalkan of a case
# cancelled before): named, as a typed command's answer does not stand under its task
CASE_CLOSED_NAMED = "Berkas #{case} sudah ditutup; tidak ada tindakan lagi yang dapat dilakukan."
# /tarik typed (not a button: its task message names the case), when the case cannot be
# taken back: the next holder acted, or the case is closed
WITHDRAW_NOTHING = (
    "Mohon maaf, Berkas #{case} tidak dapat ditarik kembali: penarikan hanya berlaku untuk "
    "tindakan terakhir Bapak/Ibu selama pelaksana langkah berikutnya belum "
    "menindaklanjutinya."
)
WITHDRAW_CLOSED = "Berkas #{case} sudah ditutup; tidak ada tindakan yang dapat ditarik kembali."

# -- dialogues ---------------------------------------------------------------------------

ASK_TITLE = (
    "Pengajuan berkas baru: <i>{sop}</i>.\n\nSilakan menuliskan <b>judul</b> kegiatan, "
    "misalnya:\n<i>{example}</i>\n\nKetik /batal untuk membatalkan."
)
TITLE_EXAMPLE = "{sop} Tahun {year}"  # ASK_TITLE's {example}
NEW_CASE_WHICH_SOP = (
    "Bapak/Ibu dapat mengajukan berkas untuk beberapa SOP. Mohon pilih SOP-nya:\n{choices}"
)
# /laporan without a code, in a service that runs several SOPs
REPORT_WHICH_SOP = (
    "Bapak/Ibu dapat meminta laporan evaluasi penerapan beberapa SOP. Mohon sebutkan kode "
    "SOP-nya:\n{choices}"
)
REFUSED_REPORTS = (
    "Mohon maaf, laporan evaluasi penerapan SOP hanya dapat diminta oleh pejabat berikut:\n{lines}"
)
REPORT_WHO_LINE = "• <i>{sop}</i>: {who}"
REPORT_WHO_ADMIN = "administrator"  # the last of the {who} who may ask for a report
REPORT_CHOICE = "• <code>{command}</code> — {sop}"  # a line of REPORT_WHICH_SOP's {choices}
# {year}, {month}, {month_name}: parsing.report_examples, periods that can be typed as shown
USAGE_REPORT = (
    "Penggunaan: <code>/laporan [periode]</code>, misalnya <code>/laporan</code> (tahun ini), "
    "<code>/laporan {year}</code>, <code>/laporan {month}-{year}</code>, "
    "<code>/laporan {month_name} {year}</code>, atau <code>/laporan 30h</code> (30 hari terakhir). "
    "Bila layanan menjalankan beberapa SOP: <code>/laporan &lt;kode SOP&gt; [periode]</code> "
    "(tanpa kode: SOP yang laporannya dapat Bapak/Ibu minta)."
)
REFUSED_REPORT = (
    "Mohon maaf, laporan evaluasi penerapan SOP <i>{sop}</i> hanya dapat diminta oleh {who}."
)
FUTURE_REPORT = "Mohon maaf, periode {period} belum dimulai."
# the report's summary in the chat (bot.services.reports: the chart's caption, when it fits)
REPORT_SUMMARY_HEAD = "<b>Laporan Evaluasi Penerapan SOP</b> — {period}"
# after the heading, of a period not over when the report is made: the day it counts up to
REPORT_SO_FAR = " (s.d. {day})"
REPORT_SUMMARY_SOP = "<i>{sop}</i>"
REPORT_SUMMARY_CASES = (
    "Berkas: {cases} · selesai {archived} · berjalan {running} · dibatalkan {cancelled}"
)
# {not_counted}: REPORT_SUMMARY_NOT_COUNTED, or ""
REPORT_SUMMARY_VISITS = "Pelaksanaan langkah: {visits} · dikembalikan: {returns}{not_counted}"
REPORT_SUMMARY_NOT_COUNTED = " · tidak dihitung: {stays}"  # {stays}: the two below, ", " between
REPORT_SUMMARY_WITHDRAWN = "{count} ditarik kembali"
REPORT_SUMMARY_CANCELLED = "{count} dibatalkan"
REPORT_SUMMARY_OVERDUE = "Melewati norma saat ini: {count} berkas (semua langkah SOP ini)"
REPORT_SUMMARY_SLOW = "Langkah dengan median di atas norma: {steps}"  # ", " between steps
REPORT_SUMMARY_SLOW_STEP = "langkah {step} (median {median}; norma {norm})"
REPORT_SUMMARY_RETURNED_TOP = (
    "↩️ Tiga langkah yang paling sering dikembalikan (dari {count} langkah):"
)
REPORT_SUMMARY_RETURNED = "↩️ Langkah yang dikembalikan:"
# {reason}: REPORT_SUMMARY_RETURN_REASON, or ""
REPORT_SUMMARY_RETURN = "• Langkah {step} dikembalikan {count} kali{reason}"
REPORT_SUMMARY_RETURN_REASON = "; alasan terbanyak: {reason}"
REPORT_PAPER_CAPTION = "Laporan Evaluasi Penerapan SOP — {period}, untuk diarsipkan."
REPORT_PAPER_NOT_SENT = "Mohon maaf, dokumen laporan tidak dapat dikirim. Silakan mencoba kembali."
# /laporan whose paper the office's laporan.docx cannot fill: the summary and the chart went
# out; to the one who asked, and to the administrators
REPORT_PAPER_FAILED = (
    "Mohon maaf, dokumen laporan (.docx) belum dapat dibuat karena templatnya perlu "
    "diperbaiki. {told}"
)
REPORT_PAPER_FAILED_TOLD = (
    "Administrator telah diberi tahu; silakan meminta laporan ini kembali setelah templat "
    "diperbaiki."
)
REPORT_PAPER_FAILED_NO_ADMIN = "Mohon sampaikan hal ini kepada pengelola bot."
REPORT_TEMPLATE_FAILED = (
    "⚠️ Dokumen <b>Laporan Evaluasi Penerapan SOP</b> <i>{sop}</i> periode {period} yang "
    "diminta {who} tidak dapat dibuat dari templatnya:\n<code>{problem}</code>\n{advice}"
    "Ringkasan dan grafiknya telah dikirim tanpa dokumen tersebut. Mohon perbaiki templat dan "
    "periksa dengan <code>sopbot check</code>."
)
# ... after the first, once a window (bot.alerts.ALERT_EVERY) for the same problem, with how
# many requests failed the same way meanwhile without a word to the administrators
REPORT_TEMPLATE_FAILED_AGAIN = (
    "\n\nSejak pemberitahuan sebelumnya, permintaan laporan telah {count} kali gagal dengan "
    "masalah yang sama."
)
NEW_CASE_UNKNOWN_SOP = (
    "Mohon maaf, tidak ada SOP dengan kode <b>{code}</b>. SOP yang tersedia:\n{choices}"
)
BAD_TITLE = (
    "Judul harus satu baris yang memuat huruf atau angka, paling banyak {limit} karakter, "
    "tanpa karakter kendali (misalnya penanda arah teks). Silakan menuliskan kembali "
    "judul kegiatan."
)
# a title of only a number or a year ({typed}); {example}: TITLE_EXAMPLE; {Label}: the
# SOP's year label ("Tahun Anggaran"), asked after the title
TITLE_IS_A_NUMBER = (
    "Mohon maaf, <b>{typed}</b> belum dapat kami catat sebagai judul karena judul perlu "
    "memuat nama kegiatan, bukan hanya angka atau tahun. Silakan menuliskan judul kegiatan, "
    "misalnya:\n<i>{example}</i>\n\n{Label} akan kami tanyakan sesudah judul."
)
ASK_YEAR_AFTER_TITLE = (
    "Pengajuan berkas baru.\n\nJudul: <b>{title}</b>\n\nSilakan menuliskan "
    "<b>{label}</b> (misalnya {year}).\n\nKetik /batal untuk membatalkan."
)
# an update that asked a question came again after the bot stopped: asked once more
ASKED_AGAIN = (
    "Mohon maaf, layanan sempat terhenti. Kami masih menunggu jawaban Bapak/Ibu.\n\n{question}"
)
NEW_CASE_CANCELLED = "Pengajuan berkas baru dibatalkan; tidak ada berkas yang dibuat."
# a /baru whose SOP the office stopped running (its code changed, its file left the config)
# before it was answered: ended, with what was typed quoted back
NEW_CASE_SOP_GONE = (
    "Mohon maaf, SOP dengan kode <b>{code}</b> tidak lagi dijalankan sehingga pengajuan "
    "berkas baru ini tidak dapat kami lanjutkan; tidak ada berkas yang dibuat.\n\n"
    "Judul yang Bapak/Ibu tuliskan:\n<i>{title}</i>\n\n{again}"
)
NEW_CASE_AGAIN = "Untuk mengajukan kembali, silakan ketik:\n{choices}"
NEW_CASE_NONE_OPEN = (
    "Saat ini tidak ada SOP yang dapat Bapak/Ibu ajukan; mohon menghubungi administrator."
)
YEAR_OUT_OF_RANGE = (
    "{Label} {year} berada di luar rentang {first}–{last}. Mohon periksa kembali "
    "dan tuliskan {label} yang dimaksud, misalnya {example}."
)
BAD_YEAR = "{Label} harus berupa angka tahun antara {first} dan {last}, misalnya {year}."
# Asked on the task message itself (no new message); the answer is the next text typed.
ASK_RETURN_REASON = (
    "✍️ <b>Alasan pengembalian</b>: silakan <b>ketik</b> alasannya di obrolan ini "
    "(wajib diisi), atau tekan Batal."
)
# a message typed while a question waits for a button (a file's type, a team's members)
PRESS_FILE_TYPE = (
    "Mohon pilih jenis dokumen dengan tombol pada pesan sebelumnya, atau ketik /batal."
)
PRESS_TEAM_MEMBERS = (
    "Mohon pilih anggota tim dengan tombol pada pesan sebelumnya, atau ketik /batal."
)
ASK_NOTE = (
    "✍️ <b>Catatan</b>: silakan <b>ketik</b> catatan yang akan disampaikan kepada pelaksana "
    "langkah berikutnya, atau tekan Batal."
)
# the note of the last step of an SOP that does not end in archiving (BTN_FINISH_NOTE)
ASK_FINISH_NOTE = (
    "✍️ <b>Catatan penyelesaian</b>: silakan <b>ketik</b> catatan yang akan disampaikan "
    "kepada seluruh pejabat yang terlibat dalam berkas ini bersamaan dengan pemberitahuan "
    "bahwa berkas telah selesai, atau tekan Batal."
)
ASK_ARCHIVE_REFERENCE = (
    "✍️ <b>Nomor arsip</b>: silakan <b>ketik</b> nomor/kode arsip dokumen (misalnya "
    "<i>ARS/PK/2027/001</i>), atau tekan Batal."
)
# the task message once the question asked on it lapsed (the case moved on or was
# cancelled, the task went to someone else): a notice that says why follows
QUESTION_LAPSED_TEXT = "⌛ Isian yang diminta pada pesan ini tidak berlaku lagi."
QUESTION_LAPSED = f"<i>{QUESTION_LAPSED_TEXT}</i>"
# an earlier copy of a task, once the task was sent again (a reminder, opened from /tugas):
# its buttons go, and it points to the copy that has them
# (``head``: the copy's reminder line, "⏰ Pengingat ke-2", with its line break, or "")
TASK_SENT_AGAIN = (
    "{head}<b>Berkas #{case}</b> — {title}\n\n"
    "⬇️ Tugas ini telah dikirim ulang di bawah; silakan gunakan pesan terbaru."
)
ANS_TYPE_REASON = "Silakan ketik alasan pengembalian."
ANS_TYPE_NOTE = "Silakan ketik catatannya."
ANS_TYPE_ARCHIVE = "Silakan ketik nomor arsipnya."
ANS_TYPE_TITLE = "Silakan ketik judul berkasnya."
ANS_TYPE_YEAR = "Silakan ketik {label} yang dimaksud."  # {label}: the SOP's year_label
ANS_TYPE_NAME = "Silakan ketik nama lengkap Bapak/Ibu beserta gelar."
ANS_TYPE_NIP = "Silakan ketik NIP Bapak/Ibu."
ANS_TYPE_POSITION = "Silakan ketik jabatan Bapak/Ibu."
# a message of the bot's own, forwarded back while a question is asked: not an answer
# (``ask``: the ANS_TYPE_* of the question; ``cancel``: FORWARDED_MAY_CANCEL, or "" while a
# newcomer registers, whom /batal would leave with no name)
FORWARDED_FROM_BOT = (
    "Mohon maaf, pesan yang Bapak/Ibu teruskan berasal dari bot ini sendiri sehingga tidak "
    "kami gunakan sebagai jawaban. {ask} Pertanyaannya masih berlaku{cancel}."
)
FORWARDED_MAY_CANCEL = " (ketik /batal untuk membatalkan)"
# a reaction (a 👍) on a task that waits for the person's decision: it decides nothing
REACTION_NOT_A_DECISION = (
    "Mohon maaf, reaksi (emoji) pada pesan tugas tidak kami catat sebagai keputusan. Untuk "
    "menyampaikan keputusan, silakan menekan tombol pada pesan tugas tersebut."
)
# a voice note, a sticker, a photo, a location... sent while a question waits for typed
# text: not an answer (``ask`` and ``cancel`` as for FORWARDED_FROM_BOT)
NOT_TYPED = (
    "Mohon maaf, pesan tersebut tidak dapat kami gunakan sebagai jawaban karena jawabannya "
    "perlu diketik. {ask} Pertanyaannya masih berlaku{cancel}."
)
ASK_NAME = "Silakan menuliskan <b>nama lengkap</b> Bapak/Ibu beserta gelar."
ASK_NIP = "Silakan menuliskan <b>NIP</b> Bapak/Ibu (18 digit). Ketik <code>-</code> bila tidak ada."
BAD_NIP = "NIP terdiri atas 18 digit angka. Silakan menuliskan kembali, atau ketik <code>-</code> bila tidak ada."
# a NIP refused: how many digits were found, or what else it held besides its 18 digits
BAD_NIP_DIGITS = (
    "Mohon maaf, NIP yang Bapak/Ibu tuliskan memuat {digits} digit angka, sedangkan NIP terdiri "
    "atas 18 digit angka. Silakan menuliskan kembali, atau ketik <code>-</code> bila tidak ada."
)
BAD_NIP_CHARACTERS = (
    "Mohon maaf, NIP hanya memuat angka; spasi, titik, atau tanda hubung di antara kelompok "
    "angkanya diperbolehkan. Silakan menuliskan kembali, atau ketik <code>-</code> bila tidak ada."
)
ASK_POSITION = "Silakan menuliskan <b>jabatan</b> Bapak/Ibu."
# a name or position refused: why, before the question again ({what}: "nama" or "jabatan")
PROFILE_ONE_LINE = (
    "Mohon maaf, {what} Bapak/Ibu perlu dituliskan dalam satu baris, tanpa pindah baris."
)
PROFILE_TOO_LONG = (
    "Mohon maaf, {what} Bapak/Ibu paling banyak {limit} karakter, sedangkan yang Bapak/Ibu "
    "tuliskan {length} karakter. Mohon dituliskan lebih ringkas."
)
# a name or position with no letter or digit (emoji, punctuation, invisible characters only)
PROFILE_NO_LETTERS = (
    "Mohon maaf, {what} Bapak/Ibu perlu dituliskan dengan huruf; emoji, tanda baca, atau "
    "karakter yang tidak tampak saja belum dapat kami catat."
)
# a name or position holding a control character or a bidirectional mark (U+202E)
PROFILE_CONTROL_CHARACTERS = (
    "Mohon maaf, {what} Bapak/Ibu memuat karakter kendali (misalnya penanda arah teks) yang "
    "dapat mengubah urutan tampilan tulisannya. Mohon dituliskan kembali tanpa karakter "
    "tersebut."
)
# a name or position of digits only (a NIP typed where the name is asked): not recorded
# ({typed}: as typed, escaped; {after}: PROFILE_NIP_AFTER_NAME for a name, else "")
PROFILE_IS_A_NUMBER = (
    "Mohon maaf, <b>{typed}</b> belum dapat kami catat sebagai {what} Bapak/Ibu karena "
    "{what} perlu dituliskan dengan huruf, bukan hanya angka.{after}"
)
PROFILE_NIP_AFTER_NAME = " NIP akan kami tanyakan sesudah nama."
PROFILE_DONE = "Terima kasih, data Bapak/Ibu telah tersimpan.\n\n{summary}"
# an act (a decision, a file, a new case) before the profile is complete: it waits, and the
# profile's question follows ({question}: the one pending, or the name asked again)
PROFILE_FIRST = (
    "Mohon maaf, data Bapak/Ibu belum lengkap. Nama, NIP, dan jabatan Bapak/Ibu dicantumkan "
    "pada riwayat berkas serta pada surat dan dokumen yang Bapak/Ibu tanda tangani sehingga "
    "perlu dilengkapi terlebih dahulu. Setelah itu, silakan mengulangi tindakan tersebut; "
    "tugas Bapak/Ibu tetap menunggu.\n\n{question}"
)
# correcting one's data (/saya's button, or an administrator's /ubah_data): the answers are
# kept together and written at the end; /batal leaves the data as it was
BTN_FIX_PROFILE = "✏️ Perbaiki data"
FIX_ASKED = (
    "🔧 Administrator meminta Bapak/Ibu memeriksa dan, bila perlu, memperbaiki data diri "
    "(nama, NIP, dan jabatan) yang tercantum pada surat dan dokumen. Silakan menekan tombol "
    "di bawah ini."
)
FIX_START = (
    "Perbaikan data. Nama, NIP, dan jabatan akan ditanyakan satu per satu; data lama tetap "
    "berlaku sampai pertanyaan terakhir dijawab (ketik /batal untuk membatalkan). Surat dan "
    "dokumen yang telah dibuat tidak berubah.\n\n{question}"
)
FIX_NOW = "\nSaat ini: <b>{value}</b>"  # after a question: what is kept now
PROFILE_FIXED = "Terima kasih, data Bapak/Ibu telah diperbarui.\n\n{summary}"
FIX_CANCELLED = "Perbaikan data dibatalkan; data Bapak/Ibu tetap seperti semula."
# to the administrator who asked (/ubah_data) once the person has answered
FIX_DONE_ADMIN = "✏️ {who} telah memperbarui datanya.\n{changes}"
FIX_UNCHANGED = "Tidak ada perubahan."
FIX_CHANGE = "{label}: {old} → <b>{new}</b>"  # a line of FIX_DONE_ADMIN's {changes}
FIX_LABELS = {"name": "Nama", "nip": "NIP", "position": "Jabatan"}  # FIX_CHANGE's {label}
DIALOGUE_CANCELLED = "Isian telah dibatalkan."
NOTHING_TO_CANCEL = "Tidak ada isian yang sedang menunggu."

# a /tugas line of a step four eyes keep from the person who holds its role
TASK_FOUR_EYES = (
    "⛔ <i>Bapak/Ibu tidak dapat memutuskan langkah ini karena telah menyusun atau mengajukan "
    "dokumen yang diperiksa, atau memeriksa tingkat lain; berkas menunggu Plh/Plt yang ditunjuk administrator.</i>"
)
# to the administrators: a step no one may decide, and what lets it go on
_FOUR_EYES_WAIT = (
    "⚠️ {heading}\n\n{step}\nTidak ada pejabat yang dapat memutuskan langkah ini: {names} telah "
    "menyusun atau mengajukan dokumen yang diperiksa, atau memeriksa tingkat lain pada "
    "berkas ini, sedangkan satu orang tidak "
    "boleh memeriksa usulannya sendiri atau memutuskan dua tingkat pemeriksaan pada berkas yang "
    "sama. Berkas menunggu "
    "sampai Bapak/Ibu berkenan "
)
NO_ONE_MAY_DECIDE = (
    _FOUR_EYES_WAIT + "menetapkan Plh/Plt {role}, misalnya:\n"
    "<code>/plh {role_id} &lt;id Telegram&gt; &lt;sampai tanggal&gt; &lt;alasan&gt;</code>"
)
NO_ONE_MAY_DECIDE_ACTING = (
    _FOUR_EYES_WAIT + "mengakhiri penetapan Plh/Plt {role} yang berlaku "
    "(<code>/akhiri_plh {role_id}</code>) dan menetapkan pejabat lain dengan <code>/plh</code>."
)
WAITS_FOR_DEFINITIVE = (
    "⚠️ {heading}\n\n{step}\nLangkah ini hanya dapat diputuskan oleh pejabat definitif {role}, "
    "sedangkan peran tersebut belum dipegang siapa pun. Berkas menunggu sampai Bapak/Ibu "
    "berkenan mengundang pejabat definitifnya: <code>/undang {role_id}</code>."
)
# ... more than effects.LISTED_ABOVE such cases at once (a role passed on, an acting period
# over): one notice lists them (Renderer._undecided_list: UNDECIDED_LIST, an UNDECIDED_GROUP*
# for what lets some go on and a TASK_LIST_LINE each, the reasons that apply and the foot)
UNDECIDED_LIST = (
    "⚠️ Sebanyak {count} berkas menunggu pada langkah yang saat ini tidak dapat diputuskan "
    "oleh pejabat mana pun."
)
UNDECIDED_GROUP = (
    "Tidak dapat diputuskan oleh {names}; menunggu penetapan Plh/Plt {role} "
    "(<code>/plh {role_id}</code>):"
)
UNDECIDED_GROUP_ACTING = (
    "Tidak dapat diputuskan oleh {names}; menunggu diakhirinya penetapan Plh/Plt {role} "
    "yang berlaku (<code>/akhiri_plh {role_id}</code>):"
)
UNDECIDED_GROUP_DEFINITIVE = (
    "Hanya dapat diputuskan oleh pejabat definitif {role}, sedangkan peran tersebut belum "
    "dipegang siapa pun (<code>/undang {role_id}</code>):"
)
UNDECIDED_LIST_FOUR_EYES = (
    "Satu orang tidak boleh memeriksa usulannya sendiri atau memutuskan dua tingkat "
    "pemeriksaan pada berkas yang sama."
)
UNDECIDED_LIST_DEFINITIVE = (
    "Langkah strategis hanya dapat diputuskan oleh pejabat definitif (UU No. 30 Tahun 2014 "
    "Pasal 14 ayat (7))."
)
UNDECIDED_LIST_FOOT = (
    "Berkas-berkas tersebut menunggu sampai Bapak/Ibu berkenan menindaklanjutinya dengan "
    "perintah yang tercantum di atas."
)
# ... when a line asks for a Plh/Plt: the command in full, once
UNDECIDED_LIST_PLH = (
    "Penetapan Plh/Plt: <code>/plh &lt;peran&gt; &lt;id Telegram&gt; &lt;sampai tanggal&gt; "
    "&lt;alasan&gt;</code>"
)
# ... those of them someone may decide by the time the notice is sent (or closed meanwhile)
UNDECIDED_LIST_GONE = (
    "Catatan: {count} berkas lain telah dapat diputuskan atau tidak lagi menunggu."
)
# to the administrators: a case moved to a step nobody holds, and what lets it go on
UNHELD_ROLE = (
    "⚠️ {heading}\n\n{step}\nBerkas ini menunggu pada langkah tersebut, sedangkan peran "
    "{role} belum dipegang siapa pun sehingga tugasnya belum diterima oleh siapa pun. Berkas "
    "menunggu sampai Bapak/Ibu berkenan mengundang pemegang perannya: "
    "<code>/undang {role_id}</code>."
)
# (``names``: UNHELD_TEAM_MEMBER each, "; " between; ``old``: the one member's ID)
UNHELD_TEAM = (
    "⚠️ {heading}\n\n{step}\nBerkas ini menunggu pada langkah tersebut, sedangkan tidak ada "
    "lagi anggota timnya yang memegang peran {role} (anggota tim: {names}); pemegang peran "
    "lainnya tidak menerima tugas tersebut karena tim ditetapkan untuk masing-masing berkas. "
    "Berkas menunggu sampai Bapak/Ibu berkenan mengalihkan tempat anggota tim kepada pegawai "
    "lain (peran {role} ikut dialihkan kepadanya) dengan "
    "<code>/alihkan {role_id} {old} &lt;id Telegram baru&gt;</code>."
)
UNHELD_TEAM_MEMBER = "{name}, ID {person}"  # a member as UNHELD_TEAM names them
UNHELD_TEAM_OLD = "&lt;id anggota lama&gt;"  # its command's {old} when the team has several
# the mover's confirmation, when the step the case moved to has no one who holds it (its
# role has no holder, or its team no member who holds it now); ``step``: "Langkah 12", the
# step moved to (the confirmation is headed with the one the mover left)
MOVED_TO_NO_ONE = (
    "{step} saat ini belum memiliki pelaksana; berkas menunggu pada langkah tersebut dan "
    "administrator telah diberi tahu."
)
# to the administrators: a task Telegram refused because its holder cannot be written to
TASK_UNDELIVERABLE = (
    "⚠️ Tugas Berkas #{case} belum dapat disampaikan kepada {who}: yang "
    "bersangkutan belum membuka bot (menekan Start) atau telah memblokirnya. Tugas ini, "
    "beserta tugas berikutnya untuknya, akan terkirim begitu ia menekan Start; mohon "
    "menghubungi yang bersangkutan."
)
# ... when Telegram answers that the holder's account was deleted ("user is deactivated"):
# it will never press Start; the role passes on with /alihkan (``role_id``, ``person``: the
# command's role and old holder, the placeholders when the case's role is not known)
TASK_UNDELIVERABLE_DELETED = (
    "⚠️ Tugas Berkas #{case} tidak dapat disampaikan kepada {who}: akun Telegram yang "
    "bersangkutan telah dihapus sehingga tugas ini tidak akan pernah sampai kepadanya. "
    "Mohon Bapak/Ibu berkenan mengalihkan perannya kepada pegawai lain (tugas yang sedang "
    "berjalan ikut dialihkan) dengan "
    "<code>/alihkan {role_id} {person} &lt;id Telegram baru&gt;</code>."
)
TASK_UNDELIVERABLE_ROLE = "<peran>"  # its {role_id} when the role is not known (escaped)

# an escalation about a step whose holder(s) the bot cannot write to (``names``): they
# blocked it or never pressed Start, so Telegram refused the reminders; the superior is
# asked to reach them another way (``_PLH``: where a Plh may stand in)
ESCALATION_NOT_REACHED = (
    "Pengingat tidak dapat disampaikan kepada {names} karena yang bersangkutan belum membuka "
    "bot (menekan Start) atau telah memblokirnya."
)
ESCALATION_ASK_UNREACHED = (
    "Mohon berkenan menghubungi yang bersangkutan secara langsung agar membuka bot "
    "(menekan Start, atau membuka blokirnya)."
)
ESCALATION_ASK_UNREACHED_PLH = (
    "Mohon berkenan menghubungi yang bersangkutan secara langsung agar membuka bot "
    "(menekan Start, atau membuka blokirnya) atau, bila berhalangan, meminta administrator "
    "menetapkan Plh."
)

# /status of a case whose step waits for holder(s) the bot cannot write to (``names``):
# not started, blocked, or an account deleted (not recorded, so the text holds for all)
STATUS_UNREACHABLE = (
    "⚠️ Tugas belum dapat disampaikan kepada {names}: Telegram menolak pesan kepadanya "
    "(belum menekan Start, memblokir bot, atau akunnya telah dihapus). Tugas dan pengingat "
    "tertahan; bila akunnya telah dihapus, administrator perlu mengalihkan perannya "
    "(/alihkan)."
)

# -- the task message and the case's record (bot.views) ------------------------------------

CASE_HEADING_SOP = " · SOP {sop}"  # after the year, when the title does not name the SOP
YEAR_SHORT_BUDGET = "TA"  # a list line's label of a budget year ("TA 2027")
AND = " dan "  # between the two things a list names
LIST_LAST = "{items}, dan {last}"  # the last of a list of three or more (EYD)
BY_ACTING = "{name} selaku {title}"  # a decision taken by an acting official
FOUR_EYES_DID_AT = "{did} pada langkah {step} selaku {role}"  # FOUR_EYES_DID, where and as what
# a document's line in a task's checklist ({optional}: CHECKLIST_OPTIONAL or "")
CHECKLIST_ATTACHED = "✅ {doc}: {name} (versi {version})"
CHECKLIST_OPTIONAL = " (tidak wajib)"
# a task's first line: an intro instead of what is asked ({where}: TASK_WHERE) ...
TASK_INTROS = {
    "created": "🆕 Berkas #{case} telah dibuat. Silakan melengkapi dokumennya.",
    "withdrawn": "⏪ <b>Ditarik kembali</b>, menunggu tindakan Bapak/Ibu · {where}",
}
TASK_WHERE = "{step} · Berkas #{case}"  # {step}: "Langkah 8 dari 12"
TASK_REMINDER_HEADLINE = "⏰ <b>Pengingat ke-{n}</b> · {asked} · {where}"
TASK_HOLDER = "Pelaksana: {role} · {due}"  # {due}: DUE_LINE
DUE_LINE = "Norma waktu: {norm}"
DUE_BY = " (paling lambat {day} pukul {time})"
TASK_RETURNED_BY = "↩️ <b>Dikembalikan untuk diperbaiki</b> oleh {by} pada {when}."
TASK_RETURN_REASON = "Alasan: <blockquote>{reason}</blockquote>"
TASK_NOTE_FROM = "📝 Catatan dari {by}:"  # the note follows, quoted
TASK_DOCS_REVIEWED = "Dokumen yang diperiksa:"
TASK_DOCS_NEEDED = "Kelengkapan:"
TASK_DOCS_FINAL = "Dokumen final untuk didokumentasikan:"
# what a review step's buttons do: {approve}, {give_back} the buttons' words; {onward},
# {forward}: REVIEW_ONWARD/REVIEW_FORWARD (or their _SELF, when the case goes on to the
# reviewer's own next step), or ""
REVIEW_ONWARD = " berkas diteruskan kepada {holder}"
REVIEW_FORWARD = " dan meneruskan berkas kepada {holder}"
REVIEW_ONWARD_SELF = " berkas dilanjutkan ke langkah berikutnya"
REVIEW_FORWARD_SELF = " dan melanjutkan ke langkah berikutnya"
# ... a review step that is the last step of an SOP that does not end in archiving
REVIEW_ONWARD_END = " berkas dinyatakan selesai, lalu Dokumentasinya dikirimkan kepada Bapak/Ibu"
REVIEW_FORWARD_END = (
    " sehingga berkas dinyatakan selesai dan Dokumentasinya dikirimkan kepada Bapak/Ibu"
)
REVIEW_PARAF = (
    "Dengan menekan {approve}, Bapak/Ibu dicatat telah memberi paraf pada dokumen tersebut{then}."
)
REVIEW_PARAF_THEN = " dan{onward}"  # REVIEW_PARAF's {then}
REVIEW_SIGNATURE = (
    "Dengan menekan {approve}, Bapak/Ibu dicatat telah menyetujui serta menandatangani "
    "{docs}{then}."
)
REVIEW_SIGNATURE_THEN = "; kemudian{onward}"  # REVIEW_SIGNATURE's {then}
REVIEW_SIGNED_DEFAULT = "dokumen tersebut"  # REVIEW_SIGNATURE's {docs} when none is named
REVIEW_APPROVE = "Silakan menekan {approve} untuk memberikan persetujuan{forward}."
REVIEW_ASK = "Mohon berkenan memeriksa dokumen tersebut."
REVIEW_ASK_AGAIN = (
    "Setelah catatan di atas ditindaklanjuti, Bapak/Ibu dapat menyetujui kembali berkas ini."
)
REVIEW_RETURN = "Bila perlu perbaikan, silakan menekan {give_back} dan menuliskan alasannya."
REVIEW_RETURN_TO = (
    "Bila perlu perbaikan, silakan menekan {give_back} dan menuliskan alasannya; berkas "
    "dikembalikan kepada {back}."
)
REVIEW_RETURN_FURTHER = (
    "Bila perbaikan perlu dilakukan oleh {back}, silakan menekan {give_back} dan menuliskan "
    "arahannya."
)
# what an action or upload step's button does ({to}: TASK_TO, TASK_TO_NEXT_STEP, or "")
TASK_TO = " kepada {holder}"
TASK_TO_NEXT_STEP = " ke langkah berikutnya"
UPLOADS_DONE_ASK = (
    "Setelah semua dokumen selesai, silakan menekan {button}. Dokumen yang dikirim ulang "
    "sebelum itu dicatat sebagai versi terbarunya."
)
SUBMIT_ASK = "Silakan menekan {button} untuk menyampaikan berkas{to}."
# before SUBMIT_ASK/FORWARD_ASK, on an action step a return brought back to the holder who
# attaches its documents (Kasubag's proposal, step 1): how the corrections go in
RETURNED_RESEND = (
    "Perbaikan {docs} dapat Bapak/Ibu kirimkan sebagai <b>file</b> di obrolan ini sebelum "
    "menekan {button}; yang disampaikan adalah versi terakhir yang tercantum di atas."
)
# the last step of an SOP that does not end in archiving ({button}: BTN_FINISH)
FINISH_ASK = (
    "Langkah ini merupakan langkah terakhir SOP. Setelah kegiatan tersebut dilaksanakan, "
    "silakan menekan {button}, atau {note_button} bila ada catatan yang perlu disampaikan; "
    "berkas kemudian dinyatakan selesai dan Dokumentasinya dikirimkan kepada Bapak/Ibu."
)
FINISH_UPLOADS_ASK = (
    "Langkah ini merupakan langkah terakhir SOP. Setelah semua dokumen lengkap, silakan "
    "menekan {button}; berkas kemudian dinyatakan selesai dan Dokumentasinya dikirimkan "
    "kepada Bapak/Ibu. Dokumen yang dikirim ulang sebelum itu dicatat sebagai versi "
    "terbarunya."
)
FORWARD_ASK = (
    "Silakan menekan {button} untuk menyampaikan berkas{to}, atau {note_button} bila ada "
    "arahan yang perlu disampaikan."
)
ARCHIVE_ASK = "Silakan memeriksa dokumen final, lalu menekan {button} dan mengetik nomor arsip."
# a team step
TEAM_INSTRUCTION = "Silakan memilih anggota {team}, lalu menekan {button}."
TEAM_PLACES = (
    " Anggota yang dipilih pertama dicantumkan sebagai Ketua dalam {decree}, dan anggota yang "
    "dipilih kedua sebagai Sekretaris bila anggota tim lebih dari dua."
)
NO_TEAM_CANDIDATES = (
    "<i>Belum ada pegawai terdaftar dengan peran {team}. Mohon hubungi administrator.</i>"
)
TEAM_PICKED = "Terpilih ({count}): {names}"
TEAM_PICKED_COUNT = "Terpilih ({count})"
TEAM_PICKED_NONE = "Terpilih: -"
TEAM_FORMED_HEAD = "Susunan {team}:"  # the team a decided team step formed, a line each
TEAM_MORE = "… dan {count} anggota lainnya"  # the last line of a team's list cut to fit
TEAM_DEFAULT_NAME = "Tim"  # an SOP's team whose role it does not name
# What the event's actor did, as the history and the Dokumentasi say it, by event type
ACTION_WORDS = {
    "started": "memulai berkas",
    "file_attached": "mengunggah dokumen",
    "completed": "meneruskan",
    "approved": "menyetujui",
    "returned": "mengembalikan untuk diperbaiki",
    "team_formed": "menetapkan {team}",
    "team_changed": "mengalihkan keanggotaan {team}",
    "steps_passed": "mengalihkan tugas",
    "archived": "mengarsipkan",
    "withdrawn": "menarik kembali",
    "cancelled": "membatalkan berkas",
    "archive_corrected": "mengubah nomor arsip",
}
ACTION_TEAM_CHANGED = " dari {left} kepada {joined}"
ACTION_STEPS_PASSED = " {role} (langkah {steps}) dari {gone} {to}"
ACTION_PASSED_TO = "kepada {who}"
ACTION_PASSED_TO_ALL = "kepada seluruh pemegang peran {role}"
ACTION_ARCHIVE_CORRECTED = " dari {old} menjadi {new}"
# a history line of /status for several documents one person uploaded at one step in one
# sitting (on one day, nothing else recorded between): each file with its version after it
ACTION_FILES_ATTACHED = "mengunggah {count} dokumen:"
# What happened, said of the case ("Diteruskan oleh ..."): the passive that "oleh" needs
OUTCOME_WORDS = {
    "started": "✔️ Dimulai",
    "file_attached": "✔️ Diunggah",
    "completed": "✔️ Diteruskan",
    "approved": "✅ Disetujui",
    "returned": "↩️ Dikembalikan",
    "team_formed": "✔️ {team} ditetapkan",
    "team_changed": "✔️ Keanggotaan {team} dialihkan",
    "steps_passed": "✔️ Tugas dialihkan",
    "archived": "✔️ Diarsipkan",
    "withdrawn": "⏪ Ditarik kembali",
    "cancelled": "✖️ Dibatalkan",
    "archive_corrected": "✏️ Nomor arsip diubah",
}
# A step completed, in the words of the button that completed it (views.task_view): a
# proposal going up to the holder's superior is submitted ("Ajukan"), an upload step's
# documents are handed in ("Serahkan draf/dokumen"), any other step passes the case on
# ("Teruskan"): (the outcome line, the history, where the case went)
SUBMITTED = ("✔️ Diajukan", "mengajukan", "diajukan")
HANDED_IN = ("✔️ Diserahkan", "menyerahkan", "diserahkan")
# ... the last step of an SOP that does not end in archiving: the case is finished
FINISHED = ("✔️ Diselesaikan", "menyelesaikan", "diselesaikan")
FORWARDED = ("✔️ Diteruskan", "meneruskan", "diteruskan")
OUTCOME_LINE = "{icon} oleh {by} pada {when}."
OUTCOME_REASON = "\nAlasan: {reason}"
OUTCOME_NOTE = "\nCatatan: {note}"
# where the case went, to the one who moved it ({no_one}: MOVED_TO_NO_ONE, or "")
MOVED_NEXT_STEP = "Berkas diteruskan ke langkah berikutnya ({step}).{no_one}"
MOVED_COMPLETED = "Berkas {went} kepada {holder}.{no_one}"  # {went}: SUBMITTED's, ...
MOVED_APPROVED = "Berkas diteruskan kepada {holder}.{no_one}"
MOVED_RETURNED = "Berkas dikembalikan kepada {holder}.{no_one}"
MOVED_FINISHED = "Berkas dinyatakan selesai ({step} merupakan langkah terakhir SOP)."
HISTORY_LINE_NOTE = " — catatan: {note}"  # after a /status history line

# -- pictures (bot.charts): the /status timeline and the /laporan chart --------------------

# the timeline: a step's row ({norm}: CHART_NORM or CHART_NO_NORM)
CHART_STEP = "Langkah {step}"
CHART_NORM = "norma {norm}"
CHART_NO_NORM = "tanpa norma"
CHART_WAITING = "menunggu {spent} / {norm}"
CHART_WITHDRAWN_AFTER = "ditarik kembali setelah {spent}"
CHART_SPENT = "{spent} / {norm}"
CHART_RETURNED_TO = "dikembalikan ke langkah {step}"  # then ": " and the reason, if any
# ... where the case is ({late}: CHART_NOW_LATE or "")
CHART_NOW = (
    "Posisi sekarang: langkah {step} ({role}), menunggu {spent} waktu kerja sejak {day} "
    "pukul {time}{late}"
)
CHART_NOW_LATE = " — melewati norma"
CHART_CANCELLED_ON = "Dibatalkan pada {day}"
CHART_ARCHIVED_ON = "Selesai dan diarsipkan pada {day}"
CHART_COMPLETED_ON = "Selesai pada {day}"  # an SOP that does not end in archiving
CHART_TIMELINE_HEADING = "Berkas #{case} · Linimasa Langkah"
CHART_TITLE_ILLEGIBLE = "(judul tidak dapat ditampilkan)"  # a title of no drawable glyph
CHART_TIMELINE_NOTE = "Keadaan per {when} · dalam waktu kerja, di luar hari libur"
CHART_HIDDEN = "({count} pelaksanaan langkah sebelumnya tidak ditampilkan)"
CHART_DAYS_AXIS = "Hari kerja sejak berkas diajukan (tanggal)"
# the report chart
CHART_REPORT_HEADING = "Evaluasi Penerapan SOP"
CHART_REPORT_STEP = "Langkah {step} · {role}"
CHART_STATE_LABELS = {  # the cases by state (bot.stats.CaseState)
    "on_time": "Berjalan, sesuai norma",
    "late": "Berjalan, melewati norma",
    "archived": "Selesai (diarsipkan)",
    "completed": "Selesai",
    "cancelled": "Dibatalkan",
}
CHART_TIME_HEADING = "Waktu kerja per langkah terhadap norma"
CHART_TIME_FIGURES = "median | persentil ke-90 (jumlah)"
CHART_NO_DATA = "belum ada data"
CHART_TIME_AXIS = "persen dari norma waktu (garis hitam = norma)"
CHART_TIME_LEGEND = "Batang tegas: median; batang pudar: persentil ke-90. Warna menurut pelaksana:"
CHART_MEDIAN_LATE = "median melewati norma"
CHART_RETURNS_HEADING = "Pengembalian untuk perbaikan"
CHART_RETURNS = "{count} kali"
CHART_RETURNS_REASON = "terbanyak: {reason}"
CHART_NO_RETURNS = "Tidak ada pengembalian dalam periode ini."
CHART_STATES_HEADING = "Keadaan berkas"
CHART_OVERDUE = "Melewati norma saat ini: {count} berkas"

# -- notices of the outbox (bot.messages) -------------------------------------------------

# a task's note, to the acting official who holds it
TASK_AS_ACTING = "👤 Bapak/Ibu menerima tugas ini selaku <b>{title}</b> sampai {until}."
# under a reminder's first line (which names the step); {since}: when the step began, which may
# be before it was this holder's (a Plh period ended, a role passed on)
REMINDER_NOTE = (
    "Langkah ini menunggu tindakan sejak {since} (norma {norm}, telah berjalan {spent})."
)
# what a paper the bot wrote is, in an album's caption: its kind's title, and after it
# PAPER_LABEL_CHANGED (a team changed) or PAPER_LABEL_STEP (a kind several steps write)
ARCHIVE_BUNDLE_CAPTION = (
    "Arsip elektronik berkas (Dokumentasi, dokumen final, dan seluruh lembar yang dibuat sistem)"
)
PAPER_LABEL_OTHER = "Dokumen"  # a paper of a kind the SOP no longer names
PAPER_LABEL_CHANGED = " (perubahan)"
PAPER_LABEL_STEP = " (langkah {step})"
FILE_REPLACES = ", menggantikan versi {version}"  # FILE_ATTACHED's, ALBUM_FILE's {replaces}
FILE_VERSIONED = "{name} (versi {version})"  # an upload in /status's history, the Dokumentasi
ALBUM_PAPER = "• {label}: {name}"  # a line of an album's caption: a paper the bot wrote
ALBUM_FILE = "• {doc}: {name} (versi {version}{replaces})"  # ... a document uploaded
# to those who took part, once a case closes ({line}: the outcome line)
CASE_ARCHIVED_NOTICE = (
    "{heading}\n\n🎉 <b>Berkas telah selesai dan diarsipkan.</b>\nNomor arsip: "
    "<code>{reference}</code>\n{line}\n\nTerima kasih atas kerja sama Bapak/Ibu."
)
CASE_COMPLETED_NOTICE = (  # the last step of an SOP that does not end in archiving
    "{heading}\n\n🎉 <b>Berkas telah selesai.</b>\n{line}\n\nTerima kasih atas kerja sama "
    "Bapak/Ibu."
)
CASE_CANCELLED_NOTICE = "{heading}\n\n✖️ <b>Berkas dibatalkan.</b>\n{line}"
# to a holder passed over (a strategic step, or four eyes): {why} WHY_DEFINITIVE_ONLY or
# WHY_FOUR_EYES
PASSED_OVER = (
    "{heading}\n\n{step}\n{why}\nTugas ini disampaikan kepada {holders}; Bapak/Ibu tidak perlu "
    "menindaklanjutinya."
)
# ... when no one holds the step either (the definitive holder may not decide it, or the role
# has none): it waits for the administrators, who are told of such a step (effects'
# "undecided" notices), as ACTING_NOTICE_NOBODY says of more than three
PASSED_OVER_NOBODY = (
    "{heading}\n\n{step}\n{why}\nSaat ini tidak ada pejabat lain yang dapat memutuskan langkah "
    "ini; berkas menunggu tindak lanjut administrator, dan Bapak/Ibu tidak perlu "
    "menindaklanjutinya."
)
# a single escalation, to the superior ({reminded}: ESCALATION_REMINDED or
# ESCALATION_NOT_REACHED; {ask}: ESCALATION_ASK*; then ESCALATION_DEFINITIVE where no
# acting official may decide the step)
ESCALATION = (
    "📣 <b>Eskalasi</b> — Berkas #{case}: {title}\n{step}\nPelaksana: {holders} ({role})\n"
    "Menunggu sejak {since}, telah berjalan {spent} (norma {norm}). {reminded}\n{ask}"
)
ESCALATION_REMINDED = "Pengingat ke-{n} telah dikirim kepada pelaksana."
# ... when every member of the team was not sent it (each postponed his own, or was
# reminded less than an interval before): ESCALATION_POSTPONED follows, naming them
ESCALATION_REMINDED_NONE = "Pengingat ke-{n} telah jatuh tempo."
# ... to a team whose members read different numbers (a newcomer from 1): {each} is
# ESCALATION_REMINDED_TO of each member, joined by "; "
ESCALATION_REMINDED_EACH = "Pengingat telah dikirim kepada para pelaksana: {each}."
ESCALATION_REMINDED_TO = "{name} (ke-{n})"
# ... after it (or after ESCALATION_NOT_REACHED), of the members of a team who put off their
# own reminders (/tunda), so were not sent this one: {each} is ESCALATION_POSTPONED_BY of
# each, joined by "; "
ESCALATION_POSTPONED = (
    "Pengingat tersebut tidak dikirim kepada {each} karena yang bersangkutan telah menunda "
    "pengingatnya."
)
# {until}: when he is reminded of it (his snooze's end, or the office's opening after it)
ESCALATION_POSTPONED_BY = "{name} (hingga {until})"
# ... of a member who received the task after that reminder (it passed on meanwhile)
ESCALATION_NOT_YET_TO = "{name} (belum menerima pengingat karena tugas ini diterimanya kemudian)"
# an escalation that waited (an outage, office hours) while the task passed to another
# official, who has had no reminder of it yet: {n} is what the former holder read
ESCALATION_REMINDED_BEFORE = (
    "Pengingat ke-{n} telah dikirim kepada pelaksana sebelumnya; tugas ini kemudian beralih "
    "kepada pelaksana saat ini, yang belum menerima pengingat."
)
ESCALATION_ASK = "Mohon berkenan mengingatkan yang bersangkutan."
ESCALATION_ASK_PLH = (
    "Mohon berkenan mengingatkan yang bersangkutan atau, bila berhalangan, meminta "
    "administrator menetapkan Plh."
)
ESCALATION_DEFINITIVE = "\n<i>Menunggu keputusan pejabat definitif (Plh/Plt tidak berwenang).</i>"
# an acting official's appointment and its end, to him and to the definitive official
# ({reason}: ACTING_NOTICE_REASON or ""; {letter}: ACTING_NOTICE_LETTER or ""; {tasks}: the
# ACTING_NOTICE_TASKS_* that apply, or "")
YOU = "Bapak/Ibu"  # a {whom} or {successor}: the reader
THE_DEFINITIVE_OFFICIAL = "pejabat definitif"  # a {whom}
ACTING_NOTICE_REASON = " Alasan penetapan: {reason}"  # {reason} ending a sentence
ACTING_NOTICE_LETTER = "\nDasar: {letter}"
ACTING_NOTICE_TASKS_IN = " Sebanyak {count} tugas yang sedang berjalan dialihkan kepada {whom}."
# ... to the acting official, of the cases at a step they may not decide ({why}: one of
# ACTING_NOTICE_KEPT_WHY), which stay with the definitive official
ACTING_NOTICE_KEPT = (
    " Sebanyak {count} tugas{other} ({cases}) tetap disampaikan kepada pejabat definitif "
    "karena {why}; Bapak/Ibu tidak perlu menindaklanjutinya."
)
# ... of the cases at a step no one may decide (they may not, nor may the definitive
# official), more than effects.LISTED_ABOVE of them: else a PASSED_OVER each
ACTING_NOTICE_NOBODY = (
    " Sebanyak {count} tugas{other} ({cases}) tidak dapat Bapak/Ibu putuskan karena {why}, "
    "dan tidak ada pejabat lain yang dapat memutuskannya saat ini; berkas tersebut menunggu "
    "tindak lanjut administrator, dan Bapak/Ibu tidak perlu menindaklanjutinya."
)
OTHER = " lain"  # an {other}: besides the tasks counted before it
ACTING_NOTICE_KEPT_WHY = {
    "definitive_only": (
        "langkahnya bersifat strategis sehingga tidak dapat diputuskan oleh Plh/Plt "
        "(UU No. 30 Tahun 2014 Pasal 14 ayat (7))"
    ),
    "four_eyes": (
        "Bapak/Ibu telah menyusun, mengajukan, atau memeriksa tingkat sebelumnya pada "
        "berkas tersebut (satu orang tidak boleh memutuskan dua tingkat pemeriksaan pada "
        "berkas yang sama)"
    ),
}
ACTING_NOTICE_TASKS_BACK = (
    " Sebanyak {count} tugas yang sedang berjalan dikembalikan kepada {whom}."
)
ACTING_NOTICE_TASKS_ONWARD = (
    " Sebanyak {count} tugas yang sedang berjalan dialihkan kepada {whom} selaku <b>{title}</b>."
)
ACTING_NOTICE_TASKS_WAITING = (
    " Sebanyak {count} tugas yang sedang berjalan tidak lagi menunggu tindakan Bapak/Ibu; "
    "peran {role} belum memiliki pejabat definitif, dan administrator telah diberi tahu."
)
ACTING_STARTS_YOU = (
    "👤 Bapak/Ibu ditetapkan sebagai <b>{title}</b> sampai {until}.{reason}{tasks}{letter}"
)
ACTING_STARTS = (
    "👤 {who} ditetapkan sebagai <b>{title}</b> sampai {until}.{reason} Tugas-tugas {role} "
    "selama masa tersebut disampaikan kepada yang bersangkutan.{tasks} Bapak/Ibu tetap dapat "
    "melihat dan menindaklanjutinya.{letter}"
)
# to the acting official whose appointment was extended (/plh or /plt again)
ACTING_EXTENDED_YOU = (
    "👤 Masa tugas Bapak/Ibu sebagai <b>{title}</b> diperpanjang sampai dengan {until}."
)
ACTING_EXTENDED_REASON = " Alasan perpanjangan: {reason}"  # {reason} ending a sentence
ACTING_ENDS_YOU = "Masa tugas Bapak/Ibu sebagai <b>{title}</b> telah berakhir.{tasks}"
# ... to the definitive official when the tasks go on to the next acting official
ACTING_ENDS_HANDED_ON = (
    "Masa tugas {who} sebagai <b>{title}</b> telah berakhir; tugas-tugas {role} selanjutnya "
    "disampaikan kepada {successor} selaku <b>{next_title}</b> sampai {until}.{tasks}"
)
ACTING_ENDS = (
    "Masa tugas {who} sebagai <b>{title}</b> telah berakhir; tugas-tugas {role} kembali "
    "kepada Bapak/Ibu.{tasks}"
)
# ... with more tasks than effects.LISTED_ABOVE for the reader, the notice lists them (a
# head, a TASK_LIST_LINE a task, cut at whole lines to fit one message with DIGEST_MORE)
# instead of a task message each, and says how to open them (TASK_LIST_FOOT)
ACTING_LIST_BACK = "Adapun tugas yang dikembalikan tersebut adalah sebagai berikut:"
ACTING_LIST_IN = "Adapun tugas yang dialihkan tersebut adalah sebagai berikut:"
# a listed task (Renderer.task_list: an acting period's notice, a role passed on)
TASK_LIST_LINE = "• <b>#{case}</b> {title}\n    {step}: {step_title}"
TASK_LIST_FOOT = (
    "Tugas-tugas tersebut tidak dikirimkan satu per satu. Mohon berkenan membuka dan "
    "menindaklanjutinya melalui daftar tugas (/tugas)."
)
# ... those of them no longer the reader's when the notice is sent (decided, withdrawn,
# passed on meanwhile: the notice waited for the reader to press Start, or for Telegram)
TASK_LIST_GONE = (
    "Catatan: {count} tugas lain yang semula dialihkan telah ditindaklanjuti atau tidak lagi "
    "menjadi tugas Bapak/Ibu."
)

# -- acting officials (Plh, Plt) ------------------------------------------------------------

WHY_DEFINITIVE_ONLY = (
    "⚖️ Langkah ini bersifat strategis (berdampak pada status hukum organisasi, "
    "kepegawaian, atau alokasi anggaran) sehingga harus "
    "diputuskan oleh pejabat definitif: pejabat yang bertindak berdasarkan mandat (Plh/Plt) "
    "tidak berwenang memutuskannya (UU No. 30 Tahun 2014 Pasal 14 ayat (7))."
)
WHY_FOUR_EYES = (
    "👥 Pemegang peran langkah ini telah menyusun atau mengajukan dokumen yang diperiksa, "
    "atau memeriksa tingkat lain pada berkas ini; satu orang tidak boleh memeriksa "
    "usulannya sendiri atau memutuskan dua tingkat pemeriksaan pada berkas yang sama."
)
# four eyes gives way at a strategic step of a role one official holds: only he may decide
# it (no Plh/Plt may), so he does, though he took part earlier ({did}: what he did, e.g.
# "memaraf pada langkah 8 selaku Plh. Kabag", HTML-escaped where the text is HTML)
FOUR_EYES_DID = {
    "paraf": "memaraf",
    "signature": "menandatangani",
    "approved": "menyetujui",
    "handed_in": "menyerahkan berkas yang diperiksa",
    "uploaded": "mengunggah dokumen yang diperiksa",
}
# the decision, in the history and the Dokumentasi ("... menyetujui sebagai pejabat ...")
FOUR_EYES_SET_ASIDE_ACTION = "sebagai pejabat definitif walaupun telah {did}"
# the decision, under its outcome line and on its Lembar Pemeriksaan
FOUR_EYES_SET_ASIDE = (
    "Diputuskan oleh pejabat definitif walaupun yang bersangkutan telah {did}: langkah ini "
    "hanya dapat diputuskan oleh pejabat definitif dan tidak dapat dilimpahkan kepada Plh/Plt "
    "(UU No. 30 Tahun 2014 Pasal 14 ayat (7))."
)
# to the official, on the task and its reminders
WHY_FOUR_EYES_SET_ASIDE = (
    "⚖️ Bapak/Ibu telah {did}. Langkah ini hanya dapat diputuskan oleh pejabat definitif dan "
    "tidak dapat dilimpahkan kepada Plh/Plt sehingga tetap Bapak/Ibu putuskan; hal ini dicatat "
    "dalam riwayat berkas dan Lembar Pemeriksaan."
)
# a /tugas line
TASK_FOUR_EYES_SET_ASIDE = (
    "ℹ️ <i>Bapak/Ibu telah {did}; langkah ini hanya dapat diputuskan oleh pejabat definitif "
    "sehingga tetap Bapak/Ibu putuskan.</i>"
)
# a /status line under the step's holder
STATUS_FOUR_EYES_SET_ASIDE = (
    "ℹ️ {name} telah {did}; langkah ini hanya dapat diputuskan oleh pejabat definitif "
    "sehingga tetap diputuskan olehnya."
)
ALERT = "⚠️ Gangguan pada bot: <code>{kind}</code>. Rincian ada di log."
ALERT_HELD_BEFORE = "Gangguan yang sama terjadi {count} kali lagi sejak pemberitahuan sebelumnya."
ALERT_HELD_AT_STOP = (
    "⚠️ Gangguan pada bot: <code>{kind}</code> terjadi lagi {count} kali sebelum bot "
    "berhenti. Rincian ada di log."
)
ALERT_HELD = (
    "⚠️ Gangguan pada bot: <code>{kind}</code> terjadi lagi {count} kali dalam {minutes} menit "
    "terakhir. Rincian ada di log."
)
OUTBOX_HELD = (
    "⚠️ Pengiriman bot tertahan oleh gangguan di server bot sendiri (ruang disk, folder "
    "dokumen, atau basis data):\n<code>{problem}</code>\nPesan, dokumen, dan lembar yang "
    "tertahan tidak hilang: bot terus mencoba dan mengirimkannya begitu gangguan teratasi. "
    "Mohon periksa server; rincian ada di log."
)
OUTBOX_RESUMED = (
    "✅ Gangguan di server bot telah teratasi: pesan, dokumen, dan lembar yang tertahan "
    "dikirim kembali."
)
FILE_MISSING = (
    "⚠️ Dokumen <b>{name}</b> tidak dapat dikirim karena tidak ditemukan di server; "
    "administrator telah diberi tahu."
)
FILE_MISSING_ADMIN = (
    "⚠️ Dokumen <b>{name}</b> (Berkas #{case}) tidak ditemukan di folder dokumen server "
    "(<code>{path}</code>): dokumen itu tidak terkirim kepada {person}; dokumen lainnya "
    "tetap dikirim. Mohon pulihkan dokumen tersebut dari cadangan."
)
# why a file is left out of the archive bundle (bot.outbox.LeftOut.why)
LEFT_OUT_WHY = {
    "missing": "tidak ditemukan di server",
    "changed": "isinya di server tidak lagi sesuai dengan kode SHA-256 yang tercatat",
    # a paper of the case the bot never wrote (its template failed, or it was given up)
    "unwritten": "gagal dibuat oleh sistem",
    # a paper still held by a fault of the bot's own when the bundle could wait no longer
    "late": "belum selesai dibuat oleh sistem akibat gangguan",
}
FILE_LEFT_OUT = (
    "⚠️ Dokumen <b>{name}</b> tidak disertakan dalam arsip elektronik Berkas #{case} karena "
    "{why}; hal itu dicatat dalam arsip tersebut, dan administrator telah diberi tahu.{then}"
)
# FILE_LEFT_OUT's {then}, by LEFT_OUT_WHY's key: what becomes of the document
LEFT_OUT_THEN = {
    "late": (
        " Dokumen itu akan disampaikan kepada Anda sebagai susulan arsip setelah selesai dibuat."
    ),
}
FILE_LEFT_OUT_ADMIN = (
    "⚠️ Dokumen <b>{name}</b> (Berkas #{case}) {why} (<code>{path}</code>): dokumen itu tidak "
    "disertakan dalam arsip elektronik yang diterima {person}, dan arsip tersebut mencatatnya. "
    "Mohon pulihkan dokumen tersebut dari cadangan."
)
# the administrators, of a paper the archive bundle goes without because it was not written
FILE_UNWRITTEN_ADMIN = (
    "⚠️ Dokumen <b>{name}</b> (Berkas #{case}) {why}: dokumen itu tidak disertakan dalam "
    "arsip elektronik yang diterima {person}, dan arsip tersebut mencatatnya. {advice}"
)
UNWRITTEN_ADVICE = {
    "unwritten": "Penyebabnya telah disampaikan ketika dokumen itu gagal dibuat.",
    "late": (
        "Dokumen itu tetap dibuat dan disimpan bersama berkas setelah gangguan teratasi, "
        "lalu dikirimkan kepada yang bersangkutan sebagai susulan arsip."
    ),
}
# the caption of a paper sent as a supplement to an archive bundle that went without it
# (under the case's line, above the paper's own)
PAPER_SUPPLEMENT = (
    "📎 <b>Susulan arsip.</b> Dokumen berikut tidak disertakan dalam arsip elektronik Berkas "
    "#{case} dan kini telah selesai dibuat. Dokumen tersebut disampaikan untuk ditambahkan "
    "ke dalam arsip."
)
# the administrators, of that supplement
PAPER_SUPPLEMENT_ADMIN = (
    "✅ Dokumen <b>{name}</b> (Berkas #{case}), yang tidak disertakan dalam arsip elektronik "
    "yang diterima {person}, kini telah selesai dibuat dan dikirimkan kepada yang "
    "bersangkutan sebagai susulan arsip."
)
# a paper the archive bundle goes without, named in its note and the notices: its kind,
# the step of the decision it records and which pass through that step
UNWRITTEN_PAPER = "{title} langkah {step} (ke-{visit})"
# a note handed on with a step (Teruskan dengan catatan) in the Dokumentasi's history, whose
# last column is headed "Alasan": said to be a note, as /status says it (plain text)
HISTORY_NOTE = "Catatan: {note}"
# what the Dokumentasi's list of final documents says of one the bundle does not hold
DOKUMENTASI_LEFT_OUT = "{why}; tidak disertakan dalam arsip elektronik"
# under the time of a paraf or signature given on a version of a final document other than
# the one filed (Kabag corrected the draft after Kasubag's paraf): {documents}
# "Penetapan Kinerja versi 1"
DOKUMENTASI_APPROVED_EARLIER = "atas versi sebelumnya: {documents}"
DOKUMENTASI_DOC_VERSION = "{document} versi {version}"
# the note the archive bundle carries when it goes without some of the case's files
ARCHIVE_NOTE = (
    "CATATAN DOKUMEN YANG TIDAK DISERTAKAN\n"
    "Berkas #{case}: {title}\n\n"
    "Arsip elektronik ini tidak memuat dokumen berikut:\n\n"
    "{lines}\n\n"
    "{about_sha}Administrator telah diberi tahu.\n"
)
ARCHIVE_NOTE_SHA = (
    "Kode SHA-256 di atas adalah kode dokumen sebagaimana tercatat dalam sistem; dokumen "
    "yang dipulihkan dari cadangan dapat dicocokkan dengannya. "
)
ARCHIVE_NOTE_LINE = "{no}. {name}: {why} (SHA-256 tercatat: {sha256})"
ARCHIVE_NOTE_UNWRITTEN_LINE = "{no}. {name}: {why}"
PAPER_TEMPLATE_FAILED = (
    "⚠️ Dokumen <b>{paper}</b> Berkas #{case} tidak dapat dibuat dari templatnya:\n"
    "<code>{problem}</code>\n{advice}Tugas diteruskan tanpa dokumen tersebut. Mohon perbaiki "
    "templat dan periksa dengan <code>sopbot check</code>."
)
# What the administrators are asked to do about a template that does not fill, by the kind
# of problem (bot.papers.render.TemplateFailed.key); each ends its line.
TEMPLATE_ADVICE = {
    "tracked_changes": (
        "Templat tersebut masih memuat perubahan terlacak (<i>Track Changes</i>). Mohon buka "
        "templat tersebut di Word, pilih <i>Review → Accept All Changes</i> (Tinjau → Terima Semua "
        "Perubahan), lalu simpan.\n"
    ),
    "broken_xml": (
        "Setelah diisi, bagian templat tersebut tidak lagi berupa dokumen Word yang utuh: "
        "biasanya sebuah <i>placeholder</i> terpotong oleh tautan, kolom isian, atau <i>content "
        "control</i>. Mohon ketik ulang <i>placeholder</i> tersebut sebagai teks biasa.\n"
    ),
}
ROLE_REVOKED = "🔁 Peran <b>{role}</b> Bapak/Ibu telah dicabut oleh administrator."
ROLE_REVOKED_TASKS = (
    "Sebanyak {tasks} tugas pada peran ini tidak lagi menunggu tindakan Bapak/Ibu; isian "
    "yang sedang berjalan untuk tugas tersebut telah diakhiri."
)
# /cabut of the last member of a team who holds its role, while the team's step waits
TEAM_LEFT_WAITING = (
    "{cases} menunggu pada langkah tim, sedangkan tidak ada lagi anggota timnya yang "
    "memegang peran {role}; pemegang peran lainnya tidak menerima tugas tersebut karena tim "
    "ditetapkan untuk masing-masing berkas. Alihkan tempat yang bersangkutan dalam tim "
    "kepada pegawai lain (peran {role} ikut dialihkan kepadanya) dengan "
    "<code>/alihkan {role_id} {person} &lt;id Telegram baru&gt;</code>."
)
ROLE_MOVED_IN = (
    "🔁 Bapak/Ibu kini memegang peran <b>{role}</b>, dialihkan dari {old} oleh administrator."
)
# the new holder held the (shared) role already: the old one's places in the running cases
ROLE_MOVED_IN_HELD = (
    "🔁 Peran <b>{role}</b> {old} dialihkan oleh administrator kepada Bapak/Ibu, yang telah "
    "memegang peran tersebut; tempatnya pada berkas yang sedang berjalan kini menjadi tempat "
    "Bapak/Ibu."
)
ROLE_MOVED_TASKS_IN = "Sebanyak {tasks} tugas yang sedang berjalan kini menjadi tugas Bapak/Ibu."
# an invitation that passed more than effects.LISTED_ABOVE tasks: the welcome says a notice
# lists them (ROLE_TASKS_LISTED, then ACTING_LIST_IN and the tasks: Renderer.task_list)
ROLE_TASKS_LIST_FOLLOWS = "Daftar tugas tersebut disampaikan pada pesan berikut."
ROLE_TASKS_LISTED = (
    "📋 Tugas-tugas peran <b>{role}</b> yang sedang berjalan telah dialihkan kepada "
    "Bapak/Ibu bersama peran tersebut."
)
# /cabut of a holder of a shared role: more than effects.LISTED_ABOVE steps that were theirs
# become the other holders' (a notice each lists them, then ACTING_LIST_IN and the tasks)
ROLE_TASKS_LISTED_REVOKED = (
    "📋 Peran <b>{role}</b> {old} telah dicabut oleh administrator; tugas-tugas yang sedang "
    "berjalan yang sebelumnya ditangani yang bersangkutan kini menjadi tugas Bapak/Ibu."
)
# {new}: a name ending a sentence (t.sentence: "Rudi Hartono, S.E." takes no second stop)
ROLE_MOVED_OUT = "🔁 Peran <b>{role}</b> Bapak/Ibu telah dialihkan oleh administrator kepada {new}"
ROLE_MOVED_TASKS_OUT = (
    "Sebanyak {tasks} tugas yang sedang berjalan kini menjadi tugas yang bersangkutan; tombol "
    "pada pesan tugas sebelumnya tidak berlaku lagi."
)
# the acting official made the role's definitive holder: the appointment ends
ACTING_ENDED_HOLDER = (
    "Penetapan {whom} sebagai {title} berakhir karena {whom} kini memegang peran tersebut "
    "sebagai pejabat definitif."
)
# an invitation opened by one who holds its role already: not used, it still admits
INVITE_HELD = (
    "Bapak/Ibu telah memegang peran <b>{role}</b> sehingga tautan undangan ini tidak "
    "digunakan; tautan tersebut tetap berlaku bagi pegawai yang diundang."
)
# the newcomer's welcome, when the invited role passed from its holder
INVITE_PASSED_IN = (
    "Peran ini dialihkan kepada Bapak/Ibu dari {old}; yang bersangkutan tidak lagi memegang "
    "peran tersebut dan telah diberi tahu."
)
# ... from one who never pressed Start: Telegram refuses to write to them until they do
INVITE_PASSED_IN_NOT_TOLD = (
    "Peran ini dialihkan kepada Bapak/Ibu dari {old}; yang bersangkutan tidak lagi memegang "
    "peran tersebut. {not_told} belum pernah membuka bot sehingga belum dapat diberi tahu; "
    "pemberitahuannya akan disampaikan setelah yang bersangkutan menekan Start."
)
# /undang: the link (``role``: its name in HTML, with its id when another role shares it)
INVITE_LINK = (
    "Tautan undangan sekali pakai untuk peran <b>{role}</b>, berlaku sampai {until}:\n{link}"
)
INVITE_USED = "🔗 Undangan peran <b>{role}</b> telah digunakan oleh {new}."
INVITE_USED_PASSED = (
    "Peran tersebut tidak lagi dipegang oleh {old}; yang bersangkutan telah diberi tahu."
)
# ... when some of them never pressed Start: NOT_STARTED_NOT_TOLD follows, naming them
INVITE_USED_PASSED_NOT_TOLD = "Peran tersebut tidak lagi dipegang oleh {old}."
# the tasks the new holder took over, said so: after the sentence on the old holder,
# "tugasnya" read as his
INVITE_USED_TASKS = (
    "Sebanyak {tasks} tugas yang sedang berjalan kini menjadi tugas pemegang peran yang baru."
)
# to the administrators: an acting period of a role with no definitive holder ended
ACTING_LEFT_WAITING = (
    "⚠️ Masa tugas {who} sebagai <b>{title}</b> telah berakhir, sedangkan peran {role} tidak "
    "memiliki pejabat definitif: sebanyak {tasks} tugas menunggu pelaksana ({cases}). Mohon "
    "berkenan mengundang pejabat definitifnya dengan <code>/undang {role_id}</code> atau "
    "menetapkan Plt dengan <code>/plt {role_id}</code>."
)
ACTING_TASK_BACK = "↩️ Masa tugas Plh/Plt telah berakhir; tugas ini kembali kepada Bapak/Ibu."

# -- administration (/undang, /undangan, /peran, /cabut, /alihkan, /batalkan, /ubah_arsip,
# /plh, /plt, /akhiri_plh, /ubah_data) ----------------------------------------------------

USAGE_INVITE = "Penggunaan: <code>/undang &lt;peran&gt;</code>, peran salah satu dari: {roles}."
# /undang <peran> with more after it (an id, a name): an invitation names no one
INVITE_FOR_ANYONE = (
    "Undangan tidak ditujukan kepada ID tertentu: tautannya berlaku bagi siapa pun yang "
    "pertama membukanya. Buat undangan dengan <code>/undang {role}</code>, lalu kirimkan "
    "tautannya kepada pegawai yang dimaksud."
)
# where an administrator reads a person's Telegram ID: /peran lists every holder's, and a
# holder's own /saya shows it (the bot shows no ID of someone who holds no role)
ID_WHERE = (
    "\nID Telegram setiap pemegang peran tercantum pada /peran; pemegang peran dapat pula "
    "melihat ID-nya sendiri dengan /saya."
)
USAGE_REVOKE = "Penggunaan: <code>/cabut &lt;id Telegram&gt; &lt;peran&gt;</code>." + ID_WHERE
USAGE_REASSIGN = (
    "Penggunaan: <code>/alihkan &lt;peran&gt; &lt;id lama&gt; &lt;id baru&gt;</code>." + ID_WHERE
)
USAGE_CANCEL = "Penggunaan: <code>/batalkan &lt;nomor berkas&gt; &lt;alasan&gt;</code>."
USAGE_ARCHIVE_FIX = (
    "Penggunaan: <code>/ubah_arsip &lt;nomor berkas&gt; &lt;nomor arsip yang benar&gt; "
    "&lt;alasan&gt;</code>\nContoh: <code>/ubah_arsip 7 OT.04.00/123/2026 salah ketik: "
    "tertulis 1223</code>. Nomor arsip ditulis tanpa spasi."
)
USAGE_ACTING = (
    "Penggunaan: <code>/{kind} &lt;peran&gt; &lt;id Telegram&gt; &lt;sampai tanggal&gt; "
    "&lt;alasan&gt; [; nomor surat]</code>\nContoh: <code>/{kind} karo 1009 31-12-{year} cuti "
    "tahunan; ND.12/SJ/XII/{year}</code> atau <code>/{kind} karo 1009 31 Desember {year} dinas "
    "luar</code>.\nPeran: {roles}." + ID_WHERE
)
USAGE_FIX = "Penggunaan: <code>/ubah_data &lt;id Telegram&gt;</code>." + ID_WHERE
USAGE_END_ACTING = "Penggunaan: <code>/akhiri_plh &lt;peran&gt;</code>."
# a period of /plh or /plt copied from a letter that cannot be read
ACTING_BAD_PERIOD = (
    "Masa tugas <b>{typed}</b> tidak dapat dibaca. Mohon tuliskan tanggal akhirnya, misalnya "
    "<code>/{kind} karo 1009 19-12-{year} cuti</code>, atau masa tugasnya seperti dalam surat, "
    "misalnya <code>/{kind} karo 1009 12 Desember {year} s.d. 19 Desember {year} cuti</code>."
)
# a period copied from a letter whose first day is still to come: /plh and /plt act at once
ACTING_STARTS_NOW = (
    "\nℹ️ Penetapan berlaku sejak hari ini, bukan sejak {first}: Plh/Plt tidak dapat "
    "dijadwalkan untuk mulai kemudian. Bila tugas seharusnya baru dialihkan mulai tanggal itu, "
    "mohon akhiri penetapan ini dengan <code>/akhiri_plh {role}</code> dan tetapkan kembali "
    "pada tanggal {first}."
)
ACTING_BAD_DATE = (
    "Tanggal <b>{typed}</b> tidak valid. Mohon tuliskan tanggal akhir masa tugas, misalnya "
    "<code>31-12-{year}</code> atau <code>31 Desember {year}</code>."
)
# /alihkan, /plh or /plt naming the bot's own Telegram id ({what}: what may be done, and
# to whom it is done: ADMIN_BOT_ITSELF_REASSIGN, ADMIN_BOT_ITSELF_ACTING)
ADMIN_BOT_ITSELF = (
    "Mohon maaf, ID {person} adalah akun bot layanan ini sendiri, bukan akun pegawai. "
    "{what} kepada pegawai; mohon periksa kembali ID Telegram yang dimaksud."
)
ADMIN_BOT_ITSELF_REASSIGN = "Peran hanya dapat dialihkan"
ADMIN_BOT_ITSELF_ACTING = "Penetapan {kind} hanya dapat diberikan"
ACTING_NO_REASON = (
    "Mohon maaf, alasan penetapan {kind} belum dituliskan. Setiap penetapan dicatat beserta "
    "alasannya (misalnya cuti tahunan, dinas luar, atau kekosongan jabatan) dan, bila ada, "
    "nomor surat penetapannya."
)
# What an official types after a command: the same rule as a case title (no control
# characters, no bidirectional overrides that would reorder it in every later message);
# {field}: one of the ADMIN_FIELD_* below
ADMIN_BAD_CHARACTERS = (
    "Mohon maaf, {field} tidak dapat diterima karena memuat karakter kendali atau penanda "
    "arah teks (misalnya U+202E) yang dapat mengubah tampilan tulisan. Silakan menuliskannya "
    "kembali tanpa karakter tersebut."
)
ADMIN_TEXT_TOO_LONG = (
    "Mohon maaf, {field} terlalu panjang ({length} karakter); paling banyak {limit} karakter. "
    "Silakan mempersingkatnya."
)
ADMIN_FIELD_CANCEL_REASON = "alasan pembatalan"
ADMIN_FIELD_ARCHIVE_REASON = "alasan perubahan"
ADMIN_FIELD_ACTING_REASON = "alasan"
ADMIN_FIELD_ACTING_LETTER = "nomor surat"
# a /tugas, /terlambat, /undangan list of more than one page: after its heading
LIST_PAGE = " (halaman {page} dari {pages})"
# /undangan
NO_OPEN_INVITES = "Tidak ada undangan yang masih berlaku dan belum digunakan."
OPEN_INVITES_HEAD = "<b>Undangan yang masih berlaku</b> (belum digunakan): {count} undangan"
OPEN_INVITE_LINE = (
    "{n}. Peran <b>{role}</b>, dibuat oleh {by} pada {created}, berlaku sampai {until}"
)
ANS_INVITE_GONE = "Undangan ini sudah digunakan, kedaluwarsa, atau dibatalkan."
ANS_INVITE_WITHDRAWN = "Undangan dibatalkan."
INVITE_WITHDRAWN = (
    "Undangan untuk peran <b>{role}</b> yang dibuat pada {created} telah dibatalkan; "
    "tautannya tidak berlaku lagi."
)
# /peran
ROLES_HEAD = "<b>Pemegang peran</b> — {unit}"
ROLES_LINE = "• <b>{role}</b>: {holders}"
ROLES_LINE_MANY = "• <b>{role}</b> ({count} orang):"  # the holders follow, one a line
ROLES_NO_HOLDER = "<i>belum ada</i>"
ROLES_ACTING_HEAD = "\n<b>Pelaksana Harian/Pelaksana Tugas</b>"
# {reason}: " — " and the reason, with ROLES_ACTING_LETTER when a letter was given; then
# ROLES_ACTING_EXTENDED for each extension
ROLES_ACTING_LINE = "• {title}: {who}, {starts} s.d. {ends} ({state}){reason}"
ROLES_ACTING_LETTER = " ({letter})"
ROLES_ACTING_EXTENDED = "; diperpanjang sampai {until}{reason}"
ROLES_ACTING_STATE = {"in_force": "berlaku", "ended": "berakhir", "planned": "akan berlaku"}
ROLES_REVOKED_HEAD = "\n<b>Riwayat pencabutan dan pengalihan peran</b>"
ROLES_REVOKED_LINE = "• {who} — {role} dicabut pada {when}"
ROLES_MOVED_LINE = "• {who} — {role} dialihkan kepada {to} pada {when}"  # /alihkan
# /cabut
# {who}: NAMED or UNNAMED, as REVOKED's {holder}
REVOKE_NOT_HOLDER = "{who} tidak memegang peran {role}; tidak ada peran yang dicabut."
# {holder}: NAMED ("Budi (ID 1002)"), or UNNAMED for someone who gave no name
REVOKED = "Peran {role} milik {holder} telah dicabut."
REVOKED_VACANT = "\nPeran {role} kini tidak dipegang siapa pun{waiting}."
TASKS_WAITING_FOR_NO_ONE = "; sebanyak {count} tugas menunggu pelaksana"
# {end}: REVOKED_ACTING_EXCEPT when tasks wait that the acting official may not decide
REVOKED_ACTING_KEEPS = " {kind}. {role} {who} tetap menerima tugas peran ini sampai {until}{end}"
REVOKED_ACTING_EXCEPT = ", kecuali yang tidak dapat diputuskannya."
REVOKED_INVITE_NEW = " Undang pejabat baru dengan <code>/undang {role}</code>."
# /alihkan
REASSIGN_NOT_HOLDER = "{who} tidak memegang peran {role}."
# /cabut or /alihkan naming the role's acting official in force, as if he held it
NOT_HOLDER_BUT_ACTING = (
    "{who} tidak memegang peran {role} sebagai pejabat definitif; yang bersangkutan adalah "
    "{title} sampai {until}. Penetapan itu diakhiri dengan <code>/akhiri_plh {role_id}</code>."
)
REASSIGN_HOLDER_ALREADY = "{who} telah memegang peran {role}."
# {held}: REASSIGN_HELD_BEFORE or ""; {moved}: REASSIGN_TASKS_*; {told}: REASSIGN_TOLD_* or ""
REASSIGNED = "Peran {role} dialihkan dari {old} kepada {new}{held}. {moved}{told}."
REASSIGN_HELD_BEFORE = ", yang telah memegang peran ini"
REASSIGN_TASKS_MOVED = (
    "Sebanyak {tasks} tugas yang sedang berjalan kini menjadi tugas yang bersangkutan"
)
REASSIGN_TASKS_NONE_NEW = "Tidak ada tugas yang baru menjadi tugas yang bersangkutan"
REASSIGN_TASKS_NONE = "Tidak ada tugas yang sedang menunggu pada peran ini"
REASSIGN_TOLD_BOTH = "; keduanya telah diberi tahu"
REASSIGN_TOLD_ONE = "; {name} telah diberi tahu"
# to the administrator who gave a role (/alihkan, an invitation used) to someone who holds
# another role of the same review chain: what four eyes does then (views.second_roles_text)
SECOND_ROLE = (
    "⚠️ <b>Perhatian:</b> {who} kini memegang peran <b>{role}</b> dan juga peran "
    "<b>{other}</b>, yang keduanya memeriksa atau memutuskan dalam rangkaian pemeriksaan yang "
    "sama; satu orang tidak memutuskan dua tingkat pemeriksaan pada berkas yang sama."
)
# ... a step of a single-holder role: the case goes to no one, the administrators are told
SECOND_ROLE_WAITS = (
    " Pada {steps} ({later}), berkas yang telah ditanganinya sebagai {earlier} tidak "
    "diteruskan kepadanya: berkas itu menunggu sampai Bapak/Ibu menetapkan Plh/Plt {later} "
    "(<code>/plh {later_id}</code>), dan Bapak/Ibu diberi tahu setiap berkas demikian."
)
# ... a step of a shared role (no acting officials): its other holders decide it
SECOND_ROLE_OTHERS = (
    " Pada {steps} ({later}), berkas yang telah ditanganinya sebagai {earlier} diputuskan "
    "oleh pemegang peran {later} yang lain; bila tidak ada, berkas itu menunggu dan "
    "Bapak/Ibu diberi tahu."
)
# ... a strategic step (four eyes gives way): he decides it, and the decision records it
SECOND_ROLE_SIGNS = (
    " {steps} ({later}) hanya dapat diputuskan oleh pejabat definitif: yang bersangkutan "
    "tetap memutuskannya, dan keputusannya mencatat bahwa ia telah menangani berkas itu "
    "sebagai {earlier}."
)
# ... to the administrator who appointed a Plh/Plt ({title}: "Plh. Karo") who holds another
# role of the role's review chain
SECOND_ROLE_ACTING = (
    "⚠️ <b>Perhatian:</b> {who} kini menjadi <b>{title}</b> dan juga memegang peran "
    "<b>{other}</b>, yang keduanya memeriksa atau memutuskan dalam rangkaian pemeriksaan yang "
    "sama; satu orang tidak memutuskan dua tingkat pemeriksaan pada berkas yang sama."
)
# ... a step of the role he acts in: its definitive holder decides it
SECOND_ROLE_DEFINITIVE = (
    " Pada {steps} ({later}), berkas yang telah ditanganinya sebagai {earlier} tidak "
    "diputuskan olehnya selaku {title}, melainkan disampaikan kepada pejabat definitif "
    "{later}; bila tidak ada, berkas itu menunggu dan Bapak/Ibu diberi tahu."
)
SECOND_ROLE_ACTING_FOOT = (
    " Penetapan tetap berlaku; bila tidak dikehendaki, akhiri dengan "
    "<code>/akhiri_plh {role_id}</code>."
)
SECOND_ROLE_STEP = "langkah {steps}"
SECOND_ROLE_STEP_OF = "langkah {steps} SOP {code}"  # when the unit runs several SOPs
SECOND_ROLE_FOOT = (
    " Peran tetap diberikan; bila tidak dikehendaki, cabut dengan "
    "<code>/cabut {person} {role_id}</code>."
)
# /batalkan, /ubah_arsip
CASE_CANCELLED_BY_ADMIN = "Berkas #{case} telah dibatalkan. Para pihak telah diberi tahu."
ARCHIVE_CORRECTED = (
    "Nomor arsip Berkas #{case} telah diubah dari <code>{old}</code> menjadi "
    "<code>{new}</code> dan dicatat dalam riwayatnya. Dokumentasi dan arsip dokumentasinya "
    "diterbitkan ulang dengan nomor tersebut dan dikirim kepada pengarsipnya."
)
# /plh, /plt ({whom}: "Plh. Drs. Agus Salim (ID 1007)")
ACTING_BUSY = (
    "Peran tersebut sudah memiliki {whom} sampai {last}. Akhiri dahulu dengan "
    "<code>/akhiri_plh {role}</code>."
)
ACTING_OVERLAP = (
    "Peran tersebut telah memiliki {whom} yang berlaku mulai {first} sampai {last}; masa "
    "penetapan tidak boleh tumpang tindih. Mohon tetapkan sampai sebelum tanggal mulainya."
)
ACTING_REFUSALS = {
    "no_role": "Peran tersebut tidak dikenal.",
    "shared": "Peran bersama (tim) tidak memerlukan Plh/Plt.",
    "holder": (
        "Pegawai tersebut adalah pejabat definitif peran itu; Plh/Plt ditetapkan untuk pegawai lain."
    ),
    "past": "Tanggal akhir sudah lewat; mohon periksa kembali tanggalnya.",
}
# {moved}: ACTING_TASKS_MOVED or ACTING_NO_TASKS_MOVED; {definitive}: ACTING_VACANT,
# ACTING_DEFINITIVE_TOLD, or why the definitive holder could not be told
APPOINTED = "{who} ditetapkan sebagai {title} sampai {until}. {moved} {definitive}"
ACTING_TASKS_MOVED = (
    "Sebanyak {tasks} tugas yang sedang berjalan dialihkan kepada yang bersangkutan."
)
ACTING_NO_TASKS_MOVED = "Tidak ada tugas yang sedang berjalan untuk dialihkan."
ACTING_VACANT = (
    "Peran {role} tidak memiliki pejabat definitif; undang pejabat definitifnya dengan "
    "<code>/undang {role_id}</code>."
)
ACTING_DEFINITIVE_TOLD = "Pejabat definitif telah diberi tahu."
# /plh or /plt again for the acting official in force, same role and kind: its end moves
# ({told}: ACTING_EXTENDED_TOLD, or "" when he never pressed Start, warned of instead);
# the refusals' {whom}: "Plh. Drs. Agus Salim (ID 1007)"
ACTING_EXTENDED = (
    "Penetapan {who} sebagai {title} diperpanjang sampai {until}. Tugas yang sedang berjalan "
    "tetap pada yang bersangkutan{told}."
)
ACTING_EXTENDED_TOLD = ", dan yang bersangkutan telah diberi tahu"
ACTING_NOT_SHORTENED = (
    "Penetapan {whom} berlaku sampai {last}; tanggal akhir yang baru tidak dapat lebih awal "
    "dari itu. Untuk mengakhiri masa tugasnya lebih awal, mohon gunakan "
    "<code>/akhiri_plh {role}</code>."
)
ACTING_UNCHANGED = "Tidak ada perubahan: penetapan {whom} memang berlaku sampai {last}."
# ... one named in the config's [[acting]]: the bot follows the config at each start
ACTING_EXTEND_IN_CONFIG = (
    "Penetapan {whom} sampai {last} tercantum dalam berkas konfigurasi (<code>[[acting]]</code>). "
    "Mohon perpanjang dengan mengubah <code>until</code> pada entri tersebut, lalu jalankan "
    "ulang bot; penetapannya tidak terputus."
)
# /akhiri_plh
NO_ACTING_IN_FORCE = "Tidak ada Plh/Plt yang sedang berlaku untuk peran tersebut."
ACTING_ENDED_BY_ADMIN = "Penetapan {who} sebagai {title} diakhiri"
# ... then one of these ({waiting}: ACTING_ENDED_WAITING, or "")
ACTING_ENDED_WAITING = "; sebanyak {count} tugas menunggu pelaksana ({cases})"
ACTING_ENDED_VACANT = (
    ". Peran {role} tidak memiliki pejabat definitif{waiting}. Undang pejabat definitifnya "
    "dengan <code>/undang {role_id}</code> atau tetapkan Plt dengan "
    "<code>/plt {role_id}</code>."
)
ACTING_ENDED_BACK = "; tugas yang sedang berjalan kembali kepada pejabat definitif."
# /ubah_data
FIX_NO_ROLE = (
    "ID <code>{person}</code> tidak memegang peran apa pun di sini; tidak ada data yang "
    "dapat diperbaiki."
)
FIX_ASKED_ADMIN = (
    "Permintaan perbaikan data telah dikirim kepada {who}. Yang bersangkutan mengetik sendiri "
    "nama, NIP, dan jabatannya; Bapak/Ibu akan diberi tahu setelah datanya diperbarui."
)

# -- texts the bot writes into papers (bot.paperwork), beside the templates' own -----------

# the SK Tim's considerations ({activity}: the SOP's name from a lower-case letter; {subject}:
# SK_SUBJECT; {issuer}: the SOP's top role's full title); an amending decree's, then a
# first decree's
SK_SUBJECT = "Tim {sop} {year_label} {year}"
SK_AMENDED_CONSIDERATIONS = (
    "bahwa dalam rangka {activity} {year_label} {year} telah dibentuk {team};",
    "bahwa untuk kelancaran pelaksanaan tugas, susunan keanggotaan {team} perlu diubah;",
    "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, "
    "perlu menetapkan Keputusan {issuer} tentang Perubahan Susunan Keanggotaan "
    "{subject};",
)
SK_CONSIDERATIONS = (
    "bahwa dalam rangka {activity} {year_label} {year} perlu dibentuk {team};",
    "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a, perlu menetapkan "
    "Keputusan {issuer} tentang Pembentukan {subject};",
)
# the decree an amending SK Tim amends ({dots}: the number the office writes), with the
# amendments made before it (SK_AMENDED_ONCE after the first, else SK_AMENDED_MORE)
SK_AMENDED_DECREE = "Keputusan {issuer} Nomor {dots} tentang Pembentukan {subject}"
SK_AMENDED_BEFORE = (
    " sebagaimana {how} dengan Keputusan {issuer} Nomor {dots} tentang Perubahan "
    "Susunan Keanggotaan {subject}"
)
SK_AMENDED_ONCE = "telah diubah"
SK_AMENDED_MORE = "telah beberapa kali diubah terakhir"
# the team's duties derived from the SOP ({what}: documents, "A, B, dan C")
DUTY_AS_TASK = "melaksanakan {task}"  # a step title that is not a verb ("Penyusunan draf")
DUTY_HAND_ON = " dan menyerahkan {what} kepada {official}"
DUTY_HAND_ON_RESULT = "hasilnya"  # DUTY_HAND_ON's {what} for a step of no named document
DUTY_CORRECT = "memperbaiki {what} sesuai hasil pemeriksaan {reviewers}"
DUTY_CORRECT_WORK = "hasil kerja {team}"  # DUTY_CORRECT's {what} for no named document
DUTY_REPORT = "melaporkan pelaksanaan tugas kepada {official}"
DUTY_REPORT_THROUGH = " melalui {official}"
# the Lembar Disposisi's "Isi Disposisi": to a superior, asking for direction; else an
# instruction ({activity}: the step's activity, from a lower-case letter)
DISPOSISI_UP = (
    "Dengan hormat disampaikan usulan sebagaimana tersebut pada perihal, untuk mendapat "
    "arahan dan persetujuan Bapak/Ibu."
)
DISPOSISI_DOWN = "Mohon ditindaklanjuti: {activity}"

# -- sopbot sop import / sop show (bot.cli): to the office's operator who drafts an SOP ---

SOP_DRAFT_GUESSES = (
    "\nDRAF: {count} tebakan belum dikonfirmasi (sopbot check dan run menolaknya; "
    "periksa, lalu tulis confirmed = true pada butirnya):"
)
SOP_IMPORT_EXISTS = (
    "error: {out} sudah ada; gunakan --force untuk menimpanya (hasil pemeriksaan di "
    "dalamnya akan hilang)"
)
# {error}: SOP_IMPORT_OS_ERRORS[errno], or SOP_IMPORT_OS_ERROR with its errno name (the
# system's own text, strerror, is English)
SOP_IMPORT_UNREADABLE = "error: {source}: tidak dapat dibaca: {error}"
SOP_IMPORT_BUG = (
    "error: {source}: kesalahan internal pengimpor ({kind}: {error}); tidak ada file yang "
    "ditulis. Mohon laporkan kepada pengembang sopbot beserta formulir ini"
)
SOP_IMPORT_UNWRITABLE = "error: {out}: tidak dapat ditulis: {error}"
SOP_IMPORT_OS_ERRORS = {
    errno.ENOENT: "berkas atau foldernya tidak ada; periksa nama dan letaknya",
    errno.ENOTDIR: "salah satu bagian jalurnya bukan folder; periksa nama dan letaknya",
    errno.EISDIR: "itu folder, bukan berkas; sebutkan nama berkasnya",
    errno.EACCES: "tidak ada izin; periksa hak akses berkas dan foldernya",
    errno.EPERM: "tidak ada izin; periksa hak akses berkas dan foldernya",
    errno.EROFS: "disknya hanya dapat dibaca; pilih folder lain",
    errno.ENOSPC: "ruang disk penuh; kosongkan sebagian ruang atau pilih disk lain",
    errno.EDQUOT: "kuota disk habis; kosongkan sebagian ruang atau pilih disk lain",
    errno.ENAMETOOLONG: "namanya terlalu panjang; gunakan nama yang lebih pendek",
    errno.ELOOP: "tautan simbolisnya berputar; periksa nama dan letaknya",
}
SOP_IMPORT_OS_ERROR = "kesalahan sistem ({code})"  # any other: EIO
# {where}: SOP_IMPORT_WRITTEN_TO or SOP_IMPORT_PRINTED; {show}: the draft's file, quoted
SOP_IMPORT_DONE = (
    "draf {where}: {steps} langkah, {roles} peran, {documents} dokumen; {guesses} tebakan "
    "perlu diperiksa (sopbot sop show {show})"
)
SOP_IMPORT_WRITTEN_TO = "ditulis ke {out}"
SOP_IMPORT_PRINTED = "dicetak"

# -- files -------------------------------------------------------------------------------
# "Berkas" is the case (Berkas #12); a file is a "dokumen" (or "file").

UNNAMED_FILE = "dokumen"  # the name of a file sent without one
FILE_NO_EXTENSION = "(tanpa ekstensi)"  # the {ext} of FILE_TYPE_REFUSED for a name with none
# the kinds of alert (bot.alerts: in ALERT_HELD_AT_STOP's {kind}) of uploads refused for the
# files folder, by its fault (bot.filestore.FolderFault)
FOLDER_ALERT_KINDS = {
    "not_mounted": "folder dokumen tidak terpasang",
    "full": "folder dokumen penuh",
    "not_writable": "folder dokumen tidak dapat ditulisi",
    "read_only": "folder dokumen read-only",
    "io_error": "folder dokumen galat I/O",
}

NO_UPLOAD_EXPECTED = (
    "Mohon maaf, saat ini tidak ada langkah yang memerlukan unggahan dokumen dari Bapak/Ibu."
)
FILE_TOO_BIG = (
    "Mohon maaf, ukuran dokumen melebihi batas {limit} MB. Silakan mengirim dokumen yang "
    "lebih kecil."
)
FILE_TYPE_REFUSED = (
    "Mohon maaf, jenis file <b>{ext}</b> tidak dapat diterima.\nJenis yang diterima: {allowed}.\n"
    "Silakan menyimpan ulang dokumen sebagai salah satu jenis tersebut{example} lalu "
    "mengirimkannya kembali."
)
# a file whose name ends in no type (a WhatsApp download, a forward without its name) and
# whose type Telegram does not tell either: ``examples`` its name with an accepted type
FILE_TYPE_UNNAMED = (
    "Mohon maaf, jenis dokumen <b>{name}</b> tidak dapat dikenali karena namanya tidak "
    "berakhiran jenis file.\nJenis yang diterima: {allowed}.\nSilakan mengganti nama file "
    "tersebut sehingga berakhiran jenisnya, misalnya {examples}, lalu mengirimkannya kembali."
)
# a file that came with no name at all (a forward, some apps) and no type Telegram tells:
# ``examples`` two accepted types (".pdf atau .docx")
FILE_TYPE_NO_NAME = (
    "Mohon maaf, file yang Bapak/Ibu kirim tidak bernama dan jenisnya tidak dapat dikenali.\n"
    "Jenis yang diterima: {allowed}.\nSilakan mengirimkannya kembali sebagai file dengan nama "
    "berakhiran jenisnya, misalnya {examples}."
)
# the type a refused one is saved again as, named only when the office accepts it
SAVE_AS = {"xlsm": "xlsx", "xls": "xlsx", "rar": "zip", "7z": "zip", "docm": "docx", "odt": "docx"}
SAVE_AS_EXAMPLE = " (misalnya .{sent} sebagai .{instead})"
FILE_STEP_MOVED_ON = (
    "Mohon maaf, dokumen <b>{name}</b> tidak dicatat pada berkas: langkahnya telah berpindah "
    "(diserahkan, diputuskan, atau ditarik kembali) sebelum dokumen tersebut diterima. Bila "
    "masih diperlukan, silakan mengirimkannya kembali pada langkah yang meminta dokumen."
)
FILE_SEND_AS_DOCUMENT = (
    "Silakan mengirim dokumen sebagai <b>file</b> (lampiran), bukan sebagai foto atau media."
)
# the step's documents uploaded in another chat (a colleague's drafts, the previous
# holder's): worded to stay true once the button has sent them here
UNHELD_UPLOADS = (
    "📎 Dokumen langkah ini yang diunggah oleh pegawai lain: {names}. Silakan menekan "
    "{button} untuk menerimanya di obrolan ini bila Bapak/Ibu memerlukannya."
)
FILES_EARLIER_IN_CHAT = "📎 Dokumen untuk langkah ini telah dikirim sebelumnya di obrolan ini."
FILE_DOWNLOAD_FAILED = "Mohon maaf, dokumen tidak dapat diunduh. Silakan mengirim ulang."
# a file of an album that waited for its case and that several starts of the bot took up
# and never finished (bot.services.albums.MOST_RESUMES): not tried again
FILE_NOT_RECORDED = (
    "Mohon maaf, layanan sempat terhenti beberapa kali saat dokumen <b>{name}</b> diproses "
    "sehingga dokumen tersebut tidak dicatat pada berkas. Silakan mengirim ulang dokumen "
    "tersebut."
)
# What each extension should hold, as a file check's refusal names it ("bukan {kind} yang sah").
FILE_KINDS = {
    "pdf": "dokumen PDF",
    "doc": "dokumen Word",
    "docx": "dokumen Word",
    "odt": "dokumen teks OpenDocument",
    "rtf": "dokumen RTF",
    "xls": "lembar kerja Excel",
    "xlsx": "lembar kerja Excel",
    "ods": "lembar kerja OpenDocument",
    "csv": "data CSV",
    "ppt": "presentasi PowerPoint",
    "pptx": "presentasi PowerPoint",
    "odp": "presentasi OpenDocument",
    "txt": "dokumen teks",
    "zip": "arsip ZIP",
    "jpg": "gambar JPEG",
    "jpeg": "gambar JPEG",
    "png": "gambar PNG",
}

# The file check's refusals (bot.filecheck), keyed by reason, in HTML parse mode. ``{name}``
# is the document's name and MUST be HTML-escaped by the caller (``e``); ``{ext}`` and
# ``{kind}`` come from bot.filecheck, and ``{macro}``, the macro-enabled extension (xlsm for
# xlsx): see :func:`bot.filecheck.refusal_text`. In this bot "Berkas" means the case, so a
# file is always a "dokumen" here.
FILE_KIND_OTHER = "dokumen"  # the {kind} of an extension FILE_KINDS does not name
FILE_CHECK_REFUSALS = {
    "empty": (
        "Mohon maaf, dokumen <b>{name}</b> kosong (0 bita) sehingga tidak dapat diterima. "
        "Silakan mengirim ulang dokumen yang benar."
    ),
    "mismatch": (
        "Mohon maaf, isi dokumen <b>{name}</b> tidak sesuai dengan format .{ext} "
        "(bukan {kind} yang sah). Silakan memeriksa kembali dokumen tersebut."
    ),
    "macros": (
        "Mohon maaf, dokumen <b>{name}</b> memuat makro (sebuah dokumen .{macro}) sehingga "
        "tidak dapat dibuka sebagai .{ext} oleh para pemeriksa. Silakan menyimpan ulang "
        "dokumen tersebut tanpa makro sebagai .{ext} (menu Simpan Sebagai/Save As) lalu "
        "mengirimkannya kembali."
    ),
    "encrypted": (
        "Mohon maaf, dokumen <b>{name}</b> dilindungi kata sandi sehingga tidak dapat dibuka "
        "oleh para pemeriksa. Silakan mengirim ulang dokumen tersebut tanpa kata sandi."
    ),
}
# an upload the files folder cannot take (bot.filestore.FolderFault: a share not mounted,
# full, not writable, read-only, an I/O error): nothing of it is kept, the case is as it
# was ({problem}: FILE_STORE_PROBLEM of the fault; {told}: FILE_STORE_UNAVAILABLE_TOLD when
# the bot has administrators)
FILE_STORE_UNAVAILABLE = (
    "Mohon maaf, {problem} sehingga dokumen <b>{name}</b> tidak tersimpan dan Berkas #{case} "
    "tidak mengalami perubahan.{told} Mohon Bapak/Ibu mengirimkan kembali dokumen tersebut "
    "beberapa saat lagi."
)
FILE_STORE_PROBLEM = {
    "not_mounted": "tempat penyimpanan dokumen untuk sementara tidak dapat diakses",
    "full": "tempat penyimpanan dokumen sedang penuh",
    "not_writable": "tempat penyimpanan dokumen sedang mengalami gangguan",
    "read_only": "tempat penyimpanan dokumen sedang mengalami gangguan",
    "io_error": "tempat penyimpanan dokumen sedang mengalami gangguan",
}
FILE_STORE_UNAVAILABLE_TOLD = " Gangguan ini telah disampaikan kepada administrator."
# to the administrators, once while it lasts: {folder} storage.files_dir, {marker} the
# marker file's path in it
FILES_NOT_MOUNTED_ADMIN = (
    "⚠️ Folder dokumen bot (<code>storage.files_dir</code>) <code>{folder}</code> tidak "
    "dapat dipakai: file penandanya <code>{marker}</code> tidak ada sehingga folder itu "
    "tampaknya share jaringan yang belum terpasang (<i>mount</i>). Selama itu tidak ada "
    "dokumen yang disimpan: dokumen yang diunggah pegawai ditolak (pengirimnya diminta "
    "mengirim ulang nanti), sedangkan lembar dan pengiriman dokumen tertahan.\n"
    "Mohon pasang kembali share tersebut pada <code>{folder}</code>, lalu periksa dengan "
    "<code>sopbot check</code>. Hanya bila folder itu memang folder dokumen bot dan "
    "penandanya terhapus (atau dokumennya hilang untuk selamanya), buat penanda itu "
    "kembali: <code>touch {marker}</code>."
)
# to the administrators, once while it lasts, of a files folder that cannot take a file
# for another fault than a share not mounted: {folder} storage.files_dir, {problem} and
# {todo} of FILES_FOLDER_FAULTS, {error} the system's error ("ENOSPC: No space left on
# device"), {where} the folder it could not write in
FILES_FOLDER_FAULT_ADMIN = (
    "⚠️ Folder dokumen bot (<code>storage.files_dir</code>) <code>{folder}</code> {problem}. "
    "Galat sistem: <code>{error}</code>, saat menulis di <code>{where}</code>. Selama "
    "gangguan ini berlangsung, dokumen yang diunggah pegawai tidak dapat disimpan dan "
    "ditolak (pengirimnya diminta mengirim ulang nanti).\n{todo}"
)
FILES_FOLDER_FAULTS = {
    "full": (
        "penuh: ruang disk atau kuotanya habis",
        "Mohon kosongkan ruang atau tambah kuota pada disk/share folder tersebut (periksa "
        "dengan <code>df -h {folder}</code>).",
    ),
    "not_writable": (
        "tidak dapat ditulisi oleh pengguna sistem yang menjalankan bot",
        "Mohon perbaiki izinnya (pemilik dan hak tulis folder tersebut beserta subfoldernya "
        "bagi pengguna bot), lalu periksa dengan <code>sopbot check</code>.",
    ),
    "read_only": (
        "berada pada sistem berkas yang hanya dapat dibaca (<i>read-only</i>)",
        "Mohon pasang kembali (<i>mount</i>) disk/share tersebut dengan hak tulis. Bila "
        "sistem berkas itu menjadi <i>read-only</i> karena galat disk, periksa disknya lebih "
        "dahulu (log kernel, <code>dmesg</code>).",
    ),
    "io_error": (
        "mengalami galat input/output (I/O)",
        "Mohon periksa disk atau share tempat folder tersebut berada (log kernel, "
        "<code>dmesg</code>; sambungan ke server share).",
    ),
}
ASK_WHICH_DOCUMENT = (
    "Dokumen <b>{name}</b> diterima untuk Berkas #{case}. Mohon pilih jenis dokumen ini:"
)
FILE_ATTACHED = "✅ <b>{name}</b> dicatat sebagai {doc} (versi {version}{replaces})."
FILE_DUPLICATE = "Dokumen <b>{name}</b> sama dengan versi terakhir {doc}; tidak dicatat ulang."
FILE_SAME_AS_OTHER = (
    "Dokumen <b>{name}</b> sama persis dengan dokumen yang telah dicatat sebagai {doc}; "
    "tidak dicatat. Mohon periksa kembali dan kirim dokumen yang dimaksud."
)
FILES_REPLACED_IN_ONE_DOCUMENT = (
    "ℹ️ Berkas #{case}: {doc} hanya menyimpan satu dokumen. Dokumen yang terakhir, "
    "<b>{name}</b>, kini tercatat sebagai versi terbarunya (versi {version}) dan menggantikan "
    "dokumen yang dikirim sebelumnya: {earlier}.\nBila beberapa halaman atau bahan "
    "dimaksudkan untuk {doc}, mohon Bapak/Ibu mengirimkannya sebagai satu file, misalnya "
    "satu PDF berisi seluruh halaman atau satu .zip berisi seluruh bahan."
)
# ({numbers}: t.case_numbers, the first ten and how many more)
WHICH_CASE = (
    "Ada beberapa berkas yang menunggu unggahan dari Bapak/Ibu ({numbers}). Mohon kirim "
    "ulang dokumen dengan keterangan (<i>caption</i>) satu nomor berkas, misalnya "
    "<code>#{example}</code>, atau sebagai balasan (<i>reply</i>) atas pesan tugas berkas tersebut."
)
# ({numbers}: as WHICH_CASE's)
CASE_TAKES_NO_UPLOAD = (
    "Mohon maaf, Berkas #{case} tidak sedang menunggu dokumen dari Bapak/Ibu. Yang menunggu "
    "dokumen dari Bapak/Ibu: {numbers}."
)


def refusal(code: str, **params: object) -> str:
    template = REFUSALS.get(code, REFUSALS["refused"])
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return REFUSALS.get(code, REFUSALS["refused"]).split(":")[0] + "."


def case_numbers(cases: Sequence[int], limit: int = 10) -> str:
    """The case numbers as a notice gives them ("Berkas #3, #5"), the first ``limit`` of
    them ("dan 4 lainnya" for the rest)."""
    shown = ", ".join(f"#{case}" for case in cases[:limit])
    before = "," if limit > 1 else ""  # EYD: "#1, #2, dan 4 lainnya"
    more = f"{before} dan {len(cases) - limit} lainnya" if len(cases) > limit else ""
    return f"Berkas {shown}{more}"
