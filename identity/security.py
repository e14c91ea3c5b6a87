"""Sign-in throttling: django-axes hooks (password) and the TOTP attempt counter.

Axes counts failures per account and per IP address. The name typed at sign-in may
be a personal ID number, which must never be stored or logged in clear: axes gets
`account-<pk>` for a known account (so ID number, email and phone of one person share
one counter) or a keyed hash for an unknown name.
"""

import math

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac

from identity.selectors import user_find_by_identifier


def axes_username(request, credentials) -> str:
    identifier = ""
    if credentials:
        identifier = credentials.get("username") or ""
    elif request is not None and request.method == "POST":
        identifier = request.POST.get("username", "")
    user = user_find_by_identifier(identifier) if identifier else None
    if user is not None:
        return f"account-{user.pk}"
    digest = salted_hmac("identity.axes_username", identifier.strip().lower()).hexdigest()
    return f"unknown-{digest[:24]}"


def lockout_wait_minutes(request, credentials) -> int:
    """Minutes until the newest counted failure for this account or address expires."""
    from axes.helpers import get_client_ip_address
    from axes.models import AccessAttempt

    ip = get_client_ip_address(request)
    name = axes_username(request, credentials)
    last = AccessAttempt.objects.filter(Q(username=name) | Q(ip_address=ip)).aggregate(
        last=Max("attempt_time")
    )["last"]
    if last is None:
        return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    remaining = last + settings.AXES_COOLOFF_TIME - timezone.now()
    return max(1, math.ceil(remaining.total_seconds() / 60))


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
