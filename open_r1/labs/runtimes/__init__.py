"""Lab runtimes: where a lab's command runs — natively, in a container, or as a SLURM job.

WHAT: the dispatch from a runtime name to its module. Each runtime is a module `open_r1.labs.runtimes.<name>` with one
function:

    launch(runtime, lab, profile, overrides, run_dir, options, dry_run) -> (command, exit_code)

`command` is what was (or, with `dry_run`, would be) executed, for the banner and the run card; `exit_code` is the
job's. `options` holds the runtime flags of `open-r1 lab run` (image, nodes, gpus_per_node, partition, account,
container, cluster_profile), unset ones as None. The native runtime lives in open_r1.labs.manifest itself.

WHY: the design's "same code path at every scale": a lab is one `open-r1 train …` command; only the wrapper around
it changes (docker/podman run of the lab image, `apptainer exec --nv`, an sbatch script with srun).
HOW: a lazy import per runtime, so the SLURM and container code (and their checks) load only when asked for.
DATA FLOW: `open-r1 lab run --runtime X` → `labs.run_lab` → `launch()` here → `containers.launch` or
`slurm.launch` → the same `open-r1 train …` inside → run folder (bind-mounted back for containers).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError

# runtime → (module, issue that tracks it while the module is not written yet)
RUNTIME_MODULES = {
    "docker": ("open_r1.labs.runtimes.containers", 6),
    "podman": ("open_r1.labs.runtimes.containers", 6),
    "apptainer": ("open_r1.labs.runtimes.containers", 6),
    "slurm": ("open_r1.labs.runtimes.slurm", 7),
}


def launch(runtime: str, lab: Any, profile: str, overrides: list[str], run_dir: Path, options: dict[str, Any],
           dry_run: bool = False) -> tuple[list[str], int]:
    """Run a lab profile through the named runtime (native, docker, podman, apptainer, slurm): import its module and
    call its `launch`, which returns the command it ran and the exit code. A runtime whose module is missing fails
    with a ConfigError that names the issue tracking it.
    """
    module_name, issue = RUNTIME_MODULES[runtime]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name != module_name:
            raise
        raise ConfigError(f"runtime '{runtime}' is not available yet: see issue #{issue}", key="--runtime",
                          fix="use --runtime native for now.") from None
    return module.launch(runtime, lab, profile, overrides, run_dir, options, dry_run)
