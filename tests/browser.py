"""A real browser for tests: Debian's Chromium, started headless with `--headless --no-sandbox`, driven over
the DevTools protocol by Playwright (`connect_over_cdp`; Playwright downloads no browser of its own).

`open_page` loads a file at a given window size and records what a person would miss: console errors,
uncaught exceptions and any request that leaves the file (a self-contained page makes none).
Screenshots go to the test artifacts folder (`VOLTBILL_TEST_ARTIFACTS`, default `test-artifacts/`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from playwright.sync_api import Page, sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_NAMES = ("chromium", "chromium-browser")
INSTALL_HINT = "Debian's Chromium is needed for the browser tests: sudo apt-get install chromium"


def artifacts_dir() -> Path:
    path = Path(os.environ.get("VOLTBILL_TEST_ARTIFACTS", PROJECT_ROOT / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def chromium_path() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(INSTALL_HINT)


@dataclass
class PageRecord:
    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)


@contextmanager
def headless_chromium() -> Iterator[object]:
    """Chromium in its own throw-away profile, connected over CDP; stopped on exit."""
    profile = tempfile.mkdtemp(prefix="voltbill-chromium-")
    process = subprocess.Popen(
        [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = None
        for line in process.stderr:  # Chromium prints the DevTools address on start-up
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                endpoint = match.group(1)
                break
        if endpoint is None:
            raise RuntimeError(f"Chromium exited without a DevTools endpoint (exit code {process.poll()})")
        with sync_playwright() as playwright:
            browser = playwright.chromium.connect_over_cdp(endpoint)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def open_page(browser, path: Path, width: int, height: int) -> Iterator[PageRecord]:
    """`path` opened in a new tab `width` × `height` CSS pixels wide, with its console and requests recorded."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    record = PageRecord(page)
    page.on("console", lambda message: record.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: record.page_errors.append(str(error)))
    page.on("request", lambda request: record.outside_requests.append(request.url) if not request.url.startswith(("file:", "data:", "blob:", "about:")) else None)
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        yield record
    finally:
        context.close()
