"""Who may act for which agency, in which role: the one place that answers it.

Queues and actions of the back office ask these functions, never the membership
table directly. An agency is named either by its `procedures.Agency` row or by its
national code (`000.00.11.H29`); both are accepted so callers pass what they hold.
"""

from collections.abc import Iterable

from django.db.models import Q

from identity.constants import OfficialRole
from identity.models import OfficialMembership


def _memberships(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return OfficialMembership.objects.none()
    return OfficialMembership.objects.filter(user=user)


def _agency_q(agency, prefix: str = "") -> Q:
    if isinstance(agency, str):
        return Q(**{f"{prefix}agency__code": agency})
    return Q(**{f"{prefix}agency": agency})


def _roles(role: str | Iterable[str]) -> list[str]:
    return [role] if isinstance(role, str) else list(role)


def agencies_for(user, role: str | Iterable[str] | None = None) -> set[str]:
    """Codes of the agencies this person may act for (in `role`, or in any role)."""
    memberships = _memberships(user)
    if role is not None:
        memberships = memberships.filter(role__in=_roles(role))
    return set(memberships.values_list("agency__code", flat=True))


def agency_ids_by_role(user) -> list[tuple[int, str]]:
    """(agency id, role) pairs in one query without a join, for the queues' filters."""
    return list(_memberships(user).values_list("agency_id", "role"))


# Where `remember_agency_roles` keeps the memberships on the request's user object.
_ROLES_ATTR = "_motcua_agency_roles"


def agency_roles(user) -> list[tuple[int, str, str]]:
    """(agency id, agency code, role) triples in one query, for the queues' scope (the
    code names the agency's group for dossiers shared with it by a consultation)."""
    remembered = getattr(user, _ROLES_ATTR, None)
    if remembered is not None:
        return remembered
    return list(_memberships(user).values_list("agency_id", "agency__code", "role"))


def remember_agency_roles(user) -> list[tuple[int, str, str]]:
    """Read the memberships once for this request (the back-office gate does): the
    gate, the scope and the page header asked for them three times, one query each.
    The user object is the request's own, so nothing outlives the request."""
    rows = list(_memberships(user).values_list("agency_id", "agency__code", "role"))
    setattr(user, _ROLES_ATTR, rows)
    return rows


def roles_for(user, agency) -> set[str]:
    return set(_memberships(user).filter(_agency_q(agency)).values_list("role", flat=True))


def has_role(user, agency, role: str | Iterable[str]) -> bool:
    return bool(roles_for(user, agency) & set(_roles(role)))


def is_official(user) -> bool:
    """An official is anyone with at least one agency membership."""
    return _memberships(user).exists()


def memberships_of(user) -> list[tuple[str, str]]:
    """(agency code, role) pairs, for display and for the session."""
    remembered = getattr(user, _ROLES_ATTR, None)
    if remembered is not None:
        return [(code, role) for _agency_id, code, role in remembered]
    return list(_memberships(user).values_list("agency__code", "role"))


def officials_of(agency, role: str | Iterable[str]):
    """Active people holding `role` at `agency` (a User queryset)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            _agency_q(agency, "official_memberships__"),
            official_memberships__role__in=_roles(role),
            is_active=True,
        )
        .distinct()
    )


def can_administer_agency(user, agency) -> bool:
    return has_role(user, agency, OfficialRole.AGENCY_ADMIN)


# --- agency administrators -------------------------------------------------------------


def administered_agency_ids(user) -> set[int]:
    """Agencies this agency admin manages: where they hold the role, and every unit
    below those (the tree has any depth). Superusers are not special here: callers
    decide what a superuser sees."""
    from procedures.models import Agency

    found = set(
        _memberships(user)
        .filter(role=OfficialRole.AGENCY_ADMIN)
        .values_list("agency_id", flat=True)
    )
    frontier = set(found)
    # One query per level of the tree; `found` guards against a cycle in bad data.
    while frontier:
        frontier = (
            set(Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found


def officials_in(agency_ids):
    """People with a membership at any of these agencies (a User queryset)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        pk__in=OfficialMembership.objects.filter(agency_id__in=agency_ids).values("user_id")
    )


def may_manage_official(actor, official, administered: set[int] | None = None) -> bool:
    """May `actor` edit, deactivate or reset this official in Django admin?

    A superuser may. An agency admin may when every agency the official works for is
    one they administer: an official also serving elsewhere is that other agency's
    business too. Never themselves (no raising one's own rights), never a superuser.
    """
    if actor.is_superuser:
        return True
    if official.pk is None or official.pk == actor.pk or official.is_superuser:
        return False
    if administered is None:
        administered = administered_agency_ids(actor)
    ids = set(OfficialMembership.objects.filter(user=official).values_list("agency_id", flat=True))
    return bool(ids) and ids <= administered


ALL_ROLES = tuple(OfficialRole.values)
