"""The statistics page as an XLSX workbook: the same tables, one sheet each. Small
(a row per unit, field or procedure), so it is written in memory."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from indicators.reports import Report

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pct(rate):
    return None if rate is None else round(rate * 100, 1)


def figure_columns():
    """(heading, function of Figures) for the tables of units, fields and procedures."""
    return [
        (_("Received"), lambda f: f.counts["received"]),
        (_("Received online"), lambda f: f.received_online),
        (_("In progress, on time"), lambda f: f.counts["open_on_time"]),
        (_("In progress, overdue"), lambda f: f.counts["open_overdue"]),
        (_("Finished early"), lambda f: f.counts["finished_early"]),
        (_("Finished on time"), lambda f: f.counts["finished_on_time"]),
        (_("Finished late"), lambda f: f.counts["finished_late"]),
        (_("Not received"), lambda f: f.counts["refused"]),
        (_("Withdrawn"), lambda f: f.counts["withdrawn"]),
        (_("Stopped"), lambda f: f.counts["stopped"]),
        (_("On-time rate (%)"), lambda f: _pct(f.on_time_rate)),
        (_("Online rate (%)"), lambda f: _pct(f.online_rate)),
        (_("Online payment rate (%)"), lambda f: _pct(f.online_payment_rate)),
        (_("Digitisation rate (%)"), lambda f: _pct(f.digitisation_rate)),
        (_("Average working days"), lambda f: f.average_days and round(f.average_days, 2)),
        (_("90th percentile (working days)"), lambda f: f.p90_days),
        (_("Average allotted days"), lambda f: f.average_allotted and round(f.average_allotted, 2)),
        (_("Average satisfaction (1-5)"), lambda f: f.satisfaction and round(f.satisfaction, 2)),
        (_("Good ratings (%)"), lambda f: _pct(f.good_rating_rate)),
    ]


def index_rows(report: Report) -> list[list] | None:
    """The rows of the index sheet (one per component, then the total), or None
    without an index edition."""
    if report.score is None:
        return None
    rows = [
        [
            group.group.name,
            comp.component.name,
            float(comp.component.max_points),
            float(comp.points) if comp.available else _("not available"),
            float(comp.rate) if comp.rate is not None else "",
            comp.formula,
        ]
        for group in report.score.groups
        for comp in group.components
    ]
    rows.append([_("Total"), "", float(report.score.maximum), float(report.score.total)])
    return rows


def workbook(report: Report, title: str) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = wb.add_format({"bold": True})
    columns = figure_columns()

    def sheet(name, first_heading, lines):
        ws = wb.add_worksheet(name[:31])
        ws.write_row(0, 0, [title, str(report.period)], bold)
        ws.write_row(2, 0, [first_heading, *(h for h, _f in columns)], bold)
        for r, (label, figures) in enumerate(lines, start=3):
            ws.write(r, 0, label)
            for c, (_h, fn) in enumerate(columns, start=1):
                value = fn(figures)
                if value is not None:
                    ws.write(r, c, value)
        ws.set_column(0, 0, 40)

    agency = report.agency.name if report.agency else _("Whole city")
    sheet(_("Summary"), _("Agency"), [(agency, report.figures)])
    sheet(_("Units"), _("Agency"), [(line.label, line.figures) for line in report.units])
    sheet(_("Fields"), _("Field"), [(line.label, line.figures) for line in report.fields])
    sheet(
        _("Procedures"), _("Procedure"), [(line.label, line.figures) for line in report.procedures]
    )
    rows = index_rows(report)
    if rows is not None:
        ws = wb.add_worksheet(_("Index")[:31])
        ws.write_row(
            0,
            0,
            [_("Group"), _("Component"), _("Points"), _("Earned"), _("Rate (%)"), _("Formula")],
            bold,
        )
        for row, values in enumerate(rows[:-1], start=1):
            ws.write_row(row, 0, values)
        ws.write_row(len(rows) + 1, 0, rows[-1], bold)
        ws.set_column(0, 1, 45)
        ws.set_column(5, 5, 80)
    wb.close()
    return buffer.getvalue()
