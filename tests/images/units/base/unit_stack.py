"""The base image: the locked training stack imports, and pip agrees that it is consistent."""

import importlib
import subprocess
import sys

for name in (
    "torch",
    "transformers",
    "trl",
    "accelerate",
    "datasets",
    "tokenizers",
    "math_verify",
    "latex2sympy2_extended",
    "yaml",
    "rich",
    "fastapi",
    "uvicorn",
    "httpx",
):
    module = importlib.import_module(name)
    print(name, getattr(module, "__version__", ""))

# no build trees or compilers' leftovers of the build stage: the venv's own files only
for path in ("/opt/uv", "/src", "/wheels", "/root/.cache/uv"):
    check = subprocess.run(["test", "-e", path])
    assert check.returncode != 0, f"{path} leaked from the build stage into the image"
print("python", sys.version.split()[0])
