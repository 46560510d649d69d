"""The core image: the docs site (built by core's docs stage from the same commit) and the tutorials are baked in at
the fixed path, read-only, and `open-r1 docs serve` serves them offline: a page is fetched over loopback."""

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

docs = Path(os.environ["OPEN_R1_DOCS"])
assert docs == Path("/opt/open-r1/docs"), docs
assert docs.is_dir(), f"{docs} is missing"
# the test passes the list of files images/build.sh bakes in (docs/ as git knows it)
listing = os.environ.get("OPEN_R1_EXPECT_DOCS_FILE")
expected = [line for line in Path(listing).read_text().splitlines() if line] if listing else []
present = sorted(str(p.relative_to(docs)) for p in docs.rglob("*") if p.is_file())
missing = sorted(set(expected) - set(present))
assert not missing, f"docs files missing from the image: {missing[:10]}"
assert not os.access(docs, os.W_OK), "the docs are writable by the run-time user"

# every image has a site: `open-r1 docs path` finds it where the docs stage put it
site = subprocess.run(["open-r1", "docs", "path"], capture_output=True, text=True, timeout=60)
assert site.returncode == 0, site.stderr
assert Path(site.stdout.strip()) == docs / "site", site.stdout
for page in ("index.html", "start/diagrams.html", "annotated/open_r1/train/grpo.py.html", "paper-map.html"):
    assert (docs / "site" / page).is_file(), f"the site lacks {page}"

# served offline on loopback (port 0: any free port; the first line names the URL)
server = subprocess.Popen(
    ["open-r1", "docs", "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
)
try:
    first = server.stdout.readline()
    url = re.search(r"(http://127\.0\.0\.1:\d+)/", first)
    assert url, f"docs serve printed {first!r}"
    with urllib.request.urlopen(f"{url.group(1)}/annotated/open_r1/train/grpo.py.html", timeout=30) as response:
        body = response.read().decode("utf-8")
    assert response.status == 200 and "train_grpo" in body and 'class="ann-row"' in body, body[:300]
    with urllib.request.urlopen(f"{url.group(1)}/assets/diagrams/layers.svg", timeout=30) as response:
        assert b"open_r1.core" in response.read()
finally:
    server.terminate()
    server.wait(timeout=30)
print(f"{len(present)} docs files in {docs}; served {url.group(1)} offline", file=sys.stdout)
