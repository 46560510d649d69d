"""The site's diagrams, drawn as SVG by this file from the facts they show, and checked in under docs/pages/assets.

    python -m scripts.docs.diagrams            # write docs/pages/assets/diagrams/*.svg
    python -m scripts.docs.diagrams --check    # exit 1 when a checked-in SVG differs from what this file draws

WHAT
    Six diagrams: the R1 pipeline and the lab at each stage (`r1-pipeline`), the package's layers (`layers`), one
    GRPO step through the project's modules (`grpo-step`), the code sandbox and its router (`sandbox`), the SLURM
    job with its vLLM node (`slurm-job`) and the image hierarchy (`images`). `render_all() -> {name: svg}` draws
    them; `Diagram`, `Node` and `Edge` describe one as rows of boxes and the arrows between them.

WHY
    The site must work offline (no CDN, no JavaScript renderer fetched at view time) and must not drift from the
    code. So the SVG is plain, pre-rendered text in the repository; the facts that change with the code are read
    from their single source when the SVG is drawn — the layers from `.importlinter` (the contract CI enforces),
    the lab rows from `labs/*/lab.yaml` (stage, image extras) — and tests/docs/test_docs_diagrams.py fails when a
    checked-in SVG is not what this file draws from the current tree. The paper sections are DeepSeek-R1's
    (arXiv 2501.12948v1 §2.2-§2.4, §3), checked like every other citation (docs/papers.yaml, the Bibliography).

HOW
    A layered layout with no dependencies: each row of boxes is centred, each box as wide as its longest line in
    a monospace font (so widths do not depend on the fonts a browser has), arrows run straight from the bottom of
    one box to the top of the next (dashed when they point upwards or sideways). Numbers are rounded to one
    decimal, so the output is byte-for-byte stable.

DATA FLOW
    .importlinter, labs/*/lab.yaml → here → docs/pages/assets/diagrams/*.svg → Markdown pages
    (docs/pages/start/diagrams.md, start/architecture.md, index.md) → mkdocs copies them into the site →
    tests/docs/test_docs_browser.py screenshots the diagrams page in Chromium.
"""

from __future__ import annotations

import argparse
import configparser
import html
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
OUT = Path("docs/pages/assets/diagrams")

# box colours by kind: fill, stroke (indigo and deep orange are the site's own palette)
KINDS = {
    "code": ("#e8eaf6", "#3949ab"),
    "lab": ("#fff3e0", "#e65100"),
    "paper": ("#f5f5f5", "#616161"),
    "infra": ("#e0f2f1", "#00695c"),
    "data": ("#fffde7", "#9e9d24"),
}
TITLE_PX, DETAIL_PX = 13, 11  # font sizes
CHAR_W = {TITLE_PX: 7.9, DETAIL_PX: 6.7}  # monospace advance per character, generous so text never overflows
ROW_GAP, COL_GAP, PAD = 44, 36, 16


@dataclass
class Node:
    """One box: a bold title line, optional detail lines, and a kind that picks its colours."""

    id: str
    title: str
    detail: str = ""
    kind: str = "code"
    # filled in by the layout
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0

    @property
    def lines(self) -> list[str]:
        return [line for line in self.detail.split("\n") if line] if self.detail else []


@dataclass
class Edge:
    """An arrow from one box to another, with an optional short label; `dashed` for hooks and feedback."""

    src: str
    dst: str
    label: str = ""
    dashed: bool = False


@dataclass
class Diagram:
    """A named diagram: rows of boxes from top to bottom, the arrows between them, and a caption."""

    name: str
    caption: str
    rows: list[list[Node]]
    edges: list[Edge] = field(default_factory=list)
    # per row, how many leading boxes form the main column (centred on the canvas; the rest sit to their right);
    # empty: every row is centred as a whole
    main: list[int] = field(default_factory=list)


