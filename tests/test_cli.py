"""The ``sopbot`` command, run as a real process from the repository root (``check`` of an
edited SOP also in this process, beside a running bot)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cli_helpers import ROOT, TOKEN, sopbot
from core_helpers import T0, run_to, sop

import bot.cli
from bot.clock import ManualClock
from bot.core.loader import revision_of
from bot.demo import OFFICIALS, Script, World, draft
from bot.filestore import MARKER, not_mounted
from storage import repo
from storage.db import Database, Tx
from storage.migrations import LATEST

SOP_PATH = ROOT / "sops" / "penyusunan-program-kerja.toml"
EXAMPLE = ROOT / "config.example.toml"
WIB = ZoneInfo("Asia/Jakarta")


def toml_str(value: str | Path) -> str:
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def write_config(tmp_path: Path, body: str = "", sops: list[Path] | None = None) -> Path:
    paths = ", ".join(toml_str(p) for p in (sops or [SOP_PATH]))
    path = tmp_path / "config.toml"
    path.write_text(f"sops = [{paths}]\n{body}", encoding="utf-8")
    path.chmod(0o600)
    return path


# -- sop show --------------------------------------------------------------------------


def test_sop_show_json_describes_the_twelve_steps() -> None:
    result = sopbot("sop", "show", "sops/penyusunan-program-kerja.toml", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    steps = data["steps"]
    assert [s["id"] for s in steps] == list(range(1, 13))
    assert [s["actor"] for s in steps] == [
        "kasubag",
        "kabag",
        "karo",
        "kabag",
        "kasubag",
        "tim",
        "kasubag",
        "kabag",
        "karo",
        "kabag",
        "kasubag",
        "fungsional_umum",
    ]
    assert [s["id"] for s in steps if s["kind"] == "review"] == [2, 3, 7, 8, 9]
    returns = {s["id"]: s["on_return"] for s in steps}
    assert returns == {i: None for i in range(1, 13)} | {2: 1, 3: 2, 7: 6, 8: 7, 9: 8}
    assert all(isinstance(s["time_minutes"], int) and s["time_minutes"] > 0 for s in steps)
    assert [s["on_approve"] for s in steps] == [*range(2, 13), None]
    assert steps[-1]["kind"] == "archive"
    assert data["sop"]["code"] == "ppk-rkakl-pk"
    assert data["norm_minutes"] == sum(s["time_minutes"] for s in steps)
    assert {r["id"] for r in data["roles"]} == {
        "karo",
        "kabag",
        "kasubag",
        "tim",
        "fungsional_umum",
    }


def test_sop_show_json_names_the_blank_drafts_of_the_sops_own() -> None:
    spm = ROOT / "tests" / "fixtures" / "sops" / "spm-ls.toml"
    result = sopbot("sop", "show", str(spm), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["blanks"] == [
        {"id": "konsep_spp", "title": "Kerangka Konsep SPP-LS", "template": "konsep_spp.docx"}
    ]
    assert next(s for s in data["steps"] if s["id"] == 3)["templates"] == ["konsep_spp"]


def test_sop_show_text_lists_every_step() -> None:
    result = sopbot("sop", "show", str(SOP_PATH))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("(ppk-rkakl-pk)")
    assert len(lines) == 13
    assert "↩ 8" in lines[9] and "(end)" in lines[12]


def test_sop_show_refuses_a_broken_definition_naming_the_place(tmp_path: Path) -> None:
    broken = broken_definition(tmp_path)
    result = sopbot("sop", "show", str(broken), "--json")
    assert result.returncode != 0
    assert "steps[1].on_return" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


# -- check -----------------------------------------------------------------------------


def test_check_passes_on_the_example_with_a_token() -> None:
    result = sopbot("check", "--config", "config.example.toml", token=TOKEN)
    assert result.returncode == 0, result.stderr
    assert "ppk-rkakl-pk" in result.stdout
    assert "reviews [2, 3, 7, 8, 9]" in result.stdout
    assert TOKEN not in result.stdout + result.stderr


@pytest.mark.parametrize("token", [None, ""])
def test_check_without_the_token_in_the_shell_warns_and_passes(
    token: str | None, tmp_path: Path
) -> None:
    """An office checking its own template (doc_templates/README.md step 4) or an operator
    checking a restored copy, where the token lives in systemd's EnvironmentFile: the files
    are valid, so check passes (exit 2 is for a broken file), saying the token is not set."""
    (tmp_path / "templates-kantor").mkdir()
    shutil.copy(ROOT / "doc_templates" / "disposisi.docx", tmp_path / "templates-kantor")
    config = write_config(tmp_path, '[papers]\ntemplates_dir = "templates-kantor"\n')
    result = sopbot("check", "--config", str(config), token=token)
    assert result.returncode == 0, result.stderr
    assert "papers: every template fills with sample data" in result.stdout
    assert (
        "warning: bot.token_env: environment variable TELEGRAM_BOT_TOKEN is not set in this "
        "shell; sopbot run needs it"
    ) in result.stderr.splitlines()
    assert "token: from" not in result.stdout


def test_run_without_the_token_refuses_to_start(tmp_path: Path) -> None:
    result = sopbot("run", "--config", str(write_config(tmp_path)))
    assert result.returncode != 0
    assert "error: bot.token_env: environment variable TELEGRAM_BOT_TOKEN is not set" in (
        result.stderr
    )


def test_check_names_an_unknown_timezone(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[time]\ntimezone = "Mars/Olympus"\n')
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode != 0
    assert "time.timezone" in result.stderr
    assert "Mars/Olympus" in result.stderr
    assert "Traceback" not in result.stderr


def broken_definition(tmp_path: Path) -> Path:
    text = SOP_PATH.read_text(encoding="utf-8")
    assert text.count("on_return = 1\n") == 1  # step 2, the second step
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("on_return = 1\n", "on_return = 5\n"), encoding="utf-8")
    return broken


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_files_folder_that_cannot_be_made_is_named_before_the_bot_starts(
    tmp_path: Path, command: str
) -> None:
    """storage.files_dir lies under a file: the bot could take no upload. check and run
    both say so, naming the key, before anything starts."""
    blocker = tmp_path / "bukan-folder"
    blocker.write_text("sebuah berkas")
    database = tmp_path / "data" / "sopbot.sqlite3"
    body = (
        f"[storage]\ndatabase = {toml_str(database)}\nfiles_dir = {toml_str(blocker / 'files')}\n"
    )
    result = sopbot(command, "--config", str(write_config(tmp_path, body)), token=TOKEN)
    assert result.returncode == 2
    assert f"error: storage.files_dir: {blocker / 'files'} cannot be made" in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr


@pytest.mark.parametrize("command", ["check", "run"])
def test_an_sops_own_blank_draft_without_its_template_stops_the_start(
    tmp_path: Path, command: str
) -> None:
    """The SPM-LS hands the P.P.K. its own Kerangka Konsep SPP-LS, whose konsep_spp.docx the
    office has not put in its folder: the bot could never hand it out. check and run both
    refuse, naming the SOP file's key and both folders, before anything starts."""
    spm = ROOT / "tests" / "fixtures" / "sops" / "spm-ls.toml"
    (tmp_path / "kantor").mkdir()
    body = (
        f"[storage]\ndatabase = {toml_str(tmp_path / 'sopbot.sqlite3')}\n"
        f"files_dir = {toml_str(tmp_path / 'f')}\n"
        '[papers]\ntemplates_dir = "kantor"\n'
    )
    config = write_config(tmp_path, body, sops=[spm])
    result = sopbot(command, "--config", str(config), token=TOKEN)
    assert result.returncode == 2, result.stderr
    assert (
        f"error: {spm}: blanks.konsep_spp.template: konsep_spp.docx is in neither "
        f"{tmp_path / 'kantor'} (papers.templates_dir) nor {ROOT / 'doc_templates'}"
    ) in result.stderr
    assert not (tmp_path / "sopbot.sqlite3").exists()  # nothing started


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_webhook_url_on_a_port_telegram_never_calls_is_refused_before_the_bot_starts(
    tmp_path: Path, command: str
) -> None:
    """bot.webhook.url names port 9443: Telegram posts only to 443, 80, 88 and 8443, so the
    bot would wait for ever for updates that never come. check and run both refuse it."""
    database = tmp_path / "sopbot.sqlite3"
    body = (
        f'[bot]\nmode = "webhook"\n[bot.webhook]\nurl = "https://office.example:9443/sopbot"\n'
        f"[storage]\ndatabase = {toml_str(database)}\nfiles_dir = {toml_str(tmp_path / 'f')}\n"
    )
    result = sopbot(command, "--config", str(write_config(tmp_path, body)), token=TOKEN)
    assert result.returncode == 2, result.stderr
    assert "bot.webhook.url: Telegram calls a webhook only on port 443, 80, 88 or 8443" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_check_names_a_database_that_is_a_folder(tmp_path: Path) -> None:
    """Named plainly, and only so: not first "not a usable SQLite database (disk I/O error)"
    from opening the folder as a database."""
    folder = tmp_path / "arsip"
    folder.mkdir()
    body = f"[storage]\ndatabase = {toml_str(folder)}\n"
    result = sopbot("check", "--config", str(write_config(tmp_path, body)), token=TOKEN)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: storage.database: {folder} is a folder, not a database file"]


