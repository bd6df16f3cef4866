"""Careless and hostile input to what a config declares (ledgers, spellings), to the city batch's
own files and to `diff`: each is a clear exit 2 (or a quiet recovery), never a hang or a traceback."""

import json
import os
import threading

from report_gen import batch

from .conftest import ROOT, SAMPLE_CONFIG, run_cli

SECRETARIES = ROOT / "config" / "secretaries.yaml"
CITY = ROOT / "config" / "city.yaml"


def _declared(tmp_path, ledger_yaml: str):
    config = tmp_path / "district.yaml"
    config.write_text(
        f"extends: {SECRETARIES.as_posix()}\n"
        f"data: {{secretaries: {(ROOT / 'sample_data' / 'secretaries_2025.csv').as_posix()}}}\n"
        "ledgers:\n  secretaries:\n" + ledger_yaml,
        encoding="utf-8",
    )
    return run_cli("validate", config)


def test_a_spelling_that_is_another_values_name_is_refused(tmp_path):
    ran = _declared(tmp_path, "    columns:\n      gender: {values: {男: [女], 女: [男]}}\n")
    assert ran.code == 2
    assert "ledgers.secretaries.columns.gender.values" in ran.err and "'女'" in ran.err


def test_a_header_two_columns_claim_is_refused(tmp_path):
    ran = _declared(tmp_path, "    columns:\n      note: {headers: [姓名], type: text, required: false}\n")
    assert ran.code == 2
    assert "ledgers.secretaries.columns.note.headers" in ran.err and "姓名" in ran.err


def test_year_of_a_column_that_holds_no_dates_is_the_configs_error(tmp_path):
    ran = _declared(
        tmp_path, '    rules:\n      - {when: "year(gender) > 2000", column: place, message: x}\n'
    )
    assert ran.code == 2, ran.err
    assert "year() needs a date column" in ran.err


def test_diff_reads_damaged_sentences_as_none(tmp_path):
    old, new = tmp_path / "a.json", tmp_path / "b.json"
    old.write_text(json.dumps({"figures": [{"id": "x", "value": 1, "sentences": 5}]}), encoding="utf-8")
    new.write_text(json.dumps({"figures": [{"id": "x", "value": 2, "sentences": "ab"}]}), encoding="utf-8")
    ran = run_cli("diff", old, new)
    assert ran.code == 0 and "原文：a" not in ran.out


def test_a_folder_in_place_of_the_lock_file_is_the_users_to_remove(tmp_path):
    out = tmp_path / "out"
    (out / ".report-gen.lock").mkdir(parents=True)
    ran = run_cli("build", SAMPLE_CONFIG, "--out", out, "-q", "--format", "md")
    assert ran.code == 2 and ".report-gen.lock" in ran.err


def test_a_fifo_in_place_of_the_split_index_is_not_waited_on(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / batch.SPLIT_INDEX)
    found: list[object] = []
    reader = threading.Thread(
        target=lambda: found.append(batch.split_from_index(out, CITY, "district", None, None, False)),
        daemon=True,
    )
    reader.start()
    reader.join(20)
    assert not reader.is_alive() and found == [None]


def test_district_names_that_look_alike_are_one_district():
    assert batch._district_name("ＡＢ区") == "AB区"
    assert batch._district_name("石\u200b门区") == "石门区"
    assert batch._district_name("石\u202e门区 ") == "石门区"
