"""The web page in a real browser: ``report-gen serve`` started as a user would, driven through
headless Chromium with selenium. Upload the sample ledger, build, read a figure on the preview,
download the .docx and compare it with ``report-gen build``; upload a broken ledger and find its
row in the problems table. Screenshots go to $REPORT_GEN_SCREENSHOTS when set (else tmp)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_DATA, sample_workspace

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="Chromium and its driver are not installed (Debian: apt-get install chromium chromium-driver; "
    "bash scripts/install.sh --test installs them)",
)
SAMPLE_LEDGER = SAMPLE_DATA / "organizations_2025.csv"
WAIT = 45


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return sample_workspace(tmp_path_factory.mktemp("office"))


@pytest.fixture(scope="module")
def server(workspace):
    """``report-gen serve`` on a free port, as the README starts it."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "report_gen", "serve", "--workspace", str(workspace), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"report-gen serve did not start: {process.stdout.read().decode()}")
            time.sleep(0.1)
    yield url
    process.send_signal(signal.SIGINT)  # Ctrl+C: the workers stop with the server
    try:
        output = process.communicate(timeout=20)[0].decode()
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0 and "已停止。" in output, output


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver  # the test extra installs it: missing is a failure, not a skip
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1000")
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("REPORT_GEN_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _wait(condition, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"waited {WAIT}s for {what}")


def _click_and_wait_for_next_page(browser, element) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    _wait(lambda: expected_conditions.staleness_of(page)(browser), "the next page")


def _upload(browser, path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "organizations").send_keys(str(path))
    _click_and_wait_for_next_page(browser, browser.find_element(By.XPATH, "//button[text()='上传并检查']"))
    _wait(lambda: browser.find_elements(By.ID, "verdict"), "the check's verdict")


def _docx_text(path: Path) -> list[str]:
    import docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += ["|".join(cell.text for cell in row.cells) for row in table.rows]
    return lines


def test_the_sample_report_built_previewed_and_downloaded_in_the_browser(
    server, browser, shots, workspace, tmp_path
):
    from selenium.webdriver.common.by import By

    browser.get(server)
    browser.find_element(By.LINK_TEXT, "青溪区 2025年").click()
    _upload(browser, SAMPLE_LEDGER)
    assert "输入检查通过" in browser.find_element(By.ID, "verdict").text
    assert "organizations_2025.csv" in browser.find_element(By.ID, "files").text
    browser.save_screenshot(str(shots / "web-district.png"))

    browser.find_element(By.ID, "build-button").click()
    _wait(lambda: browser.current_url.endswith("/preview"), "the build to finish")
    assert "这是第一次生成" in browser.find_element(By.ID, "changes").text
    browser.save_screenshot(str(shots / "web-preview.png"))

    browser.switch_to.frame(browser.find_element(By.ID, "report"))
    report = browser.find_element(By.TAG_NAME, "body").text
    assert "有党员2070名" in report and "党组织覆盖率为64.4%" in report
    assert "附件" in report  # the appendix, with each figure's definition and source
    assert len(browser.find_elements(By.TAG_NAME, "img")) >= 2  # the charts
    browser.switch_to.default_content()

    browser.find_element(By.ID, "download-docx").click()
    downloaded = browser.downloads / "qingxi-2025.docx"
    _wait(lambda: downloaded.is_file() and not list(browser.downloads.glob("*.crdownload")), "the .docx")

    from report_gen.pipeline import build

    expected = build(
        workspace / "config" / "sample.yaml",
        data={"organizations": SAMPLE_LEDGER},
        out_dir=tmp_path,
        formats=["docx"],
    )
    assert _docx_text(downloaded) == _docx_text(expected.outputs[0])
    assert any("有党员2070名" in line for line in _docx_text(downloaded))

    # One organisation's 党员数 raised by 5: the preview lists the change since the last build.
    lines = SAMPLE_LEDGER.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[7] = str(int(cells[7]) + 5)
    lines[2] = ",".join(cells)
    changed = tmp_path / "台账2025（修订）.csv"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _click_and_wait_for_next_page(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "返回"))
    _upload(browser, changed)
    browser.find_element(By.ID, "build-button").click()
    _wait(lambda: browser.current_url.endswith("/preview"), "the second build to finish")
    assert "党员数：2070名 → 2075名" in browser.find_element(By.ID, "changes").text


