"""The HTML report, opened in headless Chromium as a person would open it.

Debian's `chromium` (`./run setup` installs it as root), driven by Playwright. No Chromium is a
failure, not a skip: a report nobody checked renders is not checked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from streamnorm.cli import main
from streamnorm.golden import NormConfig

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for candidate in (os.environ.get("STREAMNORM_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    pytest.fail(
        "Chromium is not installed, so the HTML report cannot be checked: run ./run setup as root, "
        "or apt-get install chromium (or set STREAMNORM_CHROMIUM to a Chromium binary)",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    cfg = out.parent / "cfg.json"
    cfg.write_text(NormConfig(channels=4).to_json())
    args = ["accuracy", "--config", str(cfg), "--stream", "seismogram", "--out", str(out)]
    assert main([*args, "--sweep", "out_fmt.frac=6:12", "--target-sqnr", "60"]) == 0
    return out / "report.html"


def test_report_is_one_self_contained_file(report: Path) -> None:
    text = report.read_text()
    assert "<link" not in text and "<script" not in text
    sources = re.findall(r'src="([^"]*)"', text)
    assert len(sources) == 6 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"(?:src|href)=\"(?:https?:|file:|/)", text)
    m = json.loads((report.parent / "metrics.json").read_text())
    assert set(m["files"]["figures"].values()) == {p.name for p in report.parent.glob("*.png")}


def test_report_renders_in_chromium_without_errors_and_every_image_shows(
    report: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    problems: list[str] = []
    with sync_playwright() as pw:
        # a fresh profile: nothing from an earlier run (cache, extensions) can change the page
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=executable,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1100, "height": 900},
        )
        try:
            page = browser.new_page()
            page.on(
                "console",
                lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url[:80]}"))
            page.goto(report.as_uri(), wait_until="load")
            images: list[dict[str, Any]] = page.evaluate(
                """() => Array.from(document.images).map(i => {
                       const r = i.getBoundingClientRect();
                       return {alt: i.alt, complete: i.complete, natural: [i.naturalWidth, i.naturalHeight],
                               shown: [r.width, r.height]};
                   })"""
            )
            title = page.title()
            headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, problems
    assert len(images) == 6
    for img in images:
        assert img["complete"] and min(img["natural"]) > 0 and min(img["shown"]) > 0, img
    assert title == "streamnorm accuracy: seismogram"
    assert headings[0] == "Summary" and "SQNR against the swept setting" in headings
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_the_summary_states_what_the_issue_asks_for(report: Path) -> None:
    text = report.read_text()
    summary = text[text.index("<h2>Summary</h2>") : text.index("</table>", text.index("<h2>Summary</h2>"))]
    for label in (
        "SQNR, fixed against float",
        "Output-rounding floor",
        "SQNR per channel",
        "Error (steady)",
        "Saturation and overflow",
        "L1 against L2",
        "Streaming against offline",
        "Quiet channel",
        "Target",
    ):
        assert label in summary, label
    assert "out_fmt.frac = " in summary
