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
# # Code execution rewards with sandboxing
#
# **Part 3, Reward engineering — tutorial 14.** You will run untrusted programs in the local bubblewrap sandbox, see
# what it isolates and how, throw a small hostile corpus at it, judge completions through the router service that
# training ranks share, and compare the two reward shapes — the fraction of tests passed against all-or-nothing —
# by the learning signal they give a GRPO group.
#
# *Needs bubblewrap* (the local code sandbox runs this tutorial's programs): `sudo apt install bubblewrap` on
# Debian/Ubuntu, `sudo dnf install bubblewrap` on Fedora; `open-r1 sandbox check` says whether it isolates here.
#
# ## Concept overview
#
# For code, DeepSeek-R1's rule-based reward (arXiv 2501.12948 §2.2.2) is execution: "a compiler can be used to
# evaluate the responses against predefined test cases". During RL the policy writes thousands of programs per step,
# and it writes *anything*: infinite loops, fork bombs, code that reads the trainer's API keys or phones home. The
# executor is part of the reward function, so it must
#
# - **isolate**: the program sees no host file, no network, no environment of the trainer;
# - **bound** time, memory, output and processes — a *bound*, not a ban: correct solutions may start threads;
# - **tell the program's failure from its own**: a wrong program scores 0, a crashed sandbox scores `None`
#   (no signal), never 0 — or an outage teaches the policy that correct code is wrong.
#
# ```text
# completion --last python code block--> program --per test: stdin--> sandbox --stdout--> compare lines --> verdict
# code        = passed / total            binary_code = 1 if passed / total > 0.99 else 0        IE -> None
# ```
#
# ## Code walkthrough
#
# - [[open_r1/sandbox/local.py:check_isolation]] and [[open_r1/sandbox/local.py:LocalSandbox]] — bubblewrap (new
#   pid, net, ipc, uts namespaces; read-only /usr; an empty /tmp; a size-capped /work), one warm worker per slot.
# - [[open_r1/sandbox/_worker.py:Worker]] — inside the sandbox: forks one child per test, sets the rlimits, drops to
#   a uid of its own, kills whatever the test left behind.
# - [[open_r1/sandbox/base.py:Limits]] — CPU, wall, memory, processes + threads (64 by default, Piston's bound),
#   output, file size; [[open_r1/sandbox/base.py:verdict_for]] turns a run into AC/WA/TLE/MLE/RE/OLE.
# - [[open_r1/sandbox/rewards.py:make_code_reward]] — the `code` / `binary_code` rewards.
# - [[open_r1/sandbox/server.py:create_app]] — the router (`open-r1 sandbox serve`): a batch API and a
#   Piston-compatible API in front of one sandbox.
#
# ## Hands-on
#
# ### Can this machine isolate?

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import warnings

from open_r1.sandbox import Limits
from open_r1.sandbox.base import verdict_for
from open_r1.sandbox.local import LocalSandbox, check_isolation

warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices are not the lesson
report = check_isolation()
print(f"available: {report.available}  mode: {report.mode}  bubblewrap: {report.bwrap}")
sandbox = LocalSandbox(workers=2)
result = sandbox.run_python("print(sum(map(int, input().split())))", stdin="2 40\n")
result

# %% [markdown]
# ### What a program sees
#
# The same curious program, run inside: the environment, the filesystem root, a host file, the network.

# %%
probe = """
import os, socket
print("env:", sorted(os.environ))
print("root:", sorted(os.listdir("/")))
for path in ("/etc/shadow", "/root", "/home"):
    try:
        print(path, "->", os.listdir(path) if os.path.isdir(path) else open(path).read()[:20])
    except OSError as err:
        print(path, "->", type(err).__name__)
try:
    socket.create_connection(("1.1.1.1", 53), timeout=1)
    print("network: reachable")
except OSError as err:
    print("network:", err)
"""
print(sandbox.run_python(probe).stdout)

