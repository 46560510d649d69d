"""The ioi-eval report: score generated submissions with the IOI rules and write Markdown, JSON and a plot.

WHAT
    * `Generation(problem_id, code, sample, meta)` -- one generated submission (`code` None: the completion had
      no ```cpp block); `load_generations(path)` reads JSONL rows `{"problem_id", "code" | "completion", ...}`.
    * `score_generations(problems, generations, judge, on_result=None) -> [ProblemReport]` -- every submission
      judged (in parallel, one compile each), grouped per problem, with best-of-N and pass rates.
    * `write_report(reports, out_dir, title=..., meta=...) -> Path` -- writes, atomically, the folder:
        report.md               summary table, per-problem subtask tables, the plot
        report.json             everything, machine-readable (schema below)
        score_distribution.png  per-submission scores per problem (dots), best-of-N (diamond)
    * `evaluate(problems_dir, generations, out_dir, provider="local", ...) -> dict` -- the three steps above; this
      is what the lab runner calls after generation.

WHY
    The ioi-eval lab reproduces the evaluation behind DeepSeek-R1's competitive-programming results (arXiv
    2501.12948 §3) and open-r1's OlympicCoder IOI 2024 numbers: N samples per problem, each scored with the IOI
    rules, the problem score being each subtask's best over the N submissions (IOI's rule for a contestant's
    submissions). The mean per-submission score and the share of full scores (pass@1-like rates) are reported
    beside best-of-N because they move earlier during training. The JSON is the contract for other tools (run
    cards, dashboards); the Markdown is for people. A report is replaced whole or not at all: a crash halfway
    through writing never leaves a folder mixing two runs.

HOW
    Per problem: best_of_n = sum_k max_i score_{i,k} (`ioi.best_of`); mean = mean_i score_i;
    full_score_rate = share of submissions with score = max; nonzero_rate = share with score > 0; per subtask
    pass_rate = share of submissions with the subtask's full points. Totals sum over problems. Judge failures
    (IE) are counted and left out of the rates. Atomic write: everything goes into a sibling temporary folder
    that is renamed over `out_dir` (the old one is renamed away first, then deleted).

    report.json: {"title", "created", "meta", "judge": {...}, "totals": {"problems", "submissions", "best_of_n",
    "max_points", "mean_points", "full_score_rate"}, "problems": [{"id", "name", "max_score", "submissions",
    "judge_errors", "best_of_n": {"score", "subtasks": [{"name", "points", "best", "best_submission"}]},
    "mean_score", "full_score_rate", "nonzero_rate", "compile_error_rate", "no_code", "statuses": {status: n},
    "subtasks": [{"name", "points", "pass_rate", "mean", "statuses"}], "submissions": [{"sample", "meta",
    ...IOIResult}]}]}

DATA FLOW
    lab runner (generation with the model) -> generations JSONL -> `evaluate` -> `IOIJudge` (sandbox) ->
    `ProblemReport`s -> `write_report` -> report folder -> run card / docs; `open-r1 competitive report` is the
    same path from the command line.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from open_r1.competitive.execution import CPP_COMMAND
from open_r1.competitive.ioi import (
    BestOf,
    IOIJudge,
    IOIProblem,
    IOIResult,
    SubtaskOutcome,
    TestOutcome,
    best_of,
    extract_cpp,
    load_problems,
)
from open_r1.core.errors import ConfigError

REPORT_FILES = ("report.md", "report.json", "score_distribution.png")


@dataclass
class Generation:
    """One model submission for a problem: the extracted code (None when the completion held no code block), its sample
    index and whatever else the generations file carried (kept as `meta`).
    """
    problem_id: str
    code: str | None
    sample: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def load_generations(path: str | Path) -> list[Generation]:
    """Read JSONL: `problem_id` (or `id`), and `code` or `completion` (text or chat messages, the last ```cpp
    block is taken); `sample` optional (defaults to the row's index within its problem); other keys -> meta."""
    from open_r1.sandbox.rewards import completion_text

    path = Path(path)
    rows: list[Generation] = []
    counts: Counter[str] = Counter()
    with path.open() as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ConfigError(f"line {line_no} is not JSON: {err}", file=str(path)) from None
            problem_id = row.get("problem_id", row.get("id"))
            if problem_id is None:
                raise ConfigError(f"line {line_no} has no problem_id", file=str(path), key="problem_id")
            if "code" in row:
                code = row["code"]
            elif "completion" in row:
                code = extract_cpp(completion_text(row["completion"]))
            else:
                raise ConfigError(f"line {line_no} has neither code nor completion", file=str(path))
            problem_id = str(problem_id)
            sample = int(row.get("sample", counts[problem_id]))
            counts[problem_id] += 1
            meta = {k: v for k, v in row.items() if k not in ("problem_id", "id", "code", "completion", "sample")}
            rows.append(Generation(problem_id, code, sample, meta))
    return rows


def no_code_result(problem: IOIProblem) -> IOIResult:
    """The result of a completion without a code block: 0 points, CE everywhere (nothing to compile)."""
    subtasks = [
        SubtaskOutcome(s.name, s.points, 0.0, "CE", [TestOutcome(t, "CE", feedback="no code") for t in s.tests])
        for s in problem.subtasks
    ]
    return IOIResult(problem.id, 0.0, problem.total_points, subtasks, "no ```cpp code block in the completion")


@dataclass
class ProblemReport:
    """A problem's submissions and their IOI results: the judged ones, the best per subtask, rates and scores, as the
    report's tables show them.
    """
    problem: IOIProblem
    generations: list[Generation]
    results: list[IOIResult]

    @property
    def judged(self) -> list[IOIResult]:
        return [r for r in self.results if r.score is not None]

    @property
    def best(self) -> BestOf:
        return best_of(self.results)

    def rate(self, predicate: Callable[[IOIResult], bool]) -> float:
        """The share of judged submissions (judge errors excluded) that satisfy `predicate`, e.g. compiled or scored
        full points; 0.0 when none was judged.
        """
        judged = self.judged
        return sum(map(predicate, judged)) / len(judged) if judged else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The problem's part of report.json: points, per-subtask best and pass rates, the best-of-N score (each
        subtask's best submission, IOI rules), mean score and judge-error counts.
        """
        problem, judged, best = self.problem, self.judged, self.best
        scores = [r.score for r in judged]
        subtasks = []
        for k, subtask in enumerate(problem.subtasks):
            outcomes = [r.subtasks[k] for r in judged if len(r.subtasks) > k]
            subtasks.append(
                {
                    "name": subtask.name,
                    "points": subtask.points,
                    "pass_rate": (sum(o.score >= subtask.points for o in outcomes) / len(outcomes))
                    if outcomes
                    else 0.0,
                    "mean": (sum(o.score for o in outcomes) / len(outcomes)) if outcomes else 0.0,
                    "statuses": dict(Counter(o.status for o in outcomes).most_common()),
                }
            )
        return {
            "id": problem.id,
            "name": problem.name,
            "task_type": problem.task_type,
            "max_score": problem.total_points,
            "submissions": len(self.results),
            "judge_errors": len(self.results) - len(judged),
            "best_of_n": {
                "score": best.score,
                "subtasks": [
                    {
                        "name": s.name,
                        "points": s.points,
                        "best": best.subtask_scores[k] if best.subtask_scores else 0.0,
                        "best_submission": self.generations[best.best_index[k]].sample
                        if best.best_index and best.best_index[k] is not None
                        else None,
                    }
                    for k, s in enumerate(problem.subtasks)
                ],
            },
            "mean_score": (sum(scores) / len(scores)) if scores else 0.0,
            "full_score_rate": self.rate(lambda r: r.score >= r.max_score),
            "nonzero_rate": self.rate(lambda r: r.score > 0),
            "compile_error_rate": self.rate(lambda r: r.status == "CE"),
            "no_code": sum(g.code is None for g in self.generations),
            "statuses": dict(Counter(r.status for r in self.results).most_common()),
            "subtasks": subtasks,
            "submissions_detail": [
                {"sample": g.sample, "meta": g.meta, **r.to_dict()}
                for g, r in zip(self.generations, self.results, strict=True)
            ],
        }


def score_generations(
    problems: dict[str, IOIProblem],
    generations: Sequence[Generation],
    judge: IOIJudge,
    on_result: Callable[[int, IOIResult], None] | None = None,
) -> list[ProblemReport]:
    """Judge every generation against its problem (unknown problem ids are an error, named with the known ones);
    return one `ProblemReport` per problem that has generations, in problem-id order."""
    unknown = sorted({g.problem_id for g in generations} - set(problems))
    if unknown:
        raise ConfigError(
            f"generations for unknown problems {unknown}; known: {sorted(problems)}",
            fix="check problem_id in the generations file, or the problems folder",
        )
    todo = [(i, g) for i, g in enumerate(generations) if g.code is not None]
    results: list[IOIResult | None] = [None] * len(generations)
    for i, g in enumerate(generations):
        if g.code is None:
            results[i] = no_code_result(problems[g.problem_id])
            if on_result is not None:
                on_result(i, results[i])

    def done(k: int, result: IOIResult) -> None:
        results[todo[k][0]] = result
        if on_result is not None:
            on_result(todo[k][0], result)

    judge.score_batch([(problems[g.problem_id], g.code or "") for _, g in todo], on_result=done)
    reports = []
    for problem_id in sorted({g.problem_id for g in generations}):
        indices = [i for i, g in enumerate(generations) if g.problem_id == problem_id]
        reports.append(
            ProblemReport(problems[problem_id], [generations[i] for i in indices], [results[i] for i in indices])
        )  # type: ignore[misc]
    return reports


# ---------------------------------------------------------------------------------------------------------------
# Writing


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _statuses(counts: dict[str, int]) -> str:
    return " ".join(f"{k}×{v}" for k, v in counts.items())


def report_dict(
    reports: Sequence[ProblemReport],
    *,
    title: str,
    meta: dict[str, Any] | None = None,
    judge: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole report as data (report.json): every problem's part, totals over the set (submissions, judged,
    best-of-N points) and the run's metadata and judge settings.
    """
    problems = [r.to_dict() for r in reports]
    submissions = sum(p["submissions"] for p in problems)
    judged = sum(p["submissions"] - p["judge_errors"] for p in problems)
    full = sum(p["full_score_rate"] * (p["submissions"] - p["judge_errors"]) for p in problems)
    return {
        "title": title,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "meta": meta or {},
        "judge": judge or {},
        "totals": {
            "problems": len(problems),
            "submissions": submissions,
            "best_of_n": sum(p["best_of_n"]["score"] for p in problems),
            "max_points": sum(p["max_score"] for p in problems),
            "mean_points": sum(p["mean_score"] for p in problems),
            "full_score_rate": full / judged if judged else 0.0,
            "judge_errors": sum(p["judge_errors"] for p in problems),
        },
        "problems": problems,
    }


def render_markdown(data: dict[str, Any], plot: str | None) -> str:
    """The report as Markdown (report.md): the scoring rule, the judge, a totals table, one table per problem with its
    subtasks, and the plot when one was drawn.
    """
    totals = data["totals"]
    lines = [f"# {data['title']}", ""]
    lines.append(
        f"Generated {data['created']}. Scored with the IOI rules: a subtask is worth its points times the "
        "minimum score of its tests; a problem's best-of-N keeps each subtask's best submission."
    )
    judge = data.get("judge") or {}
    if judge:
        lines += ["", "Judge: " + ", ".join(f"{k} `{v}`" for k, v in judge.items()) + "."]
    if data.get("meta"):
        lines += ["", "Run: " + ", ".join(f"{k} `{v}`" for k, v in data["meta"].items()) + "."]
    lines += [
        "",
        f"**Total (best of N): {_fmt(totals['best_of_n'])} / {_fmt(totals['max_points'])}** -- mean per submission "
        f"{_fmt(totals['mean_points'])}, full scores {_pct(totals['full_score_rate'])} of "
        f"{totals['submissions']} submissions"
        + (f", {totals['judge_errors']} judge errors (not scored)" if totals["judge_errors"] else "")
        + ".",
        "",
        "| problem | type | N | best of N | max | mean | full score | score > 0 | compile errors | statuses |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for p in data["problems"]:
        lines.append(
            f"| {p['name']} (`{p['id']}`) | {p['task_type']} | {p['submissions']} | {_fmt(p['best_of_n']['score'])}"
            f" | {_fmt(p['max_score'])} | {_fmt(p['mean_score'])} | {_pct(p['full_score_rate'])} | "
            f"{_pct(p['nonzero_rate'])} | {_pct(p['compile_error_rate'])} | {_statuses(p['statuses'])} |"
        )
    if plot:
        lines += ["", "## Score distribution", "", f"![per-submission scores per problem]({plot})"]
    for p in data["problems"]:
        lines += [
            "",
            f"## {p['name']} (`{p['id']}`)",
            "",
            "| subtask | points | best of N | best submission | full points | mean | statuses |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for best, sub in zip(p["best_of_n"]["subtasks"], p["subtasks"], strict=True):
            where = "-" if best["best_submission"] is None else f"#{best['best_submission']}"
            lines.append(
                f"| {sub['name']} | {_fmt(sub['points'])} | {_fmt(best['best'])} | {where} | "
                f"{_pct(sub['pass_rate'])} | {_fmt(sub['mean'])} | {_statuses(sub['statuses'])} |"
            )
        lines += ["", "| submission | score | status | subtasks | patches |", "|---:|---:|---|---|---|"]
        for s in p["submissions_detail"]:
            score = "IE" if s["score"] is None else _fmt(s["score"])
            subs = " ".join(f"{_fmt(t['score'])}/{_fmt(t['points'])}" for t in s["subtasks"])
            lines.append(f"| #{s['sample']} | {score} | {s['status']} | {subs} | {', '.join(s['patches']) or '-'} |")
    return "\n".join(lines) + "\n"


def plot_scores(data: dict[str, Any], path: Path) -> bool:
    """Per-submission scores (dots, % of the problem's points) and best-of-N (diamonds), one row per problem.
    Returns False when matplotlib is not installed (the report then says so instead of embedding a plot)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    problems = data["problems"]
    fig, ax = plt.subplots(figsize=(8, 1.0 + 0.55 * max(1, len(problems))))
    for row, p in enumerate(problems):
        scores = [100 * s["score"] / p["max_score"] for s in p["submissions_detail"] if s["score"] is not None]
        counts = Counter(round(s, 6) for s in scores)
        seen: Counter[float] = Counter()
        xs, ys = [], []
        for s in scores:  # stack equal scores vertically so every submission stays visible
            key = round(s, 6)
            offset = (seen[key] - (counts[key] - 1) / 2) * (0.5 / max(1, max(counts.values())))
            seen[key] += 1
            xs.append(s)
            ys.append(row + offset)
        ax.scatter(xs, ys, s=14, alpha=0.6, color="tab:blue", label="submission" if row == 0 else None)
        ax.scatter(
            [100 * p["best_of_n"]["score"] / p["max_score"]],
            [row],
            marker="D",
            s=60,
            facecolors="none",  # hollow, so submissions at the same score stay visible
            edgecolors="tab:red",
            linewidths=1.5,
            label="best of N" if row == 0 else None,
        )
    ax.set_yticks(range(len(problems)), [p["id"] for p in problems])
    ax.set_xlim(-5, 105)
    ax.set_ylim(-0.7, len(problems) - 0.3)
    ax.invert_yaxis()
    ax.set_xlabel("score (% of the problem's points)")
    ax.set_title(data["title"])
    ax.grid(axis="x", alpha=0.3)
    # below the axes: inside, it would hide the points at 100%
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small", frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return True


def write_report(
    reports: Sequence[ProblemReport],
    out_dir: str | Path,
    *,
    title: str = "IOI evaluation",
    meta: dict[str, Any] | None = None,
    judge: dict[str, Any] | None = None,
) -> Path:
    """Write report.md, report.json and score_distribution.png into `out_dir`, atomically (see HOW)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    data = report_dict(reports, title=title, meta=meta, judge=judge)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        has_plot = plot_scores(data, tmp / "score_distribution.png")
        data["plot"] = "score_distribution.png" if has_plot else None
        markdown = render_markdown(data, data["plot"])
        if not has_plot:
            markdown += "\n(No plot: matplotlib is not installed; `pip install matplotlib`.)\n"
        (tmp / "report.md").write_text(markdown)
        (tmp / "report.json").write_text(json.dumps(data, indent=2) + "\n")
        os.chmod(tmp, 0o755)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{time.monotonic_ns()}")
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def evaluate(
    problems_dir: str | Path,
    generations: str | Path | Iterable[Generation],
    out_dir: str | Path,
    *,
    provider: str = "local",
    workers: int | None = None,
    judge: IOIJudge | None = None,
    title: str = "IOI evaluation",
    meta: dict[str, Any] | None = None,
    on_result: Callable[[int, IOIResult], None] | None = None,
) -> dict[str, Any]:
    """Score generations (a JSONL path or `Generation`s) against the problems under `problems_dir` and write the
    report folder. Returns the report's dict (as in report.json)."""
    from open_r1.competitive.execution import make_executor

    problems = load_problems(problems_dir)
    rows = load_generations(generations) if isinstance(generations, str | Path) else list(generations)
    own = judge is None
    judge = judge or IOIJudge(make_executor(provider, workers=workers))
    try:
        reports = score_generations(problems, rows, judge, on_result=on_result)
        info = {
            "provider": judge.executor.name,
            "compile": CPP_COMMAND,
            "test_batch_size": judge.test_batch_size,
            "early_stop": judge.early_stop,
            "patch": judge.patch,
        }
        path = write_report(reports, out_dir, title=title, meta=meta, judge=info)
    finally:
        if own:
            judge.executor.close()
    return json.loads((path / "report.json").read_text())


__all__ = [
    "REPORT_FILES",
    "Generation",
    "ProblemReport",
    "evaluate",
    "load_generations",
    "no_code_result",
    "render_markdown",
    "report_dict",
    "score_generations",
    "write_report",
]
