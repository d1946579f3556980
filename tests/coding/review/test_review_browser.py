"""A real browser (Debian's headless Chromium, driven by Playwright) reviews by keyboard."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from review_support import free_port, review_server, write_accounts

from classifier.coding.review import open_store

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1200, "height": 800}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed "
                                "(apt-get install chromium)")


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_ten_passages_by_keyboard_one_undo_one_note(tmp_path, tiny_model_path, tiny_corpus):
    sync_api = pytest.importorskip("playwright.sync_api")
    db, port = tmp_path / "review.sqlite", free_port()
    accounts = write_accounts(tmp_path / "a")
    with review_server(db, tiny_model_path, accounts, port=port, corpus=tiny_corpus), \
            sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("body[data-ready='1']")
        shown = []
        for n in range(10):
            shown.append(page.get_attribute("body", "data-passage"))
            before = page.get_attribute("body", "data-saved")
            if n == 3:
                page.keyboard.press("n")
                page.keyboard.type("the speaker is sarcastic here")
                page.keyboard.press("Enter")
                assert "sarcastic" in page.inner_text("#note-shown")
            keys = {2: ["3", "Enter"], 5: ["0"], 7: ["s"]}.get(n, ["Enter"])
            for key in keys:
                page.keyboard.press(key)
            page.wait_for_function(f"document.body.dataset.saved !== {before!r}"
                                   if before else "!!document.body.dataset.saved")
        page.keyboard.press("u")
        page.wait_for_function("document.querySelector('#saved').textContent === 'undone'")
        assert page.get_attribute("body", "data-passage") == shown[-1]
        assert page.inner_text("#done") == "8"  # ten answers, one skipped, one undone
        shot = tmp_path / "review.png"
        page.screenshot(path=str(shot))
        browser.close()
    assert errors == []
    assert png_size(shot) == (VIEWPORT["width"], VIEWPORT["height"])
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    store = open_store(db, create=False)
    live = store.decisions("ana", coded_only=False)
    assert [d["passage_id"] for d in live] == shown[:9]
    assert [d["action"] for d in live][5] == "none" and live[5]["final"] == []
    assert live[7]["action"] == "skip" and live[7]["final"] is None
    toggled = set(live[2]["suggested"]) ^ {"corruption"}
    assert set(live[2]["final"]) == toggled
    assert live[3]["note"] == "the speaker is sarcastic here"
    assert all(d["note"] == "" for i, d in enumerate(live) if i != 3)
    undone = store.rows("SELECT passage_id FROM decisions WHERE undone = 1")
    assert [r["passage_id"] for r in undone] == [shown[9]]
    store.close()
