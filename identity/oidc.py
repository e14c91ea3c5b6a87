"""Single sign-on with the national identity platform (OpenID Connect).

mozilla-django-oidc runs the authorisation-code flow (with PKCE) and checks the ID
token; this backend maps the person by their personal ID number claim: the account
with that ID number is signed in (and linked on first use), or a new level-1 account
is created from the claims.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from identity.constants import AccountEventKind, Sex
from identity.validators import ID_NUMBER_RE, normalize_id_number

logger = logging.getLogger(__name__)


class NationalIdentityBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # Django instantiates every backend on each password sign-in too: stay inert
        # (and do not demand OIDC settings) while single sign-on is switched off.
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED or "username" in kwargs or "password" in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)

    @staticmethod
    def _id_number(claims) -> str:
        return normalize_id_number(str(claims.get(settings.OIDC_ID_NUMBER_CLAIM, "")))

    def verify_claims(self, claims):
        return bool(ID_NUMBER_RE.match(self._id_number(claims))) and bool(claims.get("sub"))

    def describe_user_by_claims(self, claims):
        return "an ID number claim"  # never the number itself: it ends up in logs

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(id_number=self._id_number(claims))

    def create_user(self, claims):
        from identity import services

        User = self.UserModel
        email = (claims.get("email") or "").strip()
        if email and User.objects.filter(email__iexact=email).exists():
            email = ""  # another account owns it: the person can add it later
        with transaction.atomic():
            user = User(
                username=services.new_username("sso"),
                id_number=self._id_number(claims),
                full_name=(claims.get("name") or "").strip(),
                birth_date=_parse_date(claims.get("birthdate")),
                sex=claims.get("gender") if claims.get("gender") in Sex.values else "",
                email=email,
                oidc_subject=str(claims["sub"]),
            )
            user.set_unusable_password()
            user.save()
            services.account_event_record(
                user=user,
                kind=AccountEventKind.SIGNED_UP,
                request=self.request,
                data={"method": "oidc"},
            )
            services.account_event_record(
                user=user, kind=AccountEventKind.OIDC_LINKED, request=self.request
            )
        return user

    def update_user(self, user, claims):
        from identity import services

        subject = str(claims["sub"])
        if user.oidc_subject and user.oidc_subject != subject:
            raise SuspiciousOperation("account already linked to another subject")
        if not user.oidc_subject:
            with transaction.atomic():
                user.oidc_subject = subject
                user.save(update_fields=["oidc_subject"])
                services.account_event_record(
                    user=user, kind=AccountEventKind.OIDC_LINKED, request=self.request
                )
        return user


def _parse_date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
