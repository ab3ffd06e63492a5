"""Everything in the store, as one JSON document or as CSV tables."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select

from cyberreg.model import Mapping
from cyberreg.services.store import Store
from cyberreg.sources.mapping_csv import write_mappings_csv
from cyberreg.store.tables import (
    BodyRow,
    CommitmentRow,
    InstrumentRow,
    JurisdictionRow,
    MappingRow,
    RequirementRow,
)

CSV_TABLES = ("instruments", "requirements", "mappings", "jurisdictions")


def export_json(store: Store) -> dict[str, Any]:
    with store.session() as session:
        requirements: dict[str, list[dict[str, Any]]] = {}
        for r in session.scalars(
            select(RequirementRow).order_by(RequirementRow.instrument_id, RequirementRow.position)
        ):
            record = dict(r.record)
            record.pop("instrument", None)
            requirements.setdefault(r.instrument_id, []).append(record)
        return {
            "jurisdictions": [
                r.record for r in session.scalars(select(JurisdictionRow).order_by(JurisdictionRow.code))
            ],
            "bodies": [r.record for r in session.scalars(select(BodyRow).order_by(BodyRow.id))],
            "instruments": [
                {**r.record, "requirements": requirements.get(r.id, [])}
                for r in session.scalars(select(InstrumentRow).order_by(InstrumentRow.id))
            ],
            "mappings": [
                r.record
                for r in session.scalars(
                    select(MappingRow).order_by(MappingRow.source_id, MappingRow.target_id)
                )
            ],
            "commitments": [
                r.record for r in session.scalars(select(CommitmentRow).order_by(CommitmentRow.id))
            ],
        }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


_COLUMNS = {
    "instruments": [
        "id",
        "kind",
        "short_title",
        "title",
        "version",
        "issuer",
        "jurisdictions",
        "status",
        "summary",
        "last_reviewed",
    ],
    "requirements": [
        "id",
        "instrument",
        "ref",
        "parent",
        "kind",
        "title",
        "summary",
        "topics",
        "obligation",
        "conditional",
        "categories",
    ],
    "jurisdictions": ["code", "name", "kind", "wto_member", "members"],
}


def export_csv(store: Store, table: str) -> str:
    if table not in CSV_TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(CSV_TABLES)}")
    data = export_json(store)
    if table == "mappings":
        # The same layout `cyberreg import mappings` reads, sources included, so it round-trips.
        out = io.StringIO()
        write_mappings_csv((Mapping.model_validate(m) for m in data["mappings"]), out)
        return out.getvalue()
    if table == "requirements":
        rows = [
            {**req, "id": f"{inst['id']}:{req['ref']}", "instrument": inst["id"]}
            for inst in data["instruments"]
            for req in inst["requirements"]
        ]
    else:
        rows = data[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_COLUMNS[table])
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in _COLUMNS[table]])
    return out.getvalue()
