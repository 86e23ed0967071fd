"""The wording of bot/texts.py read as a whole: every text names the same thing the same way,
whichever message it is in."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot import texts as t


def every_text() -> Iterator[tuple[str, str]]:
    """Each fixed text of bot/texts.py, by its name ("REFUSALS['stale']")."""

    def walk(value: object, name: str) -> Iterator[tuple[str, str]]:
        if isinstance(value, str):
            yield name, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, f"{name}[{key!r}]")
        elif isinstance(value, tuple | list):
            for i, item in enumerate(value):
                yield from walk(item, f"{name}[{i}]")

    for name in dir(t):
        if name.isupper() and not name.startswith("_"):
            yield from walk(getattr(t, name), name)


def test_a_case_is_berkas_with_its_number_in_every_text() -> None:
    """ "Berkas #12" is how the chat names a case, at the head of a message or inside a
    sentence alike ("Nomor arsip ... telah digunakan untuk Berkas #3")."""
    lower = [name for name, text in every_text() if re.search(r"\bberkas #", text)]
    assert lower == []


def test_an_acting_official_is_plh_or_plt_and_is_appointed_as_the_commands_say() -> None:
    """An acting official is "Plh/Plt", never "pejabat pelaksana" or "pelaksana {role}":
    "pelaksana" alone is the holder of a step ("Pelaksana: Kabag"). His appointment is a
    "penetapan", as /plh, /plt and /akhiri_plh name it, not also a "penunjukan"."""
    found = [
        name
        for name, text in every_text()
        if re.search(r"pejabat pelaksana|pelaksana \{role\}|penunjukan", text, re.IGNORECASE)
    ]
    assert found == []


def test_no_comma_parts_a_clause_from_the_one_it_follows() -> None:
    """EYD V: no comma before a subordinate clause that follows its main clause ("... tidak
    dijalankan sehingga ...", "... sebagai pejabat definitif walaupun ..."); a comma goes
    before "sedangkan", "tetapi", "melainkan"."""
    after_comma = re.compile(r", (sehingga|walaupun|meskipun|karena|agar|supaya)\b")
    no_comma = re.compile(r"[^,] (sedangkan|tetapi|melainkan)\b")
    found = [
        name for name, text in every_text() if after_comma.search(text) or no_comma.search(text)
    ]
    assert found == []


def test_a_slash_between_words_has_no_spaces() -> None:
    """EYD V: "Pelaksana Harian/Pelaksana Tugas", as "Plh/Plt" and "Bapak/Ibu" are written
    (a chart's "3 jam / 4 jam" is a figure against its norm, not words)."""
    spaced = [
        name
        for name, text in every_text()
        if not name.startswith("CHART_") and re.search(r"[A-Za-z] / [A-Za-z]", text)
    ]
    assert spaced == []


def test_a_reviewer_is_asked_to_press_as_every_other_holder_is() -> None:
    """Kabag and Karo read "Silakan menekan Setujui ...", "silakan menekan Kembalikan dan
    menuliskan alasannya", as the Kasubag reads "Silakan menekan Ajukan ...": not a bare
    "Tekan ..." after "Mohon berkenan memeriksa"."""
    asked = [t.REVIEW_APPROVE, t.REVIEW_RETURN, t.REVIEW_RETURN_TO, t.REVIEW_RETURN_FURTHER]
    for text in asked:
        assert re.search(r"silakan menekan \{\w+\} (untuk|dan menuliskan)", text, re.I), text
        assert not re.search(r"\btekan\b", text, re.I), text


def test_a_step_is_decided_in_one_word_in_every_text() -> None:
    """ "Langkah ini hanya dapat diputuskan oleh pejabat definitif" in every text that says
    it, not "diputus" in some; "tetap Bapak/Ibu putuskan", not "putus"."""
    found = [
        name
        for name, text in every_text()
        if re.search(r"\b(memutus|diputus|diputusnya|putus)\b", text, re.I)
    ]
    assert found == []


TELEGRAM_TAGS = {"b", "i", "u", "s", "code", "pre", "blockquote", "a", "tg-spoiler"}


def test_every_text_is_html_telegram_parses() -> None:
    """Every text is sent with parse_mode HTML: its tags are Telegram's, each closed, and a
    "<" or "&" of its words is written as an entity ("&lt;nomor&gt;"); a text with a stray
    one is refused by Telegram whole ("can't parse entities")."""
    broken = []
    for name, text in every_text():
        tags = re.findall(r"<(/?)([^<>\s/]*)[^<>]*>", text)
        opened = [tag for close, tag in tags if not close]
        closed = [tag for close, tag in tags if close]
        bare = re.search(r"&(?!(lt|gt|amp|quot);)|<(?![a-z/])", text)
        if bare or not set(opened) <= TELEGRAM_TAGS or sorted(opened) != sorted(closed):
            broken.append(name)
    # the one placeholder written raw: a role the command's reader fills in, escaped by its
    # caller (t.e) like any value
    assert broken == ["TASK_UNDELIVERABLE_ROLE"]


def test_a_person_is_named_as_office_letters_name_one() -> None:
    """The administrator reads of "pegawai tersebut", "yang bersangkutan", "pegawai lain",
    as in every notice, not "orang tersebut" (a count, "satu orang", "3 orang", stays)."""
    found = [
        name
        for name, text in every_text()
        if re.search(r"\borang (tersebut|itu|lain)\b", text, re.IGNORECASE)
    ]
    assert found == []