# %% [markdown]
# Only `PATH`, `LANG`, `HOME`/`TMPDIR` (the test's own empty directory) — no token of the trainer's. The root holds
# the system's `/usr` (read-only) and the sandbox's own directories; `/etc/shadow`, `/root` and `/home` do not
# exist there. The network namespace has no route out.
#
# ### A small hostile corpus
#
# The test suite's corpus (`tests/sandbox/test_sandbox_hostile.py`, 65 programs) checks every one of these with the
# secret planted in the trainer's environment. A sample, with the verdict each gets — and two *correct* programs
# that start a thread, which must pass:

# %%
import time

FAST = Limits(cpu_time_s=1.0, wall_time_s=2.0)
corpus = {
    "fork bomb": ("import os\nwhile True:\n    os.fork()", Limits()),
    "thread bomb": (
        "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()",
        Limits(),
    ),
    "memory bomb": ("x = []\nwhile True:\n    x.append(' ' * 10**6)", Limits()),
    "infinite loop": ("while True:\n    pass", FAST),
    "output flood": ("while True:\n    print('x' * 1000)", Limits()),
    "kill the supervisor": ("import os\nos.kill(os.getppid(), 9)\nprint('killed')", Limits()),
}
THREAD_IDIOM = """
import sys, threading
sys.setrecursionlimit(1 << 25)
threading.stack_size(1 << 27)   # the competitive-programming idiom for deep recursion
def main():
    n = int(input())
    def depth(k):
        return 0 if k == 0 else 1 + depth(k - 1)
    print(depth(n))
t = threading.Thread(target=main)
t.start()
t.join()
"""
THREAD_CPP = r"""
#include <cstdio>
#include <thread>
int main() { long n, s = 0; std::scanf("%ld", &n);
             std::thread t([&] { for (long i = 1; i <= n; i++) s += i; }); t.join(); std::printf("%ld\n", s); }
"""
rows = []
for name, (code, limits) in corpus.items():
    start = time.perf_counter()
    res = sandbox.run_python(code, limits=limits)
    rows.append((name, verdict_for(res, None), time.perf_counter() - start))
res = sandbox.run_python(THREAD_IDIOM, "100000\n")
rows.append(("python thread idiom (correct)", verdict_for(res, "100000"), res.wall_time_s))
program = sandbox.compile_cpp(THREAD_CPP)
res = sandbox.run_program(program, "100000\n")
rows.append(("C++ std::thread (correct)", verdict_for(res, "5000050000"), res.wall_time_s))
for name, verdict, seconds in rows:
    print(f"{name:32s} {verdict!s:4s} {seconds:5.2f} s")
print("after the corpus:", sandbox.run_python("print('still serving')").stdout.strip())

# %% [markdown]
# Every bomb hits its bound — the fork and thread bombs the 64-process bound (RE: the program dies on the failing
# `fork`/`Thread.start`), the memory bomb RLIMIT_AS (MLE), the loop its CPU limit (TLE), the flood the output cap
# (OLE); the test cannot kill the worker (it runs as another uid). The two threaded programs are correct and pass.
# With `max_processes=1` — forbidding threads, as this sandbox once did — they would be scored RE, and a code reward
# would punish correct code:

# %%
res = sandbox.run_python(THREAD_IDIOM, "3\n", Limits(max_processes=1))
print(verdict_for(res, "3"), res.stderr.strip().splitlines()[-1])

# %% [markdown]
# ### The router: one sandbox for many ranks
#
# With 8 training ranks per node, a sandbox per rank oversubscribes the CPUs. `open-r1 sandbox serve` runs one router
# that owns the sandbox; ranks send batches (`router_url` in the reward's parameters). Start it here in a thread
# (the command does the same with uvicorn in the foreground):

# %%
import socket
import threading

import httpx
import uvicorn

