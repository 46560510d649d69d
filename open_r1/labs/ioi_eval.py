"""The ioi-eval lab: a model writes solutions to olympiad problems; the IOI rules score them.

WHAT
    `run_ioi_eval(recipe_path, output_dir, overrides)` reads an `IOIEvalConfig` recipe, prompts the model with each
    problem's statement `samples_per_problem` times, extracts the last C++ block of each answer, scores every
    submission with the IOI rules (compile once, subtask = min over tests × points, best submission per subtask)
    and writes into `output_dir`: `generations.jsonl`, `report/` (report.md, report.json, score_distribution.png)
    and `run_card.json`.

WHY
    DeepSeek-R1 (arXiv 2501.12948 §3) reports competitive-programming results; open-r1's OlympicCoder work scored
    IOI 2024 with the contest's own rules (50 submissions per problem, best per subtask). A pass@1 number would
    hide partial credit; the subtask report is what an olympiad coach would read. The generation step is kept
    apart from scoring (generations.jsonl) so a report can be recomputed without the model.

HOW
    Prompt: optional system prompt + statement + "answer with one ```cpp block". Generation: vLLM when installed
    and `use_vllm` (the GPU image), otherwise transformers `generate` (the nano profile, CPU), sampled with the
    recipe's temperature/top-p under a fixed seed. Scoring: open_r1.competitive.report.evaluate.

DATA FLOW
    `open-r1 lab run ioi-eval` → `open-r1 competitive ioi-eval --config recipe --output_dir run` → here →
    models.get_model / get_tokenizer → generations.jsonl → competitive.report.evaluate (sandbox provider) →
    report folder → run card.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from open_r1.core.configs import StrictModel
from open_r1.core.errors import ConfigError
from open_r1.sandbox.base import normalize_language

DEFAULT_SYSTEM_PROMPT = (
    "You are an olympiad programmer. Think inside <think> </think>, then give your final solution inside "
    "<answer> </answer> as one ```cpp fenced block (C++17)."
)


class IOIEvalConfig(StrictModel):
    """The ioi-eval recipe (labs/ioi-eval/recipes/*.yaml): which model, which problems, how to sample and judge."""

    model_name_or_path: str = Field(description="the model: hub id, local folder, or nano://<kit>")
    problems: str = Field(
        "labs/ioi-eval/problems",
        description="problem folder in the IOI format (relative to the project root or the current folder)",
    )
    problems_split: str | None = Field(None, description="split when `problems` is a hub dataset")
    samples_per_problem: int = Field(50, ge=1, description="submissions per problem (IOI 2024 allowed 50)")
    max_new_tokens: int = Field(32768, ge=1, description="generation budget per submission, in tokens")
    temperature: float = Field(0.7, ge=0, description="sampling temperature")
    top_p: float = Field(0.95, gt=0, le=1, description="nucleus sampling mass")
    language: str = Field(
        "cpp",
        description="submission language: cpp (c++ and other spellings accepted). The lab scores with IOI 2024's "
        "rules, which accept C++ only; to score a Python program on a task without a grader, use `open-r1 "
        "competitive score <problem> solution.py`.",
    )
    provider: str = Field("local", description="sandbox provider that judges (local, e2b, morph, piston)")
    system_prompt: str | None = Field(DEFAULT_SYSTEM_PROMPT, description="system turn of every prompt (null: none)")
    use_vllm: bool = Field(False, description="generate with vLLM (GPU images) instead of transformers")
    seed: int = Field(42, description="sampling seed")
    batch_size: int = Field(32, ge=1, description="prompts per generation batch")

    @field_validator("language", mode="before")
    @classmethod
    def _cpp_only(cls, value: Any) -> str:
        # prompts ask for a ```cpp block and the tasks' graders are C++ interfaces: any other language would be
        # extracted from nothing and scored as "no code" on every problem, so it is refused here, before the model
        if normalize_language(value) != "cpp":
            raise ValueError("the ioi-eval lab judges C++ submissions only (IOI 2024's rule)")
        return "cpp"


def load_config(recipe_path: str, overrides: list[str]) -> IOIEvalConfig:
    """Read an ioi-eval recipe, apply `--key value` overrides (values typed as YAML) and validate it into an
    IOIEvalConfig, resolving a relative problem folder against the repository; a missing folder or a bad override fails
    before any model loads (the lab runner's precheck calls it).
    """
    from open_r1.core.configs import apply_overrides, load_yaml, validate_model

    raw = apply_overrides(load_yaml(recipe_path), overrides)  # `--key value`, typed by the file's YAML rules
    config = validate_model(IOIEvalConfig, raw, recipe_path)
    if not Path(config.problems).is_dir():
        # Recipes name the bundled set relative to the repository; a user's own folder is relative to the cwd.
        from open_r1.core.paths import project_path

        if project_path(config.problems).is_dir():
            config.problems = str(project_path(config.problems))
    if not Path(config.problems).is_dir():
        raise ConfigError(
            f"problem folder '{config.problems}' does not exist",
            file=recipe_path,
            key="problems",
            fix="point it at a folder in the IOI format (see labs/ioi-eval/problems/README.md).",
        )
    return config


def _generate(config: IOIEvalConfig, prompts: list[list[dict]]) -> list[str]:
    import torch

    from open_r1.labs.nano_build import ensure_nano_model
    from open_r1.models import get_model, get_tokenizer, resolve_model_path

    if config.model_name_or_path.startswith("nano://"):
        ensure_nano_model(config.model_name_or_path)
    path = resolve_model_path(config.model_name_or_path)
    tokenizer = get_tokenizer(path)
    if config.use_vllm:
        from vllm import LLM, SamplingParams

        llm = LLM(model=path, seed=config.seed)
        params = SamplingParams(temperature=config.temperature, top_p=config.top_p, max_tokens=config.max_new_tokens)
        texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
        return [o.outputs[0].text for o in llm.generate(texts, params)]
    model = get_model(path)
    model.eval()
    torch.manual_seed(config.seed)
    tokenizer.padding_side = "left"
    limit = getattr(model.config, "max_position_embeddings", None) or 10**9
    out: list[str] = []
    for start in range(0, len(prompts), config.batch_size):
        texts = [
            tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
            for p in prompts[start : start + config.batch_size]
        ]
        enc = tokenizer(
            texts,
            return_tensors="pt",
            padding=True,
            add_special_tokens=False,
            truncation=True,
            max_length=max(1, limit - 64),
        )
        room = max(1, min(config.max_new_tokens, limit - enc["input_ids"].shape[1]))
        with torch.no_grad():
            gen = model.generate(
                **enc,
                max_new_tokens=room,
                do_sample=True,
                temperature=config.temperature,
                top_p=config.top_p,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        out += tokenizer.batch_decode(gen[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    return out


def run_ioi_eval(recipe_path: str, output_dir: str, overrides: list[str] | None = None) -> dict[str, Any]:
    """The ioi-eval lab end to end: prompt the model with every problem's statement `samples_per_problem` times, keep
    the last C++ block of each answer, write generations.jsonl, score them with the IOI rules into report/, and write
    eval_results.json and the run card; returns the summary metrics.
    """
    from open_r1.competitive.ioi import load_problems
    from open_r1.competitive.report import Generation, evaluate
    from open_r1.core.io import write_json_atomic
    from open_r1.core.runcard import write_run_card
    from open_r1.sandbox.rewards import extract_code

    config = load_config(recipe_path, list(overrides or []))
    problems = load_problems(config.problems)
    if not problems:
        raise ConfigError(f"no IOI problems under '{config.problems}'", file=recipe_path, key="problems")
    started = time.time()
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(pid, k) for pid in sorted(problems) for k in range(config.samples_per_problem)]
    prompts = []
    for pid, _ in jobs:
        messages = [{"role": "system", "content": config.system_prompt}] if config.system_prompt else []
        messages.append({"role": "user", "content": problems[pid].statement})
        prompts.append(messages)
    completions = _generate(config, prompts)
    generations = [
        Generation(pid, extract_code(text, "cpp"), k, {"completion": text})
        for (pid, k), text in zip(jobs, completions, strict=True)
    ]
    tmp = out / ".generations.jsonl.tmp"
    with open(tmp, "w") as fh:
        for g in generations:
            fh.write(
                json.dumps(
                    {
                        "problem_id": g.problem_id,
                        "sample": g.sample,
                        "code": g.code,
                        "completion": g.meta["completion"],
                    }
                )
                + "\n"
            )
    os.replace(tmp, out / "generations.jsonl")
    report = evaluate(
        config.problems,
        generations,
        out / "report",
        provider=config.provider,
        title=f"IOI evaluation of {config.model_name_or_path}",
        meta={"model": config.model_name_or_path, "samples_per_problem": config.samples_per_problem},
    )
    summary = {
        "wall_s": round(time.time() - started, 1),
        "report": str(out / "report"),
        **{k: v for k, v in report.items() if not isinstance(v, list | dict)},
    }
    write_json_atomic(out / "eval_results.json", report)
    write_run_card(
        out,
        kind="competitive ioi-eval",
        recipe=recipe_path,
        overrides=list(overrides or []),
        configs={"ioi_eval": config},
        metrics=summary,
        seed=config.seed,
    )
    return summary
