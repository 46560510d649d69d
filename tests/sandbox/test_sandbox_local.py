"""The provider contract (base.py) and the local sandbox's API: runs, C++ reuse, files, limits, refusal."""

from __future__ import annotations

import asyncio
import json

import pytest
from sandbox_helpers import THREAD_CPP, THREAD_PY, THREAD_TESTS

from open_r1.sandbox import get_provider
from open_r1.sandbox.base import (
    ExecResult,
    ExecStatus,
    IsolationUnavailable,
    Limits,
    ProviderConfigError,
    Submission,
    SubmissionResult,
    TestCase,
    TestResult,
    Verdict,
    outputs_match,
    verdict_for,
)

# -- base: comparison, verdicts, serialisation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected", "match"),
    [
        ("3\n", "3", True),
        ("3", "3\n\n\n", True),
        ("1 2   \n3\t\n", "1 2\n3", True),
        ("1\r\n2\r\n", "1\n2\n", True),
        ("1\n2\n", "1\n", False),  # an extra line fails (a zip comparison would pass it)
        ("1\n", "1\n2\n", False),  # a missing line fails
        ("", "0", False),
        (" 3\n", "3\n", False),  # leading whitespace matters
        ("1\n\n2\n", "1\n2\n", False),  # blank lines inside the output matter
        ("", "", True),
        ("\n\n", "", True),
    ],
)
def test_outputs_match(actual, expected, match):
    assert outputs_match(actual, expected) is match


def test_verdict_for():
    ok = ExecResult(ExecStatus.OK, exit_code=0, stdout="4\n")
    assert verdict_for(ok, "4") == Verdict.AC
    assert verdict_for(ok, "5") == Verdict.WA
    assert verdict_for(ok, None) == Verdict.AC
    assert verdict_for(ExecResult(ExecStatus.OK, exit_code=3, stdout="4\n"), "4") == Verdict.RE
    for status in ("TLE", "MLE", "RE", "OLE"):
        assert verdict_for(ExecResult(ExecStatus(status)), "4") == Verdict(status)
    assert verdict_for(ExecResult(ExecStatus.OK, exit_code=1, compile_error=True), "4") == Verdict.CE


def test_limits_validation_and_defaults():
    lim = Limits()
    assert (lim.cpu_time_s, lim.memory_mb, lim.max_processes) == (2.0, 256, 64)
    assert lim.wall_s == 5.0  # 2 x cpu + 1
    assert Limits(wall_time_s=7).wall_s == 7
    for bad in ({"cpu_time_s": 0}, {"memory_mb": 1}, {"max_processes": 0}, {"wall_time_s": -1}):
        with pytest.raises(ValueError):
            Limits(**bad)
    with pytest.raises(ValueError, match="Unknown limit"):
        Limits.from_dict({"cpu": 1})


def test_json_round_trip():
    sub = Submission(code="print(1)", tests=[TestCase("a", "b", "t0")], limits=Limits(cpu_time_s=1), id="7")
    assert Submission.from_dict(json.loads(json.dumps(sub.to_dict()))) == sub
    res = SubmissionResult.from_tests([TestResult("t0", Verdict.AC, "1", "", 0.1),
                                       TestResult("t1", Verdict.WA, "2", "", 0.1),
                                       TestResult("t2", Verdict.TLE)], id="7")
    assert (res.verdict, res.passed, res.total) == (Verdict.WA, 1, 3)
    assert SubmissionResult.from_dict(json.loads(json.dumps(res.to_dict()))) == res
    with pytest.raises(ValueError, match="language"):
        Submission(code="", language="rust")


def test_unknown_provider():
    with pytest.raises(ProviderConfigError, match="unknown sandbox provider"):
        get_provider("nope")


# -- the local sandbox --------------------------------------------------------------------------------------------


@pytest.mark.system
def test_run_python_basics(sandbox, no_leftovers):
    res = sandbox.run_python("import sys\nprint(sys.stdin.read()[::-1])", "olleh")
    assert res.ok and res.stdout == "hello\n"
    assert res.cpu_time_s > 0 and res.wall_time_s > 0
    res = sandbox.run_python("import sys\nsys.exit(3)")
    assert (res.status, res.exit_code) == (ExecStatus.OK, 3)
    res = sandbox.run_python("raise SystemExit('bye')")
    assert res.exit_code == 1 and "bye" in res.stderr
    res = sandbox.run_python("x = input()\nraise ValueError(x)", "boom")
    assert res.exit_code == 1 and "ValueError: boom" in res.stderr and "worker" not in res.stderr


