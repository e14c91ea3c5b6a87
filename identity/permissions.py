"""Who may act for which agency, in which role: the one place that answers it.

Queues and actions of the back office ask these functions, never the membership
table directly, so the agency reference (a national code today, a foreign key to
`procedures.Agency` after the catalogue lands) can change here alone.
"""

from collections.abc import Iterable

from identity.constants import OfficialRole
from identity.models import OfficialMembership


def _memberships(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return OfficialMembership.objects.none()
    return OfficialMembership.objects.filter(user=user)


def agencies_for(user, role: str | Iterable[str] | None = None) -> set[str]:
    """Codes of the agencies this person may act for (in `role`, or in any role)."""
    memberships = _memberships(user)
    if role is not None:
        roles = [role] if isinstance(role, str) else list(role)
        memberships = memberships.filter(role__in=roles)
    return set(memberships.values_list("agency_code", flat=True))


def roles_for(user, agency_code: str) -> set[str]:
    return set(_memberships(user).filter(agency_code=agency_code).values_list("role", flat=True))


def has_role(user, agency_code: str, role: str | Iterable[str]) -> bool:
    roles = {role} if isinstance(role, str) else set(role)
    return bool(roles_for(user, agency_code) & roles)


def is_official(user) -> bool:
    """An official is anyone with at least one agency membership."""
    return _memberships(user).exists()


def memberships_of(user) -> list[tuple[str, str]]:
    """(agency code, role) pairs, for display and for the session."""
    return list(_memberships(user).values_list("agency_code", "role"))


def can_administer_agency(user, agency_code: str) -> bool:
    return has_role(user, agency_code, OfficialRole.AGENCY_ADMIN)


ALL_ROLES = tuple(OfficialRole.values)
