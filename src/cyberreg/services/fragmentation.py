"""Regulatory fragmentation: how far each regime's requirements are met by another's, and one index.

Overlap, one direction. `overlap(A, B)` is the share of A's requirements (every requirement, not
headings) that B covers, with partial coverage counted as half:

    overlap(A, B) = (covered + 0.5 * partial) / |A|

where a requirement of A is `covered` when services.coverage finds B's requirements equal to it or
asking more (directly, through joint mappings or inferred along up to `max_hops` mappings), and
`partial` when they certainly overlap it without covering it. It lies in [0, 1]; it is undefined
(None) when A has no requirements. It is not symmetric: a short regulation can be fully met by a long
standard (overlap 1) while the standard is barely met by the regulation. The matrix holds
`overlap(row, column)`, 1 on the diagonal.

Fragmentation index, one set of regimes:

    F = 1 - mean of overlap(A, B) over ordered pairs A != B where it is defined

F lies in [0, 1]: 0 when every regime fully meets every other (one rulebook in several places), 1
when no requirement of any regime is met, even partly, by another. It is None when fewer than two
regimes have requirements. Per product category the regimes are the mandatory ones (regulations in
force, adopted or superseded, not proposed, repealed or withdrawn) whose scope takes in the category,
by the planner's category rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from cyberreg.model.instrument import ProductCategory
from cyberreg.services.catalog import NotFound
from cyberreg.services.planner import category_match, check_category
from cyberreg.services.planner_requirements import (
    INACTIVE,
    Catalogue,
    coverage_statuses,
    is_binding_instrument,
    load_catalogue,
)
from cyberreg.services.store import Store

PARTIAL_WEIGHT = 0.5
FORMULA = (
    "overlap(A, B) = (covered + 0.5 x partial) / |A|, A's requirements met by B; "
    "fragmentation index = 1 - mean overlap over ordered pairs A != B; range [0, 1], "
    "0 = every regime fully meets every other, 1 = no overlap at all"
)


class PairOverlap(BaseModel):
    source: str  # A: whose requirements are counted
    target: str  # B: the regime held
    requirements: int
    covered: int
    partial: int
    overlap: float | None


class CategoryIndex(BaseModel):
    category: str
    regimes: list[str]
    pairs: int  # ordered pairs with a defined overlap
    mean_overlap: float | None
    index: float | None


class FragmentationReport(BaseModel):
    category: str | None
    instruments: list[str]
    titles: dict[str, str]
    jurisdictions: dict[str, list[str]]
    matrix: list[list[float | None]]  # matrix[i][j] = overlap(instruments[i], instruments[j])
    pairs: list[PairOverlap]
    mean_overlap: float | None
    index: float | None
    formula: str
    max_hops: int


def regimes_for(cat: Catalogue, category: str) -> list[str]:
    """The mandatory regimes whose scope takes in the product category."""
    category = check_category(category)
    return [
        i.id
        for i in cat.instruments.values()
        if is_binding_instrument(i) and i.status not in INACTIVE and category_match(i, category)
    ]


def _pairs(store: Store, cat: Catalogue, ids: list[str], max_hops: int) -> list[PairOverlap]:
    out = []
    for b in ids:
        others = [a for a in ids if a != b]
        statuses = coverage_statuses(store, [b], others, max_hops=max_hops)
        for a in others:
            leaves = cat.leaves(a)
            covered = sum(statuses.get(r.id) == "covered" for r in leaves)
            partial = sum(statuses.get(r.id) == "partial" for r in leaves)
            share = (covered + PARTIAL_WEIGHT * partial) / len(leaves) if leaves else None
            out.append(
                PairOverlap(
                    source=a,
                    target=b,
                    requirements=len(leaves),
                    covered=covered,
                    partial=partial,
                    overlap=None if share is None else round(share, 6),
                )
            )
    return sorted(out, key=lambda p: (ids.index(p.source), ids.index(p.target)))


def _index(pairs: list[PairOverlap]) -> tuple[float | None, float | None]:
    defined = [p.overlap for p in pairs if p.overlap is not None]
    if not defined:
        return None, None
    mean = sum(defined) / len(defined)
    return round(mean, 6), round(1 - mean, 6)


def fragmentation(
    store: Store,
    instruments: Sequence[str] = (),
    category: str | None = None,
    *,
    max_hops: int = 3,
) -> FragmentationReport:
    """The overlap matrix and fragmentation index of the given regimes, or of the mandatory regimes
    of a product category."""
    cat = load_catalogue(store)
    ids = list(dict.fromkeys(i.strip() for i in instruments if i.strip()))
    if category:
        category = check_category(category.strip().lower())
        ids += [i for i in regimes_for(cat, category) if i not in ids]
    if not ids:
        raise ValueError("give instruments, or a product category that has mandatory regimes")
    for i in ids:
        if i not in cat.instruments:
            raise NotFound(f"no instrument {i!r}")
    pairs = _pairs(store, cat, ids, max_hops)
    lookup = {(p.source, p.target): p.overlap for p in pairs}
    matrix = [[(1.0 if cat.leaves(a) else None) if a == b else lookup[(a, b)] for b in ids] for a in ids]
    mean, index = _index(pairs)
    return FragmentationReport(
        category=category,
        instruments=ids,
        titles={i: cat.instruments[i].short_title for i in ids},
        jurisdictions={i: list(cat.instruments[i].jurisdictions) for i in ids},
        matrix=matrix,
        pairs=pairs,
        mean_overlap=mean,
        index=index,
        formula=FORMULA,
        max_hops=max_hops,
    )


def index_by_category(store: Store, *, max_hops: int = 3) -> list[CategoryIndex]:
    """One fragmentation index per product category that has at least one mandatory regime."""
    cat = load_catalogue(store)
    out = []
    for category in ProductCategory:
        ids = regimes_for(cat, category.value)
        if not ids:
            continue
        pairs = _pairs(store, cat, ids, max_hops)
        mean, index = _index(pairs)
        out.append(
            CategoryIndex(
                category=category.value,
                regimes=ids,
                pairs=sum(p.overlap is not None for p in pairs),
                mean_overlap=mean,
                index=index,
            )
        )
    return out
