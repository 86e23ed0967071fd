"""The ``sopbot`` command: check, sop show, sop import, run, demo, backup, restore, export."""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import logging
import os
import re
import shlex
import signal
import sqlite3
import stat
import sys
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, SystemClock
from bot.config import Config, ConfigError, load_config, shown_url
from bot.core.definition import SopDefinition
from bot.core.loader import DefinitionError, load_definition, load_draft

if TYPE_CHECKING:
    from storage.transfer import Carried

DEFAULT_CONFIGS = ("config.toml", "config.example.toml")

LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def _find_config(given: str | None) -> Path:
    """The file ``--config`` names, else the first of :data:`DEFAULT_CONFIGS` in the
    current folder; :class:`ConfigError` saying where it looked when there is neither (a
    start outside the bot's folder)."""
    if given:
        return Path(given)
    for name in DEFAULT_CONFIGS:
        if Path(name).is_file():
            return Path(name)
    config, example = DEFAULT_CONFIGS
    raise ConfigError(
        [
            f"no {config} (nor {example}) in {Path.cwd()}: start sopbot in the bot's folder, "
            f"copy {example} to {config} there, or name the file with --config"
        ]
    )


def definition_json(definition: SopDefinition) -> dict[str, Any]:
    """The normalised definition: header, roles, documents, steps and the SOP's own blank
    drafts as plain JSON."""
    header = asdict(definition.header)
    return {
        "sop": header,
        "roles": [asdict(r) for r in definition.roles],
        "documents": [
            {**asdict(d), "source": d.source.value if d.source else None}
            for d in definition.documents
        ],
        "steps": [
            {
                "id": s.id,
                "actor": s.actor,
                "kind": s.kind.value,
                "title": s.title,
                "activity": s.activity,
                "on_approve": s.on_approve,
                "on_return": s.on_return,
                "approval": s.approval.value if s.approval else None,
                "inputs": list(s.inputs),
                "uploads": list(s.uploads),
                "corrects": list(s.corrects),
                "outputs": list(s.outputs),
                "related_sop": s.related_sop,
                "papers": list(s.papers),
                "templates": list(s.templates),
                "time_minutes": s.time_minutes,
                "mandate": s.mandate.value,
                "team_duties": list(s.team_duties),
            }
            for s in definition.steps
        ],
        "blanks": [asdict(b) for b in definition.blanks],
        "norm_minutes": definition.norm_minutes,
    }


def _load_checked(path: Path) -> tuple[Config, list[SopDefinition]]:
    """Config plus its SOPs, cross-checked (roles named in config exist in the SOPs)."""
    config = load_config(path)
    definitions = [load_definition(p) for p in config.sops]
    roles = {r.id for d in definitions for r in d.roles}
    problems: list[str] = []  # of the config's own keys
    for i, person in enumerate(config.people):
        for role in person.roles:
            if role not in roles:
                problems.append(
                    f"people[{i}].roles: unknown role '{role}' (known: {', '.join(sorted(roles))})"
                )
    shared = {r.id for d in definitions for r in d.roles if r.shared}
    named: dict[str, int] = {}
    for i, person in enumerate(config.people):
        for role in person.roles:
            if role in roles and role not in shared:
                if role in named:
                    problems.append(
                        f"people[{i}].roles: '{role}' has one holder per unit and is already "
                        f"given to people[{named[role]}]"
                    )
                named.setdefault(role, i)
    for i, entry in enumerate(config.acting):
        if entry.role not in roles:
            problems.append(f"acting[{i}].role: unknown role '{entry.role}'")
        elif entry.role in shared:
            problems.append(f"acting[{i}].role: '{entry.role}' is shared (a team): no Plh/Plt")
        for j, person in enumerate(config.people):
            if person.telegram_id == entry.telegram_id and entry.role in person.roles:
                problems.append(
                    f"acting[{i}].telegram_id: {entry.telegram_id} holds '{entry.role}' "
                    f"(people[{j}]): a Plh/Plt acts for the role's holder, not the holder "
                    "himself (/plh refuses it too)"
                )
    codes = {d.code for d in definitions}
    for code, steps in config.sop_time_overrides.items():
        if code not in codes:
            problems.append(f"sop_time_overrides.{code}: no SOP with this code")
            continue
        definition = next(d for d in definitions if d.code == code)
        for step in steps:
            if not definition.has_step(step):
                problems.append(f"sop_time_overrides.{code}.{step}: step {step} does not exist")
    # each of _sop_problems names its SOP file
    problems = (
        _sop_problems(config.sops, definitions)
        + _blank_files(config, definitions)
        + [f"{path}: {p}" for p in problems]
    )
    if problems:
        raise ConfigError(problems)
    return config, definitions


def _print_refusal(exc: ConfigError | DefinitionError) -> None:
    """A refused config (one ``error: FILE: key: message`` line per problem) or SOP file;
    when a problem names a step by its place (``steps[4]``), a note on how that counts: an
    office reads the 4 as the step's id."""
    lines = exc.lines() if isinstance(exc, ConfigError) else [str(exc)]
    for line in lines:
        print(f"error: {line}", file=sys.stderr)
    placed = next((m for line in lines if (m := _STEP_PLACE.search(line))), None)
    if placed is not None:
        index = int(placed.group(1))
        print(
            "note: steps[N] counts the [[steps]] tables of an SOP file from 0, in the order "
            f"they are written: steps[{index}] is the {_ordinal(index + 1)}, whatever its id",
            file=sys.stderr,
        )


