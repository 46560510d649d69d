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
# # GRPO explained, by hand
#
# **Part 1, Foundations — tutorial 3 of 5.** You will compute every quantity of one GRPO update by hand on a tiny
# batch sampled from the nano model — group-relative advantages, probability ratios, the clipped objective, the
# KL penalty (k3 estimator) and the three loss aggregations `grpo`, `dr_grpo` and `dapo` — and check each number
# against TRL 1.16's own `GRPOTrainer._compute_loss`.
#
# ## Concept overview
#
# GRPO (DeepSeekMath, arXiv 2402.03300 §4.1) is PPO without the value network. For a question *q* the policy
# samples a **group** of *G* answers o₁ … o_G; a rule scores each one (r_i); the baseline is simply the group's
# mean reward:
#
# ```text
# advantage      Â_i = (r_i − mean(r_1..r_G)) / (std(r_1..r_G) + 1e-4)      same value for every token of o_i
# ratio          ρ_i,t = π_θ(o_i,t | q, o_i,<t) / π_old(o_i,t | q, o_i,<t)
# clipped term   L_i,t = min(ρ_i,t Â_i , clip(ρ_i,t, 1−ε, 1+ε) Â_i)
# KL (k3)        D_i,t = π_ref/π_θ − log(π_ref/π_θ) − 1                       ≥ 0, unbiased for KL(π_θ‖π_ref)
# per token      ℓ_i,t = −L_i,t + β ρ_i,t D_i,t
# ```
#
# (The ρ in front of the KL term is TRL 1.16's `use_bias_correction_kl`, on by default: the tokens were sampled from
# π_old, so an estimate of a KL *under π_θ* needs the importance weight. DeepSeekMath's formula has no ρ there; at
# the first step ρ = 1 and the two agree.)
#
# DeepSeek-R1 (arXiv 2501.12948 §2.2.1) trains R1-Zero and R1 with exactly this objective. The variants differ in
# **how the per-token losses are averaged** — and that choice has consequences for answer length:
#
# ```text
# grpo     (1/G) Σ_i  (1/|o_i|) Σ_t ℓ_i,t         each answer weighs the same, whatever its length
# dr_grpo  Σ_i Σ_t ℓ_i,t / (G × L_max)            a constant normaliser (Dr. GRPO, arXiv 2503.20783 §3)
# dapo     Σ_i Σ_t ℓ_i,t / Σ_i |o_i|              each token weighs the same (DAPO, arXiv 2503.14476 §3.3)
# ```
#
# ## Code walkthrough
#
# This project does not re-implement the loss: [[open_r1/train/grpo.py:train_grpo]] hands the reward functions
# and the config to TRL's `GRPOTrainer`, which samples, scores, computes the advantages
# (`_generate_and_score_completions`) and the loss (`_compute_loss`). The knobs live in the recipe:
# [[labs/grpo-math/recipes/nano.yaml:loss_type]] (`dapo`), [[labs/grpo-math/recipes/nano.yaml:beta]] (0: no KL
# term, no reference model), `num_generations` (G), `epsilon` (ε, default 0.2), `scale_rewards` (divide by the
# group's std or not). The rewards come from [[open_r1/rewards/registry.py:get_reward_funcs]]; their weighted sum is
# r_i. The formulas below were read from `trl/trainer/grpo_trainer.py` of TRL 1.16 in this environment. Note that
# TRL's *default* `loss_type` is `dapo` and its default β is 0.
#
# ## Hands-on
#
# ### 1. A tiny batch: 2 questions × 4 answers

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import warnings

import torch

from open_r1.labs.nano_build import ensure_nano_model
from open_r1.models import get_tokenizer
from open_r1.nano.datasets import rows_for

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
torch.manual_seed(0)
model_path = str(ensure_nano_model("nano://math"))  # built into the cache on first use (~1.5 min)
tokenizer = get_tokenizer(model_path)

from transformers import AutoModelForCausalLM

