"""Open rendered reports in headless Chromium: each renders, logs no console error, makes no
network request, every figure decodes, nothing is wider than a 1280 px window (nor hidden
behind a horizontal scroll bar, the folded appendix opened), the page never scrolls sideways
at 390 px (every table scrolls in its own container), tables and figures are numbered in
reading order, the printed PDF (Chromium's print to PDF) has its pages and no table or figure
wider than the page, and full-page screenshots at 1280 and 1920 px are saved for a person to
look at (their paths are printed; `pytest -s` shows them).

Four reports: the small hand-made fixture, the fixture with complementary suppression, and
from one workflow run the synthetic reference cohort (a reproduction) and a clinic's real
export (a Swedish-dialect export whose NPRS threshold was changed away from its citation's)."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import report_helpers as helpers
import yaml
from export_helpers import SWEDISH, write_swedish_export
from workflow_helpers import copy_run, snakemake, write_config

from rehab.outputs.report import write_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver",)
LOCAL_SCHEMES = ("data:", "file:", "about:", "chrome:", "chrome-extension:", "devtools:")
WIDTHS = (1280, 1920)
PHONE = 390  # the page must not scroll sideways at a phone's width
A4_CM = (21.0, 29.7)
PRINTED_WIDTH = 688  # px of A4's printable width at 96 dpi (210 mm less the print style's 2 × 14 mm margins)
MAX_SCREENSHOT_HEIGHT = 16_000
REFERENCE = {"synthetic": {"seed": 20211028, "n_patients": 274}}  # config/config.yaml's reference cohort


def _figures_embedded(path: Path) -> int:
    """The figures the report embeds (one SVG data URI each): every one must load."""
    return path.read_text(encoding="utf-8").count('src="data:image/svg+xml;base64,')


# Elements wider than the window or, inside the main column, than the column's text width, or
# holding content wider than themselves behind a scroll bar.
OVERFLOW_SCRIPT = """
const width = document.documentElement.clientWidth;
const main = document.querySelector('main');
const column = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);
const wide = [];
for (const element of document.querySelectorAll('body *')) {
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  const scrolls = ['auto', 'scroll'].includes(style.overflowX) && element.scrollWidth > element.clientWidth + 1;
  const outside = element !== main && main.contains(element) && box.width > 0 && box.right > column + 1;
  if (box.right > width + 1 || box.left < -1 || scrolls || outside) {
    wide.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className}: ` +
              `${Math.round(box.left)}-${Math.round(box.right)} (scroll ${element.scrollWidth}/${element.clientWidth})`);
  }
}
return {page: document.documentElement.scrollWidth, width: width, wide: wide};
"""


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
        "--hide-scrollbars",
        "--window-size=1280,1600",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser-report")
    inputs = helpers.report_inputs(root)
    path = root / "report.html"
    write_report(inputs, helpers.TEMPLATE_DIR, path)
    return path


@pytest.fixture(scope="module")
def workflow_run(reference_run, tmp_path_factory):
    """The shared reference run, copied, with a clinic's export added whose NPRS threshold (3)
    is not its citation's (2); only the clinic's jobs run."""
    root = tmp_path_factory.mktemp("browser-workflow")
    workdir = copy_run(reference_run, root / "project")
    export = write_swedish_export(workdir / "results" / "reference" / "raw", root / "export")
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))
    instruments = copy.deepcopy(config["study"]["instruments"])
    instruments["nprs"]["responders"][0]["absolute"] = 3
    assert instruments["nprs"]["responders"][0]["cited"] == {"absolute": 2}
    write_config(
        workdir,
        {
            "reference": REFERENCE,
            "klinik": {"export": {"path": str(export), "dialect": SWEDISH}, "study": {"instruments": instruments}},
        },
    )
    result = snakemake(workdir)
    return workdir, result


def _requested_urls(performance_log: list[dict]) -> list[str]:
    urls = []
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _viewport(browser, width: int, height: int) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def _open(browser, path: Path) -> None:
    _viewport(browser, WIDTHS[0], 1000)
    browser.get(path.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"


def _full_page(browser, width: int) -> None:
    _viewport(browser, width, 1000)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    _viewport(browser, width, min(height, MAX_SCREENSHOT_HEIGHT))


def _screenshots(browser, name: str, folder: Path) -> list[Path]:
    """Full-page screenshots at each width, as a reader first sees the page (the appendix
    folded), and one of the subgroup table at 1280 px."""
    from selenium.webdriver.common.by import By

    shots = []
    for width in WIDTHS:
        _full_page(browser, width)
        path = folder / f"{name}-{width}.png"
        assert browser.save_screenshot(str(path))
        assert path.stat().st_size > 10_000
        shots.append(path)
    _full_page(browser, WIDTHS[0])
    path = folder / f"{name}-subgroups-{WIDTHS[0]}.png"
    assert browser.find_element(By.ID, "table-subgroups").screenshot(str(path))
    shots.append(path)
    _viewport(browser, WIDTHS[0], 1000)
    return shots


# In a width-bound layout (a phone, or the page as printed): the page's own width, the tables
# that are not inside a horizontal scroll container, and what is wider than the page.
NARROW_SCRIPT = """
const width = document.documentElement.clientWidth;
const loose = Array.from(document.querySelectorAll('main table')).filter(t => !t.closest('.scroll')).map(t => t.id);
const wide = [];
for (const element of document.querySelectorAll('body *')) {
  const box = element.getBoundingClientRect();
  if (box.width > 0 && box.right > width + 1 && !element.closest('.scroll')) {
    wide.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className}: ${Math.round(box.right)}`);
  }
}
return {page: document.documentElement.scrollWidth, width: width, loose: loose, wide: wide};
"""
# Printed: every table and figure within the page's width, none scrolling.
PRINTED_SCRIPT = """
const width = document.documentElement.clientWidth;
return Array.from(document.querySelectorAll('main table, main figure, main img'))
  .filter(e => { const b = e.getBoundingClientRect(); return b.width > 0 && (b.right > width + 1 || e.scrollWidth > e.clientWidth + 1); })
  .map(e => `${e.tagName.toLowerCase()}#${e.id}: ${Math.round(e.getBoundingClientRect().right)} (${e.scrollWidth}/${e.clientWidth})`);
