"""A tokenizer trained here, with Qwen2's exact pipeline, so the nano model needs nothing from a hub.

WHAT
    `train_tokenizer(corpus, vocab_size)` returns a `transformers.Qwen2Tokenizer` whose BPE merges were learned on
    `corpus`, with the ChatML special tokens, the four reasoning tags as *non-special* added tokens, and a chat
    template that marks assistant turns with `{% generation %}` and honours an `enable_thinking` switch.

WHY
    R1-style training (arXiv 2501.12948 §2.2.3, Table 1) relies on the `<think>`/`<answer>` template. The tags must
    be non-special: GRPO decodes completions with `skip_special_tokens=True`, which would delete special tags and
    make every format reward 0. `{% generation %}` lets SFT compute the loss on assistant tokens only
    (`assistant_only_loss`). The pipeline must be Qwen2's to the letter (NFC, Qwen2's split regex, ByteLevel without
    its own regex) because transformers 5 rebuilds a Qwen2 tokenizer's normaliser and pre-tokenizer from code,
    ignoring what `tokenizer.json` says: any other pipeline would give different ids after a reload.

HOW
    1. A `tokenizers.Tokenizer` with an empty BPE model and the Qwen2 pipeline is trained with `BpeTrainer` on the
       corpus; the initial alphabet is all 256 byte symbols, so any Unicode text still encodes.
    2. Its vocab and merges seed a real `Qwen2Tokenizer`; special and added tokens are attached; EOS is
       `<|im_end|>` (the end of an assistant turn) and PAD is `<|endoftext|>` — distinct, so a model trained with
       padding still learns to stop.

DATA FLOW
    open_r1.labs.nano_build → `train_tokenizer` → saved beside the nano model → loaded by open_r1.models.get_tokenizer
    for SFT, GRPO and evaluation, exactly like a hub tokenizer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, trainers
from tokenizers.models import BPE
from transformers import AddedToken, Qwen2Tokenizer

# The split regex Qwen2 uses (every digit its own pre-token, which keeps arithmetic digit-aligned).
from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

from open_r1.core.chat import chatml_template

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
REASONING_TAGS = ["<think>", "</think>", "<answer>", "</answer>"]

# ChatML, as Qwen2.5 writes it, plus `{% generation %}` markers for assistant-only loss and an `enable_thinking`
# switch: when false the template pre-fills an empty think block, so the model answers directly.
CHAT_TEMPLATE = chatml_template(generation_markers=True, thinking_switch=True)


def _qwen2_pipeline(tokenizer: Tokenizer) -> None:
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()


def train_tokenizer(corpus: Iterable[str], vocab_size: int = 400) -> Qwen2Tokenizer:
    """Learn BPE merges on `corpus` and wrap them in a Qwen2Tokenizer with the R1 chat template.

    >>> tok = train_tokenizer(["Compute 1 + 2.", "<think>\\n1 + 2 = 3\\n</think>"], vocab_size=300)
    >>> tok.convert_ids_to_tokens(tok("<think>")["input_ids"])
    ['<think>']
    """
    raw = Tokenizer(BPE(unk_token=None, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False))
    _qwen2_pipeline(raw)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    raw.train_from_iterator(corpus, trainer=trainer)
    vocab = raw.get_vocab()
    # The BPE model does not expose its merges; its JSON form lists them in merge order.
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in json.loads(raw.to_str())["model"]["merges"]]
    tok = Qwen2Tokenizer(
        vocab=vocab,
        merges=merges,
        unk_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
    )
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>"]})
    tok.add_tokens([AddedToken(tag, special=False, normalized=False) for tag in REASONING_TAGS])
    tok.chat_template = CHAT_TEMPLATE
    tok.model_max_length = 512
    return tok
