"""`code` and `binary_code` rewards: extraction, strict line comparison, None on provider failure."""

from __future__ import annotations

import json

import pytest

from open_r1.sandbox.remote import RetryPolicy
from open_r1.sandbox.rewards import extract_code, make_code_reward, parse_verification_info

DOUBLE = {"language": "python", "test_cases": [{"input": "2\n", "output": "4\n"}, {"input": "5\n", "output": "10"},
                                               {"input": "0\n", "output": "0"}]}


def fenced(code: str, tag: str = "python") -> str:
    return f"Reasoning first.\n```{tag}\n{code}\n```\n"


def conv(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("```python\nprint(1)\n```", "python", "print(1)\n"),
        ("```py\nprint(1)\n```", "python", "print(1)\n"),
        ("```python\nprint(1)\n```\nthen\n```python\nprint(2)\n```", "python", "print(2)\n"),  # the last block
        ("```javascript\nconsole.log(1)\n```", "python", None),
        ("```\nprint(1)\n```", "python", None),  # a bare fence names no language
        ("no code at all", "python", None),
        ("```cpp\nint main(){}\n```", "cpp", "int main(){}\n"),
        ("```c++\nint main(){}\n```", "cpp", "int main(){}\n"),
        ("```python\nprint(1)\n```", "cpp", None),
        ("```pythonic\nx\n```", "python", None),
    ],
)
def test_extract_code(text, language, expected):
    assert extract_code(text, language) == expected


def test_verification_info_parsing():
    assert parse_verification_info(json.dumps(DOUBLE), "python")[0] == "python"
    assert parse_verification_info({"test_cases": [{"input": "1", "output": "1"}]}, "cpp")[0] == "cpp"
    cpp = {"language": "c++", "test_cases": [{"input": "", "output": ""}]}
    assert parse_verification_info(cpp, "python")[0] == "cpp"
    assert parse_verification_info({"language": "python", "test_cases": []}, "python") is None
    assert parse_verification_info("not json", "python") is None
    assert parse_verification_info({"language": "rust", "test_cases": [{"input": "", "output": ""}]}, "python") is None


@pytest.fixture(scope="module")
def code_reward(sandbox):
    return make_code_reward("local", sandbox=sandbox)


@pytest.fixture(scope="module")
def binary_reward(sandbox):
    return make_code_reward("local", binary=True, sandbox=sandbox)