@pytest.mark.system
def test_python_behaves_like_a_script(sandbox, no_leftovers):
    code = (
        "import atexit, sys, threading, random\n"
        "atexit.register(lambda: print('atexit ran'))\n"
        "print(__name__, sys.argv)\n"
        "def later():\n    print('thread done')\n"
        "threading.Thread(target=later).start()\n"
        "print('rand', random.random())\n"
    )
    a = sandbox.run_python(code, limits=Limits(max_processes=2))
    b = sandbox.run_python(code, limits=Limits(max_processes=2))
    assert a.ok, a.stderr
    lines = a.stdout.splitlines()
    assert lines[0] == "__main__ ['solution.py']"
    assert "thread done" in lines and lines[-1] == "atexit ran"
    rand = [next(ln for ln in r.stdout.splitlines() if ln.startswith("rand")) for r in (a, b)]
    assert rand[0] != rand[1], "random state leaked between forked tests"


@pytest.mark.system
def test_files_are_fresh_per_test(sandbox, no_leftovers):
    first = sandbox.run_python("open('state.txt', 'w').write('secret state')\nprint('ok')")
    assert first.ok
    second = sandbox.run_python("import os\nprint(os.path.exists('state.txt'), os.listdir('.'))")
    assert second.stdout.strip() == "False []"
    res = sandbox.run_python("print(open('data.txt').read())\nimport helper\nprint(helper.X)",
                             files={"data.txt": "payload", "helper.py": "X = 42\n"})
    assert res.stdout.split() == ["payload", "42"], res.stderr


@pytest.mark.system
def test_run_argv_and_collect(sandbox, no_leftovers):
    res = sandbox.run(["sh", "-c", "cat; echo $HOME $PATH"], stdin="in\n", limits=Limits(max_processes=4))
    assert res.ok and res.stdout.startswith("in\n/work/t")
    res, files = sandbox.run_collect(["sh", "-c", "echo made > out.txt"], collect=["out.txt", "missing"],
                                     limits=Limits(max_processes=4))
    assert res.ok and files == {"out.txt": b"made\n"}
    res = sandbox.run(["./run.sh"], files={"run.sh": "#!/bin/sh\necho script\n"})
    assert res.stdout == "script\n"


@pytest.mark.system
def test_cpp_compile_once_run_many(sandbox, no_leftovers):
    code = "#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<std::endl;}"
    with sandbox.compile_cpp(code) as program:
        assert program.ok, program.compile_output
        assert program.host_path.exists()
        outs = sandbox.run_program_many(program, [f"{i} {i}\n" for i in range(20)])
        assert [r.stdout.strip() for r in outs] == [str(2 * i) for i in range(20)]
        assert sandbox.run_program(program, "1 2").stdout == "3\n"
        host_path = program.host_path
    assert not host_path.exists()
    bad = sandbox.compile_cpp("int main() { return undefined_name; }")
    assert not bad.ok and "undefined_name" in bad.compile_output
    with pytest.raises(ValueError):
        sandbox.run_program(bad, "")


@pytest.mark.system
def test_compile_output_is_truncated(sandbox, no_leftovers):
    code = "int main() {\n" + "undefined_thing_%d();\n" * 3000 + "}\n"
    bad = sandbox.compile_cpp(code % tuple(range(3000)))
    assert not bad.ok and len(bad.compile_output) < 12_000 and "truncated" in bad.compile_output


@pytest.mark.system
def test_run_python_many_each_fresh(sandbox, no_leftovers):
    code = "import os\nprint(len(os.listdir('.')), input())\nopen('x', 'w').write('1')"
    outs = sandbox.run_python_many(code, [f"{i}\n" for i in range(10)])
    assert [r.stdout for r in outs] == [f"0 {i}\n" for i in range(10)]


