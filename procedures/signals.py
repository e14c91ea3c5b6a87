"""Keep everything cached under the catalogue generation in step with the catalogue.

Fields, agencies, procedures, their versions (publishing, retiring) and a draft's
declaration fields change through the admin, the importer and `seed_demo`, all by
`save()`/`delete()` on the model (or `add()`/`set()` on the agency links), so a receiver
on those catches every path; bulk writes (`QuerySet.update`, `bulk_create`) call
`catalogue_cache_clear` themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from procedures.models import Agency, Field, FormField, Procedure, ProcedureVersion
from procedures.services import catalogue_cache_clear


@receiver(post_save, sender=Field)
@receiver(post_delete, sender=Field)
@receiver(post_save, sender=Agency)
@receiver(post_delete, sender=Agency)
@receiver(post_save, sender=Procedure)
@receiver(post_delete, sender=Procedure)
@receiver(post_save, sender=ProcedureVersion)
@receiver(post_delete, sender=ProcedureVersion)
# A draft's declaration fields (the declaration form class is cached per generation).
@receiver(post_save, sender=FormField)
@receiver(post_delete, sender=FormField)
# The agency filter of the search reads these links.
@receiver(m2m_changed, sender=Procedure.executing_agencies.through)
@receiver(m2m_changed, sender=Procedure.competent_agencies.through)
def _catalogue_changed(sender, **kwargs):
    catalogue_cache_clear()
