"""The core image: never root at run time; caches and work folders are writable; the runner finds its labs."""

import os
import tempfile

assert os.getuid() != 0, "the image runs as root"
for path in (os.environ["HOME"], os.environ["OPEN_R1_CACHE"], os.environ["HF_HOME"], "/workspace"):
    with tempfile.NamedTemporaryFile(dir=path):
        pass

from open_r1.core.paths import project_root as repo_root  # noqa: E402
from open_r1.labs.manifest import list_labs, load_lab  # noqa: E402

assert str(repo_root()) == "/opt/open-r1", repo_root()
for name in list_labs():
    load_lab(name)  # every manifest, recipe and accelerate config is where the runner looks
print("uid", os.getuid(), "labs", list_labs())
