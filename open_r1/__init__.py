"""open-r1 labs: reproducible DeepSeek-R1-style reasoning training, from a CPU nano profile to a SLURM cluster.

WHAT: the package root; it holds only `__version__` (read by the run cards, the image labels and `open-r1 doctor`).
WHY: importing `open_r1` must stay instant and free of torch, so `open-r1 --help`, `open-r1 doctor` and the lab
    runner work on a login node without the training stack; every subsystem is imported where it is used.
HOW: subpackages — `train` (SFT/GRPO over TRL: R1 §2.3–2.4), `rewards` (R1 §2.2.2), `sandbox` and `competitive`
    (code rewards), `nano` (the tiny model kit), `labs` and `runtimes` (running a lab anywhere).
DATA FLOW: `open-r1 …` → `open_r1.cli` → the subsystem's `register()`ed command → run folder under ./runs.
"""

__version__ = "0.1.0"
