"""The registry: names, parameters, weights, errors for people, TRL compatibility of every built callable."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pickle
import subprocess
import sys
import types

import pytest

from open_r1.core.errors import ConfigError, OpenR1Error
from open_r1.rewards import REWARD_REGISTRY, RewardSpec, get_reward_funcs, list_rewards, validate_reward_config
from open_r1.rewards.code_exec import RewardBackendMissing

EXECUTION = {"code", "binary_code", "ioi_code", "cf_code"}
LOCAL = [name for name in REWARD_REGISTRY if name not in EXECUTION]
REWARD_MODULES = [
    "open_r1.rewards._common",
    "open_r1.rewards._mathworker",
    "open_r1.rewards.verifier",
    "open_r1.rewards.accuracy",
    "open_r1.rewards.format",
    "open_r1.rewards.length",
    "open_r1.rewards.repetition",
    "open_r1.rewards.code_exec",
    "open_r1.rewards.registry",
]


def test_registry_holds_every_open_r1_reward():
    assert set(REWARD_REGISTRY) == {
        "accuracy",
        "format",
        "tag_count",
        "reasoning_steps",
        "length",
        "cosine",
        "repetition_penalty",
        "soft_overlong_punishment",
        "code_format",
        "code",
        "binary_code",
        "ioi_code",
        "cf_code",
    }
    for spec in list_rewards():
        assert isinstance(spec, RewardSpec)
        assert spec.summary and "\n" not in spec.summary
        assert callable(spec.factory)
        assert set(spec.param_help) <= set(spec.params)


@pytest.mark.parametrize("name", LOCAL)
def test_built_callables_work_as_trl_reward_funcs(name):
    (func,) = get_reward_funcs([name])
    assert func.__name__ == name
    completions = [[{"role": "assistant", "content": "<think>\nx\n</think>\n<answer>\n4\n</answer>"}]] * 2
    rewards = func(
        prompts=[[{"role": "user", "content": "2+2?"}]] * 2,
        completions=completions,
        completion_ids=[[1] * 5, [1] * 7],
        solution=["$4$", "$5$"],
        trainer_state=None,
        log_extra=lambda *a: None,
        log_metric=lambda *a: None,
        unrelated_column=[1, 2],
    )
    assert len(rewards) == 2
    assert all(r is None or isinstance(r, float) for r in rewards)
    assert func.__name__ == pickle.loads(pickle.dumps(func)).__name__


@pytest.mark.parametrize("name", LOCAL)
def test_defaults_in_registry_match_constructor_defaults(name):
    """One source of truth: the defaults `rewards list` shows are the defaults the classes use."""
    spec = REWARD_REGISTRY[name]
    cls = spec.factory(**spec.params).__class__
    signature = inspect.signature(cls.__init__)
    defaults = {k: p.default for k, p in signature.parameters.items() if k != "self"}
    assert defaults == spec.params


@pytest.mark.parametrize(
    ("name", "module", "factory"),
    [
        ("code", "open_r1.sandbox.rewards", "make_code_reward"),
        ("binary_code", "open_r1.sandbox.rewards", "make_code_reward"),
        ("ioi_code", "open_r1.competitive.rewards", "make_ioi_code_reward"),
        ("cf_code", "open_r1.competitive.rewards", "make_cf_code_reward"),
    ],
)
def test_execution_params_match_their_backend(name, module, factory):
    """Every parameter the registry accepts is one the backend factory takes, with the same default."""
    backend = pytest.importorskip(module)
    signature = inspect.signature(getattr(backend, factory))
    for param, default in REWARD_REGISTRY[name].params.items():
        assert param in signature.parameters, (name, param)
        assert signature.parameters[param].default == default, (name, param)


def test_params_override_defaults():
    (cosine,) = get_reward_funcs(["cosine"], {"cosine": {"max_len": 64, "unit": "tokens"}})
    assert (cosine.max_len, cosine.unit, cosine.min_value_wrong) == (64, "tokens", -1.0)


def test_comma_separated_names():
    assert [f.__name__ for f in get_reward_funcs("accuracy, format")] == ["accuracy", "format"]


def test_unknown_reward_lists_known_names_and_guesses():
    with pytest.raises(ConfigError) as info:
        get_reward_funcs(["acuracy", "format"])
    message = str(info.value)
    assert "Did you mean 'accuracy'" in message
    assert "tag_count" in message and "cosine" in message
    assert info.value.key == "reward_funcs"


def test_unknown_parameter_names_reward_and_parameter():
    with pytest.raises(ConfigError) as info:
        get_reward_funcs(["cosine"], {"cosine": {"max_lenght": 10}})
    assert "'cosine'" in str(info.value) and "'max_lenght'" in str(info.value)
    assert "Did you mean 'max_len'" in str(info.value)
    assert info.value.key == "reward_params"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"cosine": {"max_len": "long"}}, "must be an integer"),
        ({"cosine": {"max_len": 0}}, "positive integer"),
        ({"cosine": {"unit": "words"}}, "must be one of"),
        ({"format": {"prefill_think": "yes"}}, "true or false"),
        ({"repetition_penalty": {"max_penalty": 1.0}}, "should not be positive"),
        ({"accuracy": {"timeout_s": float("nan")}}, "finite number"),
        ({"accuracy": {"timeout_s": 0}}, "timeout_s must be > 0"),
        ({"soft_overlong_punishment": {"soft_punish_cache": 99999}}, "soft_punish_cache"),
        ({"cf_code": {"scoring_mode": "best"}}, "must be one of"),
        ({"formatt": {}}, "unknown reward 'formatt'"),
        ({"format": "yes"}, "must be a mapping"),
    ],
)
def test_validate_rejects_bad_params(params, fragment):
    names = [n for n in params if n in REWARD_REGISTRY] or ["format"]
    with pytest.raises(ConfigError, match=fragment) as info:
        validate_reward_config(names, params, file="recipe.yaml")
    assert info.value.file == "recipe.yaml"
    assert info.value.key == "reward_params"


def test_validate_params_for_unused_known_reward_are_ignored():
    validate_reward_config(["format"], {"cosine": {"max_len": 10}})


@pytest.mark.parametrize(
    ("names", "weights", "key", "fragment"),
    [
        (["accuracy", "format"], [1.0], "reward_weights", "one weight per reward"),
        (["accuracy"], [True], "reward_weights", "finite numbers"),
        (["accuracy"], ["1"], "reward_weights", "finite numbers"),
        ([], None, "reward_funcs", "non-empty list"),
        (["accuracy", "accuracy"], None, "reward_funcs", "listed twice"),
        ([3], None, "reward_funcs", "non-empty list"),
    ],
)
def test_validate_names_and_weights(names, weights, key, fragment):
    with pytest.raises(ConfigError, match=fragment) as info:
        validate_reward_config(names, None, weights, file="r.yaml")
    assert info.value.key == key and info.value.file == "r.yaml"


def test_validate_accepts_a_good_recipe():
    validate_reward_config(
        ["accuracy", "format", "cosine", "code"],
        {"format": {"prefill_think": True}, "cosine": {"max_len": 512}, "code": {"provider": "e2b"}},
        [1.0, 0.5, 1, 2.0],
    )


def test_validate_is_cheap():
    """No math library, no backend, no process: recipes are checked before anything heavy loads."""
    code = (
        "import sys; from open_r1.rewards import validate_reward_config; "
        "validate_reward_config(['accuracy','cosine','code','ioi_code'], {'cosine': {'max_len': 9}}, [1,1,1,1]); "
        "heavy = [m for m in ('math_verify', 'sympy', 'jieba', 'open_r1.sandbox', 'torch') if m in sys.modules]; "
        "import open_r1.rewards.verifier as v; assert not v._POOLS; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_import_path_rewards():
    (func,) = get_reward_funcs(["open_r1.competitive.scoring.cf_score"])
    assert func.__name__ == "cf_score"
    with pytest.raises(ConfigError, match="cannot import"):
        get_reward_funcs(["no_such_package.module.reward"])


# -- code-execution rewards: lazy backends -------------------------------------------------------------------------


def test_missing_backend_module_is_a_clear_error(monkeypatch):
    # None in sys.modules makes the import fail as a missing module would (ModuleNotFoundError, name set).
    monkeypatch.setitem(sys.modules, "open_r1.competitive.rewards", None)
    with pytest.raises(RewardBackendMissing, match="open_r1.competitive.rewards") as info:
        get_reward_funcs(["ioi_code"])
    assert isinstance(info.value, OpenR1Error)


def test_backend_without_entry_point(monkeypatch):
    monkeypatch.setitem(sys.modules, "open_r1.competitive.rewards", types.ModuleType("open_r1.competitive.rewards"))
    with pytest.raises(RewardBackendMissing, match="build_reward"):
        get_reward_funcs(["cf_code"])


@pytest.mark.parametrize("entry", ["build_reward", "make_cf_code_reward"])
def test_backend_entry_points(monkeypatch, entry):
    module = types.ModuleType("open_r1.competitive.rewards")
    seen = {}

    def build(*args, **params):
        seen["args"], seen["params"] = args, params
        return lambda completions, **kwargs: [0.5 for _ in completions]

    setattr(module, entry, build)
    monkeypatch.setitem(sys.modules, "open_r1.competitive.rewards", module)
    (func,) = get_reward_funcs(["cf_code"], {"cf_code": {"scoring_mode": "partial"}})
    assert func.__name__ == "cf_code"
    assert func(["a", "b"], verification_info=[{}, {}]) == [0.5, 0.5]
    assert seen["params"]["scoring_mode"] == "partial"
    assert seen["args"] == (("cf_code",) if entry == "build_reward" else ())
    clone = pickle.loads(pickle.dumps(func))
    assert clone(["a"]) == [0.5]


def test_sandbox_make_code_reward_gets_binary_flag(monkeypatch):
    module = types.ModuleType("open_r1.sandbox.rewards")
    calls = []

    def make_code_reward(**params):
        calls.append(params)
        return lambda completions, **kwargs: [1.0] * len(completions)

    module.make_code_reward = make_code_reward
    monkeypatch.setitem(sys.modules, "open_r1.sandbox.rewards", module)
    code, binary = get_reward_funcs(["code", "binary_code"])
    assert (code.__name__, binary.__name__) == ("code", "binary_code")
    assert [c["binary"] for c in calls] == [False, True]
    assert calls[0] == {
        "binary": False,
        "language": "python",
        "provider": "local",
        "num_parallel": 4,
        "router_url": None,
        "enforce_same_language": False,
    }


def test_backend_returning_wrong_length_is_caught(monkeypatch):
    module = types.ModuleType("open_r1.competitive.rewards")
    module.build_reward = lambda name, **params: lambda completions, **kwargs: [1.0]
    monkeypatch.setitem(sys.modules, "open_r1.competitive.rewards", module)
    (func,) = get_reward_funcs(["ioi_code"])
    with pytest.raises(RuntimeError, match="returned 1 rewards for 2"):
        func(["a", "b"])


# -- documentation -------------------------------------------------------------------------------------------------


# code_exec's rewards run programs in a sandbox; their examples live in tests/sandbox, not in docstrings
WITHOUT_EXAMPLES = {"open_r1.rewards.code_exec"}


@pytest.mark.parametrize("module_name", [m for m in REWARD_MODULES if m not in WITHOUT_EXAMPLES])
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0, f"{module_name} has no examples: a module without any passed this test"


@pytest.mark.parametrize(
    "module_name",
    [m for m in REWARD_MODULES if not m.endswith("_common")] + ["open_r1.rewards._pool", "open_r1.rewards"],
)
def test_modules_open_with_the_four_part_docstring(module_name):
    doc = importlib.import_module(module_name).__doc__ or ""
    positions = [doc.find(label) for label in ("WHAT:", "WHY:", "HOW:", "DATA FLOW:")]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), module_name


# The execution rewards' callables come from their backends (sandbox, competitive), whose own tests document them.
@pytest.mark.parametrize("name", [n for n in REWARD_REGISTRY if n not in EXECUTION])
def test_public_rewards_have_args_returns_and_an_example(name):
    spec = REWARD_REGISTRY[name]
    cls = spec.factory(**spec.params).__class__
    doc = cls.__doc__ or ""
    assert "Returns:" in doc and ">>>" in doc, name
    assert "Args:" in doc or not spec.params, name
