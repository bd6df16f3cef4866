"""The yardstick for `report-gen build`: a hand-written script doing comparable work.

It reads the sample ledger with pandas, computes per-street counts, draws four charts
with matplotlib and writes a .docx with python-docx (text, one table, the charts),
with none of report-gen's checks or layout. `benchmarks/run.py` times it beside
report-gen on the same machine.
"""

import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
from docx import Document  # noqa: E402
from docx.shared import Mm  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parent.parent
out = Path(sys.argv[1])
ledger = pd.read_csv(root / "sample_data" / "organizations_2025.csv")
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC"]
by_street = ledger.groupby("所属街道").agg(组织数=("组织编号", "size"), 党员数=("党员数", "sum"))
doc = Document()
doc.add_heading("基本情况", 1)
doc.add_paragraph(f"共有组织{len(ledger)}家，党员{ledger['党员数'].sum()}名。")
table = doc.add_table(rows=len(by_street) + 1, cols=3)
for r, (street, row) in enumerate(by_street.iterrows(), start=1):
    for c, value in enumerate((street, row["组织数"], row["党员数"])):
        table.rows[r].cells[c].text = str(value)
for column in ("组织数", "党员数", "组织数", "党员数"):
    fig, ax = plt.subplots(figsize=(6, 3.3))
    by_street[column].plot.bar(ax=ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=200)
    plt.close(fig)
    doc.add_picture(io.BytesIO(buffer.getvalue()), width=Mm(150))
doc.save(out / "baseline.docx")
