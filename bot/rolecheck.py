"""Roles across the SOP files a deployment runs: a role id is one role of the unit, held by
the same person in every SOP that names it. ``sopbot check`` refuses what cannot be one role
and warns of what may be two officials; the start logs the same warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import Config
from bot.core.definition import Role, SopDefinition
from bot.core.workflow import second_roles


def role_differences(
    sources: tuple[Path, ...], definitions: list[SopDefinition]
) -> list[tuple[str, bool]]:
    """A role named by two SOP files is one role of the unit, held by the same person and
    escalating to the same superior: files that give it another superior, or make it a team
    in one and not the other, are refused (the second file's was silently ignored); another
    name or title is a warning (it may be a different official, who needs a role id of
    their own). Each with whether it is fatal."""
    differences: list[tuple[str, bool]] = []
    first: dict[str, tuple[Path, Role]] = {}
    for source, d in zip(sources, definitions, strict=True):
        for role in d.roles:
            if role.id not in first:
                first[role.id] = (source, role)
                continue
            where, known = first[role.id]
            if (role.superior, role.shared) != (known.superior, known.shared):
                differences.append(
                    (
                        f"{source}: role '{role.id}': superior {role.superior!r}, shared "
                        f"{role.shared} here, but superior {known.superior!r}, shared "
                        f"{known.shared} in {where}: a role id is one role of the deployment, "
                        "held by the same person in every SOP that names it; if this is "
                        f"another official, give this one another role id ({_own_id(role)}); "
                        "only if it is the same official, give both files the same superior "
                        "and shared",
                        True,
                    )
                )
            elif (role.name, role.title) != (known.name, known.title):
                differences.append(
                    (
                        f"{source}: role '{role.id}' is '{role.name}' ({role.title}) here and "
                        f"'{known.name}' ({known.title}) in {where}: the bot holds one role, "
                        f"named as in {where}; if they are different officials, give this one "
                        f"another role id ({_own_id(role)})",
                        False,
                    )
                )
    return differences


def _own_id(role: Role) -> str:
    """An example of a role id of its own for an official another SOP's role id names: its
    office and unit, as the importer makes it ("Kabag Umum" -> ``kabag_umum``)."""
    from bot.sopimport.roles import role_ids

    for heading in (role.name, role.title):
        candidate = role_ids([heading])[0]
        if candidate != role.id:
            return f"e.g. '{candidate}'"
    return "its office and unit, e.g. 'kabag_umum' for a Kabag Umum"


def role_name_clashes(sources: tuple[Path, ...], definitions: list[SopDefinition]) -> list[str]:
    """Two role ids of the deployment with one name ("Kabag" for ``kabag`` and
    ``kabag_umum``): the officials' texts cannot tell them apart (the administrator's add
    the id)."""
    named: dict[str, tuple[Path, Role]] = {}
    clashes: list[str] = []
    seen: set[str] = set()
    for source, d in zip(sources, definitions, strict=True):
        for role in d.roles:
            if role.id in seen:
                continue  # one role of two SOPs (role_differences compares them)
            seen.add(role.id)
            key = role.name.casefold()
            if key not in named:
                named[key] = (source, role)
                continue
            where, known = named[key]
            clashes.append(
                f"{source}: role '{role.id}' is named '{role.name}', as role '{known.id}' is "
                f"in {where}: the officials' tasks, /status and /bantuan name both alike "
                "(the administrator's /peran and /plh add the role id); give each a name of "
                f"its own, e.g. '{role.title}'"
            )
    return clashes


def role_warnings(sources: tuple[Path, ...], definitions: list[SopDefinition]) -> list[str]:
    """For ``sopbot check`` and the start: what :func:`role_differences` warns of (a role
    two SOP files name and title differently, held as one role) and
    :func:`role_name_clashes`."""
    return [
        difference for difference, fatal in role_differences(sources, definitions) if not fatal
    ] + role_name_clashes(sources, definitions)


def seeded_second_roles(config: Config, definitions: list[SopDefinition]) -> list[str]:
    """The config's ``[[people]]`` entries that give one person two roles of one review
    chain (the Karo made Kabag too), and its ``[[acting]]`` entries that appoint someone a
    ``[[people]]`` entry gives another role of that chain (the Kabag made Plh Karo), with
    what four eyes does then (:func:`bot.core.workflow.second_roles`): the administrator
    is warned of the same given in Telegram; ``sopbot check`` and the start say it."""
    several = len(definitions) > 1
    lines = []
    for i, person in enumerate(config.people):
        roles = list(dict.fromkeys(person.roles))
        for n, role in enumerate(roles):
            for found in second_roles(definitions, role, roles[n + 1 :]):
                steps = _four_eyes_steps(found["steps"], several)
                lines.append(
                    f"people[{i}]: {person.telegram_id} holds '{role}' and '{found['other']}', "
                    f"two levels of one review chain, and one person never decides two levels "
                    f"of a case (four eyes): {steps}. The roles are given; if not meant, give "
                    "one of them to someone else"
                )
    for i, entry in enumerate(config.acting):
        held = {
            j: person.roles
            for j, person in enumerate(config.people)
            if person.telegram_id == entry.telegram_id
        }
        for found in second_roles(
            definitions, entry.role, [r for roles in held.values() for r in roles], acting=True
        ):
            where = ", ".join(
                f"people[{j}]" for j, roles in held.items() if found["other"] in roles
            )
            steps = _four_eyes_steps(found["steps"], several, acting=entry.kind.capitalize())
            lines.append(
                f"acting[{i}]: {entry.telegram_id}, {entry.kind.capitalize()} of "
                f"'{entry.role}', holds '{found['other']}' ({where}), a level of the same "
                f"review chain, and one person never decides two levels of a case (four "
                f"eyes): {steps}. He is appointed all the same"
            )
    return lines


def _four_eyes_steps(steps: list[list[Any]], several: bool, acting: str = "") -> str:
    """What four eyes does at each step :func:`bot.core.workflow.second_roles` found, in
    the log's English (``acting``: "Plh" when he acts in the later role)."""
    said = []
    for code, step, later, earlier, how in steps:
        at = f"step {step} of SOP {code}" if several else f"step {step}"
        if how == "signs":
            said.append(
                f"{at} ({later}) is the definitive official's only: he decides it all the "
                f"same, recorded as having handled the case as {earlier}"
            )
        elif how == "holders":
            said.append(
                f"at {at} ({later}) another holder of {later} decides a case he handled as "
                f"{earlier} (none: it waits, the administrators are told)"
            )
        elif how == "definitive":
            said.append(
                f"at {at} ({later}) a case he handled as {earlier} goes to the definitive "
                f"{later}, not to him as {acting} (none: it waits, the administrators are told)"
            )
        else:
            said.append(
                f"at {at} ({later}) a case he handled as {earlier} waits for a Plh/Plt of "
                f"{later} (the administrators are told)"
            )
    return "; ".join(said)
