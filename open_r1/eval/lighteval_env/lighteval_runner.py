"""Run one lighteval evaluation from a JSON spec, inside the separate lighteval environment.

WHAT
    `python lighteval_runner.py SPEC.json` (the environment's own interpreter, never the training venv) builds a
    lighteval `Pipeline` (transformers backend on CPU, vLLM backend on GPUs), evaluates the tasks, saves lighteval's
    results and per-sample details (parquet) under `output_dir`, and writes `open_r1_summary.json`: the results
    dict plus, per task, the per-sample metric values our report needs (pass@k from correct counts).

WHY
    lighteval pins `latex2sympy2_extended==1.0.6`, which breaks the training stack's math-verify 0.9 (platform
    notes), so it lives in its own environment and this file imports nothing from open_r1 — only the standard
    library and lighteval. lighteval's task registry imports every built-in task module at start; two of them
    reach the network at import time (one downloads a file, one calls a hub API), which hangs or fails offline.
    We load only the modules the requested tasks live in (plus the custom tasks file), so an offline CPU machine
    can run the nano benchmark and a GPU node runs the R1 benchmarks without touching unrelated tasks.

HOW
    1. Read the spec; force offline mode when asked (HF_HUB_OFFLINE, HF_DATASETS_OFFLINE).
    2. Replace `Registry.load_all_task_configs` with a loader that imports only `TASK_MODULES[name]` for built-in
       tasks, and the custom file; unknown built-ins fall back to a guarded import of every module (errors skipped).
    3. Model config from the spec: TransformersModelConfig (device cpu/cuda) or VLLMModelConfig, with
       GenerationParameters (R1: temperature 0.6, top-p 0.95, max_new_tokens 32768).
    4. `pipeline.evaluate()`, `save_and_push_results()` (results_*.json + details_*.parquet), then our summary.

DATA FLOW
    open_r1.eval.benchmarks (writes SPEC.json, starts this with the env's python) → lighteval → output_dir/{results,details}
    → open_r1_summary.json → open_r1.eval.benchmarks's results table (beside the R1 paper's figures).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
from pathlib import Path

# Built-in lighteval 0.13 task name → module under lighteval.tasks.tasks ("pkg.main" for package tasks).
TASK_MODULES = {
    "aime24": "aime",
    "aime25": "aime",
    "math_500": "math_500",
    "gpqa:diamond": "gpqa",
    "lcb:codegeneration": "lcb.main",
}


def task_names(tasks: str) -> list[str]:
    """'aime24@k=1@n=64|0,math_500|0' → ['aime24', 'math_500'] (suite prefixes and metric parameters dropped)."""
    names = []
    for spec in tasks.split(","):
        parts = spec.strip().split("|")
        name = parts[1] if len(parts) == 3 else parts[0]
        names.append(name.split("@")[0])
    return names


def patch_registry(requested: list[str]) -> None:
    """Make lighteval's registry import only the task modules the requested tasks live in (plus the custom tasks file)
    instead of all of them, since two built-in modules reach the network on import; an unmapped task falls back to
    importing every module, skipping failures.
    """
    from lighteval.tasks import registry as reg

    def load_all_task_configs(custom_tasks=None, load_multilingual=False):
        configs = {}
        custom = {}
        if custom_tasks is not None:
            custom = reg.Registry._extract_configs(reg.Registry.create_custom_tasks_module(custom_tasks))
        builtin = [name for name in requested if name not in custom]
        modules = {TASK_MODULES.get(name) for name in builtin}
        if None in modules:
            # A task we have no map for: import every built-in module, skipping those that fail offline.
            tasks_dir = Path(reg.__file__).parent / "tasks"
            modules = {p.stem for p in tasks_dir.glob("*.py") if p.stem != "__init__"}
            modules |= {f"{d.name}.main" for d in tasks_dir.iterdir() if (d / "main.py").exists()}
            modules -= {"tiny_benchmarks"}
        for module_name in sorted(m for m in modules if m):
            try:
                module = importlib.import_module(f"lighteval.tasks.tasks.{module_name}")
            except Exception as err:  # noqa: BLE001 (one broken optional task must not stop the others)
                logging.getLogger(__name__).warning("skipped lighteval task module %s: %s", module_name, err)
                continue
            configs.update(reg.Registry._extract_configs(module))
        clash = set(custom) & set(configs)
        if clash:
            raise ValueError(f"custom tasks {sorted(clash)} clash with built-in lighteval tasks: rename them")
        configs.update(custom)
        return configs

    reg.Registry.load_all_task_configs = staticmethod(load_all_task_configs)


def patch_sampling() -> None:
    """lighteval's transformers backend never sets `do_sample`: a model whose generation_config.json says greedy
    (ours, many base models) then decodes greedily at temperature 0.6 — silently, or fails for n > 1. Sampling
    is what R1's protocol asks for, so temperature > 0 turns it on."""
    from lighteval.models.model_input import GenerationParameters

    original = GenerationParameters.to_transformers_dict

    def to_transformers_dict(self):
        args = original(self)
        if (args.get("temperature") or 0) > 0:
            args["do_sample"] = True
        return args

    GenerationParameters.to_transformers_dict = to_transformers_dict


