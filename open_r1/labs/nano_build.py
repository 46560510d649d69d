"""Build a nano-R1 model from nothing: data → tokenizer → Qwen2 weights → distillation SFT → cached folder.

WHAT
    `ensure_nano_model("nano://math")` returns the folder of a ready nano model (tokenizer + weights +
    `nano_card.json`), building it on first use. `build(name, force)` always builds. `nano://math-init` is the
    untrained start point of that build (tokenizer + seeded random weights), the distill lab's student.

WHY
    The nano profile must run offline and learn visibly on a CPU in minutes. Nothing here comes from a hub: the
    tokenizer is trained on the kit's own text, the model is a randomly initialised Qwen2 (the architecture of the
    R1-Distill-Qwen models, arXiv 2501.12948 §2.4) of ~0.4 M parameters, and stage 1 of R1 — distillation SFT on a
    teacher's traces — runs through the project's own `train_sft`, the same code the distill lab uses. A randomly
    initialised model gets zero reward, so GRPO needs this SFT stage first, as R1-Zero's small-model results
    (§4.1) would predict.

HOW
    1. Rows: `sft` split (teacher traces, deliberately imperfect: see nano.tasks), `heldout` split.
    2. Tokenizer: BPE on the chat-templated SFT text (open_r1.nano.tokenizer).
    3. Model: `Qwen2ForCausalLM(Qwen2Config(...))` with tied embeddings, seeded init, saved as the SFT start point.
    4. SFT: `train_sft` with lr 3e-3 cosine, batch 64, assistant-only loss, float32 on CPU.
    5. Held-out scores of the result go into `nano_card.json`; the folder is renamed into place (atomic), so an
       interrupted build never leaves a half model in the cache.

DATA FLOW
    open_r1.models.resolve_model_path("nano://math") or `open-r1 nano build` → here → cache folder → GRPO/SFT/eval
    load it with `from_pretrained` like any model.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from open_r1.nano.spec import INIT_SUFFIX, MODEL_SUBDIR, get_spec, is_built, kit_dir, model_dir, parse_uri


def ensure_nano_model(uri: str) -> Path:
    """The folder of `nano://<kit>` or `nano://<kit>-init`, building it first when the cache lacks it."""
    if is_built(uri):
        return model_dir(uri)
    name, _ = parse_uri(uri)
    if name.endswith(INIT_SUFFIX):
        return ensure_nano_init(uri)
    return build(name)


def ensure_nano_init(uri: str) -> Path:
    """`nano://<kit>-init`: the kit's tokenizer and its seeded, untrained Qwen2, cached as `<kit dir>/init`.

    The distill lab needs a student that has not seen the teacher's traces yet; this is exactly the start point of
    the kit's own SFT (steps 2-3 of `build`), without running that SFT.
    """
    from transformers import set_seed

    from open_r1.nano.datasets import rows_for

    name, _ = parse_uri(uri)
    kit = name.removesuffix(INIT_SUFFIX)
    spec = get_spec(kit)
    final = kit_dir(kit) / "init"
    if (final / "config.json").exists():
        return final
    kit_dir(kit).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=kit_dir(kit), prefix=".init-"))
    try:
        set_seed(spec.seed)
        make_init(kit, rows_for(kit, "sft"), work / "init")
        if final.exists():
            shutil.rmtree(final)
        os.replace(work / "init", final)  # atomic: a half-written init folder is never seen
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


def make_init(kit: str, sft_rows: list[dict], dest: Path) -> tuple[Any, Any]:
    """Train the kit's tokenizer on the chat-templated SFT text and save it with a seeded random Qwen2 in `dest`."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from open_r1.nano.tokenizer import train_tokenizer

    spec = get_spec(kit)
    # The tokenizer is trained on exactly the text the model will see (chat-templated conversations). A throwaway
    # tokenizer renders the template, so the corpus is byte-for-byte what training will tokenize.
    renderer = train_tokenizer(["x"], vocab_size=spec.vocab_size)
    corpus = [renderer.apply_chat_template(r["messages"], tokenize=False) for r in sft_rows[:5000]]
    tokenizer = train_tokenizer(corpus, vocab_size=spec.vocab_size)
    tokenizer.save_pretrained(dest)
    torch.manual_seed(spec.seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=spec.hidden_size, intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_layers, num_attention_heads=spec.num_heads,
        num_key_value_heads=spec.num_kv_heads, max_position_embeddings=512, tie_word_embeddings=True,
        rope_theta=10_000.0, bos_token_id=None, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, dtype="float32",
    )
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(dest)
    return tokenizer, model


