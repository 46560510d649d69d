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
# # Setting up code execution backends
#
# **Part 4, Code evaluation — tutorial 19.** You will run the same submissions through every execution backend the
# code rewards can use — the local bubblewrap sandbox, a Piston server, the shared router, E2B and Morph — and
# check that they agree. Everything runs on this machine: Piston and the router are the project's own server
# (`open-r1 sandbox serve`), and E2B and Morph are reached through their **real SDKs** talking to the small local
# servers the test suite uses, which speak the parts of the two cloud protocols the providers need. The cloud
# setup steps are at the end of the hands-on.
#
# *Needs bubblewrap* (the local code sandbox runs this tutorial's programs): `sudo apt install bubblewrap` on
# Debian/Ubuntu, `sudo dnf install bubblewrap` on Fedora; `open-r1 sandbox check` says whether it isolates here.
#
# ## Concept overview
#
# DeepSeek-R1 (arXiv 2501.12948 §2.2.2) rewards code by *running* it against test cases. Where it runs is an
# operational choice — a laptop, a GPU node's spare cores, a cloud fleet — never a semantic one: every backend
# returns the same verdicts for the same program, decided by the same output comparison.
#
# ```text
# reward fn ──► get_provider(name) ──► Provider.run_submissions([Submission]) ──► [SubmissionResult]
#                 local   this machine: bubblewrap namespaces + rlimits, warm workers
#                 piston  any Piston v2 server (POST /api/v2/execute), e.g. open-r1 sandbox serve
#                 router  one open-r1 sandbox serve shared by all training ranks (POST /batch)
#                 e2b     E2B Firecracker sandboxes (SDK: e2b-code-interpreter, E2B_API_KEY)
#                 morph   Morph Cloud instances from a snapshot (SDK: morphcloud, MORPH_API_KEY)
# ```
#
# ## Code walkthrough
#
# - [[open_r1/sandbox/__init__.py:get_provider]] and [[open_r1/sandbox/__init__.py:PROVIDERS]] — backends by
#   name, imported lazily so the cloud SDKs stay optional extras.
# - [[open_r1/sandbox/base.py:Submission]], [[open_r1/sandbox/base.py:Limits]],
#   [[open_r1/sandbox/base.py:outputs_match]] — what is sent and how an output is judged, shared by all.
# - [[open_r1/sandbox/local.py:check_isolation]] — probes bubblewrap before any untrusted code runs.
# - [[open_r1/sandbox/server.py:create_app]] — the router service with its Piston-v2-compatible API.
# - [[open_r1/sandbox/piston.py:PistonProvider]], [[open_r1/sandbox/router.py:RouterProvider]],
#   [[open_r1/sandbox/e2b.py:E2BProvider]], [[open_r1/sandbox/morph.py:MorphProvider]] — the remote backends;
#   [[open_r1/sandbox/remote.py:RemoteProvider]] gives them one concurrency cap and one retry policy.
#
# ## Hands-on
#
# ### Local: the default

# %%
# ruff: noqa: E402, B018 (notebook style: imports where first needed, values shown by naming them)
import time

from open_r1.core.aio import LoopThread
from open_r1.sandbox import Limits, Submission, TestCase, get_provider
from open_r1.sandbox.local import check_isolation

report = check_isolation()
print(f"isolation available: {report.available}, mode {report.mode!r}, bwrap {report.bwrap}")

TESTS = [TestCase("1 2\n", "3"), TestCase("10 20\n", "30"), TestCase("0 0\n", "1")]
SUBMISSIONS = [
    Submission(code="print(sum(map(int, input().split())))", tests=TESTS, id="python"),
    Submission(
        code='#include <cstdio>\nint main(){long a,b;scanf("%ld%ld",&a,&b);printf("%ld\\n",a+b);}',
        language="cpp",
        tests=TESTS,
        id="cpp",
    ),
    Submission(code="print(", tests=TESTS, id="syntax error"),
    Submission(code="while True: pass", tests=TESTS[:1], limits=Limits(cpu_time_s=0.5), id="busy loop"),
]


LOOP = LoopThread("tutorial-19")


def run(provider):
    async def go():
        try:
            return await provider.run_submissions(SUBMISSIONS)
        finally:
            aclose = getattr(provider, "aclose", None)
            if aclose is not None:
                await aclose()

    started = time.perf_counter()
    results = LOOP.run(go())  # a notebook already runs an event loop: providers get their own, in a thread
    return results, time.perf_counter() - started


def show(name, results, seconds):
    cells = [f"{r.id}: {r.verdict.value} [{' '.join(t.verdict.value for t in r.tests)}]" for r in results]
    print(f"{name:7s} {seconds:5.2f} s  " + " | ".join(cells))
    return {r.id: (r.verdict.value, [t.verdict.value for t in r.tests]) for r in results}


verdicts = {}
verdicts["local"] = show("local", *run(get_provider("local", workers=2)))

