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


def forbidden(request, reason: str):
    """403 that says why: `not_official` (no agency membership) or `role`."""
    return render(request, "backoffice/forbidden.html", {"reason": reason}, status=403)


def official_required(view=None, *, roles=None):
    def decorator(view_func):
        @functools.wraps(view_func)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return _redirect_with_next("backoffice:login", request)
            if not permissions.is_official(user):
                return forbidden(request, "not_official")
            if services.otp_device_for(user) is None:
                return _redirect_with_next("backoffice:otp-enrol", request)
            if not user.is_verified():
                return _redirect_with_next("backoffice:otp-verify", request)
            if roles is not None and not permissions.agencies_for(user, roles):
                return forbidden(request, "role")
            # Officials' sessions expire sooner (identity.middleware).
            request.session[OFFICIAL_SESSION_FLAG] = True
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator
