# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Synthetic data generation with distilabel
#
# **Part 5, Data management — tutorial 23.** You will generate distillation data the way R1's small models were
# made: sample a teacher n times per problem through an OpenAI-compatible server, keep everything in an
# append-only file through a **distilabel** pipeline, kill the job half-way and resume it without losing or
# duplicating a sample, then keep the verified samples as an SFT set.
#
# ## Concept overview
#
# DeepSeek-R1's distilled models (arXiv 2501.12948 §2.4) are plain SFT on about 800k samples written by R1:
# reasoning traces kept by *rejection sampling* (§2.3.3: sample several answers, keep the correct, readable
# ones). The hard part is not the model call, it is the job around it: millions of long requests, hours on many
# GPUs, and so certain to be interrupted. What must hold:
#
# - **Keyed output.** Every line is one (row, sample) pair; the file, not a cache in memory, says what is done.
# - **Append-only, one line per finished sample.** A crash loses at most the requests in flight; a torn last line
#   is cut on the next start.
# - **Resume = rerun the same command.** It skips what is on disk and refuses an output made from another dataset
#   (prompt hashes).
#
# open-r1 writes its data with **distilabel** (a `TextGeneration` task over vLLM). This project has its own
# asyncio client *and* a distilabel backend, both bound to that contract, both pointed at the same server: vLLM in
# the GPU images, `transformers serve` on a CPU.
#
# ## Code walkthrough
#
# - [[open_r1/eval/generate.py:GenerateConfig]] holds the job; [[open_r1/eval/generate.py:run_generate]] is the
#   project client: rows → prompts ([[open_r1/eval/generate.py:build_prompt]]) → prompt hashes → pending keys →
#   bounded-concurrency requests with retries → one appended line per sample.
# - [[open_r1/eval/generate.py:OutputFile]] is the contract: a lock (one writer), torn-tail repair, the finished
#   keys, `append` that writes and flushes one line. [[open_r1/eval/generate.py:sample_seed]] gives each sample
#   its own seed, so a redone sample asks for the same draw.
# - [[open_r1/eval/generate_distilabel.py:run_generate_distilabel]] is the distilabel backend: the same pending
#   set, handed to [[open_r1/eval/lighteval_env/distilabel_runner.py:build_pipeline]] —
#   `LoadDataFromDicts → ChatGeneration(OpenAILLM) → AppendSamples` — in distilabel's own environment
#   (`distilabel` in [[open_r1/eval/lighteval_env/__init__.py:ENVIRONMENTS]]), with distilabel's cache off.
# - [[open_r1/eval/generate.py:LocalServer]] starts `transformers serve` for a model folder on 127.0.0.1 (CPU).
#
# ## Hands-on
#
# The teacher is the nano model, served locally; the problems are 12 held-out nano problems, 4 samples each.

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import collections
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from open_r1.eval.generate import LocalServer
from open_r1.labs.nano_build import ensure_nano_model

work = Path(tempfile.mkdtemp(prefix="generate-"))
started = time.time()
server = LocalServer(str(ensure_nano_model("nano://math")), log_path=work / "server.log").start()
print(f"server ready at {server.base_url} in {time.time() - started:.1f} s")
ROWS, N = 12, 4


def generate(output: Path, *extra: str) -> subprocess.Popen:
    """`open-r1 generate` as a user runs it, in the background."""
    cmd = [
        sys.executable, "-m", "open_r1", "generate", "--dataset", "nano://math/heldout", "--limit", str(ROWS),
        "--n", str(N), "--max-tokens", "64", "--temperature", "1.0", "--concurrency", "4",
        "--base-url", server.base_url, "--model", server.model, "--output", str(output), *extra,
    ]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def kill_after(proc: subprocess.Popen, output: Path, lines: int, timeout: float = 600) -> int:
    """SIGKILL the command once `lines` samples are on disk (no clean-up code of ours runs)."""
    deadline = time.time() + timeout
    while len(read(output)) < lines and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "finished before the kill: raise ROWS"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(1.5)  # anything still writing would show up now
    return len(read(output))


def summary_of(stderr: str) -> dict:
    """The JSON summary line the command prints last on stderr."""
    lines = [line[line.index("{") :] for line in stderr.splitlines() if '{"' in line]
    return json.loads(lines[-1])


def audit(path: Path) -> dict:
    keys = collections.Counter((r["row"], r["sample"]) for r in read(path))
    expected = {(i, j) for i in range(ROWS) for j in range(N)}
    return {"lines": sum(keys.values()), "duplicated": sum(c > 1 for c in keys.values()),
            "missing": len(expected - set(keys))}  # fmt: skip


# %% [markdown]
# ### A distilabel job: kill it, rerun it
#
# `--backend distilabel` runs a distilabel pipeline against the server. The first call creates distilabel's
# environment (pip; minutes, once per machine). We kill the command with SIGKILL once 16 of the 48 samples are on
# disk — no clean-up code of ours runs; the pipeline's runner notices that its parent died and stops, and the output
# stays locked until the last writer is gone — then rerun the very same command. (Without `--backend` the same
# command uses the project's asyncio client, with the same contract; its kill tests are in tests/generate.)

