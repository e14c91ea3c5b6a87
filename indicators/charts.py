"""Charts drawn on the server as SVG: no script, no CDN (government networks are
closed). Each chart is an image with a title; the page shows the same numbers in a
table beside it, which is what assistive technology reads."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

BAR = 18
GAP = 6
LABEL = 190
WIDTH = 560


def _clip(text: str, size: int = 28) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def hbars(
    title: str, rows: list[tuple[str, float | None]], *, unit: str = "", top=None
) -> SafeString:
    """Horizontal bars, one per row (label, value); None is drawn as no bar, "—"."""
    values = [v for _l, v in rows if v is not None]
    top = top or max(values, default=0) or 1
    height = len(rows) * (BAR + GAP) + GAP
    room = WIDTH - LABEL - 60
    bars = []
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        width = 0 if value is None else max(1, round(room * value / top))
        shown = "—" if value is None else f"{value:g}{unit}"
        bars.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="chart__label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="chart__bar"></rect>'
                '<text x="{}" y="{}" class="chart__value">{}</text>',
                LABEL - 6,
                y + BAR - 5,
                _clip(label),
                LABEL,
                y,
                width,
                BAR,
                LABEL + width + 4,
                y + BAR - 5,
                shown,
            )
        )
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        WIDTH,
        height,
        title,
        mark_safe("".join(bars)),  # noqa: S308 - every part escaped by format_html
    )


def columns(title: str, rows: list[tuple[str, int, int]], legend: tuple[str, str]) -> SafeString:
    """Paired columns per period step (label, first, second): received and finished."""
    if not rows:
        rows = [("", 0, 0)]
    top = max(max(a, b) for _l, a, b in rows) or 1
    plot_h, base = 160, 180
    step = max(8, min(40, (WIDTH - 40) // len(rows)))
    width = 40 + step * len(rows)
    col = max(2, (step - 4) // 2)
    parts = []
    for i, (label, first, second) in enumerate(rows):
        x = 30 + i * step
        h1, h2 = round(plot_h * first / top), round(plot_h * second / top)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="chart__bar"></rect>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="chart__bar chart__bar--alt">'
                "</rect>",
                x,
                base - h1,
                col,
                h1,
                x + col,
                base - h2,
                col,
                h2,
            )
        )
        if len(rows) <= 16 or i % max(1, len(rows) // 8) == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" class="chart__label">{}</text>', x, base + 14, label
                )
            )
    legend_svg = format_html_join(
        "",
        '<rect x="{}" y="4" width="10" height="10" class="{}"></rect>'
        '<text x="{}" y="13" class="chart__label">{}</text>',
        [
            (30, "chart__bar", 44, legend[0]),
            (200, "chart__bar chart__bar--alt", 214, legend[1]),
        ],
    )
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {} 200" width="100%" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title>{}</title>{}<line x1="28" y1="{}" x2="{}" y2="{}" class="chart__axis"></line>'
        "{}</svg>",
        max(width, WIDTH),
        title,
        legend_svg,
        base,
        max(width, WIDTH),
        base,
        mark_safe("".join(parts)),  # noqa: S308 - every part escaped by format_html
    )