policy = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).eval()
G, MAX_NEW = 4, 40
problems = rows_for("math", "train")[:40]
print(problems[0])

# %% [markdown]
# Sample G answers per question at temperature 1 (as GRPO does), and keep two questions whose answers *disagree*:
# a group whose answers all get the same reward has all advantages 0 and teaches nothing (see the deep dive).

# %%
from open_r1.rewards import get_reward_funcs

accuracy, fmt = get_reward_funcs(["accuracy", "format"])
weights = torch.tensor([1.0, 0.5])  # reward_weights, as in the grpo-math nano recipe


def sample_group(row, seed):
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": row["problem"]}], tokenize=False, add_generation_prompt=True
    )
    enc = tokenizer([prompt] * G, return_tensors="pt", add_special_tokens=False)
    torch.manual_seed(seed)
    with torch.no_grad():
        out = policy.generate(
            **enc,
            do_sample=True,
            temperature=1.0,
            top_k=None,
            top_p=None,
            max_new_tokens=MAX_NEW,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
    return prompt, out[:, enc["input_ids"].shape[1] :]


batch = []
for seed, row in enumerate(problems):
    prompt, completion_ids = sample_group(row, seed)
    texts = tokenizer.batch_decode(completion_ids, skip_special_tokens=True)
    scores = torch.tensor(
        [accuracy(texts, solution=[row["solution"]] * G), fmt(texts)], dtype=torch.float32
    ).T  # (G, 2): one column per reward
    if scores[:, 0].std() > 0:
        batch.append(
            {"row": row, "prompt": prompt, "completion_ids": completion_ids, "texts": texts, "scores": scores}
        )
    if len(batch) == 2:
        break

for item in batch:
    print(item["row"]["problem"], "gold", item["row"]["answer"])
    for text, (acc, form) in zip(item["texts"], item["scores"].tolist(), strict=True):
        answer = text.split("<answer>")[-1].split("</answer>")[0].strip()
        print(f"   accuracy {acc:.0f}  format {form:.0f}  answer {answer!r}")

# %% [markdown]
# ### 2. Rewards → group-relative advantages
#
# TRL sums the weighted rewards (ignoring a `None`, i.e. NaN), then normalises within each group of G. Its std is
# the sample standard deviation (Bessel's correction, as `trl.trainer.utils.nanstd`).

# %%
scores = torch.cat([b["scores"] for b in batch])  # (B, 2), B = 2 × G
rewards = (scores * weights).nansum(dim=1)  # r_i
grouped = rewards.view(-1, G)
mean = grouped.mean(dim=1).repeat_interleave(G)
std = grouped.std(dim=1).repeat_interleave(G)  # unbiased (n − 1), like TRL
advantages = (rewards - mean) / (std + 1e-4)
print("rewards   ", rewards.tolist())
print("advantages", [round(a, 4) for a in advantages.tolist()])

from trl.trainer.utils import nanstd

assert torch.allclose(std, nanstd(grouped, dim=1).repeat_interleave(G))

# %% [markdown]
# ### 3. Per-token log-probabilities
#
# The model's logits at position t predict token t+1, so the completion's log-probs come from the positions just
# before each completion token. TRL divides the logits by the sampling temperature first. Prompts are left-padded,
# completions right-padded, and the completion mask stops after the first EOS (`<|im_end|>`).


# %%
def pad(seqs, value, left):
    width = max(len(s) for s in seqs)
    rows = [([value] * (width - len(s)) + s) if left else (s + [value] * (width - len(s))) for s in seqs]
    return torch.tensor(rows)


prompt_lists, completion_lists = [], []
for item in batch:
    ids = tokenizer(item["prompt"], add_special_tokens=False)["input_ids"]
    for c in item["completion_ids"].tolist():
        prompt_lists.append(ids)
        # keep tokens up to and including the first EOS, like TRL's completion mask
        end = c.index(tokenizer.eos_token_id) + 1 if tokenizer.eos_token_id in c else len(c)
        completion_lists.append(c[:end])
pad_id = tokenizer.pad_token_id
prompt_ids = pad(prompt_lists, pad_id, left=True)
prompt_mask = pad([[1] * len(p) for p in prompt_lists], 0, left=True)
completion_ids = pad(completion_lists, pad_id, left=False)
completion_mask = pad([[1] * len(c) for c in completion_lists], 0, left=False)
print(
    "prompt_ids",
    tuple(prompt_ids.shape),
    "completion_ids",
    tuple(completion_ids.shape),
    "completion tokens",
    int(completion_mask.sum()),
)


def per_token_logps(model, temperature=1.0):
    input_ids = torch.cat([prompt_ids, completion_ids], dim=1)
    attention_mask = torch.cat([prompt_mask, completion_mask], dim=1)
    logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
    logits = logits[:, -completion_ids.size(1) - 1 : -1, :] / temperature  # position t predicts token t + 1
    return logits.log_softmax(-1).gather(-1, completion_ids.unsqueeze(-1)).squeeze(-1)  # (B, C)


with torch.no_grad():
    old_logps = per_token_logps(policy)  # π_old: the policy that sampled
ref_logps = old_logps.clone()  # π_ref: at the first step the reference is the same model

# %% [markdown]
# ### 4. One update, so that the ratios move
#
# With one optimisation step per batch (`num_iterations: 1`) π_θ = π_old when the loss is computed, every ratio is
# exactly 1 and clipping never triggers. To see clipping and the KL at work, take one gradient step on a copy of
# the policy (plain SGD on the `grpo` objective, learning rate 0.1 — large for a model this small) and compute
# everything at the new θ.

# %%
import copy

EPS, BETA = 0.2, 0.04
theta = copy.deepcopy(policy).train()
mask = completion_mask.float()
A = advantages.unsqueeze(1)  # (B, 1): one advantage per answer, broadcast over its tokens

logps = per_token_logps(theta)
surrogate = (torch.exp(logps - old_logps) * A * mask).sum(1) / mask.sum(1)
(-surrogate.mean()).backward()
with torch.no_grad():
    for p in theta.parameters():
        p -= 0.1 * p.grad
theta.zero_grad()

with torch.no_grad():
    logps = per_token_logps(theta)
ratio = torch.exp(logps - old_logps)
valid = mask.bool()
print(
    f"ratio: min {ratio[valid].min():.3f}  max {ratio[valid].max():.3f}  "
    f"outside [0.8, 1.2]: {((ratio - 1).abs() > EPS)[valid].float().mean():.1%} of tokens"
)

# %% [markdown]
# ### 5. The loss, by hand


# %%
def grpo_loss_by_hand(logps, loss_type, max_completion_length=MAX_NEW, eps=EPS, beta=BETA, bias_correction=True):
    ratio = torch.exp(logps - old_logps)
    clipped = torch.clamp(ratio, 1 - eps, 1 + eps)
    objective = torch.min(ratio * A, clipped * A)  # L_i,t
    delta = ref_logps - logps
    kl = torch.exp(delta) - delta - 1  # k3
    if bias_correction:
        kl = kl * ratio  # TRL's use_bias_correction_kl (default): the samples came from π_old
    per_token = -objective + beta * kl  # ℓ_i,t
    if loss_type == "grpo":
        return ((per_token * mask).sum(1) / mask.sum(1)).mean()
    if loss_type == "dr_grpo":
        return (per_token * mask).sum() / (per_token.size(0) * max_completion_length)
    if loss_type == "dapo":
        return (per_token * mask).sum() / mask.sum()
    raise ValueError(loss_type)


by_hand = {name: grpo_loss_by_hand(logps, name).item() for name in ("grpo", "dr_grpo", "dapo")}
print({k: round(v, 6) for k, v in by_hand.items()})

# %% [markdown]
# ### 6. The same numbers from TRL 1.16
#
# `GRPOTrainer._compute_loss(model, inputs)` computes the loss of a prepared batch. We build a trainer around the
# nano model with the same settings, put θ's weights in it, hand it our tensors, and compare. (Two attributes that
# the training loop would set are set by hand: the gradient-accumulation step count and train mode.)

# %%
from datasets import Dataset
from trl import GRPOConfig, GRPOTrainer

config = GRPOConfig(
    output_dir=str(__import__("tempfile").mkdtemp()),
    use_cpu=True,
    bf16=False,
    report_to="none",
    per_device_train_batch_size=len(prompt_lists),
    num_generations=G,
    max_completion_length=MAX_NEW,
    beta=BETA,
    epsilon=EPS,
    temperature=1.0,
    loss_type="grpo",
    logging_steps=1,
)
dataset = Dataset.from_list([{"prompt": [{"role": "user", "content": b["row"]["problem"]}]} for b in batch] * G)
trainer = GRPOTrainer(
    model=model_path, reward_funcs=[accuracy], args=config, train_dataset=dataset, processing_class=tokenizer
)
trainer.model.load_state_dict(theta.state_dict())
trainer.model.train()
trainer.current_gradient_accumulation_steps = 1
inputs = {
    "prompt_ids": prompt_ids,
    "prompt_mask": prompt_mask,
    "completion_ids": completion_ids,
    "completion_mask": completion_mask,
    "advantages": advantages,
    "old_per_token_logps": old_logps,
    "ref_per_token_logps": ref_logps,
    "num_items_in_batch": completion_mask.sum(),
}
from_trl = {}
for loss_type in ("grpo", "dr_grpo", "dapo"):
    trainer.loss_type = loss_type
    with torch.no_grad():
        from_trl[loss_type] = trainer._compute_loss(trainer.model, inputs).item()
for name in by_hand:
    print(
        f"{name:8s} by hand {by_hand[name]: .7f}   TRL {from_trl[name]: .7f}   "
        f"difference {abs(by_hand[name] - from_trl[name]):.1e}"
    )
    assert abs(by_hand[name] - from_trl[name]) < 1e-5

# %% [markdown]
# The three numbers match TRL to float32 precision. TRL also logs, per step, the mean KL and the fraction of tokens
# clipped — the same quantities computed above:

# %%
metrics = trainer._metrics["train"]
print({k: round(float(v[-1]), 5) for k, v in metrics.items() if k.startswith(("kl", "clip_ratio"))})

# %% [markdown]
# ## Deep dive
#
# **Why the clip.** The surrogate ρÂ is only a good approximation of the true objective while π_θ stays close to
# π_old. For a good answer (Â > 0) the objective stops growing once ρ > 1 + ε; for a bad one (Â < 0) once
# ρ < 1 − ε. `min` keeps the pessimistic side, so a step never gains from moving further than ε. DAPO (§3.1,
# "clip-higher") raises the upper bound (`epsilon_high: 0.28`) so rare good tokens can grow faster.

# %%
import matplotlib.pyplot as plt

r = torch.linspace(0.5, 1.5, 201)
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3), sharey=False)
for ax, a in zip(axes, (1.0, -1.0), strict=True):
    ax.plot(r, r * a, "--", color="grey", label="ρ·Â (unclipped)")
    ax.plot(r, torch.min(r * a, torch.clamp(r, 1 - EPS, 1 + EPS) * a), color="C0", lw=2, label="clipped objective")
    sel = valid & ((A > 0) if a > 0 else (A < 0))  # our tokens whose answer has an advantage of this sign
    ours = torch.min(ratio[sel] * a, torch.clamp(ratio[sel], 1 - EPS, 1 + EPS) * a)
    ax.scatter(ratio[sel], ours, s=8, color="C1", zorder=3, label="our tokens (per unit of |Â|)")
    ax.axvspan(1 - EPS, 1 + EPS, color="C0", alpha=0.07)
    ax.set_title(f"Â {'> 0' if a > 0 else '< 0'}")
    ax.set_xlabel("ratio ρ = π_θ / π_old")