_STEP_PLACE = re.compile(r"\bsteps\[(\d+)\]")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def _ordinal(n: int) -> str:
    if n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _sop_problems(sources: tuple[Path, ...], definitions: list[SopDefinition]) -> list[str]:
    """The papers each SOP file names (known, and fitting their steps), and codes that two
    files share (the deployment would run only one of them)."""
    from bot.papers.registry import step_paper_problems
    from bot.paperwork import paper_problems

    problems = [
        f"{source}: {problem}"
        for source, d in zip(sources, definitions, strict=True)
        for problem in paper_problems(d) + step_paper_problems(d)
    ]
    first: dict[str, Path] = {}
    for source, d in zip(sources, definitions, strict=True):
        if d.code in first:
            problems.append(
                f"{source}: sop.code: '{d.code}' is already the code of {first[d.code]} "
                "(each SOP needs a code of its own)"
            )
        first.setdefault(d.code, source)
    from bot.rolecheck import role_differences

    return problems + [
        problem for problem, fatal in role_differences(sources, definitions) if fatal
    ]


def _blank_files(config: Config, definitions: list[SopDefinition]) -> list[str]:
    """The SOPs' own blank drafts whose template is in neither the office's folder nor the
    shipped one: the bot could never hand them out (``run`` does not start, as it does
    not with any other SOP problem)."""
    from bot.papers.check import missing_blanks
    from bot.paperwork import renderer_for

    return missing_blanks(renderer_for(config), zip(config.sops, definitions, strict=True))


def _warn_example(given: str | None, path: Path, config: Config) -> None:
    """The example read for want of a config.toml (as bin/run does): its administrators and
    people are samples, which the start would seed into the database as role holders."""
    if given or path.name != DEFAULT_CONFIGS[1]:
        return
    ids = sorted({*config.admins, *(p.telegram_id for p in config.people)})
    named = f" (ID {', '.join(map(str, ids))})" if ids else ""
    print(
        f"warning: no {DEFAULT_CONFIGS[0]} in this folder: reading {DEFAULT_CONFIGS[1]}, whose "
        f"admins and [[people]] are the example's{named}; copy it to {DEFAULT_CONFIGS[0]} and "
        "put the office's own there",
        file=sys.stderr,
    )


