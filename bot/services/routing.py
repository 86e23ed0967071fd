"""Whose turn it is: the holders of a step, with acting officials (Plh, Plt) in force.

While an appointment is in force, a role's tasks go to the acting official, except where
the law or the four-eyes rule keeps them from deciding:

- a step the SOP marks ``mandate = "definitive_only"`` (strategic: UU No. 30 Tahun 2014
  Pasal 14 ayat (7)) goes to the definitive holder; the acting official is told why;
- a review step the acting official may not decide because they approved another level
  of the same review chain (four eyes) goes to the definitive holder.

Four eyes gives way at a strategic step of a role one official holds
(:func:`bot.core.workflow.four_eyes_gives_way`): no one but its definitive holder may
decide it, so he does, also when he took part earlier (the Karo who initialled step 8 as
Plh Kabag signs step 9); his task, /tugas, /status and the decision say so.

A step no one may decide goes to no one, and the administrators are told what would let
it go on: a review step none of its holders may decide (four eyes: one person holds two
roles of the chain) waits for a Plh or Plt; one the acting official in force may not decide
either, for the appointment to end first; a strategic step of a role no one holds, for its
definitive holder.

The definitive holder keeps the role throughout and may still act. An appointment of a
role's own holder (made definitive while it ran, or named so by an older config) counts
for nothing: they hold the role's steps as its definitive official. A role no one holds
(revoked, not yet given again) has no one to route to: its tasks wait for the next holder,
who receives them when they join.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Config
from bot.core.definition import SopDefinition
from bot.core.model import Actor, Case
from bot.core.workflow import excluded_reviewers, holds_role, narrow_holders
from storage import repo
from storage.db import Tx

DEFINITIVE_ONLY = "definitive_only"
FOUR_EYES = "four_eyes"


@dataclass(frozen=True)
class Route:
    """Who gets the task of a case's current step, and why it is not the usual holder."""

    people: list[int]
    appointment: repo.Appointment | None = None  # the acting official in force, if any
    why: str = ""  # DEFINITIVE_ONLY | FOUR_EYES when the acting official was passed over
    informed: list[int] = field(default_factory=list)  # passed over, told why
    # the holders who may not decide it (four eyes) when no one else may: nobody holds it
    undecided: list[int] = field(default_factory=list)


def actor(tx: Tx, person_id: int, unit: str, config: Config, at: datetime) -> Actor:
    """A person with the roles they hold now: their own, and those they act in."""
    return actor_of(repo.actor_facts(tx, person_id, unit, at), person_id, config)


def actor_of(facts: repo.ActorFacts, person_id: int, config: Config) -> Actor:
    """The actor a person's facts (:func:`repo.actor_facts`) make: their own roles, and
    those they act in."""
    own = facts.roles
    return Actor(
        person_id,
        own | frozenset(facts.acting),
        person_id in config.admins,
        {role: kind for role, kind in facts.acting.items() if role not in own},
    )


def definitive_holders(tx: Tx, definition: SopDefinition, case: Case, role: str) -> list[int]:
    """The holders of ``role`` who hold its steps for the case: a shared role as the core
    narrows it (its team, or the one who took the current step, see
    :func:`bot.core.workflow.narrow_holders`)."""
    people, _ = repo.holder_ids(tx, case.unit, role, None)
    if definition.step(case.step).actor == role or role in definition.team_roles:
        return narrow_holders(definition, case, role, people)
    return people  # the superior of the step's holder (an escalation): the role as a whole


