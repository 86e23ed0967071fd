"""`sopbot check` on the papers: an office's edited templates and the paper names of SOP
files, through ``bot.cli.main`` with a config written to a temporary folder."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from jinja2.exceptions import SecurityError
from word_edits import (
    BODY,
    CONTENT_CONTROL,
    FOOTER,
    TRACKED_INSERTION,
    office_copy,
    retyped,
    with_word_2010_styles,
)

from bot.cli import main
from bot.config import ConfigError, load_config
from bot.core.loader import definition_from_text, load_definition
from bot.papers import samples
from bot.papers.registry import LAPORAN, PAPERS, paper_kinds, step_paper_problems
from bot.papers.render import SHIPPED_TEMPLATES, PaperRenderer, TemplateFailed, jinja_environment

ROOT = Path(__file__).resolve().parents[1]
SOP = ROOT / "sops" / "penyusunan-program-kerja.toml"
KNOWN = ", ".join(PAPERS)


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-token-for-the-check")


def write_config(folder: Path, body: str = "", sop: Path = SOP) -> Path:
    path = folder / "config.toml"
    path.write_text(f"sops = [{json.dumps(str(sop))}]\n{body}", encoding="utf-8")
    path.chmod(0o600)
    return path


def check(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check", "--config", str(config)])
    out, err = capsys.readouterr()
    return code, out, err


# --- templates ----------------------------------------------------------------------


def test_the_shipped_templates_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(write_config(tmp_path), capsys)
    assert code == 0, err
    assert "papers: every template fills with sample data (shipped templates only)" in out


def test_an_office_copy_with_a_misspelt_placeholder_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office_copy(tmp_path / "kantor", "disposisi.docx", ("{{ case.title }}", "{{ case.titel }}"))
    office_copy(tmp_path / "kantor", "rkakl.docx")  # unchanged: passes
    config = write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n')
    code, _, err = check(config, capsys)
    assert code != 0
    problems = [line for line in err.splitlines() if line.startswith("error:")]
    assert problems == [
        f"error: {tmp_path / 'kantor' / 'disposisi.docx'}: undefined placeholder 'case.titel'"
    ]


def test_a_placeholder_split_by_word_and_one_in_a_branch_not_taken_are_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Word often splits what an office types into runs of their own: {{ case. | judul }}.
    split = "{{ case.</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>judul }}"
    hidden = "{% if step_no == 'x' %}{{ reviewer.jabatan }}{% endif %}"
    office_copy(
        tmp_path / "kantor",
        "pemeriksaan.docx",
        ("{{ step_title }}", split),
        ("{{ reason_label }}", "{{ reason_label }}" + hidden),
    )
    config = write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n')
    code, _, err = check(config, capsys)
    assert code != 0
    assert "pemeriksaan.docx: undefined placeholder 'case.judul'" in err
    assert "pemeriksaan.docx: undefined placeholder 'reviewer.jabatan'" in err


def test_a_broken_tag_is_reported_with_its_paragraph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office_copy(tmp_path / "kantor", "sk_tim.docx", ("{{ decree_number }}", "{{ decree_number }"))
    config = write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n')
    code, _, err = check(config, capsys)
    assert code != 0
    [problem] = [line for line in err.splitlines() if line.startswith("error:")]
    assert problem.startswith(f"error: {tmp_path / 'kantor' / 'sk_tim.docx'}: template error")
    assert "NOMOR {{ decree_number }" in problem  # the paragraph, to find it in Word


def test_an_office_template_written_from_scratch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "kantor"
    folder.mkdir()
    good = docx.Document()
    good.add_paragraph("LEMBAR DISPOSISI {{ case.case_no }} {{ date_long }}")
    good.save(str(folder / "disposisi.docx"))
    stray = docx.Document()
    stray.add_paragraph("{{ apa_saja }}")
    stray.save(str(folder / "disposisi lama.docx"))  # not a template: a warning only
    stray.save(str(folder / "SK_Tim.DOCX"))  # the SK Tim under other capitals: not taken
    config = write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n')
    code, out, err = check(config, capsys)
    assert code == 0, err
    assert f"warning: {folder / 'disposisi lama.docx'}: not a paper template, ignored" in err
    assert f"warning: {folder / 'SK_Tim.DOCX'}: ignored: the file must be named sk_tim.docx" in err
    assert f"papers: every template fills with sample data ({folder})" in out


def one_paragraph_copy(tmp_path: Path, name: str, text: str) -> tuple[Path, Path]:
    """An office's templates folder with one copy, ``name``, of one paragraph, and a config
    that points at it."""
    folder = tmp_path / "kantor"
    folder.mkdir()
    copy = docx.Document()
    copy.add_paragraph(text)
    copy.save(str(folder / name))
    return folder, write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n')


def test_an_office_copy_with_every_placeholder_typed_over_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Disposisi typed over in Word with one case's text fills nothing: every case's
    Disposisi would read the same. It still renders, so check passes, with a warning."""
    folder, config = one_paragraph_copy(
        tmp_path,
        "disposisi.docx",
        "LEMBAR DISPOSISI Berkas #7 Program Kerja TA 2027, 5 Desember 2026",
    )
    code, _, err = check(config, capsys)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "no placeholder left" in line]
    assert warnings == [
        f"warning: {folder / 'disposisi.docx'}: no placeholder left: every disposisi paper "
        "would read the same, without the case's title, people or dates"
    ]


