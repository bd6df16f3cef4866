"""Speed benchmarks. Run: .venv/bin/python benchmarks/run.py [--quick]

1. `report-gen build config/sample.yaml`, end to end in a fresh process, beside a
   hand-written pandas + matplotlib + python-docx script doing comparable work
   (benchmarks/baseline_report.py). Median of 5 runs each.
2. Reading and validating large ledgers (issue targets: 100,000 rows of .xlsx in
   under 5 s; 1,000,000 rows of CSV or Parquet in under 5 s with peak memory under
   1.5 GB). Each is measured in its own process so peak memory is its own. The large
   files are generated once into benchmarks/.cache/ (git-ignored).

Prints one line per measurement.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
sys.path.insert(0, str(ROOT))


def timed(cmd: list[str], runs: int) -> float:
    times = []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_build(runs: int) -> None:
    with tempfile.TemporaryDirectory() as out:
        ours = timed(
            [sys.executable, "-m", "report_gen", "build", "config/sample.yaml", "--out", out, "-q"], runs
        )
        base = timed([sys.executable, "benchmarks/baseline_report.py", out], runs)
    print(f"build sample report (3 Word charts, all checks):{ours:6.2f} s   (median of {runs})")
    print(f"baseline script (4 charts, no checks):        {base:6.2f} s   ratio {ours / base:4.2f}")


def make_ledgers(rows_xlsx: int, rows_big: int) -> dict[str, Path]:
    """Large ledgers made by repeating the sample's rows with fresh ids."""
    CACHE.mkdir(exist_ok=True)
    with (ROOT / "sample_data" / "organizations_2025.csv").open(encoding="utf-8") as handle:
        header, *sample = list(csv.reader(handle))
    files = {
        "csv": CACHE / f"ledger_{rows_big}.csv",
        "parquet": CACHE / f"ledger_{rows_big}.parquet",
        "xlsx": CACHE / f"ledger_{rows_xlsx}.xlsx",
    }

    def rows(n: int):
        for i in range(n):
            row = list(sample[i % len(sample)])
            row[0] = f"B{i:08d}"
            row[10] = f"{row[10]}{i // len(sample)}" if row[10] else ""
            yield row

    if not files["csv"].exists():
        with files["csv"].open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows(rows_big))
    if not files["parquet"].exists():
        import pandas as pd

        pd.read_csv(files["csv"], dtype=str, keep_default_na=False).to_parquet(files["parquet"])
    if not files["xlsx"].exists():
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("台账")
        sheet.append(header)
        for row in rows(rows_xlsx):
            sheet.append(row)
        book.save(files["xlsx"])
    return files


MEASURE = """
import json, resource, sys, time, datetime as dt
from pathlib import Path
sys.path.insert(0, {root!r})
from report_gen.config import DataSource
from report_gen.contract import builtin_ledgers
from report_gen.ledgers import read_and_check
contract = builtin_ledgers()["organizations"]
start = time.perf_counter()
table, problems = read_and_check(DataSource("organizations", Path({path!r})), contract, dt.date(2025, 12, 5))
elapsed = time.perf_counter() - start
errors = sum(p.is_error for p in problems)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"rows": len(table.frame), "seconds": elapsed, "peak_mb": peak, "errors": errors}}))
"""


def bench_ingest(rows_xlsx: int, rows_big: int) -> None:
    files = make_ledgers(rows_xlsx, rows_big)
    for kind, path in files.items():
        code = MEASURE.format(root=str(ROOT), path=str(path))
        result = json.loads(
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        )
        target = "< 5 s" + (", < 1.5 GB" if kind != "xlsx" else "")
        print(
            f"read+validate {kind:<8} {result['rows']:>9,} rows: {result['seconds']:6.2f} s  "
            f"peak {result['peak_mb']:7.0f} MB  errors {result['errors']}   (target {target})"
        )


OPENPYXL = """
import sys, time
import pandas as pd
start = time.perf_counter()
pd.read_excel({path!r}, header=None, dtype=object, engine={engine!r})
print(time.perf_counter() - start)
"""


def bench_excel_readers(path: Path) -> None:
    """Why python-calamine: the same sheet read by pandas with each engine."""
    for engine in ("calamine", "openpyxl"):
        code = OPENPYXL.format(path=str(path), engine=engine)
        seconds = float(
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        )
        print(f"xlsx sheet read only, pandas engine={engine:<9}: {seconds:6.2f} s")


def main() -> None:
    quick = "--quick" in sys.argv
    bench_build(3 if quick else 5)
    rows_xlsx = 10_000 if quick else 100_000
    bench_ingest(rows_xlsx, 100_000 if quick else 1_000_000)
    bench_excel_readers(CACHE / f"ledger_{rows_xlsx}.xlsx")


if __name__ == "__main__":
    main()
