"""The queue an official is looking at, read from the query string: the queue page,
its exports and its bulk actions share it, so an export or a bulk action covers exactly
the rows the official filtered."""

from __future__ import annotations

from dataclasses import dataclass

from backoffice import forms
from dossiers import queues


def procedure_choices(scope):
    from procedures.models import Procedure

    ids = scope.any_ids
    return (
        Procedure.objects.filter(executing_agencies__in=ids)
        .union(Procedure.objects.filter(competent_agencies__in=ids))
        .order_by("name")
        .values_list("pk", "name")
    )


def field_choices(scope):
    from procedures.models import Field

    ids = scope.any_ids
    return (
        Field.objects.filter(procedures__executing_agencies__in=ids)
        .union(Field.objects.filter(procedures__competent_agencies__in=ids))
        .order_by("name")
        .values_list("pk", "name")
    )


def catalogue_choices(scope) -> tuple[list, list]:
    """The procedure and field lists of the filter form, cached under the catalogue's
    generation token: they change only with the catalogue (whose every write clears
    the token, `procedures.signals`), and were two UNION queries on every queue page."""
    from procedures.selectors import cached_with_catalogue

    agencies = ",".join(str(pk) for pk in sorted(scope.any_ids))
    return cached_with_catalogue(
        f"queue-filters:{agencies}",
        lambda: (list(procedure_choices(scope)), list(field_choices(scope))),
    )


@dataclass
class QueueState:
    scope: queues.OfficialScope
    names: list[str]
    queue: str
    form: forms.QueueFilterForm
    filters: queues.Filters


def queue_state(request, data=None) -> QueueState:
    """The official's scope, queue and filters from `data` (the GET by default)."""
    data = request.GET if data is None else data
    scope = queues.official_scope(request.user)
    names = queues.queues_for(scope)
    queue = data.get("hang-doi") or names[0]
    if queue not in names:
        queue = "all"
    procedures, fields = catalogue_choices(scope)
    form = forms.QueueFilterForm(data or None, procedures=procedures, fields=fields)
    if form.is_bound:
        form.is_valid()
        filters = form.to_filters(queue)
    else:
        filters = queues.Filters(queue=queue)
    return QueueState(scope, names, queue, form, filters)
