"""Benchmark of the WTO notification import: 100,000 ePing-shaped rows imported, classified and indexed.

Steps, each timed in its own subprocess so that its peak memory (`ru_maxrss`) is its own:

1. generate the workbook (benchmarks/generate_eping.py) and a 100-row "daily" file of new symbols;
2. full import into a fresh database (`cyberreg.services.notifications.import_notifications`), with the
   time of each stage (read, classify, write) and the database preparation shown apart;
3. the daily update into that database;
4. the same 100,000-row file imported again (nothing changes);
5. filtered searches (`list_notifications`) over the result, each repeated, as p50/p95;
6. the baseline: `pandas.read_excel` of the same file (openpyxl underneath), and the ratio.

Targets (issue): import <= 60 s at peak memory < 1.5 GB; daily update <= 2 s; search p95 <= 50 ms.

Usage: python benchmarks/tbt_import.py [--rows 100000] [--daily 100] [--repeat 200] [--dir DIR]
       [--out docs/benchmarks-tbt.md] [--no-baseline]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"import_s": 60.0, "import_rss_mb": 1536.0, "daily_s": 2.0, "search_p95_ms": 50.0}

# ---------------------------------------------------------------------------------------------------------
# The steps, run as `python benchmarks/tbt_import.py --step NAME ...` in a subprocess; each prints JSON.


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: since its start; ru_maxrss would also count what the
    parent held when it forked)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _step_import(db: str, path: str) -> dict[str, Any]:
    """Prepare the database (migrations, bundled knowledge base), then import one file, stage by stage."""
    from cyberreg.services import notifications as service
    from cyberreg.services.store import Store

    stages: dict[str, float] = {}

    def timed(name: str, function: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - start

        return run

    start = time.perf_counter()
    store = Store(db)
    with store.connect():
        pass
    prepared = time.perf_counter() - start
    service.read_notifications = timed("read", service.read_notifications)  # type: ignore[assignment]
    service.classify_all = timed("classify", service.classify_all)  # type: ignore[assignment]
    service.upsert_notifications = timed("write", service.upsert_notifications)  # type: ignore[assignment]
    cpu, start = time.process_time(), time.perf_counter()
    report = service.import_notifications(store, Path(path))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    store.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "prepare_seconds": prepared,
        "stages": stages,
        "report": report.model_dump(),
        "peak_mb": _peak_mb(),
    }


def _step_search(db: str, repeat_text: str) -> dict[str, Any]:
    repeat = int(repeat_text)
    from cyberreg.services.notifications import NotificationFilter, list_notifications
    from cyberreg.services.store import Store

    store = Store(db)
    queries = {
        "cyber + member USA + since 2020": NotificationFilter(
            cyber=True, member="USA", since=dt.date(2020, 1, 1)
        ),
        "HS prefix 8517": NotificationFilter(hs="8517"),
        "ICS 35.030 + since 2022": NotificationFilter(ics="35.030", since=dt.date(2022, 1, 1)),
        "sector telecom + flag local testing": NotificationFilter(
            sector="telecom_network", flag="local_testing_or_certification"
        ),
        'text "default passwords"': NotificationFilter(text="default passwords"),
        'text "cybersecurity" + member CHN': NotificationFilter(text="cybersecurity", member="CHN"),
    }
    results = {}
    for name, query in queries.items():
        page = list_notifications(store, query)  # once before timing: caches warm
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            list_notifications(store, query)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        results[name] = {
            "total": page.total,
            "p50_ms": statistics.median(times),
            "p95_ms": times[max(0, int(len(times) * 0.95) - 1)],
        }
    store.close()
    return {"queries": results, "peak_mb": _peak_mb()}


def _step_pandas(path: str) -> dict[str, Any]:
    import pandas

    start = time.perf_counter()
    frame = pandas.read_excel(path, sheet_name="Notifications")
    return {"seconds": time.perf_counter() - start, "rows": len(frame), "peak_mb": _peak_mb()}


def _step_read(path: str) -> dict[str, Any]:
    from cyberreg.sources.eping_workbook import read_workbook

    start = time.perf_counter()
    found = read_workbook(path)
    return {"seconds": time.perf_counter() - start, "rows": len(found), "peak_mb": _peak_mb()}


STEPS = {"import": _step_import, "search": _step_search, "pandas": _step_pandas, "read": _step_read}

# ---------------------------------------------------------------------------------------------------------
# The run.


def _run(step: str, *args: Any) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--step", step, *map(str, args)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - start  # with interpreter start and imports
    return result


def _mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _table(args: argparse.Namespace, results: dict[str, Any], command: str) -> str:
    full, daily, again = results["import"], results["daily"], results["reimport"]
    lines = [
        f"Command: `{command}`",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}; "
        f"load average before the run {results['load_before']}, after {results['load_after']}. "
        f"Workbook: {args.rows:,} rows, {results['workbook_mb']:.1f} MB (generated in "
        f"{results['generate_seconds']:.1f} s).",
        "",
        "| step | time | peak memory | target | met |",
        "|---|---|---|---|---|",
    ]
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in full["stages"].items())
    lines.append(
        f"| full import of {full['report']['read']:,} notifications into a fresh database ({stages}; "
        f"{full['report']['cyber_related']:,} cyber-related) | {full['seconds']:.1f} s "
        f"(CPU {full['cpu_seconds']:.1f} s) | {full['peak_mb']:.0f} MB | <= 60 s, < 1.5 GB | "
        f"{_mark(full['seconds'] <= TARGETS['import_s'] and full['peak_mb'] < TARGETS['import_rss_mb'])} |"
    )
    lines.append(
        f"| daily update: {daily['report']['new']} new rows into {full['report']['new']:,} | "
        f"{daily['seconds']:.2f} s ({daily['process_seconds']:.1f} s with interpreter start) | "
        f"{daily['peak_mb']:.0f} MB | <= 2 s | {_mark(daily['seconds'] <= TARGETS['daily_s'])} |"
    )
    lines.append(
        f"| the same {args.rows:,}-row file again ({again['report']['unchanged']:,} unchanged) | "
        f"{again['seconds']:.1f} s | {again['peak_mb']:.0f} MB | | |"
    )
    for name, query in results["search"]["queries"].items():
        ok = query["p95_ms"] <= TARGETS["search_p95_ms"]
        lines.append(
            f"| search: {name} ({query['total']:,} found; {args.repeat} times) | "
            f"p50 {query['p50_ms']:.1f} ms, p95 {query['p95_ms']:.1f} ms | | p95 <= 50 ms | {_mark(ok)} |"
        )
    read = results.get("read")
    if read:
        lines.append(
            f"| reading alone: `read_workbook` | {read['seconds']:.1f} s | {read['peak_mb']:.0f} MB | | |"
        )
    pandas = results.get("pandas")
    if pandas:
        lines.append(
            f"| baseline: `pandas.read_excel` (reading only, {pandas['rows']:,} rows) | "
            f"{pandas['seconds']:.1f} s | {pandas['peak_mb']:.0f} MB | | |"
        )
        ratio = pandas["seconds"] / full["seconds"]
        lines += [
            "",
            f"`pandas.read_excel` alone takes {ratio:.2f} times as long as the whole import (read, classify, "
            "write and index)"
            + (
                f", and {pandas['seconds'] / read['seconds']:.1f} times as long as `read_workbook`."
                if read
                else "."
            ),
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--daily", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=200, help="times each search is run")
    parser.add_argument("--dir", type=Path, help="working folder (default: a temporary one, removed)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-tbt.md")
    parser.add_argument("--no-baseline", action="store_true", help="skip pandas.read_excel")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("step_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](*args.step_args)))  # type: ignore[operator]
        return

    command = ("python benchmarks/tbt_import.py " + shlex.join(sys.argv[1:])).strip()
    temporary = None if args.dir else tempfile.TemporaryDirectory(prefix="tbt-bench-")
    work = args.dir or Path(temporary.name)  # type: ignore[union-attr]
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"load_before": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    try:
        workbook, daily, db = work / "Notification_EN.xlsx", work / "daily.xlsx", work / "bench.db"
        for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            stale.unlink(missing_ok=True)
        start = time.perf_counter()
        generator = [sys.executable, str(ROOT / "benchmarks" / "generate_eping.py")]
        subprocess.run([*generator, str(workbook), str(args.rows)], check=True)
        results["generate_seconds"] = time.perf_counter() - start
        subprocess.run([*generator, str(daily), str(args.daily), "--start", str(args.rows)], check=True)
        results["workbook_mb"] = workbook.stat().st_size / 1e6
        print(f"generated {workbook} ({results['workbook_mb']:.1f} MB)", flush=True)
        results["import"] = _run("import", db, workbook)
        print(f"full import: {results['import']['seconds']:.1f} s", flush=True)
        results["daily"] = _run("import", db, daily)
        print(f"daily update: {results['daily']['seconds']:.2f} s", flush=True)
        results["reimport"] = _run("import", db, workbook)
        print(f"re-import: {results['reimport']['seconds']:.1f} s", flush=True)
        results["search"] = _run("search", db, args.repeat)
        print("searches done", flush=True)
        results["read"] = _run("read", workbook)
        if not args.no_baseline:
            try:
                import pandas  # noqa: F401
            except ImportError:
                print("pandas is not installed: no baseline", flush=True)
            else:
                results["pandas"] = _run("pandas", workbook)
                print(f"pandas.read_excel: {results['pandas']['seconds']:.1f} s", flush=True)
        results["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    finally:
        if temporary is not None:
            temporary.cleanup()
    table = _table(args, results, command)
    print()
    print(table)
    if args.out:
        _write_doc(args.out, table)
        print(f"\nwritten to {args.out}")


def _write_doc(path: Path, table: str) -> None:
    """Replace the measured part of the page (between the markers), keeping the text around it."""
    begin, end = "<!-- measured: begin -->", "<!-- measured: end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
    else:
        head, tail = "# Benchmark: WTO notification import\n\n", "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{begin}\n{table}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
