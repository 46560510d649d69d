"""The judge driver that cloud providers (E2B, Morph) run *inside* their remote sandbox.

WHAT
    A standard-library-only script. Given a payload {"code", "language", "inputs": [stdin...], "limits": {...},
    "compile_limits": {...}}, it compiles the program (C++) or syntax-checks it (Python), runs it once per input
    with rlimits, and prints one line `__OPEN_R1_RESULT__<json>` holding, per run, the same raw facts as the local
    worker (`_worker.py`): exit code or signal, stdout/stderr (base64, capped), CPU and wall time, wall timeout,
    output overflow, compile error.

WHY
    One remote call per submission instead of one per test (a cloud round trip costs more than a test), and the
    verdicts are decided on the trainer's side by the same code for every provider (`local.classify_raw`,
    `base.verdict_for`), so a reward never changes because the executor changed (DeepSeek-R1, arXiv 2501.12948,
    §2.2.2: the rule is the reward). The cloud VM is the isolation boundary here; rlimits only keep one test from
    starving the rest.

HOW
    stdout/stderr go to files under RLIMIT_FSIZE (a flood stops at the cap instead of filling memory); a wall
    clock kills the process group; RUSAGE_CHILDREN deltas give the CPU time of each run.

DATA FLOW
    `remote.driver_script(submission)` embeds this file and the payload -> E2B `run_code` / Morph `exec` ->
    stdout -> `remote.parse_driver_output` -> raw facts -> `local.classify_raw` -> verdicts.
"""

import base64
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

MARKER = "__OPEN_R1_RESULT__"


def _limits_fn(lim, output_cap):
    cpu = max(1, int(-(-float(lim["cpu_time_s"]) // 1)))
    mem = int(lim["memory_mb"]) * 1024 * 1024
    fsize = max(int(lim["max_file_bytes"]), output_cap + 1)

    def apply():
        os.setsid()
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)

    return apply


def _run(argv, stdin_bytes, lim, cwd, env):
    out_cap = int(lim["max_output_bytes"])
    wall = lim.get("wall_time_s") or 2 * float(lim["cpu_time_s"]) + 1
    out_path = os.path.join(cwd, ".stdout")
    err_path = os.path.join(cwd, ".stderr")
    in_path = os.path.join(cwd, ".stdin")
    with open(in_path, "wb") as fh:
        fh.write(stdin_bytes)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    wall_timeout = False
    with open(in_path, "rb") as fin, open(out_path, "wb") as fout, open(err_path, "wb") as ferr:
        proc = subprocess.Popen(argv, stdin=fin, stdout=fout, stderr=ferr, cwd=cwd, env=env,
                                preexec_fn=_limits_fn(lim, out_cap))
        try:
            proc.wait(timeout=wall)
        except subprocess.TimeoutExpired:
            wall_timeout = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
    wall_s = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out_path, "rb") as fh:
        stdout = fh.read(out_cap + 1)
    with open(err_path, "rb") as fh:
        stderr = fh.read(out_cap + 1)
    code = proc.returncode
    sig = -code if code < 0 else None
    return {
        "exit_code": None if sig else code,
        "signal": sig,
        "stdout": base64.b64encode(stdout).decode(),
        "stderr": base64.b64encode(stderr).decode(),
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "wall": wall_s,
        "max_rss_kb": after.ru_maxrss,
        "wall_timeout": wall_timeout,
        "output_exceeded": len(stdout) > out_cap or len(stderr) > out_cap,
        "compile_error": False,
        "setup_error": "",
    }


def judge(payload):
    """Compile the payload's program in a fresh temporary folder (g++ for C++, a syntax check for Python), then run it
    once per input under the payload's limits; returns the compile facts and one raw-facts dict per run, stopping early
    when compilation fails.
    """
    work = tempfile.mkdtemp(prefix="open-r1-")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": work, "TMPDIR": work}
    lim = payload["limits"]
    result = {"compile": None, "runs": []}
    if payload["language"] == "cpp":
        with open(os.path.join(work, "main.cpp"), "w") as fh:
            fh.write(payload["code"])
        clim = payload["compile_limits"]
        comp = _run(["g++", "-std=gnu++17", "-O2", "-pipe", "-o", "prog", "main.cpp"], b"", clim, work, env)
        result["compile"] = comp
        if comp["exit_code"] != 0 or comp["wall_timeout"] or comp["signal"]:
            return result
        argv = [os.path.join(work, "prog")]
    else:
        with open(os.path.join(work, "solution.py"), "w") as fh:
            fh.write(payload["code"])
        try:
            compile(payload["code"], "solution.py", "exec")
        except (SyntaxError, ValueError) as err:
            msg = "".join(__import__("traceback").format_exception_only(type(err), err))
            result["compile"] = {"compile_error": True, "stderr": base64.b64encode(msg.encode()).decode()}
            return result
        argv = [sys.executable or "python3", "solution.py"]
    for stdin in payload["inputs"]:
        result["runs"].append(_run(argv, stdin.encode(), lim, work, env))
    return result


def main(payload):
    """Judge the payload and print the result as the one `__OPEN_R1_RESULT__<json>` line the host's
    `parse_driver_output` looks for; `driver_script` ends with a call to it.
    """
    sys.stdout.write(MARKER + json.dumps(judge(payload)) + "\n")
    sys.stdout.flush()