def _warn_permissions(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        print(f"warning: {path} is readable by other users; consider chmod 600", file=sys.stderr)


def _templates_ok(config: Config, definitions: list[SopDefinition]) -> bool:
    """Fills every paper's template (the office's copy where it has one), the SOPs' own
    blank drafts included, with sample data."""
    from bot.papers.check import (
        heavy_styles,
        outdated_templates,
        static_templates,
        stray_templates,
        template_problems,
        tracked_formatting,
    )
    from bot.paperwork import renderer_for

    renderer = renderer_for(config)
    notes = (
        stray_templates(renderer, definitions)
        + static_templates(renderer, definitions)
        + tracked_formatting(renderer, definitions)
    )
    notes += outdated_templates(renderer, definitions) + heavy_styles(renderer, definitions)
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    problems = template_problems(renderer, definitions)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        where = renderer.templates_dir or "shipped templates only"
        print(f"papers: every template fills with sample data ({where})")
    return not problems


def _config_warnings(config: Config) -> list[str]:
    """What a config may leave out but a deployment hardly means to (``check`` still passes)."""
    warnings = []
    if "organisation" in config.absent:
        shipped = config.organisation
        warnings.append(
            f"organisation: no [organisation] section: the papers are headed with the shipped "
            f"letterhead ({shipped.bureau}, {shipped.ministry}); set organisation.unit_name, "
            "ministry, secretariat, bureau, address and city to the office's own"
        )
    letterhead = ("unit_name", "ministry", "secretariat", "bureau", "address", "city")
    kept = [key for key in letterhead if f"organisation.{key}" in config.absent]
    if "organisation" not in config.absent and kept:
        values = ", ".join(f"{key} = {getattr(config.organisation, key)!r}" for key in kept)
        warnings.append(
            f"organisation: {', '.join(kept)} not set: the papers show the shipped "
            f"letterhead's ({values}); set them to the office's own"
        )
    from bot.filecheck import checked_extensions

    checked = checked_extensions()
    unchecked = [ext for ext in config.storage.allowed_extensions if ext not in checked]
    if unchecked:
        warnings.append(
            "storage.allowed_extensions: no content check for "
            + ", ".join(f".{ext}" for ext in unchecked)
            + ": such files are accepted as they come, whatever they hold (checked: "
            + ", ".join(f".{ext}" for ext in sorted(checked))
            + ")"
        )
    if not config.admins:
        warnings.append(
            "admins: no administrator: nobody can invite officials (/undang), pass roles on, "
            "appoint a Plh/Plt or cancel a case; list the Telegram ids in admins = [...]"
        )
    return warnings


def _calendar_warnings(config: Config, clock: Clock | None) -> list[str]:
    """The joint leave days the installed holidays package does not know, this year or next."""
    from bot.app import joint_leave_warnings, work_calendar

    now = (clock or SystemClock(config.time.timezone)).now()
    today = now.astimezone(ZoneInfo(config.time.timezone)).date()
    return joint_leave_warnings(work_calendar(config), today)


def cmd_check(args: argparse.Namespace) -> int:
    from bot.papers.registry import unused_blanks
    from bot.rolecheck import role_warnings, seeded_second_roles

    try:
        path = _find_config(args.config)
        config, definitions = _load_checked(path)
    except (ConfigError, DefinitionError) as exc:
        _print_refusal(exc)
        return 2
    _warn_permissions(path)
    _warn_example(args.config, path, config)
    token_ok = bool(config.token())
    print(f"config: {path} OK")
    for d in definitions:
        print(_sop_summary(d, config.sop_time_overrides.get(d.code, {})))
    database_ok, database_lines = _database_report(config.storage.database)
    for line in database_lines:
        print(line, file=sys.stderr if line.startswith("error:") else sys.stdout)
    older = _older_revisions(config, definitions) if database_ok else []
    for line in older:
        print(line, file=sys.stderr if line.startswith("warning:") else sys.stdout)
    for line in _people_differences(config, definitions) if database_ok else []:
        print(f"warning: {line}", file=sys.stderr)
    for line in _shared_archive_numbers(config) if database_ok else []:
        print(f"warning: {line}", file=sys.stderr)
    for line in _nul_values(config) if database_ok else []:
        print(f"warning: {line}", file=sys.stderr)
    print(f"api: {shown_url(config.bot.api_base_url)} ({config.bot.mode})")
    print(f"people: {len(config.people)}, admins: {len(config.admins)}")
    for warning in _config_warnings(config) + _calendar_warnings(config, args.clock):
        print(f"warning: {warning}", file=sys.stderr)
    for warning in role_warnings(config.sops, definitions):  # (a fatal one stopped it before)
        print(f"warning: {warning}", file=sys.stderr)
    for warning in seeded_second_roles(config, definitions):
        print(f"warning: {warning}", file=sys.stderr)
    for source, d in zip(config.sops, definitions, strict=True):
        for warning in unused_blanks(d):
            print(f"warning: {source}: {warning}", file=sys.stderr)
    places = _storage_problems(config)
    for problem in places:
        print(f"error: {problem}", file=sys.stderr)
    marker = _files_marker(config) if database_ok and not places else []
    for line in marker:
        print(line, file=sys.stderr)
    unmounted = any(line.startswith("error:") for line in marker)
    secret_problem = config.bot.webhook.secret_problem() if config.bot.mode == "webhook" else None
    if secret_problem:
        print(f"error: {secret_problem}", file=sys.stderr)
    token_problem = config.token_problem()
    if token_problem:
        print(f"error: {token_problem}", file=sys.stderr)
    elif token_ok:
        print(f"token: from ${config.bot.token_env} (set)")
    else:  # check validates the files, often where the secret is not (systemd's
        # EnvironmentFile, an office PC); run refuses to start without it
        print(
            f"warning: bot.token_env: environment variable {config.bot.token_env} "
            f"{_unset(config.bot.token_env)} in this shell; sopbot run needs it",
            file=sys.stderr,
        )
    if not _templates_ok(config, definitions):
        return 2
    if not database_ok or places or secret_problem or unmounted or token_problem:
        return 2
    return 0


def _unset(variable: str) -> str:
    """Why a variable holds no token: unset (or empty), or blanks only."""
    return "is blank" if os.environ.get(variable) else "is not set"


def _storage_problems(config: Config, make: bool = False) -> list[str]:
    """Where the bot keeps its files and its SQLite database: a folder it can make and
    write in (``make``: made now, as the bot starts; else only checked, as ``sopbot check``
    changes nothing). An upload into a files folder that cannot be made failed only when it
    came, with "terjadi gangguan"."""
    from storage.db import is_postgres

    database = config.storage.database
    places = [("storage.files_dir", config.storage.files_dir)]
    if not is_postgres(database):
        if Path(database).is_dir():
            return [f"storage.database: {database} is a folder, not a database file"]
        places.append(("storage.database", Path(database).parent))
    problems = []
    for key, folder in places:
        if make:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                problems.append(f"{key}: {folder} cannot be made ({exc.strerror})")
                continue
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            problems.append(f"{key}: {folder} cannot be made ({existing} is not a folder)")
        elif not os.access(existing, os.W_OK | os.X_OK):
            problems.append(f"{key}: {folder} cannot be written ({existing} is read-only)")
    return problems


def _files_marker(config: Config) -> list[str]:
    """The files folder without its marker while the database records files: an error
    when it is empty or absent (a share not mounted: the bot saves nothing in it), a
    warning when it holds files (the bot marks it as it starts)."""
    from bot.filestore import MARKER, FileStore, not_mounted
    from storage import repo
    from storage.db import DatabaseError, inspect

    files = FileStore(config.storage.files_dir)
    if files.in_place():
        return []
    try:
        recorded = bool(inspect(config.storage.database, repo.any_file_recorded))
    except (DatabaseError, OSError, sqlite3.DatabaseError):
        return []  # _older_revisions said it is not readable
    if files.share_not_mounted(recorded):
        return [f"error: storage.files_dir: {not_mounted(files.root)}"]
    if recorded:
        return [
            f"warning: storage.files_dir: {files.root} lacks its marker {MARKER}; it holds "
            "files, so the bot takes it for its own and writes the marker as it starts"
        ]
    return []


def _nul_values(config: Config) -> list[str]:
    """Text values of a SQLite database that hold a NUL (an older release kept one in a
    return reason now and then): PostgreSQL cannot store one, so ``sopbot migrate-db``
    copies each with U+FFFD in its place; said before anybody moves."""
    from storage.db import DatabaseError, inspect, is_postgres
    from storage.transfer import nul_counts

    if is_postgres(config.storage.database):
        return []
    try:
        found = inspect(config.storage.database, nul_counts)
    except (DatabaseError, OSError, sqlite3.DatabaseError):
        return []  # _older_revisions said it is not readable
    if not found:
        return []
    listed = ", ".join(f"{table} {count}" for table, count in found.items())
    return [
        f"storage.database: {_values(sum(found.values()))} with a NUL character ({listed}), "
        "kept by an older release; PostgreSQL cannot store one: sopbot migrate-db copies "
        "each with U+FFFD in its place and names them"
    ]


def _values(count: int) -> str:
    return f"{count} text value" + ("" if count == 1 else "s")


def _sop_summary(definition: SopDefinition, overrides: Mapping[int, int]) -> str:
    """One line per SOP; its norm is the one the deployment runs (with sop_time_overrides)."""
    d = definition
    reviews = [s.id for s in d.steps if s.is_review]
    norm = d.with_step_times(overrides).norm_minutes
    note = (
        f" (the file says {d.norm_minutes}; sop_time_overrides)" if norm != d.norm_minutes else ""
    )
    # an SOP that does not end in archiving says so: its last step finishes a case unfiled
    finishing = [s.id for s in d.steps if s.finishes]
    ends = f", step {finishing[0]} finishes a case (no archiving)" if finishing else ""
    return (
        f"sop {d.code}: {d.header.name} — {len(d.steps)} steps, reviews {reviews}{ends}, "
        f"norm {norm} working minutes{note}"
    )


def _database_report(target: Path | str) -> tuple[bool, list[str]]:
    """The engine, its version and the schema level; False when PostgreSQL is unreachable
    (a SQLite file that does not exist yet is made at the first start)."""
    from storage.db import is_postgres
    from storage.migrations import LATEST

    if not is_postgres(target):
        return _sqlite_report(Path(target))
    from storage.db import DatabaseError, newer_schema
    from storage.postgres import safe_url, server_facts

    url = str(target)
    try:
        version, level, active = server_facts(url)
    except DatabaseError as exc:
        return False, [f"error: storage.database: {exc}"]
    if level > LATEST:
        return False, [f"error: storage.database: {newer_schema(safe_url(url), level)}"]
    state = "migrated" if level == LATEST else "migrated at the next start"
    return True, [
        f"database: {safe_url(url)} (PostgreSQL {version})",
        f"database schema: level {level} of {LATEST} ({state})",
        "active bot process: " + ("one holds the lock" if active else "none running"),
    ]


def _sqlite_report(path: Path) -> tuple[bool, list[str]]:
    """The file checked read-only (its pages, its schema level); False when it is not a
    usable database or one from a newer release."""
    from storage.db import DatabaseError, check_sqlite
    from storage.migrations import LATEST

    lines = [f"database: {path} (SQLite {sqlite3.sqlite_version})"]
    if path.is_dir():  # not opened: _storage_problems says it is a folder
        return False, lines
    if not path.exists():
        return True, [*lines, "database schema: none yet (made at the first start)"]
    try:
        level = check_sqlite(path)
    except DatabaseError as exc:
        return False, [*lines, f"error: storage.database: {exc}"]
    state = "migrated" if level == LATEST else "migrated at the next start"
    return True, [*lines, f"database schema: level {level} of {LATEST} ({state}), pages ok"]


def _older_revisions(config: Config, definitions: list[SopDefinition]) -> list[str]:
    """Open cases that run an SOP revision older than the file's (they keep theirs), and
    those of an SOP code no file defines any more (its code changed, or its file left
    ``sops``): they run their stored revision (a warning, for the office to know); and
    the roles they need that no file defines any more."""
    from storage import repo
    from storage.db import DatabaseError, Tx, inspect

    def read(tx: Tx) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, str]]]:
        return repo.open_cases_by_revision(tx), repo.revision_texts(tx)

    try:
        read_back = inspect(config.storage.database, read)
    except (DatabaseError, OSError, sqlite3.DatabaseError) as exc:
        return [f"database: not readable ({exc})"]
    if read_back is None:
        return []
    found, texts = read_back
    current = {d.code: d.revision for d in definitions}
    lines = []
    gone: dict[str, int] = {}
    for code, revision, count in found:
        if code not in current:
            gone[code] = gone.get(code, 0) + count
        elif revision != current[code]:
            lines.append(
                f"open cases on an older revision of {code}: {count} "
                f"(revision {revision or 'unknown'}; the file is now {current[code]}); "
                "they finish with the revision they started with"
            )
    for code, count in gone.items():
        # its code changed in the file, or the file left `sops`
        lines.append(
            f"warning: open cases of an SOP no file defines (code {code}): {count}; "
            "they finish with their stored revision"
        )
    older, unreadable = _stored_revisions(found, texts, definitions)
    return lines + unreadable + _roles_gone(found, older, definitions)