axes[0].legend(fontsize=7)
fig.tight_layout()
plt.close(fig)
fig

# %% [markdown]
# **Why k3.** KL(π_θ‖π_ref) = E_{o∼π_θ}[log π_θ(o)/π_ref(o)] is estimated from the sampled tokens only. The naive
# estimator log(π_θ/π_ref) is unbiased but often negative and noisy; k3 = ρ' − log ρ' − 1 with ρ' = π_ref/π_θ is
# also unbiased (E_π_θ[ρ'] = 1) and never negative. A quick check on two random distributions:

# %%
torch.manual_seed(1)
p = torch.softmax(torch.randn(50), 0)  # π_θ
q = torch.softmax(torch.randn(50), 0)  # π_ref
exact = (p * (p / q).log()).sum()
draws = torch.multinomial(p, 200_000, replacement=True)
k1 = (p[draws] / q[draws]).log()
k3 = q[draws] / p[draws] - (q[draws] / p[draws]).log() - 1
print(
    f"exact KL {exact:.4f} | k1 mean {k1.mean():.4f} (std {k1.std():.2f}, negative {(k1 < 0).float().mean():.0%})"
    f" | k3 mean {k3.mean():.4f} (std {k3.std():.2f}, negative {(k3 < 0).float().mean():.0%})"
)

