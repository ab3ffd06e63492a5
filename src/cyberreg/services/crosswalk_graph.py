"""The mapping graph of the whole store, built once and reused while the mappings do not change."""

from __future__ import annotations

import threading

from sqlalchemy import select

from cyberreg.crosswalk.inference import Edge, MappingGraph
from cyberreg.model import ReviewState
from cyberreg.services.catalog import data_version
from cyberreg.services.store import Store
from cyberreg.store.tables import MappingRow

_lock = threading.Lock()
_cache: dict[str, tuple[str, MappingGraph]] = {}


def mapping_graph(store: Store) -> MappingGraph:
    """Every accepted mapping in the store as one graph, rebuilt only when the data changes: every
    write of an origin updates its content hash, and every review decision its own counter."""
    fingerprint = data_version(store)
    with _lock:
        cached = _cache.get(store.url)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
    with store.session() as session:
        # Columns, not validated records: every row was validated on its way in, and this is ~10x faster.
        rows = session.execute(
            select(
                MappingRow.source_id,
                MappingRow.target_id,
                MappingRow.relationship,
                MappingRow.provenance,
                MappingRow.strength,
                MappingRow.joint,
                MappingRow.record["joint_relationship"].as_string(),
            ).where(MappingRow.review_state == ReviewState.ACCEPTED.value)
        ).all()
    edges = [
        Edge(
            source=source,
            target=target,
            relationship=relationship,
            provenance=provenance,
            strength=strength,
            joint=joint,
            joint_relationship=joint_relationship if joint else None,
        )
        for source, target, relationship, provenance, strength, joint, joint_relationship in rows
    ]
    graph = MappingGraph(edges)
    with _lock:
        _cache[store.url] = (fingerprint, graph)
    return graph
