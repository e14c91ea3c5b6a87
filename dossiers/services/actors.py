"""Who acts on a dossier, and in which role."""

from __future__ import annotations

from dossiers.constants import ActorRole
from dossiers.models import Dossier
from dossiers.workflow import TransitionNotAllowed
from identity.permissions import has_role

OFFICIAL_ROLES = (ActorRole.RECEPTIONIST, ActorRole.SPECIALIST, ActorRole.LEADER)


def is_party(dossier: Dossier, user) -> bool:
    """The applicant, or a member of the business the dossier was filed for."""
    if user is None or not user.is_authenticated:
        return False
    if dossier.applicant_id == user.pk:
        return True
    return (
        dossier.business_id is not None and dossier.business.memberships.filter(user=user).exists()
    )


def agency_for_role(dossier: Dossier, role: str):
    # The desk of the receiving point receives and returns; the competent agency decides.
    return dossier.receiving_agency if role == ActorRole.RECEPTIONIST else dossier.competent_agency


def acting_role(dossier: Dossier, user, roles, wanted: str | None = None) -> str:
    """The role in which `user` may act among `roles` on this dossier, or raise. The
    system (a clock job) acts with no user and only when it names its role."""
    candidates = [wanted] if wanted else list(roles)
    for role in candidates:
        if role not in roles:
            continue
        if role == ActorRole.APPLICANT:
            if is_party(dossier, user):
                return role
        elif role == ActorRole.SYSTEM:
            if user is None and wanted == ActorRole.SYSTEM:
                return role
        elif (
            role in OFFICIAL_ROLES
            and user is not None
            and user.is_authenticated
            and has_role(user, agency_for_role(dossier, role).code, role)
        ):
            return role
    raise TransitionNotAllowed(f"{user} may not act on {dossier} as {wanted or sorted(roles)}")
