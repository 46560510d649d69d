"""`open-r1 plan`: how much GPU memory a recipe needs per GPU, under DDP, ZeRO-2, ZeRO-3 and FSDP, and what to run.

WHAT
    `ModelShape` (a Qwen2-family architecture: hidden, intermediate, layers, heads, KV heads, vocabulary, tied
    embeddings) with a built-in table `SHAPES` of the Qwen2.5 configurations the labs use (no hub access);
    `Setup` (strategy, GPUs, sequence length, micro-batch, checkpointing, optimizer, precision, vLLM share);
    `estimate(shape, setup) -> Estimate` (bytes per GPU by component); `recommend(shape, ...) -> Recommendation`
    (the simplest strategy that fits, the fewest nodes, the largest micro-batch); `lab_plan(lab)` reads a lab's
    manifest + recipe + accelerate config. CLI: `open-r1 plan` (table for the five labs' full recipes),
    `open-r1 plan --lab fsdp-32b`, `open-r1 plan --model Qwen2.5-7B --seq 32768 --micro-batch 2 --nodes 1`.

WHY
    Out-of-memory is the most common way a scale-out run dies, and it dies after minutes of start-up (image pull,
    weight loading, rendezvous). Arithmetic fails in a second. The R1 recipes span 1.5B GRPO (DDP / ZeRO-2 fit) to
    32B SFT at 22k context (DeepSeek-R1 arXiv 2501.12948 §2.4 distils into 32B students; OlympicCoder-32B needed
    FSDP on 16 nodes, and 32k context ran out of memory). The model states follow ZeRO (Rajbhandari et al.,
    arXiv 1910.02054 §3, §5): mixed-precision Adam holds 2Ψ (bf16 weights) + 2Ψ (bf16 grads) + 12Ψ (fp32 master,
    momentum, variance) bytes for Ψ parameters, and each ZeRO stage shards one more of those terms over the N
    data-parallel ranks. PyTorch FSDP (Zhao et al., arXiv 2304.11277 §3) shards like ZeRO-3 but keeps one or two
    whole "units" (decoder layers, and the root unit with the embeddings) gathered at a time. Activation
    checkpointing (Chen et al., arXiv 1604.06174) keeps only each layer's input and recomputes the rest in the
    backward pass; the per-layer activation count follows Korthikanti et al. (arXiv 2205.05198 §4), redone for
    Qwen2's SwiGLU MLP, grouped-query attention and FlashAttention (no s² attention matrix).

HOW
    Ψ = V·h·(1 + untied) + L·(h·(2h + 2·h_kv) + (h + 2·h_kv) + 3·h·f + 2h) + h,  h_kv = kv_heads · head_dim.

    Model states per GPU, N = data-parallel ranks, bytes per parameter w=2 (bf16 weights), g=2 (bf16 grads),
    m = 4 with fp32 master weights (always under DeepSpeed), o = optimizer moments (AdamW: 8, 8-bit AdamW: 2):
        DDP      (w + g + m + o)·Ψ      (m = 0 when the model is loaded and trained in bf16)  = 16Ψ for AdamW
        ZeRO-2   w·Ψ + (g + 4 + m + o)·Ψ/N       DeepSpeed reduces into an fp32 grad partition (the 4)
                                                                                     = 2Ψ + 18Ψ/N
        ZeRO-3   (w + 4 + m + o)·Ψ/N + 4·P_max   P_max = the largest module's parameters, gathered with its grads
                                                                                     = 18Ψ/N + 4·P_max
        FSDP     (p + p + o)·Ψ/N + (2·(1 + prefetch) + p)·P_unit
                 p = 4 when the flat parameters are fp32 (mixed precision casts to bf16 per unit; the fp32 shard is
                 the master), p = 2 when the model is loaded in bf16 (no master copy, as OlympicCoder-32B ran);
                 P_unit = the largest FSDP unit (a decoder layer, or the root unit: embeddings + lm_head).

    Activations per GPU (bf16, FlashAttention, b = micro-batch, s = tokens per sequence):
        per layer  A_layer = 2·b·s·(6h + 2·h_kv + 4f)   (norm inputs ×2, QKV input, Q, K, V, attention output,
                                                        MLP input, gate, up, SiLU(gate), product)
        no checkpointing     L·A_layer
        checkpointing        L·2·b·s·h  (each layer's input)  +  A_layer  (one layer recomputed in backward)
        logits + loss, SFT   b·s·V·(2 + 4 + 4)  (bf16 logits, fp32 upcast, fp32 log-softmax kept for backward)
        logits, GRPO         b·s_completion·V·(2 + 2 + 2)  (TRL keeps only completion logits, divides them by the
                             temperature (a copy), and takes log-softmax row by row; plus the bf16 logits' grad)
                             ~0 with Liger's fused linear cross-entropy
    LoRA (rank r, every linear layer, arXiv 2106.09685 §4): Ψ_a = r·Σ(in + out) adapter parameters train; the base
    is frozen in bf16 (2 bytes) or, for QLoRA (arXiv 2305.14314 §3), NF4 with double quantization (4.127 bits ≈
    0.52 byte); peft keeps adapters in fp32, so the adapter costs 4 (weights) + 4 (grads) + 8 (AdamW) bytes each:
        DDP      b·Ψ + 16Ψ_a                     ZeRO-2   b·Ψ + 4Ψ_a + 12Ψ_a/N
        ZeRO-3   (b·Ψ + 16Ψ_a)/N + b·P_max       FSDP     (b·Ψ + 16Ψ_a)/N + b·(1 + prefetch)·P_unit
    Activations do not shrink with LoRA (the frozen layers still run forward and backward through the inputs).
    vLLM (colocated): a fraction `vllm_share` of the GPU is reserved; in it, weights 2Ψ/TP and a KV cache of
        2 (K and V) · L · h_kv · 2 bytes per token. Server mode puts vLLM on its own GPUs (share 0 here).
    Total = states + activations + reference model (2Ψ, sharded like the weights, when β > 0) + overhead
    (CUDA context, NCCL buffers, allocator fragmentation: 3 GiB + 5 %). It fits when total ≤ GPU memory.

DATA FLOW
    `open-r1 plan` → here → lab manifests (open_r1.labs.manifest), recipes (YAML), accelerate configs
    (recipes/accelerate/*.yaml) → rich tables / JSON. tests/cluster/test_plan.py checks the model states against
    DeepSpeed's own estimators (deepspeed.runtime.zero.stage3 / stage_1_and_2) and Ψ against a meta-device model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from open_r1.core.errors import ConfigError

GiB = 2**30
STRATEGIES = ("ddp", "zero2", "zero3", "fsdp")
STRATEGY_TITLES = {"ddp": "DDP", "zero2": "ZeRO-2", "zero3": "ZeRO-3", "fsdp": "FSDP"}
# Optimizer moment bytes per parameter (the master copy is counted separately).
OPTIMIZERS = {"adamw": 8, "adamw_8bit": 2, "adamw_bf16": 4, "sgd": 0}
OVERHEAD_FIXED = 3 * GiB  # CUDA context, cuBLAS workspace, NCCL buffers
OVERHEAD_FRACTION = 0.05  # caching-allocator fragmentation


# ----------------------------------------------------------------------------------------------------------------
# Model shapes


@dataclass(frozen=True)
class ModelShape:
    """The sizes of a Qwen2-family decoder (hidden, intermediate, layers, heads, KV heads, vocabulary, tied embeddings):
    all the memory model needs to count parameters, KV cache and activations, from SHAPES, a nano kit or `--shape`.
    """

    name: str
    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    vocab: int
    tied: bool

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def kv_dim(self) -> int:
        return self.kv_heads * self.head_dim

    def layer_params(self) -> int:
        """Parameters of one decoder layer: attention (Q/K/V with bias, O without), the SwiGLU MLP's three matrices and
        the two RMSNorm weights (Ψ's per-layer term in HOW).
        """
        h, kv, f = self.hidden, self.kv_dim, self.intermediate
        attention = h * (h + 2 * kv) + (h + 2 * kv) + h * h  # q/k/v with bias, o without
        return attention + 3 * h * f + 2 * h  # SwiGLU gate/up/down, two RMSNorm weights

    def embedding_params(self) -> int:
        """Parameters of the token embedding matrix (vocab × hidden); the lm_head has as many again unless the
        embeddings are tied.
        """
        return self.vocab * self.hidden

    def params(self) -> int:
        """Ψ, the model's total parameter count: embeddings, an untied lm_head when there is one, every decoder layer
        and the final norm; every byte estimate scales with it.
        """
        untied = 0 if self.tied else self.embedding_params()
        return self.embedding_params() + untied + self.layers * self.layer_params() + self.hidden

    def largest_module_params(self) -> int:
        """The largest single module's own parameters: what ZeRO-3 gathers at once (the embedding or lm_head)."""
        h, f = self.hidden, self.intermediate
        return max(self.embedding_params(), h * f)

    def fsdp_unit_params(self) -> int:
        """The largest FSDP unit under transformer-based wrap: one decoder layer, or the root (embeddings + head)."""
        root = self.embedding_params() * (1 if self.tied else 2) + self.hidden
        return max(self.layer_params(), root)

    def lora_params(self, rank: int) -> int:
        """Adapter parameters for rank-`rank` LoRA on every linear layer of every decoder layer (peft's
        "all-linear": q, k, v, o, gate, up, down; not the output head): r·(in + out) per matrix."""
        h, kv, f = self.hidden, self.kv_dim, self.intermediate
        per_layer = (h + h) + (h + kv) + (h + kv) + (h + h) + 2 * (h + f) + (f + h)
        return rank * per_layer * self.layers

    def kv_bytes_per_token(self, dtype_bytes: int = 2) -> int:
        """Bytes of KV cache one token takes across all layers (keys and values, `dtype_bytes` each): how vLLM's free
        memory turns into cached tokens.
        """
        return 2 * self.layers * self.kv_dim * dtype_bytes

    def activation_values_per_token_layer(self) -> int:
        """Activation values one token leaves in one layer for the backward pass (6h + 2·h_kv + 4f, the A_layer count of
        HOW without the batch, sequence and bf16 factors).
        """
        return 6 * self.hidden + 2 * self.kv_dim + 4 * self.intermediate


def _shape(name: str, h: int, f: int, layers: int, heads: int, kv: int, vocab: int, tied: bool) -> ModelShape:
    return ModelShape(name, h, f, layers, heads, kv, vocab, tied)


# The Qwen2.5 family's config.json values (hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
# num_key_value_heads, vocab_size, tie_word_embeddings). Instruct, Coder, Math and R1-Distill variants share their
# base model's shape; the small models tie embeddings and use the 151,936-token vocabulary.
SHAPES: dict[str, ModelShape] = {
    s.name: s
    for s in [
        _shape("Qwen2.5-0.5B", 896, 4864, 24, 14, 2, 151936, True),
        _shape("Qwen2.5-1.5B", 1536, 8960, 28, 12, 2, 151936, True),
        _shape("Qwen2.5-3B", 2048, 11008, 36, 16, 2, 151936, True),
        _shape("Qwen2.5-7B", 3584, 18944, 28, 28, 4, 152064, False),
        _shape("Qwen2.5-14B", 5120, 13824, 48, 40, 8, 152064, False),
        _shape("Qwen2.5-32B", 5120, 27648, 64, 40, 8, 152064, False),
        _shape("Qwen2.5-72B", 8192, 29568, 80, 64, 8, 152064, False),
        # DeepSeek-R1-Distill-Qwen-1.5B starts from Qwen2.5-Math-1.5B: the 1.5B shape with an untied lm_head.
        _shape("DeepSeek-R1-Distill-Qwen-1.5B", 1536, 8960, 28, 12, 2, 151936, False),
    ]
}
# Hub ids (or their last path part, lower case) → the shape they share.
ALIASES = {
    "qwen2.5-0.5b-instruct": "Qwen2.5-0.5B",
    "qwen2.5-coder-0.5b-instruct": "Qwen2.5-0.5B",
    "qwen2.5-1.5b-instruct": "Qwen2.5-1.5B",
    "qwen2.5-coder-1.5b-instruct": "Qwen2.5-1.5B",
    "qwen2.5-math-1.5b": "DeepSeek-R1-Distill-Qwen-1.5B",
    "qwen2.5-7b-instruct": "Qwen2.5-7B",
    "qwen2.5-math-7b": "Qwen2.5-7B",
    "qwen2.5-math-7b-rope-300k": "Qwen2.5-7B",
    "qwen2.5-coder-7b-instruct": "Qwen2.5-7B",
    "olympiccoder-7b": "Qwen2.5-7B",
    "openr1-distill-7b": "Qwen2.5-7B",
    "deepseek-r1-distill-qwen-7b": "Qwen2.5-7B",
    "qwen2.5-14b-instruct": "Qwen2.5-14B",
    "deepseek-r1-distill-qwen-14b": "Qwen2.5-14B",
    "qwen2.5-32b-instruct": "Qwen2.5-32B",
    "qwen2.5-coder-32b-instruct": "Qwen2.5-32B",
    "olympiccoder-32b": "Qwen2.5-32B",
    "deepseek-r1-distill-qwen-32b": "Qwen2.5-32B",
}


def get_shape(model: str) -> ModelShape:
    """A shape from a table name, a hub id (`Qwen/Qwen2.5-Coder-32B-Instruct`) or `nano://<kit>`."""
    if model.startswith("nano://"):
        from open_r1.nano.spec import get_spec, parse_uri

        spec = get_spec(parse_uri(model)[0].removesuffix("-init"))  # nano://<kit>-init has the kit's shape
        return ModelShape(
            model,
            spec.hidden_size,
            spec.intermediate_size,
            spec.num_layers,
            spec.num_heads,
            spec.num_kv_heads,
            spec.vocab_size,
            True,
        )
    key = model.rstrip("/").split("/")[-1]
    if key in SHAPES:
        return SHAPES[key]
    lowered = {k.lower(): k for k in SHAPES}
    name = lowered.get(key.lower()) or ALIASES.get(key.lower())
    if name is None:
        raise ConfigError(
            f"no built-in shape for model '{model}'",
            key="--model",
            fix=f"use one of {sorted(SHAPES)} (or a hub id listed in open_r1/labs/plan.py ALIASES), "
            "or give the shape with --shape hidden,intermediate,layers,heads,kv_heads,vocab.",
        )
    return SHAPES[name]


# ----------------------------------------------------------------------------------------------------------------
# The memory model


@dataclass
class Setup:
    """One way to train on some hardware: strategy, nodes and GPUs, sequence length, micro-batch, checkpointing,
    optimizer, precision, LoRA, GRPO's reference model and vLLM share; `estimate` prices it, `recommend` varies it,
    `lab_plan` reads one from a lab.
    """

    strategy: str = "zero3"
    nodes: int = 1
    gpus_per_node: int = 8
    seq_len: int = 4096
    micro_batch: int = 1
    checkpointing: bool = True
    optimizer: str = "adamw"
    # fp32 master copy (mixed precision). False = the model was loaded in bf16 and trains so: only the torch-native
    # strategies (DDP, FSDP) do that; DeepSpeed always keeps an fp32 master partition.
    master_weights: bool = True
    liger: bool = False  # fused linear cross-entropy: logits never materialised
    vllm_share: float = 0.0  # fraction of each training GPU reserved for a colocated vLLM engine
    reference_model: bool = False  # GRPO with beta > 0 keeps a frozen reference model
    logit_tokens: int | None = None  # tokens per sequence whose logits are computed (GRPO: the completion only)
    logit_bytes: int = 10  # per logit: SFT 2 (bf16) + 4 (fp32 upcast) + 4 (log-softmax); GRPO 2 + 2 + 2 (see HOW)
    fsdp_prefetch: int = 1  # units gathered ahead of the one computing (backward_prefetch / forward_prefetch)
    gpu_memory_gb: float = 80.0
    lora_rank: int = 0  # > 0: LoRA adapters of this rank train, the base model is frozen
    weight_bits: int = 16  # the frozen base's storage with LoRA: 16 (bf16), 8 (load_in_8bit), 4 (QLoRA, NF4)

    @property
    def ranks(self) -> int:
        return self.nodes * self.gpus_per_node

    def check(self) -> None:
        """Refuse a setup the memory model cannot price (unknown strategy or optimizer, unmodelled weight bits,
        quantized weights without LoRA, a vLLM share outside [0, 1), counts below 1) with a ConfigError naming the flag.
        """
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"unknown strategy '{self.strategy}'", key="--strategy", fix=f"use one of {STRATEGIES}.")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"unknown optimizer '{self.optimizer}'", key="--optimizer", fix=f"use one of {sorted(OPTIMIZERS)}."
            )
        if self.weight_bits not in FROZEN_BYTES:
            raise ConfigError(f"{self.weight_bits}-bit weights are not modelled", key="--bits", fix="use 16, 8 or 4.")
        if self.weight_bits != 16 and self.lora_rank <= 0:
            raise ConfigError(
                f"{self.weight_bits}-bit weights cannot be trained without adapters",
                key="--bits",
                fix="add --lora-rank N (QLoRA), or use --bits 16.",
            )
        if not 0 <= self.vllm_share < 1:
            raise ConfigError(f"vllm share {self.vllm_share} is not in [0, 1)", key="--vllm-share")
        for key in ("nodes", "gpus_per_node", "seq_len", "micro_batch"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be at least 1", key=f"--{key.replace('_', '-')}")


@dataclass
class Estimate:
    """Bytes per GPU of one Setup, by component (weights, gradients, optimizer, gathered parameters, activations,
    logits, reference model, vLLM share, allocator overhead): `estimate` produces it, `open-r1 plan` prints its columns
    and `fits` compares its total to the GPU.
    """

    weights: float
    gradients: float
    optimizer: float  # master copy + moments
    live_params: float  # gathered ZeRO-3 modules / FSDP units
    activations: float
    logits: float
    reference: float
    vllm: float
    overhead: float
    states_breakdown: dict[str, float] = field(default_factory=dict)

    @property
    def model_states(self) -> float:
        """What DeepSpeed's estimators call model states: weights, gradients, optimizer, gathered parameters."""
        return self.weights + self.gradients + self.optimizer + self.live_params

    @property
    def total(self) -> float:
        return self.model_states + self.activations + self.logits + self.reference + self.vllm + self.overhead


def model_state_bytes(shape: ModelShape, setup: Setup) -> dict[str, float]:
    """Weights, gradients, optimizer (master + moments) and gathered parameters on one GPU, in bytes."""
    psi, n = shape.params(), setup.ranks
    if setup.lora_rank > 0:
        return lora_state_bytes(shape, setup)
    moments = OPTIMIZERS[setup.optimizer]
    master = 4 if setup.master_weights else 0
    if setup.strategy == "ddp":
        return {"weights": 2 * psi, "gradients": 2 * psi, "optimizer": (master + moments) * psi, "live": 0}
    if setup.strategy == "zero2":
        # DeepSpeed keeps the bf16 weights whole, reduce-scatters bf16 grads into an fp32 partition (2 + 4 bytes),
        # and always holds an fp32 master partition.
        return {"weights": 2 * psi, "gradients": 6 * psi / n, "optimizer": (4 + moments) * psi / n, "live": 0}
    if setup.strategy == "zero3":
        # Everything partitioned; gradients land directly in the fp32 partition. While a module runs, its bf16
        # weights and grads are gathered whole (2 + 2 bytes of the largest module).
        return {
            "weights": 2 * psi / n,
            "gradients": 4 * psi / n,
            "optimizer": (4 + moments) * psi / n,
            "live": 4 * shape.largest_module_params(),
        }
    # FSDP: the flat parameter shard is the stored copy (fp32 = master, or bf16 when loaded so); gradients are
    # sharded in the same dtype; the unit computing and `prefetch` more are gathered in bf16, plus the computing
    # unit's unsharded grads before their reduce-scatter.
    stored = 4 if setup.master_weights else 2
    if not setup.master_weights and setup.optimizer == "adamw":
        moments = OPTIMIZERS["adamw_bf16"]  # torch AdamW keeps moments in the parameters' dtype
    unit = shape.fsdp_unit_params()
    return {
        "weights": stored * psi / n,
        "gradients": stored * psi / n,
        "optimizer": moments * psi / n,
        "live": (2 * (1 + setup.fsdp_prefetch) + stored) * unit,
    }


FROZEN_BYTES = {16: 2.0, 8: 1.0, 4: 4.127 / 8}  # bytes per frozen base parameter (NF4 + double-quant constants)


def lora_state_bytes(shape: ModelShape, setup: Setup) -> dict[str, float]:
    """Model states with a frozen base and fp32 LoRA adapters (see HOW): only the adapters have grads and moments."""
    psi, adapter, n = shape.params(), shape.lora_params(setup.lora_rank), setup.ranks
    base = FROZEN_BYTES[setup.weight_bits]
    moments = OPTIMIZERS[setup.optimizer]
    if setup.strategy == "ddp":
        return {"weights": base * psi + 4 * adapter, "gradients": 4 * adapter, "optimizer": moments * adapter,
                "live": 0}
    if setup.strategy == "zero2":
        return {"weights": base * psi + 4 * adapter, "gradients": 4 * adapter / n,
                "optimizer": moments * adapter / n, "live": 0}
    live = base * (shape.largest_module_params() if setup.strategy == "zero3"
                   else (1 + setup.fsdp_prefetch) * shape.fsdp_unit_params())
    return {"weights": (base * psi + 4 * adapter) / n, "gradients": 4 * adapter / n,
            "optimizer": moments * adapter / n, "live": live}


def activation_bytes(shape: ModelShape, setup: Setup) -> tuple[float, float]:
    """(activations kept for backward, logits + loss) on one GPU, in bytes."""
    tokens = setup.micro_batch * setup.seq_len
    per_layer = 2 * tokens * shape.activation_values_per_token_layer()
    if setup.checkpointing:
        acts = shape.layers * 2 * tokens * shape.hidden + per_layer
    else:
        acts = shape.layers * per_layer
    logit_tokens = setup.micro_batch * (setup.logit_tokens or setup.seq_len)
    logits = 0.0 if setup.liger else logit_tokens * shape.vocab * setup.logit_bytes
    return float(acts), float(logits)


def estimate(shape: ModelShape, setup: Setup) -> Estimate:
    """Price a setup for a model: model states for its strategy (or LoRA), activations and logits, a reference model and
    vLLM share when present, plus fixed and proportional allocator overhead, as an Estimate in bytes per GPU.
    """
    setup.check()
    states = model_state_bytes(shape, setup)
    acts, logits = activation_bytes(shape, setup)
    psi = shape.params()
    sharded = setup.strategy in ("zero3", "fsdp")
    reference = (2 * psi / setup.ranks if sharded else 2 * psi) if setup.reference_model else 0.0
    gpu = setup.gpu_memory_gb * GiB
    vllm = setup.vllm_share * gpu
    subtotal = sum(states.values()) + acts + logits + reference + vllm
    return Estimate(
        weights=states["weights"],
        gradients=states["gradients"],
        optimizer=states["optimizer"],
        live_params=states["live"],
        activations=acts,
        logits=logits,
        reference=reference,
        vllm=vllm,
        overhead=OVERHEAD_FIXED + OVERHEAD_FRACTION * subtotal,
        states_breakdown=states,
    )


def fits(est: Estimate, setup: Setup) -> bool:
    """Whether an estimate's total stays within the setup's GPU memory: the test `recommend` and the profile check apply
    to every candidate.
    """
    return est.total <= setup.gpu_memory_gb * GiB


def vllm_kv_tokens(shape: ModelShape, memory_bytes: float, tensor_parallel: int = 1) -> int:
    """Tokens of KV cache that fit in `memory_bytes` of one GPU after vLLM's share of the bf16 weights."""
    free = memory_bytes - 2 * shape.params() / tensor_parallel
    return max(0, int(free // (shape.kv_bytes_per_token() / tensor_parallel)))


def vllm_fit(shape: ModelShape, memory_bytes: float) -> tuple[int, int]:
    """(tensor parallel size, KV tokens per GPU): the smallest TP (1, 2, 4, 8) that leaves half the share for KV."""
    tp = 1
    while tp < 8 and 2 * shape.params() / tp > memory_bytes / 2:
        tp *= 2
    return tp, vllm_kv_tokens(shape, memory_bytes, tp)


# ----------------------------------------------------------------------------------------------------------------
# Recommendation


@dataclass
class Recommendation:
    """What `recommend` suggests for a model: the strategy, node count, micro-batch and checkpointing that fit, the
    estimated GiB per GPU, and a sentence saying why, which `open-r1 plan` prints.
    """

    strategy: str
    nodes: int
    micro_batch: int
    checkpointing: bool
    total_gib: float
    reason: str


def recommend(
    shape: ModelShape, base: Setup, max_nodes: int = 64, strategies: tuple[str, ...] = STRATEGIES
) -> Recommendation | None:
    """The simplest strategy that fits on the fewest nodes, then the largest micro-batch (≤ the recipe's).

    Simplest first: DDP (no sharding traffic) < ZeRO-2 < FSDP / ZeRO-3 (gather every layer twice per step).
    Checkpointing is kept as the recipe has it and switched on only if nothing fits without it.
    """
    order = [s for s in ("ddp", "zero2", "fsdp", "zero3") if s in strategies]
    node_counts = [n for n in (1, 2, 4, 8, 16, 32, 64, 128) if n <= max_nodes]
    for checkpointing in dict.fromkeys([base.checkpointing, True]):
        for nodes in node_counts:
            for strategy in order:
                setup = replace(base, strategy=strategy, nodes=nodes, checkpointing=checkpointing, micro_batch=1)
                if not fits(estimate(shape, setup), setup):
                    continue
                micro = 1
                while micro * 2 <= base.micro_batch and fits(
                    estimate(shape, replace(setup, micro_batch=micro * 2)), setup
                ):
                    micro *= 2
                setup.micro_batch = micro
                total = estimate(shape, setup).total / GiB
                why = f"{STRATEGY_TITLES[strategy]} is the simplest strategy that fits on {nodes} node(s)"
                if micro < base.micro_batch:
                    accum = math.ceil(base.micro_batch / micro)
                    why += f"; micro-batch {micro} (×{accum} more accumulation keeps the global batch)"
                if checkpointing and not base.checkpointing:
                    why += "; needs activation checkpointing"
                return Recommendation(strategy, nodes, micro, checkpointing, round(total, 1), why)
    return None


# ----------------------------------------------------------------------------------------------------------------
# Labs


def strategy_of_accelerate_config(path: Path) -> str:
    """The memory model's strategy name (ddp, zero2, zero3 or fsdp) for an accelerate config file, from its
    distributed_type and DeepSpeed zero_stage; how a lab's profile says how it shards.
    """
    from open_r1.core.configs import load_yaml

    cfg = load_yaml(path)
    kind = cfg.get("distributed_type")
    if kind == "FSDP":
        return "fsdp"
    if kind == "DEEPSPEED":
        stage = int(cfg.get("deepspeed_config", {}).get("zero_stage", 2))
        return {2: "zero2", 3: "zero3"}.get(stage, "zero2")
    return "ddp"


@dataclass
class LabPlan:
    """A lab profile translated for the memory model: the lab, its model id and shape, the Setup its recipe and
    accelerate config imply, the kind (sft, grpo, inference) and notes on the assumptions made; `lab_plan` builds it for
    `open-r1 plan --lab` and the profile chooser.
    """

    lab: str
    model: str
    shape: ModelShape
    setup: Setup
    kind: str  # sft | grpo | inference
    notes: list[str]


def lab_plan(name: str, profile: str = "full", recipe_path: str | Path | None = None) -> LabPlan:
    """The plan of a lab's profile: its resources and accelerate config, with its own recipe or `recipe_path`
    (e.g. labs/grpo-math/recipes/full-lora.yaml: the same hardware, a LoRA recipe)."""
    from open_r1.core.configs import load_yaml
    from open_r1.core.paths import project_path
    from open_r1.labs.manifest import load_lab, resources

    lab = load_lab(name)
    prof = lab.profile(profile)
    # A pipeline lab is planned by its first stage: the one that names the model every later stage inherits.
    first = lab.stages[0] if lab.is_pipeline and recipe_path is None else None
    recipe = load_yaml(recipe_path or (lab.stage_recipe(profile, first.name) if first else lab.recipe_path(profile)))
    res = resources(lab, profile)
    model = recipe["model_name_or_path"]
    shape = get_shape(model)
    entry = first.entrypoint if first else lab.entrypoint
    kind = entry.split()[-1] if entry.startswith("train") else "inference"
    notes: list[str] = []
    strategy = strategy_of_accelerate_config(project_path(prof.accelerate_config)) if prof.accelerate_config else "ddp"
    gpus = max(res.gpus, 1)
    train_gpus = prof.num_processes // res.nodes if prof.num_processes and res.gpus else gpus
    if kind == "grpo":
        # TRL 1.16 has no max_prompt_length; the reference recipes use 512-token prompts.
        completion = int(recipe.get("max_completion_length", 256))
        seq = 512 + completion
        notes.append("GRPO sequence = 512 prompt + max_completion_length tokens; logits on the completion only")
    elif kind == "sft":
        seq = int(recipe.get("max_length", 1024))
    else:
        seq = int(recipe.get("max_new_tokens", 1024))
    dtype = recipe.get("dtype", "bfloat16")
    optim = str(recipe.get("optim", "adamw_torch"))
    optimizer = "adamw_8bit" if "8bit" in optim else "adamw"
    vllm_share = 0.0
    if recipe.get("use_vllm") and recipe.get("vllm_mode", "server") == "colocate":
        vllm_share = float(recipe.get("vllm_gpu_memory_utilization", 0.3))
    if recipe.get("use_vllm") and recipe.get("vllm_mode", "server") == "server":
        notes.append(f"vLLM serves on {gpus - train_gpus if gpus > train_gpus else 'its own'} GPU(s) (server mode)")
    setup = Setup(
        strategy=strategy,
        nodes=res.nodes,
        gpus_per_node=train_gpus,
        seq_len=seq,
        micro_batch=int(recipe.get("per_device_train_batch_size", 1)),
        checkpointing=bool(recipe.get("activation_checkpointing", recipe.get("gradient_checkpointing", False))),
        optimizer=optimizer,
        # FSDP shards whatever dtype the model was loaded in; DeepSpeed always keeps an fp32 master.
        master_weights=not (strategy == "fsdp" and dtype == "bfloat16"),
        liger=bool(recipe.get("use_liger_kernel", False)),
        vllm_share=vllm_share,
        reference_model=float(recipe.get("beta", 0.0)) > 0,
        gpu_memory_gb=float(res.gpu_memory_gb or 80),
        lora_rank=int(recipe.get("lora_r", 16)) if recipe.get("use_peft") else 0,  # 16: TRL's default lora_r
        weight_bits=4 if recipe.get("load_in_4bit") else 8 if recipe.get("load_in_8bit") else 16,
    )
    if setup.lora_rank:
        adapter = shape.lora_params(setup.lora_rank)
        notes.append(
            f"LoRA rank {setup.lora_rank} on every linear layer: {adapter / 1e6:.1f} M trainable parameters "
            f"({adapter / shape.params():.2%} of {shape.params() / 1e9:.2f} B); frozen base in "
            f"{'bf16' if setup.weight_bits == 16 else f'{setup.weight_bits}-bit'}"
        )
    if kind == "grpo":
        setup.logit_tokens, setup.logit_bytes = completion, 6
    return LabPlan(name, model, shape, setup, kind, notes)


# ----------------------------------------------------------------------------------------------------------------
# CLI


ESTIMATE_COLUMNS = ["weights", "grads", "optim", "gathered", "activ.", "logits", "ref+vLLM", "overhead", "total"]
