"""Public API of supervision: `authorized`, `chief_representatives`."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils import timezone

from .constants import AuthorizationRole
from .models import Authorization

__all__ = ["authorized", "chief_representatives"]


def authorized(user, power: str, item, situation=None, *, on: date | None = None) -> bool:
    """True when `user` holds, on day `on` (default today), a valid and unrevoked authorization of
    the item's agency with `power` covering `item` or `situation`. A chief representative covers
    every item of the agency; a window officer the items listed and the situations listed."""
    if getattr(user, "pk", None) is None:
        return False
    on = on or timezone.localdate()
    rows = (
        Authorization.objects.filter(staff=user, agency_id=item.agency_id, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .prefetch_related("items", "situations")
    )
    for auth in rows:
        if auth.revoked_at is not None and timezone.localdate(auth.revoked_at) <= on:
            continue
        if power not in auth.powers:
            continue
        if auth.role == AuthorizationRole.CHIEF_REPRESENTATIVE:
            return True
        if any(i.pk == item.pk for i in auth.items.all()):
            return True
        if situation is not None and any(s.pk == situation.pk for s in auth.situations.all()):
            return True
    return False


def _valid_on(on: date) -> Q:
    return (Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            & (Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=on)))


def chief_representatives(agency_id: int, *, on: date | None = None) -> list[int]:
    """User ids of the agency's 首席事务代表 holding a valid, unrevoked authorization on day `on`
    (default today): whom a case's deadline escalates to after its handler."""
    on = on or timezone.localdate()
    return sorted(set(Authorization.objects.filter(_valid_on(on), agency_id=agency_id,
                                                   role=AuthorizationRole.CHIEF_REPRESENTATIVE,
                                                   staff__is_active=True)
                      .values_list("staff_id", flat=True)))