# %% [markdown]
# **Why the aggregation matters (length bias).** With `grpo`, a 10-token answer and a 40-token answer each carry
# weight 1/G, so each token of the long one counts 4× less. For a *wrong* answer (Â < 0) the per-token penalty
# shrinks as the answer grows: the policy learns that long wrong answers are cheap, and responses lengthen without
# getting better — the bias Dr. GRPO (§3.1) points out. `dapo` gives every token the same weight; `dr_grpo` divides by
# a constant. Dr. GRPO also drops the division by the group's std (`scale_rewards: none`): dividing by a small std
# up-weights questions that are nearly always right or nearly always wrong.

# %%
lengths = mask.sum(1)
for name, weight_of_token in {
    "grpo": 1 / (len(lengths) * lengths),
    "dr_grpo": torch.full_like(lengths, 1 / (len(lengths) * MAX_NEW)),
    "dapo": torch.full_like(lengths, 1 / lengths.sum()),
}.items():
    print(f"{name:8s} weight of one token, per answer: " + " ".join(f"{w:.4f}" for w in weight_of_token.tolist()))
print("answer lengths:", lengths.int().tolist())

# %% [markdown]
# **Zero-variance groups.** If all G answers get the same reward, every Â_i is 0 and (with β = 0) the group adds
# nothing to the gradient. On an easy dataset most groups are like that; DAPO's *dynamic sampling* (§3.2) keeps
# sampling until a batch is made of informative groups. TRL logs the share as `frac_reward_zero_std`.
#
# ## Pitfalls and debugging
#
# - **The loss is not the objective to watch.** At each step π_θ = π_old, so the policy term is −mean(Â) ≈ 0 and the
#   logged loss hovers near zero (plus β·KL). Watch the rewards, `frac_reward_zero_std`, `clip_ratio` and held-out
#   accuracy instead.
# - **Temperature.** TRL divides the logits by `temperature` before computing log-probs. Log-probs computed at
#   another temperature give ratios ≠ 1 at step 0.
# - **Off by one.** The logit at position t scores token t + 1; taking `logits[:, -C:]` instead of
#   `logits[:, -C-1:-1]` scores every token with the wrong distribution.
# - **Masking after EOS.** Tokens generated after the first EOS are padding; counting them changes the `grpo` and
#   `dapo` denominators.
# - **β = 0 means no reference model** (TRL does not load one); then `kl` is not logged.
# - **std + 1e-4.** A group with identical rewards has std 0; the 1e-4 keeps the division finite and the advantages 0.
#
# ## Exercises
#
# **Exercise 1.** Write `group_advantages(rewards, G, scale)` for the three `scale_rewards` modes of TRL:
# `"group"` (divide by each group's std), `"batch"` (divide by the std of the whole batch) and `"none"` (no division).
# Check it against the advantages above and against hand-made cases.