from open_r1.core.aio import LoopThread
from open_r1.sandbox import Submission, TestCase, get_provider
from open_r1.sandbox.server import create_app

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = uvicorn.Server(
    uvicorn.Config(create_app("local", max_concurrency=2, sandbox=sandbox), port=port, log_level="warning")
)
threading.Thread(target=server.run, daemon=True).start()
while not server.started:
    time.sleep(0.05)
url = f"http://127.0.0.1:{port}"
router = get_provider("router", url=url)
tests = [TestCase("2\n", "4\n"), TestCase("5\n", "10\n"), TestCase("0\n", "0\n")]
subs = [Submission(code="print(int(input()) * 2)", tests=tests), Submission(code="print(4)", tests=tests)]
# providers are async; LoopThread runs a coroutine from synchronous code (a notebook already runs an event loop)
results = LoopThread("tutorial").run(router.run_submissions(subs))
for sub, res in zip(subs, results, strict=True):
    print(f"{sub.code!r:28s} {res.verdict!s:3s} {res.passed}/{res.total}")
piston = httpx.post(
    f"{url}/api/v2/execute",
    json={"language": "python", "version": "*", "stdin": "100000\n", "files": [{"content": THREAD_IDIOM}]},
    timeout=60,
).json()
print("Piston API, thread idiom:", piston["run"]["stdout"].strip(), "exit", piston["run"]["code"])

# %% [markdown]
# ### Reward shapes: fraction versus all-or-nothing
#
# `code` pays the fraction of tests passed, `binary_code` pays 1 only above 99 %. Score a GRPO-like group of four
# completions for "double the input" — none fully right, two partly right — and compute the group advantages
# `(r − mean) / std` each shape gives:

# %%
import statistics

from open_r1.sandbox.rewards import make_code_reward

code_reward = make_code_reward("local", sandbox=sandbox)
binary_reward = make_code_reward("local", binary=True, sandbox=sandbox)
info = {"language": "python", "test_cases": [{"input": f"{n}\n", "output": f"{2 * n}\n"} for n in (0, 1, 2, 5)]}
group = [
    "```python\nn = int(input())\nprint(n * 2 if n < 2 else n + 2)\n```",  # right on 0, 1, 2: 3/4
    "```python\nprint(int(input()) + 2)\n```",  # right on 2 only: 1/4
    "```python\nprint(0)\n```",  # right on 0 only: 1/4
    "I would loop over the input.",  # no program: 0
]
shapes = {
    "code": code_reward(group, verification_info=[info] * 4),
    "binary_code": binary_reward(group, verification_info=[info] * 4),
}


def advantages(rewards):
    mean, std = statistics.mean(rewards), statistics.pstdev(rewards)
    return [0.0 if std == 0 else (r - mean) / std for r in rewards]


for name, rewards in shapes.items():
    print(f"{name:12s} rewards {rewards}  advantages {[round(a, 2) for a in advantages(rewards)]}")

