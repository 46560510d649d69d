"""`open-r1 doctor`: is this machine (or image) ready to run the labs? Every problem comes with its fix.

WHAT
    `gather() -> Facts` probes the machine once (the training stack's imports, writable caches, Python, torch
    build, nvidia-smi, packages and their declared requirements, /dev/shm, disk, tokens, sandbox tools, SLURM,
    container); `diagnose(facts) -> list[Check]` turns the facts into checks. A `Check(name, ok, detail, required,
    fix)` has a status: ok, info (ok, for the record), warn (not ok, not required), fail (not ok, required).
    `checks()` = diagnose(gather()). `open-r1 doctor [--json] [--require-gpu]` prints them and exits 1 when a
    required check fails — the images use it as their HEALTHCHECK (tests/images/units/core/unit_doctor.py).

WHY
    The reference reproduction's issue tracker is dominated by environment breakage, not by the algorithm:
    CUDA / driver / torch / vLLM / flash-attn version mismatches and segfaults, NCCL hangs from a 64 MB /dev/shm in
    Docker, disks filled by 65 GB checkpoints of a 32B model (the scale DeepSeek-R1 arXiv 2501.12948 §2.4 distils
    into), missing tokens discovered hours into a run. Each of those is cheap to detect before a job starts. A
    CPU-only machine is *not* a problem: the nano profiles run there (same code path), so "no GPU" is reported as
    a diagnosis (info), and only `--require-gpu` makes it a failure. Tokens are reported present or absent, never
    printed.

HOW
    Probing and judging are separate: `gather` touches the system, `diagnose` is a pure function of `Facts`, so
    the tests can feed it any machine (old driver, CPU torch on a GPU box, small /dev/shm) without having one.
    Version rules: a package's declared requirements (importlib.metadata) must hold for the packages installed
    here (this is how "vLLM wants torch 2.14, torch 2.13 is installed" is caught); the project's own pins must
    hold; the NVIDIA driver must be new enough for torch's CUDA runtime (CUDA_MIN_DRIVER, from NVIDIA's
    compatibility table); bf16 and FlashAttention-2 need compute capability ≥ 8.0.

DATA FLOW
    `open-r1 doctor` (natively, in the images' smoke tests, or at the top of a SLURM job) → gather → diagnose →
    text or JSON. Reads environment variables, files and `nvidia-smi`; the only writes are the cache folders'
    creation and a temporary file in each (the writability probe). Nothing reaches the network or loads a model.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from open_r1.core.paths import project_path

REQUIRED_IMPORTS = ("torch", "transformers", "trl", "accelerate", "datasets", "math_verify")
SANDBOX_TOOLS = ("bwrap", "g++")

GiB = 2**30
STATUSES = ("ok", "info", "warn", "fail")
# Packages whose declared requirements are checked against what is installed (a mismatch among these is the
# classic "works on my machine" failure of R1 reproductions).
STACK = (
    "torch",
    "transformers",
    "trl",
    "accelerate",
    "datasets",
    "tokenizers",
    "deepspeed",
    "vllm",
    "flash-attn",
    "liger-kernel",
    "peft",
    "math-verify",
    "latex2sympy2_extended",
    "lighteval",
    "open-r1-labs",
)
# Minimum Linux driver for each CUDA runtime major.minor (NVIDIA CUDA Toolkit release notes, table 3). Newer
# runtimes of the same major also run on the major's first driver through minor-version compatibility, but
# PTX-JIT kernels (Triton, flash-attn) then fail: we ask for the real minimum.
CUDA_MIN_DRIVER = {
    "11.8": "520.61.05",
    "12.1": "530.30.02",
    "12.4": "550.54.14",
    "12.6": "560.28.03",
    "12.8": "570.26",
    "12.9": "575.51.03",
    "13.0": "580.65.06",
}
TOKENS = {
    "Hugging Face": (("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"), "gated or private models and datasets, and pushing"),
    "Weights & Biases": (("WANDB_API_KEY",), "logging full runs to W&B (report_to: [wandb])"),
    "E2B": (("E2B_API_KEY",), "the E2B code sandbox (grpo-code with provider: e2b)"),
    "Morph": (("MORPH_API_KEY",), "the Morph code sandbox (grpo-code with provider: morph)"),
}
FULL_GPU_MEMORY_GB = 80  # what the labs' full profiles assume (lab.yaml resources.gpu_memory_gb)


@dataclass
class Check:
    """One finding. `ok`/`required` decide the exit code; `status` is the finer label shown to people."""

    name: str
    ok: bool
    detail: str
    required: bool = True
    fix: str | None = None
    status: str = ""  # ok | info | warn | fail; derived from ok/required when left empty

    def __post_init__(self) -> None:
        if not self.status:
            self.status = "ok" if self.ok else ("fail" if self.required else "warn")


def finding(name: str, status: str, detail: str, fix: str | None = None) -> Check:
    """A check from its status: ok/info pass, warn is an optional problem, fail a required one."""
    return Check(name, status in ("ok", "info"), detail, required=status != "warn", fix=fix, status=status)


@dataclass
class Facts:
    """Everything the doctor measured about this machine, gathered once: imports and versions, writable caches, sandbox
    tools, Python and platform, CPUs and memory, torch and its accelerators, /dev/shm, disk, tokens, SLURM and image
    facts. The checks only read it, so they are tested with made-up facts.
    """
    imports: dict[str, str] = field(default_factory=dict)  # module → version, or "ERROR: <why>"
    writable: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # label → (path, error or None)
    tools: dict[str, str | None] = field(default_factory=dict)  # sandbox tool → path
    open_r1: str = ""
    python: str = platform.python_version()
    platform: str = platform.platform()
    cpus: int = os.cpu_count() or 1
    memory_gib: float | None = None
    torch: dict[str, Any] | None = None  # version, cuda (runtime), cuda_available, devices, gloo, nccl
    nvidia_smi: list[dict[str, str]] | None = None  # None: no nvidia-smi; []: no GPU listed
    nvidia_device_files: bool = False
    packages: dict[str, str] = field(default_factory=dict)
    requirements: dict[str, list[str]] = field(default_factory=dict)
    flash_attn_import_error: str | None = None
    torch_pin: str | None = None  # requirements/torch-version.txt
    shm_gib: float | None = None
    disk_free_gib: dict[str, float] = field(default_factory=dict)
    caches: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)  # name → where it was found, never the value
    offline: bool = False
    slurm: dict[str, Any] = field(default_factory=dict)
    image: dict[str, Any] | None = None
    env_nccl: dict[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------------------------
# Probing (touches the machine)


def _run(cmd: list[str], timeout: float = 10) -> str | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def _probe_torch() -> dict[str, Any] | None:
    try:
        import torch
        import torch.distributed as dist
    except Exception as err:  # a broken torch (ABI, missing libs) must be a diagnosis, not a crash
        return {"error": f"{type(err).__name__}: {err}"}
    info: dict[str, Any] = {
        "version": torch.__version__,
        "cuda": torch.version.cuda,
        "cuda_available": False,
        "devices": [],
        "gloo": dist.is_gloo_available(),
        "nccl": dist.is_nccl_available(),
        "nccl_version": None,
    }
    try:
        info["cuda_available"] = torch.cuda.is_available()
        if info["cuda_available"]:
            for i in range(torch.cuda.device_count()):
                p = torch.cuda.get_device_properties(i)
                info["devices"].append(
                    {
                        "name": p.name,
                        "memory_gib": round(p.total_memory / GiB, 1),
                        "capability": f"{p.major}.{p.minor}",
                    }
                )
            info["nccl_version"] = ".".join(str(x) for x in torch.cuda.nccl.version())
    except Exception as err:
        info["cuda_error"] = f"{type(err).__name__}: {err}"
    return info


def _probe_nvidia_smi() -> list[dict[str, str]] | None:
    if not shutil.which("nvidia-smi"):
        return None
    out = _run(
        ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,compute_cap", "--format=csv,noheader,nounits"]
    )
    if out is None:
        return []
    gpus = []
    for line in out.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 4:
            gpus.append({"name": parts[0], "driver": parts[1], "memory_mib": parts[2], "capability": parts[3]})
    return gpus


def _free_gib(path: Path) -> float | None:
    for candidate in [path, *path.parents]:
        if candidate.exists():
            return round(shutil.disk_usage(candidate).free / GiB, 1)
    return None


def _hf_home() -> Path:
    return Path(
        os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface"
    )


def _probe_tokens() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name, (variables, _) in TOKENS.items():
        found[name] = next((f"${v}" for v in variables if os.environ.get(v)), None)
    token_file = Path(os.environ.get("HF_TOKEN_PATH") or _hf_home() / "token")
    if found["Hugging Face"] is None and token_file.is_file() and token_file.stat().st_size > 0:
        found["Hugging Face"] = str(token_file)
    netrc = Path.home() / ".netrc"
    if found["Weights & Biases"] is None and netrc.is_file():
        try:
            if "api.wandb.ai" in netrc.read_text():
                found["Weights & Biases"] = str(netrc)
        except OSError:
            pass
    return found


def _import(name: str) -> str:
    import importlib

    try:
        module = importlib.import_module(name)
    except Exception as err:  # any failure to import is the finding itself
        return f"ERROR: {type(err).__name__}: {err}"
    return str(getattr(module, "__version__", "ok"))


def _writable(path: Path) -> str | None:
    import tempfile

    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as err:
        return err.strerror or str(err)
    return None


def gather() -> Facts:
    """Measure this machine into a Facts: import the training stack, probe the caches for writability and free space,
    look for the sandbox tools, query torch for devices and NCCL, and note which tokens are set (never their
    values).
    """
    from open_r1 import __version__
    from open_r1.core.paths import cache_root

    facts = Facts(open_r1=__version__)
    facts.imports = {name: _import(name) for name in REQUIRED_IMPORTS}
    facts.writable = {
        "open-r1 cache": (str(cache_root()), _writable(cache_root())),
        "Hugging Face cache": (str(_hf_home()), _writable(_hf_home())),
    }
    facts.tools = {tool: shutil.which(tool) for tool in SANDBOX_TOOLS}
    try:
        import psutil

        facts.memory_gib = round(psutil.virtual_memory().total / GiB, 1)
    except ImportError:
        pass
    facts.torch = _probe_torch()
    facts.nvidia_smi = _probe_nvidia_smi()
    facts.nvidia_device_files = Path("/dev/nvidia0").exists() or Path("/dev/nvidiactl").exists()
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        wanted = {p.lower().replace("_", "-") for p in STACK}
        # The first distribution on sys.path is the one `import` loads (a PYTHONPATH overlay shadows site-packages).
        if name in wanted and name not in facts.packages:
            facts.packages[name] = dist.version
            facts.requirements[name] = list(dist.requires or [])
    if "flash-attn" in facts.packages:
        try:
            import flash_attn  # noqa: F401
        except Exception as err:
            facts.flash_attn_import_error = f"{type(err).__name__}: {err}"
    pin = project_path("requirements/torch-version.txt")
    if pin.is_file():
        facts.torch_pin = pin.read_text().strip()
    if Path("/dev/shm").exists():
        st = os.statvfs("/dev/shm")
        facts.shm_gib = round(st.f_blocks * st.f_frsize / GiB, 2)
    hf = _hf_home()
    cache_paths = {
        "runs (current folder)": Path.cwd(),
        "open-r1 cache": cache_root(),
        "Hugging Face cache": Path(os.environ.get("HF_HUB_CACHE") or hf / "hub"),
    }
    for label, path in cache_paths.items():
        facts.disk_free_gib[label] = _free_gib(path) or 0.0
        existing = next((p for p in [path, *path.parents] if p.exists()), None)
        facts.caches[label] = {
            "path": str(path),
            "exists": path.exists(),
            "writable": bool(existing and os.access(existing, os.W_OK)),
        }
    facts.tokens = _probe_tokens()
    facts.offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")
    facts.slurm = {"sbatch": shutil.which("sbatch"), "in_job": os.environ.get("SLURM_JOB_ID")}
    image = Path(os.environ.get("OPEN_R1_IMAGE_INFO", "/etc/open-r1/image.json"))
    if image.is_file():
        try:
            facts.image = json.loads(image.read_text())
        except (OSError, json.JSONDecodeError):
            facts.image = {"error": f"unreadable {image}"}
    facts.env_nccl = {k: v for k, v in os.environ.items() if k.startswith("NCCL_")}
    return facts


# ----------------------------------------------------------------------------------------------------------------
# Judging (pure)


def _version_tuple(v: str) -> tuple[int, ...]:
    out = []
    for part in v.split("+")[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


def _gpu_present(f: Facts) -> bool:
    return bool(f.nvidia_smi) or bool(f.torch and f.torch.get("devices"))


def check_python(f: Facts) -> list[Check]:
    """Fail below Python 3.11 (the project's floor; the images ship 3.12), with the command that picks another
    interpreter.
    """
    ok = _version_tuple(f.python) >= (3, 11)
    return [
        finding(
            "python",
            "ok" if ok else "fail",
            f"Python {f.python} on {f.platform}",
            None if ok else "use Python ≥ 3.11 (the images ship 3.12): `PYTHON=python3.11 just setup`.",
        )
    ]


def check_torch_and_gpu(f: Facts, require_gpu: bool = False) -> list[Check]:
    """Whether torch imports and what it can use: its version, CUDA runtime and driver, the GPUs and their memory
    against what the full profiles assume; with `require_gpu`, no usable GPU is a failure instead of a note.
    """
    t = f.torch
    if t is None:
        return [finding("torch", "fail", "torch is not installed", "`just setup` installs the pinned torch.")]
    if "error" in t:
        return [
            finding(
                "torch",
                "fail",
                f"torch does not import: {t['error']}",
                "reinstall torch for this machine: `rm -rf .venv && just setup` (or use the lab's image).",
            )
        ]
    checks = []
    build = f"CUDA {t['cuda']} build" if t.get("cuda") else "CPU build"
    pinned = f.torch_pin and t["version"].split("+")[0] != f.torch_pin
    checks.append(
        finding(
            "torch",
            "warn" if pinned else "ok",
            f"torch {t['version']} ({build})",
            f"the project pins torch {f.torch_pin}: `just setup` reinstalls it." if pinned else None,
        )
    )
    smi = f.nvidia_smi
    if not _gpu_present(f):
        detail = "no GPU: no NVIDIA driver (nvidia-smi not found)" if smi is None else "no GPU: nvidia-smi lists none"
        detail += f", torch is a {build}. The nano profiles run here on the CPU; full profiles need NVIDIA GPUs."
        fix = (
            "run full profiles on a GPU machine: `open-r1 lab run <lab> --profile full` there, in the lab's "
            "image, or `--runtime slurm`."
            if require_gpu
            else None
        )
        if f.nvidia_device_files:
            detail += " (/dev/nvidia* exists: the driver's user-space tools may be missing from this container.)"
        return [*checks, finding("gpu", "fail" if require_gpu else "info", detail, fix)]
    # A GPU is present.
    driver = smi[0]["driver"] if smi else None
    names = ", ".join(sorted({g["name"] for g in smi})) if smi else ", ".join(d["name"] for d in t["devices"])
    count = len(smi) if smi else len(t["devices"])
    if not t.get("cuda"):
        return [
            *checks,
            finding(
                "gpu",
                "fail",
                f"{count}× {names} present but torch is a CPU build",
                "install the CUDA build of torch (`pip install torch==<pin>` from PyPI on Linux "
                "gives CUDA) or run in the lab's GPU image.",
            ),
        ]
    runtime = ".".join(t["cuda"].split(".")[:2])
    need = CUDA_MIN_DRIVER.get(runtime)
    if driver and need and _version_tuple(driver) < _version_tuple(need):
        older = [r for r, d in CUDA_MIN_DRIVER.items() if _version_tuple(driver) >= _version_tuple(d)]
        checks.append(
            finding(
                "driver",
                "fail",
                f"NVIDIA driver {driver} is older than CUDA {runtime} needs ({need})",
                f"update the driver to ≥ {need}, or install torch built for CUDA "
                f"{max(older, key=_version_tuple) if older else '11.8'} (e.g. the cu118/cu121 index).",
            )
        )
    elif driver:
        checks.append(finding("driver", "ok", f"NVIDIA driver {driver} supports torch's CUDA {runtime}"))
    if not t.get("cuda_available"):
        checks.append(
            finding(
                "gpu",
                "fail",
                f"{count}× {names} present but torch.cuda.is_available() is False"
                + (f" ({t['cuda_error']})" if t.get("cuda_error") else ""),
                "check the driver (above), CUDA_VISIBLE_DEVICES, and in containers `--gpus all` "
                "(Docker/Podman) or `--nv` (Apptainer).",
            )
        )
        return checks
    caps = {d["capability"] for d in t["devices"]}
    mems = [d["memory_gib"] for d in t["devices"]]
    checks.append(
        finding("gpu", "ok", f"{count}× {names} (compute {', '.join(sorted(caps))}, {min(mems):.0f} GiB each)")
    )
    if any(_version_tuple(c) < (8, 0) for c in caps):
        checks.append(
            finding(
                "bf16",
                "warn",
                "a GPU has compute capability < 8.0: no bf16, no FlashAttention-2",
                "override the recipes with `--bf16 false --fp16 true --attn_implementation sdpa`, or "
                "use Ampere (A100) or newer.",
            )
        )
    if mems and min(mems) < FULL_GPU_MEMORY_GB * 0.9:
        checks.append(
            finding(
                "gpu memory",
                "warn",
                f"{min(mems):.0f} GiB per GPU; the full recipes assume {FULL_GPU_MEMORY_GB} GB",
                "run `open-r1 plan --lab <lab>` for a setup that fits.",
            )
        )
    return checks


def check_nccl(f: Facts) -> list[Check]:
    """On a machine with GPUs, whether NCCL is available for multi-GPU training (its version when it is); everywhere,
    that gloo is there for the CPU multi-process labs (nano FSDP, ZeRO-3).
    """
    t = f.torch or {}
    if "error" in t or not t:
        return []
    out = []
    if _gpu_present(f) and t.get("cuda_available"):
        if t.get("nccl"):
            out.append(finding("nccl", "ok", f"NCCL {t.get('nccl_version')} available for multi-GPU training"))
        else:
            out.append(
                finding(
                    "nccl",
                    "fail",
                    "torch has no NCCL backend: multi-GPU training cannot start",
                    "install the CUDA build of torch from PyPI (it bundles NCCL).",
                )
            )
    if t.get("gloo"):
        out.append(finding("gloo", "ok", "gloo backend available (multi-process CPU runs: nano FSDP / ZeRO-3)"))
    else:
        out.append(
            finding(
                "gloo",
                "fail",
                "torch has no gloo backend: multi-process runs cannot start",
                "reinstall torch (`just setup`).",
            )
        )
    if f.env_nccl:
        out.append(
            finding(
                "nccl env",
                "info",
                "NCCL settings in the environment: " + ", ".join(f"{k}={v}" for k, v in sorted(f.env_nccl.items())),
            )
        )
    return out


def _requirement_problems(f: Facts) -> list[tuple[str, str, str, str]]:
    """(package, requirement, installed version of the required package, kind) for each unmet requirement."""
    from packaging.requirements import InvalidRequirement, Requirement

    problems = []
    for pkg, reqs in f.requirements.items():
        for raw in reqs:
            try:
                req = Requirement(raw)
            except InvalidRequirement:
                continue
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue  # optional extras and other platforms
            name = req.name.lower().replace("_", "-")
            if name not in f.packages:
                continue  # not part of the stack we judge (pip check covers the rest)
            installed = f.packages[name]
            if req.specifier and not req.specifier.contains(installed, prereleases=True):
                problems.append((pkg, str(req), installed, name))
    return problems


def check_packages(f: Facts) -> list[Check]:
    """Installed packages that disagree with the project's pins or with each other's requirements, each with the
    install that makes them agree.
    """
    out = []
    for pkg, req, installed, name in _requirement_problems(f):
        fix = (
            "`just setup` restores the pinned set."
            if pkg == "open-r1-labs"
            else f"install versions that agree (the lab images pin them together), e.g. "
            f"`pip install '{req}'` or a {pkg} release built for {name} {installed}."
        )
        what = "the project pins" if pkg == "open-r1-labs" else f"{pkg} {f.packages[pkg]} requires"
        out.append(finding(f"{pkg} → {name}", "fail", f"{what} {req}, installed {name} {installed}", fix))
    stack = ", ".join(f"{k} {v}" for k, v in sorted(f.packages.items()) if k != "open-r1-labs")
    if not out:
        out.append(finding("packages", "ok", f"declared requirements agree: {stack}"))
    gpu = _gpu_present(f)
    if "vllm" not in f.packages:
        # Not a problem by itself: SFT labs and the nano profiles never use it. Said, so a GRPO run is not surprised.
        where = "the grpo-* images have it, or `pip install -e '.[vllm]'`" if gpu else "nano labs use transformers"
        out.append(finding("vllm", "info", f"vLLM not installed: full GRPO / eval recipes generate with it ({where})"))
    if "flash-attn" in f.packages:
        if f.flash_attn_import_error:
            out.append(
                finding(
                    "flash-attn",
                    "fail",
                    f"flash-attn {f.packages['flash-attn']} does not import: {f.flash_attn_import_error[:160]}",
                    "it was built for another torch/CUDA: rebuild it against this torch "
                    "(`pip install flash-attn --no-build-isolation`) or use the lab's image.",
                )
            )
        else:
            out.append(finding("flash-attn", "ok", f"flash-attn {f.packages['flash-attn']} imports"))
    elif gpu:
        out.append(
            finding(
                "flash-attn",
                "warn",
                "flash-attn not installed; the full recipes ask for attn_implementation: flash_attention_2",
                "use the lab's image, or override with `--attn_implementation sdpa`.",
            )
        )
    return out


def check_system(f: Facts) -> list[Check]:
    """Resources a run can trip over: /dev/shm too small for NCCL and dataloader workers (Docker's 64 MB default), too
    little memory, and caches that are full or not writable.
    """
    out = []
    if f.shm_gib is not None:
        small = 1.0 if not _gpu_present(f) else 8.0
        if f.shm_gib < small:
            out.append(
                finding(
                    "/dev/shm",
                    "warn",
                    f"/dev/shm is {f.shm_gib:g} GiB: NCCL and dataloader workers "
                    "crash or hang with a small shared-memory segment (Docker's default is 64 MB)",
                    "run containers with `--ipc=host` or `--shm-size=16g` (Docker/Podman); on SLURM ask "
                    "for a node with a larger /dev/shm.",
                )
            )
        else:
            out.append(finding("/dev/shm", "ok", f"/dev/shm {f.shm_gib:g} GiB"))
    for label, free in f.disk_free_gib.items():
        cache = f.caches.get(label, {})
        if cache and not cache.get("writable"):
            out.append(
                finding(
                    f"disk: {label}",
                    "fail",
                    f"{cache['path']} is not writable",
                    "make it writable or point the variable elsewhere (HF_HOME, OPEN_R1_CACHE, OPEN_R1_RUNS).",
                )
            )
            continue
        if free < 2:
            out.append(
                finding(
                    f"disk: {label}",
                    "fail",
                    f"{free:g} GiB free at {cache.get('path')}: the nano model and one run need ~1 GiB",
                    "free space or move the folder (see the variables HF_HOME, OPEN_R1_CACHE, OPEN_R1_RUNS).",
                )
            )
        elif free < 20:
            out.append(
                finding(
                    f"disk: {label}",
                    "warn",
                    f"{free:g} GiB free at {cache.get('path')}: fine for nano, "
                    "too little for full recipes (a 7B model is 15 GB, each 32B checkpoint 65 GB)",
                    "put caches and runs on a larger disk (HF_HOME, OPEN_R1_CACHE, OPEN_R1_RUNS).",
                )
            )
        else:
            out.append(finding(f"disk: {label}", "ok", f"{free:g} GiB free at {cache.get('path')}"))
    if f.memory_gib is not None:
        ok = f.memory_gib >= 4
        out.append(
            finding(
                "memory",
                "ok" if ok else "warn",
                f"{f.memory_gib:g} GiB RAM, {f.cpus} CPU cores",
                None if ok else "the nano labs need about 2–4 GiB of RAM; close other programs.",
            )
        )
    return out


def check_access(f: Facts) -> list[Check]:
    """Which access tokens are present (Hugging Face, W&B, E2B, Morph) and what each is needed for; an absent one is
    only information, since the nano labs need none.
    """
    out = []
    for name, where in f.tokens.items():
        purpose = TOKENS[name][1]
        out.append(
            finding(
                f"token: {name}",
                "ok" if where else "info",
                f"present ({where})" if where else f"absent — needed only for {purpose}",
            )
        )
    if f.offline:
        out.append(finding("hub", "info", "HF_HUB_OFFLINE=1: only cached models and datasets (and nano://) load"))
    if f.slurm.get("sbatch"):
        job = f" (inside job {f.slurm['in_job']})" if f.slurm.get("in_job") else ""
        out.append(finding("slurm", "info", f"SLURM client found{job}: `open-r1 lab run <lab> --runtime slurm`"))
    if f.image:
        out.append(finding("image", "info", f"inside image {f.image.get('tag') or f.image.get('name') or f.image}"))
    return out


def check_basics(f: Facts) -> list[Check]:
    """What every lab needs before anything else: the training stack imports and the caches are writable."""
    out = [finding("open-r1", "ok", f"{f.open_r1} on Python {f.python}")] if f.open_r1 else []
    for name, version in f.imports.items():
        if version.startswith("ERROR: "):
            out.append(
                finding(
                    f"import {name}",
                    "fail",
                    version.removeprefix("ERROR: "),
                    "reinstall the locked requirements: `just setup` (or use the lab's image).",
                )
            )
        else:
            out.append(finding(f"import {name}", "ok", version))
    for label, (path, error) in f.writable.items():
        if error:
            out.append(
                finding(
                    label,
                    "fail",
                    f"{path} is not writable ({error})",
                    "mount a writable folder there, or point HF_HOME / OPEN_R1_CACHE elsewhere.",
                )
            )
        else:
            out.append(finding(label, "ok", f"{path} is writable"))
    return out


def check_tools(f: Facts) -> list[Check]:
    """The code sandbox's tools: only the code labs (grpo-code, ioi-eval) need them, so a missing one is a warning."""
    return [
        finding(
            f"sandbox tool {tool}",
            "ok" if where else "warn",
            where or "missing (only the code labs need it)",
            None
            if where
            else "install it (Debian: `apt-get install bubblewrap g++`); scripts/ci/system-deps.sh does.",
        )
        for tool, where in f.tools.items()
    ]


def diagnose(f: Facts, require_gpu: bool = False) -> list[Check]:
    """Every check over one set of facts, in the order `open-r1 doctor` prints them."""
    return [
        *check_basics(f),
        *check_python(f),
        *check_torch_and_gpu(f, require_gpu),
        *check_nccl(f),
        *check_packages(f),
        *check_system(f),
        *check_tools(f),
        *check_access(f),
    ]


def checks(require_gpu: bool = False) -> list[Check]:
    """Gather this machine's facts and run every check on them: what `open-r1 doctor` and the images' health check
    call.
    """
    return diagnose(gather(), require_gpu=require_gpu)


# ----------------------------------------------------------------------------------------------------------------
# CLI

MARKS = {"ok": "ok  ", "info": "info", "warn": "warn", "fail": "FAIL"}
