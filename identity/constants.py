"""Choices of the identity app. Identifiers in English; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class VerificationLevel(models.IntegerChoices):
    # Level 1: the person typed their identity; level 2: the national population
    # registry confirmed it (the "mức độ 2" of the national identity scheme).
    SELF_DECLARED = 1, _("Level 1 (self-declared)")
    REGISTRY_VERIFIED = 2, _("Level 2 (verified with the population registry)")


class OfficialRole(models.TextChoices):
    RECEPTIONIST = "receptionist", _("Receptionist (one-stop desk)")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")


# The Django admin group of agency administrators. Its permissions are exactly
# AGENCY_ADMIN_PERMISSIONS; which officials they may touch is decided per object
# (identity.permissions.may_manage_official), never by the group.
AGENCY_ADMIN_GROUP = "Agency administrators"
AGENCY_ADMIN_PERMISSIONS = (
    ("identity", "view_user"),
    ("identity", "add_user"),
    ("identity", "change_user"),
    ("identity", "view_officialmembership"),
    ("identity", "add_officialmembership"),
    ("identity", "change_officialmembership"),
    ("identity", "delete_officialmembership"),
    # Their agencies' and officials' signing certificates (signing/admin.py scopes them).
    ("signing", "view_signingcertificate"),
    ("signing", "add_signingcertificate"),
)


class BusinessRole(models.TextChoices):
    REPRESENTATIVE = "representative", _("Legal representative")
    STAFF = "staff", _("Staff")


class CodePurpose(models.TextChoices):
    VERIFY_PHONE = "verify_phone", _("Verify phone number")
    VERIFY_EMAIL = "verify_email", _("Verify email address")
    RESET_PASSWORD = "reset_password", _("Reset password")


class AccountEventKind(models.TextChoices):
    """Past tense: each row records something that happened to an account."""

    SIGNED_UP = "signed_up", _("Signed up")
    SIGNED_IN = "signed_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out")
    SIGNED_OUT = "signed_out", _("Signed out")
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", _("Signed out everywhere")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset")
    CONTACT_CODE_SENT = "contact_code_sent", _("Verification code sent")
    CONTACT_VERIFIED = "contact_verified", _("Contact verified")
    CONTACT_CHANGED = "contact_changed", _("Contact details changed")
    REGISTRY_VERIFIED = "registry_verified", _("Verified with the population registry")
    REGISTRY_MISMATCH = "registry_mismatch", _("Population registry mismatch")
    REGISTRY_UNAVAILABLE = "registry_unavailable", _("Population registry unavailable")
    OTP_ENROLLED = "otp_enrolled", _("Second factor enrolled")
    OTP_VERIFIED = "otp_verified", _("Second factor verified")
    OTP_FAILED = "otp_failed", _("Second factor failed")
    OTP_LOCKED_OUT = "otp_locked_out", _("Second factor locked out")
    OTP_RESET = "otp_reset", _("Second factor reset")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    BUSINESS_REGISTERED = "business_registered", _("Business registered")
    BUSINESS_MEMBER_ADDED = "business_member_added", _("Business member added")
    BUSINESS_MEMBER_ROLE_CHANGED = (
        "business_member_role_changed",
        _("Business member's role changed"),
    )
    BUSINESS_MEMBER_REMOVED = "business_member_removed", _("Business member removed")
    OIDC_LINKED = "oidc_linked", _("Linked to single sign-on")
    DEACTIVATED = "deactivated", _("Account deactivated")
    REACTIVATED = "reactivated", _("Account reactivated")


class SignInMethod(models.TextChoices):
    PASSWORD = "password", _("Password")
    OIDC = "oidc", _("National identity platform (single sign-on)")
