"""All charts of the sample in a warm process. Run: .venv/bin/python benchmarks/charts.py

Target: every chart of the sample report drawn in under 250 ms, once fonts and matplotlib are
loaded (the first drawing of a process pays for those; a batch of districts or the web page does
not pay again). Prints the median and the fastest of 11 warm runs, and the processor time they
took: on a shared machine the clock also counts other people's work.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report_gen.charts import draw_charts  # noqa: E402
from report_gen.config import load_config  # noqa: E402
from report_gen.figures import compute_figures  # noqa: E402
from report_gen.ledgers import load_ledgers  # noqa: E402

TARGET_MS = 250


def main() -> None:
    config = load_config(ROOT / "config" / "sample.yaml")
    figures = compute_figures(config, load_ledgers(config))
    specs = config.section("charts")
    style = config.section("style").get("charts")
    draw_charts(specs, figures, style)  # warm: fonts, matplotlib's caches
    times, cpu = [], []
    for _ in range(11):
        start, start_cpu = time.perf_counter(), time.process_time()
        draw_charts(specs, figures, style)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    median, fastest = statistics.median(times), min(times)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    verdict = "ok" if median < TARGET_MS else "over"
    print(
        f"all {len(specs)} charts of the sample, warm: median {median:.0f} ms, fastest {fastest:.0f} ms "
        f"(target < {TARGET_MS} ms: {verdict}); processor time median {statistics.median(cpu):.0f} ms "
        f"(what an idle machine takes; load average {load:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
