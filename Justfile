# open-r1 labs — every way in. `just` lists the recipes.
#
# WHY: The Justfile is the only way in (style notes, simonw/llm): every recipe commented, checks and fixes kept apart,
# and CI runs the same recipes a person does.
#
# HOW: Each recipe that runs project code depends on `setup`, which is cheap when the venv is current (the image
# recipes call images/*.sh directly); extra arguments pass through to the command (`just test -k rewards`).
#
# DATA FLOW: `just <recipe>` → scripts/setup.sh → `.venv/bin/python -m open_r1 ...` or pytest; .ci/run calls
# `just test`.

set shell := ["bash", "-euo", "pipefail", "-c"]

python := ".venv/bin/python"

# list the recipes
default:
    @{{just_executable()}} --list --unsorted

# create or refresh .venv (torch for this machine + hash-locked requirements); cheap when up to date
setup:
    @scripts/setup.sh

# run a lab: `just lab grpo-math`, `just lab grpo-math --profile nano -- --max_steps 20`
lab name *ARGS: setup
    {{python}} -m open_r1 lab run {{name}} {{ARGS}}

# list the labs and their status
labs: setup
    {{python}} -m open_r1 lab list

# run again exactly what a run card describes
rerun card: setup
    {{python}} -m open_r1 lab rerun {{card}}

# build (or find cached) the nano model: tokenizer, Qwen2 weights, distillation SFT
nano: setup
    {{python}} -m open_r1 nano build

# the whole test suite, as CI runs it (extra arguments go to pytest)
test *ARGS: setup
    {{python}} -m pytest {{ARGS}}

# check style without changing anything
lint: setup
    {{python}} -m ruff check .
    {{python}} -m ruff format --check open_r1 tests scripts

# fix what the linters can fix
fix: setup
    {{python}} -m ruff check --fix .
    {{python}} -m ruff format open_r1 tests scripts

# regenerate requirements/lock.txt from pyproject.toml (hashes; torch excluded)
lock: setup
    PATH=.venv/bin:$PATH scripts/lock.sh

# check, changing nothing, that the lock installs hash-checked on Python 3.11, 3.12 and 3.13 (needs the package index)
lock-check: setup
    PATH=.venv/bin:$PATH scripts/lock.sh --check

# the `open-r1` command itself: `just open-r1 rewards list`
open-r1 *ARGS: setup
    {{python}} -m open_r1 {{ARGS}}

# build a lab's image and its parents: `just build grpo-math`, `just build grpo-math --flavour cpu` (no GPU, no registry)
build lab *ARGS:
    images/build.sh {{lab}} {{ARGS}}

# push a lab's image (version tag + git-SHA tag) to $OPEN_R1_REGISTRY (default ghcr.io/open-r1-labs)
push lab *ARGS:
    images/publish.sh push {{lab}} {{ARGS}}

# pull a lab's released image from $OPEN_R1_REGISTRY
pull lab *ARGS:
    images/publish.sh pull {{lab}} {{ARGS}}

# make build/sif/<lab>.sif for Apptainer: from the registry, or `just sif grpo-math --local --flavour cpu` from a local build
sif lab *ARGS:
    images/sif.sh {{lab}} {{ARGS}}

# build the CPU flavour of a lab's image and run the image tests inside it, as CI does (extra arguments go to pytest)
image-test lab="grpo-math" *ARGS: setup
    OPEN_R1_IMAGE_TEST_LAB={{lab}} {{python}} -m pytest tests/images {{ARGS}}

# serve the docs site with live reload on http://127.0.0.1:8000 (executes the tutorials that changed first)
docs: setup
    {{python}} -m scripts.docs.build --serve

# build the docs site into docs/site, strict (executes the tutorials that changed first)
docs-build: setup
    {{python}} -m scripts.docs.build

# run a lab as a SLURM job (submit, follow its log, run card): `just slurm fsdp-32b --profile nano [--nodes 2] [--dry-run]`
slurm name *ARGS: setup
    {{python}} -m open_r1 lab run {{name}} --runtime slurm {{ARGS}}
