"""`open-r1 recipe import`: turn a recipe written for huggingface/open-r1 into this project's recipe.

WHAT: reads an open-r1 YAML recipe, writes the mapped recipe (stdout, or `--output FILE`) and the key-by-key report
    (stderr: kept, mapped → target, dropped and why). `--kind grpo|sft` overrides the guess from the keys.
WHY: migrating users own open-r1 recipes; `open-r1 train` reads them directly with one warning per mapped key, and
    this command writes the translation once so the warnings go away and the differences are reviewable.
HOW: open_r1.core.openr1_recipes.map_open_r1_recipe does the mapping; the written keys are checked against the
    config classes and the rewards against the registry, so an import that would not parse fails here, not on a GPU.
DATA FLOW: open-r1 recipe.yaml → map_open_r1_recipe → YAML (stdout / --output) + report (stderr) →
    `open-r1 train <kind> --config <output>`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _cmd_import(args: argparse.Namespace) -> int:
    import yaml
    from trl import ModelConfig

    from open_r1.core.configs import ScriptArguments, check_recipe_keys, load_yaml, recipe_keys
    from open_r1.core.io import write_text_atomic
    from open_r1.core.openr1_recipes import guess_kind, map_open_r1_recipe
    from open_r1.rewards import validate_reward_config
    from open_r1.train import trainer_config_class

    raw = load_yaml(args.recipe)
    kind = args.kind or guess_kind(raw)
    mapping = map_open_r1_recipe(raw, kind, recipe_keys(trainer_config_class(kind)))
    header = (
        f"# Imported from the open-r1 recipe {args.recipe} by `open-r1 recipe import` (train with: "
        f"open-r1 train {kind} --config <this file>).\n# Every mapped or dropped key, and why:\n"
        + "".join(f"#   {e.describe()}\n" for e in mapping.changed)
    )
    text = header + yaml.safe_dump(mapping.recipe, sort_keys=False, allow_unicode=True, width=120)
    # Every written key must be one `open-r1 train` accepts, and the rewards must check against the registry (the
    # hardware-dependent TRL rules, e.g. bf16 needs a GPU, are left to the machine that trains).
    recipe = dict(mapping.recipe)
    recipe.pop("env", None)
    check_recipe_keys(recipe, (ScriptArguments, trainer_config_class(kind), ModelConfig), args.recipe)
    if kind == "grpo":
        validate_reward_config(
            recipe.get("reward_funcs", []), recipe.get("reward_params"), recipe.get("reward_weights"), file=args.recipe
        )
    print(mapping.report(), file=sys.stderr)
    if args.output:
        write_text_atomic(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def register(subparsers: Any) -> None:
    recipe = subparsers.add_parser("recipe", help="open-r1 recipe compatibility (import a huggingface/open-r1 recipe)")
    sub = recipe.add_subparsers(dest="recipe_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="map an open-r1 recipe to this project's keys, with a key-by-key report",
        description="Write this project's recipe for an open-r1 recipe (stdout, or --output), and report on stderr "
        "what each open-r1 key became: kept, mapped (to what, why) or dropped (why).",
    )
    imp.add_argument("recipe", help="an open-r1 recipe (recipes/<model>/{sft,grpo}/*.yaml in huggingface/open-r1)")
    imp.add_argument("--output", "-o", help="write the recipe here instead of stdout")
    imp.add_argument("--kind", choices=("grpo", "sft"), help="trainer (default: guessed from the keys)")
    imp.set_defaults(func=_cmd_import)