def route(tx: Tx, definition: SopDefinition, case: Case, at: datetime) -> Route:
    """Who holds the case's current step at ``at``."""
    step = definition.step(case.step)
    role = step.actor
    shared = definition.role(role).shared
    definitive, acting_id = repo.holder_ids(tx, case.unit, role, None if shared else at)
    definitive = narrow_holders(definition, case, role, definitive)
    appointment = repo.acting_for_id(tx, acting_id) if acting_id is not None else None
    if appointment is not None and appointment.person_id in definitive:
        appointment = None  # the role's own holder: no acting official in force
    excluded = excluded_reviewers(definition, case) if step.is_review else frozenset()
    if appointment is None:
        if not definitive:  # a vacant role: its tasks wait for the next holder
            return Route([])
        allowed = [p for p in definitive if p not in excluded]
        return Route(allowed, undecided=[] if allowed else definitive)
    why = ""
    if step.definitive_only:
        why = DEFINITIVE_ONLY
    elif appointment.person_id in excluded:
        why = FOUR_EYES
    if not why:
        return Route([appointment.person_id], appointment)
    allowed = [p for p in definitive if p not in excluded]
    people = allowed or definitive
    if not people or (why == FOUR_EYES and not allowed):
        # no definitive holder may take it (four eyes), or the role has none (a vacant
        # role with a Plt at a strategic step): it waits, the administrators told
        return Route([], appointment, why, undecided=[appointment.person_id, *definitive])
    return Route(people, appointment, why, [appointment.person_id])


def may_decide(definition: SopDefinition, case: Case, actor: Actor) -> bool:
    """Whether ``actor`` holds the case's current step and may decide it: an acting official
    not at a strategic step, and nobody at a review level of a case they proposed, handed in
    or approved at another level (four eyes). The definitive holder may while an acting
    official holds the step; a Kabag who is Plh Karo may not at step 3 of what he approved."""
    step = definition.step(case.step)
    if not holds_role(definition, case, step.actor, actor):
        return False
    if actor.acting_as(step.actor) and step.definitive_only:
        return False
    return actor.person_id not in excluded_reviewers(definition, case)


def passed_over(definition: SopDefinition, case: Case, appointment: repo.Appointment | None) -> str:
    """Why an acting official does not hold the case's current step ("" if they do)."""
    if appointment is None:
        return ""
    if definition.step(case.step).definitive_only:
        return DEFINITIVE_ONLY
    if appointment.person_id in excluded_reviewers(definition, case):
        return FOUR_EYES
    return ""


def acting_in_force(tx: Tx, unit: str, role: str, at: datetime) -> repo.Appointment | None:
    """The acting official in force for a role at ``at``, unless they hold the role
    themselves (then they act in it as its definitive official: :func:`route`)."""
    appointment = repo.acting_for(tx, unit, role, at)
    if appointment is None:
        return None
    definitive, _ = repo.holder_ids(tx, unit, role, None)
    return None if appointment.person_id in definitive else appointment


def role_people(
    tx: Tx, definition: SopDefinition, case: Case, role: str, at: datetime
) -> list[int]:
    """Who answers for a role at ``at`` (an escalation's addressees): the acting official in
    force, else its definitive holders."""
    shared = definition.role(role).shared
    appointment = None if shared else acting_in_force(tx, case.unit, role, at)
    if appointment is not None:
        return [appointment.person_id]
    return definitive_holders(tx, definition, case, role)


def superiors(
    tx: Tx, definition: SopDefinition, case: Case, role: str, told: Collection[int], at: datetime
) -> list[int]:
    """Who is told, as ``role``, that the case's step is late (an escalation's addressees),
    besides ``told`` (the step's holders, and who was told as a role below it): who answers
    for the role at ``at`` (:func:`role_people`), else, when they were told already (a
    Kabag acting as Plh Karo), its definitive holders. None: the role is vacant, or only
    people already told answer for it."""
    answering = role_people(tx, definition, case, role, at)
    if not set(answering) - set(told):
        answering = definitive_holders(tx, definition, case, role)
    return [p for p in answering if p not in told]


def answers_for(
    tx: Tx, definition: SopDefinition, case: Case, role: str, person: int, at: datetime
) -> bool:
    """Whether ``person`` answers for ``role`` at ``at`` as an escalation's addressee may
    (:func:`role_people`, or the definitive holders the sweep falls back on): a holder of
    it, or the acting official in force."""
    if not definition.has_role(role):
        return False
    if person in definitive_holders(tx, definition, case, role):
        return True
    appointment = None if definition.role(role).shared else acting_in_force(tx, case.unit, role, at)
    return appointment is not None and appointment.person_id == person


def step_holders(tx: Tx, definition: SopDefinition, case: Case, at: datetime) -> list[int]:
    return route(tx, definition, case, at).people
