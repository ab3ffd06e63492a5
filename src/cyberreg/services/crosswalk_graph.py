"""The mapping graph of the whole store, built once and reused while the mappings do not change."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from cyberreg.crosswalk.inference import MappingGraph, edges_from_mappings
from cyberreg.model import Mapping
from cyberreg.services.store import Store
from cyberreg.store.tables import MappingRow

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], MappingGraph]] = {}


def mapping_graph(store: Store) -> MappingGraph:
    """Every accepted mapping in the store as one graph. Rebuilt only when mappings change (the
    fingerprint is the row count and the largest row id, which every insert or delete moves)."""
    with store.session() as session:
        fingerprint = tuple(
            session.execute(select(func.count(), func.coalesce(func.max(MappingRow.id), 0))).one()
        )
        with _lock:
            cached = _cache.get(store.url)
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
        records = [Mapping.model_validate(r) for r in session.scalars(select(MappingRow.record))]
    graph = MappingGraph(edges_from_mappings(records))
    with _lock:
        _cache[store.url] = ((int(fingerprint[0]), int(fingerprint[1])), graph)
    return graph
