"""Sessions end after inactivity: officials' sooner than citizens'."""

from django.conf import settings

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
        if session is not None and user is not None and user.is_authenticated:
            idle = (
                settings.OFFICIAL_SESSION_IDLE_SECONDS
                if session.get(OFFICIAL_SESSION_FLAG)
                else settings.SESSION_IDLE_SECONDS
            )
            session.set_expiry(idle)
        return response
