"""Statistics and the Decision 766 index for leaders, agency administrators and the
city overseers (`indicators.selectors.statistics_scope` decides who sees what).

Thin views: the period and the agency from the query string, one report from
`indicators.reports`, a page, an XLSX workbook or the dossiers behind one figure.
Bad input (a date, a period, an unknown figure) answers 400 with the reason; an agency
outside the official's statistics is a 404, as if it did not exist.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backoffice.gate import forbidden, official_required
from indicators import charts, drilldown, exports, memo, periods, reports, selectors


def scope_and_agency(request):
    tree = selectors.agency_tree()
    scope = selectors.statistics_scope(request.user, tree)
    code = (request.GET.get("co-quan") or "").strip()
    if code:
        node = tree.by_code(code)
        if node is None or not scope.sees(node.id):
            raise Http404(_("No agency with this code among the agencies you oversee."))
        agency_id = node.id
    else:
        agency_id = None if scope.city else (scope.roots[0] if scope.roots else None)
    return tree, scope, agency_id


def _period(request):
    try:
        return periods.from_query(request.GET), ""
    except periods.PeriodError as error:
        return periods.period_of("month", timezone.localdate()), str(error)


def agency_choices(tree, scope):
    choices = [("", _("Whole city"))] if scope.city else []

    def walk(parent, depth):
        for agency_id in tree.children.get(parent, []):
            node = tree.nodes[agency_id]
            if scope.sees(agency_id):
                choices.append((node.code, "\u2003" * depth + node.name))
            walk(agency_id, depth + 1)

    walk(None, 0)
    return choices


def _figure_rows(f):
    """(label, value, metric for the drill-down or "") of the summary table."""
    from indicators.templatetags.statistics import avg, pct

    return [
        (_("Received"), f.counts["received"], "received"),
        (_("— online"), f.received_online, ""),
        (_("— on paper (at the desk or by post)"), f.counts["paper_received"], "paper_received"),
        (_("In progress, on time"), f.counts["open_on_time"], "open_on_time"),
        (_("In progress, overdue"), f.counts["open_overdue"], "open_overdue"),
        (_("Finished (result returned)"), f.finished, "finished"),
        (_("— early"), f.counts["finished_early"], "finished_early"),
        (_("— on time"), f.counts["finished_on_time"], "finished_on_time"),
        (_("— late"), f.counts["finished_late"], "finished_late"),
        (_("Not received (refused)"), f.counts["refused"], "refused"),
        (_("Withdrawn"), f.counts["withdrawn"], "withdrawn"),
        (_("Processing stopped"), f.counts["stopped"], "stopped"),
        (_("On-time rate"), pct(f.on_time_rate), ""),
        (_("Online rate"), pct(f.online_rate), ""),
        (_("Online payment rate"), pct(f.online_payment_rate), ""),
        (_("Digitisation rate (paper dossiers scanned at receipt)"), pct(f.digitisation_rate), ""),
        (_("Results issued electronically"), pct(f.electronic_result_rate), ""),
        (_("Average processing time (working days)"), avg(f.average_days), ""),
        (_("90th percentile of processing time (working days)"), f.p90_days or "—", ""),
        (_("Average allotted time (working days)"), avg(f.average_allotted), ""),
        (_("Supplement requests on time"), f.counts["supplement_on_time"], "supplement_on_time"),
        (_("Supplement requests late"), f.counts["supplement_late"], "supplement_late"),
        (_("Repeated supplement requests"), f.counts["supplement_repeat"], "supplement_repeat"),
        (_("Apologies before the deadline"), f.counts["apology_on_time"], "apology_on_time"),
        (_("Apologies after the deadline"), f.counts["apology_late"], "apology_late"),
        (_("Transfers on time (15:00 rule)"), f.counts["transfer_on_time"], "transfer_on_time"),
        (_("Transfers late (15:00 rule)"), f.counts["transfer_late"], "transfer_late"),
        (_("Satisfaction ratings"), f.counts["ratings"], ""),
        (_("Average satisfaction (1 to 5)"), avg(f.satisfaction, 2), ""),
        (_("Share of good ratings (4 or 5)"), pct(f.good_rating_rate), ""),
    ]


@require_GET
@official_required
def statistics(request):
    tree, scope, agency_id = scope_and_agency(request)
    if not scope.allowed:
        return forbidden(request, "role")
    period, error = _period(request)
    report = reports.statistics_report(period=period, agency_id=agency_id, tree=tree)
    title = report.agency.name if report.agency else _("Whole city")
    if request.GET.get("xuat") == "xlsx" and not error:
        # The same summary, index and title make the same workbook: kept as long as the
        # summary (the index, which carries the live feedback figures, is in the key).
        content = memo.remembered(
            "xlsx",
            (
                *reports.summary_parts(period, agency_id, tree),
                get_language(),
                title,
                repr(exports.index_rows(report)),
            ),
            lambda: exports.workbook(report, title),
        )
        response = HttpResponse(content, content_type=exports.XLSX_TYPE)
        name = f"thong-ke-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    code = report.agency.code if report.agency else ""
    base = {"co-quan": code, "tu": period.start.isoformat(), "den": period.end.isoformat()}
    kept = {k: v for k, v in request.GET.items() if k != "xuat"}
    context = {
        "report": report,
        "title": title,
        "error": error,
        "kinds": periods.KINDS.items(),
        "kind": request.GET.get("ky") or ("custom" if "tu" in request.GET else "month"),
        "anchor": request.GET.get("ngay", ""),
        "start": request.GET.get("tu", ""),
        "end": request.GET.get("den", ""),
        "agency_code": code,
        "agency_choices": agency_choices(tree, scope),
        "figure_rows": _figure_rows(report.figures),
        # The fragments drawn from the summary alone are kept rendered as long as it.
        "summary_key": memo.fragment_key(reports.summary_parts(period, agency_id, tree)),
        "summary_ttl": memo.TTL,
        "drill": urlencode(base),
        "export_query": urlencode({**kept, "xuat": "xlsx"}),
        "units_chart": charts.hbars(
            _("On-time rate by unit (%)"),
            [
                (
                    u.label,
                    None
                    if u.figures.on_time_rate is None
                    else round(u.figures.on_time_rate * 100, 1),
                )
                for u in report.units
            ],
            unit="%",
            top=100,
        )
        if report.units
        else "",
        "trend_chart": charts.columns(
            _("Received and finished over the period"),
            report.trend,
            (_("Received"), _("Finished")),
        ),
    }
    return render(request, "backoffice/statistics.html", context, status=400 if error else 200)


@require_GET
@official_required
def statistics_dossiers(request):
    tree, scope, agency_id = scope_and_agency(request)
    if not scope.allowed:
        return forbidden(request, "role")
    period, error = _period(request)
    metric = request.GET.get("chi-so", "")
    ids = tree.subtree(agency_id) if agency_id is not None else None
    numbers = {}
    for name, key in (("after", "sau"), ("procedure_id", "thu-tuc"), ("field_id", "linh-vuc")):
        raw = request.GET.get(key, "")
        if raw:
            if not raw.isdigit():
                error = error or _("“%(value)s” is not a number.") % {"value": raw[:20]}
            else:
                numbers[name] = int(raw)
    if metric not in drilldown.METRICS:
        error = error or _("Unknown figure “%(value)s”.") % {"value": metric[:40]}
    page = None
    if not error:
        page = drilldown.dossiers_behind(metric, period=period, agency_ids=ids, **numbers)
    kept = {k: v for k, v in request.GET.items() if k != "sau"}
    context = {
        "page": page,
        "error": error,
        "period": period,
        "agency": tree.nodes.get(agency_id) if agency_id is not None else None,
        "back": urlencode({k: v for k, v in kept.items() if k in ("co-quan", "tu", "den")}),
        "next_url": f"?{urlencode({**kept, 'sau': page.next_after})}"
        if page and page.next_after
        else "",
    }
    return render(
        request, "backoffice/statistics_dossiers.html", context, status=400 if error else 200
    )