# %% tags=["solution"]
def group_advantages(rewards: torch.Tensor, G: int, scale: str = "group") -> torch.Tensor:
    grouped = rewards.view(-1, G)
    centred = rewards - grouped.mean(1).repeat_interleave(G)
    if scale == "none":
        return centred
    std = grouped.std(1).repeat_interleave(G) if scale == "group" else rewards.std().expand_as(rewards)
    return centred / (std + 1e-4)


print(group_advantages(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.5, 1.5, 1.5, 1.5]), 4, "group"))

# %% tags=["check"]
assert torch.allclose(group_advantages(rewards, G, "group"), advantages)
assert torch.allclose(group_advantages(torch.tensor([1.0, 1.0, 0.0, 0.0]), 2, "none"), torch.zeros(4))
same = group_advantages(torch.tensor([2.0, 2.0, 2.0, 2.0, 0.0, 1.0, 0.0, 1.0]), 4, "group")
assert torch.all(same[:4] == 0) and torch.allclose(same[4:].abs(), torch.full((4,), 0.8659), atol=1e-3)
batch_mode = group_advantages(torch.tensor([0.0, 1.0, 0.0, 3.0]), 2, "batch")
assert torch.allclose(
    batch_mode, torch.tensor([-0.5, 0.5, -1.5, 1.5]) / (torch.tensor([0.0, 1.0, 0.0, 3.0]).std() + 1e-4)
)
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Write `k3(logp, ref_logp)` and show on random log-probabilities that it is never negative and is
# zero exactly where the two are equal.


