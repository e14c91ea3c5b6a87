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
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Strings of Django's admin templates that its Vietnamese catalogue lacks (screen-reader
# labels, the filter counts link). Named here so that `make messages` keeps their
# translations in locale/vi, which Django reads before its own catalogue.
DJANGO_ADMIN_STRINGS = (
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)


def _verified(user) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


class MotCuaAdminSite(admin.AdminSite):
    site_header = _("MotCua administration")
    site_title = _("MotCua administration")
    index_title = _("Catalogue, agencies and accounts")

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
