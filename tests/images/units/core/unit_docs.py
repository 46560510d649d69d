"""The core image: the docs (site and tutorials, when built) are baked in at the fixed path, read-only."""

import os
from pathlib import Path

docs = Path(os.environ["OPEN_R1_DOCS"])
assert docs == Path("/opt/open-r1/docs"), docs
assert docs.is_dir(), f"{docs} is missing"
# the test passes the list of files images/build.sh bakes in (docs/ as git knows it, plus docs/site when built)
listing = os.environ.get("OPEN_R1_EXPECT_DOCS_FILE")
expected = [line for line in Path(listing).read_text().splitlines() if line] if listing else []
present = sorted(str(p.relative_to(docs)) for p in docs.rglob("*") if p.is_file())
missing = sorted(set(expected) - set(present))
assert not missing, f"docs files missing from the image: {missing[:10]}"
assert not os.access(docs, os.W_OK), "the docs are writable by the run-time user"
print(f"{len(present)} docs files in {docs}")
