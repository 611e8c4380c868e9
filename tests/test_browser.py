"""Open a rendered report in headless Chromium: it renders, logs no console error, makes no
network request, every image decodes, and a screenshot is saved for a person to look at."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import report_helpers as helpers

from rehab.report import write_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver",)
LOCAL_SCHEMES = ("data:", "file:", "about:", "chrome:", "chrome-extension:", "devtools:")


def _first_existing(candidates, name):
    for path in candidates:
        if os.path.exists(path):
            return path
    return shutil.which(name)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    binary = _first_existing(CHROMIUM_CANDIDATES, "chromium")
    driver_path = _first_existing(DRIVER_CANDIDATES, "chromedriver")
    if not binary or not driver_path:
        pytest.skip(f"no headless browser here (chromium: {binary}, chromedriver: {driver_path})")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1280,1600",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser-report")
    inputs = helpers.report_inputs(root)
    path = root / "report.html"
    write_report(inputs, helpers.TEMPLATE_DIR, path)
    return path


def _requested_urls(performance_log: list[dict]) -> list[str]:
    urls = []
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_report_renders_offline_in_chromium(browser, report_file, tmp_path):
    browser.get(report_file.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert "Rehabilitation outcomes report" in browser.title

    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []

    requested = _requested_urls(browser.get_log("performance"))
    assert requested, "the performance log recorded no request at all (not even the file itself)"
    assert [url for url in requested if not url.startswith(LOCAL_SCHEMES)] == []
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [url for url in resources if not url.startswith(LOCAL_SCHEMES)] == []

    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.src.slice(0, 26)])"
    )
    assert len(images) == len(helpers.FIGURE_NAMES)
    for complete, width, source in images:
        assert complete and width > 0 and source == "data:image/svg+xml;base64,"
    inline_svgs = browser.execute_script("return document.querySelectorAll('svg').length")
    assert inline_svgs == 0  # figures are embedded as images, so their ids cannot clash

    banner = browser.execute_script("const b = document.getElementById('synthetic-banner'); return b && b.offsetHeight")
    assert banner and banner > 0

    screenshot = tmp_path / "report.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")
