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
# # Dataset decontamination
#
# **Part 5, Data management — tutorial 24.** You will remove benchmark problems from a training set with n-gram
# overlap, the rule open-r1 applies to its distillation data, and *measure* what it catches and what it misses on a
# training set where we planted the leaks ourselves. No model is needed: this tutorial runs in seconds.
#
# ## Concept overview
#
# A benchmark score says how well a model solves problems it has **not** seen. If AIME problems sit in the SFT data,
# the AIME score measures memory. DeepSeek-R1 (arXiv 2501.12948 §2.3.3 and §3) decontaminates its data; open-r1
# filters its Mixture-of-Thoughts against AIME, MATH-500, GPQA and LiveCodeBench by **8-gram overlap**: a training
# row is dropped if it shares any span of 8 consecutive words with a benchmark problem.
#
# Why n-grams, and why 8?
#
# - A leaked problem is rarely a clean copy: it is pasted into a longer prompt, re-cased, re-spaced. Any shared
#   8-word span survives that.
# - Eight words is long enough that stock phrasing ("what is the value of the") does not flag clean rows — shorter
#   n catches more and throws away more clean data; longer n misses leaks that were lightly edited.
# - It is cheap: one set lookup per window, millions of rows per minute on one core.
#
# What it cannot see: a **paraphrase** (same problem, new words) shares no 8-gram. Catching those needs embeddings
# or an LLM judge — and a policy decision about what "the same problem" means.
#
# ## Code walkthrough
#
# - [[open_r1/curate/tools.py:tokens]] normalises text (Unicode NFKC, lower case) and splits it into words and
#   single symbols. Symbols are kept: in math "4 - 5" and "4 + 5" are different problems.
# - [[open_r1/curate/tools.py:ngrams]] makes the windows: `n` *words* with the symbols between them.
# - [[open_r1/curate/tools.py:Decontaminator]] indexes the benchmarks (`add`) and answers `check(text)` with the
#   first benchmark row a text overlaps ([[open_r1/curate/tools.py:Hit]]). A benchmark text shorter than `n` words
#   is indexed whole, so a one-line problem is still caught when it appears verbatim.
# - [[open_r1/curate/tools.py:decontaminate]] filters rows and writes the report; `open-r1 data decontaminate`
#   ([[open_r1/cli/data.py:_cmd_decontaminate]]) is the command around it, with presets for the R1 benchmarks.
#
# ## Hands-on
#
# A small "benchmark" of 40 word problems (four templates, random numbers), and a training set of 400 clean
# problems (five other templates) into which we plant five kinds of rows, 20 of each:
#
# | kind | what it is | contaminated? |
# |---|---|---|
# | verbatim | a benchmark problem, copied | yes |
# | embedded | copied inside a longer instruction | yes |
# | reformatted | upper-cased, spaces doubled, punctuation spaced | yes |
# | paraphrase | the same problem in other words | yes |
# | renumbered | the benchmark's sentence with other numbers | no: a new problem |

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from open_r1.curate.tools import Decontaminator, decontaminate, n_words, ngrams, tokens

TEMPLATES = [
    "A farmer has {a} apples and buys {b} baskets with {c} apples in each basket. How many apples does the farmer "
    "have now?",
    "A train travels at {a} kilometres per hour for {b} hours and then at {c} kilometres per hour for one more "
    "hour. How far does it travel in total?",
    "The sum of {a} consecutive even integers is {b}{c}. What is the largest of these integers?",
    "In a class of {a} students, {b} play chess and {c} play both chess and go. If every student plays at least "
    "one game, how many play go?",
]
# The clean training problems come from other templates; two share a stock phrase (6–7 words) with a benchmark
# template, as real data shares "what is the largest of these" with real benchmarks.
CLEAN_TEMPLATES = [
    "A baker makes {a} loaves in the morning and {b} in the evening. How many loaves are left after {c} are sold?",
    "Three positive integers multiply to {a}{b}. What is the largest of these integers?",
    "A rectangle has sides {a} and {b}. What is its area minus {c}?",
    "A club has {a} members and {b} of them swim. If every student plays at least one sport, how many run?",
    "Find the remainder when {a}{b} is divided by {c}.",
]
PARAPHRASES = [
    "Someone growing fruit owns {a} apples, then purchases {b} more crates holding {c} each; total apples?",
    "Moving {b} hours at {a} km/h and one further hour at {c} km/h, what total distance is covered?",
    "Some number {a} of back-to-back even numbers add up to {b}{c}; give the biggest one.",
    "There are {a} pupils; {b} of them do chess, {c} do chess as well as go, everyone does something. Go players?",
]


