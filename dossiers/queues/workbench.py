"""One dossier on the official's workbench: fetched through the scope (404 outside it),
its log as this official may see it, and the actions open to them."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from dossiers.constants import Action, Visibility
from dossiers.models import HEAVY_PROCEDURE_FIELDS, Dossier, DossierLog
from dossiers.queues.scope import FILED, OfficialScope, official_scope, scope_q
from dossiers.workflow import actions_for
from identity.constants import OfficialRole


def dossier_get_for_official(*, official, ref, scope: OfficialScope | None = None) -> Dossier:
    """The dossier `ref` if it was filed with, or is decided by, one of the official's
    agencies, or is shared with one of them for a consultation (a guardian grant, see
    `dossiers.consultation`); else Http404 (no hint that it exists)."""
    from dossiers.consultation import shared_dossier_ids

    scope = scope or official_scope(official)
    if not scope.any_ids:
        raise Http404
    visible = scope_q(scope) | Q(pk__in=shared_dossier_ids(scope.codes))
    dossier = (
        Dossier.objects.filter(visible, ref=ref, status__in=FILED)
        .select_related(
            "version__procedure",
            "case",
            "receiving_agency",
            "competent_agency",
            "business",
            "applicant",
            "assignee",
        )
        .defer(*HEAVY_PROCEDURE_FIELDS)
        .first()
    )
    if dossier is None:
        raise Http404
    return dossier


def dossier_official_log(dossier: Dossier) -> QuerySet[DossierLog]:
    """The full log, internal notes included: officials see everything."""
    return dossier.log.order_by("seq")


_CONSULTATION_ACTIONS = frozenset({Action.CONSULT, Action.ANSWER, Action.CONSULT_CLOSE})


def sees_internal(dossier: Dossier, scope: OfficialScope) -> bool:
    """Whether the official works at one of the dossier's own agencies (receiving,
    competent) and so sees its internal side: notes, handovers, form 06. An agency that
    sees the dossier only because it was consulted does not."""
    return (
        dossier.receiving_agency_id in scope.any_ids or dossier.competent_agency_id in scope.any_ids
    )


def log_visible_to(entries, dossier: Dossier, scope: OfficialScope) -> list[DossierLog]:
    """The log rows an official sees. The dossier's own agencies see everything,
    internal notes included (`sees_internal`); a consulted agency sees what the
    applicant sees plus its own consultations, not the deciding agency's internal
    deliberations."""
    if sees_internal(dossier, scope):
        return list(entries)
    return [
        e
        for e in entries
        if e.visibility == Visibility.PUBLIC
        or (e.action in _CONSULTATION_ACTIONS and e.data.get("agency") in scope.codes)
    ]


def official_actions(dossier: Dossier, scope: OfficialScope) -> list[tuple[str, str]]:
    """(action, role) pairs the official may take now, in workflow-table order."""
    seen, result = set(), []
    for role in scope.roles_on(dossier):
        for action in actions_for(dossier.status, role):
            if action not in seen:
                seen.add(action)
                result.append((action, role))
    return result


def specialists_of(agency) -> QuerySet:
    """People who may be assigned a dossier decided by `agency`."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            official_memberships__agency=agency,
            official_memberships__role=OfficialRole.SPECIALIST,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )
