"""`open-r1 data decontaminate | pass-rate`: clean a training set of benchmark leaks, keep problems of useful difficulty.

WHAT
    decontaminate: `Decontaminator(benchmarks, n).check(text)` finds the benchmark rows a training text shares a
    normalised n-gram with (8-grams by default); `decontaminate(rows, ...)` returns (kept rows, report). The command
    writes the filtered dataset (jsonl) and a JSON report (counts per benchmark, every flagged row with the n-gram
    that matched and the benchmark row it came from).
    pass-rate: `pass_rates(generation_rows, reward, k)` scores k samples per problem with a reward from the registry
    (`open_r1.rewards`), and `filter_by_pass_rate` keeps problems whose pass rate lies in [lo, hi]. The command can
    read samples that `open-r1 generate` wrote, or generate them itself first (same resumable file).

WHY
    A benchmark score means nothing if the benchmark's problems were in the training data. DeepSeek-R1 (arXiv
    2501.12948 §2.3.3 / §3) decontaminates its SFT data, and open-r1 decontaminates Mixture-of-Thoughts against AIME,
    MATH-500, GPQA and LiveCodeBench with 8-gram overlap — short enough to catch a problem pasted into a longer
    prompt, long enough that shared phrasing ("find the value of") does not flag clean rows. Normalisation
    (Unicode NFKC, lower case, whitespace-insensitive tokens) defeats trivial reformatting. Unlike prose
    decontaminators we keep symbols as tokens: in math "4 - 5" and "4 + 5" are different problems, and stripping
    punctuation would make them collide (false positives that cost clean data).
    Pass-rate filtering is open-r1's recipe for GRPO data (and R1's rejection-sampling spirit, §2.3.3): problems a
    model always solves (pass rate 1) or never solves (0) give GRPO zero advantage for every sample of the group —
    no gradient — so keeping pass rates in [0.2, 0.8] spends compute only where learning happens.

HOW
    tokens(text) = regex `[^\\W_]+|[^\\w\\s]` over NFKC(lower(text)): runs of letters/digits, and each other symbol.
    An n-gram is a span of n *words* with the symbols between them (symbols distinguish problems but do not count
    toward n, so "$x^2$" does not shrink a window to half a phrase). A benchmark text of ≥ n words contributes its
    n-grams; a shorter one contributes its whole token sequence (so a
    short problem, e.g. an AIME one-liner or a nano problem, is still caught when it appears verbatim, trailing
    punctuation included — which keeps "Compute 12 + 3." from matching "Compute 12 + 3 - 4."). A training text is
    contaminated iff any of its n-grams (or, for each short-benchmark length L, any of its L-grams) is in the index.
    pass rate of a problem = (samples with reward ≥ threshold) / k over its first k samples; None rewards (gold
    unparseable) make the problem unscorable: it is dropped and counted, never silently kept.

DATA FLOW
    datasets (hub, local, nano://) via open_r1.data.load_one → here → filtered jsonl + report.json → `train sft` /
    `train grpo` recipes (dataset_name: the filtered file). pass-rate: dataset → open_r1.eval.generate (OpenAI-compatible
    server, vLLM in the images) → samples jsonl → open_r1.rewards → kept jsonl.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from open_r1.core.errors import ConfigError

_TOKEN = re.compile(r"[^\W_]+|[^\w\s]")
_WORD = re.compile(r"[^\W_]+")

# The benchmarks open-r1 decontaminates against, as (hub id, config, split, text column). Names are shorthands for
# `--benchmark`; any local file or hub id works as well.
BENCHMARK_PRESETS: dict[str, tuple[str, str | None, str, str]] = {
    "aime24": ("HuggingFaceH4/aime_2024", None, "train", "problem"),
    "aime25": ("yentinglin/aime_2025", None, "train", "problem"),
    "math500": ("HuggingFaceH4/MATH-500", None, "test", "problem"),
    "gpqa": ("Idavidrein/gpqa", "gpqa_diamond", "train", "Question"),
    "lcb": ("livecodebench/code_generation_lite", None, "test", "question_content"),
}


def tokens(text: str) -> list[str]:
    """Normalised tokens: NFKC, lower case, words/numbers as runs, every other symbol on its own.

    >>> tokens("Compute  4 - 5 − 3.")
    ['compute', '4', '-', '5', '−', '3', '.']
    >>> tokens("What is $\\\\frac{1}{2}$?")[:5]
    ['what', 'is', '$', '\\\\', 'frac']
    """
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def ngrams(toks: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Spans of n *words* (with the symbols between them): n counts words, so "$x^2$" does not eat a window.

    Each distinct span once, in the order it first appears in the text: `Decontaminator.check` reports the first
    overlap in reading order, the same on every run (a set's order would change with Python's string hash seed).

    >>> sorted(ngrams(tokens("x - 1 = y + 2"), 3))
    [('1', '=', 'y', '+', '2'), ('x', '-', '1', '=', 'y')]
    """
    words = [i for i, tok in enumerate(toks) if _WORD.fullmatch(tok)]
    return list(dict.fromkeys(tuple(toks[words[j] : words[j + n - 1] + 1]) for j in range(len(words) - n + 1)))


