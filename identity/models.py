"""Accounts, businesses, official memberships, pending sign-ups, one-time codes and the
account audit log."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from identity.constants import (
    AccountEventKind,
    BusinessRole,
    CodePurpose,
    OfficialRole,
    Sex,
    VerificationLevel,
)


def normalized_name():
    """`motcua_normalize(full_name)`: NFC, accents removed, lower case (the SQL function
    of procedures/migrations/0001; its Python twin is procedures.selectors.normalize)."""
    return models.Func(
        models.F("full_name"), function="motcua_normalize", output_field=models.TextField()
    )


class User(AbstractUser):
    """One account per person, for every procedure at every level of government.

    Custom from the first migration so that citizen and official attributes can be
    added later without swapping AUTH_USER_MODEL. Citizens sign in with their personal
    ID number, email or phone; `username` is an opaque handle that never carries the
    ID number (it shows up in admin lists and logs).
    """

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    id_number = models.CharField(
        _("personal ID number"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        help_text=_("12-digit personal identification number (CCCD)."),
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    permanent_address = models.CharField(_("permanent address"), max_length=300, blank=True)
    verification_level = models.PositiveSmallIntegerField(
        _("verification level"),
        choices=VerificationLevel.choices,
        default=VerificationLevel.SELF_DECLARED,
    )
    registry_verified_at = models.DateTimeField(
        _("verified with the registry at"), null=True, blank=True
    )
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    oidc_subject = models.CharField(
        _("single sign-on subject"),
        max_length=255,
        blank=True,
        editable=False,
        help_text=_("The national identity platform's identifier of this person."),
    )
    # An API client's account (api.clients): it holds back-office roles so the same
    # permission checks govern the partner API, but it is nobody to assign a dossier to,
    # notify or count among an agency's people.
    is_service_account = models.BooleanField(_("service account"), default=False, editable=False)
    # Bumped by "sign out everywhere": part of the session hash, so every session
    # signed in before the bump stops being valid on its next request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="identity_user_email_unique"
            ),
            models.UniqueConstraint(
                "phone", condition=~Q(phone=""), name="identity_user_phone_unique"
            ),
        ]
        indexes = [
            # The back-office search by applicant name, accents ignored, any part of
            # the name (dossiers.queues.search_q): trigrams of the normalised name.
            GinIndex(
                OpClass(normalized_name(), name="gin_trgm_ops"), name="identity_user_name_trgm"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def is_registry_verified(self) -> bool:
        return self.verification_level >= VerificationLevel.REGISTRY_VERIFIED

    def _get_session_auth_hash(self, secret=None):
        key_salt = "identity.User.get_session_auth_hash"
        return salted_hmac(
            key_salt,
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Business(models.Model):
    """An enterprise or branch that files dossiers through its members."""

    enterprise_code = models.CharField(
        _("enterprise code"),
        max_length=14,
        unique=True,
        help_text=_("10 digits, or 10-3 for a branch."),
    )
    name = models.CharField(_("name"), max_length=300)
    legal_representative = models.CharField(_("legal representative"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="BusinessMembership", related_name="businesses"
    )

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.enterprise_code})"


class BusinessMembership(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="business_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=BusinessRole.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("business member")
        verbose_name_plural = _("business members")
        constraints = [
            models.UniqueConstraint(fields=["business", "user"], name="identity_business_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.business} ({self.get_role_display()})"


class BusinessInvitation(models.Model):
    """A representative's offer of membership to whoever owns an email or phone.

    The business sees only the contact it typed, never whether an account uses it: the
    membership exists once the owner of that verified contact accepts. Acceptance goes by
    the signed-in person's verified contacts, so a forwarded notice is of no use to
    anyone else.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="invitations")
    contact = models.CharField(_("email or phone"), max_length=254)
    role = models.CharField(_("role"), max_length=20, choices=BusinessRole.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("business invitation")
        verbose_name_plural = _("business invitations")
        indexes = [models.Index(fields=["contact"], name="identity_invitation_contact")]

    def __str__(self) -> str:
        return f"{self.contact} - {self.business}"

    def is_pending(self, now=None) -> bool:
        now = now or timezone.now()
        answered = self.accepted_at or self.declined_at or self.revoked_at
        return answered is None and self.expires_at > now


class OfficialMembership(models.Model):
    """An official may act for an agency in a role.

    Every lookup goes through `identity.permissions`; the back office never reads
    this table directly.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official_memberships"
    )
    # PROTECT: removing an agency must not silently strip its officials' rights (and
    # their audit trail's meaning); move or revoke the memberships first.
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="official_memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=OfficialRole.choices)
    created_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("official membership")
        verbose_name_plural = _("official memberships")
        # By id, not by `agency` (which would join the agency table into every lookup).
        ordering = ["agency_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="identity_official_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} - {self.get_role_display()}"


class OneTimeCode(models.Model):
    """A code sent by SMS or a link sent by email. Only a keyed hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_codes"
    )
    purpose = models.CharField(max_length=20, choices=CodePurpose.choices)
    target = models.CharField(max_length=254, help_text=_("Phone number or email address."))
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["target", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class SignUpRequest(models.Model):
    """A sign-up typed on the portal, waiting for its code or link.

    No account exists until the person answers the SMS code or opens the email link,
    so the sign-up page can answer the same whether or not the ID number, email or
    phone already has an account: a worker (`identity.services.sign_up_dispatch`)
    looks, and either sends the code and link or tells the existing account's owner.
    Only keyed hashes of the code and link are stored, and the password's hash.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    id_number = models.CharField(_("personal ID number"), max_length=12)
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    password = models.CharField(_("password"), max_length=128)
    phone_code_hash = models.CharField(max_length=64, blank=True)
    phone_code_expires_at = models.DateTimeField(null=True, blank=True)
    email_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("pending sign-up")
        verbose_name_plural = _("pending sign-ups")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class RegistryResident(models.Model):
    """The local stand-in for the national population registry (development, tests)."""

    id_number = models.CharField(_("personal ID number"), max_length=12, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    permanent_address = models.CharField(_("permanent address"), max_length=300)

    class Meta:
        verbose_name = _("registry resident")
        verbose_name_plural = _("registry residents (local registry)")

    def __str__(self) -> str:
        return self.full_name


class AccountEvent(models.Model):
    """Append-only account audit log. The database refuses UPDATE and DELETE on it.

    `user` is the account concerned, `actor` who acted (an admin granting a role);
    `actor_display` keeps the name as it was. Never store an ID number in `data`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="account_events",
        null=True,
        blank=True,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    actor_display = models.CharField(_("actor"), max_length=200, blank=True)
    kind = models.CharField(_("event"), max_length=32, choices=AccountEventKind.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account audit log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