def _stored_revisions(
    found: list[tuple[str, str, int]],
    texts: list[tuple[str, str, str]],
    definitions: list[SopDefinition],
) -> tuple[dict[str, SopDefinition], list[str]]:
    """The stored revisions open cases run besides the files', as the bot learns them
    (:meth:`SopRegistry.adopt`), and a warning of each that today's checks refuse (the
    bot starts and runs its cases on with it), naming the revision and the problems."""
    from bot.core.loader import stored_definition
    from bot.services.registry import stored_revision_warning

    current = {d.revision for d in definitions}
    stored = {revision: (source, text) for revision, source, text in texts}
    counts: dict[str, int] = {}
    for _, revision, count in found:
        if revision not in current and revision in stored:
            counts[revision] = counts.get(revision, 0) + count
    older: dict[str, SopDefinition] = {}
    lines = []
    for revision, count in counts.items():
        source, text = stored[revision]
        try:
            definition, problems = stored_definition(text, f"{source} (revision {revision})")
        except DefinitionError as exc:
            lines.append(
                f"warning: open cases run SOP revision {revision}, which cannot be read "
                f"(open cases: {count}): " + "; ".join(exc.problems)
            )
            continue
        older[revision] = definition
        if problems:
            warning = stored_revision_warning(definition.code, revision, count, problems)
            lines.append(f"warning: {warning}")
    return older, lines


def _roles_gone(
    found: list[tuple[str, str, int]],
    older: Mapping[str, SopDefinition],
    definitions: list[SopDefinition],
) -> list[str]:
    """The roles of the revisions open cases run (``older``: the stored ones besides the
    files') that no SOP file defines any more: the bot keeps them (/peran, /alihkan, ...)
    until those cases are closed."""
    defined = {r.id for d in definitions for r in d.roles}
    needed: dict[str, int] = {}
    for _, revision, count in found:
        if revision not in older:
            continue
        for role in older[revision].roles:
            if role.id not in defined:
                needed[role.id] = needed.get(role.id, 0) + count
    return [
        f"warning: open cases need role {role}, which no SOP file defines any more "
        f"(open cases: {count}); the bot keeps it for them (/peran, /alihkan, /cabut, "
        "/undang, /plh) until they are closed"
        for role, count in needed.items()
    ]


