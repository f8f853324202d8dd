"""The `BENCH` line a benchmark script prints for each measured case, which bench/run.py
collects into the one table of docs/PERFORMANCE.md (not a benchmark itself: run.py's
SCRIPTS do not list it). Scripts import it as `from benchline import bench` (a script's own
folder is first on sys.path)."""

import json
import resource
import statistics


def peak_mb() -> float:
    """This process's peak resident memory so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def p95(values) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * 0.95
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def bench(
    name: str,
    median_ms: float | None = None,
    *,
    p95_ms: float | None = None,
    times_ms=None,
    queries: int | None = None,
    floor: str | None = None,
    floor_ms: float | None = None,
    peak: float | None = None,
) -> None:
    """One row: `median_ms` (or the median of `times_ms`, whose p95 it gives too), the
    queries of one run, the floor it is compared with (bare SQL, the home page, QR only, a
    bare openpyxl write) and the peak memory (default: the process's peak so far)."""
    if times_ms:
        median_ms = statistics.median(times_ms)
        p95_ms = p95(times_ms) if p95_ms is None else p95_ms
    row = {"name": name}
    for key, value in (("median_ms", median_ms), ("p95_ms", p95_ms), ("floor_ms", floor_ms)):
        if value is not None:
            row[key] = round(value, 3 if value < 10 else 1)
    if queries is not None:
        row["queries"] = queries
    if floor and floor_ms:
        row["floor"] = floor
    row["peak_mb"] = round(peak if peak is not None else peak_mb())
    print("BENCH " + json.dumps(row, ensure_ascii=False), flush=True)
