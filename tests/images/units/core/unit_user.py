"""The core image: never root at run time; caches and work folders are writable; the runner finds its labs."""

import os
import tempfile

assert os.getuid() != 0, "the image runs as root"
for path in (os.environ["HOME"], os.environ["OPEN_R1_CACHE"], os.environ["HF_HOME"], "/workspace"):
    with tempfile.NamedTemporaryFile(dir=path):
        pass

from open_r1.labs import REPO_ROOT, list_labs, load_lab  # noqa: E402

assert str(REPO_ROOT) == "/opt/open-r1", REPO_ROOT
for name in list_labs():
    load_lab(name)  # every manifest, recipe and accelerate config is where the runner looks
print("uid", os.getuid(), "labs", list_labs())