# %% [markdown]
# On a hard problem where no sample is fully right, `binary_code` gives every member 0: the group's advantages are
# all 0 and the step learns nothing from it. `code` ranks the attempts — 3/4 above 1/4 above no program — a dense
# signal. The price: the fraction can be raised by special-casing the visible tests (the first program above is
# halfway there), so code datasets keep hidden tests and many recipes move to `binary_code` once the policy solves
# problems outright.
#
# ## Deep dive
#
# **Why a warm worker.** Starting bubblewrap and an interpreter costs ~15 ms; a worker inside the sandbox forks a
# child per test from a warm interpreter in ~1–2 ms. Isolation *between* tests comes from the child: a fresh
# directory, its own uid (root mode), every leftover process killed before the next test.
#
# **Root and rootless.** As root (containers, CI) each worker claims a uid, so RLIMIT_NPROC counts exactly one test's
# processes and threads. Without root, bubblewrap uses a user namespace: the same isolation, but a hostile test can
# kill its own worker — that test is IE (reward `None`) and the worker is replaced.
#
# **Threads and memory.** RLIMIT_AS counts reserved address space, and threads reserve stacks (and glibc malloc
# arenas). Python tests therefore get 2 MiB default thread stacks and a single arena — a thread costs a Python test
# what it costs a C++ one — while `threading.stack_size(...)` still gets what it asks for within the memory limit.
#
# ## Pitfalls and debugging
#
# - **`IsolationUnavailable`**: install bubblewrap (`apt-get install -y bubblewrap`); `open-r1 sandbox check` says
#   what is missing. Running unisolated needs an explicit, loud opt-in (`OPEN_R1_SANDBOX_UNSAFE=1`).
# - **Every reward `None`**: the provider failed (IE) — look at `SubmissionResult.error`, not at the model.
# - **Correct code scored RE**: read the test's stderr (`open-r1 sandbox run prog.py --tests tests.json`); a thread
#   or subprocess beyond `max_processes`, or a stack deeper than the memory limit allows, shows there.
# - **Mixed-language batches**: each row runs in its own language; `enforce_same_language: true` makes a batch that
#   mixes them an error instead (open-r1's option, for datasets meant to be one language).
#
# ## Exercises
#
# **Exercise 1.** Write a Python program that sums 1..n in four threads (each a quarter of the range) and prints the
# total, with all four threads alive at once (a `threading.Barrier`). Check that it is accepted under the default
# limits and with `max_processes=5`, and refused with `max_processes=4` (the program itself counts as one).

# %% tags=["solution"]
FOUR_THREADS = """
import threading
n = int(input())
parts = [0] * 4
everyone = threading.Barrier(4, timeout=5)  # all four threads exist at the same time
def work(k):
    everyone.wait()
    parts[k] = sum(range(k * n // 4 + 1, (k + 1) * n // 4 + 1))
threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sum(parts))
"""
print(sandbox.run_python(FOUR_THREADS, "1000\n").stdout)

# %% tags=["check"]
assert verdict_for(sandbox.run_python(FOUR_THREADS, "1000\n"), "500500") == "AC"
assert verdict_for(sandbox.run_python(FOUR_THREADS, "1000\n", Limits(max_processes=5)), "500500") == "AC"
assert verdict_for(sandbox.run_python(FOUR_THREADS, "1000\n", Limits(max_processes=4)), "500500") == "RE"
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** Write `zero_signal(rewards)` — True when a group's rewards give all-zero advantages — and check
# which reward shape gives zero signal on the group above.


# %% tags=["solution"]
def zero_signal(rewards):
    return max(rewards) == min(rewards)


print({name: zero_signal(r) for name, r in shapes.items()})

# %% tags=["check"]
assert zero_signal(shapes["binary_code"]) and not zero_signal(shapes["code"])
assert not zero_signal([1.0, 0.0]) and zero_signal([0.25, 0.25])
print("exercise 2: ok")

# %% [markdown]
# **Exercise 3.** Add a fifth completion that passes every test, and check that *both* shapes now give the group a
# learning signal, with the new completion's advantage the highest under each.

# %% tags=["solution"]
group5 = [*group, "```python\nprint(2 * int(input()))\n```"]
shapes5 = {
    "code": code_reward(group5, verification_info=[info] * 5),
    "binary_code": binary_reward(group5, verification_info=[info] * 5),
}
print(shapes5)

# %% tags=["check"]
for name, rewards in shapes5.items():
    adv = advantages(rewards)
    assert not zero_signal(rewards), name
    assert adv[-1] == max(adv) and adv[-1] > 0, (name, adv)
print("exercise 3: ok")
server.should_exit = True
sandbox.close()

# %% [markdown]
# ## What next
#
# [Tutorial 15](15-format-rewards.md): format rewards — the strict template, partial credit, and the prefilled
# `<think>` that makes R1-Distill models score 0.