"""


# The line boxes of each numeric cell's text in a table: 1 when the value stays on one line.
ONE_LINE_SCRIPT = """
return Array.from(document.querySelectorAll(`#${arguments[0]} td.numeric`)).map(cell => {
  const range = document.createRange(); range.selectNodeContents(cell);
  return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size;
});
"""


def _fits_a_phone(browser) -> None:
    _viewport(browser, PHONE, 900)
    layout = browser.execute_script(NARROW_SCRIPT)
    assert layout["width"] == PHONE and layout["page"] <= PHONE, layout
    assert layout["loose"] == [] and layout["wide"] == [], layout
    _viewport(browser, WIDTHS[0], 1000)


def _printed_pages(browser) -> int:
    """Chromium's print to PDF on A4; its page count. Then, in the print layout at the
    page's printable width, nothing is wider than the page."""
    import base64

    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.page_width, options.page_height = A4_CM
    pdf = base64.b64decode(browser.print_page(options))
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    _viewport(browser, PRINTED_WIDTH, 1100)
    try:
        assert browser.execute_script("return getComputedStyle(document.querySelector('nav.toc')).display") == "none"
        assert browser.execute_script(PRINTED_SCRIPT) == []
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        _viewport(browser, WIDTHS[0], 1000)
    return pages


def _check_report(browser, path: Path, folder: Path, name: str, synthetic: bool) -> None:
    _open(browser, path)

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
    expected_figures = _figures_embedded(path)
    assert expected_figures >= 6 and len(images) == expected_figures
    for complete, width, source in images:
        assert complete and width > 0 and source == "data:image/svg+xml;base64,"
    assert browser.execute_script("return document.querySelectorAll('svg').length") == 0  # no id clashes

    banner = browser.execute_script("const b = document.getElementById('synthetic-banner'); return b && b.offsetHeight")
    assert bool(banner) == synthetic

    # numbered in reading order: 1, 2, 3, ... per kind, down the page
    captions = browser.execute_script(
        "return Array.from(document.querySelectorAll('figcaption > strong')).map(s => s.textContent)"
    )
    for kind in ("Table", "Figure"):
        numbers = [int(m[1]) for text in captions if (m := re.match(rf"{kind} (\d+)\. ", text))]
        assert numbers == list(range(1, len(numbers) + 1)), (kind, numbers)
    assert len([c for c in captions if c.startswith("Figure ")]) == expected_figures

    # the summary, methods and results come first; the provenance is the folded appendix
    order = browser.execute_script("return Array.from(document.querySelectorAll('main > section')).map(s => s.id)")
    assert order[:3] == ["summary", "methods", "baseline"] and order[-1] == "provenance"
    assert browser.execute_script("return Array.from(document.querySelectorAll('details')).every(d => !d.open)")

    shots = _screenshots(browser, name, folder)
    print(f"\nscreenshots of the {name} report: " + ", ".join(str(shot) for shot in shots))

    # at 1280 px nothing is wider than the window or the text column, nothing hides behind a
    # horizontal scroll bar: the folded appendix opened, and the subgroup results first
    layout = browser.execute_script(OVERFLOW_SCRIPT)
    assert layout["width"] == WIDTHS[0]
    assert layout["page"] <= layout["width"] and layout["wide"] == [], layout
    _fits_a_phone(browser)
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    layout = browser.execute_script(OVERFLOW_SCRIPT)
    assert layout["page"] <= layout["width"] and layout["wide"] == [], layout
    _fits_a_phone(browser)


