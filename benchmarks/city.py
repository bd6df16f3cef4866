"""A city's batch against the hand-written baseline, side by side. Run from the repository:

    .venv/bin/python benchmarks/city.py [--runs N] [--peers DIR]

The baseline is ``pythondocx_report.py`` in the shared peers folder (``../shared/peers`` by
default, or ``--peers``): pandas + matplotlib + python-docx, no checks, no official layout. Its
``make_ledger.py`` writes the ledgers both read (``ledger_district.csv``: 1,500 rows, one
district; ``ledger_city.csv``: 200,000 rows, 20 districts with a ``district`` column) into
``benchmarks/.cache/peers/``.

Each measurement runs report-gen and the baseline alternately in fresh processes, ``--runs``
times each (default 5), and prints the median of each and their ratio:

1. one district report, cold: ``report-gen build`` (``--force``, an empty chart cache) against
   the baseline's single report;
2. the 20-district city ledger, cold: ``report-gen batch --split-by district`` into an empty
   folder with an empty chart cache, against the baseline's 20-district run;
3. the same batch again with nothing changed, against the baseline's 20-district run (which
   has no way to skip anything);
4. one cell of one district corrected in the city ledger (a different cell each run), against
   the baseline's 20-district run: a fresh ``report-gen batch`` each time, then the same
   corrections saved while ``report-gen batch --watch`` runs (from the end of the save to the
   end of the rebuild, the watch's polling included);
5. peak memory of the cold city batch: the largest sum of resident memory of report-gen's
   process and its workers, sampled every 20 ms.
"""

from __future__ import annotations

import argparse
import csv
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache" / "city"
PYTHON = sys.executable

DISTRICT_CONFIG = """\
extends: base.yaml
report:
  district: {district}
  year: 2025
  survey_period: {{start: 2025-11-25, end: 2025-11-30}}
  date: 2025-12-05
  output_name: "{{district}}-{{year}}"
data:
  organizations: {ledger}
"""


def prepare(peers: Path) -> dict[str, Path]:
    data = CACHE / "peers"
    if not (data / "ledger_city.csv").is_file():
        subprocess.run([PYTHON, str(peers / "make_ledger.py"), str(data)], check=True, capture_output=True)
    one = CACHE / "one.yaml"
    one.write_text(DISTRICT_CONFIG.format(district="东城区", ledger=data / "ledger_district.csv"), "utf-8")
    city = CACHE / "city.yaml"
    city.write_text(DISTRICT_CONFIG.format(district="示例市", ledger=CACHE / "work" / "city.csv"), "utf-8")
    return {
        "district": data / "ledger_district.csv",
        "city": data / "ledger_city.csv",
        "one": one,
        "city_yaml": city,
    }


def run(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True, env={**os.environ, **(env or {})})
    return time.perf_counter() - start


def rss_of_tree(root: int) -> int:
    """Resident memory (kB) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total


def peak_memory(command: list[str], env: dict[str, str]) -> float:
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_of_tree(process.pid))
            time.sleep(0.02)

    thread = threading.Thread(target=sample)
    thread.start()
    process.wait()
    done.set()
    thread.join()
    return peak / 1024


def line(what: str, ours: list[float], theirs: list[float], target: str) -> None:
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"{what:<44} report-gen {a:6.2f} s  baseline {b:6.2f} s  ratio {a / b:5.2f}  (target {target})")


def edit_one_cell(path: Path, run_number: int) -> None:
    """Raise one organisation's 党员数 in the first district by one more each run."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("party_members")
    rows[1 + run_number][column] = str(int(rows[1 + run_number][column]) + 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def watch_runs(batch: list[str], env: dict[str, str], city: Path, runs: int) -> list[float]:
    """Seconds from the end of saving a corrected cell to the end of its rebuild, while
    ``batch --watch`` runs (started once, its first pass skipping everything)."""
    process = subprocess.Popen(
        [*batch, "--watch"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stdout or []], daemon=True).start()

    def until_watching() -> None:
        while "正在监视" not in lines.get(timeout=120):
            pass

    seconds = []
    try:
        until_watching()
        for i in range(runs):
            edit_one_cell(city, 100 + i)
            start = time.perf_counter()
            until_watching()
            seconds.append(time.perf_counter() - start)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peers", type=Path, default=ROOT.parent / "shared" / "peers")
    args = parser.parse_args()
    files = prepare(args.peers)
    baseline = [PYTHON, str(args.peers / "pythondocx_report.py")]
    ours = [PYTHON, "-m", "report_gen"]
    work = CACHE / "work"
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(files["city"], work / "city.csv")

    single: tuple[list[float], list[float]] = ([], [])
    city: tuple[list[float], list[float]] = ([], [])
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {"REPORT_GEN_CACHE": str(Path(tmp) / "cache")}
            single[0].append(run([*ours, "build", str(files["one"]), "--out", tmp, "--force", "-q"], env))
            single[1].append(run([*baseline, "--ledger", str(files["district"]), "--out", tmp]))
        with tempfile.TemporaryDirectory() as tmp:
            env = {"REPORT_GEN_CACHE": str(Path(tmp) / "cache")}
            batch = [*ours, "batch", str(files["city_yaml"]), "--split-by", "district", "--out", tmp, "-q"]
            city[0].append(run(batch, env))
            city[1].append(run([*baseline, "--ledger", str(files["city"]), "--all-districts", "--out", tmp]))
    line("one district report, cold", *single, "<= 0.8")
    line("20 districts, 200,000-row city ledger, cold", *city, "<= 0.5")

    with tempfile.TemporaryDirectory() as tmp:
        env = {"REPORT_GEN_CACHE": str(Path(tmp) / "cache")}
        out = str(Path(tmp) / "out")
        batch = [*ours, "batch", str(files["city_yaml"]), "--split-by", "district", "--out", out, "-q"]
        run(batch, env)
        theirs = [PYTHON, str(args.peers / "pythondocx_report.py"), "--ledger", str(files["city"])]
        theirs += ["--all-districts", "--out", str(Path(tmp) / "baseline")]
        unchanged: tuple[list[float], list[float]] = ([], [])
        for _ in range(args.runs):
            unchanged[0].append(run(batch, env))
            unchanged[1].append(run(theirs))
        line("the same batch again, nothing changed", *unchanged, "<= 0.15")
        one_cell: tuple[list[float], list[float]] = ([], [])
        for i in range(args.runs):
            edit_one_cell(work / "city.csv", i)
            one_cell[0].append(run(batch, env))
            one_cell[1].append(run(theirs))
        line("one cell corrected in one district", *one_cell, "<= 0.1")
        watched = watch_runs(batch, env, work / "city.csv", args.runs)
        line("one cell corrected, saved while --watch runs", watched, one_cell[1], "<= 0.1")
        shutil.copy(files["city"], work / "city.csv")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"REPORT_GEN_CACHE": str(Path(tmp) / "cache")}
        batch = [*ours, "batch", str(files["city_yaml"]), "--split-by", "district", "--out", tmp, "-q"]
        print(
            f"peak memory of the cold city batch (all processes): {peak_memory(batch, env):7.0f} MB  (target < 1024)"
        )


if __name__ == "__main__":
    main()
