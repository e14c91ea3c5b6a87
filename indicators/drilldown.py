"""The dossiers behind a figure: the `DossierFact` rows the refresh
(`indicators.refresh`) wrote with the figure's summary rows, for one agency subtree and
period, one page at a time (keyset on the dossier id, newest first), so a page costs an
index range over the facts of that figure, whatever the size of the dossier log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.constants import RUNNING
from dossiers.models import HEAVY_PROCEDURE_FIELDS, Dossier
from indicators.models import FACT_CODES, DossierFact
from indicators.periods import Period
from indicators.refresh import IN_PROGRESS

PAGE = 50


# metric -> the `DossierFact` kinds whose dossiers it lists ("open": today's stock,
# read live), with the label of the list.
METRICS = {
    "received": (("received",), _("Dossiers received")),
    "paper_received": (("paper_received",), _("Dossiers received on paper")),
    "finished": (("finished",), _("Dossiers finished (result returned)")),
    "finished_early": (("finished_early",), _("Dossiers finished early")),
    "finished_on_time": (("finished_on_time",), _("Dossiers finished on time")),
    "finished_late": (("finished_late",), _("Dossiers finished late")),
    "refused": (("refused",), _("Dossiers not received")),
    "withdrawn": (("withdrawn",), _("Dossiers withdrawn")),
    "stopped": (("stopped",), _("Dossiers whose processing was stopped")),
    "supplement_on_time": (("supplement_on_time",), _("Supplement requests on time")),
    "supplement_late": (("supplement_late",), _("Supplement requests late")),
    "supplement_repeat": (("supplement_repeat",), _("Repeated supplement requests")),
    "apology_on_time": (("apology_on_time",), _("Apologies before the deadline")),
    "apology_late": (("apology_late",), _("Apologies after the deadline")),
    "transfer_on_time": (("transfer_on_time",), _("Transfers on time")),
    "transfer_late": (("transfer_late",), _("Transfers late")),
    "open_overdue": (("open", True), _("In progress, overdue (now)")),
    "open_on_time": (("open", False), _("In progress, on time (now)")),
}


class UnknownMetric(ValueError):
    pass


@dataclass
class Page:
    rows: list
    next_after: int | None
    label: str


def _counted(kinds, period: Period, agency_ids, procedure_id, field_id) -> QuerySet:
    """The ids of the dossiers counted in the period, newest first, from `DossierFact`:
    a scope's rows through the agency indexes, the city's by walking the
    `(metric, dossier_id, day)` index down from the newest dossier."""
    facts = DossierFact.objects.filter(
        metric__in=[FACT_CODES[k] for k in kinds], day__gte=period.start, day__lte=period.end
    )
    if agency_ids is not None:
        ids = list(agency_ids)
        facts = facts.filter(Q(receiving_agency_id__in=ids) | Q(competent_agency_id__in=ids))
    if procedure_id:
        facts = facts.filter(procedure_id=procedure_id)
    if field_id:
        facts = facts.filter(field_id=field_id)
    # A dossier counted on several days of the period is listed once.
    return facts.order_by("-dossier_id").values_list("dossier_id", flat=True).distinct()


def _open(overdue_now: bool, agency_ids, procedure_id, field_id, now) -> QuerySet:
    """The ids of the dossiers in progress now, newest first (today's stock moves with
    the clock: read live, from the dossiers)."""
    qs = Dossier.objects.filter(status__in=IN_PROGRESS)
    if agency_ids is not None:
        ids = list(agency_ids)
        qs = qs.filter(Q(receiving_agency_id__in=ids) | Q(competent_agency_id__in=ids))
    if procedure_id:
        qs = qs.filter(version__procedure_id=procedure_id)
    if field_id:
        qs = qs.filter(version__procedure__field_id=field_id)
    overdue = Q(status__in=RUNNING, due_at__lt=now or timezone.now())
    qs = qs.filter(overdue) if overdue_now else qs.exclude(overdue)
    return qs.order_by("-pk").values_list("pk", flat=True)


def dossiers_behind(
    metric: str,
    *,
    period: Period,
    agency_ids: set[int] | None,
    procedure_id: int | None = None,
    field_id: int | None = None,
    after: int | None = None,
    now=None,
) -> Page:
    """One page of the dossiers counted by `metric` in the period, as of the last
    refresh of its days (the same rows the figure was summed from). The "open"
    metrics are the dossiers in progress now (the drill-down of today's stock)."""
    if metric not in METRICS:
        raise UnknownMetric(metric)
    how, label = METRICS[metric]
    if how[0] == "open":
        ids = _open(how[1], agency_ids, procedure_id, field_id, now)
        if after:
            ids = ids.filter(pk__lt=after)
    else:
        ids = _counted(how, period, agency_ids, procedure_id, field_id)
        if after:
            ids = ids.filter(dossier_id__lt=after)
    # The page's ids first, alone; then their rows with the procedure and agencies.
    # Joined in one query, the planner may merge the dossiers with the versions by
    # walking the whole dossier table in version order.
    page_ids = list(ids[: PAGE + 1])
    more = len(page_ids) > PAGE
    page_ids = page_ids[:PAGE]
    rows = list(
        Dossier.objects.filter(pk__in=page_ids)
        .select_related("version__procedure", "receiving_agency", "competent_agency")
        .defer(*HEAVY_PROCEDURE_FIELDS, "form_data")
        .order_by("-pk")
    )
    return Page(rows, page_ids[-1] if more else None, str(label))