@pytest.mark.parametrize(
    ("storage", "said"),
    [
        ('database = "data/"', "not a folder"),
        ('database = "data/x"\nfiles_dir = "data/x"', "is also storage.files_dir"),
        ('database = "data"', "is a folder above storage.files_dir"),
    ],
)
def test_check_refuses_a_database_path_the_bot_would_make_a_folder(
    tmp_path: Path,
    storage: str,
    said: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """check used to pass these; the bot then made its files folder at start and stopped
    on "not a usable SQLite database (unable to open database file)"."""
    config = write_config(tmp_path, f"[storage]\n{storage}\n")
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code == 2
    assert "storage.database: " in err and said in err, err
    assert not (tmp_path / "data").exists()


def test_check_names_an_empty_database_setting(tmp_path: Path) -> None:
    body = '[storage]\ndatabase = ""\n'
    result = sopbot("check", "--config", str(write_config(tmp_path, body)), token=TOKEN)
    assert result.returncode == 2
    assert (
        "storage.database: must name the SQLite database file or a postgresql:// URL"
        in result.stderr
    )
    assert "disk I/O error" not in result.stderr and "Traceback" not in result.stderr


def test_check_names_the_place_in_a_broken_definition(tmp_path: Path) -> None:
    config = write_config(tmp_path, sops=[broken_definition(tmp_path)])
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode != 0
    assert "steps[1].on_return" in result.stderr
    assert "broken.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_says_how_steps_are_counted_when_it_names_a_step_by_its_place(
    tmp_path: Path,
) -> None:
    """Kasubag's office misspells a paper in the step with id = 5 (the fifth [[steps]]
    table): check names "steps[4].papers", and the office looked for it in the step with
    id = 4, which names no paper of that kind. A note says how steps[N] counts."""
    sop = tmp_path / "sop.toml"
    text = SOP_PATH.read_text(encoding="utf-8")
    assert 'papers = ["sk_tim"]' in text
    sop.write_text(text.replace('papers = ["sk_tim"]', 'papers = ["sk_timm"]'), encoding="utf-8")
    result = sopbot("check", "--config", str(write_config(tmp_path, sops=[sop])), token=TOKEN)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"error: {sop}: steps[4].papers: unknown paper") for line in lines)
    assert lines[-1] == (
        "note: steps[N] counts the [[steps]] tables of an SOP file from 0, in the order they "
        "are written: steps[4] is the fifth, whatever its id"
    ), lines


def test_check_names_unknown_roles_of_people(tmp_path: Path) -> None:
    body = '[[people]]\ntelegram_id = 5\nroles = ["kabag"]\n\n'
    body += '[[people]]\ntelegram_id = 6\nroles = ["kasubag", "bupati"]\n'
    config = write_config(tmp_path, body)
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode != 0
    assert "people[1].roles: unknown role 'bupati'" in result.stderr
    assert "people[0]" not in result.stderr


def test_check_refuses_a_plh_who_holds_the_role_himself_naming_the_entry(tmp_path: Path) -> None:
    """[[acting]] names the Karo as Plh Karo: nobody acts for himself (/plh refuses it),
    so the bot does not start with it; a Plh of another role is accepted."""
    body = '[[people]]\ntelegram_id = 7\nroles = ["karo"]\n\n'
    body += '[[acting]]\nrole = "kabag"\ntelegram_id = 7\nuntil = 2030-12-31\n\n'
    body += '[[acting]]\nrole = "karo"\ntelegram_id = 7\nuntil = 2030-12-31\n'
    config = write_config(tmp_path, body)
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode != 0
    assert "acting[1].telegram_id: 7 holds 'karo' (people[0])" in result.stderr
    assert "acting[0]" not in result.stderr


def test_check_names_overrides_of_unknown_sops_and_steps(tmp_path: Path) -> None:
    body = "[sop_time_overrides.ppk-rkakl-pk]\n13 = 60\n\n[sop_time_overrides.lain]\n1 = 60\n"
    config = write_config(tmp_path, body)
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode != 0
    assert "sop_time_overrides.ppk-rkakl-pk.13" in result.stderr
    assert "sop_time_overrides.lain" in result.stderr


# a day whose year and the next the holidays package knows the cuti bersama of (>= 0.109)
CHECKED_ON = datetime(2026, 12, 7, 9, 0, tzinfo=WIB)


def check_here(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    now: datetime = CHECKED_ON,
) -> tuple[int, str, str]:
    """``sopbot check`` in this process (faster than a process of its own), run on ``now``."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    code = bot.cli.main(["check", "--config", str(config)], clock=ManualClock(now))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_warns_of_next_years_cuti_bersama_the_holidays_package_does_not_know(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked in December 2099: the installed holidays release knows no cuti bersama of
    2100 (nor of 2099; the office listed its own for 2099 in time.extra_days_off). Without a
    warning none of 2100's would be a day off and the norms would count them; check names
    the year and both ways out, and still passes."""
    body = 'admins = [42]\n\n[time]\nextra_days_off = ["2099-12-24"]\n'
    config = write_config(tmp_path, body)
    code, _, err = check_here(config, capsys, monkeypatch, datetime(2099, 12, 7, 9, tzinfo=WIB))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: time.")]
    assert warnings == [
        f"warning: time.joint_leave: the installed holidays package ({version('holidays')}) "
        "knows no joint leave days (cuti bersama) of ID in 2100, so none of them counts as a "
        "day off: once the decree is out, add them with time.extra_days_off, or upgrade "
        "holidays (pip install --upgrade holidays) and restart the bot"
    ], err
    # in June the next year's decree is not out yet: nothing to warn of
    code, _, err = check_here(config, capsys, monkeypatch, datetime(2099, 6, 7, 9, tzinfo=WIB))
    assert code == 0 and "warning: time." not in err, err
    # an office that does not count joint leave days is not warned
    config = write_config(tmp_path, "admins = [42]\n\n[time]\njoint_leave = false\n")
    code, _, err = check_here(config, capsys, monkeypatch, datetime(2099, 12, 7, 9, tzinfo=WIB))
    assert code == 0 and "warning: time." not in err, err


