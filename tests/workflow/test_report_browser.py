"""The demo's report in a real browser (Debian's headless Chromium): every section there, every
chart drawn with a size, no console error, tables that sort and filter; a screenshot is kept."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests import browser
from tests.report_html import read_report


@pytest.fixture(scope="module")
def page(two_demo_runs):
    assert browser.available(), "Chromium is missing: `make setup` installs Debian's chromium and chromium-driver"
    out, runs = two_demo_runs
    report = out / "s3" / "latest" / "report.html"
    with browser.chromium() as driver:
        driver.get(report.as_uri())
        yield driver, read_report(report.read_text())


def test_every_section_is_shown(page):
    driver, html = page
    shown = [(s.get_attribute("data-section"), s.size["height"]) for s in driver.find_elements(By.CSS_SELECTOR, "section")]
    assert [name for name, _ in shown] == html.sections and len(shown) >= 10
    assert all(height > 0 for _, height in shown)


def test_every_chart_is_drawn_with_a_size(page):
    driver, _ = page
    charts = driver.execute_script("""
        return Array.from(document.querySelectorAll('figure.chart')).map(f => {
          const svgs = f.querySelectorAll('.drawing svg'), r = svgs[0].getBoundingClientRect();
          return {title: f.querySelector('figcaption').textContent, svgs: svgs.length, width: r.width, height: r.height,
                  marks: svgs[0].querySelectorAll('rect.rect, path.line').length,
                  rows: f.querySelectorAll('table.data tbody tr').length};
        });""")
    assert len(charts) >= 10
    for chart in charts:
        assert chart["svgs"] == 1 and chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["rows"] > 0, chart  # its numbers beside it
        assert chart["marks"] > 0, chart  # pygal drew the series: bars or lines, not an empty plot


def test_no_console_errors(page):
    driver, _ = page
    driver.refresh()
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def _repositories_table(driver):
    [block] = [b for b in driver.find_elements(By.CSS_SELECTOR, "#overview .table-block")
               if b.find_element(By.TAG_NAME, "h3").text == "Repositories"]
    return block


def _column(block, index):
    """The column's cells of the rows shown, top to bottom."""
    return block.parent.execute_script(
        "return Array.from(arguments[0].querySelectorAll('tbody tr')).filter(r => !r.hidden)"
        ".map(r => r.cells[arguments[1]].textContent.trim());", block, index)


def test_a_table_sorts_by_a_column_and_filters(page, tmp_path):
    driver, _ = page
    block = _repositories_table(driver)
    headers = [th.text for th in block.find_elements(By.CSS_SELECTOR, "thead th")]
    stars = headers.index("stars")
    header = block.find_elements(By.CSS_SELECTOR, "thead th")[stars]
    header.click()
    ascending = [int(v.replace(",", "")) for v in _column(block, stars)]
    assert ascending == sorted(ascending) and ascending[0] < ascending[-1]
    header.click()
    assert [int(v.replace(",", "")) for v in _column(block, stars)] == sorted(ascending, reverse=True)
    block.find_element(By.CSS_SELECTOR, "input.filter").send_keys("globex/")
    names = _column(block, 0)
    assert names and all(name.startswith("globex/") for name in names)
    assert len(names) < len(ascending)
    browser.full_page_screenshot(driver, tmp_path / "report.png")
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
