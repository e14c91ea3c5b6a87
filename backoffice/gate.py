"""The back-office gate: an agency membership and a verified second factor.

Every back-office view is wrapped in `official_required`; a role-restricted view
passes `roles=`. The questions themselves are answered by `identity.permissions`.
"""

import functools
from urllib.parse import urlencode

from django.shortcuts import redirect, render

from identity import permissions, services
from identity.middleware import OFFICIAL_SESSION_FLAG


def _redirect_with_next(view_name: str, request):
    from django.urls import reverse

    return redirect(f"{reverse(view_name)}?{urlencode({'next': request.get_full_path()})}")


# Why a 403, each with its own wording in backoffice/forbidden.html, so that an
# official can tell "I lack the role" (ask the administrator for it) from "this
# dossier is not my agencies'" (nobody here can act on it; find the right agency).
REASONS = ("not_official", "role", "not_yours")


def forbidden(request, reason: str, *, action: str = ""):
    """403 that says why: `not_official` (no agency membership), `role` (the official
    lacks the role for this page or `action`), `not_yours` (the dossier is neither
    received nor decided by, nor shared with, the official's agencies)."""
    if reason not in REASONS:
        raise ValueError(reason)
    return render(
        request, "backoffice/forbidden.html", {"reason": reason, "action": action}, status=403
    )


class NotYourDossier(Exception):
    """Raised by a back-office view when the dossier exists but belongs to none of the
    official's agencies: `official_required` answers with the `not_yours` page."""


class RoleRequired(Exception):
    """Raised by a back-office view when the official may see the dossier but lacks the
    role for `action`: `official_required` answers with the `role` page."""

    def __init__(self, action: str = ""):
        super().__init__(action)
        self.action = action


def official_required(view=None, *, roles=None):
    def decorator(view_func):
        @functools.wraps(view_func)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return _redirect_with_next("backoffice:login", request)
            if not permissions.remember_agency_roles(user):
                return forbidden(request, "not_official")
            # A verified session holds a confirmed device (django_otp checks it on
            # each request): only an unverified one needs to look for enrolment.
            if not user.is_verified():
                if services.otp_device_for(user) is None:
                    return _redirect_with_next("backoffice:otp-enrol", request)
                return _redirect_with_next("backoffice:otp-verify", request)
            if roles is not None and not permissions.agencies_for(user, roles):
                return forbidden(request, "role")
            # Officials' sessions expire sooner (identity.middleware).
            request.session[OFFICIAL_SESSION_FLAG] = True
            try:
                return view_func(request, *args, **kwargs)
            except NotYourDossier:
                return forbidden(request, "not_yours")
            except RoleRequired as refusal:
                return forbidden(request, "role", action=refusal.action)

        return wrapper

    return decorator(view) if view is not None else decorator
