"""Citizen account pages: sign-up, sign-in, contact verification, passwords, profile.

Interface only (STYLE R5): each view validates a form, calls one service from
`identity.services` and picks the response. Personal ID numbers never travel in a
URL: every form posts them.
"""

import contextlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from common import ratelimit
from identity import selectors, services
from identity.constants import BusinessRole, CodePurpose, VerificationLevel
from identity.errors import NotRepresentative
from identity.models import BusinessMembership
from identity.validators import PHONE_RE, mask_id_number, normalize_phone
from notifications.forms import preference_form
from portal import account_forms as forms
from web.forms import SignInForm

PASSWORD_BACKEND = "identity.backends.IdentifierBackend"  # noqa: S105 - a class path
RESET_SESSION_KEY = "identity_sms_reset_user"
SENSITIVE = (
    "password",
    "password1",
    "password2",
    "new_password1",
    "new_password2",
    "old_password",
    "id_number",
    "code",
)


def _wait_message(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes:
        return _("Please wait %(minutes)s min %(seconds)s s before asking for a new code.") % {
            "minutes": minutes,
            "seconds": rest,
        }
    return _("Please wait %(seconds)s seconds before asking for a new code.") % {"seconds": rest}


def _apply_errors(form, error: ValidationError) -> None:
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _door_allowed(request, *, scope: str, target: str, limit: int, window: int = 3600) -> bool:
    """A door that names an account: `limit` tries per `window` per client address and
    per typed target (hashed: it may be a phone number), whether or not an account
    answers to it, so the limit itself tells nothing."""
    target_key = salted_hmac("portal.door", target.strip().lower()).hexdigest()[:32]
    by_address = ratelimit.request_allowed(request, scope=scope, limit=limit, window=window)
    by_target = ratelimit.hit(scope=f"{scope}-target", key=target_key, limit=limit, window=window)
    return by_address and by_target


def _find_by_contact(value: str):
    """An account by email or phone only (never by ID number: no probing for them)."""
    value = value.strip()
    if "@" not in value and not PHONE_RE.match(normalize_phone(value)):
        return None
    return selectors.user_find_by_identifier(value)


# --- Sign in / out ----------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context


class LogoutView(auth_views.LogoutView):
    """POST only (Django >= 5.0); redirects to the home page."""

    next_page = "portal:home"


# --- Sign-up and contact verification ---------------------------------------------------


@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("portal:account")
    form = forms.CitizenSignUpForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and not _door_allowed(
            request,
            scope="sign-up",
            target=form.cleaned_data["id_number"],
            limit=settings.ACCOUNT_DOOR_RATE,
        )
    ):
        form.add_error(None, _("Too many attempts. Please try again later."))
        return render(request, "registration/sign_up.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.citizen_sign_up(
                id_number=data["id_number"],
                full_name=data["full_name"],
                birth_date=data["birth_date"],
                sex=data["sex"],
                email=data["email"],
                phone=data["phone"],
                password=data["password1"],
                request=request,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            login(request, user, backend=PASSWORD_BACKEND)
            messages.success(request, _("Your account is ready. Please confirm your contacts."))
            return redirect("portal:verify-contacts")
    return render(request, "registration/sign_up.html", {"form": form})


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def verify_contacts(request):
    user = request.user
    form = forms.PhoneCodeForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "verify-phone":
            form = forms.PhoneCodeForm(request.POST)
            if form.is_valid():
                try:
                    services.phone_verify(
                        user=user, code=form.cleaned_data["code"], request=request
                    )
                except services.CodeRejected as rejected:
                    form.add_error("code", rejected.message)
                else:
                    messages.success(request, _("Your phone number is confirmed."))
                    return redirect("portal:verify-contacts")
        elif action == "resend-phone" and user.phone and not user.phone_verified_at:
            try:
                services.contact_code_send(
                    user=user, purpose=CodePurpose.VERIFY_PHONE, request=request
                )
            except services.RateLimited as limited:
                messages.error(request, _wait_message(limited.wait_seconds))
            else:
                messages.success(request, _("A new code is on its way to your phone."))
            return redirect("portal:verify-contacts")
        elif action == "resend-email" and user.email and not user.email_verified_at:
            try:
                services.email_verification_send(user=user, request=request)
            except services.RateLimited as limited:
                messages.error(request, _wait_message(limited.wait_seconds))
            else:
                messages.success(request, _("A new link is on its way to your email."))
            return redirect("portal:verify-contacts")
    return render(request, "portal/account/verify_contacts.html", {"form": form})


@require_http_methods(["GET", "POST"])
def verify_email(request, token):
    # GET only shows a button: mail scanners that open links must not use up the token.
    if request.method == "POST":
        try:
            services.email_verify(token=token, request=request)
        except services.CodeRejected as rejected:
            return render(
                request, "portal/account/verify_email.html", {"error": rejected.message}, status=400
            )
        messages.success(request, _("Your email address is confirmed."))
        return redirect("portal:account" if request.user.is_authenticated else "portal:login")
    return render(request, "portal/account/verify_email.html", {})


# --- Profile ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def account(request):
    user = request.user
    memberships = BusinessMembership.objects.filter(user=user).select_related("business")
    return render(
        request,
        "portal/account/profile.html",
        {
            "memberships": memberships,
            "history": selectors.sign_in_history(user),
            "level2": user.verification_level == VerificationLevel.REGISTRY_VERIFIED,
            "masked_id_number": mask_id_number(user.id_number or ""),
            "notification_form": preference_form(user),
        },
    )


@login_required
@require_POST
def verify_identity(request):
    outcome = services.registry_verify(user=request.user, request=request)
    if outcome.status == "verified":
        messages.success(
            request,
            _("Your identity is verified with the national population database (level 2)."),
        )
    elif outcome.status == "mismatch":
        if "id_number" in outcome.fields:
            messages.error(
                request,
                _(
                    "The population database has no person with this ID number. Check it with "
                    "the help desk."
                ),
            )
        else:
            messages.error(
                request,
                _(
                    "Your name or date of birth does not match the population database. Check "
                    "them on your identity card; the help desk can correct your account."
                ),
            )
    else:
        messages.warning(
            request,
            _(
                "The population database cannot be reached right now. Your account stays at "
                "level 1; please try again later."
            ),
        )
    return redirect("portal:account")


@sensitive_post_parameters(*SENSITIVE)
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = forms.PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"], request=request
        )
        messages.success(request, _("Your password is changed. Other devices are signed out."))
        return redirect("portal:account")
    return render(request, "portal/account/password_change.html", {"form": form})


