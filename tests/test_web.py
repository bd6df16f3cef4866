"""The web page through Starlette's TestClient: access token, host and CSRF checks, upload limits,
path safety, the problems table, creating a district and saving its narrative. Validation runs in
a thread here; the browser test (test_web_browser.py) runs the real server with worker processes."""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import re
import shutil
import warnings
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_DATA, org_row, sample_workspace, write_csv

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette may prefer another HTTP client than httpx
    from starlette.testclient import TestClient

from report_gen.web.app import create_app  # noqa: E402
from report_gen.web.jobs import Jobs  # noqa: E402
from report_gen.web.workspace import Workspace  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN = "a-long-enough-token-123"


@pytest.fixture(scope="module")
def pool():
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        yield executor


@pytest.fixture(scope="module")
def workspace_root(tmp_path_factory) -> Path:
    return sample_workspace(tmp_path_factory.mktemp("workspace"))


def _client(root: Path, pool, upload_bytes: int = 20 * 1024 * 1024, **options) -> TestClient:
    app = create_app(Workspace(root, upload_bytes=upload_bytes), jobs=Jobs(pool), **options)
    return TestClient(app)


@pytest.fixture(scope="module")
def client(workspace_root, pool):
    with _client(workspace_root, pool) as test_client:
        yield test_client


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def _district(client) -> tuple[str, str]:
    page = client.get("/")
    # the two-new-organisations sample (config/ also holds 青溪区's survey of secretaries)
    ids = re.findall(
        r'href="/d/([0-9a-f]{12})">青溪区 2025年</a> <span class="note">config/sample.yaml<', page.text
    )
    assert len(ids) == 1, page.text
    return ids[0], _csrf(page.text)


