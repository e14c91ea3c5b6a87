"""Dossiers, their documents, the append-only log, messages, payments and ratings.

Every write goes through `dossiers.services`; views and admin only read these models.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast, Reverse, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase

from common.choices import FastChoiceLabels
from dossiers import tally
from dossiers.constants import (
    ACTION_NEEDED,
    OPEN_STATES,
    Action,
    ActorRole,
    ConsultationStatus,
    DeadlineState,
    DeliveryStatus,
    EvaluationMoment,
    EventKind,
    FileKind,
    PaymentPurpose,
    PaymentStatus,
    ReturnMode,
    StandardForm,
    Status,
    Visibility,
)
from procedures.constants import ChannelMethod


def private_storage():
    """Dossier files never live under a public media URL: the `private` storage is a
    folder outside MEDIA_ROOT, or a private bucket. There is deliberately no fallback to
    the default storage, which may be public."""
    return storages["private"]


def _file_path(instance, filename):
    # Random names: the names are kept in the row, never in the path; only the
    # extension of the sniffed type (the stored name's) is, for the web server's sake.
    suffix = "." + instance.name.rsplit(".", 1)[1] if "." in (instance.name or "") else ""
    return f"dossier-files/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class StoredFile(models.Model):
    """A file of one person: an upload, or a result they received. The personal
    document store ("kho dữ liệu điện tử") lists these; dossiers reuse them."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stored_files"
    )
    file = models.FileField(_("file"), upload_to=_file_path, storage=private_storage)
    # Stored and downloaded under `name`, whose extension is the type found in the
    # bytes; `original_name` is what the uploader called it, shown as text only.
    name = models.CharField(_("file name"), max_length=200)
    original_name = models.CharField(_("name when uploaded"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=FileKind, default=FileKind.UPLOAD)
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="storedfile_owner")]

    def __str__(self) -> str:
        return self.name


# The procedure's search columns (its whole text, twice), never shown with a dossier:
# left out when a dossier is read with its procedure (`.defer(*HEAVY_PROCEDURE_FIELDS)`).
HEAVY_PROCEDURE_FIELDS = (
    "version__procedure__search_document",
    "version__procedure__search_vector",
)


