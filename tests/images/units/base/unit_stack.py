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

# nothing of the build stage (uv's bootstrap venv, the sources, the torch wheel) and never the build's CA secret;
# (a bind-mount leaves an empty mount point behind under buildah: only files count)
for path in ("/opt/uv", "/src", "/wheels", "/tmp/lighteval", "/run/secrets"):
    files = subprocess.run(["find", path, "-type", "f"], capture_output=True, text=True).stdout.split()
    assert not files, f"{path} holds files leaked from the build: {files[:5]}"
print("python", sys.version.split()[0])