async def test_the_bot_started_in_a_year_whose_cuti_bersama_are_unknown_logs_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot (re)started on 7 December 2099 with a holidays release that knows no cuti
    bersama of 2099 or 2100: the operator reads it in the start-up log, once per year."""
    caplog.set_level(logging.WARNING, logger="bot.app")
    clock = ManualClock(datetime(2099, 12, 7, 9, tzinfo=WIB))
    async with World(tmp_path, clock=clock, reminders={"enabled": False}):
        pass
    said = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    unknown = [m for m in said if "knows no joint leave days (cuti bersama) of ID" in m]
    assert [m.split("of ID in ")[1][:4] for m in unknown] == ["2099", "2100"], said


async def test_a_bot_running_into_october_logs_next_years_unknown_cuti_bersama_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot started on 7 June 2099 (the office listed 2099's cuti bersama itself, and
    2100's decree is not out yet) runs on without a restart. From 1 October the decree for
    2100 is usually out, and the installed holidays release knows none of 2100's cuti
    bersama: the running bot's log says so then, as a start on that day would, and once,
    not at every sweep."""
    caplog.set_level(logging.WARNING, logger="bot.app")
    clock = ManualClock(datetime(2099, 6, 7, 9, tzinfo=WIB))
    reminders = {"enabled": False, "check_every_seconds": 1}
    days_off = {"extra_days_off": ["2099-12-24"]}
    async with World(tmp_path, clock=clock, reminders=reminders, time=days_off):

        def warned() -> list[str]:
            said = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
            return [m for m in said if "knows no joint leave days (cuti bersama) of ID" in m]

        assert warned() == []
        clock.set(datetime(2099, 10, 1, 9, tzinfo=WIB))
        for _ in range(100):  # the periodic sweep runs every second here
            if warned():
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.5)  # two sweeps more: nothing said again
    assert [m.split("of ID in ")[1][:4] for m in warned()] == ["2100"], warned()


def test_check_refuses_two_sop_files_with_the_same_code_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy of the SOP kept beside it under another name, code unchanged: the
    deployment would run only one of the two, silently."""
    copy = tmp_path / "salinan.toml"
    copy.write_bytes(SOP_PATH.read_bytes())
    config = write_config(tmp_path, sops=[SOP_PATH, copy])
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code != 0
    assert (
        f"{copy}: sop.code: 'ppk-rkakl-pk' is already the code of {SOP_PATH} "
        "(each SOP needs a code of its own)"
    ) in err


def test_check_refuses_the_same_sop_file_listed_twice_naming_both_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, sops=[SOP_PATH, SOP_PATH])
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code != 0
    assert f"sops[1]: {SOP_PATH} is listed twice (also sops[0]: {SOP_PATH})" in err


def test_check_prints_the_norm_the_deployment_runs_with_its_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Step 6 (the drafts) takes 4800 minutes in the file; this office gives it 9600."""
    file_norm = sop().norm_minutes
    config = write_config(tmp_path, "[sop_time_overrides.ppk-rkakl-pk]\n6 = 9600\n")
    code, out, err = check_here(config, capsys, monkeypatch)
    assert code == 0, err
    assert (
        f"norm {file_norm + 4800} working minutes (the file says {file_norm}; sop_time_overrides)"
    ) in out


def test_check_with_no_variable_named_for_the_token_names_bot_token_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, '[bot]\ntoken_env = ""\n')
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code != 0
    assert "bot.token_env: must name the environment variable that holds the token" in err
    assert "variable  is not set" not in err