def _people_differences(config: Config, definitions: list[SopDefinition]) -> list[str]:
    """The ``[[people]]`` roles the database has gone past (taken with /cabut, passed on,
    held by someone else), and profiles it has corrected: the start leaves them, with the
    same warning."""
    from bot.services.people import profile_warning, seed_profile, seed_role, seed_warning
    from storage import repo
    from storage.db import DatabaseError, Tx, inspect

    shared = {r.id for d in definitions for r in d.roles if r.shared}
    unit = config.organisation.unit

    def read(tx: Tx) -> list[str]:
        history = repo.role_history(tx, unit)
        lines = []
        for index, person in enumerate(config.people):
            if difference := seed_profile(tx, person).difference:
                lines.append(profile_warning(index, person.telegram_id, difference))
            for role in person.roles:
                seed = seed_role(tx, unit, person.telegram_id, role, role in shared, history)
                if seed.difference:
                    lines.append(seed_warning(index, person.telegram_id, role, seed.difference))
        return lines

    try:
        return inspect(config.storage.database, read) or []
    except (DatabaseError, OSError, sqlite3.DatabaseError):
        return []  # _older_revisions said it is not readable


def _shared_archive_numbers(config: Config) -> list[str]:
    """Archive numbers two archived cases are filed under (the same number written two
    ways, filed before the release that refuses it): one of them holds a wrong number,
    for an administrator to correct with /ubah_arsip."""
    from storage import repo
    from storage.db import DatabaseError, inspect

    try:
        shared = inspect(config.storage.database, repo.shared_archive_numbers) or {}
    except (DatabaseError, OSError, sqlite3.DatabaseError):
        return []  # _older_revisions said it is not readable
    return [
        f"archive number {number} is filed under cases "
        + ", ".join(f"#{case}" for case in cases)
        + "; correct the wrong ones with /ubah_arsip <case> <number> <reason>"
        for number, cases in shared.items()
    ]


def cmd_sop_show(args: argparse.Namespace) -> int:
    """The definition, also a draft: its unconfirmed guesses are listed, not refused."""
    from bot import texts as t  # the operator's texts (not loaded by the other commands)

    try:
        definition, guesses = load_draft(args.file)
    except DefinitionError as exc:
        _print_refusal(exc)
        return 2
    if args.json:
        data = definition_json(definition)
        data["unconfirmed_guesses"] = [{"path": g.path, "reason": g.reason} for g in guesses]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"{definition.header.name} ({definition.code})")
    for s in definition.steps:
        ret = f" ↩ {s.on_return}" if s.on_return else ""
        nxt = f" → {s.on_approve}" if s.on_approve else " (end)"
        print(
            f"{s.id:>3} {s.actor:<16} {s.kind.value:<8} {s.time_minutes:>5} min{nxt}{ret}  {s.title}"
        )
    if guesses:
        print(t.SOP_DRAFT_GUESSES.format(count=len(guesses)))
        for guess in guesses:
            print(f"  {guess}")
    return 0


def _os_error(exc: OSError) -> str:
    """Why a file could not be read or written, in the operator's Indonesian: the system's
    own text (strerror) is English; an errno without a text is named (EIO)."""
    from bot import texts as t

    if exc.errno in t.SOP_IMPORT_OS_ERRORS:
        return t.SOP_IMPORT_OS_ERRORS[exc.errno]
    code = errno.errorcode.get(exc.errno, str(exc.errno)) if exc.errno is not None else "?"
    return t.SOP_IMPORT_OS_ERROR.format(code=code)