@pytest.mark.system
def test_cpu_time_is_checked_precisely(sandbox, no_leftovers):
    # RLIMIT_CPU rounds up to whole seconds; the measured CPU time decides
    res = sandbox.run_python("import time\nt = time.process_time()\nwhile time.process_time() - t < 0.8:\n    pass",
                             limits=Limits(cpu_time_s=0.5, wall_time_s=5))
    assert res.status == ExecStatus.TLE


@pytest.mark.system
def test_local_provider_judges(sandbox, no_leftovers):
    provider = get_provider("local", sandbox=sandbox)
    tests = [TestCase("1 2\n", "3\n"), TestCase("5 5\n", "10"), TestCase("0 0\n", "1")]
    subs = [
        Submission(code="print(sum(map(int, input().split())))", tests=tests, id="py"),
        Submission(code="#include <cstdio>\nint main(){int a,b;scanf(\"%d%d\",&a,&b);printf(\"%d\\n\",a+b);}",
                   language="cpp", tests=tests, id="cpp"),
        Submission(code="print(", tests=tests, id="syntax"),
        Submission(code="int main( {", language="cpp", tests=tests, id="ce"),
        Submission(code="print(sum(map(int, input().split())))", tests=tests, stop_on_first_failure=True, id="s"),
        Submission(code="print('script ran')", tests=[], id="script"),
        Submission(code="import time\ntime.sleep(10)", tests=tests[:1], limits=Limits(cpu_time_s=0.5), id="tle"),
    ]
    py, cpp, syntax, ce, stop, script, tle = asyncio.run(provider.run_submissions(subs))
    assert [t.verdict for t in py.tests] == [Verdict.AC, Verdict.AC, Verdict.WA]
    assert (py.verdict, py.passed, py.total, py.id) == (Verdict.WA, 2, 3, "py")
    assert [t.verdict for t in cpp.tests] == [Verdict.AC, Verdict.AC, Verdict.WA]
    assert syntax.verdict == Verdict.CE and "SyntaxError" in syntax.compile_output
    assert ce.verdict == Verdict.CE and ce.passed == 0 and ce.total == 3 and "error" in ce.compile_output
    assert [t.verdict for t in stop.tests] == [Verdict.AC, Verdict.AC, Verdict.WA]
    assert (script.verdict, script.total) == (Verdict.AC, 1)
    assert tle.verdict == Verdict.TLE


@pytest.mark.system
def test_threads_within_the_default_bound_are_accepted(sandbox, no_leftovers):
    """The deep-recursion thread idiom (Python) and a std::thread program (C++) are correct programs: under the
    default limits (64 processes + threads) they get AC; with max_processes=1 the same programs are RE."""
    provider = get_provider("local", sandbox=sandbox)
    py_tests = [TestCase(stdin, py_out) for stdin, py_out, _ in THREAD_TESTS]
    cpp_tests = [TestCase(stdin, cpp_out) for stdin, _, cpp_out in THREAD_TESTS]
    subs = [Submission(code=THREAD_PY, tests=py_tests, id="py"),
            Submission(code=THREAD_CPP, language="cpp", tests=cpp_tests, id="cpp"),
            Submission(code=THREAD_PY, tests=py_tests[1:], limits=Limits(max_processes=1), id="py-1"),
            Submission(code=THREAD_CPP, language="cpp", tests=cpp_tests[1:], limits=Limits(max_processes=1))]
    py, cpp, py_one, cpp_one = asyncio.run(provider.run_submissions(subs))
    assert (py.verdict, py.passed) == (Verdict.AC, 2), py.tests[0].stderr
    assert (cpp.verdict, cpp.passed) == (Verdict.AC, 2), cpp.tests[0].stderr
    assert py_one.verdict == Verdict.RE and "can't start new thread" in py_one.tests[0].stderr
    assert cpp_one.verdict == Verdict.RE and "Resource temporarily unavailable" in cpp_one.tests[0].stderr


@pytest.mark.system
def test_thread_bound_is_exact(sandbox, no_leftovers):
    """max_processes counts the program itself: with 8, exactly 7 more threads start (root mode, where every
    worker has a uid of its own; the rootless offset is tested in test_sandbox_rootless.py)."""
    from open_r1.sandbox.local import check_isolation

    if check_isolation().mode != "root":
        pytest.skip("exact per-uid counts need root mode (the rootless bound is checked in its own test)")
    code = ("import threading\nevent = threading.Event()\nstarted = 0\nwhile True:\n    try:\n"
            "        threading.Thread(target=event.wait, daemon=True).start()\n    except RuntimeError:\n"
            "        break\n    started += 1\nevent.set()\nprint(started)\n")
    for bound in (8, 64):
        res = sandbox.run_python(code, limits=Limits(max_processes=bound))
        assert res.ok and res.stdout.strip() == str(bound - 1), (bound, res.stdout, res.stderr)


