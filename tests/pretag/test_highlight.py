import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import replace

import pytest

from classifier import InputError
from classifier.pretag.highlight import render_html, write_html
from classifier.pretag.passages import ExportContext, pretag_accounts

CHROMIUM = shutil.which("chromium")
HOSTILE = ('The emir stole the spoils <script>alert("x")</script> & bought a villa.\r\n\r\n'
           "We prayed at dawn in the café 🙏. The hostages were shot at random.\n")


@pytest.fixture()
def page(tmp_path, tiny_model):
    (tmp_path / "a<b>.txt").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "quiet.txt").write_text("I crossed the border at night.", encoding="utf-8")
    accounts = pretag_accounts([tmp_path / "a<b>.txt", tmp_path / "quiet.txt"], tiny_model,
                               sentences=1)
    ctx = ExportContext.from_model(tiny_model)
    return accounts, ctx, render_html(accounts, ctx)


def test_text_and_names_are_escaped_and_nothing_is_loaded_from_outside(page):
    _, _, html = page
    assert "<script" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "a&lt;b&gt;.txt" in html and "café 🙏" in html
    for outside in ("src=", "<link", "@import", "url(", "http:", "https:"):
        assert outside not in html


def test_each_suggested_passage_is_marked_with_its_scores_reasons_and_colour(page):
    accounts, ctx, html = page
    suggested = [t for a in accounts for t in a.suggested]
    assert len(suggested) >= 2
    assert html.count("<mark ") == len(suggested) and html.count('class="note"') == len(suggested)
    for item in suggested:
        top = max(item.suggestion.labels, key=item.suggestion.scores.get)
        assert f"--line:{ctx.colours[top]}" in html
        assert f"characters {item.passage.start}–{item.passage.end}" in html  # the hover title
    assert "raised by" in html and "not suggested:" in html
    assert all(f"<b>{label}</b>" in html for label in ctx.codebook.ids)  # the legend
    assert "@media print" in html and "print-color-adjust:exact" in html
    assert "2 accounts" in html and 'href="#account-2"' in html


def test_overlapping_passages_keep_every_character_once(tmp_path, tiny_model):
    (tmp_path / "a.txt").write_text("The emir stole the spoils. The foreigners got double "
                                    "salary. They shot the hostages.", encoding="utf-8")
    accounts = pretag_accounts([tmp_path / "a.txt"], tiny_model, sentences=2, stride=1)
    html = render_html(accounts, ExportContext.from_model(tiny_model))
    body = html.split('<div class="text">', 1)[1].split("</div>", 1)[0]
    assert re.sub(r"<sup[^>]*>\d+</sup>|<[^>]+>", "", body) == accounts[0].text


def test_a_codebook_colour_that_is_not_hex_falls_back_to_the_palette(page):
    accounts, ctx, _ = page
    odd = replace(ctx.codebook, labels=tuple(replace(label, colour="red;}</style>")
                                             for label in ctx.codebook.labels))
    html = render_html(accounts, replace(ctx, codebook=odd))
    assert "red;}" not in html and "#e69f00" in html


def test_one_page_or_one_page_per_account(tmp_path, page):
    accounts, ctx, _ = page
    assert write_html(accounts, tmp_path / "all.html", ctx) == [tmp_path / "all.html"]
    pages = write_html(accounts, tmp_path / "pages", ctx)
    assert [p.name for p in pages] == ["a<b>.html", "quiet.html"]
    assert "Pre-tagged account" in pages[1].read_text(encoding="utf-8")
    with pytest.raises(InputError, match="two accounts share a file name"):
        write_html([accounts[0], replace(accounts[1], name="x/a<b>.txt")], tmp_path / "p", ctx)


def _png_colours(path):
    """How many distinct colours a PNG screenshot shows (a blank page shows one)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, _depth, kind = struct.unpack(">IIBB", data[16:26])
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        if data[pos + 4:pos + 8] == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    channels = {2: 3, 6: 4}[kind]
    stride = width * channels + 1
    # Rows are filtered; bytes that vary at all show the page is not one flat colour.
    return len({raw[row * stride + 1:(row + 1) * stride] for row in range(0, height, 40)})


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium (Debian's chromium) is absent")
def test_the_page_renders_in_headless_chromium(tmp_path, page):
    assert CHROMIUM is not None
    accounts, ctx, _ = page
    [html] = write_html(accounts, tmp_path / "page.html", ctx)
    shot = tmp_path / "page.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                    "--window-size=1200,1600", html.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000
    assert _png_colours(shot) > 5
