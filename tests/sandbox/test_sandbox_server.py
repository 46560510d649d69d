"""The router service on a real uvicorn server: /health, /batch (RouterProvider), the Piston v2 API (the
PistonProvider against it), and retries against a real flaky HTTP server. No mocks."""

from __future__ import annotations

import asyncio
import base64
import time

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sandbox_helpers import THREAD_CPP, THREAD_PY, THREAD_TESTS, ServerThread

from open_r1.sandbox import get_provider
from open_r1.sandbox.base import Limits, ProviderConfigError, Submission, TestCase, Verdict
from open_r1.sandbox.remote import RetryableError, RetryPolicy, with_retries
from open_r1.sandbox.server import create_app

pytestmark = pytest.mark.system
FAST_RETRY = RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05)
ADD = "print(sum(map(int, input().split())))"
ADD_CPP = "#include <cstdio>\nint main(){long a,b;scanf(\"%ld%ld\",&a,&b);printf(\"%ld\\n\",a+b);}"
TESTS = [TestCase("1 2\n", "3"), TestCase("10 20\n", "30"), TestCase("0 0\n", "1")]


@pytest.fixture(scope="module")
def router(sandbox):
    app = create_app("local", max_concurrency=2, sandbox=sandbox)
    with ServerThread(app) as server:
        server.app = app
        yield server


def test_health(router):
    data = httpx.get(f"{router.url}/health").json()
    assert data["status"] == "ok" and data["provider"] == "local" and data["max_concurrency"] == 2


def test_router_provider_batch(router):
    provider = get_provider("router", url=router.url, batch_size=2)
    subs = [Submission(code=ADD, tests=TESTS, id="a"), Submission(code=ADD_CPP, language="cpp", tests=TESTS, id="b"),
            Submission(code="print(", tests=TESTS, id="c")]
    a, b, c = asyncio.run(provider.run_submissions(subs))
    assert (a.id, a.verdict, a.passed) == ("a", Verdict.WA, 2)
    assert (b.id, b.verdict, b.passed) == ("b", Verdict.WA, 2)
    assert c.verdict == Verdict.CE
    assert asyncio.run(provider.health())["served"] >= 3


def test_router_concurrency_cap(sandbox):
    app = create_app("local", max_concurrency=1, sandbox=sandbox)
    with ServerThread(app) as server:
        provider = get_provider("router", url=server.url, batch_size=8)
        subs = [Submission(code="import time\ntime.sleep(0.4)\nprint('ok')", tests=[TestCase("", "ok")])] * 3
        start = time.monotonic()
        results = asyncio.run(provider.run_submissions(subs))
        assert all(r.verdict == Verdict.AC for r in results)
        assert time.monotonic() - start >= 1.2, "max_concurrency=1 must serialise the submissions"


def test_router_rejects_bad_batch(router):
    resp = httpx.post(f"{router.url}/batch", json={"submissions": [{"code": "x", "language": "rust"}]})
    assert resp.status_code == 400


# -- Piston v2 ----------------------------------------------------------------------------------------------------


def test_piston_runtimes_and_raw_execute(router):
    runtimes = httpx.get(f"{router.url}/api/v2/runtimes").json()
    assert {r["language"] for r in runtimes} == {"python", "c++"}
    version = next(r["version"] for r in runtimes if r["language"] == "python")
    body = {"language": "python", "version": version, "stdin": "21",
            "files": [{"name": "a.py", "content": base64.b64encode(b"print(int(input())*2)").decode(),
                       "encoding": "base64"}], "run_timeout": 3000}
    data = httpx.post(f"{router.url}/api/v2/execute", json=body).json()
    assert data["run"]["stdout"] == "42\n" and data["run"]["code"] == 0 and data["run"]["signal"] is None
    assert data["run"]["output"] == "42\n" and data["language"] == "python"
    slow = httpx.post(f"{router.url}/api/v2/execute", json={
        "language": "py", "version": "*", "files": [{"content": "while True: pass"}], "run_timeout": 1500,
        "run_cpu_time": 500}).json()
    assert slow["run"]["status"] == "TO" and slow["run"]["signal"] in ("SIGKILL", "SIGXCPU")
    bad = httpx.post(f"{router.url}/api/v2/execute", json={"language": "cobol", "version": "*",
                                                          "files": [{"content": "x"}]})
    assert bad.status_code == 400 and "runtime is unknown" in bad.json()["message"]
    ce = httpx.post(f"{router.url}/api/v2/execute", json={"language": "c++", "version": "*",
                                                         "files": [{"content": "int main( {"}]}).json()
    assert ce["compile"]["code"] != 0 and "error" in ce["compile"]["output"] and "run" not in ce


