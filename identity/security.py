"""Sign-in throttling: django-axes hooks (password) and the TOTP attempt counter.

Two locks guard the password step. Axes counts failures per pair (account, client
address) and pauses that pair after AXES_FAILURE_LIMIT: an attacker who types someone's
name locks only himself, and the owner still signs in from elsewhere. Across addresses
`AccountLockHandler` counts the failures of each account and, after
ACCOUNT_LOCK_FAILURE_LIMIT of them within a pause, locks the account for everyone for
one pause and tells the owner (`identity.services.account_lock_engaged`). Failures
refused by a lock are not password checks and do not count towards the account lock.
A third counter keeps one address from trying one password against many accounts
(password spraying): after ADDRESS_LOCK_FAILURE_LIMIT checked failures within a pause,
that address may not sign in to any account until the pause ends.

The name typed at sign-in may be a personal ID number, which must never be stored or
logged in clear: axes gets `account-<pk>` for a known account (so ID number, email and
phone of one person share one counter) or a keyed hash for an unknown name.
"""

import math
import time

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac

from common import ratelimit
from identity.selectors import user_find_by_identifier

ACCOUNT_PREFIX = "account-"


def axes_username(request, credentials) -> str:
    identifier = ""
    if credentials:
        identifier = credentials.get("username") or ""
    elif request is not None and request.method == "POST":
        identifier = request.POST.get("username", "")
    user = user_find_by_identifier(identifier) if identifier else None
    if user is not None:
        return f"{ACCOUNT_PREFIX}{user.pk}"
    digest = salted_hmac("identity.axes_username", identifier.strip().lower()).hexdigest()
    return f"unknown-{digest[:24]}"


def _pause_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def _account_lock_key(name: str) -> str:
    return f"identity:account-lock:{name}"


def account_lock_seconds(name: str) -> int:
    """Seconds left of the account-wide lock of axes name `name` (0: not locked)."""
    until = cache.get(_account_lock_key(name))
    return max(0, math.ceil(until - time.time())) if until else 0


ADDRESS_SCOPE = "sign-in-address"


def address_locked(request) -> bool:
    """Too many checked password failures from this client address, whatever the
    accounts: it may not sign in until its window ends."""
    failures = ratelimit.peek(scope=ADDRESS_SCOPE, key=ratelimit.client_address(request))
    return failures >= settings.ADDRESS_LOCK_FAILURE_LIMIT


def account_failure_count(name: str) -> bool:
    """Count one checked password failure of the account; True when this one engages the
    account-wide lock (exactly once per lock, however many nodes count at once)."""
    failures = ratelimit.count(scope="sign-in-account", key=name, window=_pause_seconds())
    if failures < settings.ACCOUNT_LOCK_FAILURE_LIMIT:
        return False
    until = time.time() + _pause_seconds()
    return cache.add(_account_lock_key(name), until, timeout=_pause_seconds())


class AccountLockHandler(AxesDatabaseHandler):
    """Axes' database handler plus the account-wide lock (see the module docstring)."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if request is not None and address_locked(request):
            return True
        return account_lock_seconds(axes_username(request, credentials)) > 0

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        # A request refused by a lock checked no password: it does not count.
        checked = request is not None and not getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if not checked:
            return
        ratelimit.count(
            scope=ADDRESS_SCOPE, key=ratelimit.client_address(request), window=_pause_seconds()
        )
        name = axes_username(request, credentials)
        if name.startswith(ACCOUNT_PREFIX) and account_failure_count(name):
            from identity import services

            request.axes_locked_out = True  # this very answer is the lockout page
            user = get_user_model().objects.filter(pk=name.removeprefix(ACCOUNT_PREFIX)).first()
            if user is not None:
                services.account_lock_engaged(user=user, request=request)


def lockout_wait_minutes(request, credentials) -> int:
    """Minutes until the lock that refused this request ends: the pair's (its newest
    counted failure expires) or the account's, whichever is later."""
    from axes.helpers import get_client_ip_address
    from axes.models import AccessAttempt

    ip = get_client_ip_address(request)
    name = axes_username(request, credentials)
    last = AccessAttempt.objects.filter(username=name, ip_address=ip).aggregate(
        last=Max("attempt_time")
    )["last"]
    seconds = account_lock_seconds(name)
    if last is not None:
        remaining = last + settings.AXES_COOLOFF_TIME - timezone.now()
        seconds = max(seconds, remaining.total_seconds())
    if seconds <= 0:
        return math.ceil(_pause_seconds() / 60)
    return max(1, math.ceil(seconds / 60))


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, with how long to wait, and HTTP 429."""
    # The lockout itself is logged by identity.receivers (axes' user_locked_out).
    minutes = lockout_wait_minutes(request, credentials)
    official = request.path.startswith("/mot-cua/")
    template = "backoffice/login.html" if official else "registration/login.html"
    # No form while locked: any attempt would be refused until the pause ends.
    return render(
        request,
        template,
        {"locked_minutes": minutes, "next": request.POST.get("next", "")},
        status=429,
    )


# --- TOTP attempts ----------------------------------------------------------------------


def _otp_key(user) -> str:
    return f"identity:otp-failures:{user.pk}"


def otp_locked_minutes(user) -> int:
    """0 when the person may try a code, else the minutes left in the pause."""
    failures, since = cache.get(_otp_key(user), (0, None))
    if failures < settings.OTP_FAILURE_LIMIT or since is None:
        return 0
    remaining = since + settings.OTP_COOLOFF_MINUTES * 60 - timezone.now().timestamp()
    return max(0, math.ceil(remaining / 60))


def otp_record_failure(user) -> bool:
    """Count a wrong code; True when this failure starts a lockout."""
    failures, _since = cache.get(_otp_key(user), (0, None))
    failures += 1
    cache.set(
        _otp_key(user),
        (failures, timezone.now().timestamp()),
        timeout=settings.OTP_COOLOFF_MINUTES * 60,
    )
    return failures == settings.OTP_FAILURE_LIMIT


def otp_reset_failures(user) -> None:
    cache.delete(_otp_key(user))
