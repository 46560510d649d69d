"""`python -m open_r1` is the same as the `open-r1` command.

WHAT: the module entry point. WHY: inside images, SLURM jobs and accelerate launches the interpreter is known but
the console script may not be on PATH (`python -m accelerate.commands.launch -m open_r1 train grpo …`).
HOW: delegates to `open_r1.cli.main`. DATA FLOW: argv → `cli.main` → exit status.
"""

from open_r1.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
