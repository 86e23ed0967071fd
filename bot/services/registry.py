"""The SOP definitions a deployment runs, by code, and every revision its cases run.

A case keeps the revision of its SOP that it started with: editing an SOP file changes new
cases only. Revisions are recorded in the database (their text), so a case that started
under a revision no longer on disk still runs, replays and renders with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from bot.core.definition import Role, SopDefinition
from bot.core.loader import stored_definition
from bot.core.model import Case


class SopRegistry:
    def __init__(
        self,
        definitions: Iterable[SopDefinition],
        time_overrides: Mapping[str, Mapping[int, int]] | None = None,
    ) -> None:
        self._overrides = time_overrides or {}
        self._current = {d.code: self._adjusted(d) for d in definitions}
        if not self._current:
            raise ValueError("no SOP definition")
        self._revisions = {d.revision: d for d in self._current.values() if d.revision}
        # SOPs no file defines any more whose open cases still run (:meth:`keep_roles_of`)
        self._retired: dict[str, SopDefinition] = {}
        # the unit's roles: those of every SOP it runs (a role of two SOPs is one role)
        self._roles: dict[str, Role] = {}
        for definition in self._current.values():
            for role in definition.roles:
                self._roles.setdefault(role.id, role)

    def _adjusted(self, definition: SopDefinition) -> SopDefinition:
        """Time norms are the deployment's: its overrides apply to every revision."""
        overrides = self._overrides.get(definition.code)
        return definition.with_step_times(overrides) if overrides else definition

    def __getitem__(self, code: str) -> SopDefinition:
        """The current definition of an SOP (what new cases start with)."""
        return self._current[code]

    def current(self, code: str) -> SopDefinition | None:
        """The current definition of ``code``; None when no file defines it any more (the
        office changed its code or dropped the SOP: its open cases run their own revision)."""
        return self._current.get(code)

    def __iter__(self) -> Iterator[SopDefinition]:
        return iter(self._current.values())

    @property
    def default(self) -> SopDefinition:
        return next(iter(self._current.values()))

    def codes(self) -> list[str]:
        return list(self._current)

    def retired(self) -> list[SopDefinition]:
        """The SOPs no file defines any more whose open cases still run (as of the start:
        :meth:`keep_roles_of`), each by a revision its open cases run: their cases are
        still listed (/status) and reported on (/laporan)."""
        return list(self._retired.values())

    def running(self, code: str) -> SopDefinition | None:
        """The current definition of ``code``, or of a retired SOP open cases still run
        (:meth:`retired`); None when neither."""
        return self._current.get(code) or self._retired.get(code)

    @property
    def roles(self) -> list[Role]:
        """Every role of the SOPs this deployment runs, the first SOP's first; then those
        only older revisions that open cases still run define (:meth:`keep_roles_of`)."""
        return list(self._roles.values())

    def role(self, role_id: str) -> Role:
        return self._roles[role_id]

    def has_role(self, role_id: str) -> bool:
        return role_id in self._roles

    def name_shared(self, role_id: str) -> bool:
        """Whether another role of the unit bears this role's name ("Kabag" for ``kabag``
        and ``kabag_umum``): the administrator's texts add the role's id to tell them apart."""
        name = self._roles[role_id].name.casefold()
        return any(r.name.casefold() == name for r in self._roles.values() if r.id != role_id)

    def superior_of(self) -> dict[str, str | None]:
        """Each role's superior, across the SOPs (the first SOP that names the role)."""
        return {r.id: r.superior for r in self._roles.values()}

    def startable_by(self, roles: Iterable[str]) -> list[SopDefinition]:
        """The SOPs whose first step one of ``roles`` holds: those this person may open."""
        held = set(roles)
        return [d for d in self._current.values() if d.first_step.actor in held]

    def of(self, case: Case) -> SopDefinition:
        """The definition ``case`` runs: the revision it started with."""
        return self.of_code(case.sop_code, case.revision)

    def of_code(self, sop_code: str, revision: str | None) -> SopDefinition:
        """The definition a case of ``sop_code`` started at ``revision`` runs (:meth:`of`
        for a case whose document is not read)."""
        if revision:
            found = self._revisions.get(revision)
            if found is not None:
                return found
        return self._current[sop_code]

    def revision(self, revision: str) -> SopDefinition | None:
        return self._revisions.get(revision)

    def keep_roles_of(self, revisions: Iterable[str]) -> None:
        """Keep the roles of the (adopted) ``revisions`` open cases still run: a role taken
        out of the SOP file is still held, passed on and revoked (/peran, /alihkan, ...)
        while cases on an older revision need it. The current definitions' come first.
        An SOP no file defines any more is kept as :meth:`retired`."""
        for revision in revisions:
            definition = self._revisions.get(revision)
            if definition is None:
                continue
            for role in definition.roles:
                self._roles.setdefault(role.id, role)
            if definition.code not in self._current:
                self._retired.setdefault(definition.code, definition)

    def adopt(self, revision: str, source: str, text: str) -> tuple[str, ...]:
        """Know a revision recorded in the database (a file since edited or removed): the
        cases that started with it run on with it, as it was accepted then. Returns what
        today's rules find in it (a rule made stricter since: :func:`stored_definition`);
        DefinitionError when no definition can be made of its text."""
        if revision in self._revisions:
            return ()
        definition, problems = stored_definition(text, source=f"{source} (revision {revision})")
        self._revisions[revision] = self._adjusted(definition)
        return problems


def stored_revision_warning(
    code: str, revision: str, open_cases: int, problems: Iterable[str]
) -> str:
    """What the log (as the bot starts) and ``sopbot check`` say of a stored revision that
    open cases run and today's checks refuse (:meth:`SopRegistry.adopt`)."""
    return (
        f"open cases of {code} run revision {revision}, which today's checks refuse: "
        + "; ".join(problems)
        + f" (open cases: {open_cases}); they finish with it, as it was when they started"
    )