def cmd_template_lean(args: argparse.Namespace) -> int:
    """Writes a lean copy of an office's template (:mod:`bot.papers.lean`)."""
    from bot.papers.lean import NotWordDocument, lean_copy

    source, target = Path(args.file), Path(args.output)
    if not source.is_file():
        print(f"error: {source}: no such file", file=sys.stderr)
        return 2
    if target.exists() and not args.force:
        print(f"error: {target} exists; add --force to overwrite it", file=sys.stderr)
        return 2
    try:
        copy = lean_copy(source, target)
    except OSError as exc:
        print(f"error: {exc.filename or target}: {_os_error(exc)}", file=sys.stderr)
        return 2
    except NotWordDocument as exc:
        what = f"it is {exc.kind}. " if exc.kind else ""
        print(
            f"error: {source}: not a Word .docx document; {what}Open it in Word, choose "
            'File > Save As and save it as "Word Document (*.docx)", then run this on the '
            ".docx file",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:  # python-docx refuses the file
        print(f"error: {source}: not a Word document (.docx): {exc}", file=sys.stderr)
        return 2
    print(
        f"{target}: {copy.removed} unused styles left out, {copy.kept} kept; Word styles "
        f"{round(copy.styles_before / 1000)} KB -> {round(copy.styles_after / 1000)} KB"
    )
    return 0


def cmd_sop_import(args: argparse.Namespace) -> int:
    """Write a draft definition from an SOP-AP form; on any error nothing is written."""
    from bot import texts as t
    from bot.sopimport import ImportFailure, draft_toml, write_atomically

    source = Path(args.file)
    out = Path(args.output) if args.output else None
    if out is not None and out.exists() and not args.force:
        print(t.SOP_IMPORT_EXISTS.format(out=out), file=sys.stderr)
        return 2
    try:
        data = source.read_bytes()
        text, draft = draft_toml(source.name, data)
    except OSError as exc:
        print(t.SOP_IMPORT_UNREADABLE.format(source=source, error=_os_error(exc)), file=sys.stderr)
        return 2
    except ImportFailure as exc:
        print(f"error: {source}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an importer bug: one line naming the form, never a traceback
        error = " ".join(str(exc).split())[:300]
        text = t.SOP_IMPORT_BUG.format(source=source, kind=type(exc).__name__, error=error)
        print(text, file=sys.stderr)
        return 2
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            write_atomically(out, text)
        except OSError as exc:
            print(t.SOP_IMPORT_UNWRITABLE.format(out=out, error=_os_error(exc)), file=sys.stderr)
            return 2
    guesses = draft.guesses()
    where = shlex.quote(str(out)) if out is not None else "FILE.toml"
    done = t.SOP_IMPORT_DONE.format(
        where=t.SOP_IMPORT_WRITTEN_TO.format(out=out) if out else t.SOP_IMPORT_PRINTED,
        steps=len(draft.steps),
        roles=len(draft.roles),
        documents=len(draft.documents),
        guesses=len(guesses),
        show=where,
    )
    print(done, file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.logsetup import redacted, setup_logging

    try:
        path = _find_config(args.config)
        config, _ = _load_checked(path)
    except (ConfigError, DefinitionError) as exc:
        _print_refusal(exc)
        return 2
    _warn_example(args.config, path, config)
    token = config.token()
    if not token:
        print(
            f"error: bot.token_env: environment variable {config.bot.token_env} "
            f"{_unset(config.bot.token_env)}.\n"
            "Without a token, try the offline demo: sopbot demo",
            file=sys.stderr,
        )
        return 2
    if problem := config.token_problem():
        print(f"error: {problem}", file=sys.stderr)
        return 2
    _warn_permissions(path)
    if config.bot.mode == "webhook" and (problem := config.bot.webhook.secret_problem()):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    places = _storage_problems(config, make=True)
    if places:
        for problem in places:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    from storage import runlock
    from storage.db import is_postgres

    if not is_postgres(config.storage.database):
        try:
            # held until the process ends (the kernel releases it however it ends)
            runlock.hold(Path(config.storage.database))
        except runlock.AlreadyRunning as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            where = runlock.lock_path(Path(config.storage.database))
            print(f"error: storage.database: {where} cannot be made ({exc})", file=sys.stderr)
            return 2
    setup_logging(token, LOG_LEVELS[args.log_level])
    from telegram.error import InvalidToken

    from bot.app import build_application
    from bot.webhook import WebhookError, run_webhook
    from storage.db import DatabaseError

    active = None
    if is_postgres(config.storage.database):
        from storage.active import ActiveLock

        active = ActiveLock(str(config.storage.database))
    from bot.aiohttp_request import ProxyError

    try:
        app = build_application(config, token, active=active)
    except ProxyError as exc:  # HTTPS_PROXY & co. name a proxy the bot cannot use
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from bot import eventloop
    from bot.app import freeze_startup_heap
    from bot.updates import ALLOWED_UPDATES

    stop_on_signals(eventloop.install(config.bot.event_loop))
    freeze_startup_heap()
    try:
        if config.bot.mode == "webhook":
            secret = config.bot.webhook.secret()
            assert secret is not None  # (secret_problem above)
            run_webhook(app, config.bot.webhook, secret)
        else:
            # Telegram (or the proxy) not reachable yet at start, a reboot before the
            # network is up: PTB tries again for ever, backing off up to 30 s between tries
            app.run_polling(
                allowed_updates=ALLOWED_UPDATES, stop_signals=None, bootstrap_retries=-1
            )
        if app.token_refused:  # while it ran: a token revoked in @BotFather
            raise InvalidToken("the token was refused while the bot ran")
    except (DatabaseError, WebhookError) as exc:
        # a print, which the log's filter never sees: the webhook's URL may hold the token
        # (a path of python-telegram-bot's old url_path=TOKEN)
        print(f"error: {redacted(str(exc), token)}", file=sys.stderr)
        return 2
    except InvalidToken:
        # PTB's message quotes the token itself: never print it
        print(
            f"error: Telegram rejected the bot token in ${config.bot.token_env}, or "
            f"bot.api_base_url ({shown_url(config.bot.api_base_url)}) is not a Bot API server",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:
        # through the logging filter, which masks the token in the message and traceback
        logging.getLogger("sopbot").critical("the bot stopped: %s", exc, exc_info=exc)
        return 1
    if active is not None and active.lost.is_set():
        print(
            "error: the connection holding the active lock broke: another process may be "
            "active now; this one stopped (start it again to wait as the standby)",
            file=sys.stderr,
        )
        return 3
    return 0


STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGABRT", "SIGHUP")
"""What stops ``sopbot run`` cleanly (python-telegram-bot's three, and SIGHUP: the SSH
session that ran ``bin/run`` closing, or an administrator expecting a reload)."""


def stop_on_signals(loop: asyncio.AbstractEventLoop) -> None:
    """On ``loop`` (the one ``run_polling`` / :func:`bot.webhook.run_webhook` run on; PTB's
    installs none): each of :data:`STOP_SIGNALS` logs one line and raises SystemExit, which
    python-telegram-bot answers with its clean stop (the poll ended, the updates in hand
    finished, the database closed). A second signal while it stops is only logged."""
    log = logging.getLogger("sopbot")
    stopping = False

    def stop(name: str) -> None:
        nonlocal stopping
        if stopping:
            log.info("%s received: already stopping", name)
            return
        stopping = True
        log.info("%s received: stopping", name)
        raise SystemExit(0)

    for name in STOP_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            loop.add_signal_handler(signum, stop, name)
        except (NotImplementedError, RuntimeError):  # an event loop without signals (Windows)
            log.warning("%s cannot be handled on this platform's event loop", name)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot import eventloop
    from bot.config import BotConfig
    from bot.demo import run_demo

    out = Path(args.out).resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: {out}: the demo cannot write there ({exc.strerror})", file=sys.stderr)
        return 2
    demo = run_demo(out, quiet=args.quiet)
    return eventloop.run(demo, BotConfig().event_loop)


def cmd_backup(args: argparse.Namespace) -> int:
    from storage.db import Database, DatabaseError, is_postgres
    from storage.restore import is_the_database

    try:
        config = load_config(_find_config(args.config))
    except ConfigError as exc:
        _print_refusal(exc)
        return 2
    database = config.storage.database
    if not is_postgres(database) and is_the_database(Path(args.dest), Path(database)):
        print(
            f"error: no backup written: {args.dest} is the database itself (storage.database);"
            " name a file elsewhere, such as backups/sopbot.sqlite3",
            file=sys.stderr,
        )
        return 2

    async def run() -> str:
        db = await Database.open_existing(config.storage.database)
        try:
            await db.backup(Path(args.dest))
            return db.engine
        finally:
            await db.close()

    try:
        engine = asyncio.run(run())
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:  # where the copy was to go
        print(f"error: no backup written to {args.dest}: {exc}", file=sys.stderr)
        return 2
    how = (
        "pg_dump custom format; restore with: pg_restore --dbname=URL " + args.dest
        if engine == "postgresql"
        else "SQLite online backup"
    )
    print(f"backup written to {args.dest} ({how})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a SQLite backup in the database's place (the bot stopped); the replaced database
    is kept beside it."""
    from datetime import datetime

    from storage.db import is_postgres
    from storage.migrations import LATEST
    from storage.restore import RestoreError, restore_sqlite

    try:
        config = load_config(_find_config(args.config))
    except ConfigError as exc:
        _print_refusal(exc)
        return 2
    target = config.storage.database
    if is_postgres(target):
        print(
            "error: storage.database is a PostgreSQL database: restore a backup of it with "
            f"pg_restore --clean --if-exists --dbname=URL {args.backup} (the bot stopped)",
            file=sys.stderr,
        )
        return 2
    database = Path(target)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        restored = restore_sqlite(Path(args.backup), database, stamp)
    except RestoreError as exc:
        print(f"error: not restored, nothing changed: {exc}", file=sys.stderr)
        return 2
    state = "" if restored.level == LATEST else "; migrated at the next start"
    print(f"{database} restored from {args.backup} (schema level {restored.level}{state})")
    if restored.kept is not None:
        print(f"the database it replaced (and its log files) is in {restored.kept}")
    print(
        "the files folder is not in the database: if it was lost too, restore it from its "
        "own backup before starting the bot"
    )
    return 0


def cmd_migrate_db(args: argparse.Namespace) -> int:
    """Copy a SQLite database into PostgreSQL, then compare rows and digests per table."""
    from storage.db import DatabaseError, is_postgres

    source, url = Path(args.source), args.target
    if not is_postgres(url):
        print("error: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    from urllib.parse import urlsplit

    from storage.postgres import safe_url

    if safe_url(url) != url:
        print(
            "error: --to: no password in the URL (it would show in the process list): "
            "set PGPASSWORD or use ~/.pgpass",
            file=sys.stderr,
        )
        return 2
    try:
        urlsplit(url).port  # noqa: B018 (raises for an address left open, a port that is none)
    except ValueError:
        print(f"error: --to: not a valid URL: {url!r}", file=sys.stderr)
        return 2
    if not source.is_file():
        print(f"error: --from: no such file: {source}", file=sys.stderr)
        return 2
    import asyncpg

    from storage import runlock

    try:
        # a bot still writing to the file would lose what it writes after the copy
        runlock.hold(source)
    except runlock.AlreadyRunning as exc:
        print(f"error: --from: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: --from: {runlock.lock_path(source)} cannot be made ({exc})", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_migrate_db(source, url, args.force))
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        # (the copy's own failures are a CopyError above: these come before or after it)
        print(f"error: {type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1


SHOWN_CARRIED = 10  # rows named per table, then a count


def _say_copied(table: str, rows: int, carried: list[Carried]) -> None:
    """A table copied, and its rows whose NUL became U+FFFD (their key and columns)."""
    from storage.transfer import PRIMARY_KEYS

    line = f"  {table}: {rows} rows"
    if carried:
        named = "; ".join(
            ", ".join(f"{k}={v!r}" for k, v in zip(PRIMARY_KEYS[table], c.key, strict=True))
            + f" ({', '.join(c.columns)})"
            for c in carried[:SHOWN_CARRIED]
        )
        if len(carried) > SHOWN_CARRIED:
            named += f"; and {len(carried) - SHOWN_CARRIED} more"
        values = sum(len(c.columns) for c in carried)
        line += f"; {_values(values)} with a NUL, copied with U+FFFD in its place: {named}"
    print(line, flush=True)


async def _migrate_db(source_path: Path, url: str, force: bool) -> int:
    from storage import transfer
    from storage.db import SqliteDatabase
    from storage.postgres import PostgresDatabase, safe_url

    source = await SqliteDatabase.open(source_path)
    try:
        target = await PostgresDatabase.open(url)
        try:
            counts = await target.read(transfer.row_counts)
            filled = {t: n for t, n in counts.items() if n}
            if filled and not force:
                listed = ", ".join(f"{t} ({n})" for t, n in filled.items())
                print(
                    f"error: --to: {safe_url(url)} already holds data: {listed}; use --force "
                    "to empty it first",
                    file=sys.stderr,
                )
                return 2
            print(f"copying {source_path} to {safe_url(url)}")
            try:
                copied = await transfer.copy_database(
                    source, target, _say_copied, empty_first=bool(filled)
                )
            except transfer.CopyError as exc:
                print(
                    f"error: {exc}; nothing was copied: {safe_url(url)} is as it was",
                    file=sys.stderr,
                )
                return 1
            before = await transfer.table_digests(source, carried=True)
            after = await transfer.table_digests(target)
        finally:
            await target.close()
    finally:
        await source.close()
    print(f"{'table':<20}{'rows':>10}  {'sha256 (SQLite)':<18}{'sha256 (PostgreSQL)':<21}")
    mismatches = 0
    for table, want in before.items():
        got = after[table]
        same = want == got
        mismatches += not same
        print(
            f"{table:<20}{want.rows:>10}  {want.sha256[:16]:<18}{got.sha256[:16]:<18}"
            + ("ok" if same else f"MISMATCH ({got.rows} rows)")
        )
    carried = sum(len(c.columns) for rows in copied.carried.values() for c in rows)
    if carried:
        print(
            f"{_values(carried)} with a NUL, which PostgreSQL cannot store: the copy has "
            "U+FFFD in its place (listed above); the SQLite digests are of the rows so carried"
        )
    if mismatches:
        print(f"error: {mismatches} tables differ after the copy", file=sys.stderr)
        return 1
    print("every table has the same rows and digest on both: point storage.database at the URL")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.export import export_case

    try:
        config = load_config(_find_config(args.config))
    except ConfigError as exc:
        _print_refusal(exc)
        return 2
    return asyncio.run(export_case(config, args.case, Path(args.out)))


def case_number(text: str) -> int:
    """A case number as the command line gives it: 1 up to SQLite's largest integer, also
    as the chat writes it ("#7") or the papers and their file names do ("B7")."""
    digits = text[1:] if text[:1] in ("#", "B", "b") else text
    number = int(digits) if digits.isascii() and digits.isdigit() else 0
    if not 1 <= number < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a case number (7, #7 or B7)")
    return number


CONFIG_HELP = "the config file (default: config.toml in this folder, else config.example.toml)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sopbot", description="Telegram bot running an SOP approval workflow"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="validate the config and SOP definitions")
    p.add_argument("--config", help=CONFIG_HELP)
    p.set_defaults(func=cmd_check)

    sop = sub.add_parser("sop", help="SOP definition tools")
    sop_sub = sop.add_subparsers(dest="sop_command", required=True)
    p = sop_sub.add_parser("show", help="print a definition (normalised)")
    p.add_argument("file", help="an SOP definition file (sops/*.toml), a draft too")
    p.add_argument("--json", action="store_true", help="print it as JSON")
    p.set_defaults(func=cmd_sop_show)
    p = sop_sub.add_parser(
        "import", help="draft definition from an SOP-AP form (portal text/HTML export or .docx)"
    )
    p.add_argument("file", help="the SOP-AP form: .docx, or the portal's text or HTML export")
    p.add_argument("-o", "--output", help="write the draft here (default: standard output)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(func=cmd_sop_import)

    template = sub.add_parser("template", help="paper template tools")
    template_sub = template.add_subparsers(dest="template_command", required=True)
    p = template_sub.add_parser(
        "lean",
        help="copy an office's template without the Word styles no part uses, Word 2010's "
        "stylesWithEffects.xml and the preview picture (a copy of a shipped template made "
        "before 2026-12-07 makes papers at twice the CPU)",
    )
    p.add_argument("file", help="the template (.docx)")
    p.add_argument("-o", "--output", required=True, help="write the lean copy here")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(func=cmd_template_lean)

    p = sub.add_parser("run", help="run the bot (needs the token in the environment)")
    p.add_argument("--config", help=CONFIG_HELP)
    p.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="info",
        help="how much the log says (default: info; debug also names every Bot API call, "
        "never the token)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="play the whole SOP offline against the Bot API emulator")
    p.add_argument(
        "--out",
        default="demo-out",
        help="folder for the database, papers and pictures it leaves (default: demo-out)",
    )
    p.add_argument("--quiet", action="store_true", help="print no transcript, only the outcome")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "backup",
        help="consistent copy of the database, also while the bot runs "
        "(SQLite: online backup; PostgreSQL: pg_dump -Fc)",
    )
    p.add_argument("dest", help="the file the copy is written to (not the database itself)")
    p.add_argument("--config", help=CONFIG_HELP)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="put a SQLite backup in the database's place (the bot must be stopped); "
        "the database it replaces is kept in a before-restore folder beside it",
    )
    p.add_argument("backup", help="a SQLite backup written by sopbot backup")
    p.add_argument("--config", help=CONFIG_HELP)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "migrate-db",
        help="copy a SQLite database into PostgreSQL and compare every table (rows, digest)",
    )
    p.add_argument(
        "--from", dest="source", required=True, metavar="SQLITE_FILE",
        help="the SQLite database (the bot stopped)",
    )  # fmt: skip
    p.add_argument(
        "--to", dest="target", required=True, metavar="URL",
        help="postgresql://user@host/db, without a password (PGPASSWORD or ~/.pgpass)",
    )  # fmt: skip
    p.add_argument("--force", action="store_true", help="empty a target that holds data")
    p.set_defaults(func=cmd_migrate_db)

    p = sub.add_parser("export", help="write a case's record and files to a folder")
    p.add_argument("case", type=case_number, help="the case's number: 7, #7 or B7")
    p.add_argument("--out", default=".", help="the folder it is written to (default: here)")
    p.add_argument("--config", help=CONFIG_HELP)
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None, *, clock: Clock | None = None) -> int:
    """``clock``: the time ``check`` takes as now (the system's by default)."""
    args = build_parser().parse_args(argv)
    args.clock = clock
    try:
        result: int = args.func(args)
        sys.stdout.flush()  # here, not at exit: a closed pipe is met inside the try
    except BrokenPipeError:
        if args.func is cmd_run:
            raise  # the bot's own sockets, not a reader of its output: the log says why
        # the reader stopped early (sopbot check | head -1): no traceback. Python's
        # recipe: what is still buffered goes to devnull, so the flush at exit cannot fail
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as for a tool a closed pipe stops: the output is cut
    return result
