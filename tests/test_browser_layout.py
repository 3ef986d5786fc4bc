"""The report's layout in headless Chromium at 1400 px (a laptop) and 400 px (a phone): the
month's total and the money columns of the main tables are on screen (bounding boxes inside the
viewport) and the main tables need no horizontal scrolling."""

from __future__ import annotations

import json

import pytest
from report_fixtures import baseline, build
from test_browser import Chromium, evaluate

from ecrcost.reporting.monthly import report

pytestmark = pytest.mark.browser

TRAFFIC = {"default": {"same_region": 0.5, "cross_region": 0.25, "internet": 0.25}}
#: the main tables and the money column each must keep on screen
MAIN = {
    "top_repositories": "Total / month",
    "by_account": "Total / month",
    "chargeback": "Total / month",
    "alternatives_cheapest": "Cost / month",
    "billed_alternatives": "Cost / month",
    "history": "Total / month",
}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    root = tmp_path_factory.mktemp("layout")
    out = report(build(), baseline=baseline(), traffic=TRAFFIC).save(root / "report")
    b = Chromium(str(root / "profile"))
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        b.session = b.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False
        )["sessionId"]
        b.send("Page.enable")
        b.send("Runtime.enable")
        yield b, (out / "index.html").as_uri()
    finally:
        b.close()


def load(b, url, width):
    b.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    b.events.clear()
    b.send("Page.navigate", {"url": url})
    b.wait_for("Page.loadEventFired")


BOX = """(sel => { const e = document.querySelector(sel); if (!e) return null;
  e.scrollIntoView(); const r = e.getBoundingClientRect();
  return [r.left, r.right, r.width, window.innerWidth]; })"""


@pytest.mark.parametrize("width", [1400, 400])
def test_total_and_money_columns_are_visible(browser, width):
    b, url = browser
    load(b, url, width)
    assert evaluate(b, "window.innerWidth") == width
    left, right, w, inner = evaluate(b, f"{BOX}('#kpi-total .value')")
    assert w > 0 and left >= 0 and right <= inner, (left, right, inner)
    assert evaluate(b, "document.querySelector('#kpi-total .value').textContent").startswith("$")
    for table, column in MAIN.items():
        sel = f"#t-{table} td[data-label={json.dumps(column)}]"
        box = evaluate(b, f"{BOX}({json.dumps(sel)})")
        assert box is not None, sel
        left, right, w, inner = box
        assert w > 0 and left >= 0 and right <= inner, (table, width, box)


@pytest.mark.parametrize("width", [1400, 400])
def test_no_horizontal_scroll(browser, width):
    b, url = browser
    load(b, url, width)
    assert evaluate(b, "document.documentElement.scrollWidth <= window.innerWidth")
    for table in MAIN:
        sw, cw = evaluate(
            b,
            f"(t => [t.scrollWidth, t.clientWidth])(document.querySelector('#t-{table} table'))",
        )
        assert sw <= cw + 1, (table, width, sw, cw)
        parent = evaluate(
            b,
            f"(d => [d.scrollWidth, d.clientWidth])(document.querySelector('#t-{table}'))",
        )
        assert parent[0] <= parent[1] + 1, (table, width, parent)


def test_print_stylesheet_hides_navigation(browser):
    b, url = browser
    load(b, url, 1400)
    b.send("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert evaluate(b, "getComputedStyle(document.querySelector('nav')).display") == "none"
    finally:
        b.send("Emulation.setEmulatedMedia", {"media": ""})
