"""`{% filing_steps "edit" %}`: the stepper of the filing pages, the current step marked
with aria-current="step" and the steps before it as done."""

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

register = template.Library()

STEPS = (
    ("start", _("Case and receiving agency")),
    ("edit", _("Documents and declaration")),
    ("review", _("Review and submit")),
    ("submitted", pgettext_lazy("filing step", "Submitted")),
)


@register.inclusion_tag("portal/dossiers/_stepper.html")
def filing_steps(current: str) -> dict:
    keys = [key for key, _label in STEPS]
    return {"steps": STEPS, "current": current, "current_index": keys.index(current)}
