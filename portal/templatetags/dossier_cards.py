"""`{% dossier_cards page.rows %}`: the cards of "My dossiers", written in Python: through
the template language each card's links, filters and translations cost more than its
share of the page's one query. The markup is the one the template wrote."""

import uuid

from django import template
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dossiers.constants import STATUS_TONES, Status

register = template.Library()
_ANY = uuid.UUID(int=0)


def _link(name: str):
    """A URL maker for `name` with one reverse() per page, not one per card."""
    pattern = reverse(name, kwargs={"ref": _ANY})
    return lambda ref: pattern.replace(str(_ANY), str(ref))


@register.simple_tag
def dossier_cards(rows):
    edit, detail = _link("portal:dossier-edit"), _link("portal:dossier-detail")
    discard = _link("portal:dossier-discard")
    draft, appointment = escape(_("Draft")), escape(_("Appointment"))
    needed, delete = escape(_("Action needed")), escape(_("Delete draft"))
    cards = []
    for d in rows:
        name = escape(truncatechars(d.version.procedure.name, 120))
        href = edit(d.ref) if d.status == Status.DRAFT else detail(d.ref)
        status = (
            f'<span class="badge badge--{escape(STATUS_TONES.get(d.status, "progress"))}">'
            f"{escape(d.get_status_display())}</span>"
        )
        if d.due_at:
            status += f" · {appointment}: {timezone.localtime(d.due_at).strftime('%d/%m/%Y')}"
        if d.action_needed:
            status += f" · <strong>{needed}</strong>"
        card = (
            f'<li class="card">\n'
            f'<h2 class="card__title"><a href="{escape(href)}">{name}</a></h2>\n'
            f'<p class="card__text"><span class="code">{escape(d.code) if d.code else draft}'
            f"</span> · {escape(d.receiving_agency.name)}</p>\n"
            f'<p class="card__status">{status}</p>\n'
        )
        if getattr(d, "can_discard", False):
            card += (
                f'<p class="card__text"><a href="{escape(discard(d.ref))}">{delete}'
                f'<span class="visually-hidden"> {name}</span></a></p>\n'
            )
        cards.append(card + "</li>")
    # Safe: every value from the rows is escaped above.
    return mark_safe("\n".join(cards))  # noqa: S308