def test_the_fixture_report_renders_offline_and_fits_1280_px(browser, fixture_report, tmp_path):
    _check_report(browser, fixture_report, tmp_path, "fixture", synthetic=True)
    assert "Rehabilitation outcomes report" in browser.title
    assert _printed_pages(browser) >= 5


@pytest.fixture(scope="module")
def suppressed_report(tmp_path_factory) -> Path:
    """The fixture cohort with a small group (S) and one suppressed to protect it (C) in every
    instrument and time point."""
    root = tmp_path_factory.mktemp("suppressed-report")
    paper = helpers.paper_fixture()
    rows = paper.subgroup_rows.copy()
    protected = rows["group"].eq("18_29")
    rows.loc[protected, ["n_responders", "pct", "ci_low", "ci_high"]] = None
    rows.loc[protected, ["suppressed", "suppression"]] = [True, "complementary"]
    inputs = helpers.report_inputs(root, fixture=dataclasses.replace(paper, subgroup_rows=rows))
    path = root / "report.html"
    write_report(inputs, helpers.TEMPLATE_DIR, path)
    return path


def test_a_report_with_complementary_suppression_fits_390_and_1280_px(browser, suppressed_report, tmp_path):
    _check_report(browser, suppressed_report, tmp_path, "suppressed", synthetic=True)
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('#table-subgroups td.suppressed .value')).map(v => v.textContent)"
    )
    assert sorted(set(labels)) == ["C", "S"] and len(labels) == 12
    heights = browser.execute_script(
        "return Array.from(document.querySelectorAll('#table-subgroups td.suppressed')).map(c => c.offsetHeight)"
    )
    row = browser.execute_script("return document.querySelector('#table-subgroups tbody tr:last-child').offsetHeight")
    assert max(heights) <= row  # one short label: nothing spills over its neighbours


def test_the_reference_report_reads_as_a_reproduction_and_fits_1280_px(browser, workflow_run, tmp_path):
    workdir, _ = workflow_run
    _check_report(browser, workdir / "results" / "reference" / "report.html", tmp_path, "reference", synthetic=True)
    assert _printed_pages(browser) >= 10
    # at 1280 px each value of the outcome table stays on one line
    lines = browser.execute_script(ONE_LINE_SCRIPT, "table-outcomes")
    assert lines and max(lines) == 1, lines
    assert browser.title == "Rehabilitation outcomes report — reference"
    heading = browser.execute_script("return document.querySelector('header.top').textContent")
    assert "Reproduction of Trulsson Schouenborg" in heading
    assert browser.execute_script("return !!document.getElementById('reproduction-table')")


def test_an_exports_report_reads_as_the_clinics_own_analysis_and_fits_1280_px(browser, workflow_run, tmp_path):
    workdir, result = workflow_run
    _check_report(browser, workdir / "results" / "klinik" / "report.html", tmp_path, "klinik", synthetic=False)
    assert browser.title == "Rehabilitation outcomes — klinik"
    heading = browser.execute_script("return document.querySelector('header.top').textContent")
    assert "Rehabilitation outcomes — klinik" in heading and "Reproduction" not in heading
    # no published-versus-reproduced section, no failure styling anywhere but the flagged threshold
    assert browser.execute_script("return document.getElementById('reproduction')") is None
    assert browser.execute_script("return document.querySelectorAll('#reproduction-table tr.mismatch').length") == 0
    flagged = browser.execute_script(
        "return Array.from(document.querySelectorAll('#methods .tag.bad')).map(t => t.textContent)"
    )
    assert flagged == ["Threshold differs from its source"]
    # ... and the run said so as a WARNING on stderr and in the log of the rule that uses it
    message = "differs from the one its source states (decrease of at least 2 units)"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING") and message in line]
    assert len(warnings) == 1 and "study.instruments.nprs.responders[0]" in warnings[0]
    log = (workdir / "results" / "klinik" / "logs" / "table_responders.log").read_text(encoding="utf-8")
    assert "WARNING config key study.instruments.nprs.responders[0]" in log and message in log
    reference_log = (workdir / "results" / "reference" / "logs" / "table_responders.log").read_text(encoding="utf-8")
    assert "WARNING" not in reference_log
