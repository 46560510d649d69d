"""Competitive programming: IOI subtask scoring, Codeforces scoring, code patching, the ioi-eval report.

WHAT
    ==================  =============================================================================
    execution.py        compile once (content-hash cache), run many: local sandbox or any provider
    checkers.py         exact / tokens / float / yesno / problem-supplied Python checkers
    patcher.py          named fixes for Python 2 idioms and missing C++ headers in model code
    ioi.py              IOI problems (Batch / Communication, graders), `IOIJudge`, best-of-N
    codeforces.py       Codeforces problems (official + generated tests), `CodeforcesJudge`
    rewards.py          GRPO rewards `ioi_code` and `cf_code` (the registry's backends)
    report.py           ioi-eval lab report: Markdown + JSON + PNG, written atomically
    problemset.py       the bundled problem set and its expected results
    cli.py              `open-r1 competitive score | report | verify | patch`
    ==================  =============================================================================

WHY
    DeepSeek-R1 (arXiv 2501.12948 §3) reports competitive programming (Codeforces ratings, IOI-style olympiad
    problems) by executing model code against official tests; open-r1's OlympicCoder work trains with execution
    rewards and evaluates on IOI 2024 with the IOI subtask rules. This package is that judge, small enough to
    read, exact about the rules, and fast because each submission compiles once.

HOW
    A lab calls, after generating N solutions per problem::

        from open_r1.competitive.report import evaluate
        evaluate("labs/ioi-eval/problems", "generations.jsonl", "runs/ioi-eval/report")

    which loads the problems, judges every generation (`IOIJudge` on a `LocalExecutor`) and writes the report.

DATA FLOW
    problems folder + generated code -> patcher -> execution (sandbox) -> checkers -> ioi / codeforces scores ->
    report (lab) or rewards (GRPO).
"""

from __future__ import annotations

__all__ = ["codeforces", "execution", "ioi", "patcher", "report", "rewards"]