def test_an_office_sk_tim_made_before_the_amending_decree_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An office's SK Tim without ``amended`` still renders (check passes), but the SK that
    amends a team would read "Pembentukan": check says so. The shipped one is not warned of."""
    folder, config = one_paragraph_copy(
        tmp_path, "sk_tim.docx", "PEMBENTUKAN TIM {{ case.sop_name|upper }} {{ date }}"
    )
    code, _, err = check(config, capsys)
    assert code == 0, err
    assert [line for line in err.splitlines() if "amended" in line] == [
        f"warning: {folder / 'sk_tim.docx'}: never uses `amended`: the SK that amends a team "
        "after a member's place passes on would read as the one that formed it (see "
        "doc_templates/README.md, and the shipped sk_tim.docx)"
    ]
    (folder / "sk_tim.docx").unlink()
    _, _, err = check(config, capsys)
    assert "amended" not in err


@pytest.mark.parametrize(
    ("name", "text", "placeholder", "consequence"),
    [
        (
            "pemeriksaan.docx",
            "LEMBAR PEMERIKSAAN {{ case.title }} PERINGATAN: Teliti kesesuaian berkas",
            "case.warning",
            "every Lembar Pemeriksaan would show the Peringatan typed into the copy (or none), "
            "not the one of its case's SOP",
        ),
        (
            "dokumentasi.docx",
            "DOKUMENTASI {{ case.title }} Penyimpanan: Data elektronik dan manual",
            "storage",
            "every Dokumentasi would show the Penyimpanan typed into the copy, not the record "
            "keeping of its case's SOP",
        ),
    ],
)
def test_an_office_copy_made_before_the_papers_followed_their_sop_is_warned_of(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    placeholder: str,
    consequence: str,
) -> None:
    """An office's Lembar Pemeriksaan or Dokumentasi copied before they showed their own
    SOP's Peringatan and record keeping has the first SOP's texts typed in: it still renders
    (check passes), but every SOP's papers would carry them. Check names the file and the
    placeholder; the shipped ones are not warned of."""
    folder, config = one_paragraph_copy(tmp_path, name, text)
    code, _, err = check(config, capsys)
    assert code == 0, err
    assert [line for line in err.splitlines() if "never uses" in line] == [
        f"warning: {folder / name}: never uses `{placeholder}`: {consequence} (see "
        f"doc_templates/README.md, and the shipped {name})"
    ]
    (folder / name).unlink()
    _, _, err = check(config, capsys)
    assert "never uses" not in err


def test_an_office_dokumentasi_made_before_completed_cases_is_warned_of_where_sops_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The office's Dokumentasi, copied while every case ended in archiving, reads the
    Penyimpanan from its SOP but never asks whether the case was `completed`: beside an SOP
    whose last step finishes a case (the Biro Humas's reply to a complaint), its completed
    cases' Dokumentasi would read as filed, so check names the file and the placeholder;
    beside the shipped SOP alone (every case archived), it is no concern."""
    text = "DOKUMENTASI {{ case.title }} Nomor Arsip: {{ archive_reference }} {{ storage }}"
    folder, config = one_paragraph_copy(tmp_path, "dokumentasi.docx", text)
    code, _, err = check(config, capsys)
    assert code == 0, err
    assert "never uses" not in err
    jawaban = ROOT / "tests" / "fixtures" / "sops" / "surat-jawaban.toml"
    config.write_text(
        f"sops = [{json.dumps(str(SOP))}, {json.dumps(str(jawaban))}]\n"
        '[papers]\ntemplates_dir = "kantor"\n',
        encoding="utf-8",
    )
    code, _, err = check(config, capsys)
    assert code == 0, err
    assert [line for line in err.splitlines() if "never uses" in line] == [
        f"warning: {folder / 'dokumentasi.docx'}: never uses `completed`: the Dokumentasi of a "
        "case completed without archiving would read as filed (Nomor Arsip, Waktu "
        "Pengarsipan, Diarsipkan oleh, Penyimpanan) (see doc_templates/README.md, and the "
        "shipped dokumentasi.docx)"
    ]


@pytest.mark.parametrize("effects", [True, False], ids=["with_stylesWithEffects", "styles_only"])
def test_an_office_copy_that_carries_words_unused_styles_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], effects: bool
) -> None:
    """An office's Lembar Pemeriksaan copied before the shipped templates lost Word's unused
    styles still fills (check passes), but each paper takes about twice the CPU: check names
    the file, what it carries and how to get a lean copy. The shipped one is not warned of."""
    folder = tmp_path / "kantor"
    copy = with_word_2010_styles(folder, "pemeriksaan.docx", effects)
    config = write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n')
    with zipfile.ZipFile(copy) as package:
        styles = package.getinfo("word/styles.xml").file_size
    assert styles > 200_000
    parts = f"word/styles.xml {round(styles / 1000)} KB"
    total = styles
    if effects:
        parts += f", word/stylesWithEffects.xml {round(styles / 1000)} KB"
        total += styles
    code, out, err = check(config, capsys)
    assert code == 0, err
    assert "papers: every template fills with sample data" in out
    assert [line for line in err.splitlines() if "Word styles" in line] == [
        f"warning: {copy}: {round(total / 1000)} KB of Word styles ({parts}), most of them "
        "unused, which every paper reads and writes again: the 790 KB the shipped templates "
        "carried before 2026-12-07 doubled the CPU of each paper (a Lembar Pemeriksaan 22–25 ms "
        f"against 10–12). `sopbot template lean {copy} --output <new file>` writes a copy "
        "without the unused ones, the office's edits kept (see doc_templates/README.md)"
    ]
    copy.unlink()
    _, _, err = check(config, capsys)
    assert "Word styles" not in err


