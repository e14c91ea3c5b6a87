"""Every write to the catalogue's versions goes through here (STYLE R1, R7).

The lifecycle of a `ProcedureVersion` is one small table:

    draft --publish--> published --retire--> retired
      ^                    |
      +--new draft (copy)--+

A published version is frozen: a dossier filed against it keeps exactly those
channels, documents, form fields and steps. Changing the catalogue means making a
new draft (a deep copy), editing it and publishing it, which retires the previous
published version in the same transaction.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common.cache import forget_now_and_after_commit
from procedures.calendar import OfficeHours
from procedures.constants import CHOICE_TYPES, TimeUnit, VersionStatus
from procedures.models import (
    Fee,
    FormField,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)

ALLOWED = {
    VersionStatus.DRAFT: {VersionStatus.PUBLISHED},
    VersionStatus.PUBLISHED: {VersionStatus.RETIRED},
    VersionStatus.RETIRED: set(),
}


# Set while `catalogue_changes_batched` holds the retirements back (see there).
_batched: ContextVar[list[bool] | None] = ContextVar("catalogue_changes_batched", default=None)


def catalogue_cache_clear() -> None:
    """Retire the catalogue generation, so everything cached under it
    (`selectors.cached_with_catalogue`: filter lists, search pages, rendered HTML) is
    forgotten, now and again once the current transaction commits, so no reader
    caches the state it replaced. An import saves thousands of catalogue rows in one
    transaction: the after-commit retirement is queued once per transaction. Inside
    `catalogue_changes_batched` the retirement waits for the end of the block."""
    pending = _batched.get()
    if pending is not None:
        pending.append(True)
        return
    forget_now_and_after_commit(catalogue_generation_retire)


@contextlib.contextmanager
def catalogue_changes_batched() -> Iterator[None]:
    """Many catalogue writes, one retirement of the generation: every save of a row
    (the signal receivers) and every bulk write inside the block is noted, and the
    generation is retired once when the block ends, even on an error. For the importer,
    which saves thousands of rows: a reader during the block may still be served the
    catalogue cached before it, never after it. Nested blocks retire at the outermost."""
    if _batched.get() is not None:
        yield
        return
    pending: list[bool] = []
    token = _batched.set(pending)
    try:
        yield
    finally:
        _batched.reset(token)
        if pending:
            catalogue_cache_clear()


def catalogue_generation_retire() -> None:
    """Drops the catalogue's cache generation: every cached catalogue read (search,
    case documents, fees) is built afresh from the next request on."""
    from django.core.cache import cache

    from procedures.selectors import SEARCH_GENERATION_KEY, request_generation_forget

    cache.delete(SEARCH_GENERATION_KEY)
    request_generation_forget()


class VersionStateError(ValidationError):
    """The version is not in a state that allows this action."""


def _ensure_allowed(version: ProcedureVersion, target: str) -> None:
    if target not in ALLOWED[VersionStatus(version.status)]:
        raise VersionStateError(
            _("Version %(number)s is %(status)s and cannot become %(target)s.")
            % {
                "number": version.number,
                "status": version.get_status_display().lower(),
                "target": VersionStatus(target).label.lower(),
            }
        )


def reference_working_days(channels) -> Decimal | None:
    """The processing time the workflow steps must add up to, in working days.

    The longest channel measured in working days (or in office hours, converted at
    one working day per day of office hours); None when no channel has such a time
    (calendar days or "not fixed" cannot be split into working-day steps).
    """
    per_day = Decimal(OfficeHours.from_settings().seconds_per_day) / 3600
    candidates = []
    for channel in channels:
        if channel.processing_time is None:
            continue
        if channel.unit == TimeUnit.WORKING_DAY:
            candidates.append(Decimal(channel.processing_time))
        elif channel.unit == TimeUnit.HOUR:
            candidates.append((Decimal(channel.processing_time) / per_day).quantize(Decimal("0.1")))
    return max(candidates) if candidates else None


def steps_error(*, channels, steps) -> str | None:
    """The message to show when the workflow steps do not fit the processing time."""
    if not steps:
        return None
    total = sum((Decimal(step.allotted_days) for step in steps), Decimal(0))
    expected = reference_working_days(channels)
    if expected is None:
        return None
    if total != expected:
        return _(
            "The allotted days of the workflow steps add up to %(total)s, but the processing "
            "time is %(expected)s working days. Change the steps so that they add up to "
            "%(expected)s."
        ) % {"total": f"{total.normalize():f}", "expected": f"{expected.normalize():f}"}
    return None


def form_fields_errors(fields) -> list[str]:
    errors = []
    counts = Counter(f.key for f in fields)
    for key, count in counts.items():
        if count > 1:
            errors.append(
                _("The key “%(key)s” is used by more than one form field.") % {"key": key}
            )
    for f in fields:
        if f.type in CHOICE_TYPES and len(f.choices) < 2:
            errors.append(
                _("The choice field “%(key)s” needs at least two choices.") % {"key": f.key}
            )
    return errors


def procedure_version_validate(version: ProcedureVersion) -> None:
    """Raise ValidationError listing everything that keeps `version` from publication."""
    errors = []
    channels = list(version.channels.all())
    for channel in channels:
        try:
            channel.full_clean(exclude=["version"])
        except ValidationError as exc:
            errors.extend(exc.messages)
    message = steps_error(channels=channels, steps=list(version.steps.all()))
    if message:
        errors.append(message)
    errors.extend(form_fields_errors(list(version.form_fields.all())))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def procedure_version_publish(*, version: ProcedureVersion) -> ProcedureVersion:
    """DRAFT -> PUBLISHED. The procedure's previously published version, if any, is
    retired in the same transaction. Refuses a version that does not validate."""
    # Lock the procedure row: two editors publishing at once must not both win.
    Procedure.objects.select_for_update().get(pk=version.procedure_id)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    _ensure_allowed(version, VersionStatus.PUBLISHED)
    procedure_version_validate(version)
    now = timezone.now()
    ProcedureVersion.objects.filter(
        procedure_id=version.procedure_id, status=VersionStatus.PUBLISHED
    ).update(status=VersionStatus.RETIRED, retired_at=now)
    version.status, version.published_at = VersionStatus.PUBLISHED, now
    version.save(update_fields=["status", "published_at"])
    return version


@transaction.atomic
def procedure_version_retire(*, version: ProcedureVersion) -> ProcedureVersion:
    """PUBLISHED -> RETIRED. The procedure then has no published version: it leaves
    the public catalogue until a new version is published."""
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    _ensure_allowed(version, VersionStatus.RETIRED)
    version.status, version.retired_at = VersionStatus.RETIRED, timezone.now()
    version.save(update_fields=["status", "retired_at"])
    return version


def _next_number(procedure_id: int) -> int:
    current = ProcedureVersion.objects.filter(procedure_id=procedure_id).aggregate(n=Max("number"))
    return (current["n"] or 0) + 1


@transaction.atomic
def procedure_version_create_draft(
    *, procedure: Procedure, source: ProcedureVersion | None = None
) -> ProcedureVersion:
    """A new DRAFT: a deep copy of `source` (default: the published version), or an
    empty draft. Refuses when the procedure already has a draft, so two editors never
    work on two competing drafts."""
    Procedure.objects.select_for_update().get(pk=procedure.pk)
    existing = procedure.versions.filter(status=VersionStatus.DRAFT).first()
    if existing is not None:
        raise VersionStateError(
            _("Version %(number)s is already a draft of this procedure: edit that one.")
            % {"number": existing.number}
        )
    if source is None:
        source = procedure.versions.filter(status=VersionStatus.PUBLISHED).first()
    draft = ProcedureVersion.objects.create(
        procedure=procedure,
        number=_next_number(procedure.pk),
        steps_description=source.steps_description if source else [],
        note=source.note if source else "",
    )
    if source is not None:
        version_copy_content(source=source, target=draft)
    return draft


def version_copy_content(
    *,
    source: ProcedureVersion,
    target: ProcedureVersion,
    parts=("channels", "cases", "form_fields", "steps"),
) -> None:
    """Copy the children of `source` into the draft `target` (bulk inserts, which send
    no signals: the catalogue generation is renewed here)."""
    catalogue_cache_clear()
    if "channels" in parts:
        for channel in source.channels.prefetch_related("fees"):
            fees = list(channel.fees.all())
            channel.pk, channel.version = None, target
            channel.save()
            for fee in fees:
                fee.pk, fee.channel = None, channel
            Fee.objects.bulk_create(fees)
    if "cases" in parts:
        for case in source.cases.prefetch_related("documents"):
            documents = list(case.documents.all())
            case.pk, case.version = None, target
            case.save()
            for document in documents:
                document.pk, document.case = None, case
            RequiredDocument.objects.bulk_create(documents)
    if "form_fields" in parts:
        fields = list(source.form_fields.all())
        for field in fields:
            field.pk, field.version = None, target
        FormField.objects.bulk_create(fields)
    if "steps" in parts:
        steps = list(source.steps.all())
        for step in steps:
            step.pk, step.version = None, target
        WorkflowStep.objects.bulk_create(steps)


@transaction.atomic
def procedure_demand_store(*, counts: Mapping[int, int]) -> int:
    """Sets every procedure's `recent_dossiers` to its count in `counts` (procedure id
    -> dossiers filed lately; absent means none), in one transaction; returns how many
    procedures changed. Renews the catalogue generation when the ranking changed, so
    the cached search pages follow. Called once a day by the statistics
    (`indicators.demand`); touches neither `updated_at` nor the catalogue history."""
    counts = {pk: max(0, int(n)) for pk, n in counts.items() if pk}
    changed = (
        Procedure.objects.exclude(pk__in=list(counts))
        .exclude(recent_dossiers=0)
        .update(recent_dossiers=0)
    )
    stale = [
        Procedure(pk=pk, recent_dossiers=counts[pk])
        for pk, current in Procedure.objects.filter(pk__in=list(counts)).values_list(
            "pk", "recent_dossiers"
        )
        if current != counts[pk]
    ]
    Procedure.objects.bulk_update(stale, ["recent_dossiers"], batch_size=500)
    changed += len(stale)
    if changed:
        catalogue_cache_clear()
    return changed