def problem(rng: random.Random, template: int, texts=TEMPLATES) -> tuple[dict, str]:
    numbers = {k: rng.randint(2, 60) for k in "abc"}
    return numbers, texts[template].format(**numbers)


rng = random.Random(0)
benchmark = [problem(rng, i % 4) for i in range(40)]
bench_texts = [text for _, text in benchmark]
clean = [{"problem": problem(rng, i % 5, CLEAN_TEMPLATES)[1], "kind": "clean"} for i in range(400)]
planted = []
for i in range(20):
    numbers, text = benchmark[i]
    template = i % 4
    planted.append({"problem": text, "kind": "verbatim"})
    planted.append(
        {"problem": f"Solve step by step and box the answer. {text} Explain each step.", "kind": "embedded"}
    )
    planted.append({"problem": "  ".join(text.upper().split()).replace("?", " ?"), "kind": "reformatted"})
    planted.append({"problem": PARAPHRASES[template].format(**numbers), "kind": "paraphrase"})
    other = {k: v + 1 for k, v in numbers.items()}
    planted.append({"problem": TEMPLATES[template].format(**other), "kind": "renumbered"})
train = clean + planted
random.Random(1).shuffle(train)
CONTAMINATED = {"verbatim", "embedded", "reformatted", "paraphrase"}
print(f"benchmark {len(bench_texts)} problems; training set {len(train)} rows ({len(planted)} planted)")
print("example benchmark problem:", bench_texts[0])

# %% [markdown]
# The 8-gram index and one check. `tokens` shows what the index sees: lower case, symbols as their own tokens.

# %%
decon = Decontaminator(n=8)
decon.add("toy-bench", bench_texts)
print(tokens("In a CLASS of 12 students,")[:8])
print(f"{len(decon.index)} distinct 8-grams indexed")
print(decon.check(planted[1]["problem"]))  # the embedded copy of benchmark problem 0


# %% [markdown]
# Now the measurement: precision (of the rows we drop, how many were really leaks) and recall (of the leaks, how
# many we drop), per kind, for n = 4, 8 and 13.


# %%
def measure(n: int) -> dict:
    d = Decontaminator(n=n)
    d.add("toy-bench", bench_texts)
    kept, report = decontaminate(train, d, ["problem"])
    flagged = {f["row"] for f in report["flagged"]}
    by_kind = {}
    for kind in ["verbatim", "embedded", "reformatted", "paraphrase", "renumbered", "clean"]:
        rows = [i for i, r in enumerate(train) if r["kind"] == kind]
        by_kind[kind] = sum(i in flagged for i in rows) / len(rows)
    true_positive = sum(train[i]["kind"] in CONTAMINATED for i in flagged)
    leaks = sum(r["kind"] in CONTAMINATED for r in train)
    return {
        "n": n,
        "flagged": len(flagged),
        "precision": true_positive / max(len(flagged), 1),
        "recall": true_positive / leaks,
        **by_kind,
    }


results = [measure(n) for n in (4, 8, 13)]
print(f"{'n':>3} {'flagged':>7} {'prec':>5} {'recall':>6} | " + " ".join(f"{k[:9]:>9}" for k in list(results[0])[4:]))
for r in results:
    shares = " ".join(f"{r[k]:9.0%}" for k in list(r)[4:])
    print(f"{r['n']:>3} {r['flagged']:>7} {r['precision']:5.2f} {r['recall']:6.2f} | {shares}")

# %% [markdown]
# Read the table row by row (every figure is printed above by this run):
#
# - **Verbatim, embedded and reformatted** leaks are caught at every n: normalisation undoes the re-casing and
#   re-spacing, and an embedded copy still contains whole windows of the original.
# - **Paraphrases** are what n-grams miss: 0 % at every n, which caps recall at 75 % (a quarter of our leaks are
#   paraphrases). No choice of n fixes that; it needs a semantic check.
# - **Clean** rows that share a stock phrase with a benchmark ("what is the largest of these integers", "if every
#   student plays at least one") are flagged at n = 4 — 40 % of the clean set thrown away — and spared from n = 8
#   up, where a window must also cover the words around the phrase. That is the reason for 8.
# - **Renumbered** rows — a new problem in the benchmark's words — are flagged by any window that avoids the
#   numbers; longer windows spare more of them. Whether dropping them is a loss is a policy question: it is not the
#   benchmark's problem, but it is its template. (They count as clean in the precision above.)
#
# ## Deep dive: the same thing from the command line
#
# `open-r1 data decontaminate` takes any local file or hub dataset as a benchmark (`ID:COLUMN`), or a preset name
# (`aime24`, `aime25`, `math500`, `gpqa`, `lcb`; those need the hub or a local HF cache). It writes the kept rows
# and a report that names, for each dropped row, the benchmark row and the n-gram that matched — the evidence you
# need when someone asks why their data shrank.