# %%
distil_out = work / "distilabel.jsonl"
before = kill_after(generate(distil_out, "--backend", "distilabel"), distil_out, lines=16)
print("killed with", before, "samples on disk:", audit(distil_out))
rerun = generate(distil_out, "--backend", "distilabel")
summary = summary_of(rerun.communicate()[1])
print("rerun:", {k: summary[k] for k in ("backend", "done_before", "written", "complete", "wall_s")})
print("after:", audit(distil_out))
assert audit(distil_out) == {"lines": ROWS * N, "duplicated": 0, "missing": 0}
print(json.dumps(read(distil_out)[0])[:400])

# %% [markdown]
# The file holds exactly 48 samples, none twice (the cell asserts it). The lines have the project generator's
# schema (`row`, `sample`, `prompt_hash`, the dataset's columns, `messages`, `generation`, `usage`, `model`, plus
# `"backend": "distilabel"`): `open-r1 data pass-rate` (tutorial 25) and `open-r1 train sft --dataset_name FILE`
# read it as they read the client's.
#
# ### Rejection sampling: keep the verified samples
#
# A sample becomes training data only if it is right and well-formed. For nano math the check is
# [[open_r1/eval/heldout.py:check]] — the `format` reward's strict template and the exact answer.

# %%
from open_r1.eval.heldout import check

samples = read(distil_out)
verdicts = collections.Counter(check(s["generation"], s["answer"]) for s in samples)
print({f"format={f} correct={c}": n for (f, c), n in sorted(verdicts.items())})
server.stop()

# %% [markdown]
# ## Deep dive: what distilabel does, and what the contract adds
#
# distilabel models a job as a DAG of steps exchanging batches of rows between processes; an `LLM` task (here
# `ChatGeneration` with `OpenAILLM`) sends one batch's requests concurrently. Its own cache can recover a pipeline,
# but it is keyed by the pipeline's signature and batch numbers, not by (row, sample): change the batch size or
# the sample count and it starts over. The backend here keeps distilabel for what it does well — the DAG, the
# client, the batching — and keeps the resume logic in the output file, so the two backends can take turns on one
# file. Two honest differences: distilabel's `OpenAILLM` sends no per-request `seed` (a redone sample is a fresh
# draw), and it does not report `finish_reason` (the lines carry `null`).
#
# Sizes at full scale: R1-Distill's 800k samples at several thousand tokens each are billions of generated
# tokens; a lost hour of a 64-GPU job is what the contract saves.
#
# ## Pitfalls and debugging
#
# - **"another `open-r1 generate` is writing this file"**: a second command on the same output (or a pipeline still
#   dying). Wait, or choose another `--output`.
# - **"generated from a different prompt than the dataset now gives"**: the dataset, `--prompt-column` or
#   `--system-prompt` changed under an existing output; use a new file.
# - **An incomplete run exits 1** and says so; the errors of rejected requests (4xx) are in `<output>.errors.jsonl`;
#   distilabel's log is `<output>.distilabel/distilabel.log` (kept when the pipeline fails).
# - **`--extra-body` and `--api completions`** are client-only; with `--backend distilabel` they fail at once.
# - **Temperature.** Distillation data is sampled (R1: 0.6, top-p 0.95); greedy samples of one prompt are copies.
#
# ## Exercises
#
# **Exercise 1.** `audit` trusts the file. Write `audit_lines(records)` that takes the parsed lines and returns
# `(missing, duplicated)` for ROWS × N, and show it catches a file where one line was lost and another written
# twice.


# %% tags=["solution"]
def audit_lines(records: list[dict]) -> tuple[int, int]:
    keys = collections.Counter((r["row"], r["sample"]) for r in records)
    expected = {(i, j) for i in range(ROWS) for j in range(N)}
    return len(expected - set(keys)), sum(c > 1 for c in keys.values())


broken = read(distil_out)
broken = broken[1:] + [broken[5]]  # the first sample lost, the sixth written twice
print(audit_lines(read(distil_out)), audit_lines(broken))

# %% tags=["check"]
assert audit_lines(read(distil_out)) == (0, 0)
assert audit_lines(broken) == (1, 1)
assert audit_lines(broken + [broken[0]]) == (1, 2)
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Build the SFT set: `accepted`, the samples that pass both checks, each reduced to its
# `messages`. How many problems have at least one accepted sample?

# %% tags=["solution"]
accepted = [
    {"messages": s["messages"], "row": s["row"]}
    for s in samples
    if check(s["generation"], s["answer"]) == (True, True)
]
covered = len({a["row"] for a in accepted})
print(len(accepted), "accepted samples covering", covered, "of", ROWS, "problems")

# %% tags=["check"]
assert len(accepted) == verdicts[(True, True)]
assert all(a["messages"][-1]["role"] == "assistant" for a in accepted)
answers = {s["row"]: s["answer"] for s in samples}
assert all(check(a["messages"][-1]["content"], answers[a["row"]]) == (True, True) for a in accepted)
assert 0 < covered <= ROWS and covered <= len(accepted)
print("exercise 2: ok")
