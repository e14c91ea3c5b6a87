"""The public transparency page `/minh-bach/`: each agency's figures and service index
for a period, without sign-in and without any personal data. The figures come from
`indicators.reports.public_report` (cached), the same as the JSON API's."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from indicators import charts, periods, reports


@require_GET
def transparency(request):
    error = ""
    try:
        period = periods.from_query(request.GET)
    except periods.PeriodError as problem:
        error = str(problem)
        period = periods.period_of("month", timezone.localdate())
    report = reports.public_report(period)
    top = [a for a in report["agencies"] if a["depth"] == 0]
    context = {
        "report": report,
        "period": period,
        "error": error,
        "kinds": list(periods.KINDS.items()),
        "kind": request.GET.get("ky") or ("custom" if "tu" in request.GET else "month"),
        "anchor": request.GET.get("ngay", ""),
        "start": request.GET.get("tu", ""),
        "end": request.GET.get("den", ""),
        "chart": charts.hbars(
            _("On-time rate by agency (%)"),
            [(a["name"], a["on_time_rate"]) for a in (top if len(top) > 1 else report["agencies"])],
            unit="%",
            top=100,
        )
        if report["agencies"]
        else "",
    }
    return render(request, "portal/transparency.html", context, status=400 if error else 200)