# %%
work = Path(tempfile.mkdtemp(prefix="decon-"))
(work / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train))
(work / "bench.jsonl").write_text("".join(json.dumps({"problem": t}) + "\n" for t in bench_texts))
cmd = [
    sys.executable, "-m", "open_r1", "data", "decontaminate",
    "--dataset", str(work / "train.jsonl"),
    "--benchmark", f"{work / 'bench.jsonl'}:problem", "--benchmark-split", "train",
    "--ngram", "8", "--output", str(work / "clean.jsonl"),
]  # fmt: skip
proc = subprocess.run(cmd, capture_output=True, text=True)
assert proc.returncode == 0, proc.stderr
report = json.loads((work / "clean.report.json").read_text())
print({key: report[key] for key in ("ngram", "rows", "kept", "contaminated")})
first = report["flagged"][0]
print(json.dumps(first))
print("benchmark row it matched:", bench_texts[first["benchmark_row"]])

# %% [markdown]
# ## Pitfalls and debugging
#
# - **Decontaminate the text the model trains on.** Checking only `problem` misses a benchmark answer pasted into
#   the assistant turn; `--column messages` checks the user turns of a chat column, repeat `--column` for more.
# - **Symbols matter in math.** A decontaminator that strips punctuation makes "4 - 5" and "4 + 5" the same
#   problem; ours keeps symbols, so it does not.
# - **Short benchmark problems** (a nano problem is 4–6 tokens) have no 8-gram: they are indexed whole, and a
#   training row must contain them *verbatim*, final period included ("Compute 12 + 3." does not match
#   "Compute 12 + 3 - 4.").
# - **Offline presets.** `--benchmark aime24` loads a hub dataset; on an offline machine it must be in the local
#   HF cache, or pass a local copy as `FILE:COLUMN`.
# - **Report first, delete later.** Read `report.json` before trusting the filtered file: a benchmark whose boiler
#   plate matches thousands of rows shows up as one benchmark row with a huge count.
#
# ## Exercises
#
# **Exercise 1.** Which n gives the best F1 (harmonic mean of precision and recall) on this planted set? Compute it
# from `results` into `best_n`.

# %% tags=["solution"]
f1 = {r["n"]: 2 * r["precision"] * r["recall"] / (r["precision"] + r["recall"]) for r in results}
best_n = max(f1, key=f1.get)
print({n: round(v, 3) for n, v in f1.items()}, "best:", best_n)

# %% tags=["check"]
assert best_n in (4, 8, 13)
assert f1[best_n] == max(f1.values()) and f1[best_n] > min(f1.values()), f1
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** A contaminated row that the index must catch: write `leak`, a training prompt that contains
# benchmark problem 5 but changes its case and wraps it in other text, and confirm `decon` (n = 8) flags it and
# names benchmark row 5. Then write `miss`, a paraphrase of the same problem that `decon` does not flag.

# %% tags=["solution"]
leak = "Homework 3. " + bench_texts[5].upper() + " Show all work."
numbers = benchmark[5][0]
miss = PARAPHRASES[5 % 4].format(**numbers)
print(decon.check(leak), decon.check(miss))

# %% tags=["check"]
hit = decon.check(leak)
assert hit is not None and hit.benchmark_row == 5, hit
assert leak.lower() != bench_texts[5].lower()  # not a plain copy
assert decon.check(miss) is None and miss != bench_texts[5]
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** How many 8-grams does the first benchmark problem contribute, and why is it fewer than its
# number of tokens? Count them with `ngrams(tokens(...), 8)` into `count`.

# %% tags=["solution"]
toks = tokens(bench_texts[0])
count = len(ngrams(toks, 8))
print(len(toks), "tokens →", count, "8-grams (a window needs 8 words; symbols ride along, they do not count)")

# %% tags=["check"]
assert 0 < count < len(toks), (count, len(toks))
assert count <= n_words(toks) - 7  # at most one window per starting word that has 7 words after it
print("exercise 3: ok")
