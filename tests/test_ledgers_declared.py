"""Ledgers are declared in the config: the data contract page matches the declaration, a table may
come from several files, and a survey's ledger names live in its config, not in the code."""

from __future__ import annotations

import pytest

from report_gen.config import load_config
from report_gen.contract import builtin_ledgers
from report_gen.errors import ConfigError, DataError
from report_gen.figures import compute_figures
from report_gen.ledgers import load_ledgers

from .conftest import HEADERS, ROOT, org_row, write_config, write_csv

TYPES = {"text": "text", "int": "integer", "bool": "boolean", "date": "date", "enum": "enum"}


def _documented(table: str) -> dict[str, list[str]]:
    """The rows of the data contract's column table of ``table``, by canonical name."""
    text = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    section = text.split(f"## `{table}` columns", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    return rows


@pytest.mark.parametrize("table", [n for n, c in builtin_ledgers().items() if c.previous_of is None])
def test_the_data_contract_page_states_the_declared_ledgers(table):
    contract = builtin_ledgers()[table]
    documented = _documented(table)
    assert list(documented) == contract.column_names
    for column in contract.columns:
        cells = documented[column.name]
        assert [h.strip() for h in cells[1].split(",")] == list(column.headers), column.name
        assert cells[2].startswith(TYPES[column.kind]), column.name
        required = {"always": "yes", "no": "no"}.get(column.required)
        assert cells[3] == required if required else cells[3].startswith("yes "), column.name
        for spelling in column.choices:  # every accepted spelling of an enum is listed
            assert spelling in cells[-1], (column.name, spelling)
    files = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8").split("## ", 2)[1]
    assert f"`{table}` ({contract.label})" in files


def test_one_table_from_two_files_with_a_constant_column(tmp_path):
    enterprises = [org_row("E1"), org_row("E2", form="未组建")]
    write_csv(tmp_path / "enterprises.csv", enterprises)
    social_header = [h for h in HEADERS if h != "组织类别"]
    social = [org_row("S1", category="社会组织"), org_row("S2", category="社会组织", members=0, mobile=0)]
    write_csv(
        tmp_path / "social.csv", [[c for i, c in enumerate(r) if i != 2] for r in social], social_header
    )
    data = "data:\n  organizations:\n    - enterprises.csv\n    - {path: social.csv, constants: {组织类别: 社会组织}}\n"
    config_path = write_config(tmp_path)
    config_path.write_text(
        config_path.read_text(encoding="utf-8").replace("data:\n  organizations: ledger.csv\n", data),
        encoding="utf-8",
    )
    config = load_config(config_path)
    ledgers = load_ledgers(config)
    figures = compute_figures(config, ledgers)
    assert (figures["org_total"].value, figures["enterprises"].value, figures["social_orgs"].value) == (
        4,
        2,
        2,
    )
    assert figures["org_total"].source["file"] == "enterprises.csv、social.csv"

    # A duplicate across the files names the file and row of both.
    write_csv(
        tmp_path / "social.csv",
        [[c for i, c in enumerate(r) if i != 2] for r in [org_row("E2")]],
        social_header,
    )
    with pytest.raises(DataError) as caught:
        load_ledgers(load_config(config_path))
    problem = caught.value.problems[0]
    assert (problem.file, problem.row) == ("social.csv", 2)
    assert "与enterprises.csv第3行相同" in problem.message

    # A constant for a column the file has is refused, naming the file.
    write_csv(tmp_path / "social.csv", [org_row("S9", category="社会组织")])
    with pytest.raises(DataError, match="social.csv.*组织类别"):
        load_ledgers(load_config(config_path))


def test_a_constant_naming_no_column_and_data_for_no_ledger_are_config_errors(tmp_path):
    write_csv(tmp_path / "ledger.csv", [org_row("A1")])
    path = write_config(tmp_path, reading="constants: {组织种类: 社会组织}")
    with pytest.raises(ConfigError, match="constants"):
        load_config(path)
    path = write_config(tmp_path)
    with pytest.raises(ConfigError, match="did you mean 'organizations'"):
        load_config(path, {"data.organisations": str(tmp_path / "ledger.csv")})


def test_a_row_rule_in_the_config_reports_the_file_row_and_column(tmp_path):
    write_csv(tmp_path / "ledger.csv", [org_row("A1", employees=5), org_row("A2", employees=500)])
    extra = """
    ledgers:
      organizations:
        rules:
          - {when: employees > 400, column: employees, message: 从业人员数超过400，请核对}
    """
    with pytest.raises(DataError) as caught:
        load_ledgers(load_config(write_config(tmp_path, extra=extra)))
    assert [(p.row, p.column, p.message) for p in caught.value.problems] == [
        (3, "从业人员数", "从业人员数超过400，请核对")
    ]
