"""Writes of the identity app: every account change goes through these functions.

Each service states its pre-state, post-state and side effects. Side effects (SMS,
email) wait for the commit. Every change worth auditing writes one AccountEvent in
the same transaction.
"""

import datetime
import logging
import math
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from common import ratelimit
from identity import permissions, security, sms
from identity import registry as registry_module
from identity.constants import (
    AGENCY_ADMIN_GROUP,
    AGENCY_ADMIN_PERMISSIONS,
    AccountEventKind,
    BusinessRole,
    CodePurpose,
    OfficialRole,
    SignInMethod,
    VerificationLevel,
)
from identity.errors import NotRepresentative
from identity.models import (
    AccountEvent,
    Business,
    BusinessInvitation,
    BusinessMembership,
    OfficialMembership,
    OneTimeCode,
    SignUpRequest,
)
from identity.selectors import is_business_representative
from identity.validators import (
    PHONE_RE,
    normalize_enterprise_code,
    normalize_id_number,
    normalize_phone,
    validate_enterprise_code,
    validate_id_number,
    validate_phone,
)

logger = logging.getLogger(__name__)


# --- Audit log --------------------------------------------------------------------------


def client_ip(request) -> str | None:
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or ratelimit.client_ip(request)


def account_event_record(
    *, user, kind: str, request=None, actor=None, data=None, ip_address: str | None = None
) -> AccountEvent:
    """Append one row to the account audit log (the only writer of AccountEvent).
    `ip_address` stands for the request's client address in a worker's task."""
    return AccountEvent.objects.create(
        user=user if user is not None and user.pk else None,
        actor=actor,
        actor_display=str(actor) if actor is not None else "",
        kind=kind,
        ip_address=client_ip(request) if request is not None else ip_address,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:300],
        data=data or {},
    )


# --- Sign-up ----------------------------------------------------------------------------


def new_username(prefix: str) -> str:
    # Opaque: usernames show up in admin lists and logs, ID numbers must not.
    return f"{prefix}{secrets.token_hex(5)}"


def _check_unique_contacts(*, email: str, phone: str, exclude_pk=None) -> dict:
    User = get_user_model()
    errors = {}
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    if email and others.filter(email__iexact=email).exists():
        errors["email"] = ValidationError(
            _("An account with this email address already exists."), code="email_taken"
        )
    if phone and others.filter(phone=phone).exists():
        errors["phone"] = ValidationError(
            _("An account with this phone number already exists."), code="phone_taken"
        )
    return errors


def _sign_up_errors(
    *, id_number: str, birth_date, sex: str, email: str, phone: str, full_name: str, password: str
) -> dict:
    """What is wrong with a sign-up in itself; never whether an account already exists."""
    errors: dict = {}
    try:
        validate_id_number(id_number, birth_date=birth_date, sex=sex)
    except ValidationError as error:
        errors["id_number"] = error
    if not email and not phone:
        errors["phone"] = ValidationError(
            _("Enter a phone number or an email address (or both)."), code="contact_missing"
        )
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as error:
            errors["phone"] = error
    candidate = get_user_model()(full_name=full_name, email=email, phone=phone, username="")
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        errors["password1"] = error
    return errors