class Dossier(FastChoiceLabels, models.Model):
    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        _("dossier code"), max_length=60, unique=True, null=True, blank=True, editable=False
    )
    version = models.ForeignKey(
        "procedures.ProcedureVersion",
        verbose_name=_("procedure version"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    case = models.ForeignKey(
        "procedures.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=ChannelMethod, default=ChannelMethod.ONLINE
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    business = models.ForeignKey(
        "identity.Business",
        verbose_name=_("business"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
    )
    receiving_agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("receiving agency"),
        on_delete=models.PROTECT,
        related_name="received_dossiers",
    )
    competent_agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("competent agency"),
        on_delete=models.PROTECT,
        related_name="competent_dossiers",
    )
    # The applicant's name as the back-office search compares it (accents removed, lower
    # case, single spaces: dossiers.queues.search_q), kept on the dossier so that the
    # search is one index condition beside the agency. Set at creation
    # (services.filing) and rewritten by a trigger when the account's name changes
    # (migration 0021). Null only on rows the backfill has not reached yet.
    applicant_name = models.TextField(  # noqa: DJ001 - null: not filled yet; "": no name
        _("applicant's name, normalised"), null=True, blank=True, editable=False
    )
    # Its word-suffixes after the first word (dossiers.queues.name_words), so that the
    # given names alone ("thu ha", "ha") find the dossier too: a GIN index beside the
    # agency answers "this agency's dossiers whose list holds the term". Written with
    # the name, by the same writers and the same trigger (migration 0023).
    applicant_name_words = ArrayField(
        models.TextField(),
        verbose_name=_("applicant's last words of the name, normalised"),
        null=True,
        blank=True,
        editable=False,
    )
    status = models.CharField(_("status"), max_length=24, choices=Status, default=Status.DRAFT)
    form_data = models.JSONField(_("declaration"), default=dict, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_dossiers",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    due_at = models.DateTimeField(_("appointment date"), null=True, blank=True)
    # By when the desk hands a received dossier to the processing department
    # (dossiers.services.clock.transfer_due_at).
    transfer_due_at = models.DateTimeField(_("transfer by"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("working days paused"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    deadline_state = models.CharField(
        _("deadline"), max_length=10, choices=DeadlineState, default="", blank=True
    )
    # Set when an untouched draft was warned (dossiers.deadlines); deleted later unless edited.
    draft_warned_at = models.DateTimeField(_("draft warning sent"), null=True, blank=True)
    return_mode = models.CharField(
        _("result returned"), max_length=10, choices=ReturnMode, blank=True
    )
    postal_tracking = models.CharField(_("postal tracking number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            # "My dossiers": keyset pagination on (created_at, id) per applicant/business.
            models.Index(fields=["applicant", "-created_at", "-id"], name="dossier_applicant"),
            models.Index(
                fields=["business", "-created_at", "-id"],
                name="dossier_business",
                condition=Q(business__isnull=False),
            ),
            # Back-office queues start from these.
            models.Index(fields=["receiving_agency", "status", "due_at"], name="dossier_recv"),
            models.Index(fields=["competent_agency", "status", "due_at"], name="dossier_comp"),
            # "Assigned to me" queue (dossiers.queues): assignee + state, soonest due first.
            models.Index(
                fields=["assignee", "status", "due_at"],
                name="dossier_assignee",
                condition=Q(assignee__isnull=False),
            ),
            # The deadline clock job (dossiers.deadlines) scans running dossiers by due date.
            models.Index(
                fields=["due_at", "deadline_state"],
                name="dossier_deadline",
                condition=Q(
                    status__in=["received", "processing", "awaiting_approval", "result_ready"]
                ),
            ),
            # The search by the applicant's name (dossiers.queues.name_q), one side of
            # the scope each: a prefix of the normalised name within the agency.
            models.Index(
                F("receiving_agency"),
                OpClass(F("applicant_name"), name="text_pattern_ops"),
                name="dossier_recv_name",
            ),
            models.Index(
                F("competent_agency"),
                OpClass(F("applicant_name"), name="text_pattern_ops"),
                name="dossier_comp_name",
            ),
            # The same search by the name's last words (dossiers.queues.name_q): the
            # agency's column through btree_gin, in the same GIN index. Without the
            # pending list (fastupdate): a search would read it whole until a vacuum
            # merges it, and a dossier's few keys cost its insert little.
            GinIndex(
                fields=["receiving_agency", "applicant_name_words"],
                name="dossier_recv_words",
                fastupdate=False,
            ),
            GinIndex(
                fields=["competent_agency", "applicant_name_words"],
                name="dossier_comp_words",
                fastupdate=False,
            ),
            # Queue filters and sorts (dossiers.queues, migration 0003 explains them).
            models.Index(
                fields=["receiving_agency", "status", "received_at"], name="dossier_recv_received"
            ),
            models.Index(
                fields=["competent_agency", "status", "received_at"], name="dossier_comp_received"
            ),
            models.Index(
                OpClass(Upper(Cast("code", models.TextField())), name="text_pattern_ops"),
                name="dossier_code_search",
            ),
            # The end of a code ("0009", "261207-0009"): dossiers.queues.code_tail_q.
            models.Index(
                OpClass(Reverse(Upper(Cast("code", models.TextField()))), name="text_pattern_ops"),
                name="dossier_code_tail",
            ),
            # Received dossiers not yet transferred, the most late first (the radar's late
            # transfers): a few thousand rows at 1 M that no other index orders this way.
            models.Index(
                fields=["transfer_due_at", "id"],
                name="dossier_transfer_due",
                condition=Q(status="received"),
            ),
            # Queues and their counts at city scale (migration 0003): only the open
            # states, a few percent of all dossiers once the years add up.
            models.Index(
                fields=["receiving_agency", "status", "due_at", "id"],
                name="dossier_recv_open",
                condition=Q(status__in=OPEN_STATES),
            ),
            models.Index(
                fields=["competent_agency", "status", "due_at", "id"],
                name="dossier_comp_open",
                condition=Q(status__in=OPEN_STATES),
            ),
            # The "all" tab (the queues' default) in its default order, one side of the
            # scope at a time (dossiers.queues.page_ids merges them; migration 0008).
            models.Index(
                fields=["receiving_agency", "due_at", "id"],
                name="dossier_recv_filed",
                condition=~Q(status__in=[Status.DRAFT, Status.DISCARDED]),
            ),
            models.Index(
                fields=["competent_agency", "due_at", "id"],
                name="dossier_comp_filed",
                condition=~Q(status__in=[Status.DRAFT, Status.DISCARDED]),
            ),
            # The partner API's list of changes (dossiers.queues.partner), per side of
            # the client's scope, in (updated_at, id) order.
            models.Index(
                fields=["receiving_agency", "updated_at", "id"],
                name="dossier_recv_updated",
                condition=~Q(status__in=[Status.DRAFT, Status.DISCARDED]),
            ),
            models.Index(
                fields=["competent_agency", "updated_at", "id"],
                name="dossier_comp_updated",
                condition=~Q(status__in=[Status.DRAFT, Status.DISCARDED]),
            ),
            # The radar's longest-waiting open dossiers (indicators.radar): in the order
            # of their last transition, the agencies read from the index itself.
            models.Index(
                fields=["updated_at", "id"],
                name="dossier_open_waiting",
                include=["receiving_agency", "competent_agency"],
                condition=Q(status__in=OPEN_STATES),
            ),
        ]
        # The queue tabs' counts (dossiers.tally, migration 0009).
        triggers = [
            pgtrigger.Trigger(
                name="queue_tally",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=tally.trigger_body(),
            )
        ]

    def __str__(self) -> str:
        return self.code or str(_("Draft dossier"))

    def get_absolute_url(self) -> str:
        return reverse("portal:dossier-detail", kwargs={"ref": self.ref})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # What the queue counts were keyed on when read (dossiers.queues.dossier_saved):
        # a save that moves the dossier to another agency changes both agencies' counts.
        fields = instance.__dict__
        instance._loaded_queue_fields = (
            fields.get("receiving_agency_id"),
            fields.get("competent_agency_id"),
            fields.get("status"),
        )
        return instance

    @property
    def procedure(self):
        return self.version.procedure

    @property
    def action_needed(self) -> bool:
        return self.status in ACTION_NEEDED


class QueueTally(models.Model):
    """How many open dossiers share one key (agency pair, state, assignee, local due
    day): the sum of `n` over the key's rows. Written only by the dossier trigger and
    `dossiers.tally` (which explains the design); no foreign keys, so the trigger's
    inserts check nothing and lock nothing. 0 stands for "none" in the id columns."""

    receiving_agency_id = models.IntegerField()
    competent_agency_id = models.IntegerField()
    status = models.CharField(max_length=24, choices=Status)
    assignee_id = models.IntegerField()
    due_day = models.DateField()
    n = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["receiving_agency_id"], name="queuetally_recv"),
            models.Index(fields=["competent_agency_id"], name="queuetally_comp"),
        ]

    def __str__(self) -> str:
        return f"{self.receiving_agency_id}/{self.competent_agency_id} {self.status} {self.n:+d}"


class DossierCodeCounter(models.Model):
    """Last sequence number given per receiving agency and day: incremented by an
    upsert inside the submitting transaction, so the row stays locked until commit
    and a rollback gives the number back (gap-free)."""

    agency = models.ForeignKey("procedures.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossier_code_counter_day")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class DossierDocument(FastChoiceLabels, models.Model):
    """A file placed in a dossier, for one required document of its case (or none:
    an extra document, a supplement, a result)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="documents")
    required_document = models.ForeignKey(
        "procedures.RequiredDocument",
        verbose_name=_("required document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="uses")
    is_result = models.BooleanField(_("result"), default=False)
    # Scanned at the counter from the paper original the applicant brought (counter
    # intake): the desk vouches that the file is a copy of what it saw.
    digitised = models.BooleanField(_("digitised from paper"), default=False)
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    # A draft result replaced by the signed one: kept as evidence, shown to nobody.
    superseded_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.file.name


class DossierLog(FastChoiceLabels, models.Model):
    """The dossier log (nhật ký hồ sơ): append-only, hash-chained per dossier.

    `hash` = SHA-256 of the canonical serialisation of the row, which includes the
    previous row's hash; `verify_dossier_log` recomputes every chain. PostgreSQL refuses
    UPDATE and DELETE on the table (pgtrigger.Protect). Only
    `dossiers.services.dossier_log_record` writes it.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="log")
    seq = models.PositiveIntegerField()
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=200, blank=True)
    actor_role = models.CharField(_("role"), max_length=20, choices=ActorRole)
    action = models.CharField(_("action"), max_length=24, choices=Action)
    from_status = models.CharField(_("from"), max_length=24, choices=Status, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=Status, blank=True)
    note = models.TextField(_("note"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility, default=Visibility.PUBLIC
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("dossier log entry")
        verbose_name_plural = _("dossier log")
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_log_seq")]
        triggers = [
            pgtrigger.Protect(name="protect_update", operation=pgtrigger.Update),
            pgtrigger.Protect(name="protect_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    GENESIS = "0" * 64

    def canonical(self) -> bytes:
        """The bytes the hash covers: sorted-key JSON, UTC microsecond timestamps."""
        body = {
            "dossier": self.dossier_id,
            "seq": self.seq,
            "created_at": self.created_at.astimezone(datetime.UTC).isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "actor_role": self.actor_role,
            "action": self.action,
            "from": self.from_status,
            "to": self.to_status,
            "note": self.note,
            "visibility": self.visibility,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


def _issued_path(instance, filename):
    return f"issued/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class IssuedDocument(FastChoiceLabels, models.Model):
    """A standard document (forms 01-05) issued by the action logged in `log`, kept
    with the dossier. The action's transaction writes the row with its verification
    `number` and no file; a worker renders, signs and stores the PDF right after the
    commit (`dossiers.documents.write`), and logs its SHA-256 in a row of its own."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="issued")
    form = models.CharField(_("form"), max_length=2, choices=StandardForm)
    # Empty until the worker has written the PDF.
    file = models.FileField(_("file"), upload_to=_issued_path, storage=private_storage, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # Printed in the signature stamp and looked up by /xac-thuc/; reserved at issuance.
    number = models.CharField(_("verification number"), max_length=16, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    log = models.OneToOneField(DossierLog, on_delete=models.PROTECT, related_name="issued")
    attempts = models.PositiveSmallIntegerField(_("failed attempts to write"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # After a failure: not tried again (by its task or the sweep) before this.
    retry_at = models.DateTimeField(_("next attempt to write"), null=True, blank=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["issued_at", "id"]
        indexes = [
            # The sweep's look-up: the few documents still without their file.
            models.Index(fields=["issued_at"], name="issued_unwritten_idx", condition=Q(file=""))
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.form}"

    @property
    def filename(self) -> str:
        return f"{self.dossier.code}-mau-{self.form}.pdf"

    @property
    def written(self) -> bool:
        return bool(self.file)

    @property
    def failed(self) -> bool:
        """Not written after every attempt: an administrator must look (the sweep has
        stopped trying)."""
        return not self.file and self.attempts >= settings.ISSUED_DOCUMENT_MAX_ATTEMPTS

    @property
    def state(self) -> str:
        return "ready" if self.file else ("failed" if self.failed else "pending")


class DossierMessage(FastChoiceLabels, models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(_("from"), max_length=200)
    from_agency = models.BooleanField(_("from the agency"), default=False)
    body = models.TextField(_("message"))
    attachment = models.ForeignKey(
        StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.author_name}"


class Payment(FastChoiceLabels, models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    purpose = models.CharField(_("purpose"), max_length=12, choices=PaymentPurpose)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus, default=PaymentStatus.PENDING
    )
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    gateway = models.CharField(_("gateway"), max_length=40, blank=True)
    transaction_id = models.CharField(_("bank transaction"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["created_at", "id"]
        constraints = [
            # One open request per purpose: paying twice is impossible by construction.
            models.UniqueConstraint(
                fields=["dossier", "purpose"],
                condition=Q(status="pending"),
                name="payment_one_pending_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return self.reference


def _score(label, *, required=True):
    return models.PositiveSmallIntegerField(
        label,
        null=not required,
        blank=not required,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )


class Rating(models.Model):
    """The applicant's evaluation of the service at one moment of the dossier
    (legal.CITIZEN_EVALUATION): one per dossier and moment, scores 1 (very
    dissatisfied) to 5 (very satisfied). The criteria a moment does not ask are empty
    (`dossiers.evaluation.CRITERIA`)."""

    # Indexed by the unique constraint below, which starts with it.
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="ratings", db_index=False
    )
    moment = models.CharField(_("moment"), max_length=12, choices=EvaluationMoment)
    overall = _score(_("overall"))
    guidance = _score(_("receipt and guidance"))
    staff_attitude = _score(_("officials' attitude and conduct"))
    transparency = _score(_("publicity and transparency (procedure, fees)"))
    contacts = _score(_("times you had to come back or complete the dossier"), required=False)
    timeliness = _score(_("time taken"), required=False)
    result_conformity = _score(_("result as the law provides"), required=False)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["dossier", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "moment"], name="rating_once_per_moment")
        ]

    def __str__(self) -> str:
        return f"{self.dossier} ({self.moment}): {self.overall}/5"


class DossierAssessment(models.Model):
    """The agency's own evaluation of one finished dossier (legal.AGENCY_EVALUATION),
    computed from its log by `dossiers.services.dossier_assess`, never typed in. Each
    index is true (kept), false (missed) or empty (not applicable to this dossier)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="assessment")
    status = models.CharField(_("finished as"), max_length=24, choices=Status)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    received_on_time = models.BooleanField(_("received on time"), null=True)
    transferred_on_time = models.BooleanField(_("transferred on time"), null=True)
    settled_on_time = models.BooleanField(_("settled on time"), null=True)
    supplement_once = models.BooleanField(_("supplement requested at most once"), null=True)
    supplement_on_time = models.BooleanField(_("supplement requested on time"), null=True)
    apology_when_late = models.BooleanField(_("apology when late"), null=True)
    online = models.BooleanField(_("filed online"))
    paid_online = models.BooleanField(_("paid online"), null=True)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    INDICES = (
        "received_on_time",
        "transferred_on_time",
        "settled_on_time",
        "supplement_once",
        "supplement_on_time",
        "apology_when_late",
        "online",
        "paid_online",
    )

    class Meta:
        verbose_name = _("dossier assessment")
        verbose_name_plural = _("dossier assessments")
        # The statistics read a period of finished dossiers.
        indexes = [models.Index(fields=["finished_at"], name="assessment_finished")]

    def __str__(self) -> str:
        return f"{self.dossier}: {self.get_status_display()}"

    def rows(self) -> list[tuple[str, bool | None]]:
        """(label, value) of each index, in order: what the workbench lists."""
        return [(self._meta.get_field(n).verbose_name, getattr(self, n)) for n in self.INDICES]


class OutboxEvent(FastChoiceLabels, models.Model):
    """A domain event, written in the same transaction as the change it announces
    (transactional outbox): if the change commits the event exists, if it rolls back
    it never did. `dossiers.outbox` fans it out into deliveries."""

    kind = models.CharField(_("kind"), max_length=32, choices=EventKind)
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outbox_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Null until every subscriber has planned its deliveries; the sweep looks for these.
    planned_at = models.DateTimeField(_("fanned out"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(fields=["id"], name="outbox_unplanned", condition=Q(planned_at=None)),
            models.Index(fields=["dossier", "id"], name="outbox_event_dossier"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class OutboxDelivery(FastChoiceLabels, models.Model):
    """One event to one recipient on one channel. (event, subscriber, recipient,
    channel) is unique: it is the idempotency key, so a redelivered task or a second
    sweep finds the row already sent and sends nothing."""

    event = models.ForeignKey(
        OutboxEvent, verbose_name=_("event"), on_delete=models.PROTECT, related_name="deliveries"
    )
    subscriber = models.CharField(_("subscriber"), max_length=40)
    recipient = models.CharField(_("recipient"), max_length=120)
    channel = models.CharField(_("channel"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox delivery")
        verbose_name_plural = _("outbox deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber", "recipient", "channel"], name="outbox_delivery_key"
            )
        ]
        indexes = [
            # The dispatcher's "what is due" scan touches pending rows only.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="outbox_due",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["status", "-created_at"],
                name="outbox_failed",
                condition=Q(status="failed"),
            ),
            # One recipient's recent deliveries (a webhook subscription's history, the
            # per-dossier order check of a subscription), newest first.
            models.Index(fields=["subscriber", "recipient", "-id"], name="outbox_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.subscriber}:{self.recipient}:{self.channel}"

    @property
    def idempotency_key(self) -> str:
        """Stable across retries and redeliveries; receivers may dedupe on it."""
        return f"motcua-{self.event_id}-{self.subscriber}-{self.recipient}-{self.channel}"


class DossierGroupObjectPermission(GroupObjectPermissionBase):
    """django-guardian grants on one dossier to a group, with a real foreign key
    (guardian's "direct foreign keys"). The consulted agency's read access lives here,
    held by the agency's group (`agency:<code>`). A direct FK instead of guardian's
    generic table because the generic `object_pk` is a varchar: joining it to dossier
    ids needs a cast, which no index serves; this table joins on an indexed integer."""

    # A visible reverse name: guardian finds direct-FK tables through it.
    content_object = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="group_grants"
    )


class Consultation(FastChoiceLabels, models.Model):
    """Inter-agency consultation (liên thông): the competent agency asks another agency
    for its opinion; while open, that agency may read the dossier (a guardian grant)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="consultations")
    asking_agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("asking agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    consulted_agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("consulted agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("question"))
    reply_by = models.DateField(_("reply by"))
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ConsultationStatus, default=ConsultationStatus.OPEN
    )
    answer = models.TextField(_("opinion"), blank=True)
    answer_file = models.ForeignKey(
        StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["asked_at", "id"]
        indexes = [
            # The consulted agency's "consultations" queue: its open questions, soonest
            # reply-by first, keyset on (reply_by, id).
            models.Index(
                fields=["consulted_agency", "status", "reply_by", "id"], name="consult_queue"
            ),
            # The asking side's open questions, oldest first (the radar's "waiting on
            # another agency").
            models.Index(
                fields=["asking_agency", "asked_at", "id"],
                name="consult_asking_open",
                condition=Q(status="open"),
            ),
        ]
        constraints = [
            # One open question per agency and dossier: answering it ends the grant.
            models.UniqueConstraint(
                fields=["dossier", "consulted_agency"],
                condition=Q(status="open"),
                name="consult_one_open_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} → {self.consulted_agency_id}"


def _export_path(instance, filename):
    return f"exports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ExportJob(FastChoiceLabels, models.Model):
    """An export too large to stream in the request (EXPORT_SYNC_MAX_ROWS): a Celery
    task writes the file into the private storage; only its owner downloads it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("kind"), max_length=20)  # "queue" or "register" (form 07)
    # "xlsx" or "csv"; "pdf" for form 07 (signed with the agency's certificate).
    format = models.CharField(_("format"), max_length=10)
    params = models.JSONField(_("parameters"), default=dict)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=State, default=State.PENDING)
    file = models.FileField(_("file"), upload_to=_export_path, storage=private_storage, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="exportjob_owner")]

    def __str__(self) -> str:
        return self.title
