"""The skeleton of a table-driven transition service (domain.md §4.1), shared by inquiries and
cannot-handle reports; cases share its pieces (`compare_and_set`, `yimen.lib.events.next_seq`).

An app describes its service once, as a `Workflow`: the model (with `state`, `version`,
`center_id`, `owner_id`), its transition table, one guard per action, its `Refused` subclass and
the wording naming its object. `Workflow.apply(obj, action, by=…, **payload)` then

1. refuses an unknown action (`unknown_action`);
2. locks the row and refuses a stale copy (`conflict`);
3. checks the actor (`forbidden`, `wrong_center`) and the state (`bad_state`, or the app's own
   refusal from `state_refusal`) against the table;
4. runs the guard: `guard(row, by=…, now=…, **payload) -> (field updates, event details)`;
5. moves the row with `UPDATE … WHERE id AND state AND version` (0 rows: `conflict`);
6. appends the event (contiguous `seq`), all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from yimen.accounts.constants import Role
from yimen.auditlog.models import ActorKind
from yimen.lib.errors import Refused
from yimen.lib.events import Event, next_seq

__all__ = ["OWNER", "Guard", "Transition", "Wording", "Workflow", "compare_and_set", "is_staff_of", "role_of"]

OWNER = "owner"  # pseudo-role: the staff member who owns the object

M = TypeVar("M", bound=models.Model)
Guard = Callable[..., tuple[dict, dict]]  # (locked row, *, by, now, **payload) -> (updates, event details)


class Transition(NamedTuple):
    sources: frozenset[str]  # states the action starts from (empty: creation)
    target: str | None  # None: the state does not change
    roles: frozenset[str]
    guard: str  # what the service checks besides state and role


class Wording(NamedTuple):
    """The refusals that name the object (lazy translations, rendered when refusing)."""

    wrong_center: Promise  # "This inquiry belongs to another center."
    conflict: Promise  # "Someone else changed this inquiry; reload it."
    bad_state: Promise  # "Not possible while the inquiry is “%(state)s”."


def role_of(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def is_staff_of(user, center_id: int, roles: frozenset[str]) -> bool:
    """An active staff member of the center with one of `roles` (a new owner, say)."""
    return (user is not None and getattr(user, "pk", None) is not None and user.is_active
            and user.center_id == center_id and role_of(user) in roles)


def compare_and_set(model: type[models.Model], pk: Any, *, state: str, version: int, target: str,
                    **values) -> bool:
    """`UPDATE … SET state = target, version = version + 1, … WHERE id AND state AND version`;
    False when another transaction moved the row first."""
    return model._default_manager.filter(pk=pk, state=state, version=version).update(
        state=target, version=F("version") + 1, **values) == 1


@dataclass(frozen=True)
class Workflow(Generic[M]):
    model: type[M]
    transitions: Mapping[str, Transition]
    guards: Mapping[str, Guard]
    error: type[Refused]
    wording: Wording
    event_model: type[Event]
    event_fk: str  # the event's foreign key to the object
    select_related: tuple[str, ...] = ()  # on the locked row
    state_refusal: Callable[[str, M], Refused | None] | None = None  # before the generic `bad_state`

    def check_actor(self, rule: Transition, by, center_id: int, owner_id: int | None = None) -> None:
        if by is None or getattr(by, "pk", None) is None or not by.is_active:
            raise self.error("forbidden", _("Only a signed-in staff member may do this."))
        role = role_of(by)
        if role != Role.ADMIN and by.center_id != center_id:
            raise self.error("wrong_center", str(self.wording.wrong_center))
        if role in rule.roles or (OWNER in rule.roles and owner_id is not None and by.pk == owner_id):
            return
        raise self.error("forbidden", _("Your role may not do this."))

    def record(self, obj: M, action: str, from_state: str, to_state: str, by, now: datetime,
               payload: dict) -> Event:
        """Append the next event of a locked (or just created) object."""
        events = self.event_model.objects
        staff = getattr(by, "pk", None) is not None
        return events.create(
            **{self.event_fk: obj}, seq=next_seq(events.filter(**{self.event_fk: obj})), action=action,
            from_state=from_state, to_state=to_state, actor=by if staff else None,
            actor_kind=ActorKind.USER if staff else ActorKind.SYSTEM,
            at=now, business_date=timezone.localdate(now), payload=payload,
        )

    def apply(self, obj: M, action: str, *, by, now: datetime | None = None, **payload) -> M:
        """Run `action` on `obj` as `by`; returns `obj` refreshed. Refusals change nothing."""
        if action not in self.guards:
            raise self.error("unknown_action", _("Unknown action."))
        rule = self.transitions[action]
        now = now or timezone.now()
        with transaction.atomic():
            rows = self.model._default_manager.select_for_update()
            if self.select_related:
                rows = rows.select_related(*self.select_related)
            current = rows.get(pk=obj.pk)
            if current.version != obj.version:
                raise self.error("conflict", str(self.wording.conflict))
            self.check_actor(rule, by, current.center_id, current.owner_id)
            if current.state not in rule.sources:
                refusal = self.state_refusal(action, current) if self.state_refusal else None
                raise refusal or self.error("bad_state", str(self.wording.bad_state) % {
                    "state": current.get_state_display()})
            updates, details = self.guards[action](current, by=by, now=now, **payload)
            target = rule.target or current.state
            if not compare_and_set(self.model, current.pk, state=current.state, version=current.version,
                                   target=target, **updates):
                raise self.error("conflict", str(self.wording.conflict))
            self.record(current, action, current.state, target, by, now, details)
        obj.refresh_from_db()
        return obj
