"""Sessions end after inactivity: officials' sooner than citizens'."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY

OFFICIAL_SESSION_FLAG = "identity_official"


class SessionIdleTimeoutMiddleware:
    """Slide the session expiry on every request of a signed-in person.

    The flag is set when an official passes the back-office gate, so this costs no
    query per request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        # Only a sign-in this session holds: a partner API call is authenticated by its
        # key, with no session, and sliding one would create a new session per call.
        if (
            session is not None
            and user is not None
            and user.is_authenticated
            and session.get(SESSION_KEY) is not None
        ):
            idle = (
                settings.OFFICIAL_SESSION_IDLE_SECONDS
                if session.get(OFFICIAL_SESSION_FLAG)
                else settings.SESSION_IDLE_SECONDS
            )
            session.set_expiry(idle)
        return response


# Session key: [user pk, whether that account must confirm a TOTP code]. Asked once
# per session (one query), not on every request of every citizen.
SECOND_FACTOR_SESSION_KEY = "identity_second_factor"


def _second_factor_required(request) -> bool:
    user = request.user
    remembered = request.session.get(SECOND_FACTOR_SESSION_KEY)
    if isinstance(remembered, list) and len(remembered) == 2 and remembered[0] == user.pk:
        return bool(remembered[1])
    from identity.permissions import is_official

    required = bool(user.is_staff or user.is_superuser or is_official(user))
    request.session[SECOND_FACTOR_SESSION_KEY] = [user.pk, required]
    return required


class SecondFactorPendingMiddleware:
    """An official or staff member who gave the password but not yet a TOTP code is
    half signed in: every page but the code step, the enrolment, signing in and out
    sends them to the code step (portal pages too: the account is the same).

    Must follow django_otp's OTPMiddleware (which sets `user.is_verified`).
    """

    # URL names that stay open while the second factor is pending.
    OPEN = (
        "backoffice:otp-verify",
        "backoffice:otp-enrol",
        # Signing in again (as someone else) replaces the half-signed-in session.
        "backoffice:login",
        "portal:login",
        "backoffice:logout",
        "portal:logout",
        "set_language",
        "healthz",
        "readyz",
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def _open(self):
        if self._open_paths is None:
            from django.urls import reverse

            self._open_paths = frozenset(reverse(name) for name in self.OPEN)
        return self._open_paths

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and request.path not in self._open()
            and not request.path.startswith(settings.STATIC_URL)
            and _second_factor_required(request)
        ):
            return self._to_second_factor(request)
        return self.get_response(request)

    @staticmethod
    def _to_second_factor(request):
        from urllib.parse import urlencode

        from django.http import HttpResponseForbidden
        from django.shortcuts import redirect
        from django.urls import reverse

        from identity.services import otp_device_for

        target = "backoffice:otp-verify" if otp_device_for(request.user) else "backoffice:otp-enrol"
        # After a form post, the page the form was on is unknown: the back office's home.
        next_url = (
            request.get_full_path() if request.method == "GET" else reverse("backoffice:home")
        )
        if request.headers.get("HX-Request") == "true":
            # A fragment (the notification bell polled by the code page's own header):
            # htmx swaps nothing on a 403, so the code page stays as it is.
            return HttpResponseForbidden()
        return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
