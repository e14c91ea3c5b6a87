"""`{{ dossier.status|status_tone }}`: the colour family of a status badge."""

from django import template

from dossiers.constants import STATUS_TONES

register = template.Library()


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "progress")