# %% tags=["solution"]
def k3(logp: torch.Tensor, ref_logp: torch.Tensor) -> torch.Tensor:
    d = ref_logp - logp
    return torch.exp(d) - d - 1


x = torch.randn(1000) - 3
print(k3(x, x + 0.1 * torch.randn(1000)).min().item() >= 0)

# %% tags=["check"]
y = x + 0.5 * torch.randn(1000)
assert (k3(x, y) >= 0).all() and torch.allclose(k3(x, x), torch.zeros(1000))
assert (k3(x, y) > 0).any(), "k3 must be positive where the two differ"
# k3 averaged under the policy is exactly KL(π_θ‖π_ref) (Schulman's unbiased estimator): check on two categorical
# distributions, against the KL computed from its definition
p_theta, p_ref = torch.softmax(torch.randn(50), 0), torch.softmax(torch.randn(50), 0)
kl = (p_theta * (p_theta / p_ref).log()).sum()
assert kl > 0.01 and torch.allclose((p_theta * k3(p_theta.log(), p_ref.log())).sum(), kl, atol=1e-6)
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** `dr_grpo` divides by `max_completion_length`, a config value, not by the batch. Predict the
# `dr_grpo` loss TRL computes for the same batch with `max_completion_length = 64`, then check with the trainer.

# %% tags=["solution"]
predicted = by_hand["dr_grpo"] * MAX_NEW / 64
trainer.loss_type, trainer.max_completion_length = "dr_grpo", 64
with torch.no_grad():
    measured = trainer._compute_loss(trainer.model, inputs).item()
print(f"predicted {predicted:.7f}, TRL {measured:.7f}")

# %% tags=["check"]
assert abs(predicted - measured) < 1e-6
print("exercise 3: ok")

# %% [markdown]
# ## What next
#
# [Tutorial 4](04-rewards.md) looks at where r_i comes from: the reward library, weights, and what happens when a
# reward can be satisfied without solving the problem.
