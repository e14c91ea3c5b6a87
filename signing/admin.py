"""Signing certificates in Django admin: an agency admin adds one for their agency or
one of its officials by uploading a PKCS#12 file and its password (checked, then kept
encrypted and never shown again), or registers a remote signing service's
certificate. Certificates are never edited: a new one replaces the one in use."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from identity.permissions import administered_agency_ids
from procedures.models import Agency
from signing import services
from signing.certificates import CertificateError
from signing.models import SignerKind, SigningCertificate


class CertificateAddForm(forms.ModelForm):
    pkcs12_file = forms.FileField(label=_("PKCS#12 file (.p12, .pfx)"), required=False)
    password = forms.CharField(
        label=_("Password of the file"), required=False, widget=forms.PasswordInput
    )
    certificate_file = forms.FileField(
        label=_("Public certificate (PEM or DER) of the key held by the signing service"),
        required=False,
    )
    token = forms.CharField(
        label=_("Access token of the signing service"),
        required=False,
        widget=forms.PasswordInput,
    )

    class Meta:
        model = SigningCertificate
        fields = ["agency", "official", "kind", "remote_url"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if request is not None and not request.user.is_superuser:
            ids = administered_agency_ids(request.user)
            self.fields["agency"].queryset = Agency.objects.filter(pk__in=ids)
            self.fields["official"].queryset = (
                get_user_model().objects.filter(official_memberships__agency_id__in=ids).distinct()
            )

    def clean(self):
        data = super().clean()
        if bool(data.get("agency")) == bool(data.get("official")):
            raise ValidationError(_("Give either an agency or an official, not both."))
        holder = {"agency": data.get("agency"), "official": data.get("official")}
        try:
            if data.get("kind") == SignerKind.REMOTE:
                if not data.get("certificate_file") or not data.get("remote_url"):
                    raise ValidationError(
                        _("Give the certificate and the address of the signing service.")
                    )
                self.instance = services.certificate_add_remote(
                    certificate=data["certificate_file"].read(),
                    url=data["remote_url"],
                    token=data.get("token") or "",
                    by=self.request.user if self.request else None,
                    **holder,
                )
            else:
                if not data.get("pkcs12_file"):
                    raise ValidationError(_("Upload the PKCS#12 file and its password."))
                self.instance = services.certificate_add_local(
                    pkcs12=data["pkcs12_file"].read(),
                    password=data.get("password") or "",
                    by=self.request.user if self.request else None,
                    **holder,
                )
        except CertificateError as error:
            raise ValidationError(str(error)) from None
        return data


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    list_display = ["common_name", "agency", "official", "kind", "active", "not_after"]
    list_filter = ["kind", "active"]
    readonly_fields = [
        "agency",
        "official",
        "kind",
        "active",
        "subject",
        "issuer",
        "serial",
        "fingerprint",
        "not_before",
        "not_after",
        "remote_url",
        "created_at",
        "created_by",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("agency", "official")
        if request.user.is_superuser:
            return qs
        ids = administered_agency_ids(request.user)
        return (
            qs.filter(agency_id__in=ids)
            | qs.filter(official__official_memberships__agency_id__in=ids).distinct()
        )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form = CertificateAddForm

            class Bound(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, request=request, **kw)

            return Bound
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "agency",
                "official",
                "kind",
                "pkcs12_file",
                "password",
                "certificate_file",
                "remote_url",
                "token",
            ]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        pass  # the service saved it while the form was checked

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
