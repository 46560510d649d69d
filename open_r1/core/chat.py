"""The ChatML chat template, written once: plain, with `{% generation %}` markers, and with a thinking switch.

WHAT
    `chatml_template(generation_markers=False, thinking_switch=False) -> str` builds the Jinja template;
    `CHATML_TEMPLATE` (plain: installed on base models that ship none), `CHATML_GENERATION_TEMPLATE` (assistant
    turns wrapped in `{% generation %}` for assistant-only loss) are the two the trainers use; the nano tokenizer
    adds the `enable_thinking` switch.
WHY
    Qwen2.5 (the family every R1-Distill student and the nano model belong to) speaks ChatML:
    `<|im_start|>role\\n content<|im_end|>\\n`. TRL's assistant-only loss needs the assistant's content *and* its
    `<|im_end|>` inside `{% generation %}` so the end-of-turn token is trained (a model that never learns it never
    stops). `enable_thinking: false` pre-fills an empty think block, the switch R1-style chat templates offer for
    answering without reasoning (DeepSeek-R1 arXiv 2501.12948 §2.2.3 training template). Three copies of these
    strings once lived in three modules.
HOW
    Every variant renders the same text for the same messages; the markers only tell TRL which characters are the
    assistant's, and the switch only adds `<think>\\n\\n</think>\\n` after the generation prompt when asked.
DATA FLOW
    open_r1.models.get_tokenizer (base models without a template), open_r1.train.sft.prepare_tokenizer
    (assistant-only loss), open_r1.nano.tokenizer (the nano tokenizer's template) → tokenizer.chat_template.
"""

from __future__ import annotations


def chatml_template(generation_markers: bool = False, thinking_switch: bool = False) -> str:
    """ChatML as Qwen2.5 writes it; optionally with `{% generation %}` around assistant turns (and their
    `<|im_end|>`), and optionally with an `enable_thinking` switch that pre-fills an empty think block."""
    turn = "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    if generation_markers:
        body = (
            "{%- if message['role'] == 'assistant' %}"
            "{{- '<|im_start|>assistant\\n' }}"
            "{% generation %}{{- message['content'] + '<|im_end|>' }}{% endgeneration %}"
            "{{- '\\n' }}"
            "{%- else %}" + turn + "{%- endif %}"
        )
    else:
        body = turn
    prompt = "{{- '<|im_start|>assistant\\n' }}"
    if thinking_switch:
        prompt += "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n' }}{%- endif %}"
    tail = "{%- if add_generation_prompt %}" + prompt + "{%- endif %}"
    return "{%- for message in messages %}" + body + "{%- endfor %}" + tail


CHATML_TEMPLATE = chatml_template()
CHATML_GENERATION_TEMPLATE = chatml_template(generation_markers=True)
