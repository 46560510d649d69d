"""A real browser renders the site: headless Chromium screenshots the home page, an annotated page, a tutorial and
the diagrams page (whose SVGs must paint their boxes), served by a local http.server. The screenshots are kept
(build/docs/screenshots/, printed at the end of the run)."""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from docs_helpers import REPORT, SCREENSHOTS

from tests.conftest import require_system

PAGES = {
    # name: (path in the site, window size, dark); tall windows show the annotated rows and the tutorial's outputs
    "home": ("index.html", "1400,1000", False),
    "annotated-grpo": ("annotated/open_r1/train/grpo.py.html", "1600,2600", False),
    "annotated-format-dark": ("annotated/open_r1/rewards/format.py.html", "1600,2600", True),
    "tutorial-grpo-by-hand": ("tutorials/03-grpo-by-hand.html", "1400,3200", False),
    "diagrams": ("start/diagrams.html", "1400,2600", False),
}
# the diagrams' box fills (scripts/docs/diagrams.py KINDS): a rendered SVG paints many pixels of them, a broken image
# (a missing file, or an SVG the browser rejects) paints none
DIAGRAM_FILLS = {"code": (232, 234, 246), "lab": (255, 243, 224), "paper": (245, 245, 245)}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def served(built_site):
    assert built_site.returncode == 0, built_site.log[-3000:]
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built_site.path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(url: str, out, size: str, profile, dark: bool = False) -> None:
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        f"--window-size={size}",
        "--virtual-time-budget=15000",
        f"--screenshot={out}",
        url,
    ]
    if dark:  # the reader's system asks for dark: the palette follows (prefers-color-scheme)
        cmd.insert(-1, "--blink-settings=preferredColorScheme=0")
    subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.system
def test_chromium_renders_home_annotated_page_and_tutorial(served, tmp_path):
    require_system("chromium", chromium() is not None, "apt-get install chromium")
    from PIL import Image, ImageStat

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    taken = []
    for name, (path, size, dark) in PAGES.items():
        out = tmp_path / f"{name}.png"
        # a fresh profile per page: Material remembers a palette in local storage, which would beat the media query
        screenshot(f"{served}/{path}", out, size, tmp_path / f"profile-{name}", dark)
        assert out.exists(), f"chromium wrote no screenshot of {path}"
        image = Image.open(out).convert("L")
        width, height = (int(v) for v in size.split(","))
        assert image.size == (width, height), image.size
        # a blank or error page is nearly uniform; a rendered page has text, code and colour
        stat = ImageStat.Stat(image)
        assert stat.stddev[0] > 20, f"{path} looks blank"
        # the dark palette really applies (a dark page), the light one too
        assert (stat.mean[0] < 110) if dark else (stat.mean[0] > 150), (name, stat.mean[0])
        if name == "diagrams":
            rgb = Image.open(out).convert("RGB")
            counts = {kind: 0 for kind in DIAGRAM_FILLS}
            for pixel in rgb.getdata():
                for kind, fill in DIAGRAM_FILLS.items():
                    if all(abs(c - f) <= 3 for c, f in zip(pixel, fill, strict=True)):
                        counts[kind] += 1
            # the first diagram alone has five lab boxes and eight paper boxes of ~200×40 pixels
            assert counts["lab"] > 5_000 and counts["paper"] > 5_000, f"the diagrams did not render: {counts}"
        shutil.copy(out, SCREENSHOTS / out.name)
        taken.append(out.name)
    REPORT["screenshots"] = taken


@pytest.mark.system
def test_chromium_sees_the_annotated_rows_and_search(served, tmp_path):
    require_system("chromium", chromium() is not None, "apt-get install chromium")
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'p'}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        f"{served}/annotated/open_r1/train/grpo.py.html",
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=180).stdout
    assert dom.count('class="ann-row"') >= 3
    assert 'id="train_grpo"' in dom and 'id="L-1' in dom
    # Material's scripts ran: the search box is wired up
    assert "md-search__input" in dom
