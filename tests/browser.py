"""Debian's headless Chromium, driven by Selenium through Debian's chromedriver: the report as a
person's browser shows it (the browser test, and `make report-screenshot` for docs/).

    .venv/bin/python -m tests.browser REPORT.html SCREENSHOT.png [HEIGHT]   # HEIGHT: the top HEIGHT pixels
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Chromium on a machine without internet: no background connections, no update checks, no sync
# (each would be refused, and some log console errors), a throwaway profile.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--window-size=1400,1000")


def available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


@contextmanager
def chromium() -> Iterator["object"]:
    """A headless Chromium (a Selenium WebDriver) that records the console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="ghstats-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def full_page_screenshot(driver: "object", path: Path, width: int = 1400, height: int | None = None) -> None:
    """The page as one PNG: all of it (the window grown to the page's height), or its top `height` pixels."""
    page = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, min(height or page + 100, 16_000))
    driver.save_screenshot(str(path))


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or (len(argv) == 3 and not argv[2].isdigit()):
        print(__doc__, file=sys.stderr)
        return 2
    report, png = Path(argv[0]).resolve(), Path(argv[1])
    with chromium() as driver:
        driver.get(report.as_uri())
        full_page_screenshot(driver, png, height=int(argv[2]) if len(argv) == 3 else None)
    print(f"{png}: screenshot of {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
