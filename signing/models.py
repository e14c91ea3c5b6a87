"""Certificates of agencies and officials, the register of documents MotCua signed
or issued, and the cached outcome of validating an uploaded file's signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignerKind(models.TextChoices):
    LOCAL = "local", _("PKCS#12 file kept by MotCua (encrypted)")
    REMOTE = "remote", _("Remote signing service")


class SigningCertificate(models.Model):
    """One certificate of an agency (its seal) or of an official (a leader). The
    private key is either the encrypted PKCS#12 file here (`kind=local`) or held by a
    remote signing service (`kind=remote`, only the public certificate here)."""

    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("official"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("signer"), max_length=10, choices=SignerKind)
    active = models.BooleanField(_("in use"), default=True)
    subject = models.CharField(_("subject"), max_length=500)
    common_name = models.CharField(_("name in the certificate"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial = models.CharField(_("serial number"), max_length=80)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    certificate = models.BinaryField(_("certificate (DER)"))
    chain = models.JSONField(_("chain (DER, base64)"), default=list, blank=True)
    # Fernet tokens (signing.keystore); never shown, never in clear.
    pkcs12 = models.BinaryField(blank=True, default=b"", editable=False)
    pkcs12_password = models.BinaryField(blank=True, default=b"", editable=False)
    remote_url = models.URLField(_("signing service address"), blank=True)
    remote_token = models.BinaryField(blank=True, default=b"", editable=False)
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False, official__isnull=True)
                | Q(agency__isnull=True, official__isnull=False),
                name="signing_certificate_one_holder",
            ),
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(active=True, agency__isnull=False),
                name="signing_one_active_per_agency",
            ),
            models.UniqueConstraint(
                fields=["official"],
                condition=Q(active=True, official__isnull=False),
                name="signing_one_active_per_official",
            ),
        ]

    def __str__(self):
        return f"{self.common_name} ({self.fingerprint[:16]})"


class DocumentRecord(models.Model):
    """The fingerprint of every document MotCua issued (signed or not): what
    /xac-thuc/ compares an uploaded file with. Written by `signing.services` only."""

    number = models.CharField(_("verification number"), max_length=16)
    dossier_code = models.CharField(_("dossier code"), max_length=40, blank=True)
    title = models.CharField(_("document"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    certificate = models.ForeignKey(
        SigningCertificate,
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signer_name = models.CharField(_("signed by"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    unsigned_reason = models.CharField(_("why not signed"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        constraints = [
            models.UniqueConstraint(
                fields=["dossier_code", "number"], name="signing_record_number_per_dossier"
            )
        ]

    def __str__(self):
        return f"{self.dossier_code} {self.number}"


class SignatureCheck(models.Model):
    """The outcome of validating the signatures of one file (by content), kept so that
    the workbench and the applicant's page show it without validating again."""

    sha256 = models.CharField(max_length=64, unique=True)
    outcome = models.CharField(_("outcome"), max_length=16)
    details = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)

    def __str__(self):
        return f"{self.sha256[:16]} {self.outcome}"
