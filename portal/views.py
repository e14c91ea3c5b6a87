"""Citizen-facing pages.

Interface only (STYLE R1/R5): views pick a template and, later, call selectors and
services from the domain apps. The catalogue (/thu-tuc/) lives in
`portal.catalogue_views`, accounts in `portal.account_views`, dossiers and the public
lookup (/tra-cuu/) in `portal.dossier_views`; URL names are stable.
"""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def home(request):
    return render(request, "portal/home.html")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django >= 5.0); redirects to the home page."""

    next_page = "portal:home"
