"""Two instruments side by side, topic by topic, with the mappings that join them."""

from __future__ import annotations

from pydantic import BaseModel

from cyberreg.model import RequirementKind
from cyberreg.model.taxonomy import TOPIC_LABELS, Topic
from cyberreg.services.catalog import instrument_requirements, mappings_between
from cyberreg.services.store import Store
from cyberreg.services.views import MappingView, RequirementView


class Side(BaseModel):
    id: str
    short_title: str
    kind: str
    requirement_count: int


class TopicRow(BaseModel):
    topic: str
    label: str
    left: list[RequirementView]
    right: list[RequirementView]
    mappings: list[MappingView]


class Comparison(BaseModel):
    left: Side
    right: Side
    rows: list[TopicRow]
    shared_topics: list[str]
    left_only_topics: list[str]
    right_only_topics: list[str]
    mappings: list[MappingView]


def compare(store: Store, left_id: str, right_id: str) -> Comparison:
    """Each requirement sits under its first (primary) topic, so it appears once; rows follow the
    taxonomy's order. `mappings` holds every direct mapping between the two instruments."""
    left_inst, left_reqs = instrument_requirements(store, left_id)
    right_inst, right_reqs = instrument_requirements(store, right_id)
    left = [RequirementView.of(r) for r in left_reqs if r.kind is RequirementKind.REQUIREMENT]
    right = [RequirementView.of(r) for r in right_reqs if r.kind is RequirementKind.REQUIREMENT]
    mappings = mappings_between(store, [r.id for r in left], [r.id for r in right])

    rows = []
    for topic in Topic:
        on_left = [r for r in left if r.topics and r.topics[0] == topic.value]
        on_right = [r for r in right if r.topics and r.topics[0] == topic.value]
        if not on_left and not on_right:
            continue
        ids = {r.id for r in on_left} | {r.id for r in on_right}
        joined = [m for m in mappings if m.source in ids or m.target in ids]
        rows.append(
            TopicRow(
                topic=topic.value, label=TOPIC_LABELS[topic], left=on_left, right=on_right, mappings=joined
            )
        )
    left_topics = {t for r in left for t in r.topics}
    right_topics = {t for r in right for t in r.topics}
    order = [t.value for t in Topic]
    return Comparison(
        left=Side(
            id=left_inst.id,
            short_title=left_inst.short_title,
            kind=left_inst.kind.value,
            requirement_count=len(left),
        ),
        right=Side(
            id=right_inst.id,
            short_title=right_inst.short_title,
            kind=right_inst.kind.value,
            requirement_count=len(right),
        ),
        rows=rows,
        shared_topics=[t for t in order if t in left_topics & right_topics],
        left_only_topics=[t for t in order if t in left_topics - right_topics],
        right_only_topics=[t for t in order if t in right_topics - left_topics],
        mappings=mappings,
    )