# %% [markdown]
# The third test expects `1` for `0 0`, so both correct programs get WA there — on purpose: a verdict other than AC
# is the interesting case to compare across backends.
#
# ### Piston and the router: `open-r1 sandbox serve`
#
# `open-r1 sandbox serve --port 8000` starts the router service. Here the same app runs in a thread of this kernel
# on a free port; the Piston provider talks to its `/api/v2/*` endpoints, the router provider to `/batch`.

# %%
import socket
import threading

import uvicorn

from open_r1.sandbox.server import create_app


class Server:
    """A real uvicorn server on 127.0.0.1:<free port>, in a thread (what `open-r1 sandbox serve` runs)."""

    def __init__(self, app):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.url = f"http://127.0.0.1:{s.getsockname()[1]}"
        port = int(self.url.rsplit(":", 1)[1])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=30)


import httpx

router = Server(create_app("local", max_concurrency=2)).__enter__()
print("runtimes:", [(r["language"], r["version"]) for r in httpx.get(f"{router.url}/api/v2/runtimes").json()])
verdicts["piston"] = show("piston", *run(get_provider("piston", url=router.url)))
verdicts["router"] = show("router", *run(get_provider("router", url=router.url, batch_size=2)))
print("health:", httpx.get(f"{router.url}/health").json())

# %% [markdown]
# The Piston API is plain JSON; any tool written for Piston can use this machine's sandbox. One request per run,
# the source in `files`, stdin as text, limits in milliseconds and bytes:

# %%
body = {
    "language": "python",
    "version": "*",
    "files": [{"content": "print(input()[::-1])"}],
    "stdin": "olleh\n",
    "run_cpu_time": 1000,
}
print(httpx.post(f"{router.url}/api/v2/execute", json=body).json())

# %% [markdown]
# ### E2B and Morph, through their real SDKs
#
# E2B and Morph cannot be reached from the machines that run these tutorials. The test suite points each provider's
# real SDK at a local server that speaks the endpoints it uses (E2B: create a sandbox, execute code as an NDJSON
# stream, kill it; Morph: start an instance from a snapshot, exec, stop it) and runs what it receives in the local
# sandbox. The same servers serve here, so the provider code — driver script, retries, result parsing — really runs.

# %%
import sys

from open_r1.core.paths import project_root
from open_r1.sandbox.local import LocalSandbox

sys.path.insert(0, str(project_root() / "tests" / "sandbox"))  # the test suite's protocol servers
from test_sandbox_cloud import fake_e2b, fake_morph

backing = LocalSandbox(workers=2)  # what the fake clouds execute with
e2b_app, e2b_seen = fake_e2b(backing, fail_first_execute=True)  # the first call fails with a 502: watch the retry
with Server(e2b_app) as cloud:
    e2b = get_provider("e2b", api_key="e2b_local", api_url=cloud.url, sandbox_url=cloud.url, http_version="1.1")
    verdicts["e2b"] = show("e2b", *run(e2b))
print(f"  E2B server saw: {e2b_seen['created']} sandboxes created, {e2b_seen['executes']} executes (one retried)")
morph_app, morph_seen = fake_morph(backing, fail_first_job=False)
with Server(morph_app) as cloud:
    morph = get_provider("morph", api_key="morph_local", snapshot_id="snapshot_py_gxx", base_url=cloud.url)
    verdicts["morph"] = show("morph", *run(morph))
print(f"  Morph server saw: {morph_seen['started']} instance started, {morph_seen['execs']} execs")

# %% [markdown]
# ### Do they agree?

# %%
reference = verdicts["local"]
for name, table in verdicts.items():
    print(f"{name:7s} agrees with local: {table == reference}")

# %% [markdown]
# ### The cloud setup steps
#
# **E2B.** `pip install 'open-r1-labs[e2b]'`; create an API key in the E2B dashboard and `export E2B_API_KEY=...`.
# The default code-interpreter template has Python but no C++ compiler: build a template with `build-essential`
# (E2B's CLI, `e2b template build` from a Dockerfile that installs it) and pass its id, e.g. `reward_params:
# {code: {provider: e2b, template: <id>}}`. Each submission runs in a fresh sandbox, killed afterwards.
#
# **Morph.** `pip install 'open-r1-labs[morph]'`; `export MORPH_API_KEY=...`; start a `morphvm-minimal`
# instance, `apt-get install -y python3 g++` in it, snapshot it, and `export MORPH_SNAPSHOT_ID=<snapshot>`. One
# instance boots from the snapshot on first use and serves every submission until the provider is closed.
#
# **Piston.** Any Piston v2 server: `export PISTON_URL=http://host:2000` (with `python` and `gcc` packages
# installed), or run `open-r1 sandbox serve` on a machine with bubblewrap — no container runtime needed.
#
# **Router.** On one node: `open-r1 sandbox serve --host 0.0.0.0 --port 8000 --max-concurrency 32` (there is no
# authentication: a trusted network only). In the recipe: `reward_params: {code: {provider: router, router_url:
# http://node:8000}}`. All ranks share one executor and one concurrency cap.
#
# Configuration errors surface when the reward is built, before a model loads:

