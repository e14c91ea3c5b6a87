"""Signing certificates in Django admin: an agency admin adds one for their agency (its
seal) or one of its officials (a leader) by uploading a PKCS#12 file and its password,
or registers the certificate of a key held by a remote signing service. The file is
checked while the form is validated (nothing is written until it passes), then kept
encrypted; the password, the file and the token are never shown again. Certificates
are never edited: a new one replaces the one in use. Another agency's certificate is
not found (404)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from identity.permissions import administered_agency_ids, officials_in
from procedures.models import Agency
from signing import certificates, services
from signing.certificates import CertificateError
from signing.models import SignerKind, SigningCertificate

# A PKCS#12 file or a certificate chain is a few kilobytes; anything far larger is not one.
MAX_UPLOAD_BYTES = 256 * 1024


def _administered(request) -> set[int]:
    if not hasattr(request, "_signing_administered"):
        request._signing_administered = administered_agency_ids(request.user)
    return request._signing_administered


class CertificateAddForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("Signer"),
        choices=SignerKind.choices,
        initial=SignerKind.LOCAL,
        widget=forms.RadioSelect,
    )
    pkcs12_file = forms.FileField(
        label=_("PKCS#12 file (.p12, .pfx)"),
        required=False,
        help_text=_("The file holding the private key and its certificate."),
    )
    password = forms.CharField(
        label=_("Password of the file"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Kept encrypted with the file; never shown again."),
    )
    certificate_file = forms.FileField(
        label=_("Public certificate (PEM or DER) of the key held by the signing service"),
        required=False,
    )
    remote_url = forms.URLField(
        label=_("signing service address"), required=False, assume_scheme="https"
    )
    token = forms.CharField(
        label=_("Access token of the signing service"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )

    class Meta:
        model = SigningCertificate
        fields = ["agency", "official", "kind", "remote_url"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if request is not None and not request.user.is_superuser:
            ids = _administered(request)
            self.fields["agency"].queryset = Agency.objects.filter(pk__in=ids).order_by("code")
            self.fields["official"].queryset = officials_in(ids).order_by("full_name")
        self._parsed = None

    def _read(self, field: str) -> bytes:
        upload = self.cleaned_data.get(field)
        if not upload:
            return b""
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("This file is too large to be a certificate (at most 256 KB)."), code="size"
            )
        upload.seek(0)
        return upload.read()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if bool(data.get("agency")) == bool(data.get("official")):
            raise ValidationError(
                _("Choose either an agency (its seal) or an official (their signature).")
            )
        try:
            if data.get("kind") == SignerKind.REMOTE:
                content = self._read("certificate_file")
                if not content or not data.get("remote_url"):
                    raise ValidationError(
                        _("Give the certificate and the address of the signing service.")
                    )
                if settings.SIGNING_REMOTE_HTTPS_ONLY and not data["remote_url"].startswith(
                    "https://"
                ):
                    raise ValidationError(
                        _("The signing service must be reached over HTTPS (https://…).")
                    )
                certificates.read_certificate(content)
                self._parsed = {
                    "certificate": content,
                    "url": data["remote_url"],
                    "token": data.get("token") or "",
                }
            else:
                content = self._read("pkcs12_file")
                if not content:
                    raise ValidationError(_("Upload the PKCS#12 file and its password."))
                certificates.read_pkcs12(content, data.get("password") or "")
                self._parsed = {"pkcs12": content, "password": data.get("password") or ""}
        except CertificateError as error:
            raise ValidationError(str(error)) from None
        return data

    def add(self, *, by) -> SigningCertificate:
        """Keeps the checked upload through the signing services (encrypted)."""
        holder = {"agency": self.cleaned_data["agency"], "official": self.cleaned_data["official"]}
        if self.cleaned_data["kind"] == SignerKind.REMOTE:
            return services.certificate_add_remote(**self._parsed, by=by, **holder)
        return services.certificate_add_local(**self._parsed, by=by, **holder)


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    list_display = ["common_name", "agency", "official", "kind", "active", "not_after"]
    list_filter = ["kind", "active"]
    search_fields = ["common_name", "fingerprint"]
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
    add_fields = [
        "agency",
        "official",
        "kind",
        "pkcs12_file",
        "password",
        "certificate_file",
        "remote_url",
        "token",
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("agency", "official")
        if request.user.is_superuser:
            return qs
        ids = _administered(request)
        return qs.filter(agency_id__in=ids) | qs.filter(official__in=officials_in(ids))

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CertificateAddForm
            kwargs["fields"] = self.add_fields
            form = super().get_form(request, obj, **kwargs)

            class Bound(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, request=request, **kw)

            return Bound
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_form(self, request, form, change):
        # Inside the admin's transaction: the services write the row, nothing else does.
        return form.add(by=request.user)

    def save_model(self, request, obj, form, change):
        pass  # saved by `save_form`

    def save_related(self, request, form, formsets, change):
        pass  # no relations to save; the form's instance is not the row written

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Another agency's certificate is not found, rather than "does not exist" on
        # the admin index (which would still tell that the number is taken).
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