def n_words(toks: Sequence[str]) -> int:
    """How many of the tokens are words (runs of letters or digits), the unit an n-gram's n counts; a benchmark text
    with fewer than n of them is indexed whole instead.
    """
    return sum(1 for tok in toks if _WORD.fullmatch(tok))


def row_text(row: dict[str, Any], column: str) -> str:
    """The text to check: a string column, or the user turns of a conversation column (e.g. `messages`)."""
    value = row.get(column)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(m.get("content", "") for m in value if isinstance(m, dict) and m.get("role") == "user")
    return "" if value is None else str(value)


@dataclass
class Hit:
    """Why a training text was flagged: the benchmark and the row index of the benchmark text it overlaps, and the
    shared n-gram as text; the report lists one per contaminated row.
    """

    benchmark: str
    benchmark_row: int
    ngram: str


@dataclass
class Decontaminator:
    """An index of benchmark n-grams; `check(text)` returns the first benchmark row the text overlaps with."""

    n: int = 8
    index: dict[tuple[str, ...], tuple[str, int]] = field(default_factory=dict)
    short: dict[int, dict[tuple[str, ...], tuple[str, int]]] = field(default_factory=lambda: defaultdict(dict))
    sizes: Counter = field(default_factory=Counter)

    def add(self, name: str, texts: Iterable[str]) -> None:
        """Index one benchmark's texts under `name`: every n-gram of a text with at least n words, the whole token
        sequence of a shorter one, remembering the first benchmark row each came from and counting the texts.
        """
        for i, text in enumerate(texts):
            toks = tokens(text)
            if not toks:
                continue
            self.sizes[name] += 1
            if n_words(toks) < self.n:
                self.short[len(toks)].setdefault(tuple(toks), (name, i))
            else:
                for gram in ngrams(toks, self.n):
                    self.index.setdefault(gram, (name, i))

    def check(self, text: str) -> Hit | None:
        """The first benchmark overlap in `text` as a Hit (a shared n-gram, or a short benchmark text appearing
        verbatim), or None when the text is clean.
        """
        toks = tokens(text)
        if self.index:
            for gram in ngrams(toks, self.n):
                ref = self.index.get(gram)
                if ref is not None:
                    return Hit(ref[0], ref[1], " ".join(gram))
        for length, table in self.short.items():
            for i in range(len(toks) - length + 1):
                ref = table.get(tuple(toks[i : i + length]))
                if ref is not None:
                    return Hit(ref[0], ref[1], " ".join(toks[i : i + length]))
        return None