def test_two_builds_of_one_district_at_once_both_finish_and_leave_one_coherent_report(
    server, browser, workspace
):
    """Two people press 生成报告 together: both builds run, the output folder's lock keeps each
    one's files together, and the last report's .docx and figures.json agree."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    import docx
    import httpx
    from selenium.webdriver.common.by import By

    browser.get(server)
    browser.find_element(By.LINK_TEXT, "青溪区 2025年").click()
    forget = browser.find_elements(By.XPATH, "//button[text()='不再使用上传的文件']")
    if forget:  # the sample's own ledger again: the inputs changed, so both builds really build
        _click_and_wait_for_next_page(browser, forget[0])
    build_url = browser.find_element(By.CSS_SELECTOR, "#build form").get_attribute("action")
    csrf = browser.find_element(By.CSS_SELECTOR, "#build input[name=csrf]").get_attribute("value")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}

    def press() -> str:
        with httpx.Client(cookies=cookies, follow_redirects=False) as client:
            response = client.post(build_url, data={"csrf": csrf})
            assert response.status_code == 303, response.text
            job = server.rstrip("/") + response.headers["location"]
            deadline = time.monotonic() + WAIT
            while time.monotonic() < deadline:
                page = client.get(job)
                if page.status_code == 303:
                    return page.headers["location"]
                assert "未能生成报告" not in page.text, page.text
                time.sleep(0.2)
        raise AssertionError("build did not finish")

    with ThreadPoolExecutor(2) as pool:
        ends = list(pool.map(lambda _: press(), range(2)))
    assert all(end.endswith("/preview") for end in ends)
    out = workspace / "out"
    figures = json.loads((out / "qingxi-2025.figures.json").read_text(encoding="utf-8"))
    members = next(f["text"] for f in figures["figures"] if f["id"] == "party_members")
    text = "".join(p.text for p in docx.Document(str(out / "qingxi-2025.docx")).paragraphs)
    assert f"有党员{members}" in text and members == "2070名"
    assert not list(out.glob(".*.tmp"))


def test_a_broken_ledger_shows_its_row_in_the_problems_table_and_the_fixed_one_passes(
    server, browser, shots, tmp_path
):
    from selenium.webdriver.common.by import By

    lines = SAMPLE_LEDGER.read_text(encoding="utf-8").splitlines()
    cells = lines[11].split(",")
    cells[7] = "十二"  # 党员数, on the row Excel numbers 12
    lines[11] = ",".join(cells)
    broken = tmp_path / "台账（改错前）.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")

    browser.get(server)
    browser.find_element(By.LINK_TEXT, "青溪区 2025年").click()
    _upload(browser, broken)
    assert "数据有误" in browser.find_element(By.ID, "verdict").text
    rows = [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in browser.find_elements(By.CSS_SELECTOR, "table.problems tbody tr")
    ]
    assert ["错误", "台账（改错前）.csv", "", "12", "党员数", "十二"] in [row[:6] for row in rows]
    browser.find_element(By.ID, "problems").screenshot(str(shots / "web-problems.png"))

    # The cell corrected in the file, uploaded again: the check passes.
    cells[7] = "3"
    lines[11] = ",".join(cells)
    fixed = tmp_path / "台账（改错后）.csv"
    fixed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _upload(browser, fixed)
    assert "输入检查通过" in browser.find_element(By.ID, "verdict").text
    assert not browser.find_elements(By.CSS_SELECTOR, "table.problems tr.error")
    forget = browser.find_element(By.XPATH, "//button[text()='不再使用上传的文件']")
    _click_and_wait_for_next_page(browser, forget)  # back to the sample's own ledgers
    assert "正在使用配置 config/sample.yaml 中写明的台账" in browser.find_element(By.ID, "files").text


def test_a_city_ledger_gives_every_districts_report_with_progress_a_zip_and_the_summary(
    server, browser, shots, tmp_path
):
    import zipfile

    from selenium.webdriver.common.by import By

    browser.get(server)
    browser.find_element(By.LINK_TEXT, "江城市 2025年").click()
    _upload(browser, SAMPLE_DATA / "city_2025.csv")
    assert "输入检查通过" in browser.find_element(By.ID, "verdict").text
    _click_and_wait_for_next_page(browser, browser.find_element(By.ID, "city-button"))
    if "/jobs/" in browser.current_url:  # the progress page, refreshing itself until the end
        assert "份" in browser.find_element(By.ID, "progress").text
    _wait(lambda: browser.current_url.endswith("/city"), "the city's batch to finish")
    rows = [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in browser.find_elements(By.CSS_SELECTOR, "#districts tbody tr")
    ]
    assert [row[0] for row in rows] == ["临江区", "石门区", "桂溪区", "云山县", "（全市汇总）"]
    assert all(row[1] == "已生成" for row in rows), rows
    browser.save_screenshot(str(shots / "web-city.png"))

    browser.switch_to.frame(browser.find_element(By.ID, "summary"))
    summary = browser.find_element(By.TAG_NAME, "body").text
    assert "江城市" in summary and all(name in summary for name in ("临江区", "石门区", "桂溪区", "云山县"))
    browser.switch_to.default_content()

    browser.find_element(By.ID, "download-zip").click()
    archive = browser.downloads / "江城市 2025年各区县报告.zip"
    _wait(lambda: archive.is_file() and not list(browser.downloads.glob("*.crdownload")), "the zip")
    with zipfile.ZipFile(archive) as bundle:
        expected = {f"{row[0]}-2025.docx" for row in rows[:4]} | {"江城市-2025-汇总.docx"}
        assert set(bundle.namelist()) == expected
        bundle.extract("云山县-2025.docx", tmp_path)
    assert any("云山县" in line for line in _docx_text(tmp_path / "云山县-2025.docx"))
