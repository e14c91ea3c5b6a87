"""Audit-log hooks on Django's and django-axes's authentication signals.

Signals are the only place these events surface (the login view is Django's, the
lockout is decided inside axes); each receiver just calls the audit service.

The account log is permanent, so anonymous traffic must not grow it without bound:
axes counts every failed attempt in its own tables; the log gets a failed attempt only
for an existing account (bounded by the locks), and one row per lockout when it
engages, not one per refused attempt.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from identity.constants import AccountEventKind, SignInMethod
from identity.selectors import user_find_by_identifier


@receiver(user_logged_in, dispatch_uid="identity_signed_in")
def _signed_in(sender, request, user, **kwargs):
    from identity import services

    backend = getattr(user, "backend", "") or ""
    method = (
        SignInMethod.OIDC
        if backend.endswith("NationalIdentityBackend")
        else (SignInMethod.PASSWORD)
    )
    services.sign_in_recorded(user=user, request=request, method=method)


@receiver(user_logged_out, dispatch_uid="identity_signed_out")
def _signed_out(sender, request, user, **kwargs):
    from identity import services

    if user is not None:
        services.account_event_record(user=user, kind=AccountEventKind.SIGNED_OUT, request=request)


@receiver(user_login_failed, dispatch_uid="identity_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    from identity import services

    if getattr(request, "axes_locked_out", False):
        return  # recorded as a lockout below
    user = user_find_by_identifier((credentials or {}).get("username", ""))
    if user is None:
        return  # no account to tell; axes has counted the attempt
    # The typed name is not stored: it may be an ID number or a mistyped password.
    services.account_event_record(user=user, kind=AccountEventKind.SIGN_IN_FAILED, request=request)


def _locked_out(sender, request, username, ip_address, **kwargs):
    """Axes says this for the failure that engages a pair's lock and again for every
    attempt refused while it lasts: only the first is logged. The marker lives as long
    as the lock (refused attempts extend neither), so a later lock is logged again."""
    from django.core.cache import cache

    from identity import security, services

    if not (username and username.startswith(security.ACCOUNT_PREFIX)):
        return  # no account to tell; axes keeps its own record
    if security.account_lock_seconds(username):
        return  # refused by the account-wide lock, logged once when it engaged
    pause = int(settings.AXES_COOLOFF_TIME.total_seconds())
    marker = f"identity:lockout-logged:{username}:{ip_address}"
    if not cache.add(marker, 1, timeout=pause):
        return
    user = get_user_model().objects.filter(pk=username.removeprefix("account-")).first()
    services.account_event_record(
        user=user, kind=AccountEventKind.LOCKED_OUT, request=request, data={"scope": "address"}
    )


def connect_axes() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="identity_locked_out")
