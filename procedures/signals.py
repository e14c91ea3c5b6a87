"""Keep the cached catalogue filter lists in step with the catalogue.

Fields and agencies change through the admin, the importer and `seed_demo`, all by
`save()`/`delete()` on the model, so a receiver on those catches every path; bulk
writes (`QuerySet.update`, `bulk_create`) call `catalogue_cache_clear` themselves.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from procedures.models import Agency, Field
from procedures.services import catalogue_cache_clear


@receiver(post_save, sender=Field)
@receiver(post_delete, sender=Field)
@receiver(post_save, sender=Agency)
@receiver(post_delete, sender=Agency)
def _catalogue_changed(sender, **kwargs):
    catalogue_cache_clear()