def test_check_warns_of_a_config_without_organisation_or_admins_and_still_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config of SOPs alone: the papers would be headed with the shipped Planning Bureau's
    letterhead and nobody could invite an official. Warned of, naming each key; check passes."""
    config = write_config(tmp_path)
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2, err
    assert warnings[0].startswith(
        "warning: organisation: no [organisation] section: the papers are headed with the "
        "shipped letterhead (BIRO PERENCANAAN DAN MANAJEMEN KINERJA, KEMENTERIAN "
        "KETENAGAKERJAAN REPUBLIK INDONESIA)"
    )
    assert warnings[1].startswith("warning: admins: no administrator")


def test_check_warns_of_an_accepted_type_whose_content_nobody_checks(tmp_path: Path) -> None:
    """README: "every file's content is checked against its extension". An office that adds
    a type the bot has no check for (AutoCAD's .dwg) is told that such files are taken as
    they come; the shipped list has a check for each."""
    config = write_config(tmp_path, '[storage]\nallowed_extensions = ["pdf", "dwg", "mp4"]\n')
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode == 0, result.stderr
    assert (
        "warning: storage.allowed_extensions: no content check for .dwg, .mp4: such files are "
        "accepted as they come, whatever they hold (checked: .csv, .doc, .docx, .jpeg, .jpg, "
        ".odp, .ods, .odt, .pdf, .png, .ppt, .pptx, .rtf, .txt, .xls, .xlsx, .zip)"
    ) in result.stderr.splitlines(), result.stderr
    shipped = sopbot("check", "--config", str(write_config(tmp_path)), token=TOKEN)
    assert "storage.allowed_extensions" not in shipped.stderr, shipped.stderr


def test_check_of_a_config_with_its_organisation_and_an_admin_warns_of_neither(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (
        'admins = [42]\n\n[organisation]\nunit = "biro-umum"\nunit_name = "Biro Umum"\n'
        'ministry = "KEMENTERIAN KETENAGAKERJAAN REPUBLIK INDONESIA"\n'
        'secretariat = "SEKRETARIAT JENDERAL"\nbureau = "BIRO UMUM"\n'
        'address = "Jalan Jenderal Gatot Subroto Kav. 51, Jakarta Selatan 12950"\n'
        'city = "Jakarta"\n'
    )
    config = write_config(tmp_path, body)
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code == 0, err
    assert "warning: organisation" not in err and "warning: admins" not in err


def test_check_warns_of_an_organisation_that_sets_only_its_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Biro Umum names its unit and nothing else: its papers would still be headed
    "BIRO PERENCANAAN DAN MANAJEMEN KINERJA". Warned of, naming each key left out."""
    body = 'admins = [42]\n\n[organisation]\nunit = "biro-umum"\nbureau = "BIRO UMUM"\n'
    config = write_config(tmp_path, body)
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: organisation")]
    assert len(warnings) == 1, err
    assert warnings[0].startswith(
        "warning: organisation: unit_name, ministry, secretariat, address, city not set: "
        "the papers show the shipped letterhead's (unit_name = 'Biro Perencanaan dan "
        "Manajemen Kinerja',"
    )
    assert "bureau" not in warnings[0].split(" not set")[0]


def test_check_refuses_an_sop_file_far_larger_than_a_definition_without_reading_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as f:
        f.write(SOP_PATH.read_bytes())
        f.truncate(200 * 1024 * 1024)  # 200 MB (sparse: nothing written)
    config = write_config(tmp_path, sops=[huge])
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code != 0
    assert f"{huge}: invalid SOP definition:" in err
    assert "the file is 209,715,200 bytes; an SOP definition or a config is a few KB" in err


async def test_check_lists_open_cases_on_an_older_revision_of_the_sop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SOP file edited while cases are open: they keep the revision they started with, and
    ``sopbot check`` says how many run the older one."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    copy = tmp_path / "sop.toml"
    copy.write_text(SOP_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        outcome = await world.services.cases.start_case(OFFICIALS[0].telegram_id, "Usulan", 2027)
        started_with = outcome.case.revision
        assert started_with == revision_of(copy.read_text(encoding="utf-8"))
        storage = world.config.storage
        body = f"[storage]\ndatabase = {toml_str(storage.database)}\n"
        body += f"files_dir = {toml_str(storage.files_dir)}\n"
        config = write_config(tmp_path, body, sops=[copy])
        args = ["check", "--config", str(config)]

        assert await asyncio.to_thread(bot.cli.main, args) == 0
        before = capsys.readouterr().out
        assert "ppk-rkakl-pk" in before and "older revision" not in before

        text = copy.read_text(encoding="utf-8")
        assert text.count("time_minutes = 240\n") >= 1
        copy.write_text(text.replace("time_minutes = 240\n", "time_minutes = 300\n", 1))
        now = revision_of(copy.read_text(encoding="utf-8"))
        assert now != started_with
        assert await asyncio.to_thread(bot.cli.main, args) == 0
        after = capsys.readouterr().out
        older = [line for line in after.splitlines() if "older revision" in line]
        assert older == [
            f"open cases on an older revision of ppk-rkakl-pk: 1 (revision {started_with}; "
            f"the file is now {now}); they finish with the revision they started with"
        ]
        assert TOKEN not in after
        # the open case still runs the revision it started with
        case = await world.services.db.read(repo.load_case, outcome.case.id)
        assert case is not None and case.revision == started_with


async def test_check_lists_archived_cases_filed_under_one_number_written_two_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before schema level 15 a second case could be filed under a number written another
    way (in lower case). The upgrade keeps the number for the first; ``sopbot check`` names
    both, for an administrator to correct the wrong one with /ubah_arsip."""
    from test_storage import level14_with_a_shared_number

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    path = tmp_path / "sopbot.sqlite3"
    await level14_with_a_shared_number(path)
    await (await Database.open(path)).close()  # the upgrade, as the bot starts
    body = f"[storage]\ndatabase = {toml_str(path)}\nfiles_dir = {toml_str(tmp_path / 'f')}\n"
    config = write_config(tmp_path, body)
    assert await asyncio.to_thread(bot.cli.main, ["check", "--config", str(config)]) == 0
    shared = [line for line in capsys.readouterr().err.splitlines() if "archive number" in line]
    assert shared == [
        "warning: archive number ARS/PK/2027/007 is filed under cases #1, #2; correct the "
        "wrong ones with /ubah_arsip <case> <number> <reason>"
    ]


async def test_check_names_a_files_share_not_mounted_and_a_folder_it_will_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kasubag uploads the TOR; then the files share is not mounted (its mount point stays,
    empty). The bot would refuse every upload and hold every paper: ``sopbot check`` fails
    with the bot's own words ("is its share mounted?"). A folder that holds the files but
    not the marker (as a release before it left it) is only a warning: the bot marks it."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.new_case("Usulan", 2027)
        await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"))
        await world.drained()
        storage = world.config.storage
    files = storage.files_dir
    body = f"[storage]\ndatabase = {toml_str(storage.database)}\n"
    body += f"files_dir = {toml_str(files)}\n"
    config = write_config(tmp_path, body)
    args = ["check", "--config", str(config)]
    assert await asyncio.to_thread(bot.cli.main, args) == 0
    assert "files_dir" not in capsys.readouterr().err  # marked, in place

    files.rename(files.with_name("files.share"))
    files.mkdir()  # the mount point, empty
    assert await asyncio.to_thread(bot.cli.main, args) == 2
    [line] = [x for x in capsys.readouterr().err.splitlines() if "files_dir" in x]
    assert line == f"error: storage.files_dir: {not_mounted(files.resolve())}"
    assert "is its share mounted?" in line and f"touch {files.resolve() / MARKER}" in line
    files.rmdir()  # not even the mount point
    assert await asyncio.to_thread(bot.cli.main, args) == 2
    assert "is its share mounted?" in capsys.readouterr().err

    files.with_name("files.share").rename(files)  # mounted again ...
    (files / MARKER).unlink()  # ... as a release before the marker left it
    assert await asyncio.to_thread(bot.cli.main, args) == 0
    [line] = [x for x in capsys.readouterr().err.splitlines() if "files_dir" in x]
    assert line.startswith(f"warning: storage.files_dir: {files.resolve()} lacks its marker")
    assert "writes the marker as it starts" in line
    assert not (files / MARKER).exists()  # check changes nothing


async def an_open_proposal_on_a_copy_of_the_sop(tmp_path: Path) -> tuple[Path, Path]:
    """An office's copy of the SOP file with a proposal open on it, and a config naming
    both (the copy is then edited, as an office does)."""
    copy = tmp_path / "sop.toml"
    copy.write_text(SOP_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    async with World(tmp_path / "w", sops=[str(copy)]) as world:
        await world.everyone_starts()
        await world.services.cases.start_case(OFFICIALS[0].telegram_id, "Usulan", 2027)
        storage = world.config.storage
    body = f"[storage]\ndatabase = {toml_str(storage.database)}\n"
    body += f"files_dir = {toml_str(storage.files_dir)}\n"
    return copy, write_config(tmp_path, body, sops=[copy])


async def test_check_names_open_cases_of_an_sop_code_no_file_defines_any_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The office renames its SOP's code (ppk-rkakl-pk -> ppk-biro) while a proposal is
    open: ``sopbot check`` warns that an open case runs a code no file defines, and that it
    finishes with its stored revision (it said nothing: the code was not in any file)."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    copy, config = await an_open_proposal_on_a_copy_of_the_sop(tmp_path)
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace('code = "ppk-rkakl-pk"', 'code = "ppk-biro"', 1))

    code = await asyncio.to_thread(bot.cli.main, ["check", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 0  # a warning: the case runs on
    assert "sop ppk-biro:" in out
    assert (
        "warning: open cases of an SOP no file defines (code ppk-rkakl-pk): 1; "
        "they finish with their stored revision"
    ) in err.splitlines()


async def test_check_warns_of_a_role_open_cases_need_that_no_file_defines_any_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The office renames the archivist's role in its file (fungsional_umum -> arsiparis)
    while a proposal is open: the proposal still ends at the older revision's archiving
    step, so ``sopbot check`` warns that open cases need that role."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    copy, config = await an_open_proposal_on_a_copy_of_the_sop(tmp_path)
    text = copy.read_text(encoding="utf-8")
    text = text.replace(
        'id = "fungsional_umum"\nname = "Fungsional Umum"', 'id = "arsiparis"\nname = "Arsiparis"'
    )
    copy.write_text(text.replace('"fungsional_umum"', '"arsiparis"'), encoding="utf-8")

    code = await asyncio.to_thread(bot.cli.main, ["check", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "open cases on an older revision of ppk-rkakl-pk: 1" in out
    assert (
        "warning: open cases need role fungsional_umum, which no SOP file defines any more "
        "(open cases: 1); the bot keeps it for them (/peran, /alihkan, /cabut, /undang, /plh) "
        "until they are closed"
    ) in err.splitlines()
    assert "arsiparis" not in err


async def test_check_names_an_open_cases_revision_todays_checks_refuse_and_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proposal is open on a revision an earlier release ran, whose Karo step has an
    activity longer than today's checks allow: the bot starts and runs the proposal on with
    it, so ``sopbot check`` passes, and warns of it naming the revision and the problem (it
    said nothing, and the start failed)."""
    from test_upgrade_cases import (
        KARO_ACTIVITY,
        LONG_ACTIVITY,
        run_on_a_revision_of_an_earlier_release,
    )

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    _, config = await an_open_proposal_on_a_copy_of_the_sop(tmp_path)
    database = tmp_path / "w" / "sopbot.sqlite3"
    revision = run_on_a_revision_of_an_earlier_release(database, 1, KARO_ACTIVITY, LONG_ACTIVITY)

    code = await asyncio.to_thread(bot.cli.main, ["check", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 0
    assert f"open cases on an older revision of ppk-rkakl-pk: 1 (revision {revision};" in out
    assert (
        f"warning: open cases of ppk-rkakl-pk run revision {revision}, which today's checks "
        "refuse: steps[2].activity: must be at most 600 characters (every task message shows "
        f"it), got {len(LONG_ACTIVITY)} (open cases: 1); they finish with it, as it was when "
        "they started"
    ) in err.splitlines()


def _damaged(database: Path, how: str) -> None:
    """A database of the bot, then spoiled as ``how`` says."""
    asyncio.run(_fill(database))
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'").fetchone()
        if how == "newer":
            conn.execute("PRAGMA user_version = 99")
    finally:
        conn.close()  # the last connection: the log is written into the file and removed
    if how == "newer":
        return
    data = bytearray(database.read_bytes())
    start, end = (0, 4096) if how == "header" else ((root[0] - 1) * page + 100, root[0] * page)
    for offset in range(start, end, 7):
        data[offset] ^= 0x5A
    database.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("newer", "database schema version 99 is newer than this program"),
        ("header", "not a usable SQLite database"),
        ("page", "integrity check failed"),
    ],
)
def test_check_fails_on_a_damaged_database_or_one_from_a_newer_release_and_changes_nothing(
    tmp_path: Path, how: str, says: str
) -> None:
    database = tmp_path / "data" / "sopbot.sqlite3"
    _damaged(database, how)
    before = database.read_bytes(), database.stat().st_mtime_ns
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"error: storage.database: {database}: " in result.stderr, result.stderr
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert (database.read_bytes(), database.stat().st_mtime_ns) == before  # read-only
    wal = database.with_name(database.name + "-wal")  # a reader's (empty) log, if any
    assert not wal.exists() or wal.stat().st_size == 0


def test_check_reports_the_schema_level_of_a_sqlite_database(tmp_path: Path) -> None:
    database = tmp_path / "data" / "sopbot.sqlite3"
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode == 0, result.stderr
    assert "database schema: none yet (made at the first start)" in result.stdout
    asyncio.run(_fill(database))
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode == 0, result.stderr
    assert f"database schema: level {LATEST} of {LATEST} (migrated), pages ok" in result.stdout


@pytest.mark.parametrize("name", ["Biro #1/sopbot.sqlite3", "data/sop?.sqlite3", "x%41y/s.sqlite3"])
def test_a_database_in_a_folder_named_with_hash_question_mark_or_percent_is_read_where_written(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The office keeps the bot in "Biro #1": check and export read the database the bot
    writes, not an empty file of another name they would make ("level 0", "no such
    table: people")."""
    database = tmp_path / name
    case_id, _ = asyncio.run(_fill(database))
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")

    def files() -> list[Path]:  # (without the -wal and -shm a reader may leave)
        return sorted(p for p in tmp_path.rglob("*") if not p.name.endswith(("-wal", "-shm")))

    before = files()
    code, out, err = check_here(config, capsys, monkeypatch)
    assert code == 0, err
    assert f"database schema: level {LATEST} of {LATEST} (migrated), pages ok" in out
    assert files() == before  # no empty file of another name

    exported = tmp_path / "ekspor"
    code = bot.cli.main(["export", str(case_id), "--config", str(config), "--out", str(exported)])
    assert code == 0, capsys.readouterr().err
    assert any(exported.iterdir())


# -- backup ----------------------------------------------------------------------------


async def _fill(database: Path) -> tuple[int, int]:
    run = run_to(5)
    db = await Database.open(database)

    def fill(tx: Tx) -> None:
        repo.save_case(tx, run.current, sop().step(run.step).actor, new=True)
        repo.append_events(tx, run.current.id, run.log)
        repo.enqueue(
            tx,
            1,
            "task",
            T0,
            case_id=run.current.id,
            version=run.current.version,
            params={"via": len(run.log)},
        )

    try:
        await db.write(fill)
    finally:
        await db.close()
    return run.current.id, len(run.log)


def _table(path: Path, sql: str) -> list[Any]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_backup_writes_a_copy_that_opens(tmp_path: Path) -> None:
    database = tmp_path / "data" / "sopbot.sqlite3"
    case_id, n_events = asyncio.run(_fill(database))
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")
    dest = tmp_path / "backups" / "copy.sqlite3"
    result = sopbot("backup", str(dest), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert str(dest) in result.stdout
    assert _table(dest, "PRAGMA integrity_check") == [("ok",)]
    assert _table(dest, "PRAGMA user_version") == [(LATEST,)]
    for sql in ("SELECT * FROM cases", "SELECT * FROM events ORDER BY id", "SELECT * FROM outbox"):
        assert _table(dest, sql) == _table(database, sql)
    assert len(_table(dest, "SELECT * FROM events")) == n_events

    async def reopen() -> None:
        copy = await Database.open(dest)
        try:
            case = await copy.read(repo.load_case, case_id)
            assert case is not None and case.step == 5
        finally:
            await copy.close()

    asyncio.run(reopen())


def test_backup_of_a_corrupt_database_fails_cleanly(tmp_path: Path) -> None:
    database = tmp_path / "rusak.sqlite3"
    database.write_bytes(b"bukan basis data " * 1000)
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")
    dest = tmp_path / "copy.sqlite3"
    result = sopbot("backup", str(dest), "--config", str(config))
    assert result.returncode != 0
    assert "rusak.sqlite3" in result.stderr
    assert "Traceback" not in result.stderr
    assert not dest.exists()


@pytest.mark.parametrize("dest_is", ["the database", "its write-ahead log", "a link to it"])
def test_a_backup_onto_the_database_itself_is_refused(
    tmp_path: Path, dest_is: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said "backup written" and no copy existed (or it wrote over the database's log)."""
    database = tmp_path / "data" / "sopbot.sqlite3"
    case_id, _ = asyncio.run(_fill(database))
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")
    dest = {
        "the database": database,
        "its write-ahead log": database.with_name(database.name + "-wal"),
        "a link to it": tmp_path / "cadangan.sqlite3",
    }[dest_is]
    if dest_is == "a link to it":
        dest.symlink_to(database)
    before = database.read_bytes()

    code = bot.cli.main(["backup", str(dest), "--config", str(config)])

    out, err = capsys.readouterr()
    assert code == 2, out
    assert f"error: no backup written: {dest} is the database itself (storage.database)" in err
    assert database.read_bytes() == before
    assert _table(database, "SELECT id FROM cases") == [(case_id,)]


@pytest.mark.parametrize("command", [["backup", "copy.sqlite3"], ["export", "1"]])
def test_a_backup_or_export_of_a_database_that_is_not_there_makes_none(
    tmp_path: Path, command: list[str]
) -> None:
    """The config names a database file that does not exist (a wrong path, a new machine):
    the backup and the export say so, and do not leave a new empty database behind."""
    database = tmp_path / "data" / "sopbot.sqlite3"
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")
    where = ["--out", str(tmp_path / "ekspor")] if command[0] == "export" else []
    result = sopbot(*command, "--config", str(config), *where)
    assert result.returncode == 2
    assert f"{database}: no database there (storage.database)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not database.exists()


@pytest.mark.parametrize("place", ["a file", "a folder that cannot be made"])
def test_a_backup_or_export_to_a_place_it_cannot_write_says_so(tmp_path: Path, place: str) -> None:
    database = tmp_path / "data" / "sopbot.sqlite3"
    case_id, _ = asyncio.run(_fill(database))
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")
    blocker = tmp_path / "bukan-folder"
    blocker.write_text("sebuah berkas")
    where = blocker if place == "a file" else blocker / "di-dalam"
    backup = sopbot("backup", str(where / "copy.sqlite3"), "--config", str(config))
    export = sopbot("export", str(case_id), "--config", str(config), "--out", str(where))
    for result in (backup, export):
        assert result.returncode == 2, result.stdout
        assert "Traceback" not in result.stderr and str(where) in result.stderr


def _backed_up_then_moved_on(tmp_path: Path) -> tuple[Path, Path, Path, int]:
    """A database with a case at step 5, its backup, then a change written after the
    backup (the case renamed): what a restore must take back."""
    database = tmp_path / "data" / "sopbot.sqlite3"
    case_id, _ = asyncio.run(_fill(database))
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")
    backup = tmp_path / "backups" / "copy.sqlite3"
    assert sopbot("backup", str(backup), "--config", str(config)).returncode == 0
    conn = sqlite3.connect(database)
    with conn:
        conn.execute("UPDATE cases SET title = 'Sesudah cadangan' WHERE id = ?", (case_id,))
    conn.close()
    return database, config, backup, case_id


def test_restore_puts_the_backup_back_and_keeps_the_database_it_replaced(
    tmp_path: Path,
) -> None:
    database, config, backup, case_id = _backed_up_then_moved_on(tmp_path)
    # a crash left log files beside the database: they belong to it, not to the backup
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).write_bytes(b"log of the crashed file" * 40)

    result = sopbot("restore", str(backup), "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert f"{database} restored from {backup} (schema level {LATEST})" in result.stdout
    assert not database.with_name(database.name + "-wal").exists()
    assert _table(database, "SELECT title FROM cases") == _table(backup, "SELECT title FROM cases")
    kept = [p for p in database.parent.iterdir() if p.name.startswith("before-restore-")]
    assert len(kept) == 1 and str(kept[0]) in result.stdout
    assert sorted(p.name for p in kept[0].iterdir()) == [
        "sopbot.sqlite3",
        "sopbot.sqlite3-shm",
        "sopbot.sqlite3-wal",
    ]
    assert ("Sesudah cadangan",) in _table(kept[0] / "sopbot.sqlite3", "SELECT title FROM cases")
    assert not any(p.name.endswith(".restoring") for p in database.parent.iterdir())

    async def the_bot_opens_it() -> None:
        db = await Database.open(database)
        try:
            case = await db.read(repo.load_case, case_id)
            assert case is not None and case.step == 5
        finally:
            await db.close()

    asyncio.run(the_bot_opens_it())
    # a second restore keeps the first one's replaced database too
    again = sopbot("restore", str(backup), "--config", str(config))
    assert again.returncode == 0, again.stderr
    assert len([p for p in database.parent.iterdir() if p.name.startswith("before-")]) == 2


def test_restore_refuses_while_the_bot_runs_and_changes_nothing(tmp_path: Path) -> None:
    from storage import runlock

    database, config, backup, _ = _backed_up_then_moved_on(tmp_path)
    before = database.read_bytes()
    held = runlock.hold(database)
    assert held is not None
    try:
        result = sopbot("restore", str(backup), "--config", str(config))
    finally:
        os.close(held)
    assert result.returncode == 2
    assert "not restored, nothing changed" in result.stderr
    assert "another sopbot process" in result.stderr and "Traceback" not in result.stderr
    assert database.read_bytes() == before
    assert sorted(p.name for p in database.parent.iterdir()) == [
        "sopbot.sqlite3",
        "sopbot.sqlite3.lock",
    ]


@pytest.mark.parametrize("backup_is", ["damaged", "missing", "the database itself"])
def test_restore_of_a_backup_that_cannot_be_used_changes_nothing(
    tmp_path: Path, backup_is: str
) -> None:
    database, config, backup, _ = _backed_up_then_moved_on(tmp_path)
    if backup_is == "damaged":
        backup.write_bytes(b"bukan basis data " * 1000)
    elif backup_is == "missing":
        backup.unlink()
    else:
        backup = database
    before = database.read_bytes()
    result = sopbot("restore", str(backup), "--config", str(config))
    assert result.returncode == 2
    assert "not restored, nothing changed" in result.stderr and str(backup) in result.stderr
    assert "Traceback" not in result.stderr
    assert database.read_bytes() == before
    assert not any(p.name.startswith("before-restore") for p in database.parent.iterdir())


def test_restore_on_postgresql_names_pg_restore(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, '[storage]\ndatabase = "postgresql://sopbot@127.0.0.1:9/sopbot"\n'
    )
    result = sopbot("restore", str(tmp_path / "copy.dump"), "--config", str(config))
    assert result.returncode == 2
    assert "pg_restore --clean --if-exists --dbname=URL" in result.stderr


def test_the_demo_into_a_folder_it_cannot_make_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "bukan-folder"
    blocker.write_text("sebuah berkas")
    result = sopbot("demo", "--out", str(blocker / "hasil"))
    assert result.returncode == 2
    assert "the demo cannot write there" in result.stderr and "Traceback" not in result.stderr


def test_backup_with_a_bad_config_names_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[storage]\ndatabase = "x.sqlite3"\nmax_file_mb = -1\n')
    result = sopbot("backup", str(tmp_path / "copy.sqlite3"), "--config", str(config))
    assert result.returncode != 0
    assert "storage.max_file_mb" in result.stderr


def subcommands(
    parser: argparse.ArgumentParser, prefix: str = "sopbot"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from subcommands(sub, f"{prefix} {name}")


def test_every_subcommands_help_says_what_each_argument_is() -> None:
    """A newcomer reads `sopbot check --help`: "--config CONFIG" alone did not say which file
    is read without it, nor "dest" where a backup goes."""
    bare = [
        f"{command} {action.dest}"
        for command, parser in subcommands(bot.cli.build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
        and not action.help
    ]
    assert bare == []
    result = sopbot("check", "--help")
    assert result.returncode == 0
    said = " ".join(result.stdout.split())
    assert "default: config.toml in this folder, else config.example.toml" in said


@pytest.mark.parametrize("args", [[], ["sop"], ["nope"], ["backup"]])
def test_usage_errors_exit_non_zero(args: list[str]) -> None:
    result = sopbot(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.mark.parametrize(
    "url, said",
    [
        ("postgresql://[::1/sopbot", "error: --to: not a valid URL: 'postgresql://[::1/sopbot'"),
        # the password is found and refused, whatever else is wrong with the URL
        ("postgresql://sopbot:rahasia@db:99999/sopbot", "error: --to: no password in the URL"),
    ],
)
def test_migrate_db_to_a_url_that_is_no_url_says_so_without_a_traceback(
    tmp_path: Path, url: str, said: str
) -> None:
    source = tmp_path / "sopbot.sqlite3"
    sqlite3.connect(source).close()
    result = sopbot("migrate-db", "--from", str(source), "--to", url)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(said), result.stderr
    assert "Traceback" not in result.stderr and "rahasia" not in result.stderr


@pytest.mark.parametrize(
    "proxy, said",
    [
        (
            "socks5://proxy.kantor:1080",
            "error: HTTPS_PROXY: the aiohttp client speaks to http:// and https:// proxies only, "
            "not socks5://; use bot.http_client = 'httpx' for SOCKS",
        ),
        (
            "http://pegawai:rahasia@proxy.kantor:99999",
            "error: HTTPS_PROXY: not a proxy URL (http://proxy.kantor:99999): the port must be "
            "a number from 1 to 65535",
        ),
        (
            "http://[fd00::1:3128",
            "error: HTTPS_PROXY: not a proxy URL (http://[fd00::1:3128): its [address] is not "
            "closed",
        ),
    ],
)
def test_a_proxy_variable_the_bot_cannot_use_stops_the_start_in_one_line_naming_it(
    tmp_path: Path, proxy: str, said: str
) -> None:
    """README: "a socks5:// one stops the start with a message naming the variable": not a
    traceback with exit 1, which systemd's Restart=on-failure repeats for ever."""
    config = write_config(
        tmp_path,
        f"[storage]\ndatabase = {toml_str(tmp_path / 'db.sqlite3')}\n"
        f"files_dir = {toml_str(tmp_path / 'files')}\n",
    )
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, HTTPS_PROXY=proxy)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert said in result.stderr.splitlines(), result.stderr
    assert "Traceback" not in result.stderr and "rahasia" not in result.stderr


def second_sop(tmp_path: Path, **replacements: str) -> Path:
    """The shipped SOP under another code, with some of its lines replaced."""
    text = SOP_PATH.read_text(encoding="utf-8").replace(
        'code = "ppk-rkakl-pk"', 'code = "sop-kedua"', 1
    )
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "sop-kedua.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_refuses_a_role_two_sops_give_different_superiors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A role two SOPs name is one role of the unit: the second SOP's Kasubag escalating to
    Karo instead of Kabag was silently ignored (escalations followed the first file)."""
    kasubag = 'id = "kasubag"\nname = "Kasubag"\ntitle = "Kepala Subbagian"\nsuperior = "kabag"'
    other = second_sop(tmp_path, **{kasubag: kasubag.replace('"kabag"', '"karo"')})
    config = write_config(tmp_path, sops=[SOP_PATH, other])
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code != 0
    assert f"{other}: role 'kasubag': superior 'karo', shared False here" in err
    assert f"but superior 'kabag', shared False in {SOP_PATH}" in err
    # another official is what it usually is: a role id of its own is the first advice
    assert (
        "a role id is one role of the deployment, held by the same person in every SOP that "
        "names it; if this is another official, give this one another role id (its office "
        "and unit, e.g. 'kabag_umum' for a Kabag Umum); only if it is the same official, give "
        "both files the same superior and shared"
    ) in err


def test_check_warns_of_a_role_two_sops_give_different_titles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """'Kabag' of the Biro Umum's SOP is not the Kabag of the planning bureau: the bot would
    hold them as one role, so check says so (and how to keep them apart)."""
    title = 'title = "Kepala Bagian Manajemen Kinerja"'
    other = second_sop(tmp_path, **{title: 'title = "Kepala Bagian Umum"'})
    config = write_config(tmp_path, sops=[SOP_PATH, other])
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code == 0, err
    assert (
        f"warning: {other}: role 'kabag' is 'Kabag' (Kepala Bagian Umum) here and 'Kabag' "
        f"(Kepala Bagian Manajemen Kinerja) in {SOP_PATH}"
    ) in err
    assert "give this one another role id (e.g. 'kabag_umum')" in err


KARO_AND_KABAG = (
    "people[0]: 1003 holds 'karo' and 'kabag', two levels of one review chain, and one "
    "person never decides two levels of a case (four eyes): at step 3 (karo) a case he "
    "handled as kabag waits for a Plh/Plt of karo (the administrators are told); step 9 "
    "(karo) is the definitive official's only: he decides it all the same, recorded as "
    "having handled the case as kabag. The roles are given; if not meant, give one of them "
    "to someone else"
)
KASUBAG_PLH_KARO = (
    "acting[0]: 1001, Plh of 'karo', holds 'kasubag' ({where}), a level of the same review "
    "chain, and one person never decides two levels of a case (four eyes): at step 3 (karo) "
    "a case he handled as kasubag goes to the definitive karo, not to him as Plh (none: it "
    "waits, the administrators are told). He is appointed all the same"
)


async def test_check_and_the_start_warn_of_two_roles_of_one_chain_the_config_gives(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The config makes the Karo Kabag too, and Siti, the Kasubag, Plh Karo: as when the
    administrator gives such roles in Telegram, four eyes then keeps cases from them at
    some steps. ``sopbot check`` says which and what happens there (and passes), and so
    does the start-up log of a bot started with such a Plh."""
    body = '[[people]]\ntelegram_id = 1003\nroles = ["karo", "kabag"]\n\n'
    body += '[[people]]\ntelegram_id = 1001\nroles = ["kasubag"]\n\n'
    body += '[[people]]\ntelegram_id = 1004\nroles = ["tim"]\n\n'
    body += '[[acting]]\nrole = "karo"\ntelegram_id = 1001\nuntil = 2030-12-31\n'
    config = write_config(tmp_path, body)
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code == 0, err
    assert f"warning: {KARO_AND_KABAG}\n" in err, err
    assert f"warning: {KASUBAG_PLH_KARO.format(where='people[1]')}\n" in err, err
    assert "people[1]: " not in err and "people[2]: " not in err, err
    caplog.set_level(logging.WARNING, logger="bot.app")
    plh = {"role": "karo", "telegram_id": 1001, "kind": "plh", "until": "2030-12-31"}
    async with World(tmp_path / "w", acting=[plh]):
        pass
    said = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    assert KASUBAG_PLH_KARO.format(where="people[0]") in said, said
    assert not any(m.startswith("people[") for m in said), said


SURAT_MASUK_UMUM = Path(__file__).parent / "fixtures" / "sops" / "surat-masuk-umum.toml"


async def test_check_and_the_start_warn_of_two_role_ids_with_one_name(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The Bagian Umum's SOP gives its own Kabag a role id of its own (``kabag_umum``) but
    names it "Kabag", as the bureau's ``kabag`` is: the officials' texts cannot tell the
    two apart. ``sopbot check`` warns (and passes), and so does the start-up log."""
    config = write_config(tmp_path, sops=[SOP_PATH, SURAT_MASUK_UMUM])
    code, _, err = check_here(config, capsys, monkeypatch)
    assert code == 0, err
    warned = (
        f"warning: {SURAT_MASUK_UMUM}: role 'kabag_umum' is named 'Kabag', as role 'kabag' "
        f"is in {SOP_PATH}: "
    )
    assert warned in err, err
    assert "give each a name of its own, e.g. 'Kepala Bagian Umum'" in err
    assert f"role 'kasubag_tu' is named 'Kasubag', as role 'kasubag' is in {SOP_PATH}" in err
    assert "role 'karo' is named" not in err  # one role of both SOPs
    caplog.set_level(logging.WARNING, logger="bot.app")
    async with World(tmp_path / "w", sops=[str(SOP_PATH), str(SURAT_MASUK_UMUM)]):
        pass
    said = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    assert any(m.startswith(warned.removeprefix("warning: ")) for m in said), said


async def test_the_bot_started_with_a_role_two_sops_give_different_titles_logs_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The same two files started with ``sopbot run`` (which skips check's warnings): the
    two Kabag are held as one official, and the operator reads it in the start-up log."""
    title = 'title = "Kepala Bagian Manajemen Kinerja"'
    other = second_sop(tmp_path, **{title: 'title = "Kepala Bagian Umum"'})
    caplog.set_level(logging.WARNING, logger="bot.app")
    async with World(tmp_path / "w", sops=[str(SOP_PATH), str(other)]):
        pass
    said = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    assert any(
        m.startswith(f"{other}: role 'kabag' is 'Kabag' (Kepala Bagian Umum) here and 'Kabag' ")
        and "give this one another role id (e.g. 'kabag_umum')" in m
        for m in said
    ), said


async def test_check_lists_the_people_roles_the_database_has_gone_past(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Budi's Kabag role was revoked in Telegram (/cabut) while [[people]] still names him;
    the config also names Agus Kasubag, which Siti holds. ``sopbot check`` warns of both,
    as the start does (neither is granted), and still passes."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        assert await world.services.people.revoke(1000, 1002, "kabag") is not None
        storage = world.config.storage
        body = f"[storage]\ndatabase = {toml_str(storage.database)}\n"
        body += f"files_dir = {toml_str(storage.files_dir)}\n"
        body += '\n[[people]]\ntelegram_id = 1002\nroles = ["kabag"]\n'
        body += '\n[[people]]\ntelegram_id = 1007\nroles = ["kasubag", "tim"]\n'
        config = write_config(tmp_path, body)
        assert await asyncio.to_thread(bot.cli.main, ["check", "--config", str(config)]) == 0
        err = capsys.readouterr().err
        warned = [line for line in err.splitlines() if "as holder of the role" in line]
        assert len(warned) == 2
        assert warned[0].startswith(
            "warning: people[0] names ID 1002 as holder of the role 'kabag', but the database "
            "has it taken from them on "
        )
        assert warned[1].startswith(
            "warning: people[1] names ID 1007 as holder of the role 'kasubag', but the "
            "database has it held by ID 1001 (Dra. Siti Rahmawati, M.M.) (a single-holder role)"
        )
        assert "/alihkan" in warned[0] and "/cabut" in warned[1]


async def test_check_lists_the_people_profiles_the_database_has_corrected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Budi corrected his NIP in Telegram ("Perbaiki data") while [[people]] still has the
    old one: ``sopbot check`` warns of it, as the start does (the database's is kept)."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        now = world.services.clock.now()
        await world.services.db.write(
            repo.update_profile, 1002, now=now, changed_by=1002, nip="197505102000031009"
        )
        storage = world.config.storage
        body = f"[storage]\ndatabase = {toml_str(storage.database)}\n"
        body += f"files_dir = {toml_str(storage.files_dir)}\n"
        body += '\n[[people]]\ntelegram_id = 1002\nname = "Budi Santoso, S.E., M.Si."\n'
        body += 'nip = "197505102000031002"\nroles = ["kabag"]\n'
        config = write_config(tmp_path, body)
        assert await asyncio.to_thread(bot.cli.main, ["check", "--config", str(config)]) == 0
        err = capsys.readouterr().err
        warned = [line for line in err.splitlines() if "people[0]" in line]
        assert warned == [
            "warning: people[0] gives ID 1002 a profile that differs from the database's: the "
            "database has NIP '197505102000031009' (the config: '197505102000031002'); not "
            "written at start: the database is the record of a person's profile once it has "
            "one: the person corrects it with 'Perbaiki data' in /saya (an administrator asks "
            "them with /ubah_data in Telegram), and this entry is brought in line or its name, "
            "nip and position taken out"
        ]


# -- what an operator meets at the command line ------------------------------------------


@pytest.mark.parametrize("command", ["check", "run"])
def test_sopbot_started_outside_the_bots_folder_says_where_it_looked(
    tmp_path: Path, command: str
) -> None:
    """The IT officer runs sopbot from his home folder, not from /srv/sopbot: it said
    "config.toml: cannot read: No such file or directory", naming neither the folder it
    looked in nor what to do."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", command],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: no config.toml (nor config.example.toml) in {tmp_path}: start sopbot in the "
        "bot's folder, copy config.example.toml to config.toml there, or name the file with "
        "--config"
    ]


def test_a_config_error_is_one_line_per_problem_naming_the_file(tmp_path: Path) -> None:
    """The CLI may have fallen back to config.example.toml: each line says which file."""
    config = write_config(tmp_path, "[storage]\ndatabse = 'x.sqlite3'\n[time]\nzone = 'WIB'\n")
    result = sopbot("check", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {config}: storage.databse: unknown key (did you mean 'database'?)",
        f"error: {config}: time.zone: unknown key",
    ]


def test_a_role_problem_found_against_the_sops_names_the_config_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[[people]]\ntelegram_id = 7\nname = 'A'\nroles = ['bupati']\n")
    result = sopbot("check", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {config}: people[0].roles: unknown role 'bupati'")
    assert len(result.stderr.splitlines()) == 1, result.stderr


@pytest.mark.parametrize("number", ["99999999999999999999999", "9223372036854775808", "0", "x"])
def test_export_of_a_number_that_is_no_case_number_is_a_usage_error(
    tmp_path: Path, number: str
) -> None:
    """2**64 and beyond ended in an OverflowError traceback (SQLite's integers are 64-bit)."""
    config = write_config(tmp_path, '[storage]\ndatabase = "db.sqlite3"\n')
    result = sopbot("export", number, "--out", str(tmp_path / "out"), "--config", str(config))
    assert result.returncode == 2
    assert f"argument case: {number!r} is not a case number" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("written", ["7", "#7", "B7", "b7"])
def test_export_takes_the_case_number_as_the_chat_and_the_papers_write_it(
    tmp_path: Path, written: str
) -> None:
    """The chat says "Berkas #7", the papers and their file names "B7"
    (disposisi-B7-langkah2-ke1.docx): an operator asked for that case types either."""
    database = tmp_path / "db.sqlite3"
    sqlite3.connect(database).close()
    config = write_config(tmp_path, f"[storage]\ndatabase = {toml_str(database)}\n")
    result = sopbot("export", written, "--out", str(tmp_path / "out"), "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "error: case 7 does not exist", result.stderr


def test_check_piped_into_head_ends_without_a_traceback(tmp_path: Path) -> None:
    """``sopbot check | head -1``: head leaves after a line; check stops as a tool a closed
    pipe stops (141), without a BrokenPipeError traceback."""
    config = write_config(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    command = f"{sys.executable} -m bot check --config {shlex.quote(str(config))}"
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command} 2>{tmp_path / 'err'} | head -1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout == f"config: {config} OK\n"
    assert "Traceback" not in (tmp_path / "err").read_text()
    assert result.returncode in (0, 141)  # 0: check wrote all before head left


def test_sop_import_hints_a_show_command_that_works_when_pasted(tmp_path: Path) -> None:
    form = ROOT / "tests" / "fixtures" / "sopimport" / "surat-tugas-umum.txt"
    out = tmp_path / "SOP Surat Tugas.toml"
    result = sopbot("sop", "import", str(form), "-o", str(out))
    assert result.returncode == 0, result.stderr
    hint = result.stderr.rstrip().rsplit("(", 1)[1].removesuffix(")")
    assert shlex.split(hint) == ["sopbot", "sop", "show", str(out)]


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_bot_started_on_the_example_config_says_so_before_it_seeds_its_sample_people(
    tmp_path: Path, command: str
) -> None:
    """A newcomer sets the token and starts before copying config.example.toml: the example
    is read (as bin/run documents), and its sample administrator and Kasubag (ID 100000001)
    would be seeded into the new database. `check` and `run` say which file they read, and
    that its people are the example's."""
    example = EXAMPLE.read_text(encoding="utf-8").replace(
        '"sops/penyusunan-program-kerja.toml"', toml_str(SOP_PATH)
    )
    example = example.replace('"https://api.telegram.org"', '"http://127.0.0.1:9"')
    (tmp_path / "config.example.toml").write_text(example, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", command],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (
        "warning: no config.toml in this folder: reading config.example.toml, whose admins and "
        "[[people]] are the example's (ID 100000001); copy it to config.toml and put the "
        "office's own there"
    ) in result.stderr.splitlines(), result.stderr


@pytest.mark.parametrize("token", ["   ", "\t"])
def test_check_and_run_call_a_blank_token_blank(tmp_path: Path, token: str) -> None:
    """TELEGRAM_BOT_TOKEN="   " in an env file: check said '(set)', Telegram refused it."""
    config = write_config(tmp_path)
    checked = sopbot("check", "--config", str(config), token=token)
    assert checked.returncode == 0, checked.stderr
    assert "(set)" not in checked.stdout
    assert (
        "warning: bot.token_env: environment variable TELEGRAM_BOT_TOKEN is blank in this "
        "shell; sopbot run needs it"
    ) in checked.stderr.splitlines()
    ran = sopbot("run", "--config", str(config), token=token)
    assert ran.returncode == 2
    assert "error: bot.token_env: environment variable TELEGRAM_BOT_TOKEN is blank." in ran.stderr


MALFORMED_TOKENS = {
    "digits only": "1102015437788",
    "a blank inside": "110201543:AAHdqTcvCH1vGWJx feSofSAs0K5PALDsaw",
    "no colon": "110201543AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "the bot prefix of the URL": "bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
}


@pytest.mark.parametrize("token", MALFORMED_TOKENS.values(), ids=MALFORMED_TOKENS.keys())
def test_check_and_run_refuse_a_malformed_token_at_once_without_showing_it(
    tmp_path: Path, token: str
) -> None:
    """A token pasted wrongly into the env file, with Telegram out of reach: run tried the
    network for ever (and check said '(set)') instead of saying the token is no token."""
    config = write_config(tmp_path, '[bot]\napi_base_url = "http://127.0.0.1:9"\n')
    refusal = (
        "error: bot.token_env: environment variable TELEGRAM_BOT_TOKEN does not hold a bot "
        "token as @BotFather gives it"
    )
    checked = sopbot("check", "--config", str(config), token=token)
    assert checked.returncode == 2
    assert refusal in checked.stderr
    assert "(set)" not in checked.stdout
    ran = sopbot("run", "--config", str(config), token=token)
    assert ran.returncode == 2
    assert refusal in ran.stderr
    for part in re.split(r"[ :]", token):
        assert part not in checked.stdout + checked.stderr + ran.stdout + ran.stderr


def bin_run(tmp_path: Path, *args: str, token: str = "", config: bool = False) -> str:
    """What the repository's bin/run starts, in a stand-in checkout: bin/setup there does
    nothing and .venv/bin/sopbot prints its arguments (the real ones would install into the
    shared .venv)."""
    checkout = tmp_path / "checkout"
    (checkout / "bin").mkdir(parents=True, exist_ok=True)
    (checkout / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "bin" / "run", checkout / "bin" / "run")
    stubs = {"bin/setup": "#!/bin/sh\n", ".venv/bin/sopbot": '#!/bin/sh\necho "sopbot $*"\n'}
    for name, text in stubs.items():
        (checkout / name).write_text(text)
        (checkout / name).chmod(0o755)
    if config:
        (checkout / "config.toml").write_text('[bot]\ntoken_env = "SOPBOT_TOKEN"\n')
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env |= {"TELEGRAM_BOT_TOKEN": token, "SOPBOT_TOKEN": "123456:abc"}
    result = subprocess.run(
        [str(checkout / "bin" / "run"), *args], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_bin_run_starts_the_bot_with_a_config_naming_its_own_token_variable(
    tmp_path: Path,
) -> None:
    """README's systemd unit runs bin/run; a config.toml with token_env = "SOPBOT_TOKEN"
    played the offline demo and exited 0 (systemd never restarted it; no bot ran)."""
    assert bin_run(tmp_path, config=True) == "sopbot run"


def test_bin_run_plays_the_demo_only_without_token_config_or_arguments(tmp_path: Path) -> None:
    assert bin_run(tmp_path) == "sopbot demo"
    assert bin_run(tmp_path, token=TOKEN) == "sopbot run"
    assert (
        bin_run(tmp_path, "--config", "/etc/sopbot.toml") == "sopbot run --config /etc/sopbot.toml"
    )