def _finished(client, started):
    """The page a build's job ends on: the preview, or the job page with the problems."""
    import time

    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
    for _ in range(300):
        page = client.get(started.headers["location"])
        if "正在生成报告" not in page.text:
            return page
        time.sleep(0.1)
    raise AssertionError("the build did not finish")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_sample_config_is_listed_and_the_base_config_is_not(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "青溪区 2025年" in page.text and "config/sample.yaml" in page.text
    assert "base.yaml" not in page.text
    assert "script" not in page.text.lower()  # no scripts of our own
    assert "script-src 'none'" in page.headers["content-security-policy"]


def test_a_token_is_asked_for_every_request_and_set_by_the_first_visit(workspace_root, pool):
    with _client(workspace_root, pool, token=TOKEN) as guarded:
        assert guarded.get("/").status_code == 403
        assert "需要访问令牌" in guarded.get("/").text
        assert guarded.get("/?token=wrong-token-wrong").status_code == 403
        first = guarded.get(f"/?token={TOKEN}", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/"
        assert "httponly" in first.headers["set-cookie"].lower()
        page = guarded.get("/")
        assert page.status_code == 200 and "青溪区" in page.text
        district, csrf = _district(guarded)
        guarded.cookies.delete("report_gen_token")
        refused = guarded.post(f"/d/{district}/check", data={"csrf": csrf})
        assert refused.status_code == 403 and "需要访问令牌" in refused.text


def test_a_server_for_this_machine_refuses_other_host_names(workspace_root, pool):
    with _client(workspace_root, pool, allowed_hosts=("127.0.0.1", "localhost", "::1")) as local:
        assert local.get("/", headers={"host": "127.0.0.1:8000"}).status_code == 200
        assert local.get("/", headers={"host": "[::1]:8000"}).status_code == 200
        rebound = local.get("/", headers={"host": "attacker.example:8000"})
        assert rebound.status_code == 400 and "本机" in rebound.text


def test_every_change_needs_the_pages_csrf_token_and_the_same_origin(client):
    district, csrf = _district(client)
    assert client.post(f"/d/{district}/check", data={}).status_code == 403
    assert client.post(f"/d/{district}/check", data={"csrf": "x" * 43}).status_code == 403
    other_site = client.post(
        f"/d/{district}/check", data={"csrf": csrf}, headers={"origin": "http://attacker.example"}
    )
    assert other_site.status_code == 403 and "其他网站" in other_site.text
    assert client.get(f"/d/{district}/build").status_code == 405  # a change is never a GET


def test_upload_size_and_type_are_limited_and_names_never_become_paths(workspace_root, pool):
    with _client(workspace_root, pool, upload_bytes=4096) as small:
        district, csrf = _district(small)
        big = small.post(
            f"/d/{district}/upload",
            data={"csrf": csrf},
            files={"organizations": ("台账.csv", b"x" * (300 * 1024), "text/csv")},
        )
        assert big.status_code == 413 and "每个文件不超过" in big.text
        over = small.post(
            f"/d/{district}/upload",
            data={"csrf": csrf},
            files={"organizations": ("台账.csv", "组织编号\n".encode() * 500, "text/csv")},
        )
        assert over.status_code == 400 and "超过上限" in over.text
        for name, content, expected in [
            ("台账.exe", b"MZ", "只接受 .xlsx 或 .csv"),
            ("台账.xls", b"\xd0\xcf\x11\xe0", "只接受 .xlsx 或 .csv"),
            ("台账.xlsx", "组织编号,组织名称\n".encode(), "不是有效的 .xlsx"),
            ("台账.csv", b"PK\x03\x04rest", "不是文本格式"),
            ("台账.csv", b"", "空的"),
        ]:
            refused = small.post(
                f"/d/{district}/upload",
                data={"csrf": csrf},
                files={"organizations": (name, content, "text/csv")},
            )
            assert refused.status_code == 400 and expected in refused.text, name
        before = {p for p in workspace_root.parent.rglob("*") if p.is_file()}
        small.post(
            f"/d/{district}/upload",
            data={"csrf": csrf},
            files={"trainings": ("../../../escape.csv", "培训\n".encode(), "text/csv")},
        )
    after = {p for p in workspace_root.parent.rglob("*") if p.is_file()}
    new = after - before
    assert not any(p.name == "escape.csv" for p in after)
    stored = [p for p in new if p.parent.name == "uploads"]
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{16}\.csv", stored[0].name)
    assert stored[0].is_relative_to(workspace_root / ".report-gen")
    assert all(p.is_relative_to(workspace_root) for p in new)


def test_urls_name_only_what_the_server_found(client, workspace_root):
    district, _ = _district(client)
    for path in [
        "/d/..%2F..%2Fetc%2Fpasswd",
        "/d/000000000000",
        f"/d/{district}/download/..%2Fconfig",
        f"/d/{district}/download/yaml",
        "/jobs/0123456789abcdef",
        "/d/%2e%2e/preview",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
    assert Workspace(workspace_root).stored_path("uploads/../../config/sample.yaml") is None
    assert Workspace(workspace_root).stored_path("../config/sample.yaml") is None


def test_a_broken_ledger_shows_each_problem_with_its_row_and_the_sheet_downloads(
    client, workspace_root, tmp_path
):
    district, csrf = _district(client)
    lines = (SAMPLE_DATA / "organizations_2025.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[6].split(",")
    cells[7] = "十二"  # 党员数 of the organisation on Excel row 7
    lines[6] = ",".join(cells)
    broken = tmp_path / "台账（有误）.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page = client.post(
        f"/d/{district}/upload",
        data={"csrf": csrf},
        files={"organizations": (broken.name, broken.read_bytes(), "text/csv")},
    )
    assert page.status_code == 200
    rows = re.findall(r"<tr class=\"error\">(.*?)</tr>", page.text, re.S)
    cells_shown = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    assert ["错误", "台账（有误）.csv", "", "7", "党员数", "十二"] in [c[:6] for c in cells_shown]
    assert "数据有误" in _text(page.text)
    sheet = client.get(f"/d/{district}/problems.xlsx")
    assert sheet.status_code == 200
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert values[0][:6] == ["级别", "文件", "工作表", "行", "列", "值"]
    assert ["错误", "台账（有误）.csv", None, 7, "党员数", "十二"] in [v[:6] for v in values]
    forget = client.post(f"/d/{district}/forget", data={"csrf": csrf})
    assert "正在使用配置 config/sample.yaml 中写明的台账" in _text(forget.text)


def test_a_new_district_from_its_ledger_then_its_placeholders_filled_in(workspace_root, pool, tmp_path):
    ledger = write_csv(
        tmp_path / "ledger.csv",
        [org_row(f"BS{i:03d}", name=f"白沙第{i}有限公司", members=5) for i in range(1, 13)],
        before=[["白沙区两新组织台账（2025年）"]],
    )
    with _client(workspace_root, pool) as fresh:
        csrf = _csrf(fresh.get("/").text)
        created = fresh.post(
            "/districts",
            data={"csrf": csrf},
            files={"ledger": ("../我的台账.csv", ledger.read_bytes(), "text/csv")},
        )
        assert created.status_code == 200, _text(created.text)
        assert "白沙区 2025年" in created.text and "待填写" in created.text
        config = workspace_root / "districts" / "白沙区" / "白沙区.yaml"
        assert config.is_file() and (config.parent / "台账2025.csv").read_bytes() == ledger.read_bytes()
        assert "path: 台账{year}.csv" in config.read_text(encoding="utf-8")
        again = fresh.post(
            "/districts", data={"csrf": csrf}, files={"ledger": ("a.csv", ledger.read_bytes(), "text/csv")}
        )
        assert again.status_code == 400 and "已经存在" in again.text
        district = re.search(r'action="/d/([0-9a-f]{12})/build"', created.text).group(1)
        form = fresh.get(f"/d/{district}/narrative")
        keys = re.findall(r'name="([a-z_.0-9]+)"', form.text)
        assert "report.date" in keys and "narrative.practices.items.practice_1.title" in keys
        saved = fresh.post(
            f"/d/{district}/narrative",
            data={
                "csrf": csrf,
                "report.date": "2025-12-05",
                "report.requested_by": "",
                "narrative.practices.items.practice_1.title": "压实责任，健全机制",
                "narrative.practices.items.practice_1.text": "第一行\r\n第二行   \r\n",
                "extends": "../../etc/passwd.yaml",  # not a field: ignored
            },
        )
        assert saved.status_code == 200 and "修改了4处" in saved.text, _text(saved.text)[-1500:]
        # the survey dates are still to fill in: the draft's stand-in (31 December) ends after the date
        assert "report.date" in _text(saved.text) and "2025-12-31" in _text(saved.text)
        fresh.post(
            f"/d/{district}/narrative",
            data={
                "csrf": csrf,
                "report.survey_period.start": "2025-11-20",
                "report.survey_period.end": "2025-11-28",
            },
        )
        # The ledger checks pass while text is still to write; a build then makes a draft.
        checked = fresh.post(f"/d/{district}/check", data={"csrf": csrf})
        assert "输入检查通过" in _text(checked.text) and "处待填写" in _text(checked.text)
        refused = _finished(
            fresh, fresh.post(f"/d/{district}/build", data={"csrf": csrf}, follow_redirects=False)
        )
        assert "未能生成报告" in _text(refused.text) and "待填写" in _text(refused.text)
        assert "的生成未成功" in _text(fresh.get(f"/d/{district}").text)  # the district page says so too
        draft = _finished(
            fresh,
            fresh.post(f"/d/{district}/build", data={"csrf": csrf, "draft": "1"}, follow_redirects=False),
        )
        assert "征求意见稿" in _text(draft.text) and "这是第一次生成" in _text(draft.text)
        assert "的生成未成功" not in _text(fresh.get(f"/d/{district}").text)
        again = _finished(
            fresh,
            fresh.post(f"/d/{district}/build", data={"csrf": csrf, "draft": "1"}, follow_redirects=False),
        )
        assert "输入与上次生成时相同，未重新生成" in _text(again.text)  # as report-gen build
        assert "下载 Word（白沙区-2025.docx）" in _text(again.text)
        assert (workspace_root / "out" / "白沙区-2025.docx").is_file()
    text = config.read_text(encoding="utf-8")
    assert "requested_by" not in text
    assert "date: 2025-12-05" in text or "date: '2025-12-05'" in text or 'date: "2025-12-05"' in text
    assert "title: 压实责任，健全机制" in text
    assert "text: |\n          第一行\n          第二行\n" in text
    assert "# 主要做法和主要成效由本区撰写" in text  # the comments stay
    assert "extends: base.yaml" in text


def test_a_narrative_edit_that_would_break_the_config_is_not_saved(client, workspace_root):
    district, csrf = _district(client)
    config = workspace_root / "config" / "sample.yaml"
    before = config.read_text(encoding="utf-8")
    fields = re.findall(r'name="([a-z_.0-9]+)"', client.get(f"/d/{district}/narrative").text)
    assert "narrative.results.items.coverage.else.title" in fields
    assert "narrative.results.items.coverage.when" not in fields  # conditions are not text to edit
    saved = client.post(
        f"/d/{district}/narrative",
        data={"csrf": csrf, "narrative.practices.items.leadership.title": "压实领导责任"},
    )
    assert "修改了1处" in saved.text
    after = config.read_text(encoding="utf-8")
    assert after == before.replace("title: 压实领导责任，健全协同推进机制", "title: 压实领导责任")
    config.write_text(before, encoding="utf-8")


def test_serve_names_the_extra_to_install_when_the_web_parts_are_missing(monkeypatch, capsys):
    from report_gen import cli

    monkeypatch.setattr(cli, "WEB_MODULES", ("starlette", "no_such_web_module_here"))
    assert cli.run(["serve"]) == 1
    err = capsys.readouterr().err
    assert "no_such_web_module_here" in err and "report-gen[web]" in err and "Traceback" not in err


def test_serve_refuses_a_port_in_use_and_a_short_token(tmp_path, capsys):
    import socket

    from report_gen import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert cli.run(["serve", "--workspace", str(tmp_path), "--port", str(port)]) == 2
    assert "已被占用" in capsys.readouterr().err
    assert cli.run(["serve", "--workspace", str(tmp_path), "--token", "short"]) == 2
    assert "至少" in capsys.readouterr().err


def test_the_readme_starts_the_page_on_the_sample_and_shows_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert '.venv/bin/pip install -e ".[web]" && .venv/bin/report-gen serve' in readme
    shot = ROOT / "docs" / "web-page.png"
    assert "(docs/web-page.png)" in readme and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size < 100_000
    # `serve` with no --workspace serves the folder it starts in: this one holds the sample.
    districts = Workspace(ROOT).districts().values()
    assert "config/sample.yaml" in [d.relative for d in districts if d.district == "青溪区"]


def test_another_host_than_this_machine_gets_a_generated_token(monkeypatch, tmp_path, capsys):
    import uvicorn

    from report_gen import cli

    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: served.append(server.config.app))
    assert cli.run(["serve", "--workspace", str(tmp_path), "--host", "0.0.0.0", "--port", "0"]) == 0
    out = capsys.readouterr().out
    token = re.search(r"\?token=(\S+)", out).group(1)
    assert len(token) >= 20
    with TestClient(served[0]) as office:
        assert office.get("/").status_code == 403
        assert office.get(f"/?token={token}").status_code == 200
    assert cli.run(["serve", "--workspace", str(tmp_path), "--port", "0"]) == 0
    assert "?token=" not in capsys.readouterr().out  # this machine only: no token unless given


def test_an_internal_error_is_one_line_on_the_page_not_a_traceback(workspace_root, pool, monkeypatch):
    from report_gen.web import app as web_app

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(web_app, "narrative_fields", broken)
    with TestClient(
        create_app(Workspace(workspace_root), jobs=Jobs(pool)), raise_server_exceptions=False
    ) as failing:
        district, _ = _district(failing)
        page = failing.get(f"/d/{district}/narrative")
    assert page.status_code == 500
    assert "内部错误：RuntimeError: disk on fire" in page.text and "Traceback" not in page.text


def test_a_config_broken_by_hand_is_listed_with_the_reason(client, workspace_root):
    broken = workspace_root / "config" / "broken.yaml"
    broken.write_text("extends: base.yaml\nreport:\n  district: 白沙区\n  year: [2025\n", encoding="utf-8")
    try:
        page = _text(client.get("/").text)
        assert "broken config/broken.yaml" in page and "配置有误" in page and "YAML" in page
    finally:
        broken.unlink()


def test_next_years_report_details_are_edited_in_place_and_keep_their_types(pool, tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    config = tmp_path / "config" / "sample.yaml"
    before = config.read_text(encoding="utf-8")
    with _client(tmp_path, pool) as own:
        district, csrf = _district(own)
        form = own.get(f"/d/{district}/narrative").text
        assert 'name="report.year" value="2025"' in form and 'name="report.date" value="2025-12-05"' in form
        own.post(
            f"/d/{district}/narrative",
            data={
                "csrf": csrf,
                "report.year": "2026",
                "report.survey_period.start": "2026-11-24",
                "report.survey_period.end": "2026-11-28",
                "report.date": "2026-12-04",
            },
        )
    after = config.read_text(encoding="utf-8")
    expected = (
        before.replace("  year: 2025\n", "  year: 2026\n", 1)
        .replace("{start: 2025-11-25, end: 2025-11-30}", "{start: 2026-11-24, end: 2026-11-28}")
        .replace("date: 2025-12-05", "date: 2026-12-04")
    )
    assert after == expected  # the manual figures' own `year: 2025` untouched, comments kept
    import yaml

    report = yaml.safe_load(after)["report"]
    assert (
        report["year"] == 2026 and str(report["date"]) == "2026-12-04" and not isinstance(report["date"], str)
    )


def test_a_job_sees_the_uploads_under_their_given_names_reduced_to_safe_ones(tmp_path):
    from report_gen.web.jobs import as_uploaded

    stored = {}
    for table in ("organizations", "organizations_previous", "trainings"):
        stored[table] = tmp_path / f"{len(stored)}0123456789abcde.csv"
        stored[table].write_text(table, encoding="utf-8")
    given = {
        stored["organizations"].name: "../../白沙区 台账<2025>.csv",
        stored["organizations_previous"].name: "CON.csv",
        stored["trainings"].name: "..csv",
    }
    with as_uploaded(stored, given) as (copies, names):
        assert copies["organizations"].name == "白沙区 台账_2025.csv"
        assert copies["organizations_previous"].name == "organizations_previous.csv"
        assert copies["trainings"].name == "trainings.csv"
        assert names["白沙区 台账_2025.csv"] == "../../白沙区 台账<2025>.csv"
        assert all(c.read_text(encoding="utf-8") == t for t, c in copies.items())
        folder = copies["organizations"].parent.parent
    assert not folder.exists()  # gone with the job


def test_a_worker_that_dies_costs_its_own_job_only():
    import multiprocessing
    import os

    jobs = Jobs(workers=1)
    try:
        first = jobs.run(os._exit, 1)  # a worker gone mid-job (killed, out of memory)
        with pytest.raises(concurrent.futures.process.BrokenProcessPool):
            first.result(timeout=60)
        assert jobs.run(abs, -7).result(timeout=60) == 7  # the next job gets a new worker
    finally:
        jobs.shutdown()
    assert not multiprocessing.active_children()


def test_a_job_is_done_only_once_its_outcome_is_recorded(pool):
    """The job page sends the browser on to the preview when the job is done: by then the build's
    outcome must be in the district's state, or the preview would show the build before."""
    import threading

    recording = threading.Event()
    release = threading.Event()

    def record(_job):
        recording.set()
        release.wait(10)

    go = threading.Event()
    job = Jobs(pool).submit("0" * 12, "build", go.wait, 10, when_done=record)
    go.set()  # the job ends once its callback is registered, as a real build does
    assert recording.wait(10) and job.future.done()
    assert not job.done
    release.set()
    assert job.recorded.wait(10) and job.done


def test_the_city_batch_is_only_for_a_citys_config_and_its_pages_wait_for_one(client):
    district, csrf = _district(client)
    refused = client.post(f"/d/{district}/city/batch", data={"csrf": csrf})
    assert refused.status_code == 400 and "只有市的配置" in refused.text
    assert "各区县报告" not in _text(client.get(f"/d/{district}").text)
    for path in ("city", "city/summary", "city/reports.zip"):
        assert client.get(f"/d/{district}/{path}").status_code == 404, path
    page = client.get("/")
    city = re.search(r'href="/d/([0-9a-f]{12})">江城市 2025年', page.text).group(1)
    assert "生成各区县报告" in _text(client.get(f"/d/{city}").text)
    assert client.post(f"/d/{city}/city/batch", data={}).status_code == 403  # CSRF as everywhere


def test_a_new_district_needs_its_name_and_year_from_the_title_row_or_the_form(pool, tmp_path):
    ledger = write_csv(
        tmp_path / "ledger.csv", [org_row(f"BS{i:03d}", name=f"白沙第{i}有限公司") for i in range(1, 6)]
    )
    with _client(tmp_path, pool) as fresh:
        csrf = _csrf(fresh.get("/").text)
        page = fresh.post(
            "/districts", data={"csrf": csrf}, files={"ledger": ("台账.csv", ledger.read_bytes(), "text/csv")}
        )
        assert page.status_code == 400
        text = _text(page.text)
        assert "区县名称" in text and "报告年度" in text and "--district" not in text and "台账.csv" in text
        assert not (tmp_path / "districts").exists()  # nothing made for a district not known
        made = fresh.post(
            "/districts",
            data={"csrf": csrf, "district": "白沙区", "year": "2025"},
            files={"ledger": ("台账.csv", ledger.read_bytes(), "text/csv")},
        )
        assert made.status_code == 200 and "白沙区 2025年" in made.text
    made_files = sorted(p.name for p in (tmp_path / "districts" / "白沙区").iterdir() if p.name[0] != ".")
    assert made_files == ["台账2025.csv", "白沙区.yaml"]
