"""The HTML report in a real headless Chromium (Debian's `chromium`, installed by .ci/run).

Chromium is driven with the DevTools protocol over a pipe (--remote-debugging-pipe: commands on
fd 3, replies on fd 4, NUL-separated JSON), so no port is opened and no extra package is needed.
Checked: the page loads from a file:// URL with no network request and no console error, every
chart image decodes (naturalWidth > 0), a screenshot is not blank, and a tag value
`<script>alert(1)</script>` is shown as text, never run or parsed as markup.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import time

import numpy as np
import pytest
from report_fixtures import XSS, baseline, build
from test_report_monthly import SECTIONS

from ecrcost.reporting.monthly import report

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1280,1600",
    "--remote-debugging-pipe",
]


def _high(fds: tuple[int, int]) -> tuple[int, int]:
    """The same pipe ends moved to (non-inheritable) descriptors >= 10, clear of fds 3 and 4."""
    import fcntl

    out = tuple(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds)
    for fd in fds:
        os.close(fd)
    return out  # type: ignore[return-value]


class Chromium:
    """A headless Chromium and one DevTools session over the debugging pipe."""

    def __init__(self, profile: str) -> None:
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        assert exe, "Debian's chromium is required (apt-get install chromium; .ci/run installs it)"
        cmd_r, self._cmd_w = _high(os.pipe())  # we write commands, chromium reads fd 3
        self._res_r, res_w = _high(os.pipe())  # chromium writes replies on fd 4

        def child_fds() -> None:  # in the child, before exec: the pipe ends become fds 3 and 4
            os.dup2(cmd_r, 3)
            os.dup2(res_w, 4)

        # close_fds=False: only the inheritable fds 0-4 reach chromium (Python's own are non-inheritable)
        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}"],
            preexec_fn=child_fds,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(cmd_r)
        os.close(res_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def send(
        self, method: str, params: dict | None = None, session: bool = True, timeout: float = 30
    ) -> dict:
        """Send one command and wait for its reply (events that arrive meanwhile are kept)."""
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                assert "error" not in reply, f"{method}: {reply['error']}"
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        """Wait for an event named `method` (or return it if it already came)."""
        for e in self.events:
            if e.get("method") == method:
                return e
        deadline = time.monotonic() + timeout
        while True:
            e = self._read(deadline)
            self.events.append(e)
            if e.get("method") == method:
                return e

    def _read(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            assert left > 0, "chromium did not answer in time"
            ready, _, _ = select.select([self._res_r], [], [], left)
            if ready:
                chunk = os.read(self._res_r, 1 << 20)
                assert chunk, "chromium closed the debugging pipe"
                self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False, timeout=5)
        except AssertionError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        os.close(self._res_r)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The saved report opened in Chromium: (browser, report dir, file:// url)."""
    root = tmp_path_factory.mktemp("browser")
    out = report(build(failed=True), baseline=baseline()).save(root / "report")
    browser = Chromium(str(root / "profile"))
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)[
            "targetId"
        ]
        browser.session = browser.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False
        )["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            browser.send(f"{domain}.enable")
        url = (out / "index.html").as_uri()
        browser.send("Page.navigate", {"url": url})
        browser.wait_for("Page.loadEventFired")
        yield browser, out, url
    finally:
        browser.close()


def evaluate(browser: Chromium, expression: str):
    res = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
    assert "exceptionDetails" not in res, res
    return res["result"].get("value")


def test_loads_from_disk_without_network_or_console_errors(page):
    browser, _, url = page
    evaluate(browser, "1")  # flush events
    requests = [
        e["params"]["request"]["url"]
        for e in browser.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requests and requests[0] == url
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    assert [
        u for u in requests if u.startswith("file://") and u != url
    ] == []  # nothing else read from disk
    errors = [
        e
        for e in browser.events
        if e.get("method") in ("Runtime.exceptionThrown", "Network.loadingFailed")
        or (
            e.get("method") == "Runtime.consoleAPICalled"
            and e["params"]["type"] in ("error", "assert")
        )
        or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
    ]
    assert errors == []
    assert evaluate(browser, "document.title") == "ECR cost report 2026-11"


def test_every_chart_image_decodes(page):
    browser, out, _ = page
    images = evaluate(
        browser,
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.src.slice(0, 22)])",
    )
    assert len(images) == len(list((out / "charts").glob("*.png"))) >= 5
    for complete, width, src in images:
        assert complete and width > 0
        assert src == "data:image/png;base64,"


def test_screenshot_is_not_blank(page):
    from matplotlib.image import imread

    browser, _, _ = page
    shot = browser.send("Page.captureScreenshot", {"format": "png"})
    pixels = imread(io.BytesIO(base64.b64decode(shot["data"])), format="png")
    assert pixels.shape[0] > 500 and pixels.shape[1] > 500
    flat = pixels.reshape(-1, pixels.shape[-1])[:, :3]
    assert flat.std() > 0.05  # text, tables and charts, not one flat colour
    assert len(np.unique((flat * 255).astype(np.uint8), axis=0)) > 50


def test_user_strings_are_text_not_markup(page):
    browser, _, _ = page
    assert evaluate(browser, "document.querySelectorAll('script').length") == 0
    assert not [e for e in browser.events if e.get("method") == "Page.javascriptDialogOpening"]
    text = evaluate(browser, "document.body.innerText")
    assert XSS in text  # the image tag and the repository's resource tag value, as visible text
    assert (
        evaluate(
            browser,
            f"Array.from(document.querySelectorAll('td')).filter(td => td.textContent.includes({json.dumps(XSS)})).length",
        )
        >= 2
    )


def test_incomplete_snapshot_banner_and_sections(page):
    browser, _, _ = page
    text = evaluate(browser, "document.body.innerText")
    assert "Incomplete snapshot: 1 account-region(s) failed" in text
    ids = evaluate(browser, "Array.from(document.querySelectorAll('section')).map(s => s.id)")
    assert ids == SECTIONS
