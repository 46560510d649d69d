"""The core image: `open-r1 doctor` (the health check) passes, as the image's default user."""

import subprocess

result = subprocess.run(["open-r1", "doctor"], capture_output=True, text=True, timeout=120)
print(result.stdout, result.stderr)
assert result.returncode == 0, "open-r1 doctor failed"
assert "all required checks pass" in result.stdout
