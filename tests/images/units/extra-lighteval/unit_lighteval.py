"""The image's lighteval environment (/opt/lighteval) is separate from the training venv, and each keeps its pins:
lighteval 0.13 with latex2sympy2_extended 1.0.6 there, math-verify 0.9 with latex2sympy2_extended 1.11 here."""

import os
import subprocess
from importlib import metadata

assert os.environ["OPEN_R1_LIGHTEVAL"] == "/opt/lighteval/bin/lighteval"
probe = (
    "from importlib import metadata; import lighteval, torch; "
    "print(metadata.version('lighteval'), metadata.version('latex2sympy2_extended'), torch.__version__)"
)
out = subprocess.run(["/opt/lighteval/bin/python", "-c", probe], capture_output=True, text=True, timeout=300)
assert out.returncode == 0, out.stderr
lighteval_version, l2s_there, torch_there = out.stdout.split()
assert lighteval_version == "0.13.0" and l2s_there == "1.0.6", out.stdout
assert metadata.version("latex2sympy2_extended") != l2s_there, "the training venv got lighteval's latex2sympy2"
import torch  # noqa: E402

assert torch_there == torch.__version__, "lighteval must borrow the base's torch"
help_out = subprocess.run([os.environ["OPEN_R1_LIGHTEVAL"], "--help"], capture_output=True, text=True, timeout=300)
assert help_out.returncode == 0, help_out.stderr[-2000:]
print("lighteval", lighteval_version, "latex2sympy2_extended", l2s_there, "torch", torch_there)
