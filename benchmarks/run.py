"""Run every benchmark, each in its own process, and write docs/benchmarks.md (`make bench`).

Each benchmark script prints a Markdown section naming the command that produced it and its
baseline; this runner adds the machine and the date. Speed is measured here, never in unit tests.

Usage: python benchmarks/run.py [--only NAME ...] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCHMARKS = {
    "crosswalk": HERE / "crosswalk.py",
    "tbt": HERE / "tbt_import.py",
    "matching": HERE / "matching_eval.py",
}


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load:.1f} at start"
    )


def main() -> int:
    args = sys.argv[1:]
    out = Path(args[args.index("--out") + 1]) if "--out" in args else REPO / "docs" / "benchmarks.md"
    only = [a for a in args[args.index("--only") + 1 :] if not a.startswith("--")] if "--only" in args else []
    sections = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (`python benchmarks/run.py`), which runs each script below in its own",
        "process. Each figure sits beside its goal and a baseline measured in the same run.",
        f"Run on {dt.date.today().isoformat()}: {machine()}. The machine is shared, so figures vary from run",
        "to run; the goals are for this 2-core machine.",
        "",
    ]
    failed = 0
    for name, script in BENCHMARKS.items():
        if only and name not in only:
            continue
        if not script.exists():
            sections += [f"### {name}", "", f"(`{script.name}` is not written yet.)", ""]
            continue
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=REPO)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            failed += 1
            sections += [
                f"### {name}",
                "",
                f"Failed after {elapsed:.0f} s:",
                "",
                "```",
                result.stderr.strip()[-2000:],
                "```",
                "",
            ]
        else:
            sections += [result.stdout.strip(), "", f"_(whole script: {elapsed:.0f} s)_", ""]
        print(f"{name}: {'failed' if result.returncode else 'done'} in {elapsed:.0f} s", file=sys.stderr)
    out.write_text("\n".join(sections), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