def sign_up_request(
    *,
    id_number: str,
    full_name: str,
    birth_date: datetime.date,
    sex: str,
    password: str,
    email: str = "",
    phone: str = "",
) -> SignUpRequest:
    """(nothing) -> a pending sign-up, whether or not an account already holds the ID
    number, the email or the phone: this function does not look, so the answer and
    the work are the same either way.

    Raises ValidationError (a dict by field) and saves nothing when the input is wrong
    in itself. After commit: `sign_up_dispatch` queued for a worker, which sends the
    code and link, or tells the existing account's owner instead.
    """
    id_number = normalize_id_number(id_number)
    email = (email or "").strip()
    phone = normalize_phone(phone) if phone else ""
    full_name = full_name.strip()
    errors = _sign_up_errors(
        id_number=id_number,
        birth_date=birth_date,
        sex=sex,
        email=email,
        phone=phone,
        full_name=full_name,
        password=password,
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    lifetime = (
        datetime.timedelta(hours=settings.EMAIL_LINK_TTL_HOURS)
        if email
        else datetime.timedelta(minutes=settings.CONTACT_CODE_TTL_MINUTES)
    )
    with transaction.atomic():
        pending = SignUpRequest.objects.create(
            id_number=id_number,
            full_name=full_name,
            birth_date=birth_date,
            sex=sex,
            email=email,
            phone=phone,
            password=make_password(password),
            expires_at=now + lifetime,
        )
        transaction.on_commit(lambda: _queue("sign_up_dispatch", sign_up_id=str(pending.pk)))
    return pending


def _queue(task_name: str, **kwargs) -> None:
    """Hand `identity.tasks.<task_name>` to a worker. The request that queues it does
    the same work whatever the task will find; with Redis down the task runs here
    instead (logged), so nothing is lost."""
    from identity import tasks

    task = getattr(tasks, task_name)
    try:
        task.apply_async(kwargs=kwargs)
    except Exception:
        logger.exception("could not queue identity task %s; running it in the request", task_name)
        task.apply(kwargs=kwargs)


def _accounts_holding(*, id_number: str, email: str, phone: str) -> list:
    """The accounts that already use this ID number, email or phone (at most three)."""
    match = Q(id_number=id_number)
    if email:
        match |= Q(email__iexact=email)
    if phone:
        match |= Q(phone=phone)
    return list(get_user_model().objects.filter(match).order_by("pk"))


def _sign_up_notice(owner) -> None:
    """After commit, tell `owner` that someone tried to sign up with their details; at
    most once an hour per account, so sign-ups cannot be used to flood someone."""
    if not ratelimit.hit(scope="sign-up-notice", key=str(owner.pk), limit=1, window=3600):
        return
    reset = settings.SITE_URL.rstrip("/") + reverse("portal:password-forgot")
    _account_notice(
        user=owner,
        subject=_("MotCua: someone tried to sign up with your details"),
        message=_(
            "Someone tried to create a new account with your personal ID number, email "
            "or phone number. You already have an account: if it was you, sign in, or "
            "reset your password at %(link)s. If it was not you, nothing has changed."
        )
        % {"link": reset},
    )


def sign_up_dispatch(*, sign_up_id: str) -> str:
    """Worker side of `sign_up_request`, run once per pending sign-up.

    When an account already holds its ID number, email or phone: the pending sign-up
    is deleted and, after commit, each such account's owner is told by email and SMS
    ("taken"). Otherwise a 6-digit code goes to the phone and a link to the email
    ("sent"). "gone" when it was already dispatched or has expired. Expired pending
    sign-ups are deleted on the way.
    """
    now = timezone.now()
    SignUpRequest.objects.filter(expires_at__lte=now).delete()
    with transaction.atomic():
        pending = (
            SignUpRequest.objects.select_for_update()
            .filter(pk=sign_up_id, dispatched_at__isnull=True)
            .first()
        )
        if pending is None:
            return "gone"
        owners = _accounts_holding(
            id_number=pending.id_number, email=pending.email, phone=pending.phone
        )
        if owners:
            pending.delete()
            for owner in owners:
                _sign_up_notice(owner)
            return "taken"
        pending.dispatched_at = now
        if pending.phone:
            code = f"{secrets.randbelow(10**6):06d}"
            pending.phone_code_hash = _code_hash(CodePurpose.VERIFY_PHONE, pending.phone, code)
            pending.phone_code_expires_at = now + datetime.timedelta(
                minutes=settings.CONTACT_CODE_TTL_MINUTES
            )
            message = _(
                "MotCua: your code is %(code)s (valid %(minutes)s minutes). Never share it."
            ) % {"code": code, "minutes": settings.CONTACT_CODE_TTL_MINUTES}
            phone = pending.phone
            transaction.on_commit(lambda: _code_sms_send(phone=phone, message=message))
        if pending.email:
            token = secrets.token_urlsafe(32)
            pending.email_token_hash = _code_hash(CodePurpose.VERIFY_EMAIL, "", token)
            link = settings.SITE_URL.rstrip("/") + reverse("portal:verify-email", args=[token])
            subject = _("Confirm your email address to finish signing up")
            body = _(
                "Hello %(name)s,\n\nOpen this link to confirm your email address and create "
                "your account on %(site)s (valid %(hours)s hours):\n\n%(link)s\n\nIf you did "
                "not sign up, ignore this email: no account is created."
            ) % {
                "name": pending.full_name,
                "site": settings.SITE_NAME,
                "hours": settings.EMAIL_LINK_TTL_HOURS,
                "link": link,
            }
            email = pending.email
            transaction.on_commit(
                lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
            )
        pending.save()
    return "sent"


class SignUpTaken(Exception):
    """An account took the ID number, email or phone after the code was sent; its owner
    has been told."""


def _sign_up_complete(*, pending: SignUpRequest, channel: str, request=None):
    """A pending sign-up (locked) whose `channel` ("sms" or "email") was just confirmed
    -> a level-1 account with that contact verified. The other contact's code or link
    stays valid and confirms it later. Raises SignUpTaken (and IntegrityError, which
    the caller turns into SignUpTaken: a race with another sign-up)."""
    User = get_user_model()
    now = timezone.now()
    user = User(
        username=new_username("cd"),
        id_number=pending.id_number,
        full_name=pending.full_name,
        birth_date=pending.birth_date,
        sex=pending.sex,
        email=pending.email,
        phone=pending.phone,
        password=pending.password,
        phone_verified_at=now if channel == "sms" else None,
        email_verified_at=now if channel == "email" else None,
    )
    with transaction.atomic():  # a savepoint: a lost race leaves the pending row alone
        user.save()
    account_event_record(
        user=user, kind=AccountEventKind.SIGNED_UP, request=request, data={"channel": channel}
    )
    account_event_record(
        user=user,
        kind=AccountEventKind.CONTACT_VERIFIED,
        request=request,
        data={"channel": channel},
    )
    if channel == "sms" and pending.email and pending.email_token_hash:
        OneTimeCode.objects.create(
            user=user,
            purpose=CodePurpose.VERIFY_EMAIL,
            target=pending.email,
            code_hash=pending.email_token_hash,
            expires_at=pending.expires_at,
        )
    if channel == "email" and pending.phone and pending.phone_code_hash:
        OneTimeCode.objects.create(
            user=user,
            purpose=CodePurpose.VERIFY_PHONE,
            target=pending.phone,
            code_hash=pending.phone_code_hash,
            expires_at=pending.phone_code_expires_at,
            attempts=pending.attempts,
        )
    pending.delete()
    return user


def _sign_up_finish(*, pending: SignUpRequest, channel: str, request=None):
    """`_sign_up_complete`, or, when an account took the details meanwhile, the
    pending sign-up dropped, the owner told and SignUpTaken raised (after the commit
    of both, so that the next try does not find the pending row again)."""
    owners = _accounts_holding(
        id_number=pending.id_number, email=pending.email, phone=pending.phone
    )
    if not owners:
        try:
            return _sign_up_complete(pending=pending, channel=channel, request=request)
        except IntegrityError:
            owners = _accounts_holding(
                id_number=pending.id_number, email=pending.email, phone=pending.phone
            )
    pending.delete()
    for owner in owners:
        _sign_up_notice(owner)
    return None


def sign_up_confirm_by_phone(*, sign_up_id: str, code: str, request=None):
    """A pending sign-up and the code sent to its phone -> the account (see
    `_sign_up_complete`). Raises CodeRejected for any wrong, used, expired or
    over-tried code, and for a sign-up that does not exist (the same reason: the
    answer must not tell a dropped sign-up from a waiting one), or SignUpTaken.
    Not to be called inside another transaction: a wrong attempt is counted even
    though CodeRejected is raised."""
    rejected, user = False, None
    with transaction.atomic():
        pending = (
            SignUpRequest.objects.select_for_update()
            .filter(pk=sign_up_id, dispatched_at__isnull=False)
            .exclude(phone_code_hash="")
            .first()
        )
        if (
            pending is None
            or pending.phone_code_expires_at <= timezone.now()
            or pending.attempts >= settings.CONTACT_CODE_MAX_ATTEMPTS
        ):
            rejected = True
        elif not secrets.compare_digest(
            pending.phone_code_hash,
            _code_hash(CodePurpose.VERIFY_PHONE, pending.phone, (code or "").strip()),
        ):
            pending.attempts += 1
            pending.save(update_fields=["attempts"])
            rejected = True
        else:
            user = _sign_up_finish(pending=pending, channel="sms", request=request)
    if rejected:
        raise CodeRejected("wrong")
    if user is None:
        raise SignUpTaken
    return user


def sign_up_confirm_by_email(*, token: str, request=None):
    """A pending sign-up's email link -> the account (see `_sign_up_complete`); None
    when no pending sign-up has this link (it may be an account's email link).
    Raises CodeRejected("expired") or SignUpTaken."""
    expired, user = False, None
    with transaction.atomic():
        pending = (
            SignUpRequest.objects.select_for_update()
            .filter(email_token_hash=_code_hash(CodePurpose.VERIFY_EMAIL, "", token))
            .exclude(email_token_hash="")
            .first()
        )
        if pending is None:
            return None
        if pending.expires_at <= timezone.now():
            expired = True
        else:
            user = _sign_up_finish(pending=pending, channel="email", request=request)
    if expired:
        raise CodeRejected("expired")
    if user is None:
        raise SignUpTaken
    return user


def account_create_for_walk_in(*, record, phone: str, actor):
    """(no account) -> a level-1 account from the population registry's `record` for a
    person at the one-stop desk, with no usable password: they claim it later through
    password reset, by SMS to `phone` when the desk noted one (unverified, like a phone
    typed at sign-up). Returns (user, created): when another desk created the same
    person a moment ago, that account and False. Raises ValidationError when the phone
    belongs to another account."""
    User = get_user_model()
    taken = ValidationError(
        _("This phone number belongs to another account. Leave it empty or use another."),
        code="phone_taken",
    )
    if phone and User.objects.filter(phone=phone).exists():
        raise taken
    user = User(
        username=new_username("cd"),
        id_number=record.id_number,
        full_name=record.full_name,
        birth_date=record.birth_date,
        sex=record.sex,
        permanent_address=record.permanent_address,
        phone=phone,
        # Level 1: the desk saw a card; only the person's own registry check (or single
        # sign-on) raises the level, as for accounts created online.
        verification_level=VerificationLevel.SELF_DECLARED,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction goes on
            user.save()
    except IntegrityError:
        existing = User.objects.filter(id_number=record.id_number).first()
        if existing is None:
            raise taken from None
        return existing, False
    account_event_record(
        user=user, kind=AccountEventKind.SIGNED_UP, actor=actor, data={"channel": "counter"}
    )
    return user, True


# --- Businesses -------------------------------------------------------------------------


@transaction.atomic
def business_register(
    *, user, enterprise_code: str, name: str, legal_representative: str, role: str, request=None
) -> Business:
    """(no business) -> a business with `user` as its first member in `role`."""
    code = normalize_enterprise_code(enterprise_code)
    try:
        validate_enterprise_code(code)
    except ValidationError as error:
        raise ValidationError({"enterprise_code": error}) from error
    if Business.objects.filter(enterprise_code=code).exists():
        raise ValidationError(
            {
                "enterprise_code": _(
                    "This business is already registered. Ask its legal representative to "
                    "add you as a member."
                )
            }
        )
    if role not in BusinessRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    business = Business.objects.create(
        enterprise_code=code, name=name.strip(), legal_representative=legal_representative.strip()
    )
    BusinessMembership.objects.create(business=business, user=user, role=role)
    account_event_record(
        user=user,
        kind=AccountEventKind.BUSINESS_REGISTERED,
        request=request,
        data={"enterprise_code": code, "role": role},
    )
    return business


def business_contact_normalise(value: str) -> str:
    """An email in lower case or a phone in national form; ValidationError otherwise
    (never an ID number: the door must not probe for them)."""
    value = (value or "").strip()
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError as error:
            raise ValidationError(
                {"member": _("Enter an email address or a phone number.")}
            ) from error
        return value.lower()
    phone = normalize_phone(value)
    if not PHONE_RE.match(phone):
        raise ValidationError({"member": _("Enter an email address or a phone number.")})
    return phone


@transaction.atomic
def business_invitation_create(
    *, business: Business, actor, contact: str, role: str
) -> BusinessInvitation:
    """(nothing) -> a pending invitation of whoever owns `contact` to join in `role`.

    Looks for no account: the request does the same work for any contact, and a worker
    (`identity.tasks.business_invitation_dispatch`) tells the owner, if there is one.
    A pending invitation to the same contact is reused, so repeating the form sends
    nothing new.
    """
    if not is_business_representative(business, actor):
        raise NotRepresentative("only a representative may invite members")
    if role not in BusinessRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    contact = business_contact_normalise(contact)
    now = timezone.now()
    pending = (
        BusinessInvitation.objects.select_for_update()
        .filter(
            business=business,
            contact=contact,
            accepted_at__isnull=True,
            declined_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        .first()
    )
    if pending is not None:
        return pending
    invitation = BusinessInvitation.objects.create(
        business=business,
        contact=contact,
        role=role,
        invited_by=actor,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.BUSINESS_INVITATION_DAYS),
    )
    transaction.on_commit(
        lambda: _queue("business_invitation_dispatch", invitation_id=invitation.pk)
    )
    return invitation


def _accounts_with_verified_contact(contact: str) -> list:
    User = get_user_model()
    if "@" in contact:
        match = Q(email__iexact=contact, email_verified_at__isnull=False)
    else:
        match = Q(phone=contact, phone_verified_at__isnull=False)
    return list(User.objects.filter(match, is_active=True).order_by("pk"))


def business_invitation_dispatch(*, invitation_id: int) -> str:
    """Worker side of `business_invitation_create`: tells the owner of the invited
    contact by email and SMS, with the link to their account page where they accept or
    decline. Nothing is sent to a contact that no account has verified: the business
    typed it, and a stranger's mailbox is not ours to fill. "sent", "nobody" or "gone"."""
    invitation = (
        BusinessInvitation.objects.select_related("business").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_pending():
        return "gone"
    owners = _accounts_with_verified_contact(invitation.contact)
    if not owners:
        return "nobody"
    link = settings.SITE_URL.rstrip("/") + reverse("portal:account")
    for owner in owners:
        _account_notice(
            user=owner,
            subject=_("MotCua: you are invited to act for a business"),
            message=_(
                "%(business)s invites you to act for it as %(role)s. Accept or decline "
                "on your account page before %(date)s: %(link)s"
            )
            % {
                "business": invitation.business,
                "role": invitation.get_role_display(),
                "date": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y"),
                "link": link,
            },
        )
    return "sent"


class InvitationNotValid(Exception):
    """The invitation was accepted, declined, revoked or has expired."""


def _invitation_for_answer(*, invitation_id: int, user) -> BusinessInvitation:
    """The invitation, locked; Http404-like DoesNotExist when not addressed to `user`."""
    from identity.selectors import verified_contacts

    invitation = (
        BusinessInvitation.objects.select_for_update()
        .filter(pk=invitation_id, contact__in=verified_contacts(user))
        .get()
    )
    if not invitation.is_pending():
        raise InvitationNotValid
    return invitation


@transaction.atomic
def business_invitation_accept(*, invitation_id: int, user, request=None) -> BusinessMembership:
    """pending invitation -> accepted, and `user` a member in its role (unless already
    one: the role they have stays). Raises BusinessInvitation.DoesNotExist for an
    invitation addressed to someone else, InvitationNotValid when no longer pending."""
    invitation = _invitation_for_answer(invitation_id=invitation_id, user=user)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    membership, created = BusinessMembership.objects.get_or_create(
        business_id=invitation.business_id, user=user, defaults={"role": invitation.role}
    )
    if created:
        account_event_record(
            user=user,
            actor=invitation.invited_by,
            kind=AccountEventKind.BUSINESS_MEMBER_ADDED,
            request=request,
            data={
                "enterprise_code": invitation.business.enterprise_code,
                "role": invitation.role,
            },
        )
    return membership


@transaction.atomic
def business_invitation_decline(*, invitation_id: int, user) -> BusinessInvitation:
    """pending invitation -> declined. The same errors as `business_invitation_accept`."""
    invitation = _invitation_for_answer(invitation_id=invitation_id, user=user)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])
    return invitation


@transaction.atomic
def business_invitation_revoke(*, invitation: BusinessInvitation, actor) -> BusinessInvitation:
    """pending invitation -> revoked, by a representative of its business."""
    invitation = BusinessInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not is_business_representative(invitation.business, actor):
        raise NotRepresentative("only a representative may revoke invitations")
    if invitation.is_pending():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _ensure_another_representative(membership: BusinessMembership) -> None:
    # A business without a representative could no longer add or remove anyone.
    others = BusinessMembership.objects.filter(
        business_id=membership.business_id, role=BusinessRole.REPRESENTATIVE
    ).exclude(pk=membership.pk)
    if membership.role == BusinessRole.REPRESENTATIVE and not others.exists():
        raise ValidationError(
            _(
                "A business needs at least one legal representative. Make another member "
                "representative first."
            )
        )


@transaction.atomic
def business_member_role_change(*, membership: BusinessMembership, actor, role: str, request=None):
    """member in role X -> same member in `role`. Only a representative may do it, and the
    last representative cannot step down. Records an account event."""
    membership = BusinessMembership.objects.select_for_update().get(pk=membership.pk)
    if not is_business_representative(membership.business, actor):
        raise NotRepresentative("only a representative may change roles")
    if role not in BusinessRole.values:
        raise ValidationError(_("Choose a role."))
    if role == membership.role:
        return membership
    if role != BusinessRole.REPRESENTATIVE:
        _ensure_another_representative(membership)
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    account_event_record(
        user=membership.user,
        actor=actor,
        kind=AccountEventKind.BUSINESS_MEMBER_ROLE_CHANGED,
        request=request,
        data={
            "enterprise_code": membership.business.enterprise_code,
            "from": previous,
            "to": role,
        },
    )
    return membership


@transaction.atomic
def business_member_remove(*, membership: BusinessMembership, actor, request=None) -> None:
    """member -> not a member. A representative removes anyone; a member may leave.
    The last representative cannot go. The person loses access to the business's
    dossiers at once. Records an account event."""
    membership = BusinessMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.user_id != actor.pk and not is_business_representative(
        membership.business, actor
    ):
        raise NotRepresentative("only a representative may remove other members")
    _ensure_another_representative(membership)
    business, member, role = membership.business, membership.user, membership.role
    membership.delete()
    account_event_record(
        user=member,
        actor=actor,
        kind=AccountEventKind.BUSINESS_MEMBER_REMOVED,
        request=request,
        data={"enterprise_code": business.enterprise_code, "role": role},
    )


# --- One-time codes ---------------------------------------------------------------------


class RateLimited(Exception):
    def __init__(self, wait_seconds: int):
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


class CodeRejected(Exception):
    """Why a code was refused: `expired`, `used`, `wrong` or `too_many_attempts`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return {
            "expired": _("This code has expired. Ask for a new one."),
            "used": _("This code has already been used. Ask for a new one."),
            "wrong": _("The code is not correct. Check the message and try again."),
            "too_many_attempts": _("Too many wrong codes. Ask for a new one."),
        }[self.reason]


def _code_hash(purpose: str, target: str, secret_value: str) -> str:
    return salted_hmac("identity.one_time_code", f"{purpose}:{target}:{secret_value}").hexdigest()


def _rate_limit(*, target: str, purpose: str) -> None:
    now = timezone.now()
    recent = OneTimeCode.objects.filter(
        target=target, purpose=purpose, created_at__gte=now - datetime.timedelta(hours=1)
    ).order_by("created_at")
    times = list(recent.values_list("created_at", flat=True))
    if times:
        since_last = (now - times[-1]).total_seconds()
        if since_last < settings.CONTACT_CODE_MIN_INTERVAL_SECONDS:
            raise RateLimited(int(settings.CONTACT_CODE_MIN_INTERVAL_SECONDS - since_last) + 1)
    if len(times) >= settings.CONTACT_CODE_MAX_PER_HOUR:
        oldest = times[-settings.CONTACT_CODE_MAX_PER_HOUR]
        raise RateLimited(int((oldest + datetime.timedelta(hours=1) - now).total_seconds()) + 1)


def contact_code_send(
    *, user, purpose: str, request=None, ip_address: str | None = None
) -> OneTimeCode:
    """Send a 6-digit code by SMS to the account's phone (verification or reset).

    Earlier unused codes for the same purpose stop working. Raises RateLimited.
    `ip_address` is the client's when a worker sends the code for a request.
    """
    target = user.phone
    if not target:
        raise ValidationError(_("This account has no phone number."))
    with transaction.atomic():
        _rate_limit(target=target, purpose=purpose)
        code = f"{secrets.randbelow(10**6):06d}"
        OneTimeCode.objects.filter(
            user=user, purpose=purpose, target=target, used_at__isnull=True
        ).update(expires_at=timezone.now())
        record = OneTimeCode.objects.create(
            user=user,
            purpose=purpose,
            target=target,
            code_hash=_code_hash(purpose, target, code),
            expires_at=timezone.now()
            + datetime.timedelta(minutes=settings.CONTACT_CODE_TTL_MINUTES),
        )
        account_event_record(
            user=user,
            kind=AccountEventKind.CONTACT_CODE_SENT,
            request=request,
            ip_address=ip_address,
            data={"purpose": purpose, "channel": "sms"},
        )
        message = _(
            "MotCua: your code is %(code)s (valid %(minutes)s minutes). Never share it."
        ) % {"code": code, "minutes": settings.CONTACT_CODE_TTL_MINUTES}
        transaction.on_commit(lambda: _code_sms_send(phone=target, message=message))
    return record


def _code_sms_send(*, phone: str, message: str) -> None:
    """Send a code after commit. A gateway failure is logged (never the code) and not
    raised: the code is stored, the page answers as usual, and the citizen may ask for
    another one."""
    try:
        sms.send_sms(phone=phone, message=message)
    except sms.SmsError as error:
        logger.warning("one-time code SMS not sent: %s", error)


def contact_code_check(*, user, purpose: str, code: str) -> OneTimeCode:
    """Consume the newest code of `purpose`: single-use, expiring, few attempts.

    Not to be called inside another transaction: a wrong attempt is counted even
    though CodeRejected is raised.
    """
    reason = None
    with transaction.atomic():
        record = (
            OneTimeCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, target=user.phone)
            .order_by("-created_at")
            .first()
        )
        if record is None:
            reason = "expired"
        elif record.used_at is not None:
            reason = "used"
        elif record.expires_at <= timezone.now():
            reason = "expired"
        elif record.attempts >= settings.CONTACT_CODE_MAX_ATTEMPTS:
            reason = "too_many_attempts"
        elif not secrets.compare_digest(
            record.code_hash, _code_hash(purpose, record.target, (code or "").strip())
        ):
            record.attempts += 1
            record.save(update_fields=["attempts"])
            reason = "wrong"
        else:
            record.used_at = timezone.now()
            record.save(update_fields=["used_at"])
    if reason:
        raise CodeRejected(reason)
    return record


def phone_verify(*, user, code: str, request=None) -> None:
    """Unverified phone -> verified phone, with a code sent by `contact_code_send`."""
    contact_code_check(user=user, purpose=CodePurpose.VERIFY_PHONE, code=code)
    with transaction.atomic():
        user.phone_verified_at = timezone.now()
        user.save(update_fields=["phone_verified_at"])
        account_event_record(
            user=user,
            kind=AccountEventKind.CONTACT_VERIFIED,
            request=request,
            data={"channel": "sms"},
        )


@transaction.atomic
def contact_change(*, user, email: str, phone: str, request=None) -> list[str]:
    """Replace the account's email and/or phone. A changed contact is unconfirmed until
    its owner answers the code or link sent to it; at least one contact must remain, and
    none may belong to another account. Returns the changed channels. Records an account
    event without the values themselves."""
    email, phone = (email or "").strip().lower(), (phone or "").strip()
    if not email and not phone:
        raise ValidationError(
            {"email": _("Keep at least a phone number or an email address on your account.")}
        )
    errors = _check_unique_contacts(email=email, phone=phone, exclude_pk=user.pk)
    if errors:
        raise ValidationError(errors)
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    changed, fields = [], []
    if email != (user.email or "").lower():
        user.email, user.email_verified_at = email, None
        changed.append("email")
        fields += ["email", "email_verified_at"]
    if phone != (user.phone or ""):
        user.phone, user.phone_verified_at = phone, None
        changed.append("sms")
        fields += ["phone", "phone_verified_at"]
    if changed:
        user.save(update_fields=fields)
        account_event_record(
            user=user,
            kind=AccountEventKind.CONTACT_CHANGED,
            request=request,
            data={"channels": changed},
        )
    return changed


def email_verification_send(*, user, request=None) -> OneTimeCode:
    """Email a single-use link that confirms the address. Raises RateLimited."""
    target = user.email
    with transaction.atomic():
        _rate_limit(target=target, purpose=CodePurpose.VERIFY_EMAIL)
        token = secrets.token_urlsafe(32)
        record = OneTimeCode.objects.create(
            user=user,
            purpose=CodePurpose.VERIFY_EMAIL,
            target=target,
            code_hash=_code_hash(CodePurpose.VERIFY_EMAIL, "", token),
            expires_at=timezone.now() + datetime.timedelta(hours=settings.EMAIL_LINK_TTL_HOURS),
        )
        account_event_record(
            user=user,
            kind=AccountEventKind.CONTACT_CODE_SENT,
            request=request,
            data={"purpose": CodePurpose.VERIFY_EMAIL, "channel": "email"},
        )
        link = settings.SITE_URL.rstrip("/") + reverse("portal:verify-email", args=[token])
        subject = _("Confirm your email address")
        body = _(
            "Hello %(name)s,\n\nOpen this link to confirm your email address for %(site)s "
            "(valid %(hours)s hours):\n\n%(link)s\n\nIf you did not sign up, ignore this email."
        ) % {
            "name": user.display_name,
            "site": settings.SITE_NAME,
            "hours": settings.EMAIL_LINK_TTL_HOURS,
            "link": link,
        }
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [target])
        )
    return record


@transaction.atomic
def email_verify(*, token: str, request=None):
    """Consume an email link; returns the account whose address is now verified."""
    record = (
        OneTimeCode.objects.select_for_update()
        .filter(
            purpose=CodePurpose.VERIFY_EMAIL,
            code_hash=_code_hash(CodePurpose.VERIFY_EMAIL, "", token),
        )
        .select_related("user")
        .first()
    )
    if record is None:
        raise CodeRejected("wrong")
    if record.used_at is not None:
        raise CodeRejected("used")
    if record.expires_at <= timezone.now() or record.target != record.user.email:
        raise CodeRejected("expired")
    record.used_at = timezone.now()
    record.save(update_fields=["used_at"])
    user = record.user
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    account_event_record(
        user=user,
        kind=AccountEventKind.CONTACT_VERIFIED,
        request=request,
        data={"channel": "email"},
    )
    return user


# --- Passwords and sessions -------------------------------------------------------------


@transaction.atomic
def password_change(*, user, new_password: str, request=None) -> None:
    """Set a new password; other sessions end, the current one (if any) stays."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    account_event_record(user=user, kind=AccountEventKind.PASSWORD_CHANGED, request=request)
    if request is not None and request.user == user:
        update_session_auth_hash(request, user)


def password_reset_request(*, identifier: str, request=None) -> None:
    """Queue `password_reset_send` for a worker, whatever `identifier` is: the request
    does the same work whether or not an account answers to it, so neither its answer
    nor its time tells."""
    # The link names the site as the person reached it (a host ALLOWED_HOSTS accepted).
    site = urlsplit(settings.SITE_URL)
    kwargs = {
        "identifier": identifier,
        "ip_address": client_ip(request),
        "domain": request.get_host() if request is not None else site.netloc,
        "use_https": request.is_secure() if request is not None else site.scheme == "https",
    }
    transaction.on_commit(lambda: _queue("password_reset_send", **kwargs))


def password_reset_send(
    *,
    identifier: str,
    ip_address: str | None = None,
    domain: str = "",
    use_https: bool | None = None,
) -> str:
    """Worker side of `password_reset_request`. An email address: Django's reset link
    to the active account with a usable password that uses it. A phone number: a
    6-digit code by SMS to the active account that uses it, unless one was sent less
    than CONTACT_CODE_MIN_INTERVAL_SECONDS ago (that one still works). Anything else:
    nothing. `domain` and `use_https` build the link (SITE_URL's by default). Returns
    what was done ("email", "sms" or "nothing"), for the tests."""
    from django.contrib.auth.forms import PasswordResetForm

    identifier = (identifier or "").strip()
    if "@" in identifier:
        form = PasswordResetForm({"email": identifier})
        if not form.is_valid():
            return "nothing"
        site = urlsplit(settings.SITE_URL)
        form.save(
            domain_override=domain or site.netloc,
            use_https=site.scheme == "https" if use_https is None else use_https,
            from_email=settings.DEFAULT_FROM_EMAIL,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        )
        return "email"
    phone = normalize_phone(identifier)
    user = get_user_model().objects.filter(is_active=True, phone=phone).first() if phone else None
    if user is None:
        return "nothing"
    try:
        contact_code_send(user=user, purpose=CodePurpose.RESET_PASSWORD, ip_address=ip_address)
    except RateLimited:
        return "nothing"
    return "sms"


def password_reset_by_sms(*, phone: str, code: str, new_password: str, request=None):
    """Reset the password of the account whose phone got the code; returns it.

    Raises CodeRejected("wrong") for every failure (no code for this phone, a wrong,
    used or expired code, too many attempts): one answer, so that the page does not
    tell a phone with an account from one without. Raises ValidationError for a
    password the validators refuse for this account, only after a right code, which
    stays usable. Not to be called inside another transaction: a wrong attempt is
    counted even though CodeRejected is raised.
    """
    phone = normalize_phone(phone or "")
    rejected, user = False, None
    with transaction.atomic():
        record = (
            OneTimeCode.objects.select_for_update(of=("self",))
            .filter(
                purpose=CodePurpose.RESET_PASSWORD,
                target=phone,
                user__phone=phone,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("-created_at")
            .first()
        )
        if (
            record is None
            or record.used_at is not None
            or record.expires_at <= timezone.now()
            or record.attempts >= settings.CONTACT_CODE_MAX_ATTEMPTS
        ):
            rejected = True
        elif not secrets.compare_digest(
            record.code_hash, _code_hash(record.purpose, record.target, (code or "").strip())
        ):
            record.attempts += 1
            record.save(update_fields=["attempts"])
            rejected = True
        else:
            user = record.user
            try:
                validate_password(new_password, user)
            except ValidationError as error:
                raise ValidationError({"new_password1": error.error_list}) from error
            record.used_at = timezone.now()
            record.save(update_fields=["used_at"])
            user.set_password(new_password)
            # Whoever could receive the code owns the phone: it counts as verified.
            user.phone_verified_at = user.phone_verified_at or timezone.now()
            user.save(update_fields=["password", "phone_verified_at"])
            account_event_record(
                user=user,
                kind=AccountEventKind.PASSWORD_RESET,
                request=request,
                data={"channel": "sms"},
            )
    if rejected:
        raise CodeRejected("wrong")
    return user


def password_reset_by_email_record(*, user, request=None) -> None:
    account_event_record(
        user=user, kind=AccountEventKind.PASSWORD_RESET, request=request, data={"channel": "email"}
    )


@transaction.atomic
def sign_out_everywhere(*, user, request=None) -> None:
    """Every session of the account, on every device, ends at its next request."""
    get_user_model().objects.filter(pk=user.pk).update(
        session_generation=F("session_generation") + 1
    )
    user.refresh_from_db(fields=["session_generation"])
    account_event_record(user=user, kind=AccountEventKind.SIGNED_OUT_EVERYWHERE, request=request)


# --- Population registry ----------------------------------------------------------------


@dataclass(frozen=True)
class RegistryOutcome:
    status: str  # "verified", "mismatch" or "unavailable"
    fields: tuple[str, ...] = ()


def registry_verify(*, user, request=None, registry=None) -> RegistryOutcome:
    """Level 1 -> level 2 when the registry confirms the ID number, name and birth date.

    On success the name, date of birth, sex and permanent address are replaced by the
    registry's and locked. On a mismatch or an unavailable registry the account stays
    at level 1 (the person may retry); each outcome is logged.
    """
    if user.is_registry_verified:
        return RegistryOutcome("verified")
    if not user.id_number or not user.birth_date:
        return RegistryOutcome("mismatch", ("id_number",))
    registry = registry or registry_module.get_registry()
    result = registry.verify(user.id_number, user.full_name, user.birth_date)
    with transaction.atomic():
        if isinstance(result, registry_module.VerifiedProfile):
            user.full_name = result.full_name
            user.birth_date = result.birth_date
            user.sex = result.sex
            user.permanent_address = result.permanent_address
            user.verification_level = VerificationLevel.REGISTRY_VERIFIED
            user.registry_verified_at = timezone.now()
            user.save(
                update_fields=[
                    "full_name",
                    "birth_date",
                    "sex",
                    "permanent_address",
                    "verification_level",
                    "registry_verified_at",
                ]
            )
            account_event_record(
                user=user, kind=AccountEventKind.REGISTRY_VERIFIED, request=request
            )
            return RegistryOutcome("verified")
        if isinstance(result, registry_module.Mismatch):
            account_event_record(
                user=user,
                kind=AccountEventKind.REGISTRY_MISMATCH,
                request=request,
                data={"fields": list(result.fields)},
            )
            return RegistryOutcome("mismatch", result.fields)
        account_event_record(
            user=user,
            kind=AccountEventKind.REGISTRY_UNAVAILABLE,
            request=request,
            data={"reason": result.reason[:100]},
        )
        return RegistryOutcome("unavailable")


# --- Officials --------------------------------------------------------------------------


def _ensure_may_manage(*, actor, user, agency=None) -> None:
    """Agency admins act only inside their agencies and never on themselves; the
    admin forms already offer nothing else, this guards every other way in."""
    if actor is None or actor.is_superuser:
        return
    administered = permissions.administered_agency_ids(actor)
    if agency is not None and agency.pk not in administered:
        raise PermissionDenied(_("You do not administer this agency."))
    if user.pk is not None and not permissions.may_manage_official(actor, user, administered):
        raise PermissionDenied(_("You may not manage this official."))


def agency_admin_group():
    """The group giving agency admins their model permissions, created if missing
    (a data migration creates it too; this keeps flushed test databases and fresh
    seeds identical)."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _created = Group.objects.get_or_create(name=AGENCY_ADMIN_GROUP)
    wanted = Q(pk__in=[])
    for app_label, codename in AGENCY_ADMIN_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


def _agency_admin_access_sync(user) -> None:
    """Django admin access follows the agency-admin role: staff and the group while
    the official holds it somewhere, neither once the last one is revoked (unless a
    superuser gave them other rights, which are left alone)."""
    group = agency_admin_group()
    if OfficialMembership.objects.filter(user=user, role=OfficialRole.AGENCY_ADMIN).exists():
        user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        return
    user.groups.remove(group)
    other_rights = user.groups.exists() or user.user_permissions.exists()
    if user.is_staff and not user.is_superuser and not other_rights:
        user.is_staff = False
        user.save(update_fields=["is_staff"])


@transaction.atomic
def official_membership_grant(*, user, agency, role: str, actor=None, request=None):
    if role not in OfficialRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    _ensure_may_manage(actor=actor, user=user, agency=agency)
    return _membership_grant(user=user, agency=agency, role=role, actor=actor, request=request)


def _membership_grant(*, user, agency, role: str, actor, request):
    membership, created = OfficialMembership.objects.get_or_create(
        user=user, agency=agency, role=role
    )
    if created:
        account_event_record(
            user=user,
            actor=actor,
            kind=AccountEventKind.ROLE_GRANTED,
            request=request,
            data={"agency_code": agency.code, "role": role},
        )
        if role == OfficialRole.AGENCY_ADMIN:
            _agency_admin_access_sync(user)
    return membership


@transaction.atomic
def official_membership_revoke(*, membership: OfficialMembership, actor=None, request=None):
    _ensure_may_manage(actor=actor, user=membership.user, agency=membership.agency)
    account_event_record(
        user=membership.user,
        actor=actor,
        kind=AccountEventKind.ROLE_REVOKED,
        request=request,
        data={"agency_code": membership.agency.code, "role": membership.role},
    )
    membership.delete()
    if membership.role == OfficialRole.AGENCY_ADMIN:
        _agency_admin_access_sync(membership.user)


@transaction.atomic
def official_create(*, user, agency, role: str, actor=None, request=None):
    """A new official account with its first role, in one transaction.

    `user` is an unsaved account (username, name, contacts, password already set).
    Staff and superuser flags are never taken from the caller: admin access comes
    from the agency-admin role alone.
    """
    _ensure_may_manage(actor=actor, user=user, agency=agency)
    user.is_superuser = False
    user.is_staff = False
    if role not in OfficialRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    user.save()
    # Checked above for the agency; the account is new, so nobody else's to protect.
    _membership_grant(user=user, agency=agency, role=role, actor=actor, request=request)
    return user


@transaction.atomic
def official_set_active(*, user, active: bool, actor=None, request=None) -> bool:
    """Deactivate (or reactivate) an official; False when nothing changed.

    A deactivated account cannot sign in and its open sessions stop working at
    their next request (Django's backends refuse inactive users).
    """
    _ensure_may_manage(actor=actor, user=user)
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    account_event_record(
        user=user,
        actor=actor,
        kind=AccountEventKind.REACTIVATED if active else AccountEventKind.DEACTIVATED,
        request=request,
    )
    return True


def otp_device_for(user, *, confirmed: bool | None = True):
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("-id").first()


@transaction.atomic
def otp_enrolment_start(*, user) -> TOTPDevice:
    """A fresh unconfirmed authenticator secret (an earlier unconfirmed one is replaced)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


class OtpLocked(Exception):
    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


def otp_check(*, user, device: TOTPDevice, token: str, request=None) -> bool:
    """Check a TOTP code; confirms an enrolling device. Raises OtpLocked.

    Failures are counted per account; after OTP_FAILURE_LIMIT of them the second
    factor is locked for OTP_COOLOFF_MINUTES, whatever device or browser is used.
    """
    minutes = security.otp_locked_minutes(user)
    if minutes:
        raise OtpLocked(minutes)
    if device.verify_token((token or "").strip()):
        security.otp_reset_failures(user)
        with transaction.atomic():
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                account_event_record(user=user, kind=AccountEventKind.OTP_ENROLLED, request=request)
            account_event_record(user=user, kind=AccountEventKind.OTP_VERIFIED, request=request)
        return True
    locked_now = security.otp_record_failure(user)
    account_event_record(user=user, kind=AccountEventKind.OTP_FAILED, request=request)
    if locked_now:
        account_event_record(user=user, kind=AccountEventKind.OTP_LOCKED_OUT, request=request)
        raise OtpLocked(settings.OTP_COOLOFF_MINUTES)
    return False


@transaction.atomic
def otp_reset(*, user, actor=None, request=None) -> None:
    """Remove the official's authenticator: they enrol again at their next sign-in."""
    _ensure_may_manage(actor=actor, user=user)
    TOTPDevice.objects.filter(user=user).delete()
    security.otp_reset_failures(user)
    account_event_record(user=user, actor=actor, kind=AccountEventKind.OTP_RESET, request=request)


def sign_in_recorded(*, user, request, method: str = SignInMethod.PASSWORD) -> None:
    account_event_record(
        user=user, kind=AccountEventKind.SIGNED_IN, request=request, data={"method": method}
    )


def _account_notice(*, user, subject: str, message: str) -> None:
    """After commit, `message` to every contact of the account (email and SMS)."""
    if user.email:
        email = user.email
        transaction.on_commit(
            lambda: send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, [email])
        )
    if user.phone:
        phone = user.phone
        transaction.on_commit(lambda: sms.send_sms(phone=phone, message=f"MotCua: {message}"))


@transaction.atomic
def account_lock_engaged(*, user, request=None) -> None:
    """The account-wide sign-in lock has just engaged (many wrong passwords from many
    addresses). Records one LOCKED_OUT event; after commit tells the owner by email and
    SMS, so that they know someone is guessing and can reset the password."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    account_event_record(
        user=user, kind=AccountEventKind.LOCKED_OUT, request=request, data={"scope": "account"}
    )
    _account_notice(
        user=user,
        subject=_("MotCua: sign-in to your account is paused"),
        message=_(
            "Many wrong passwords were typed for your account, so signing in is paused for "
            "%(minutes)s minutes. If it was not you, change your password afterwards."
        )
        % {"minutes": minutes},
    )
