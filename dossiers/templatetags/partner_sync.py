"""`{% partner_sync_status dossier as sync %}`: the dossier's sync with the national
portal for the workbench (dossiers.partner.sync_status), with the event's label."""

from django import template

from dossiers import partner
from dossiers.constants import EventKind

register = template.Library()


@register.simple_tag
def partner_sync_status(dossier):
    status = partner.sync_status(dossier)
    if status and status["last_kind"]:
        status["last_label"] = EventKind(status["last_kind"]).label
    return status
