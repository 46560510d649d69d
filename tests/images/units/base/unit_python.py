"""The base image: Python lives in /opt/venv (made by uv), first on PATH, with the pinned torch."""

import os
import shutil
import sys

assert sys.prefix == "/opt/venv", sys.prefix
assert shutil.which("python") == "/opt/venv/bin/python", shutil.which("python")
assert shutil.which("uv"), "uv is missing (derived images install their extras with it)"
assert sys.version_info >= (3, 11), sys.version

import torch  # noqa: E402

expected = os.environ["OPEN_R1_EXPECT_TORCH"]
assert torch.__version__.split("+")[0] == expected, (torch.__version__, expected)
print(f"python {sys.version.split()[0]} in {sys.prefix}, torch {torch.__version__}")
