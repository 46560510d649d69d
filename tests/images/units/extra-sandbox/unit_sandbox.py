"""A lab image with the sandbox extra (grpo-code, ioi-eval): the local sandbox's tools are there (bubblewrap isolates,
g++ compiles C++ submissions)."""

import shutil
import subprocess

for tool in ("bwrap", "g++"):
    assert shutil.which(tool), f"{tool} is missing"
hello = subprocess.run(
    ["g++", "-x", "c++", "-o", "/tmp/hello", "-"], input="int main() { return 0; }", text=True, capture_output=True
)
assert hello.returncode == 0, hello.stderr
assert subprocess.run(["/tmp/hello"]).returncode == 0
print("bwrap", shutil.which("bwrap"), "g++ ok")
