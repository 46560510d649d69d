"""The grpo-math image: the lab's manifest resolves and its nano recipe parses (no model is loaded)."""

import subprocess

from open_r1.labs.manifest import load_lab

lab = load_lab("grpo-math")
assert lab.status == "runnable", lab.status
dry = subprocess.run(
    ["open-r1", "lab", "run", "grpo-math", "--profile", "nano", "--dry-run"],
    capture_output=True,
    text=True,
    timeout=120,
)
print(dry.stdout, dry.stderr)
assert dry.returncode == 0
