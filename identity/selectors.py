"""Reads of the identity app."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from identity.constants import AccountEventKind, BusinessRole
from identity.models import AccountEvent, Business, BusinessInvitation, BusinessMembership
from identity.validators import ID_NUMBER_RE, normalize_id_number, normalize_phone

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