@pytest.mark.system
def test_stop_on_first_failure_skips(sandbox, no_leftovers):
    provider = get_provider("local", sandbox=sandbox)
    sub = Submission(code="print(input())", tests=[TestCase("a", "a"), TestCase("b", "x"), TestCase("c", "c")],
                     stop_on_first_failure=True)
    (res,) = asyncio.run(provider.run_submissions([sub]))
    assert [t.verdict for t in res.tests] == [Verdict.AC, Verdict.WA, Verdict.SKIPPED]
    assert res.verdict == Verdict.WA and res.passed == 1


@pytest.mark.system
def test_workers_outlive_the_thread_that_started_them():
    # bwrap --die-with-parent is PR_SET_PDEATHSIG: it fires when the *thread* that forked bwrap exits
    import threading
    import time

    from open_r1.sandbox.local import LocalSandbox

    with LocalSandbox(1) as sb:
        thread = threading.Thread(target=lambda: sb.run_python("pass"))
        thread.start()
        thread.join()
        pids = sb.worker_pids
        time.sleep(0.3)
        assert sb.run_python("print(1)").stdout == "1\n"
        assert sb.worker_pids == pids


# -- refusing to run without isolation ----------------------------------------------------------------------------


def _no_isolation(monkeypatch):
    from open_r1.sandbox import local

    monkeypatch.setattr(local, "_ISOLATION_CACHE",
                        local.IsolationReport(False, None, "bubblewrap is not installed (test)."))
    monkeypatch.delenv(local.UNSAFE_ENV, raising=False)


def test_refuses_without_isolation(monkeypatch):
    from open_r1.sandbox.local import LocalSandbox

    _no_isolation(monkeypatch)
    with pytest.raises(IsolationUnavailable, match="OPEN_R1_SANDBOX_UNSAFE=1"):
        LocalSandbox(1)
    provider = get_provider("local")
    with pytest.raises(IsolationUnavailable):
        asyncio.run(provider.run_submissions([Submission(code="print(1)")]))


def test_unisolated_opt_in_warns_loudly(monkeypatch):
    from open_r1.sandbox.local import LocalSandbox

    _no_isolation(monkeypatch)
    monkeypatch.setenv("OPEN_R1_SANDBOX_UNSAFE", "1")
    with pytest.warns(RuntimeWarning, match="WITHOUT isolation"):
        sb = LocalSandbox(1)
    with sb:
        assert not sb.isolated
        res = sb.run_python("import os\nprint(int(input()) * 2, 'OPEN_R1_TEST_SECRET' in os.environ)", "21")
        # even unisolated, the program gets a clean environment
        assert res.stdout == "42 False\n"
        assert sb.run_python("while True: pass", limits=Limits(cpu_time_s=0.5)).status == ExecStatus.TLE
    with pytest.warns(RuntimeWarning):
        LocalSandbox(1, allow_unisolated=True).close()


@pytest.mark.system
def test_sysv_ipc_does_not_outlive_a_test(sandbox, no_leftovers):
    # shared memory outlives processes: a test must not be able to leave state (or memory) for the next one
    code = (
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "if input() == 'create':\n"
        "    shm = libc.shmget(0x4242, 4096, 0o1666)\n    sem = libc.semget(0x4343, 1, 0o1666)\n"
        "    msg = libc.msgget(0x4444, 0o1666)\n    print(shm >= 0, sem >= 0, msg >= 0)\n"
        "else:\n"
        "    print(*(len(open(f'/proc/sysvipc/{k}').read().splitlines()) for k in ('shm', 'sem', 'msg')))\n"
    )
    # one request = one worker, so the second run would see what the first left behind
    created, seen = sandbox.run_python_many(code, ["create", "look"])
    assert created.stdout == "True True True\n", created.stderr
    assert seen.stdout == "1 1 1\n"  # the header lines only