@login_required
@require_POST
def sign_out_everywhere(request):
    services.sign_out_everywhere(user=request.user, request=request)
    logout(request)
    messages.success(request, _("You are signed out on every device."))
    return redirect("portal:login")


# --- Businesses -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def business_sign_up(request):
    form = forms.BusinessSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            business = services.business_register(
                user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": business.name})
            return redirect("portal:account")
    return render(request, "portal/account/business_sign_up.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def business_members(request, pk):
    business = selectors.businesses_for(request.user).filter(pk=pk).first()
    if business is None:
        raise Http404
    is_representative = selectors.is_business_representative(business, request.user)
    form = forms.BusinessMemberForm(request.POST or None)
    if request.method == "POST":
        if not is_representative:
            form.add_error(None, _("Only the legal representative can add members."))
        elif form.is_valid() and not _door_allowed(
            request,
            scope="business-member-add",
            target=form.cleaned_data["member"],
            limit=settings.ACCOUNT_DOOR_RATE,
        ):
            form.add_error(None, _("Too many attempts. Please try again later."))
        elif form.is_valid():
            member = _find_by_contact(form.cleaned_data["member"])
            # The same answer whether or not someone uses this contact: the form must
            # not tell a stranger's email or phone from a customer's.
            added = _(
                "If an account uses this email or phone number, it is now a member. "
                "Check the list below."
            )
            if member is None:
                messages.success(request, added)
                return redirect("portal:business-members", pk=business.pk)
            else:
                try:
                    services.business_member_add(
                        business=business,
                        actor=request.user,
                        member=member,
                        role=form.cleaned_data["role"],
                        request=request,
                    )
                except ValidationError as error:
                    form.add_error("member", error.message_dict.get("member"))
                else:
                    messages.success(request, added)
                    return redirect("portal:business-members", pk=business.pk)
    return render(
        request,
        "portal/account/business_members.html",
        status=403 if request.method == "POST" and not is_representative else 200,
        context={
            "business": business,
            "members": business.memberships.select_related("user").order_by("created_at"),
            "roles": BusinessRole.choices,
            "form": form,
            "is_representative": is_representative,
        },
    )


# --- Password reset ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def password_forgot(request):
    """One box for an email address or a phone number; the answer never says whether
    an account exists (it would let anyone probe who has one)."""
    form = forms.PasswordForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"].strip()
        if not _door_allowed(
            request, scope="password-forgot", target=identifier, limit=settings.ACCOUNT_DOOR_RATE
        ):
            form.add_error(None, _("Too many attempts. Please try again later."))
            return render(request, "registration/password_forgot.html", {"form": form}, status=429)
        if "@" in identifier:
            reset_form = PasswordResetForm({"email": identifier})
            if reset_form.is_valid():
                reset_form.save(
                    request=request,
                    use_https=request.is_secure(),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    email_template_name="registration/password_reset_email.txt",
                    subject_template_name="registration/password_reset_subject.txt",
                )
            return redirect("portal:password-reset-done")
        user = _find_by_contact(identifier)
        if user is not None and user.phone:
            # A pause between codes is said to nobody: "wait" would tell that this phone
            # has an account. The last code sent still works.
            with contextlib.suppress(services.RateLimited):
                services.contact_code_send(
                    user=user, purpose=CodePurpose.RESET_PASSWORD, request=request
                )
            request.session[RESET_SESSION_KEY] = user.pk
        else:
            request.session[RESET_SESSION_KEY] = None
        return redirect("portal:password-reset-sms")
    return render(request, "registration/password_forgot.html", {"form": form})


@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def password_reset_sms(request):
    if RESET_SESSION_KEY not in request.session:
        return redirect("portal:password-forgot")
    user_pk = request.session.get(RESET_SESSION_KEY)
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first() if user_pk else None
    form = forms.SmsPasswordResetForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if user is None:
            form.add_error("code", services.CodeRejected("wrong").message)
        else:
            try:
                services.password_reset_by_sms(
                    user=user,
                    code=form.cleaned_data["code"],
                    new_password=form.cleaned_data["new_password1"],
                    request=request,
                )
            except services.CodeRejected as rejected:
                form.add_error("code", rejected.message)
            else:
                del request.session[RESET_SESSION_KEY]
                messages.success(request, _("Your password is changed. Sign in with it."))
                return redirect("portal:login")
    return render(request, "registration/password_reset_sms.html", {"form": form})


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("portal:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_by_email_record(user=form.user, request=self.request)
        messages.success(self.request, _("Your password is changed. Sign in with it."))
        return response


def _membership_for(request, pk, member_pk):
    """The membership `member_pk` of a business the signed-in person belongs to, or 404."""
    business = selectors.businesses_for(request.user).filter(pk=pk).first()
    membership = (
        business
        and business.memberships.select_related("user", "business").filter(pk=member_pk).first()
    )
    if membership is None:
        raise Http404
    return membership


@login_required
@require_POST
def business_member_role(request, pk, member_pk):
    membership = _membership_for(request, pk, member_pk)
    try:
        services.business_member_role_change(
            membership=membership,
            actor=request.user,
            role=request.POST.get("role", ""),
            request=request,
        )
    except NotRepresentative:
        messages.error(request, _("Only the legal representative can change roles."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The role of %(name)s has been changed.") % {"name": membership.user}
        )
    return redirect("portal:business-members", pk=pk)


@login_required
@require_POST
def business_member_remove(request, pk, member_pk):
    membership = _membership_for(request, pk, member_pk)
    leaving = membership.user_id == request.user.pk
    try:
        services.business_member_remove(membership=membership, actor=request.user, request=request)
    except NotRepresentative:
        messages.error(request, _("Only the legal representative can remove members."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if leaving:
            messages.success(
                request, _("You have left %(business)s.") % {"business": membership.business}
            )
            return redirect("portal:account")
        messages.success(request, _("%(name)s has been removed.") % {"name": membership.user})
    return redirect("portal:business-members", pk=pk)


@sensitive_post_parameters("current_password")
@login_required
@require_http_methods(["GET", "POST"])
def contact_change(request):
    user = request.user
    form = forms.ContactChangeForm(
        request.POST or None, user=user, initial={"email": user.email, "phone": user.phone}
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.contact_change(
                user=user,
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                request=request,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if not changed:
                messages.info(request, _("Nothing was changed."))
                return redirect("portal:account")
            messages.success(
                request, _("Your contact details were changed. Please confirm the new ones.")
            )
            return redirect("portal:verify-contacts")
    return render(request, "portal/account/contact_change.html", {"form": form})
