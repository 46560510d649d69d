"""The fsdp-32b image: FSDP and accelerate's launcher are there (the lab adds nothing else to the base)."""

import shutil

import accelerate
from torch.distributed.fsdp import FullyShardedDataParallel  # noqa: F401

assert shutil.which("accelerate"), "accelerate's launcher is missing"
print("accelerate", accelerate.__version__)
