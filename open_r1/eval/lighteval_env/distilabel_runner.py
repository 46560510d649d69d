"""Run one `open-r1 generate --backend distilabel` job from a JSON spec: a distilabel pipeline that appends.

WHAT
    `python distilabel_runner.py SPEC.json` (a Python that has distilabel: the project's, or the tool-managed
    `distilabel` environment) runs

        LoadDataFromDicts(spec.items) ─► ChatGeneration(OpenAILLM(base_url, model)) ─► AppendSamples(spec.output)

    where each item is one pending (row, sample): its chat `messages` and `open_r1_head` (the output line's
    `row`, `sample`, `prompt_hash` and the dataset row's columns, as JSON). AppendSamples appends one line per
    finished sample, in open_r1.eval.generate's schema plus `"backend": "distilabel"`.

WHY
    This file imports only the standard library and distilabel, so it runs in whatever environment holds distilabel
    (its pins are its own business); the parent (open_r1.eval.generate_distilabel) owns the dataset, the prompt
    hashes, the pending set and the output's lock. distilabel's cache is off: resumption is the output file's job.

HOW
    `num_generations=1` per item (a sample is the unit of progress and of loss); `input_batch_size` = the run's
    concurrency (ChatGeneration sends a batch's requests concurrently); AppendSamples writes + flushes each line and
    skips keys already in the file; a request that failed after distilabel's retries (`generation` None) is not
    written, so the rerun asks for it again.

DATA FLOW
    open_r1.eval.generate_distilabel (spec) → here → OpenAI-compatible server → output jsonl.
"""

# No `from __future__ import annotations`: distilabel reads `process`'s type hints at run time and needs the
# `StepInput` class itself, not its name as a string.
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from distilabel.models.llms import OpenAILLM
from distilabel.pipeline import Pipeline
from distilabel.steps import LoadDataFromDicts, Step, StepInput
from distilabel.steps.tasks import ChatGeneration


class AppendSamples(Step):
    """Append each finished sample to `output` as one JSON line (write + flush); skip keys already there."""

    output: str

    @property
    def inputs(self) -> list[str]:
        return ["open_r1_head", "messages", "generation"]

    @property
    def outputs(self) -> list[str]:
        return ["row", "sample"]

    def load(self) -> None:
        """Read the (row, sample) keys already in the output file, so a rerun never writes one twice."""
        super().load()
        self._done = set()
        if os.path.exists(self.output):
            with open(self.output) as fh:
                for line in fh:
                    if line.strip():
                        rec = json.loads(line)
                        self._done.add((rec["row"], rec["sample"]))

    def process(self, inputs: StepInput):  # type: ignore[override]
        """Append each finished sample of a batch as one line (flushed), skipping keys already written and samples
        whose request failed (the rerun asks for those again); pass the batch on."""
        kept = []
        with open(self.output, "a") as fh:
            for item in inputs:
                head = json.loads(item["open_r1_head"])
                key = (head["row"], head["sample"])
                if item.get("generation") is None or key in self._done:
                    continue  # a failed request stays pending; a key is written once
                stats = (item.get("distilabel_metadata") or {}).get("statistics_chat_generation_0") or {}
                record = {
                    **head,
                    "messages": [*item["messages"], {"role": "assistant", "content": item["generation"]}],
                    "generation": item["generation"],
                    "finish_reason": None,  # distilabel does not pass it on
                    "usage": {
                        "prompt_tokens": _first(stats.get("input_tokens")),
                        "completion_tokens": _first(stats.get("output_tokens")),
                    },
                    "model": item.get("model_name"),
                    "backend": "distilabel",
                    "written_at": time.time(),
                }
                fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                fh.flush()  # a killed run loses nothing already written
                self._done.add(key)
                kept.append({"row": head["row"], "sample": head["sample"]})
        yield kept


def _first(value):
    return value[0] if isinstance(value, list) and value else value


class ReasoningKeepingOpenAILLM(OpenAILLM):
    """distilabel's OpenAILLM, except that a think block the server split off (`reasoning_content`) is put back in
    front of the answer with the spec's `reasoning_join` (the parent's open_r1.eval.generate.R1_REASONING_JOIN), as
    the project's own client does: distilabel keeps only `content`, and distillation data without the reasoning
    would teach bare answers."""

    reasoning_join: str = "{content}"

    def _generations_from_openai_completion(self, completion):  # noqa: ANN001, ANN202 -- distilabel's signature
        output = super()._generations_from_openai_completion(completion)
        joined = []
        for choice, content in zip(completion.choices, output["generations"], strict=True):
            # an extra field of the openai SDK's message (reachable as an attribute), or `reasoning` on newer servers
            reasoning = getattr(choice.message, "reasoning_content", None) or getattr(choice.message, "reasoning", None)
            joined.append(self.reasoning_join.format(reasoning=reasoning, content=content) if reasoning and content
                          is not None else content)  # fmt: skip
        output["generations"] = joined
        return output


def build_pipeline(spec: dict) -> Pipeline:
    """The three-step pipeline for one spec (see the module docstring)."""
    llm = ReasoningKeepingOpenAILLM(
        reasoning_join=spec["reasoning_join"],
        model=spec["model"],
        base_url=spec["base_url"],
        api_key=spec["api_key"],
        max_retries=spec["max_retries"],
        timeout=spec["timeout"],
        generation_kwargs=spec["generation_kwargs"],
    )
    with Pipeline(name="open-r1-generate", cache_dir=spec["cache_dir"]) as pipeline:
        load = LoadDataFromDicts(data=spec["items"], batch_size=spec["batch_size"])
        generate = ChatGeneration(llm=llm, input_batch_size=spec["batch_size"], num_generations=1)
        append = AppendSamples(output=spec["output"], input_batch_size=spec["batch_size"])
        load >> generate >> append
    return pipeline


def follow_parent() -> None:
    """End this process group when the parent command dies (even by SIGKILL, which runs none of its clean-up):
    an orphaned pipeline would keep appending while a rerun starts a second one."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.killpg(0, signal.SIGKILL)  # this runner and distilabel's workers (same process group)

    threading.Thread(target=watch, daemon=True).start()


def main(spec_path: str) -> int:
    """Run the job in SPEC.json: stop when the parent command dies, build the pipeline, run it with distilabel's
    cache off (the output file is the resume state)."""
    spec = json.loads(Path(spec_path).read_text())
    follow_parent()
    build_pipeline(spec).run(use_cache=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
