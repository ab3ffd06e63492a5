"""A coverage report as CSV, Markdown or HTML."""

from __future__ import annotations

import datetime as dt

from cyberreg.model.taxonomy import TOPIC_LABELS, Topic
from cyberreg.reports.render import csv_text, html, markdown_table
from cyberreg.services.coverage import CoverageItem, CoverageReport

STATUS_LABEL = {"covered": "covered", "partial": "partly covered", "not_covered": "not covered"}


def _path(item: CoverageItem) -> str:
    return " ; ".join(f"{h.source} {h.relationship} {h.target} ({h.provenance})" for h in item.path)


def to_csv(report: CoverageReport) -> str:
    header = ["id", "instrument", "ref", "title", "obligation", "status", "relation", "via", "path"]
    return csv_text(
        header,
        (
            [
                i.id,
                i.instrument,
                i.ref,
                i.title,
                i.obligation,
                i.status,
                "|".join(i.relation),
                ";".join(i.via),
                _path(i),
            ]
            for i in report.items
        ),
    )


def _topic_label(topic: str) -> str:
    return TOPIC_LABELS.get(Topic(topic), topic) if topic in Topic._value2member_map_ else topic


def to_markdown(report: CoverageReport) -> str:
    parts = [
        f"# Coverage of {', '.join(report.targets)} by {', '.join(report.have)}",
        "",
        markdown_table(
            ["target", "covered", "partly covered", "not covered", "total"],
            ([t, n.covered, n.partial, n.not_covered, n.total] for t, n in report.per_target.items()),
        ),
        "## By topic",
        "",
        markdown_table(
            ["topic", "covered", "partly covered", "not covered"],
            ([_topic_label(t), n.covered, n.partial, n.not_covered] for t, n in report.per_topic.items()),
        ),
        "## Requirement by requirement",
        "",
        markdown_table(
            ["requirement", "title", "status", "via", "evidence"],
            ([i.id, i.title, STATUS_LABEL[i.status], ", ".join(i.via), _path(i)] for i in report.items),
        ),
    ]
    return "\n".join(parts)


def to_html(report: CoverageReport) -> str:
    return html(
        "coverage.html.j2",
        report=report,
        status_label=STATUS_LABEL,
        topic_label=_topic_label,
        generated=dt.date.today().isoformat(),
    )