def model_config(spec: dict):
    """The lighteval model config the spec asks for: VLLMModelConfig for the vllm backend, else TransformersModelConfig
    (dtype, device, batch size), with the spec's generation parameters, system prompt and revision.
    """
    from lighteval.models.model_input import GenerationParameters

    gen = GenerationParameters(**spec.get("generation", {}))
    common = {"model_name": spec["model"], "generation_parameters": gen, "system_prompt": spec.get("system_prompt")}
    if spec.get("revision"):
        common["revision"] = spec["revision"]  # a hub commit/branch/tag; from the local HF cache when offline
    if spec.get("backend", "transformers") == "vllm":
        from lighteval.models.vllm.vllm_model import VLLMModelConfig

        return VLLMModelConfig(
            **common, override_chat_template=spec.get("use_chat_template", True), **spec.get("vllm", {})
        )
    from lighteval.models.transformers.transformers_model import TransformersModelConfig

    return TransformersModelConfig(
        **common,
        dtype=spec.get("dtype", "float32"),
        device=spec.get("device", "cpu"),
        batch_size=spec.get("batch_size"),
        override_chat_template=spec.get("use_chat_template", True),
    )


def _prompt_as_seen(pipeline, doc, response) -> str | None:
    """The prompt text the model was given. lighteval's transformers backend does not keep it on the response (its
    `input` stays empty), so it is rebuilt with the model's own PromptManager — the object that built it for
    generation (chat template, system prompt) — and falls back to the response's input or the bare query."""
    manager = getattr(getattr(pipeline, "model", None), "prompt_manager", None)
    if manager is not None and doc is not None:
        try:
            return _as_text(manager.prepare_prompt(doc))
        except Exception:  # noqa: BLE001 (an API-style backend has no text prompt: fall back)
            pass
    if getattr(response, "input", None) is not None:
        return _as_text(response.input)
    return getattr(doc, "query", None)


def _as_text(value) -> str | None:
    """A model input as text: a string as is, chat messages as `role: content` lines."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(f"{m.get('role')}: {m.get('content')}" if isinstance(m, dict) else str(m) for m in value)
    return str(value)


def main(spec_path: str) -> int:
    """Run one evaluation from a JSON spec: set offline mode and extra env, patch the registry and sampling, run
    lighteval's Pipeline, save its results and details, then write `open_r1_summary.json` with the results and
    per-sample metrics, prompts, completions and golds.
    """
    spec = json.loads(Path(spec_path).read_text())
    if spec.get("offline", True):
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["HF_DATASETS_OFFLINE"] = "1"
    for key, value in (spec.get("env") or {}).items():
        os.environ[str(key)] = str(value)
    started = time.time()
    patch_registry(task_names(spec["tasks"]))
    patch_sampling()

    from lighteval.logging.evaluation_tracker import EvaluationTracker
    from lighteval.pipeline import ParallelismManager, Pipeline, PipelineParameters

    backend = spec.get("backend", "transformers")
    tracker = EvaluationTracker(output_dir=spec["output_dir"], save_details=True)
    params = PipelineParameters(
        launcher_type=ParallelismManager.VLLM if backend == "vllm" else ParallelismManager.ACCELERATE,
        custom_tasks_directory=spec.get("custom_tasks"),
        max_samples=spec.get("max_samples"),
    )
    pipeline = Pipeline(
        tasks=spec["tasks"], pipeline_parameters=params, evaluation_tracker=tracker, model_config=model_config(spec)
    )
    pipeline.evaluate()
    pipeline.save_and_push_results()
    results = pipeline.get_results()
    per_sample: dict[str, list[dict]] = {}
    for task, details in pipeline.get_details().items():
        rows = []
        for detail in details:
            metric = getattr(detail, "metric", None) or {}
            doc = getattr(detail, "doc", None)
            response = getattr(detail, "model_response", None)
            rows.append(
                {
                    "metrics": {k: float(v) for k, v in metric.items() if isinstance(v, int | float)},
                    "query": getattr(doc, "query", None),
                    # what the model saw: the chat template applied, the system prompt included
                    "prompt": _prompt_as_seen(pipeline, doc, response),
                    "completions": [str(t) for t in (getattr(response, "text", None) or [])],
                    "gold": [str(g) for g in (doc.get_golds() if doc is not None else [])],
                }
            )
        per_sample[task] = rows
    summary = {
        "spec": spec,
        "results": results.get("results", {}),
        "config_general": results.get("config_general"),
        "per_sample": per_sample,
        "wall_s": round(time.time() - started, 1),
    }
    Path(spec["output_dir"], "open_r1_summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