def test_a_file_that_is_not_a_docx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "kantor").mkdir()
    (tmp_path / "kantor" / "dokumentasi.docx").write_bytes(b"not a word document")
    config = write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n')
    code, _, err = check(config, capsys)
    assert code != 0
    assert "dokumentasi.docx: not a Word document (.docx)" in err


@pytest.mark.parametrize("part", ["word/document.xml", FOOTER])
def test_an_office_edits_a_placeholder_with_track_changes_on_and_check_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], part: str
) -> None:
    """An office retypes the end of a placeholder of its Lembar Pemeriksaan (in the body,
    or in the footer) with Track Changes on, and saves without accepting the change.
    docxtpl would cut the paper short after it, or fail on the footer: `sopbot check`
    names the file, the part and the paragraph, and asks for the changes to be accepted;
    the bot refuses the template as it refuses a misspelt placeholder."""
    text, tail, near = {
        "word/document.xml": ("{{ case.title }}", "title }}", "{{ case.title }}"),
        FOOTER: (
            "Lembar Pemeriksaan · Berkas {{ case.case_no }} · Langkah {{ step_no }}",
            "case_no }}",
            "Lembar Pemeriksaan · Berkas {{ case.case_no }} · Langkah {{ step_no }} Halaman 1 "
            "dari 1",
        ),
    }[part]
    path = office_copy(
        tmp_path / "kantor",
        "pemeriksaan.docx",
        retyped(text, tail, TRACKED_INSERTION),
        part=part,
    )
    code, _, err = check(write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n'), capsys)
    assert code != 0
    [problem] = [line for line in err.splitlines() if line.startswith("error:")]
    assert problem == (
        f"error: {path}: {part}: tracked changes (near {near!r}): accept or reject every "
        "change in Word (Review → Accept All Changes) and save the file"
    )
    with pytest.raises(TemplateFailed) as failed:
        kind = PAPERS["pemeriksaan"]
        PaperRenderer(tmp_path / "kantor").render(kind, kind.sample())
    assert failed.value.path == path and failed.value.part == part
    assert failed.value.key == "tracked_changes"


def test_a_placeholder_deleted_with_track_changes_on_is_named_as_a_tracked_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A placeholder deleted under tracking stays in the file (Word shows it struck
    through), and docxtpl would still fill it: check asks for the changes to be accepted,
    rather than naming a placeholder the office no longer sees."""
    deleted = (
        '<w:del w:id="91" w:author="Kantor" w:date="2026-01-05T10:00:00Z"><w:r>'
        "<w:delText>{{ case.titel }}</w:delText></w:r></w:del>"
    )
    path = office_copy(
        tmp_path / "kantor",
        "disposisi.docx",
        ("<w:t>{{ case.title }}</w:t></w:r>", "<w:t>{{ case.title }}</w:t></w:r>" + deleted),
    )
    code, _, err = check(write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n'), capsys)
    assert code != 0
    [problem] = [line for line in err.splitlines() if line.startswith("error:")]
    assert problem == (
        f"error: {path}: word/document.xml: tracked changes (near 'Perihal : {{{{ case.title }}}}"
        "{{ case.titel }}'): accept or reject every change in Word (Review → Accept All "
        "Changes) and save the file"
    )


def test_formatting_changed_with_track_changes_on_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An office makes the title bold with Track Changes on: the paper still fills as it
    should, so check passes, but it warns that every paper would show the change as a
    revision."""
    bold = '<w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t>{{ case.title }}</w:t>'
    tracked = (
        '<w:rPr><w:b/><w:sz w:val="22"/><w:rPrChange w:id="92" w:author="Kantor" '
        'w:date="2026-01-05T10:00:00Z"><w:rPr><w:sz w:val="22"/></w:rPr></w:rPrChange>'
        "</w:rPr><w:t>{{ case.title }}</w:t>"
    )
    path = office_copy(tmp_path / "kantor", "disposisi.docx", (bold, tracked))
    code, _, err = check(write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n'), capsys)
    assert code == 0, err
    assert (
        f"warning: {path}: word/document.xml: formatting changes still tracked (near "
        "'Perihal : {{ case.title }}'): every paper would show them as revisions; accept or "
        "reject every change in Word (Review → Accept All Changes) and save the file"
    ) in err
    kind = PAPERS["disposisi"]
    paper = docx.Document(
        io.BytesIO(PaperRenderer(tmp_path / "kantor").render(kind, kind.sample()))
    )
    cells = [c.text for t in paper.tables for r in t.rows for c in r.cells]
    assert f"Perihal\t: {samples.CASE.title}" in cells


@pytest.mark.parametrize("part", [BODY, FOOTER])
def test_a_placeholder_typed_partly_into_a_content_control_is_named_with_its_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], part: str
) -> None:
    """An office retypes the end of a placeholder of its Lembar Pemeriksaan (the title in
    the body, the case number in the footer) into a content control, the start of it left
    outside. Filled, the part is no longer XML: the body was cut short after it without a
    word, the footer failed with lxml's error and no file named. `sopbot check` names the
    file, the part and the placeholder; the bot refuses the template."""
    text, tail, placeholder = {
        BODY: ("{{ case.title }}", "title }}", "{{ case.title }}"),
        FOOTER: (
            "Lembar Pemeriksaan · Berkas {{ case.case_no }} · Langkah {{ step_no }}",
            "case_no }}",
            "{{ case.case_no }}",
        ),
    }[part]
    path = office_copy(
        tmp_path / "kantor", "pemeriksaan.docx", retyped(text, tail, CONTENT_CONTROL), part=part
    )
    code, _, err = check(write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n'), capsys)
    assert code != 0
    [problem] = [line for line in err.splitlines() if line.startswith("error:")]
    assert problem == (
        f"error: {path}: {part}: not valid XML once filled (Opening and ending tag mismatch: p "
        f"and sdtContent): the placeholder {placeholder!r} runs across a link, a field or a "
        "content control; retype it as plain text"
    )
    kind = PAPERS["pemeriksaan"]
    with pytest.raises(TemplateFailed) as failed:
        PaperRenderer(tmp_path / "kantor").render(kind, kind.sample())
    assert failed.value.path == path and failed.value.part == part
    assert failed.value.key == "broken_xml"


def test_an_expression_that_fails_on_the_values_is_the_templates_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An office computes with a placeholder in the footer of its Lembar Pemeriksaan, and
    divides by zero: jinja raises Python's own error, not a template error. It is the
    template's failure all the same (the paper is given up at once, not retried), named
    with its file and part."""
    path = office_copy(
        tmp_path / "kantor",
        "pemeriksaan.docx",
        ("{{ step_no }}", "{{ step_no|int // 0 }}"),
        part=FOOTER,
    )
    kind = PAPERS["pemeriksaan"]
    with pytest.raises(TemplateFailed) as failed:
        PaperRenderer(tmp_path / "kantor").render(kind, kind.sample())
    assert failed.value.part == FOOTER
    code, _, err = check(write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n'), capsys)
    assert code != 0
    [problem] = [line for line in err.splitlines() if line.startswith("error:")]
    assert (
        problem == f"error: {path}: {FOOTER}: ZeroDivisionError: integer division or modulo by zero"
    )


def test_a_block_that_leaves_a_table_half_open_is_named_with_the_text_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An office wraps the paraf in the last cell of the Disposisi and the note below the
    table in one plain {% if %}: when the condition does not hold, the table is left open
    and docxtpl dropped the rest of the paper. `sopbot check` names the file, the part and
    the text before the place, and says how to write such a block."""
    path = office_copy(
        tmp_path / "kantor",
        "disposisi.docx",
        ("{{ paraf }}", "{% if case.case_no == 'B1' %}{{ paraf }}"),
        ("Lembar disposisi ini dibuat", "{% endif %}Lembar disposisi ini dibuat"),
    )
    code, _, err = check(write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n'), capsys)
    assert code != 0
    [problem] = [line for line in err.splitlines() if line.startswith("error:")]
    assert problem.startswith(f"error: {path}: word/document.xml: not valid XML once filled (")
    assert problem.endswith(
        ": a placeholder there may run across a link, a field or a content control, or a "
        "{% %} block open in one paragraph or cell and close in another; retype the "
        "placeholder as plain text, or write the block as {%p %} or {%tr %}"
    )


# --- paper names in SOP files -------------------------------------------------------


def sop_with(tmp_path: Path, old: str, new: str, source: Path = SOP) -> Path:
    """``source`` (the shipped SOP) with one passage written otherwise, under its own name
    ("x.toml" for the shipped one) in ``tmp_path``."""
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / ("x.toml" if source == SOP else source.name)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_unknown_paper_in_a_step_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The third step ([[steps]] number 2, counting from 0) writes a Disposisi.
    text = SOP.read_text(encoding="utf-8")
    third = [m.start() for m in re.finditer(r"(?m)^\[\[steps\]\]", text)][2]
    at = text.index('papers = ["disposisi"]', third)
    broken = text[:at] + 'papers = ["disposisi_typo"]' + text[at + len('papers = ["disposisi"]') :]
    sop = tmp_path / "x.toml"
    sop.write_text(broken, encoding="utf-8")
    code, _, err = check(write_config(tmp_path, sop=sop), capsys)
    assert code != 0
    assert f"{sop}: steps[2].papers: unknown paper 'disposisi_typo' (known: {KNOWN})" in err


def test_unknown_templates_and_document_papers_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sop = sop_with(tmp_path, 'templates = ["program_kerja",', 'templates = ["progam_kerja",')
    text = sop.read_text(encoding="utf-8").replace('paper = "sk_tim"', 'paper = "sk"', 1)
    sop.write_text(text, encoding="utf-8")
    code, _, err = check(write_config(tmp_path, sop=sop), capsys)
    assert code != 0
    assert f"{sop}: steps[5].templates: unknown paper 'progam_kerja' (known: {KNOWN})" in err
    assert f"{sop}: documents.sk.paper: unknown paper 'sk' (known: {KNOWN})" in err


# --- papers where a step of that kind cannot have them -------------------------------


def sop_with_step_key(tmp_path: Path, index: int, line: str) -> Path:
    """The shipped SOP with ``line`` added to its step ``steps[index]``."""
    text = SOP.read_text(encoding="utf-8")
    at = [m.end() for m in re.finditer(r"(?m)^\[\[steps\]\]\n", text)][index]
    path = tmp_path / "x.toml"
    path.write_text(text[:at] + line + "\n" + text[at:], encoding="utf-8")
    return path


def test_every_paper_the_shipped_sop_names_fits_its_step() -> None:
    assert step_paper_problems(load_definition(SOP)) == []


def test_a_step_whose_papers_name_the_report_is_refused_naming_the_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The SOP evaluation report is no paper of a case: a case could never be made into
    one (before, the outbox failed on it at run time)."""
    sop = sop_with_step_key(tmp_path, 0, 'papers = ["laporan"]')
    code, _, err = check(write_config(tmp_path, sop=sop), capsys)
    assert code != 0
    assert (
        f"{sop}: steps[0].papers: paper 'laporan' (Laporan Evaluasi Penerapan SOP) is not a "
        "paper of a case"
    ) in err
    assert "Traceback" not in err


def test_a_lembar_pemeriksaan_named_on_an_action_step_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kasubag's proposal (step 1) decides nothing: a Lembar Pemeriksaan of it would record
    a return that never happened."""
    sop = sop_with_step_key(tmp_path, 0, 'papers = ["pemeriksaan"]')
    code, _, err = check(write_config(tmp_path, sop=sop), capsys)
    assert code != 0
    assert (
        f"{sop}: steps[0].papers: paper 'pemeriksaan' (Lembar Pemeriksaan) does not fit papers "
        "of an action step: the bot writes it by itself for every decision of a review step"
    ) in err


def test_a_review_step_naming_its_lembar_pemeriksaan_is_refused_as_it_would_be_written_twice() -> (
    None
):
    raw = SOP.read_text(encoding="utf-8").replace(
        'papers = ["disposisi"]', 'papers = ["disposisi", "pemeriksaan"]', 1
    )
    problems = step_paper_problems(definition_from_text(raw))
    assert problems == [
        "steps[1].papers: paper 'pemeriksaan' (Lembar Pemeriksaan) does not fit papers of a "
        "review step: the bot writes it by itself for every decision of a review step"
    ]


@pytest.mark.parametrize(
    ("index", "line", "problem"),
    [
        (
            0,
            'papers = ["sk_tim"]',
            "steps[0].papers: paper 'sk_tim' (Draf SK Tim Penyusunan) does not fit papers of "
            "an action step: it belongs in papers of a team step",
        ),
        (
            0,
            'templates = ["dokumentasi"]',
            "steps[0].templates: paper 'dokumentasi' (Dokumentasi) does not fit templates of "
            "an action step: it belongs in papers of an archive step (a case completed "
            "without archiving gets it by itself)",
        ),
        (
            1,
            'templates = ["disposisi"]',
            "steps[1].templates: paper 'disposisi' (Lembar Disposisi) does not fit templates of "
            "a review step: it belongs in papers of an action, review, team or upload step",
        ),
        (
            1,
            'templates = ["rkakl"]',
            "steps[1].templates: paper 'rkakl' (Kerangka Draf RKAKL) does not fit templates of "
            "a review step: it belongs in templates of an action or upload step",
        ),
        (
            0,
            'papers = ["program_kerja"]',
            "steps[0].papers: paper 'program_kerja' (Kerangka Draf Program Kerja) does not fit "
            "papers of an action step: it belongs in templates of an action or upload step",
        ),
        (
            11,
            'templates = ["laporan"]',
            "steps[11].templates: paper 'laporan' (Laporan Evaluasi Penerapan SOP) is not a "
            "paper of a case",
        ),
    ],
    ids=[
        "an SK Tim from a step that forms no team",
        "a Dokumentasi handed out before the archive",
        "a Disposisi handed out on entering a review",
        "a blank draft handed to a reviewer",
        "a blank draft written when a step is done",
        "the report handed to the archivist",
    ],
)
def test_a_paper_that_does_not_fit_the_kind_of_its_step_is_refused(
    tmp_path: Path, index: int, line: str, problem: str
) -> None:
    definition = load_definition(sop_with_step_key(tmp_path, index, line))
    assert step_paper_problems(definition) == [problem]


def test_a_disposisi_on_the_archive_step_is_refused_as_no_step_follows() -> None:
    raw = SOP.read_text(encoding="utf-8").replace(
        'papers = ["dokumentasi"]', 'papers = ["dokumentasi", "disposisi"]', 1
    )
    assert step_paper_problems(definition_from_text(raw)) == [
        "steps[11].papers: paper 'disposisi' (Lembar Disposisi) does not fit papers of an "
        "archive step: it belongs in papers of an action, review, team or upload step"
    ]


def test_the_report_as_the_paper_of_a_document_is_refused() -> None:
    raw = SOP.read_text(encoding="utf-8").replace('paper = "sk_tim"', 'paper = "laporan"', 1)
    assert step_paper_problems(definition_from_text(raw)) == [
        "documents.sk.paper: paper 'laporan' (Laporan Evaluasi Penerapan SOP) is not a paper "
        "of a case"
    ]


# --- the [papers] table -------------------------------------------------------------


def test_an_office_report_that_walks_from_the_chart_to_the_document_writes_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An office's laporan.docx reaches for the chart's document and tries to save it over
    the bot's database: the paper is refused (the sandbox lets a template read plain data
    only), the file is left as it was, and `sopbot check` names the template."""
    victim = tmp_path / "sopbot.sqlite3"
    victim.write_bytes(b"SQLite format 3\x00 data kantor")
    for walk in ("chart.tpl", "chart._inline.tpl"):
        office_copy(
            tmp_path / "kantor",
            "laporan.docx",
            ("{{ chart }}", "{{ chart }}{{ " + walk + ".save('" + str(victim) + "') }}"),
        )
        renderer = PaperRenderer(tmp_path / "kantor")
        with pytest.raises(TemplateFailed):
            renderer.render(LAPORAN, samples.sample_laporan())
        assert victim.read_bytes() == b"SQLite format 3\x00 data kantor"
        code, _, err = check(write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n'), capsys)
        assert code != 0 and "laporan.docx" in err
    assert victim.read_bytes() == b"SQLite format 3\x00 data kantor"
    (tmp_path / "kantor" / "laporan.docx").unlink()
    assert len(docx.Document(_laporan(PaperRenderer(tmp_path / "kantor"))).inline_shapes) == 1


@pytest.mark.parametrize("placed", ["{{ chart|upper }}", "{{ chart|trim }}"])
def test_an_office_report_that_filters_the_chart_as_text_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], placed: str
) -> None:
    """An office's laporan.docx puts the chart through a text filter: the Laporan would show
    the image's XML as capitalised text, so the paper fails and `sopbot check` names the
    file and the chart, as it names a misspelt placeholder."""
    office_copy(tmp_path / "kantor", "laporan.docx", ("{{ chart }}", placed))
    with pytest.raises(TemplateFailed):
        _laporan(PaperRenderer(tmp_path / "kantor"))
    code, _, err = check(write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n'), capsys)
    assert code != 0
    [problem] = [line for line in err.splitlines() if line.startswith("error:")]
    assert problem == (
        f"error: {tmp_path / 'kantor' / 'laporan.docx'}: template error in word/document.xml: 'chart' is an "
        "image: "
        "place it as {{ chart }} alone, without a filter or text joined to it"
    )


def test_an_office_report_that_places_the_chart_gets_the_picture(tmp_path: Path) -> None:
    """`{{ chart }}`, and `{{ chart|default("") }}`, still place the chart as a picture."""
    for placed in ("{{ chart }}", '{{ chart|default("") }}'):
        office_copy(tmp_path / "kantor", "laporan.docx", ("{{ chart }}", placed))
        paper = docx.Document(_laporan(PaperRenderer(tmp_path / "kantor")))
        assert len(paper.inline_shapes) == 1
        assert "w:drawing" not in "".join(p.text for p in paper.paragraphs)


def _laporan(renderer: PaperRenderer) -> io.BytesIO:
    return io.BytesIO(renderer.render(LAPORAN, samples.sample_laporan()))


class _Drawer:
    """Any object but plain data: a template must not reach its methods or attributes."""

    def __init__(self) -> None:
        self.opened = False
        self.name = "laci"

    def open(self) -> str:
        self.opened = True
        return "terbuka"


@pytest.mark.parametrize(
    "source",
    ["{{ x.open() }}", "{{ x.name }}", "{{ x['open']() }}", "{{ (x|attr('open'))() }}"],
)
def test_a_template_reads_no_attribute_of_an_object_that_is_not_plain_data(source: str) -> None:
    drawer = _Drawer()
    with pytest.raises(SecurityError):
        jinja_environment().from_string(source).render(x=drawer)
    assert not drawer.opened


def test_a_template_still_reads_text_lists_mappings_and_its_loop() -> None:
    source = (
        "{% for m in members %}{{ loop.index }}. {{ m.name|upper }}{{ ', ' if not loop.last }}"
        "{% endfor %} / {{ case.title.strip() }} / {{ '%s-%s'|format(a, b) }} / "
        "{{ range(2)|list }}"
    )
    context = {
        "members": [{"name": "ayu"}, {"name": "rudi"}],
        "case": {"title": " Usulan "},
        "a": 1,
        "b": 2,
    }
    assert jinja_environment().from_string(source).render(context) == (
        "1. AYU, 2. RUDI / Usulan / 1-2 / [0, 1]"
    )


def test_templates_dir_is_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "kantor").mkdir()
    config = load_config(write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n'))
    assert config.papers.templates_dir == tmp_path / "kantor"
    assert load_config(write_config(tmp_path)).papers.templates_dir is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            '[papers]\ntemplates_dir = "tidak-ada"\n',
            "papers.templates_dir: no such folder: tidak-ada",
        ),
        ("[papers]\ntemplates_dir = 7\n", "papers.templates_dir: must be a str, got 7"),
        ('[papers]\ntemplates_dir = ""\n', "papers.templates_dir: must name a folder"),
        ('[papers]\ntemplate_dir = "kantor"\n', "papers.template_dir: unknown key"),
        ('papers = "kantor"\n', "papers: must be a table"),
    ],
)
def test_a_bad_papers_table_is_named_by_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, problem: str
) -> None:
    path = write_config(tmp_path, body)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert any(p.startswith(problem) for p in exc.value.problems), exc.value.problems
    code, _, err = check(path, capsys)
    assert code != 0 and problem in err


def test_the_example_config_documents_the_papers_table() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert "[papers]" in text and "templates_dir" in text
    assert load_config(ROOT / "config.example.toml").papers.templates_dir is None


# --- an SOP's own blank drafts ([blanks.<id>]) ----------------------------------------

SPM = ROOT / "tests" / "fixtures" / "sops" / "spm-ls.toml"
KONSEP_SPP = ROOT / "tests" / "fixtures" / "templates" / "konsep_spp.docx"


def spm_with(tmp_path: Path, old: str, new: str) -> Path:
    return sop_with(tmp_path, old, new, source=SPM)


def office_folder_with_konsep_spp(tmp_path: Path) -> str:
    """The office's templates folder holding the SPM-LS's konsep_spp.docx: its config."""
    (tmp_path / "kantor").mkdir()
    shutil.copy(KONSEP_SPP, tmp_path / "kantor")
    return '[papers]\ntemplates_dir = "kantor"\n'


def test_the_spm_ls_without_its_konsep_spp_template_is_refused_naming_the_key_and_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The SPM-LS hands the P.P.K. its own Kerangka Konsep SPP-LS; the office has not put
    konsep_spp.docx in its folder yet: check names the SOP file's key and both folders."""
    (tmp_path / "kantor").mkdir()
    code, _, err = check(
        write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n', SPM), capsys
    )
    assert code == 2
    assert (
        f"error: {SPM}: blanks.konsep_spp.template: konsep_spp.docx is in neither "
        f"{tmp_path / 'kantor'} (papers.templates_dir) nor {ROOT / 'doc_templates'}"
    ) in err


def test_the_spm_ls_without_an_office_folder_is_told_where_its_blank_belongs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = check(write_config(tmp_path, sop=SPM), capsys)
    assert code == 2
    assert (
        f"error: {SPM}: blanks.konsep_spp.template: konsep_spp.docx is not in "
        f"{ROOT / 'doc_templates'}, and no papers.templates_dir (the office's folder, where "
        "an SOP's own blank draft belongs) is set"
    ) in err


def test_the_spm_ls_with_its_konsep_spp_template_in_the_office_folder_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office = office_folder_with_konsep_spp(tmp_path)
    code, out, err = check(write_config(tmp_path, office, SPM), capsys)
    assert code == 0, err
    assert "papers: every template fills with sample data" in out
    assert "konsep_spp" not in err  # a paper's template, not a stray file; named by a step


def test_sopbot_template_lean_writes_a_copy_without_words_unused_styles_that_check_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The office runs the command check names on its heavy Lembar Pemeriksaan: the copy
    keeps the office's edit and every style a part uses, loses the 100 table styles and
    stylesWithEffects.xml, and check passes it without the warning. An existing file is
    not overwritten without --force."""
    folder = tmp_path / "kantor"
    heavy = with_word_2010_styles(tmp_path / "lama", "pemeriksaan.docx")
    edited = office_copy(
        folder, "pemeriksaan.docx", ("LEMBAR PEMERIKSAAN BERKAS", "LEMBAR PEMERIKSAAN KANTOR")
    )
    with zipfile.ZipFile(heavy) as old, zipfile.ZipFile(edited) as new:
        parts = {n: old.read(n) for n in old.namelist()} | {BODY: new.read(BODY)}
    with zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    config = write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n')
    _, _, err = check(config, capsys)
    assert "Word styles" in err

    lean = tmp_path / "pemeriksaan-lean.docx"
    assert main(["template", "lean", str(edited), "--output", str(lean)]) == 0
    out, _ = capsys.readouterr()
    assert out == f"{lean}: 100 unused styles left out, 11 kept; Word styles 499 KB -> 18 KB\n"
    with zipfile.ZipFile(lean) as z:
        assert "word/stylesWithEffects.xml" not in z.namelist()
        assert z.read(BODY) == parts[BODY]
        with zipfile.ZipFile(SHIPPED_TEMPLATES / "pemeriksaan.docx") as shipped:
            assert z.read("word/styles.xml") == shipped.read("word/styles.xml")
    assert "LEMBAR PEMERIKSAAN KANTOR" in "\n".join(
        p.text for p in docx.Document(str(lean)).paragraphs
    )

    assert main(["template", "lean", str(edited), "--output", str(lean)]) == 2
    assert f"{lean} exists; add --force" in capsys.readouterr().err
    assert main(["template", "lean", str(lean), "--output", str(edited), "--force"]) == 0
    capsys.readouterr()
    code, out, err = check(config, capsys)
    assert code == 0, err
    assert "papers: every template fills with sample data" in out
    assert "Word styles" not in err


NOT_DOCX = {
    # Word 97-2003's .doc: an OLE compound file, not a zip
    "pemeriksaan.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "pemeriksaan.pdf": b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n",
    "pemeriksaan-teks.docx": b"LEMBAR PEMERIKSAAN BERKAS\n",
}


@pytest.mark.parametrize("name", NOT_DOCX)
def test_sopbot_template_lean_on_a_file_that_is_no_docx_says_to_save_it_as_docx(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """The office hands the IT officer its template as a .doc, a PDF or a text file renamed
    .docx: the command said python-docx's "Package not found" (the file was right there)."""
    source = tmp_path / name
    source.write_bytes(NOT_DOCX[name])
    lean = tmp_path / "lean.docx"
    assert main(["template", "lean", str(source), "--output", str(lean)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: {source}: not a Word .docx document; ")
    assert "Save As" in err and "Word Document (*.docx)" in err
    assert "Package not found" not in err
    assert not lean.exists()


def test_sopbot_template_lean_on_another_office_package_says_it_is_no_docx(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A zip of another kind (a LibreOffice .odt renamed .docx) is no Word document either."""
    source = tmp_path / "pemeriksaan.docx"
    with zipfile.ZipFile(source, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", "<office:document-content/>")
    assert main(["template", "lean", str(source), "--output", str(tmp_path / "lean.docx")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {source}: not a Word .docx document; ")


def test_an_sops_own_blank_made_from_the_program_kerja_of_before_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The SPM-LS's konsep_spp.docx, made by the office from the shipped program_kerja.docx
    while that carried Word's unused styles (a template no shipped file stands for): check
    names it, and the command that makes it lean."""
    heavy = with_word_2010_styles(tmp_path / "kantor", "program_kerja.docx")
    copy = heavy.rename(tmp_path / "kantor" / "konsep_spp.docx")
    config = write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n', SPM)
    code, _, err = check(config, capsys)
    assert code == 0, err
    [warning] = [line for line in err.splitlines() if "Word styles" in line]
    assert warning.startswith(f"warning: {copy}: ")
    assert f"`sopbot template lean {copy} --output <new file>`" in warning


def test_a_misspelt_placeholder_in_an_sops_own_blank_is_named_with_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kantor = tmp_path / "kantor"
    kantor.mkdir()
    document = docx.Document(str(KONSEP_SPP))
    document.add_paragraph("Diteliti oleh {{ karo.nama }}")
    document.save(str(kantor / "konsep_spp.docx"))
    code, _, err = check(
        write_config(tmp_path, '[papers]\ntemplates_dir = "kantor"\n', SPM), capsys
    )
    assert code == 2
    assert f"error: {kantor / 'konsep_spp.docx'}: undefined placeholder 'karo.nama'" in err


def test_a_blank_named_by_no_step_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office = office_folder_with_konsep_spp(tmp_path)
    sop = spm_with(tmp_path, 'templates = ["konsep_spp"]\n', "")
    code, _, err = check(write_config(tmp_path, office, sop), capsys)
    assert code == 0, err
    assert (
        f"warning: {sop}: blanks.konsep_spp: no step names it in its templates: nobody is "
        "handed the Kerangka Konsep SPP-LS (konsep_spp.docx)"
    ) in err


def test_a_blank_with_the_id_of_a_registered_paper_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sop = spm_with(tmp_path, "[blanks.konsep_spp]\ntitle", "[blanks.program_kerja]\ntitle")
    sop.write_text(
        sop.read_text(encoding="utf-8").replace(
            'templates = ["konsep_spp"]', 'templates = ["program_kerja"]'
        ),
        encoding="utf-8",
    )
    code, _, err = check(write_config(tmp_path, sop=sop), capsys)
    assert code == 2
    assert (
        f"error: {sop}: blanks.program_kerja: 'program_kerja' is the name of a paper the bot "
        "has (Kerangka Draf Program Kerja): give the SOP's blank draft an id of its own"
    ) in err


def test_a_step_naming_a_blank_the_sop_does_not_declare_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office = office_folder_with_konsep_spp(tmp_path)
    sop = spm_with(tmp_path, 'templates = ["konsep_spp"]', 'templates = ["konsep_sp"]')
    code, _, err = check(write_config(tmp_path, office, sop), capsys)
    assert code == 2
    assert (
        f"error: {sop}: steps[2].templates: unknown paper 'konsep_sp' (known: {KNOWN}, konsep_spp)"
    ) in err


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'templates = ["konsep_spp"]\n',
            'templates = ["konsep_spp"]\npapers = ["konsep_spp"]\n',
            "steps[2].papers: paper 'konsep_spp' (Kerangka Konsep SPP-LS) does not fit papers "
            "of an upload step: it belongs in templates of an action or upload step",
        ),
        (
            'related_sop = "SOP Pengujian Tagihan"\n',
            'related_sop = "SOP Pengujian Tagihan"\ntemplates = ["konsep_spp"]\n',
            "steps[1].templates: paper 'konsep_spp' (Kerangka Konsep SPP-LS) does not fit "
            "templates of a review step: it belongs in templates of an action or upload step",
        ),
    ],
    ids=["written when the step is done", "handed to a reviewer"],
)
def test_an_sops_own_blank_fits_the_steps_the_registered_blanks_fit(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    definition = load_definition(spm_with(tmp_path, old, new))
    assert step_paper_problems(definition) == [problem]


def test_the_papers_of_the_spm_ls_are_the_registered_ones_and_its_konsep_spp() -> None:
    kinds = paper_kinds(load_definition(SPM))
    assert list(kinds) == [*PAPERS, "konsep_spp"]
    kind = kinds["konsep_spp"]
    assert (kind.title, kind.template, kind.file_word) == (
        "Kerangka Konsep SPP-LS",
        "konsep_spp.docx",
        "konsep-spp",
    )
    assert kind.record is PAPERS["program_kerja"].record
    assert kind.templates_on == PAPERS["program_kerja"].templates_on
    assert not kind.papers_on
    assert paper_kinds(load_definition(SOP)) is PAPERS
