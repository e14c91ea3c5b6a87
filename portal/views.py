"""Citizen-facing pages.

Interface only (STYLE R1/R5): views pick a template and, later, call selectors and
services from the domain apps. The catalogue (/thu-tuc/) lives in
`portal.catalogue_views`; the public lookup (/tra-cuu/) is a placeholder until its
issue lands; URL names are stable.
"""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.views.decorators.http import require_GET

MAX_QUERY_LENGTH = 200


@require_GET
def home(request):
    return render(request, "portal/home.html")


@require_GET
def lookup(request):
    """Public status lookup by dossier code (`?ma=`). Placeholder for now."""
    code = request.GET.get("ma", "").strip()[:MAX_QUERY_LENGTH]
    return render(request, "portal/lookup.html", {"code": code})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django >= 5.0); redirects to the home page."""

    next_page = "portal:home"