def build(name: str, force: bool = False, quiet: bool = False) -> Path:
    """Build nano://<name> into the cache (tokenizer, seeded Qwen2, distillation SFT, held-out card) unless it is
    there; concurrent callers build it once (see `build_lock`)."""
    from rich.console import Console

    from open_r1.train.common import quiet_transformers

    quiet_transformers()
    console = Console(stderr=True, quiet=quiet)
    spec = get_spec(name)
    root = kit_dir(name)
    final = root / MODEL_SUBDIR
    if final.exists() and not force and (final / "nano_card.json").exists():
        return final
    root.mkdir(parents=True, exist_ok=True)
    # One build per kit at a time: processes that ask together (the ranks of a job, parallel test sessions, a lab
    # started twice) wait for the first one and then find its model, instead of each training their own copy.
    with build_lock(root):
        if final.exists() and not force and (final / "nano_card.json").exists():
            return final
        return _build_unlocked(name, spec, root, final, console)


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock (flock) on `folder/.build.lock`, held while the block runs; released on exit,
    also when the process dies, so a killed build never blocks the next one."""
    with open(folder / ".build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_unlocked(name: str, spec: Any, root: Path, final: Path, console: Any) -> Path:
    from transformers import set_seed
    from trl import ModelConfig, SFTConfig

    from open_r1.core.configs import ScriptArguments, training_field
    from open_r1.eval.heldout import evaluate_model
    from open_r1.nano.datasets import materialize, rows_for
    from open_r1.train.sft import train_sft

    started = time.time()
    console.print(f"[bold]nano build[/] nano://{name} → {final} (first use: tokenizer, model, distillation SFT)")
    work = Path(tempfile.mkdtemp(dir=root, prefix=".build-"))
    try:
        set_seed(spec.seed)
        sft_path = materialize(f"nano://{name}/sft")
        materialize(f"nano://{name}/heldout")
        sft_rows = rows_for(name, "sft")

        # 2.-3. Tokenizer and a seeded, randomly initialised Qwen2: the SFT start point (shared with the distill lab's
        #       `nano://<kit>-init` student, so both start from the very same weights).
        init_dir = work / "init"
        tokenizer, model = make_init(name, sft_rows, init_dir)
        n_params = sum(p.numel() for p in model.parameters())
        console.print(f"  model: Qwen2, {n_params / 1e6:.2f} M parameters, vocab {len(tokenizer)}")

        # 4. Distillation SFT through the project's own SFT entrypoint.
        out_dir = work / "sft"
        script_args = ScriptArguments(dataset_name=str(sft_path), reward_funcs=[])
        sft_config = SFTConfig(
            output_dir=str(out_dir), max_steps=spec.sft_steps, per_device_train_batch_size=spec.sft_batch_size,
            learning_rate=spec.sft_learning_rate, lr_scheduler_type="cosine", warmup_steps=10, weight_decay=0.0,
            logging_steps=25, save_strategy="no", report_to="none", bf16=False, use_cpu=True, seed=spec.seed,
            data_seed=spec.seed, max_length=128, assistant_only_loss=True, dataset_num_proc=None,
            disable_tqdm=True, dataloader_num_workers=0,
            # TRL turns activation checkpointing on by default; a 0.4 M model only gets slower with it.
            **{training_field(SFTConfig, "activation_checkpointing"): False},
        )
        model_args = ModelConfig(model_name_or_path=str(init_dir), dtype="float32")
        sft_summary = train_sft(script_args, sft_config, model_args, resume=False, progress_title="nano SFT")

        # 5. Score, write the card, move into place.
        from open_r1.models import get_tokenizer

        tok = get_tokenizer(str(out_dir))
        scores = evaluate_model(str(out_dir), tok, f"nano://{name}/heldout", n=spec.n_heldout, seed=spec.seed,
                                sampled=True)
        card = {"kit": name, "spec": json.loads(json.dumps(spec.__dict__)), "digest": spec.digest(),
                "parameters": n_params, "sft": sft_summary, "heldout": scores,
                "build_wall_s": round(time.time() - started, 1)}
        (out_dir / "nano_card.json").write_text(json.dumps(card, indent=2))
        for leftover in out_dir.glob("checkpoint-*"):
            shutil.rmtree(leftover)
        if final.exists():
            shutil.rmtree(final)
        os.replace(out_dir, final)
        console.print(f"  SFT base: format {scores['format']:.1%}, accuracy {scores['accuracy']:.1%} "
                      f"(sampled {scores['sampled_accuracy']:.1%}) on {scores['n']} held-out problems "
                      f"[{card['build_wall_s']} s]")
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)