def _f(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def layout(diagram: Diagram) -> tuple[float, float]:
    """Place every box; return the canvas (width, height)."""
    for row in diagram.rows:
        for node in row:
            widths = [len(node.title) * CHAR_W[TITLE_PX]] + [len(line) * CHAR_W[DETAIL_PX] for line in node.lines]
            node.w = max(widths) + 2 * 10
            node.h = 26 + 15 * len(node.lines)

    def span(nodes: list[Node]) -> float:
        return sum(n.w for n in nodes) + COL_GAP * max(len(nodes) - 1, 0)

    mains = diagram.main or [len(row) for row in diagram.rows]
    # each row's extent left and right of the canvas centre line, its main column centred on it
    extents = []
    for row, k in zip(diagram.rows, mains, strict=True):
        half = span(row[:k]) / 2
        rest = span(row[k:]) + (COL_GAP if row[k:] else 0)
        extents.append((half, half + rest))
    centre = max(max(left, right) for left, right in extents) + PAD
    width = 2 * centre
    y = PAD
    for row, (left, _right) in zip(diagram.rows, extents, strict=True):
        x = centre - left
        height = max(n.h for n in row)
        for node in row:
            node.x, node.y = x, y + (height - node.h) / 2
            x += node.w + COL_GAP
        y += height + ROW_GAP
    return width, y - ROW_GAP + PAD


def _anchor(node: Node, towards: Node) -> tuple[float, float]:
    """Where an arrow leaves or enters `node` on its way to or from `towards`."""
    cx, cy = node.x + node.w / 2, node.y + node.h / 2
    tx, ty = towards.x + towards.w / 2, towards.y + towards.h / 2
    if abs(ty - cy) < 1:  # same row: the facing sides
        return (node.x + node.w, cy) if tx > cx else (node.x, cy)
    # top or bottom edge, shifted towards the other box so that fanned-out arrows do not overlap
    shift = max(-node.w / 2 + 8, min(node.w / 2 - 8, (tx - cx) * 0.25))
    return (cx + shift, node.y + node.h) if ty > cy else (cx + shift, node.y)


def render(diagram: Diagram) -> str:
    """The diagram as a standalone SVG document (deterministic: the same input gives the same bytes)."""
    width, height = layout(diagram)
    nodes = {n.id: n for row in diagram.rows for n in row}
    esc = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" width="{_f(width)}" '
        f'height="{_f(height)}" role="img" aria-labelledby="{diagram.name}-title" class="r1-diagram">',
        f'<title id="{diagram.name}-title">{esc(diagram.caption)}</title>',
        "<!-- drawn by scripts/docs/diagrams.py; edit that file, not this one -->",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#455a64"/></marker></defs>',
        f'<rect x="0" y="0" width="{_f(width)}" height="{_f(height)}" fill="#ffffff"/>',
        "<g font-family=\"ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace\">",
    ]
    labels = []
    for edge in diagram.edges:
        a, b = nodes[edge.src], nodes[edge.dst]
        x1, y1 = _anchor(a, b)
        x2, y2 = _anchor(b, a)
        dash = ' stroke-dasharray="5 4"' if edge.dashed else ""
        out.append(
            f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="#455a64" stroke-width="1.4"'
            f'{dash} marker-end="url(#arrow)"/>'
        )
        if edge.label and abs(y1 - y2) < 1:
            raise ValueError(f"{diagram.name}: {edge.src} → {edge.dst} joins boxes of one row: no room for a label")
        if edge.label:
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            lw = len(edge.label) * CHAR_W[DETAIL_PX] + 8
            labels.append(
                f'<rect x="{_f(mx - lw / 2)}" y="{_f(my - 9)}" width="{_f(lw)}" height="16" rx="3" fill="#ffffff" '
                f'fill-opacity="0.92"/><text x="{_f(mx)}" y="{_f(my + 3.5)}" font-size="{DETAIL_PX}" '
                f'text-anchor="middle" fill="#37474f">{esc(edge.label)}</text>'
            )
    for node in nodes.values():
        fill, stroke = KINDS[node.kind]
        cx = node.x + node.w / 2
        out.append(
            f'<rect x="{_f(node.x)}" y="{_f(node.y)}" width="{_f(node.w)}" height="{_f(node.h)}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
        out.append(
            f'<text x="{_f(cx)}" y="{_f(node.y + 18)}" font-size="{TITLE_PX}" font-weight="bold" text-anchor="middle" '
            f'fill="#212121">{esc(node.title)}</text>'
        )
        for i, line in enumerate(node.lines):
            out.append(
                f'<text x="{_f(cx)}" y="{_f(node.y + 33 + 15 * i)}" font-size="{DETAIL_PX}" text-anchor="middle" '
                f'fill="#424242">{esc(line)}</text>'
            )
    out += labels + ["</g>", "</svg>", ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------------------------
# The diagrams


def _labs(root: Path) -> list[dict]:
    """The lab manifests git knows (committed or staged), so a lab still being written does not change the SVGs."""
    paths = sorted((root / "labs").glob("*/lab.yaml"))
    try:
        known = subprocess.run(
            ["git", "ls-files", "--", "labs/*/lab.yaml"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.split()
        if known:
            paths = [root / p for p in sorted(known) if (root / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        pass
    labs = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        labs.append(data)
    return labs


def r1_pipeline(root: Path) -> Diagram:
    """DeepSeek-R1's training pipeline (arXiv 2501.12948v1 §2) with the labs that package each stage beside it."""
    p = "paper"
    stages = {
        "base": Node("base", "DeepSeek-V3-Base", "pretrained model", p),
        "zero": Node("zero", "R1-Zero: RL on the base", "§2.2: GRPO §2.2.1, rule rewards\n§2.2.2, template §2.2.3", p),
        "cold": Node("cold", "Cold start SFT", "§2.3.1: thousands of\nlong-CoT examples", p),
        "rl": Node("rl", "Reasoning-oriented RL", "§2.3.2: accuracy + format\n+ language consistency", p),
        "rs": Node("rs", "Rejection sampling + SFT", "§2.3.3: ~800k samples", p),
        "all": Node("all", "RL for all scenarios", "§2.3.4", p),
        "distil": Node("distil", "Distillation", "§2.4: SFT of small models\non the same ~800k", p),
        "eval": Node("eval", "Evaluation", "§3: pass@1 at T=0.6 over k\nsamples; Codeforces, IOI", p),
    }
    # which stage each lab packages; a lab box sits on its stage's row, to the right, and lists the labs
    where = {
        "grpo-math": "rl",
        "grpo-code": "rl",
        "pipeline": "rs",
        "distill": "distil",
        "fsdp-32b": "distil",
        "ioi-eval": "eval",
    }
    by_stage: dict[str, list[str]] = {}
    for lab in _labs(root):
        name = lab.get("name", "")
        if name in where:
            by_stage.setdefault(where[name], []).append(name)
    layout_rows = [["base"], ["zero", "cold"], ["rl"], ["rs"], ["all", "distil"], ["eval"]]
    rows: list[list[Node]] = []
    edges: list[Edge] = []
    main = []
    for ids in layout_rows:
        row = [stages[i] for i in ids]
        main.append(len(row))
        for i in ids:
            if i in by_stage:
                labs = by_stage[i]
                title = "lab" if len(labs) == 1 else "labs"
                row.append(Node(f"lab-{i}", title, ", ".join(labs), "lab"))
                edges.append(Edge(f"lab-{i}", i, dashed=True))
        rows.append(row)
    edges += [
        Edge("base", "zero"),
        Edge("base", "cold"),
        Edge("zero", "cold", dashed=True),  # R1-Zero's readable outputs are one source of cold-start data
        Edge("cold", "rl"),
        Edge("rl", "rs"),
        Edge("rs", "all"),
        Edge("rs", "distil"),
        Edge("all", "eval"),
        Edge("distil", "eval"),
    ]
    return Diagram(
        "r1-pipeline",
        "The DeepSeek-R1 pipeline (arXiv 2501.12948v1 §2) and the labs that package each stage",
        rows,
        edges,
        main,
    )


def importlinter_layers(root: Path) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """The layers of `.importlinter` (top first; `a | b` is one row) and its declared upward imports."""
    config = configparser.ConfigParser()
    config.read(root / ".importlinter", encoding="utf-8")
    section = next(s for s in config.sections() if config[s].get("type", "").strip() == "layers")
    rows = [
        [part.strip() for part in line.split("|")]
        for line in config[section]["layers"].strip().splitlines()
        if line.strip()
    ]
    hooks = []
    for line in config[section].get("ignore_imports", "").strip().splitlines():
        if "->" in line:
            src, dst = (s.strip() for s in line.split("->"))
            hooks.append((src, dst))
    return rows, hooks


# one line on what each layer holds (docs/pages/start/architecture.md has the long form)
LAYER_NOTES = {
    "cli": "one module per open-r1 command",
    "labs": "manifests, runner, runtimes, SLURM",
    "curate": "decontaminate, pass-rate",
    "train": "SFT and GRPO over TRL",
    "eval": "held-out, pass@k, lighteval",
    "competitive": "IOI / Codeforces judging",
    "rewards": "reward library + registry",
    "sandbox": "code execution, router",
    "data": "datasets, mixtures",
    "models": "tokenizer + model loading",
    "nano": "the nano-R1 kit",
    "core": "errors, paths, io, configs",
}


def layers(root: Path) -> Diagram:
    """The import layers of open_r1, read from `.importlinter`: an arrow means "may import"."""
    layer_rows, hooks = importlinter_layers(root)
    rows = [[Node(name, f"open_r1.{name}", LAYER_NOTES.get(name, ""), "code") for name in row] for row in layer_rows]
    edges = []
    for upper, lower in zip(layer_rows, layer_rows[1:], strict=False):
        for a in upper:
            for b in lower:
                edges.append(Edge(a, b))
    for src, dst in hooks:
        a, b = src.split(".")[1], dst.split(".")[1]
        edges.append(Edge(a, b, dashed=True))  # the caption and architecture.md name the hook
    return Diagram(
        "layers",
        "The layers of open_r1, drawn from .importlinter: a layer imports only the layers below it (dashed: "
        "the declared hook, rewards.code_exec importing sandbox.rewards and competitive.rewards)",
        rows,
        edges,
    )


def grpo_step(root: Path) -> Diagram:
    """One GRPO optimisation step through the project's modules and TRL."""
    rows = [
        [Node("data", "prompts", "open_r1.data: dataset or mixture,\nconversational prompt", "data")],
        [Node("gen", "generation", "TRL GRPOTrainer (or vLLM):\nG completions per prompt", "infra")],
        [
            Node(
                "rewards", "rewards", "open_r1.rewards registry: accuracy,\nformat, code (open_r1.sandbox) ...", "code"
            ),
        ],
        [Node("adv", "advantages", "A_i = (r_i - mean(r)) / std(r)\nover the group (GRPO, TRL)", "infra")],
        [Node("loss", "loss", "clipped ratio × A_i, token-level\n(loss_type), β·KL (beta)", "infra")],
        [
            Node("opt", "optimizer step", "accelerate / DeepSpeed / FSDP", "infra"),
            Node("cb", "callbacks", "open_r1.train.callbacks:\nmetrics, held-out, stop file", "code"),
        ],
    ]
    edges = [
        Edge("data", "gen", "batch of prompts"),
        Edge("gen", "rewards", "completions + dataset columns"),
        Edge("rewards", "adv", "weighted sum (reward_weights)"),
        Edge("adv", "loss"),
        Edge("loss", "opt", "backward"),
        Edge("opt", "cb"),  # TrainerCallback.on_step_end
    ]
    return Diagram(
        "grpo-step",
        "One GRPO step (DeepSeekMath arXiv 2402.03300v3 §4.1) through open_r1.train.grpo and TRL; the updated "
        "policy generates the next step's completions",
        rows,
        edges,
    )


def sandbox(root: Path) -> Diagram:
    """How a code reward reaches a sandbox: the providers and the router service."""
    rows = [
        [Node("reward", "code reward", "open_r1.rewards.code_exec →\nopen_r1.sandbox.rewards", "code")],
        [
            Node("local", "local", "bubblewrap + warm workers\nopen_r1.sandbox.local", "code"),
            Node("e2b", "e2b / morph", "cloud sandboxes\nthrough their SDKs", "infra"),
            Node("remote", "router client", "open_r1.sandbox.remote\n(HTTP, batches)", "code"),
            Node("piston", "piston", "open_r1.sandbox.piston\nPiston v2 API", "code"),
        ],
        [Node("router", "router service", "open-r1 sandbox serve\nopen_r1.sandbox.server", "infra")],
        [
            Node("rlocal", "local sandbox", "on the router's node", "code"),
            Node("workers", "Piston workers", "one per node\n(piston-workers job)", "infra"),
        ],
    ]
    edges = [
        Edge("reward", "local", "provider: local"),
        Edge("reward", "e2b"),
        Edge("reward", "remote", "provider: router"),
        Edge("reward", "piston"),
        Edge("remote", "router", "POST /batch"),
        Edge("router", "rlocal"),
        Edge("router", "workers", "--provider piston"),
        Edge("piston", "workers", dashed=True),
    ]
    return Diagram("sandbox", "Code execution for rewards: the providers and the router service", rows, edges)


def slurm_job(root: Path) -> Diagram:
    """The SLURM training job of open_r1/labs/runtimes/slurm_templates/train.sbatch.j2."""
    rows = [
        [Node("sbatch", "train.sbatch (batch script)", "runs on node 1; trap USR1 → STOP file → requeue", "infra")],
        [
            Node("n1", "node 1: training", "accelerate launch\nc10d rendezvous host", "code"),
            Node("n2", "node 2 … N-1: training", "accelerate launch\nranks join node 1", "code"),
            Node("vllm", "node N: generation", "trl vllm-serve\n(GRPO, vLLM server mode)", "infra"),
        ],
        [Node("fs", "shared filesystem: run folder", "checkpoints, slurm/STOP, attempts.jsonl, rank records", "data")],
    ]
    edges = [
        Edge("sbatch", "n1", "srun"),
        Edge("sbatch", "n2", "srun"),
        Edge("sbatch", "vllm", "srun (first)"),
        Edge("n2", "n1", dashed=True),  # c10d rendezvous on node 1
        Edge("n2", "vllm", dashed=True),  # generation requests to trl vllm-serve
        Edge("n1", "fs"),
        Edge("n2", "fs"),
    ]
    return Diagram(
        "slurm-job",
        "A multi-node SLURM training job: training nodes, the vLLM server node, and the shared run folder (dashed: the "
        "c10d rendezvous on node 1 and generation requests to the vLLM node)",
        rows,
        edges,
    )


def images(root: Path) -> Diagram:
    """The image hierarchy, with each lab's extras read from its lab.yaml."""
    rows = [
        [
            Node("cuda", "CUDA base", "nvidia/cuda, pinned by digest", "paper"),
            Node("debian", "Debian base", "CPU flavour", "paper"),
        ],
        [Node("base", "base", "images/base/Dockerfile:\nhash-locked Python stack", "infra")],
        [
            Node("docs", "docs stage", "the site built from\nthe same commit", "data"),
            Node("core", "core", "images/core/Dockerfile: open-r1,\nnon-root user, docs site", "infra"),
        ],
    ]
    lab_nodes = []
    for lab in _labs(root):
        extras = ", ".join(lab.get("image_extras") or []) or "no extras"
        lab_nodes.append(Node(f"lab-{lab['name']}", lab["name"], extras, "lab"))
    rows.append(lab_nodes)
    rows.append([Node("sif", "<lab>.sif", "images/lab/apptainer.def", "infra")])
    edges = [Edge("cuda", "base"), Edge("debian", "base"), Edge("base", "core"), Edge("docs", "core")]
    edges += [Edge("core", n.id) for n in lab_nodes]
    edges += [Edge(lab_nodes[0].id, "sif", "apptainer build", dashed=True)] if lab_nodes else []
    return Diagram(
        "images",
        "The image hierarchy: base → core → one lab image per lab (images/lab/Dockerfile, extras from lab.yaml)",
        rows,
        edges,
    )


DIAGRAMS = (r1_pipeline, layers, grpo_step, sandbox, slurm_job, images)


def render_all(root: Path = REPO) -> dict[str, str]:
    """name → SVG text of every diagram, drawn from the tree at `root`."""
    out = {}
    for make in DIAGRAMS:
        diagram = make(root)
        out[diagram.name] = render(diagram)
    return out


def stale(root: Path = REPO) -> list[str]:
    """The diagrams whose checked-in SVG is missing or differs from what this file draws now."""
    problems = []
    for name, svg in render_all(root).items():
        path = root / OUT / f"{name}.svg"
        if not path.exists() or path.read_text(encoding="utf-8") != svg:
            problems.append(f"{OUT / (name + '.svg')} is stale: run `python -m scripts.docs.diagrams`")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Write every diagram's SVG into docs/pages/assets/diagrams, or with `--check` only report the stale ones (exit
    1).
    """
    parser = argparse.ArgumentParser(prog="python -m scripts.docs.diagrams", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the checked-in SVGs are up to date")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        print("\n".join(problems) or "diagrams up to date")
        return 1 if problems else 0
    (REPO / OUT).mkdir(parents=True, exist_ok=True)
    for name, svg in render_all().items():
        (REPO / OUT / f"{name}.svg").write_text(svg, encoding="utf-8")
        print(OUT / f"{name}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
