"""Reads of the identity app."""

import dataclasses

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from identity.constants import AccountEventKind, BusinessRole, Sex, VerificationLevel
from identity.models import AccountEvent, Business, BusinessInvitation, BusinessMembership
from identity.validators import ID_NUMBER_RE, normalize_id_number, normalize_phone
from procedures.constants import REGISTRY_SOURCES, PrefillSource

SIGN_IN_HISTORY_LENGTH = 20


def user_find_by_identifier(identifier: str):
    """The active account that an ID number, email, phone or username names, or None."""
    User = get_user_model()
    value = (identifier or "").strip()
    if not value:
        return None
    queryset = User.objects.filter(is_active=True)
    # 12 digits: an ID number; 10 digits: a phone number; they never collide.
    if ID_NUMBER_RE.match(normalize_id_number(value)):
        return queryset.filter(id_number=normalize_id_number(value)).first()
    if "@" in value:
        return queryset.filter(email__iexact=value).first()
    phone = normalize_phone(value)
    if phone.isdigit() and len(phone) == 10:
        return queryset.filter(phone=phone).first()
    return queryset.filter(username=value).first()


def sign_in_history(user, *, limit: int = SIGN_IN_HISTORY_LENGTH) -> QuerySet[AccountEvent]:
    return AccountEvent.objects.filter(
        user=user, kind__in=[AccountEventKind.SIGNED_IN, AccountEventKind.SIGN_IN_FAILED]
    ).order_by("-created_at")[:limit]


def verified_contacts(user) -> list[str]:
    """The email (lower case) and phone of `user` that its owner has proved to hold."""
    contacts = []
    if user.email and user.email_verified_at:
        contacts.append(user.email.lower())
    if user.phone and user.phone_verified_at:
        contacts.append(user.phone)
    return contacts


def invitations_for(user) -> QuerySet[BusinessInvitation]:
    """Every invitation addressed to a verified contact of `user`, answered or not."""
    return BusinessInvitation.objects.filter(contact__in=verified_contacts(user)).select_related(
        "business"
    )


def invitations_pending_for(user) -> QuerySet[BusinessInvitation]:
    return invitations_for(user).filter(
        accepted_at__isnull=True,
        declined_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def business_invitations_pending(business) -> QuerySet[BusinessInvitation]:
    return business.invitations.filter(
        accepted_at__isnull=True,
        declined_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("created_at")


def businesses_for(user) -> QuerySet[Business]:
    return Business.objects.filter(memberships__user=user).order_by("name")


def acting_parties_for(user) -> list[tuple[str, str]]:
    """Whom a person may file for: themselves, then each business they are a member of.

    Values are `self` or `business:<pk>`; the dossier form offers them as choices.
    """
    parties = [("self", str(user))]
    parties += [(f"business:{b.pk}", str(b)) for b in businesses_for(user)]
    return parties


def is_business_representative(business, user) -> bool:
    """Only a legal representative may add, remove or re-role a business's members."""
    return BusinessMembership.objects.filter(
        business=business, user=user, role=BusinessRole.REPRESENTATIVE
    ).exists()


# How a declaration writes the registry's sex codes: data in Vietnamese, the words of
# the national forms, whatever language the page is shown in.
SEX_WORDS = {Sex.MALE: "Nam", Sex.FEMALE: "Nữ"}


@dataclasses.dataclass(frozen=True)
class ApplicantFacts:
    """What an account knows of its holder, by `PrefillSource`, as a declaration holds
    it (dates in ISO form). `registry` names the facts the population registry vouched
    for: those of a level-2 account, copied at its verification (`registry_verify`)."""

    values: dict[str, str]
    registry: frozenset[str]


def applicant_facts(user, business=None) -> ApplicantFacts:
    """`business`: the one a dossier is filed for, whose registered details are known
    too (never vouched for by the population registry)."""
    birth_date = user.birth_date.isoformat() if user.birth_date else ""
    values = {
        PrefillSource.FULL_NAME: user.full_name,
        PrefillSource.ID_NUMBER: user.id_number or "",
        PrefillSource.BIRTH_DATE: birth_date,
        PrefillSource.SEX: SEX_WORDS.get(user.sex, ""),
        PrefillSource.PERMANENT_ADDRESS: user.permanent_address,
        PrefillSource.PHONE: user.phone,
        PrefillSource.EMAIL: user.email,
    }
    if business is not None:
        values[PrefillSource.ENTERPRISE_CODE] = business.enterprise_code
        values[PrefillSource.BUSINESS_NAME] = business.name
        values[PrefillSource.LEGAL_REPRESENTATIVE] = business.legal_representative
    values = {str(k): v for k, v in values.items() if v}
    verified = user.verification_level >= VerificationLevel.REGISTRY_VERIFIED
    registry = frozenset(k for k in values if k in REGISTRY_SOURCES) if verified else frozenset()
    return ApplicantFacts(values=values, registry=registry)
