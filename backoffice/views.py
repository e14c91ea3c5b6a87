"""Official-facing pages.

Interface only (STYLE R1/R5). Officials sign in here with the same accounts as the
portal, then confirm a TOTP code (enrolling an authenticator app the first time).
The queues and the dossier workbench live in `backoffice.queue_views`.
"""

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from backoffice.forms import OfficialSignInForm, OtpForm
from backoffice.gate import forbidden
from identity import permissions, services


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("backoffice:home")


class LoginView(auth_views.LoginView):
    template_name = "backoffice/login.html"
    authentication_form = OfficialSignInForm

    def get_default_redirect_url(self):
        return reverse("backoffice:home")


class LogoutView(auth_views.LogoutView):
    next_page = "backoffice:login"


def _otp_precheck(request):
    """Who may see the OTP pages: officials, and staff on their way to Django admin."""
    if not (permissions.is_official(request.user) or request.user.is_staff):
        return forbidden(request, "not_official")
    return None


@sensitive_post_parameters("token")
@login_required(login_url="backoffice:login")
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    if (refusal := _otp_precheck(request)) is not None:
        return refusal
    device = services.otp_device_for(request.user)
    if device is None:
        return redirect(f"{reverse('backoffice:otp-enrol')}?next={_next_url(request)}")
    form = OtpForm(request.POST or None)
    confirmed, locked_minutes = _confirm_code(request, device, form)
    if confirmed is not None:
        return confirmed
    status = 429 if locked_minutes else 200
    return render(
        request,
        "backoffice/otp_verify.html",
        {"form": form, "next": _next_url(request), "locked_minutes": locked_minutes},
        status=status,
    )


def _confirm_code(request, device, form):
    """Check a posted code against `device`: (redirect onwards | None, minutes locked).
    A wrong code becomes an error on the form; a right one verifies the session."""
    if request.method != "POST" or not form.is_valid():
        return None, 0
    try:
        ok = services.otp_check(
            user=request.user, device=device, token=form.cleaned_data["token"], request=request
        )
    except services.OtpLocked as locked:
        return None, locked.minutes
    if ok:
        otp_login(request, device)
        return redirect(_next_url(request)), 0
    form.add_error("token", _wrong_code_message())
    return None, 0


def _wrong_code_message():
    from django.utils.translation import gettext as _

    return _("The code is not correct. Use the current code shown by your app.")


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


@sensitive_post_parameters("token")
@login_required(login_url="backoffice:login")
@require_http_methods(["GET", "POST"])
def otp_enrol(request):
    if (refusal := _otp_precheck(request)) is not None:
        return refusal
    if services.otp_device_for(request.user) is not None:
        return redirect(f"{reverse('backoffice:otp-verify')}?next={_next_url(request)}")
    device = services.otp_device_for(request.user, confirmed=False)
    if device is None or request.method == "GET":
        device = services.otp_enrolment_start(user=request.user)
    form = OtpForm(request.POST or None)
    confirmed, locked_minutes = _confirm_code(request, device, form)
    if confirmed is not None:
        return confirmed
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "backoffice/otp_enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - our own SVG
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "locked_minutes": locked_minutes,
        },
        status=429 if locked_minutes else 200,
    )
