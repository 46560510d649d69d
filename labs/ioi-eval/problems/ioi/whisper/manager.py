"""Manager of "Whisper" (trusted): builds each phase's input and scores the test.

Phase 0 runs encode on the word; phase 1 runs decode on the bits encode printed, after checking them. A
ValueError is a protocol violation by the contestant (the test scores 0 with this message).
"""

PHASES = 2


def phase_input(phase: int, test_input: str, outputs: list[str]) -> str:
    word = test_input.split()[0]
    if phase == 0:
        return f"1\n{word}\n"
    tokens = outputs[0].split()
    if not tokens:
        raise ValueError("encode printed no message")
    length, bits = int(tokens[0]), tokens[1:]
    if length != len(bits):
        raise ValueError(f"message length {length} does not match the {len(bits)} bits sent")
    if any(b not in ("0", "1") for b in bits):
        raise ValueError("a message bit is not 0 or 1")
    if length > 8 * len(word):
        raise ValueError(f"message of {length} bits is longer than 8N = {8 * len(word)}")
    return f"2\n{len(word)} {length}\n{' '.join(bits)}\n"


def judge(test_input: str, outputs: list[str], answer: str) -> tuple[float, str]:
    word = answer.split()[0]
    decoded = outputs[1].strip() if len(outputs) > 1 else ""
    if decoded != word:
        return 0.0, "decode did not return the word"
    length = int(outputs[0].split()[0])
    if length <= 5 * len(word):
        return 1.0, f"{length} bits <= 5N"
    return 0.4, f"{length} bits > 5N = {5 * len(word)}: 40% of the points"
