"""Curated mappings that contradict each other, with the paths that show it."""

from __future__ import annotations

from pydantic import BaseModel

from cyberreg.crosswalk.algebra import format_relset
from cyberreg.services.coverage import Hop
from cyberreg.services.crosswalk_graph import mapping_graph
from cyberreg.services.store import Store


class ContradictionView(BaseModel):
    source: str
    target: str
    kind: str  # pair (mappings on one pair disagree), paths, or network
    paths: list[list[Hop]]
    relations: list[str]  # what each path says of source ? target
    suspect: str  # the weakest mapping involved: review it first


def check_consistency(store: Store, *, max_hops: int = 3) -> list[ContradictionView]:
    graph = mapping_graph(store)
    found = []
    for c in graph.contradictions(max_hops=max_hops):
        s = c.suspect
        found.append(
            ContradictionView(
                source=c.source,
                target=c.target,
                kind=c.kind,
                paths=[
                    [Hop(source=s, relationship=r, target=t, provenance=p) for s, r, t, p in d.as_tuples()]
                    for d in c.paths
                ],
                relations=[format_relset(d.relation) for d in c.paths],
                suspect=f"{s.source} {s.relationship.value} {s.target} ({s.provenance})",
            )
        )
    return found