# %%
import os

from open_r1.sandbox import ProviderConfigError

for name, kwargs, unset in [
    ("e2b", {}, "E2B_API_KEY"),
    ("morph", {"api_key": "k"}, "MORPH_SNAPSHOT_ID"),
    ("piston", {}, "PISTON_URL"),
    ("router", {}, None),
]:
    saved = os.environ.pop(unset, None) if unset else None
    try:
        get_provider(name, **kwargs)
    except ProviderConfigError as err:
        print(f"{name:7s} -> {err}")
    finally:
        if saved is not None:
            os.environ[unset] = saved

# %% [markdown]
# ## Deep dive
#
# **Where the time goes.** The wall times printed above are dominated by the busy loop (half a second of CPU by
# design) and, for remote backends, by one round trip per submission (Piston: per test). Locally, warm workers keep
# the interpreter start-up off the critical path; E2B pays a microVM start per submission; Morph boots one instance
# and reuses it.
#
# **Concurrency.** Every remote provider holds a semaphore (`max_concurrency`) so that 8 ranks × 16 generations do
# not open 128 connections to a quota-limited service; the router adds one global cap for the whole job.
#
# **Failures are not verdicts.** A 502, a timeout or a lost sandbox is retried with backoff and jitter
# ([[open_r1/core/retry.py:RetryPolicy]]); when retries run out the submission is IE and the reward is `None`
# (TRL skips it), never 0 — a flaky cloud must not teach the model that correct code is wrong.
#
# **Same verdicts everywhere.** Remote backends run the same judge driver script inside the remote machine and
# parse its JSON, so the comparison rule is identical; the agreement table above is that property, measured.
#
# ## Pitfalls and debugging
#
# - **No bubblewrap**: the local provider refuses to run untrusted code (`apt-get install -y bubblewrap`);
#   `OPEN_R1_SANDBOX_UNSAFE=1` runs it anyway, unisolated — never with model-written code you did not read.
# - **C++ CE on E2B for every program**: the template has no `g++`.
# - **Piston's own limits**: a stock Piston server caps run time and output per its config; the judge's `Limits`
#   are sent per request but cannot exceed the server's.
# - **Router reachable from outside**: it has no authentication; bind 127.0.0.1 (the default) or a private network.
# - **Debugging**: `open-r1 sandbox run prog.py --stdin '1 2'` runs one program in the local sandbox and prints the
#   verdict, times and output.
#
# ## Exercises
#
# **Exercise 1.** Write `piston_run(url, language, code, stdin)` with `httpx` against the Piston API and return
# `(stdout, status)`, where `status` is Piston's `run.status` (None when the run ended normally). Check it on the
# router: an echo program, and a busy loop with `run_cpu_time` 500 ms.


# %% tags=["solution"]
def piston_run(url, language, code, stdin, cpu_ms=1000):
    body = {"language": language, "version": "*", "files": [{"content": code}], "stdin": stdin, "run_cpu_time": cpu_ms}
    run = httpx.post(f"{url}/api/v2/execute", json=body, timeout=60).json()["run"]
    return run["stdout"], run.get("status")


print(piston_run(router.url, "python", "print(input())", "hi\n"))
print(piston_run(router.url, "python", "while True: pass", "", cpu_ms=500))

# %% tags=["check"]
assert piston_run(router.url, "python", "print(input())", "hi\n") == ("hi\n", None)
assert piston_run(router.url, "python", "while True: pass", "", cpu_ms=500)[1] == "TO"
assert piston_run(router.url, "python", "import sys; sys.exit(3)", "")[1] == "RE"
print("exercise 1: ok")

# %% [markdown]
# **Exercise 2.** The router counts what it serves. Send the four submissions again through a router provider with
# `batch_size=3`, and check from `/health` that the server's `served` counter grew by exactly the number of
# submissions (not the number of HTTP requests), and that the verdicts match the local ones.


# %% tags=["solution"]
def served():
    return httpx.get(f"{router.url}/health").json()["served"]


before = served()
results, _ = run(get_provider("router", url=router.url, batch_size=3))
grew = served() - before
print(f"served grew by {grew}; verdicts {[r.verdict.value for r in results]}")

# %% tags=["check"]
assert grew == len(SUBMISSIONS) == 4
assert {r.id: (r.verdict.value, [t.verdict.value for t in r.tests]) for r in results} == verdicts["local"]
print("exercise 2: ok")

# %%
router.__exit__(None, None, None)
backing.close()

# %% [markdown]
# ## What next
#
# [Tutorial 20](20-ioi-evaluation.md): judging olympiad problems with these backends.