@pytest.mark.system
def test_code_reward_fractions(code_reward, binary_reward):
    assert code_reward.__name__ == "code" and binary_reward.__name__ == "binary_code"
    completions = [
        fenced("print(int(input()) * 2)"),  # all pass
        fenced("n = int(input())\nprint(n * 2 if n else 1)"),  # 2 of 3
        fenced("print(int(input()) * 2)\nprint('extra line')"),  # an extra line fails every test
        fenced("print(int(input()) * 2, end='')"),  # no trailing newline: fine
        fenced("print(str(int(input()) * 2) + '   ')\nprint()\nprint()"),  # trailing spaces/blank lines: fine
        "I cannot write code.",  # no program: 0
        fenced("while True: pass"),  # TLE everywhere: 0
        fenced("console.log(4)", "javascript"),  # wrong language: 0
    ]
    infos = [DOUBLE] * len(completions)
    assert code_reward(completions, verification_info=infos) == pytest.approx(
        [1.0, 2 / 3, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    assert binary_reward(completions, verification_info=infos) == [1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]


@pytest.mark.system
def test_code_reward_conversational_cpp_and_json(code_reward):
    cpp = "#include <iostream>\nint main(){long n; std::cin>>n; std::cout<<2*n<<\"\\n\";}"
    completions = [conv(fenced(cpp, "cpp")), conv(fenced("print(int(input()) * 2)"))]
    infos = [json.dumps({**DOUBLE, "language": "cpp"}), json.dumps(DOUBLE)]
    assert code_reward(completions, verification_info=infos, prompts=["p", "q"], trainer_state=None) == [1.0, 1.0]
    compile_error = conv(fenced("int main( {", "cpp"))
    assert code_reward([compile_error], verification_info=[{**DOUBLE, "language": "cpp"}]) == [0.0]


@pytest.mark.system
def test_language_column_sets_the_row_default(code_reward):
    cpp = "#include <iostream>\nint main(){long n; std::cin>>n; std::cout<<2*n<<\"\\n\";}"
    info = {"test_cases": DOUBLE["test_cases"]}  # no language inside
    assert code_reward([fenced(cpp, "cpp")], verification_info=[info], language=["cpp"]) == [1.0]
    assert code_reward([fenced(cpp, "cpp")], verification_info=[info]) == [0.0]  # python expected: no block


@pytest.mark.system
def test_no_tests_is_no_signal(code_reward):
    assert code_reward([fenced("print(1)")], verification_info=[{"test_cases": []}]) == [None]
    assert code_reward([fenced("print(1)")]) == [None]


def test_provider_failure_is_none_not_zero():
    # a router that is not there: every submission fails inside the provider -> None
    reward = make_code_reward(router_url="http://127.0.0.1:9", retry=RetryPolicy(attempts=2, base_delay_s=0.01))
    assert reward([fenced("print(int(input()) * 2)"), "no code"], verification_info=[DOUBLE, DOUBLE]) == [None, 0.0]


@pytest.mark.system
def test_provider_exception_is_none(sandbox):
    reward = make_code_reward("local", sandbox=sandbox)

    async def explode(submissions):
        raise RuntimeError("sandbox on fire")

    reward.provider.run_submissions = explode
    assert reward([fenced("print(1)")], verification_info=[DOUBLE]) == [None]


def test_factory_validation():
    with pytest.raises(ValueError):
        make_code_reward(language="rust")
    with pytest.raises(ValueError):
        make_code_reward(num_parallel=0)


def test_enforce_same_language(sandbox):
    """open-r1's `enforce_same_language`: a batch whose rows name different languages is refused with a message
    naming them; a single-language batch is judged as usual; off (the default), each row runs in its own
    language. Rows without usable tests do not count."""
    cpp = {"language": "cpp", "test_cases": [{"input": "2\n", "output": "4\n"}]}
    completions = [fenced("print(int(input()) * 2)"),
                   fenced("#include <cstdio>\nint main(){int n;scanf(\"%d\",&n);printf(\"%d\\n\",2*n);}", "cpp")]
    strict = make_code_reward("local", sandbox=sandbox, enforce_same_language=True)
    with pytest.raises(ValueError, match=r"mixes languages: python \(rows 0\), cpp \(rows 1\)"):
        strict(completions, verification_info=[DOUBLE, cpp])
    # the per-row `language` column counts too: it sets the language of rows whose info names none
    unnamed = {"test_cases": DOUBLE["test_cases"]}
    with pytest.raises(ValueError, match="mixes languages"):
        strict(completions[:1] * 2, verification_info=[unnamed, unnamed], language=["python", "cpp"])
    no_tests = {"language": "cpp", "test_cases": []}
    assert strict([completions[0]] * 2, verification_info=[DOUBLE, no_tests]) == [1.0, None]
    lenient = make_code_reward("local", sandbox=sandbox)
    assert lenient(completions, verification_info=[DOUBLE, cpp]) == [1.0, 1.0]


def test_enforce_same_language_through_the_registry(isolation):
    from open_r1.core.errors import ConfigError
    from open_r1.rewards import get_reward_funcs
    from open_r1.rewards.registry import validate_reward_config

    (reward,) = get_reward_funcs(["binary_code"], {"binary_code": {"enforce_same_language": True, "num_parallel": 1}})
    cpp = {"language": "cpp", "test_cases": [{"input": "", "output": ""}]}
    try:
        with pytest.raises(ValueError, match="enforce_same_language"):
            reward([fenced("print(1)")] * 2, verification_info=[DOUBLE, cpp])
        assert reward([fenced("print(int(input()) * 2)")], verification_info=[DOUBLE]) == [1.0]
    finally:
        reward._impl.provider.close()
    with pytest.raises(ConfigError, match="enforce_same_language"):
        validate_reward_config(["code"], {"code": {"enforce_same_language": "yes"}}, file="recipe.yaml")
