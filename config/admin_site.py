"""Django admin behind the same second factor as the back office.

Catalogue admins and superusers can change every procedure and every official's
roles, so a password alone must not be enough. A staff member who signed in with a
password but has not confirmed a TOTP code in this session is sent to the back
office's code page (or its enrolment page the first time) and comes back afterwards.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import redirect
from django.urls import reverse


def _verified(user) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


class MotCuaAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and _verified(request.user)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not _verified(user):
            from identity.services import otp_device_for

            target = "backoffice:otp-verify" if otp_device_for(user) else "backoffice:otp-enrol"
            next_url = request.GET.get("next") or reverse("admin:index")
            return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
        return super().login(request, extra_context)


class MotCuaAdminConfig(AdminConfig):
    """The admin, and the `config` package's start-up hooks (it has no app of its own)."""

    default_site = "config.admin_site.MotCuaAdminSite"

    def ready(self):
        super().ready()
        from config import checks  # noqa: F401  (registers the deploy checks)
