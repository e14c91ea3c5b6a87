"""Password sign-in with a personal ID number, an email address or a phone number."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from identity.selectors import user_find_by_identifier


class IdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = user_find_by_identifier(username)
        if user is None:
            # Same work as a real check, so timing does not reveal which names exist.
            self._run_hasher(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    @staticmethod
    def _run_hasher(password: str) -> None:
        from django.contrib.auth import get_user_model

        get_user_model()().set_password(password)


class AxesBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come from a web request.

    Calls without a request (management commands, the test client's `login`) have no
    client address to throttle and pass through to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
