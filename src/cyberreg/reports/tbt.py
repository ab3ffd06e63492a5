"""The TBT monitor report: the figures as JSON, and as a self-contained HTML page with inline SVG charts.

The charts are drawn here as plain SVG (no script, no CDN, no font files), so the page works offline and
prints. Every text that goes into a chart is escaped here; the template escapes everything else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from cyberreg.reports.render import html
from cyberreg.services.analysis import TbtFigures

BLUE = "#2b5c8a"
ORANGE = "#c2571a"
GREY = "#d5dbe3"
TEXT = "#1d2733"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif"


def _markup(text: str) -> Markup:
    """Chart markup built in this module, where every text from the data went through `escape`."""
    return Markup(text)  # noqa: S704 - built from escaped text only


def _empty(title: str) -> Markup:
    return _markup(f'<p class="empty">{escape(title)}: no data.</p>')


def money(value: float | None) -> str:
    """`159_800_000_000` -> `USD 159.8 bn`; None -> `n/a`."""
    if value is None:
        return "n/a"
    for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"USD {value / size:,.1f} {suffix}"
    return f"USD {value:,.0f}"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value`: 1, 2, 2.5, 5 or 10 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10.0 * power


def _axis(values: list[float]) -> tuple[float, int]:
    """The axis maximum and the number of grid steps; counts get whole-number ticks."""
    highest = max(values)
    if not all(float(v).is_integer() for v in values):
        return _nice_max(highest), 4
    if highest <= 4:
        return max(1.0, highest), max(1, int(highest))
    peak = _nice_max(highest)
    return peak, next((n for n in (4, 5, 2) if (peak / n).is_integer()), 4)


def _label(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def column_chart(items: Sequence[tuple[str, float]], *, title: str, color: str = BLUE) -> Markup:
    """Vertical bars (years on the x axis), values on top, four grid lines."""
    if not items:
        return _empty(title)
    width, height, left, right, top, bottom = 640, 250, 44, 12, 40, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak, ticks = _axis([v for _, v in items])
    slot = plot_w / len(items)
    bar = max(2.0, min(42.0, slot * 0.7))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" style="{FONT};max-width:{width}px">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="{TEXT}">{escape(title)}</text>',
    ]
    for tick in range(ticks + 1):
        value = peak * tick / ticks
        y = top + plot_h - plot_h * tick / ticks
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GREY}"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#5b6b7c">'
            f"{escape(_label(value))}</text>"
        )
    every = max(1, round(len(items) / 16))
    for index, (name, value) in enumerate(items):
        x = left + slot * index + (slot - bar) / 2
        h = plot_h * value / peak
        y = top + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{escape(name)}: {escape(_label(value))}</title></rect>"
        )
        if value and len(items) <= 24:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" font-size="10" text-anchor="middle" '
                f'fill="{TEXT}">{escape(_label(value))}</text>'
            )
        if (len(items) - 1 - index) % every == 0:  # the latest year always labelled
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" font-size="10" text-anchor="middle" '
                f'fill="#5b6b7c">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return _markup("".join(parts))


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    color: str = BLUE,
    limit: int = 15,
    label_chars: int = 42,
) -> Markup:
    """Horizontal bars, largest first (at most `limit`, the rest summed as `others`)."""
    if not items:
        return _empty(title)
    rows = list(items[:limit])
    if len(items) > limit:
        rows.append((f"{len(items) - limit} others", sum(v for _, v in items[limit:])))
    width, left, right, top, row_h = 640, 270, 56, 28, 22
    height = top + row_h * len(rows) + 8
    peak = max(v for _, v in rows) or 1.0
    plot_w = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" style="{FONT};max-width:{width}px">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="600" fill="{TEXT}">{escape(title)}</text>',
    ]
    for index, (name, value) in enumerate(rows):
        y = top + row_h * index
        shown = name if len(name) <= label_chars else name[: label_chars - 1] + "\u2026"
        w = max(1.0, plot_w * value / peak)
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" font-size="11" text-anchor="end" fill="{TEXT}">'
            f"<title>{escape(name)}</title>{escape(shown)}</text>"
        )
        parts.append(
            f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}">'
            f"<title>{escape(name)}: {escape(_label(value))}</title></rect>"
        )
        parts.append(
            f'<text x="{left + w + 6:.1f}" y="{y + 15}" font-size="11" fill="{TEXT}">'
            f"{escape(_label(value))}</text>"
        )
    parts.append("</svg>")
    return _markup("".join(parts))


def share_chart(rows: Sequence[tuple[str, int, int]], *, title: str, color: str = ORANGE) -> Markup:
    """One 100% bar per row: `part` of `whole`, with the percentage and the counts."""
    rows = [r for r in rows if r[2]]
    if not rows:
        return _empty(title)
    width, left, right, top, row_h = 640, 270, 120, 28, 26
    height = top + row_h * len(rows) + 6
    plot_w = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" style="{FONT};max-width:{width}px">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="600" fill="{TEXT}">{escape(title)}</text>',
    ]
    for index, (name, part, whole) in enumerate(rows):
        y = top + row_h * index
        w = plot_w * part / whole
        text = f"{part / whole * 100:.0f}% ({part} of {whole})"
        parts += [
            f'<text x="{left - 8}" y="{y + 16}" font-size="11" text-anchor="end" fill="{TEXT}">'
            f"{escape(name)}</text>",
            f'<rect x="{left}" y="{y + 5}" width="{plot_w}" height="{row_h - 10}" fill="{GREY}"/>',
            f'<rect x="{left}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" fill="{color}">'
            f"<title>{escape(name)}: {escape(text)}</title></rect>",
            f'<text x="{left + plot_w + 6}" y="{y + 16}" font-size="11" fill="{TEXT}">{escape(text)}</text>',
        ]
    parts.append("</svg>")
    return _markup("".join(parts))


def _items(counts: dict[str, int]) -> list[tuple[str, float]]:
    return [(name, float(value)) for name, value in counts.items()]


def _years(counts: dict[str, int]) -> list[tuple[str, float]]:
    """Every year from the first to the last (empty years shown as zero); unknown years left out."""
    years = sorted(int(y) for y in counts if y.isdigit())
    if not years:
        return []
    return [(str(y), float(counts.get(str(y), 0))) for y in range(years[0], years[-1] + 1)]


def charts(f: TbtFigures) -> dict[str, Markup]:
    cyber, every = f.notifications_cyber, f.notifications_all
    stc, stc_all = f.concerns_cyber, f.concerns_all
    return {
        "cyber_by_year": column_chart(
            _years(cyber.by_year), title="Cyber-related measures notified, by year"
        ),
        "all_by_year": column_chart(
            _years(every.by_year), title="All measures notified, by year", color=GREY
        ),
        "cyber_by_member": bar_chart(
            _items(cyber.by_member), title="Cyber-related measures by notifying member"
        ),
        "cyber_by_sector": bar_chart(
            [(name.replace("_", " "), value) for name, value in _items(cyber.by_sector)],
            title="Cyber-related measures by sector",
        ),
        "cyber_by_objective": bar_chart(
            _items(cyber.by_objective), title="Cyber-related measures by stated objective"
        ),
        "all_by_objective": bar_chart(
            _items(every.by_objective), title="All measures by stated objective", color="#7c8a99"
        ),
        "shares": share_chart(
            [
                (f"cyber measures since {cyber.since_year}", cyber.since_count, cyber.measures),
                ("cyber measures, national security", cyber.national_security, cyber.measures),
                (f"cyber STCs since {stc.since_year}", stc.since_count, stc.concerns),
                (f"all measures since {every.since_year}", every.since_count, every.measures),
                ("all measures, national security", every.national_security, every.measures),
            ],
            title="Shares",
        ),
        "stc_by_year": column_chart(
            _years(stc.by_year), title="Cyber-related trade concerns, by year first raised", color=ORANGE
        ),
        "stc_all_by_year": column_chart(
            _years(stc_all.by_year), title="All trade concerns, by year first raised", color="#7c8a99"
        ),
        "stc_by_member": bar_chart(
            _items(stc.by_maintaining_member),
            title="Cyber-related concerns by maintaining member",
            color=ORANGE,
        ),
    }


def to_json(figures: TbtFigures) -> str:
    return json.dumps(figures.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def to_html(figures: TbtFigures) -> str:
    return html(
        "tbt.html.j2",
        f=figures,
        charts=charts(figures),
        money=money,
        percent=percent,
        data=figures.model_dump(mode="json"),
    )
