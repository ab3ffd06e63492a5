"""Crosswalk speed on the real CISO Assistant corpus (issue: crosswalk engine).

Measures, in one run on this machine:
- import of all library files with --placeholders into a fresh database, and a re-import of the same
  unchanged files;
- one coverage query between two frameworks, warm, 200 times (p50/p95), against a plain baseline:
  per-query depth-first search over every simple path up to 3 hops, composing relations with no
  pruning and no cached goal;
- coverage for every ordered pair of frameworks that the mapping graph connects;
- peak memory of this process.

Usage: python benchmarks/crosswalk.py [SHARED_DATA_DIR]   (prints a Markdown section)
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from cyberreg.crosswalk.algebra import ALL, DR, EQ, PPI, compose
from cyberreg.crosswalk.inference import MappingGraph
from cyberreg.services import imports
from cyberreg.services.coverage import coverage
from cyberreg.services.crosswalk_graph import mapping_graph
from cyberreg.services.store import Store

COMMAND = "python benchmarks/crosswalk.py"
COVERS = EQ | PPI


def shared_dir() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def baseline_coverage(
    graph: MappingGraph, held: list[str], targets: set[str], hops: int = 3
) -> tuple[int, int]:
    """Plain search: every simple path from each held node, relations composed hop by hop."""
    adjacency: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for node in graph.nodes:
        adjacency[node] = graph.neighbours(node)
    known: dict[str, int] = {}

    def walk(node: str, relation: int, depth: int, seen: set[str]) -> None:
        for nxt, rel in adjacency[node]:
            if nxt in seen:
                continue
            composed = compose(relation, rel)
            if composed == ALL:
                continue  # even the baseline drops paths that say nothing
            if nxt in targets:
                known[nxt] = known.get(nxt, ALL) & composed
            if depth + 1 < hops:
                walk(nxt, composed, depth + 1, seen | {nxt})

    for start in held:
        walk(start, EQ, 0, {start})
    covered = sum(1 for rel in known.values() if rel and not rel & ~COVERS)
    partial = sum(1 for rel in known.values() if rel and rel & ~COVERS and not rel & DR)
    return covered, partial


def requirements_by_framework(graph: MappingGraph) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for node in graph.nodes:
        if ":" in node and not node.startswith("joint::"):
            grouped[node.split(":", 1)[0]].append(node)
    return grouped


def main() -> None:
    data = shared_dir() / "ciso-assistant"
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        store.build()
        started = time.perf_counter()
        first = imports.import_ciso_assistant(store, [data], placeholders=True)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        again = imports.import_ciso_assistant(store, [data], placeholders=True)
        reimport_s = time.perf_counter() - started
        assert not again.changed
        rows.append(
            (
                "import of all library files, --placeholders",
                f"{import_s:.1f} s",
                "≤ 10 s",
                f"{first.counts['requirements']} requirements, {first.counts['mappings']} mappings",
            )
        )
        rows.append(("re-import, files unchanged", f"{reimport_s:.1f} s", "≤ 2 s", "skipped by content hash"))

        started = time.perf_counter()
        graph = mapping_graph(store)
        build_s = time.perf_counter() - started
        frameworks = requirements_by_framework(graph)
        held = frameworks["ca-nist-csf-2.0"]
        target_ids = frameworks["ca-iso-iec-27001-2022"]
        coverage(store, ["ca-nist-csf-2.0"], ["ca-iso-iec-27001-2022"])  # warm
        times = []
        for _ in range(200):
            t = time.perf_counter()
            report = coverage(store, ["ca-nist-csf-2.0"], ["ca-iso-iec-27001-2022"])
            times.append((time.perf_counter() - t) * 1000)
        covered = [i for i in report.items if i.status == "covered"]
        partial = [i for i in report.items if i.status == "partial"]
        t = time.perf_counter()
        base_covered, base_partial = baseline_coverage(graph, held, set(target_ids))
        base_ms = (time.perf_counter() - t) * 1000
        rows.append(
            ("build the mapping graph from the store", f"{build_s:.2f} s", "-", f"{len(graph.nodes)} nodes")
        )
        rows.append(
            (
                "one coverage query (covered and partial), CSF 2.0 → ISO/IEC 27001:2022, warm",
                f"p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms",
                "p95 ≤ 20 ms",
                f"plain path search {base_ms:.0f} ms ({base_ms / percentile(times, 0.95):.1f}x our p95); "
                f"{len(covered)} covered, {len(partial)} partly (baseline {base_covered}, {base_partial})",
            )
        )

        names = sorted(f for f in frameworks if f.startswith("ca-"))
        started = time.perf_counter()
        pairs = reachable = 0
        component = {}
        for k, comp in enumerate(graph.components()):
            for node in comp:
                component[node] = k
        for a in names:
            comps_a = {component.get(n) for n in frameworks[a]}
            for b in names:
                if a == b or not comps_a & {component.get(n) for n in frameworks[b]}:
                    continue
                reachable += 1
                graph.coverage(frameworks[a], frameworks[b])
                pairs += 1
        all_s = time.perf_counter() - started
        rows.append(
            (
                f"coverage for all {reachable} connected framework pairs",
                f"{all_s:.1f} s",
                "≤ 10 s",
                "anchor: 109 s for 873 pairs",
            )
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak memory of the whole run", f"{peak_mb:.0f} MB", "≤ 2 GB", ""))
    print(f"### Crosswalk engine (`{COMMAND}`)\n")
    print("| measure | result | goal | baseline / note |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