def test_piston_provider_against_our_server(router):
    provider = get_provider("piston", url=router.url, retry=FAST_RETRY)
    subs = [
        Submission(code=ADD, tests=TESTS),
        Submission(code=ADD_CPP, language="cpp", tests=TESTS),
        Submission(code="print(", tests=TESTS),
        Submission(code="int main( {", language="cpp", tests=TESTS),
        Submission(code="while True: pass", tests=TESTS[:1], limits=Limits(cpu_time_s=0.5)),
        Submission(code="x = bytearray(10**10)", tests=TESTS[:1]),
        Submission(code="print('x' * 100)", tests=TESTS[:1], limits=Limits(max_output_bytes=50)),
        Submission(code="import sys\nsys.exit(4)", tests=TESTS[:1]),
        Submission(code=ADD, tests=[TestCase("1 1", "3"), TestCase("1 1", "2")], stop_on_first_failure=True),
    ]
    res = asyncio.run(provider.run_submissions(subs))
    assert [t.verdict for t in res[0].tests] == [Verdict.AC, Verdict.AC, Verdict.WA]
    assert [t.verdict for t in res[1].tests] == [Verdict.AC, Verdict.AC, Verdict.WA]
    assert res[2].verdict == Verdict.CE and "SyntaxError" in res[2].compile_output
    assert res[3].verdict == Verdict.CE and "error" in res[3].compile_output
    assert [r.verdict for r in res[4:8]] == [Verdict.TLE, Verdict.MLE, Verdict.OLE, Verdict.RE]
    assert [t.verdict for t in res[8].tests] == [Verdict.WA, Verdict.SKIPPED]
    # one compilation served every test of the C++ submission (and the CE one is cached too)
    assert len(router.app.state.sandbox_state.programs) == 2


def test_piston_and_router_config_errors(monkeypatch):
    monkeypatch.delenv("PISTON_URL", raising=False)
    with pytest.raises(ProviderConfigError, match="PISTON_URL"):
        get_provider("piston")
    with pytest.raises(ProviderConfigError, match="http"):
        get_provider("piston", url="127.0.0.1:2000")
    with pytest.raises(ProviderConfigError, match="url"):
        get_provider("router")


# -- retries against a real flaky server --------------------------------------------------------------------------


def flaky_piston(failures: int, status: int) -> tuple[FastAPI, dict[str, int]]:
    """A Piston-speaking server whose execute fails `failures` times with `status`, then answers."""
    app = FastAPI()
    counts = {"execute": 0, "runtimes": 0}

    @app.get("/api/v2/runtimes")
    async def runtimes():
        counts["runtimes"] += 1
        return [{"language": "python", "version": "3.11.0", "aliases": ["py"]}]

    @app.post("/api/v2/execute")
    async def execute(body: dict):
        counts["execute"] += 1
        assert body["language"] == "python" and body["version"] == "3.11.0"
        assert body["files"][0]["content"] == ADD and body["run_timeout"] == 5000
        if counts["execute"] <= failures:
            return JSONResponse({"message": "busy"}, status_code=status)
        return {"language": "python", "version": "3.11.0",
                "run": {"stdout": "3\n", "stderr": "", "output": "3\n", "code": 0, "signal": None}}

    return app, counts


def test_piston_retries_transient_errors():
    app, counts = flaky_piston(failures=2, status=503)
    with ServerThread(app) as server:
        provider = get_provider("piston", url=server.url, retry=FAST_RETRY)
        (res,) = asyncio.run(provider.run_submissions([Submission(code=ADD, tests=TESTS[:1])]))
    assert res.verdict == Verdict.AC and counts["execute"] == 3


