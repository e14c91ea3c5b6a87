"""Dossiers as a partner system (an API client) sees them: the back office's scope for
the client's agencies, the list of changes in (updated_at, id) order, one dossier by
its code.

A client acts for its agencies in every official role its scopes give it (its service
account holds those memberships, so the services check them as for any official);
for reading, its scope is its agencies whatever the roles, built here without a query
per request.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from common import keyset
from dossiers.models import HEAVY_PROCEDURE_FIELDS, Dossier
from dossiers.queues.scope import FILED, OfficialScope
from dossiers.queues.workbench import dossier_get_for_official
from identity.constants import OfficialRole

PARTNER_PAGE_MAX = 200
_READ_ROLES = (OfficialRole.RECEPTIONIST, OfficialRole.SPECIALIST, OfficialRole.LEADER)


def partner_scope(*, user, agencies: dict[int, str]) -> OfficialScope:
    """The scope of a partner whose agencies are `agencies` (id -> code)."""
    ids = set(agencies)
    return OfficialScope(
        user=user,
        by_role={role: set(ids) for role in _READ_ROLES},
        roles=set(_READ_ROLES),
        codes=set(agencies.values()),
    )


def dossier_page_for_partner(
    *,
    scope: OfficialScope,
    status: str = "",
    agency_id: int | None = None,
    updated_since: dt.datetime | None = None,
    after: str | None = None,
    size: int = 50,
) -> keyset.Page:
    """Filed dossiers received or decided by the scope's agencies (or by `agency_id`
    among them), oldest change first, so that a partner catching up reads every change
    once: `updated_since` starts there, `after` continues a page. Two index range scans
    (one per side of the scope, `dossier_recv_updated` / `dossier_comp_updated`), each
    limited to the page, merged here; the cost of a page does not grow with the table."""
    size = max(1, min(size, PARTNER_PAGE_MAX))
    found = {}
    for qs in partner_page_querysets(
        scope=scope,
        status=status,
        agency_id=agency_id,
        updated_since=updated_since,
        after=after,
        size=size,
    ):
        for dossier in qs:
            found[dossier.pk] = dossier
    rows = sorted(found.values(), key=lambda d: (d.updated_at, d.pk))[: size + 1]
    more = len(rows) > size
    rows = rows[:size]
    cursor = keyset.cursor_encode(rows[-1].updated_at, rows[-1].pk) if more else None
    return keyset.Page(rows=rows, next_cursor=cursor)


def partner_page_querysets(
    *,
    scope: OfficialScope,
    status: str = "",
    agency_id: int | None = None,
    updated_since: dt.datetime | None = None,
    after: str | None = None,
    size: int = 50,
) -> list:
    """The page's two queries (receiving side, competent side), each `size + 1` rows at
    most; none when the scope (or `agency_id` within it) has no agency."""
    ids = scope.any_ids if agency_id is None else scope.any_ids & {agency_id}
    if not ids:
        return []
    condition = Q(status__in=[status] if status else FILED)
    if updated_since is not None:
        condition &= Q(updated_at__gte=updated_since)
    position = keyset.cursor_decode(after, moment=True)
    if position and position[0] is not None:
        condition &= keyset.after_q(position, "updated_at", desc=False)
    base = (
        Dossier.objects.filter(condition)
        .select_related("version__procedure", "receiving_agency", "competent_agency")
        .defer(*HEAVY_PROCEDURE_FIELDS)
        .order_by("updated_at", "id")
    )
    return [
        base.filter(**{side: ids})[: size + 1]
        for side in ("receiving_agency_id__in", "competent_agency_id__in")
    ]


def dossier_get_for_partner(*, scope: OfficialScope, code: str) -> Dossier:
    """The dossier with this code within the scope, or Http404 (the back office's one
    helper decides: a dossier of another agency is simply not found)."""
    ref = Dossier.objects.filter(code=code[:60]).values_list("ref", flat=True).first()
    return dossier_get_for_official(official=scope.user, ref=ref, scope=scope)
