"""GRPO's generation server on one machine: split the GPUs, start `trl vllm-serve`, wait until it serves, stop it.

WHAT
    `serve_command(settings, ...)` is the one definition of the `trl vllm-serve` command line a recipe asks for
    (model, revision, tensor/data parallel sizes, memory share, context length); the SLURM runtime renders it into
    its job script, and this module runs it. `plan_local_server(command, gpus, num_processes)` reads the effective
    recipe of a training command (the YAML plus its `--key value` overrides) and, when it asks for vLLM in server
    mode, splits this machine's GPUs between training and generation (`split_gpus`). `run_training(command, ...)`
    starts the server on its GPUs, waits until it answers (`wait_until_serving`), runs the training command on the
    other GPUs pointed at it, and stops the server, whatever happens to training.

WHY
    GRPO samples a group of G completions for every prompt at every step (DeepSeekMath, arXiv 2402.03300 §4.1), so
    generation is most of a step's time; TRL's server mode moves it to a vLLM engine on GPUs of its own while the
    others train, and pushes the new weights to the server after each step. TRL's trainer only connects to a server
    (`vllm_server_host`/`vllm_server_port`); someone has to start one first, on the right GPUs, and wait until it has
    loaded the model. The SLURM template did that for cluster jobs; a learner on one 8-GPU box running
    `open-r1 lab run grpo-math --profile full` (natively or in the lab's container, which runs the native runner
    inside) got a trainer waiting for a server nobody started. One plan and one command line serve both.

HOW
    Server mode = `use_vllm: true` and `vllm_mode: server` (TRL's default mode is colocate: nothing to start).
    GPUs: the first `num_processes` visible devices train, the rest serve (the profile's `num_processes`, else all
    but one); too few GPUs is a ConfigError before anything starts. The server listens on 127.0.0.1 on a free port
    (or `$OPEN_R1_VLLM_PORT`), writes its output to `<run>/vllm-serve.log`, and counts as ready when `GET /health`
    answers 200 and `GET /v1/models` lists a model — the two calls TRL's VLLMClient makes before it generates. A
    server that exits, or is not ready within `$OPEN_R1_VLLM_STARTUP_TIMEOUT` seconds (default 900, as the SLURM
    template waits), stops the run with the last lines of its log. The server runs in its own process group and is
    stopped (SIGTERM, then SIGKILL after 30 s) when training ends or fails.

DATA FLOW
    open_r1.labs.runner.run_lab / open_r1.labs.pipeline (a GRPO stage) → `run_training` → `trl vllm-serve` on the
    serving GPUs + `python -m open_r1 train grpo ... --vllm_server_host 127.0.0.1 --vllm_server_port P` on the
    training GPUs → run card `vllm_server` block (command, GPUs, port, seconds to ready, log).
    open_r1.labs.runtimes.slurm → `serve_command` → train.sbatch.j2.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError, OpenR1Error

SERVER_HOST = "127.0.0.1"  # the server and the trainer share the machine: loopback only
PORT_ENV = "OPEN_R1_VLLM_PORT"
STARTUP_TIMEOUT_ENV = "OPEN_R1_VLLM_STARTUP_TIMEOUT"
DEFAULT_STARTUP_TIMEOUT_S = 900.0  # loading a 7B model and capturing CUDA graphs takes minutes
STOP_GRACE_S = 30.0
LOG_NAME = "vllm-serve.log"


def uses_server_mode(settings: dict[str, Any]) -> bool:
    """Whether a GRPO recipe's settings ask TRL to generate through a separate vLLM server (`use_vllm: true` with
    `vllm_mode: server`); colocate mode runs vLLM inside each training process and needs no server.

    >>> uses_server_mode({"use_vllm": True, "vllm_mode": "server"}), uses_server_mode({"use_vllm": True})
    (True, False)
    """
    return bool(settings.get("use_vllm")) and settings.get("vllm_mode", "colocate") == "server"


def trl_executable(python: str) -> str:
    """TRL's console script next to `python` (a venv's bin/), else `trl` on PATH (an image's)."""
    beside = Path(python).parent / "trl"
    return str(beside) if beside.exists() else "trl"


def serve_command(
    settings: dict[str, Any],
    *,
    trl: str,
    gpus: int,
    port: int,
    host: str = SERVER_HOST,
    default_tensor_parallel: int = 1,
) -> list[str]:
    """The `trl vllm-serve` command line for a recipe's settings on `gpus` serving GPUs: the recipe's model and
    revision, `vllm_tensor_parallel_size` (else `default_tensor_parallel`), and the recipe's memory share and
    context length when it sets them. One engine (data parallel 1): TRL 1.16 documents that vLLM refuses data
    parallelism above 1 for dense models, which every lab's model is; serving GPUs beyond the tensor-parallel size
    stay idle (`idle_serving_gpus`). A tensor-parallel size larger than the serving GPUs is refused.

    >>> serve_command({"model_name_or_path": "m", "vllm_gpu_memory_utilization": 0.8}, trl="trl", gpus=1, port=8000)
    ... # doctest: +NORMALIZE_WHITESPACE
    ['trl', 'vllm-serve', '--model', 'm', '--tensor_parallel_size', '1', '--data_parallel_size', '1',
     '--host', '127.0.0.1', '--port', '8000', '--gpu_memory_utilization', '0.8']
    """
    tensor_parallel = int(settings.get("vllm_tensor_parallel_size") or default_tensor_parallel)
    if tensor_parallel > gpus:
        raise ConfigError(
            f"vllm_tensor_parallel_size {tensor_parallel} needs {tensor_parallel} serving GPUs; {gpus} serve here",
            key="vllm_tensor_parallel_size",
            fix=f"set vllm_tensor_parallel_size to at most {gpus}, or leave more GPUs to the server.",
        )
    command = [
        trl,
        "vllm-serve",
        "--model",
        str(settings.get("model_name_or_path")),
        "--tensor_parallel_size",
        str(tensor_parallel),
        "--data_parallel_size",
        "1",
        "--host",
        host,
        "--port",
        str(port),
    ]
    if settings.get("model_revision"):
        command += ["--revision", str(settings["model_revision"])]
    if settings.get("vllm_gpu_memory_utilization") is not None:
        command += ["--gpu_memory_utilization", str(settings["vllm_gpu_memory_utilization"])]
    if settings.get("vllm_max_model_length") is not None:
        command += ["--max_model_len", str(settings["vllm_max_model_length"])]
    return command


def idle_serving_gpus(settings: dict[str, Any], gpus: int, default_tensor_parallel: int = 1) -> int:
    """How many of `gpus` serving GPUs one engine of the recipe's tensor-parallel size leaves unused.

    >>> idle_serving_gpus({"vllm_tensor_parallel_size": 4}, 8)
    4
    """
    return max(gpus - int(settings.get("vllm_tensor_parallel_size") or default_tensor_parallel), 0)


def split_gpus(
    gpus: int, num_processes: int | None, *, file: str | None = None, key: str | None = None, fix: str | None = None
) -> tuple[int, int]:
    """(training GPUs, serving GPUs) on one machine with `gpus` GPUs: `num_processes` train (all but one when
    unset), the rest serve. Fails when no GPU is left for the server.

    >>> split_gpus(8, 7), split_gpus(4, None)
    ((7, 1), (3, 1))
    """
    train = num_processes or max(gpus - 1, 1)
    if gpus <= train:
        raise ConfigError(
            f"vLLM server mode needs a GPU beyond the {train} training processes (GPUs here: {gpus})",
            file=file,
            key=key,
            fix=fix
            or "lower num_processes, set vllm_mode: colocate (generation inside each training process), "
            "or run on a machine with more GPUs.",
        )
    return train, gpus - train


def effective_settings(command: list[str]) -> dict[str, Any]:
    """A training command's recipe as it will run: the `--config` YAML with the command's `--key value` and
    `--key=value` arguments after it applied on top (open_r1.core.configs.apply_overrides). A bare boolean flag
    (`--bf16`, which TRL's parser reads as true) counts as `true`.

    >>> effective_settings(["python", "-m", "open_r1", "train", "grpo", "--use_vllm", "--vllm_mode=server"])
    {'use_vllm': True, 'vllm_mode': 'server'}
    """
    from open_r1.core.configs import apply_overrides, load_yaml

    if "--config" in command:  # what precedes it is the launcher (python, accelerate and its own flags)
        at = command.index("--config")
        settings, args = load_yaml(command[at + 1]), command[at + 2 :]
    else:
        settings, args = {}, command[next((i for i, a in enumerate(command) if a.startswith("--")), len(command)) :]
    pairs: list[str] = []
    for i, arg in enumerate(args):
        pairs.append(arg)
        bare = arg.startswith("--") and "=" not in arg and (i + 1 == len(args) or args[i + 1].startswith("--"))
        if bare:
            pairs.append("true")
    return apply_overrides(settings, pairs)


@dataclass
class ServerPlan:
    """What `run_training` starts: the server's command and port, which visible devices serve and which train."""

    command: list[str]
    port: int
    serve_devices: list[str]
    train_devices: list[str]
    startup_timeout_s: float

    @property
    def base_url(self) -> str:
        """Where the trainer reaches the server (loopback)."""
        return f"http://{SERVER_HOST}:{self.port}"

    def trainer_args(self) -> list[str]:
        """The TRL arguments that point the trainer at this server."""
        return ["--vllm_server_host", SERVER_HOST, "--vllm_server_port", str(self.port)]


def free_port() -> int:
    """`$OPEN_R1_VLLM_PORT`, else a TCP port the kernel says is free on loopback now."""
    if os.environ.get(PORT_ENV):
        return int(os.environ[PORT_ENV])
    with socket.socket() as probe:
        probe.bind((SERVER_HOST, 0))
        return int(probe.getsockname()[1])


def visible_devices(gpus: int) -> list[str]:
    """The device ids this process may hand out: `$CUDA_VISIBLE_DEVICES` when set (a scheduler's choice is kept),
    else 0 … gpus-1."""
    listed = [d.strip() for d in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
    return listed[:gpus] if listed else [str(i) for i in range(gpus)]


def plan_local_server(
    command: list[str], gpus: int, num_processes: int | None, *, file: str | None = None, key: str | None = None
) -> ServerPlan | None:
    """The server a training command needs on this machine, or None (not GRPO in vLLM server mode). `gpus` is the
    machine's GPU count (open_r1.labs.hardware), `num_processes` the profile's training processes."""
    settings = effective_settings(command)
    if not uses_server_mode(settings):
        return None
    train, serve = split_gpus(gpus, num_processes, file=file, key=key)
    devices = visible_devices(gpus)
    port = free_port()
    timeout = float(os.environ.get(STARTUP_TIMEOUT_ENV) or DEFAULT_STARTUP_TIMEOUT_S)
    python = command[0] if command and "python" in Path(command[0]).name else sys.executable
    return ServerPlan(
        command=serve_command(settings, trl=trl_executable(python), gpus=serve, port=port),
        port=port,
        serve_devices=devices[train : train + serve],
        train_devices=devices[:train],
        startup_timeout_s=timeout,
    )


def _answers(url: str) -> Any:
    """The JSON (or None for an empty body) a GET of `url` returns with status 200; raises on anything else."""
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback URL built here)
        if response.status != 200:
            raise urllib.error.HTTPError(url, response.status, "not ready", response.headers, None)
        body = response.read()
    return json.loads(body) if body.strip() else None


def log_tail(path: Path, lines: int = 20) -> str:
    """The last `lines` lines of a log file ('' when it does not exist)."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_until_serving(
    base_url: str, process: subprocess.Popen, timeout_s: float, log: Path, poll_s: float = 2.0
) -> float:
    """Poll the server until `/health` answers 200 and `/v1/models` lists a model; returns the seconds it took.
    Raises OpenR1Error with the log's tail if the process exits first or the timeout passes."""
    started = time.monotonic()
    while True:
        code = process.poll()
        if code is not None:
            raise OpenR1Error(
                f"the vLLM server exited with code {code} before it answered at {base_url}; last lines of {log}:\n"
                + log_tail(log)
            )
        try:
            _answers(f"{base_url}/health")
            models = _answers(f"{base_url}/v1/models") or {}
            if models.get("data"):
                return round(time.monotonic() - started, 1)
        except (OSError, ValueError):
            pass  # not listening yet, or still loading the model
        if time.monotonic() - started > timeout_s:
            raise OpenR1Error(
                f"the vLLM server did not answer at {base_url} within {timeout_s:g} s (set ${STARTUP_TIMEOUT_ENV} "
                f"for a bigger model); last lines of {log}:\n" + log_tail(log)
            )
        time.sleep(poll_s)


def stop(process: subprocess.Popen) -> None:
    """Stop the server's whole process group (vLLM starts worker processes): SIGTERM, then SIGKILL after a grace."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


@contextmanager
def running_server(plan: ServerPlan, run_dir: Path) -> Iterator[dict[str, Any]]:
    """Start the planned server (its own process group, its GPUs, its log in the run folder), wait until it serves,
    yield the record for the run card, and stop it on the way out."""
    run_dir.mkdir(parents=True, exist_ok=True)
    log = run_dir / LOG_NAME
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ",".join(plan.serve_devices)}
    with open(log, "ab") as sink:
        process = subprocess.Popen(
            plan.command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        ready_s = wait_until_serving(plan.base_url, process, plan.startup_timeout_s, log)
        record = {
            **asdict(plan),
            "command": shlex.join(plan.command),
            "base_url": plan.base_url,
            "ready_after_s": ready_s,
            "log": str(log),
        }
        yield record
    finally:
        stop(process)


def run_training(
    command: list[str],
    gpus: int,
    num_processes: int | None,
    run_dir: Path,
    console: Any = None,
    *,
    file: str | None = None,
    key: str | None = None,
) -> tuple[int, dict[str, Any] | None]:
    """Run a training command, with its vLLM server when its recipe needs one: (exit code, the server's run-card
    record or None). Without server mode this is a plain child process."""
    plan = plan_local_server(command, gpus, num_processes, file=file, key=key)
    if plan is None:
        return subprocess.run(command, cwd=os.getcwd()).returncode, None
    if console is not None:
        console.print(
            f"[bold]vLLM server[/] on GPU(s) {','.join(plan.serve_devices)}, training on "
            f"{','.join(plan.train_devices)}\n[dim]$ {shlex.join(plan.command)}"
        )
    with running_server(plan, run_dir) as record:
        if console is not None:
            console.print(f"[green]vLLM server ready at {plan.base_url} after {record['ready_after_s']} s")
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": ",".join(plan.train_devices)}
        code = subprocess.run([*command, *plan.trainer_args()], cwd=os.getcwd(), env=env).returncode
    return code, record