def test_piston_gives_up_with_ie():
    app, counts = flaky_piston(failures=100, status=429)
    with ServerThread(app) as server:
        provider = get_provider("piston", url=server.url, retry=FAST_RETRY)
        (res,) = asyncio.run(provider.run_submissions([Submission(code=ADD, tests=TESTS[:1])]))
    assert res.verdict == Verdict.IE and "429" in res.error and counts["execute"] == FAST_RETRY.attempts


def test_piston_does_not_retry_client_errors():
    app, counts = flaky_piston(failures=100, status=400)
    with ServerThread(app) as server:
        provider = get_provider("piston", url=server.url, retry=FAST_RETRY)
        (res,) = asyncio.run(provider.run_submissions([Submission(code=ADD, tests=TESTS[:1])]))
    assert res.verdict == Verdict.IE and counts["execute"] == 1


def test_unreachable_server_is_ie():
    provider = get_provider("piston", url="http://127.0.0.1:9", retry=FAST_RETRY)
    (res,) = asyncio.run(provider.run_submissions([Submission(code=ADD, tests=TESTS[:1])]))
    assert res.verdict == Verdict.IE


def test_backoff_with_jitter():
    import random

    policy = RetryPolicy(attempts=5, base_delay_s=1.0, max_delay_s=4.0, jitter=0.5)
    rng = random.Random(0)
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 4.0)]:
        delays = [policy.delay(attempt, rng) for _ in range(200)]
        assert all(ceiling * 0.5 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling * 0.3, "jitter must spread the retries"
    calls = []

    async def flaky():
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise RetryableError("again")
        return "done"

    assert asyncio.run(with_retries(flaky, RetryPolicy(attempts=3, base_delay_s=0.05, jitter=0.0))) == "done"
    assert calls[1] - calls[0] >= 0.045 and calls[2] - calls[1] >= 0.095  # 0.05 then 0.1

    async def broken():
        raise ValueError("not transient")

    with pytest.raises(ValueError):
        asyncio.run(with_retries(broken, RetryPolicy(attempts=3, base_delay_s=0.01)))


def test_piston_accepts_threaded_programs_and_bounds_them(router, sandbox):
    """The deep-recursion thread idiom (Python) and a std::thread program (C++) run through the Piston API under
    the server's default bound (64 processes + threads, Piston's max_process_count); a server started with
    max_processes=1 refuses both the way it refuses any program past the bound (a failed run, not a crash)."""

    def execute(url: str, language: str, code: str, stdin: str) -> dict:
        body = {"language": language, "version": "*", "files": [{"name": "main", "content": code}],
                "stdin": stdin, "run_timeout": 10000}
        return httpx.post(f"{url}/api/v2/execute", json=body, timeout=120).json()

    assert httpx.get(f"{router.url}/health").json()["max_processes"] == 64
    for stdin, py_out, cpp_out in THREAD_TESTS:
        py = execute(router.url, "python", THREAD_PY, stdin)
        assert (py["run"]["code"], py["run"]["stdout"], py["run"]["status"]) == (0, py_out, None), py
        cpp = execute(router.url, "c++", THREAD_CPP, stdin)
        assert cpp["compile"]["code"] == 0 and (cpp["run"]["code"], cpp["run"]["stdout"]) == (0, cpp_out), cpp
    with ServerThread(create_app("local", max_concurrency=1, max_processes=1, sandbox=sandbox)) as strict:
        py = execute(strict.url, "python", THREAD_PY, "3\n")
        assert py["run"]["status"] == "RE" and "can't start new thread" in py["run"]["stderr"]
        cpp = execute(strict.url, "c++", THREAD_CPP, "3\n")
        assert cpp["run"]["status"] == "SG" and "Resource temporarily unavailable" in cpp["run"]["stderr"]
    with pytest.raises(ProviderConfigError, match="max_processes"):
        create_app("local", max_processes=0, sandbox=sandbox)
