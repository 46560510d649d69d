"""The base image's GPU stack: with a GPU, a matmul on it, flash-attn, vLLM and DeepSpeed import; without one (the CPU
flavour, or a CUDA image on a CPU runner) the CUDA build of torch must still import and say which CUDA it wants."""

import importlib
import os

import torch

expected = os.environ.get("OPEN_R1_EXPECT_CUDA", "none")
if expected == "none":
    assert torch.version.cuda is None, f"the CPU flavour holds a CUDA torch ({torch.version.cuda})"
    print("CPU flavour: no CUDA, as expected")
    raise SystemExit(0)

major_minor = ".".join(expected.split(".")[:2])
assert torch.version.cuda == major_minor, (torch.version.cuda, expected)
if not torch.cuda.is_available():
    print(f"CUDA {torch.version.cuda} build, no GPU visible: GPU checks skipped")
    raise SystemExit(0)
x = torch.randn(1024, 1024, device="cuda", dtype=torch.bfloat16)
assert torch.isfinite(x @ x).all()
for name in ("flash_attn", "vllm", "deepspeed", "liger_kernel"):
    module = importlib.import_module(name)
    print(name, getattr(module, "__version__", ""))
from flash_attn import flash_attn_func  # noqa: E402

q = torch.randn(1, 128, 4, 64, device="cuda", dtype=torch.bfloat16)
out = flash_attn_func(q, q, q, causal=True)
assert out.shape == q.shape
print("GPU:", torch.cuda.get_device_name(0))
