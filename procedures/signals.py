"""Keep everything cached under the catalogue generation in step with the catalogue.

Fields, agencies, procedures, their versions (publishing, retiring) and a draft's
declaration fields change through the admin, the importer and `seed_demo`, all by
`save()`/`delete()` on the model (or `add()`/`set()` on the agency links), so a receiver
on those catches every path; bulk writes (`QuerySet.update`, `bulk_create`) call
`catalogue_cache_clear` themselves. The working calendar's overrides are cached on
their own (`procedures.calendar.WorkingCalendar.load`) and emptied the same way.
"""

from django.core.signals import request_finished, request_started
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from procedures.calendar import overrides_cache_clear
from procedures.models import (
    Agency,
    CalendarOverride,
    Case,
    Channel,
    Fee,
    Field,
    FormField,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)
from procedures.selectors import request_generation_track
from procedures.services import catalogue_cache_clear


@receiver(post_save, sender=Field)
@receiver(post_delete, sender=Field)
@receiver(post_save, sender=Agency)
@receiver(post_delete, sender=Agency)
@receiver(post_save, sender=Procedure)
@receiver(post_delete, sender=Procedure)
@receiver(post_save, sender=ProcedureVersion)
@receiver(post_delete, sender=ProcedureVersion)
# A draft's content: its declaration fields, documents asked for and fees (cached per
# generation for filing: dossiers.declaration, dossiers.services.case_documents).
@receiver(post_save, sender=FormField)
@receiver(post_delete, sender=FormField)
@receiver(post_save, sender=Case)
@receiver(post_delete, sender=Case)
@receiver(post_save, sender=RequiredDocument)
@receiver(post_delete, sender=RequiredDocument)
@receiver(post_save, sender=Channel)
@receiver(post_delete, sender=Channel)
@receiver(post_save, sender=Fee)
@receiver(post_delete, sender=Fee)
# The rest of a procedure's public page (`selectors.procedure_get_for_public`).
@receiver(post_save, sender=LegalBasis)
@receiver(post_delete, sender=LegalBasis)
@receiver(post_save, sender=ProcedureResult)
@receiver(post_delete, sender=ProcedureResult)
@receiver(post_save, sender=WorkflowStep)
@receiver(post_delete, sender=WorkflowStep)
# The agency filter of the search reads these links.
@receiver(m2m_changed, sender=Procedure.executing_agencies.through)
@receiver(m2m_changed, sender=Procedure.competent_agencies.through)
def _catalogue_changed(sender, **kwargs):
    catalogue_cache_clear()


@receiver(request_started, dispatch_uid="catalogue-generation-request-started")
def _request_started(sender, **kwargs):
    request_generation_track(active=True)


@receiver(request_finished, dispatch_uid="catalogue-generation-request-finished")
def _request_finished(sender, **kwargs):
    request_generation_track(active=False)


@receiver(post_save, sender=CalendarOverride)
@receiver(post_delete, sender=CalendarOverride)
def _calendar_changed(sender, **kwargs):
    overrides_cache_clear()