def decontaminate(
    rows: Sequence[dict[str, Any]], decon: Decontaminator, columns: Sequence[str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(rows with no overlap, report). A row is contaminated if any of `columns` overlaps a benchmark."""
    kept: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        hit = None
        for column in columns:
            hit = decon.check(row_text(row, column))
            if hit is not None:
                flagged.append(
                    {
                        "row": i,
                        "column": column,
                        "benchmark": hit.benchmark,
                        "benchmark_row": hit.benchmark_row,
                        "ngram": hit.ngram,
                    }
                )
                break
        if hit is None:
            kept.append(row)
    report = {
        "ngram": decon.n,
        "rows": len(rows),
        "kept": len(kept),
        "contaminated": len(flagged),
        "benchmarks": dict(decon.sizes),
        "by_benchmark": dict(Counter(f["benchmark"] for f in flagged)),
        "flagged": flagged,
    }
    return kept, report


# ----------------------------------------------------------------------------------------------------------------
# Pass-rate filtering

GENERATION_FIELDS = ("messages", "generation", "finish_reason", "sample", "usage", "model", "prompt_hash")


def group_generations(lines: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Group the sample lines `open-r1 generate` wrote by their source row, each group sorted by sample number, so
    `pass_rates` scores the first k samples of every problem.
    """
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        groups[int(line["row"])].append(line)
    for samples in groups.values():
        samples.sort(key=lambda s: s["sample"])
    return dict(groups)


def pass_rates(
    groups: dict[int, list[dict[str, Any]]], reward: Any, k: int, threshold: float = 1.0
) -> dict[int, dict[str, Any]]:
    """Per problem: {"row": source row (generation fields removed), "k", "correct", "pass_rate"} or "unscorable"."""
    out: dict[int, dict[str, Any]] = {}
    short = {row: len(s) for row, s in groups.items() if len(s) < k}
    if short:
        first = sorted(short.items())[:5]
        raise ConfigError(
            f"{len(short)} problem(s) have fewer than k={k} samples (row: count {first})",
            key="--k",
            fix="rerun `open-r1 generate` with --n >= k (it resumes), or lower --k.",
        )
    for row_id, samples in sorted(groups.items()):
        samples = samples[:k]
        source = {key: v for key, v in samples[0].items() if key not in GENERATION_FIELDS}
        columns = {key: [s.get(key) for s in samples] for key in source}
        scores = reward([s["generation"] for s in samples], **columns)
        if any(score is None for score in scores):
            out[row_id] = {"row": source, "k": k, "unscorable": True}
            continue
        correct = sum(score >= threshold for score in scores)
        out[row_id] = {"row": source, "k": k, "correct": correct, "pass_rate": correct / k}
    return out


def filter_by_pass_rate(
    rates: dict[int, dict[str, Any]], lo: float, hi: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Keep the problems whose pass rate lies in [lo, hi] (each row gains its pass_rate and k), skipping unscorable
    ones, and return them with a report: counts, the range and a pass-rate histogram.
    """
    kept, histogram, unscorable = [], Counter(), 0
    for info in rates.values():
        if info.get("unscorable"):
            unscorable += 1
            continue
        rate = info["pass_rate"]
        histogram[f"{rate:.3f}"] += 1
        if lo <= rate <= hi:
            kept.append({**info["row"], "pass_rate": rate, "pass_k": info["k"]})
    report = {
        "problems": len(rates),
        "kept": len(kept),
        "unscorable": unscorable,
        "range": [lo, hi],
        "pass_rate_histogram": dict(sorted(histogram.items())),
    }
    return kept, report


# ----------------------------------------------------------------------------------------------------------------
# Files and CLI


def load_rows(dataset: str, config: str | None, split: str) -> list[dict[str, Any]]:
    """A dataset split (hub id, local file or nano://) as a list of plain dicts, through open_r1.data.load_one, for the
    decontamination and pass-rate commands.
    """
    from open_r1.data import load_one

    return [dict(r) for r in load_one(dataset, config, split, file="command line")]


def split_spec(spec: str) -> tuple[str, str | None]:
    """`ID:COLUMN` → (ID, COLUMN); `nano://math/heldout` and paths without a column → (spec, None).

    >>> split_spec("nano://math/heldout:problem"), split_spec("nano://math/heldout")
    (('nano://math/heldout', 'problem'), ('nano://math/heldout', None))
    """
    head, sep, tail = spec.rpartition(":")
    if sep and head and "/" not in tail and not Path(spec).exists():
        return head, tail
    return spec, None


def benchmark_texts(spec: str, split: str, column: str) -> tuple[str, list[str]]:
    """A preset name, or a hub id / local file / nano:// id with an optional `:COLUMN`."""
    if spec in BENCHMARK_PRESETS:
        hub_id, config, preset_split, preset_column = BENCHMARK_PRESETS[spec]
        rows = load_rows(hub_id, config, preset_split)
        return spec, [row_text(r, preset_column) for r in rows]
    dataset, col = split_spec(spec)
    column = col or column
    rows = load_rows(dataset, None, split)
    if rows and column not in rows[0]:
        raise ConfigError(
            f"benchmark '{dataset}' has no column '{column}' (columns: {sorted(rows[0])})",
            key="--benchmark",
            fix="write it as ID:COLUMN.",
        )
    return dataset, [row_text(r, column) for r in rows]
