"""Citizen account pages: sign-up, sign-in, contact verification, passwords, profile.

Interface only (STYLE R5): each view validates a form, calls one service from
`identity.services` and picks the response. Personal ID numbers never travel in a
URL: every form posts them.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from common import ratelimit
from identity import selectors, services
from identity.constants import BusinessRole, CodePurpose, VerificationLevel
from identity.errors import NotRepresentative
from identity.models import BusinessInvitation, BusinessMembership
from identity.sms import mask_phone
from identity.validators import mask_id_number, normalize_phone
from notifications.forms import preference_form
from portal import account_forms as forms
from web.forms import SignInForm

PASSWORD_BACKEND = "identity.backends.IdentifierBackend"  # noqa: S105 - a class path
RESET_SESSION_KEY = "identity_sms_reset_phone"
SIGN_UP_SESSION_KEY = "identity_sign_up"
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


def _too_many(form) -> None:
    form.add_error(None, _("Too many attempts. Please try again later."))


def _code_not_valid() -> str:
    # One message for a wrong, used, expired or over-tried code, and for no code at
    # all: a page that told them apart would tell whether an account exists.
    return _("The code is not correct or no longer valid. Check the SMS, or ask for a new code.")


def _mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else ""


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
    """Every valid sign-up gets the same answer, "check your phone and email", whether
    or not an account already has the ID number, email or phone: a worker sends the
    code and link, or tells the existing account's owner instead."""
    if request.user.is_authenticated:
        return redirect("portal:account")
    form = forms.CitizenSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not ratelimit.door_allowed(
            request,
            scope="sign-up",
            targets=[data["id_number"], data["email"], data["phone"]],
            limit=settings.ACCOUNT_DOOR_RATE,
        ):
            _too_many(form)
            return render(request, "registration/sign_up.html", {"form": form}, status=429)
        try:
            pending = services.sign_up_request(
                id_number=data["id_number"],
                full_name=data["full_name"],
                birth_date=data["birth_date"],
                sex=data["sex"],
                email=data["email"],
                phone=data["phone"],
                password=data["password1"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            request.session[SIGN_UP_SESSION_KEY] = {
                "id": str(pending.pk),
                "phone": mask_phone(pending.phone) if pending.phone else "",
                "email": _mask_email(pending.email),
            }
            return redirect("portal:sign-up-confirm")
    return render(request, "registration/sign_up.html", {"form": form})


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def sign_up_confirm(request):
    """The SMS code of a pending sign-up creates the account and signs the person in."""
    pending = request.session.get(SIGN_UP_SESSION_KEY)
    if not isinstance(pending, dict) or request.user.is_authenticated:
        return redirect("portal:sign-up")
    form = forms.PhoneCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and pending["phone"] and form.is_valid():
        if not ratelimit.door_allowed(
            request,
            scope="sign-up-confirm",
            targets=[pending["id"]],
            limit=settings.ACCOUNT_DOOR_RATE,
        ):
            _too_many(form)
            status = 429
        else:
            try:
                user = services.sign_up_confirm_by_phone(
                    sign_up_id=pending["id"], code=form.cleaned_data["code"], request=request
                )
            except services.CodeRejected:
                form.add_error("code", _code_not_valid())
            except services.SignUpTaken:
                del request.session[SIGN_UP_SESSION_KEY]
                messages.error(request, _sign_up_taken_message())
                return redirect("portal:login")
            else:
                del request.session[SIGN_UP_SESSION_KEY]
                login(request, user, backend=PASSWORD_BACKEND)
                messages.success(request, _("Your account is ready and your phone is confirmed."))
                return redirect("portal:account")
    return render(
        request,
        "registration/sign_up_confirm.html",
        {
            "form": form,
            "sign_up": pending,
            "code_minutes": settings.CONTACT_CODE_TTL_MINUTES,
            "link_hours": settings.EMAIL_LINK_TTL_HOURS,
        },
        status=status,
    )


def _sign_up_taken_message() -> str:
    # Reached only with the right code or link, so by the owner of that contact, and
    # only when another sign-up took the details in between.
    return _(
        "The account could not be created: meanwhile an account was created with this "
        "personal ID number, email or phone number, and its owner has been told. If it is "
        "yours, sign in or reset your password."
    )


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
            created = services.sign_up_confirm_by_email(token=token, request=request)
        except services.CodeRejected as rejected:
            return render(
                request, "portal/account/verify_email.html", {"error": rejected.message}, status=400
            )
        except services.SignUpTaken:
            return render(
                request,
                "portal/account/verify_email.html",
                {"error": _sign_up_taken_message()},
                status=400,
            )
        if created is not None:
            messages.success(
                request,
                _(
                    "Your account is ready and your email address is confirmed. Sign in with "
                    "your ID number, email or phone number and your password."
                ),
            )
            return redirect("portal:login")
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
            "invitations": selectors.invitations_pending_for(user),
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
        elif form.is_valid() and not ratelimit.door_allowed(
            request,
            scope="business-member-add",
            targets=[form.cleaned_data["member"]],
            limit=settings.ACCOUNT_DOOR_RATE,
        ):
            _too_many(form)
        elif form.is_valid():
            try:
                services.business_invitation_create(
                    business=business,
                    actor=request.user,
                    contact=form.cleaned_data["member"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                # The same answer whatever account uses the contact, or none.
                messages.success(
                    request,
                    _(
                        "Invitation sent to %(contact)s. The person becomes a member once "
                        "they accept it from their account."
                    )
                    % {"contact": form.cleaned_data["member"].strip()},
                )
                return redirect("portal:business-members", pk=business.pk)
    return render(
        request,
        "portal/account/business_members.html",
        status=403 if request.method == "POST" and not is_representative else 200,
        context={
            "business": business,
            "members": business.memberships.select_related("user").order_by("created_at"),
            "invitations": selectors.business_invitations_pending(business),
            "roles": BusinessRole.choices,
            "form": form,
            "is_representative": is_representative,
        },
    )


# --- Password reset ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def password_forgot(request):
    """One box for an email address or a phone number. The answer, and the work done
    in the request, are the same whether or not an account uses it: a worker sends
    the link or code (it would let anyone probe who has an account)."""
    form = forms.PasswordForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"].strip()
        if not ratelimit.door_allowed(
            request,
            scope="password-forgot",
            targets=[identifier],
            limit=settings.ACCOUNT_DOOR_RATE,
        ):
            _too_many(form)
            return render(request, "registration/password_forgot.html", {"form": form}, status=429)
        services.password_reset_request(identifier=identifier, request=request)
        if "@" in identifier:
            return redirect("portal:password-reset-done")
        request.session[RESET_SESSION_KEY] = normalize_phone(identifier)
        return redirect("portal:password-reset-sms")
    return render(request, "registration/password_forgot.html", {"form": form})


@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
def password_reset_sms(request):
    phone = request.session.get(RESET_SESSION_KEY)
    if not isinstance(phone, str):
        return redirect("portal:password-forgot")
    form = forms.SmsPasswordResetForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not ratelimit.door_allowed(
            request,
            scope="password-reset-code",
            targets=[phone],
            limit=settings.ACCOUNT_DOOR_RATE,
        ):
            _too_many(form)
            status = 429
        else:
            try:
                services.password_reset_by_sms(
                    phone=phone,
                    code=form.cleaned_data["code"],
                    new_password=form.cleaned_data["new_password1"],
                    request=request,
                )
            except services.CodeRejected:
                form.add_error("code", _code_not_valid())
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                del request.session[RESET_SESSION_KEY]
                messages.success(request, _("Your password is changed. Sign in with it."))
                return redirect("portal:login")
    return render(request, "registration/password_reset_sms.html", {"form": form}, status=status)


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


@login_required
@require_POST
def business_invitation_revoke(request, pk, invitation_pk):
    business = selectors.businesses_for(request.user).filter(pk=pk).first()
    invitation = (
        business
        and selectors.business_invitations_pending(business).filter(pk=invitation_pk).first()
    )
    if invitation is None:
        raise Http404
    try:
        services.business_invitation_revoke(invitation=invitation, actor=request.user)
    except NotRepresentative:
        messages.error(request, _("Only the legal representative can revoke invitations."))
    else:
        messages.success(
            request,
            _("The invitation to %(contact)s is revoked.") % {"contact": invitation.contact},
        )
    return redirect("portal:business-members", pk=pk)


@login_required
@require_POST
def business_invitation_answer(request, invitation_pk, answer):
    """Accept or decline an invitation addressed to a verified contact of the signed-in
    person; anyone else's is a 404, like one that does not exist."""
    service = {
        "accept": services.business_invitation_accept,
        "decline": services.business_invitation_decline,
    }[answer]
    try:
        result = service(invitation_id=invitation_pk, user=request.user)
    except BusinessInvitation.DoesNotExist as missing:
        raise Http404 from missing
    except services.InvitationNotValid:
        messages.error(request, _("This invitation is no longer valid."))
        return redirect("portal:account")
    if answer == "accept":
        messages.success(
            request, _("You now act for %(business)s.") % {"business": result.business.name}
        )
        return redirect("portal:business-members", pk=result.business_id)
    messages.success(request, _("The invitation is declined."))
    return redirect("portal:account")
