"""The dossiers behind a figure: the same rules as the refresh (`indicators.refresh`),
read from the dossiers and their log for one agency subtree and period, one page at a
time (keyset on the dossier id, newest first), so a page costs the same whatever the
number behind it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.constants import RUNNING, Action
from dossiers.models import HEAVY_PROCEDURE_FIELDS, Dossier, DossierLog
from indicators.periods import Period
from indicators.refresh import IN_PROGRESS, day_bounds
from procedures.constants import ChannelMethod

PAGE = 50


def _log(action, **data) -> tuple:
    return ("log", action, data)


# metric -> how to find its dossiers, with the label of the list.
METRICS = {
    "received": (("received",), _("Dossiers received")),
    "paper_received": (("paper",), _("Dossiers received on paper")),
    "finished": (_log(Action.RETURN_RESULT), _("Dossiers finished (result returned)")),
    "finished_early": (
        _log(Action.RETURN_RESULT, timeliness="early"),
        _("Dossiers finished early"),
    ),
    "finished_on_time": (
        ("log", Action.RETURN_RESULT, {"_on_time": True}),
        _("Dossiers finished on time"),
    ),
    "finished_late": (_log(Action.RETURN_RESULT, timeliness="late"), _("Dossiers finished late")),
    "refused": (_log(Action.REFUSE), _("Dossiers not received")),
    "withdrawn": (_log(Action.WITHDRAW), _("Dossiers withdrawn")),
    "stopped": (_log(Action.STOP), _("Dossiers whose processing was stopped")),
    "supplement_on_time": (
        ("log", Action.REQUEST_SUPPLEMENT, {"phase": "processing", "_not_late": True}),
        _("Supplement requests on time"),
    ),
    "supplement_late": (
        _log(Action.REQUEST_SUPPLEMENT, timeliness="late"),
        _("Supplement requests late"),
    ),
    "supplement_repeat": (
        _log(Action.REQUEST_SUPPLEMENT, repeat=True),
        _("Repeated supplement requests"),
    ),
    "apology_on_time": (
        ("log", Action.APOLOGISE, {"_not_late": True}),
        _("Apologies before the deadline"),
    ),
    "apology_late": (_log(Action.APOLOGISE, timeliness="late"), _("Apologies after the deadline")),
    "transfer_on_time": (_log(Action.ASSIGN, transfer="on_time"), _("Transfers on time")),
    "transfer_late": (_log(Action.ASSIGN, transfer="late"), _("Transfers late")),
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


def _log_q(action, data: dict, start, end) -> QuerySet:
    entries = DossierLog.objects.filter(action=action, created_at__gte=start, created_at__lt=end)
    for key, value in data.items():
        if key == "_on_time":
            entries = entries.exclude(data__timeliness__in=["early", "late"])
        elif key == "_not_late":
            entries = entries.exclude(data__timeliness="late")
        else:
            entries = entries.filter(**{f"data__{key}": value})
    return entries.values("dossier_id")


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
    """One page of the dossiers counted by `metric` in the period. The "open" metrics
    are the dossiers in progress now (the drill-down of today's stock)."""
    if metric not in METRICS:
        raise UnknownMetric(metric)
    how, label = METRICS[metric]
    start, _ = day_bounds(period.start)
    _, end = day_bounds(period.end)
    qs = Dossier.objects.all()
    if agency_ids is not None:
        ids = list(agency_ids)
        qs = qs.filter(Q(receiving_agency_id__in=ids) | Q(competent_agency_id__in=ids))
    if procedure_id:
        qs = qs.filter(version__procedure_id=procedure_id)
    if field_id:
        qs = qs.filter(version__procedure__field_id=field_id)
    kind = how[0]
    if kind == "received":
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    elif kind == "paper":
        qs = qs.filter(received_at__gte=start, received_at__lt=end).exclude(
            channel=ChannelMethod.ONLINE
        )
    elif kind == "log":
        qs = qs.filter(pk__in=_log_q(how[1], how[2], start, end))
    else:
        moment = now or timezone.now()
        qs = qs.filter(status__in=IN_PROGRESS)
        overdue = Q(status__in=RUNNING, due_at__lt=moment)
        qs = qs.filter(overdue) if how[1] else qs.exclude(overdue)
    if after:
        qs = qs.filter(pk__lt=after)
    # The page's ids first, from the dossier table alone; then their rows with the
    # procedure and agencies. Joined in one query, the planner may merge the dossiers
    # with the versions by walking the whole dossier table in version order.
    page_ids = list(qs.order_by("-pk").values_list("pk", flat=True)[: PAGE + 1])
    rows = list(
        Dossier.objects.filter(pk__in=page_ids)
        .select_related("version__procedure", "receiving_agency", "competent_agency")
        .defer(*HEAVY_PROCEDURE_FIELDS, "form_data")
        .order_by("-pk")
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return Page(rows, rows[-1].pk if more else None, str(label))
