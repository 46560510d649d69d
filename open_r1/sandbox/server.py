"""`open-r1 sandbox serve`: a router service many training ranks share, with a Piston-v2-compatible API.

WHAT
    `create_app(provider="local", max_concurrency=8, max_processes=64, **provider_kwargs) -> FastAPI` and
    `serve(host, port, provider, max_concurrency, max_processes=64)`. Endpoints:

    =========================  ==============================================================================
    GET  /health               {"status": "ok", "provider", "max_concurrency", "in_flight", "served"}
    POST /batch                {"submissions": [Submission.to_dict()]} -> {"results": [SubmissionResult]}
    GET  /api/v2/runtimes      Piston v2: [{"language", "version", "aliases", "runtime"}]
    GET  /api/v2/packages      Piston v2: the installed runtimes as packages
    POST /api/v2/execute       Piston v2: {"language", "version", "files", "stdin", "args", "run_timeout",
                               "run_cpu_time", "run_memory_limit", "compile_timeout", ...} -> {"run", "compile"}
    =========================  ==============================================================================

WHY
    Code rewards (DeepSeek-R1, arXiv 2501.12948, §2.2.2) run on every rank of a training job; giving each rank its
    own executor oversubscribes the node and multiplies cloud quotas. One router owns the executor (the local
    sandbox, or E2B/Morph/Piston) and a global concurrency cap; ranks send batches (`RouterProvider`). The
    Piston-compatible endpoints let tools written for Piston (evaluation harnesses, other RL stacks) use this
    machine's isolated sandbox without installing Piston and its container runtime.

HOW
    Every submission (and every Piston execute) takes one slot of an `asyncio.Semaphore(max_concurrency)`; the
    blocking local sandbox runs in a thread pool of the same size. Piston executes of C++ reuse compiled
    binaries from an LRU cache keyed by the source hash (Piston clients send one request per test, each with the
    full source). A Python SyntaxError is reported as a failed `compile` stage, like a C++ compile error.
    Piston run `status`: "TO" (time), "OL" (output), "SG" (signal), "RE" (non-zero exit); `message` names the
    limit that was hit ("memory limit exceeded" for MLE).
    `args` are not passed to programs (a test is stdin -> stdout), and only the first file is used.
    Processes and threads per Piston run are bounded by the server's `max_processes` (default 64, like Piston's
    `max_process_count`, which Piston also sets per server rather than per request): a program may start
    threads (`std::thread`, the Python deep-recursion idiom); a fork or thread bomb hits the bound.
    The service has no authentication: it binds 127.0.0.1 by default; expose it only on a trusted network.

DATA FLOW
    ranks: `RouterProvider` -> POST /batch -> provider.run_submissions -> results JSON.
    Piston tools / `PistonProvider` -> POST /api/v2/execute -> `LocalSandbox.run_python` / `compile_cpp` +
    `run_program` -> Piston JSON.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import shutil
import signal as signal_mod
import subprocess
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse

from open_r1.sandbox.base import (
    DEFAULT_MAX_PROCESSES,
    ExecResult,
    ExecStatus,
    Limits,
    ProviderConfigError,
    SandboxError,
    Submission,
    SubmissionResult,
    normalize_language,
)

logger = logging.getLogger(__name__)

PROGRAM_CACHE_SIZE = 64


def _host_versions() -> dict[str, str]:
    """The versions the sandbox runs (the system python3 and g++), asked once on the host."""
    versions = {"python": "3", "cpp": "0"}
    try:
        from open_r1.sandbox.local import _python_for_sandbox

        out = subprocess.run([_python_for_sandbox()[0], "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, timeout=10, env={})
        versions["python"] = out.stdout.strip() or versions["python"]
    except (OSError, subprocess.SubprocessError):
        pass
    gxx = shutil.which("g++")
    if gxx:
        try:
            out = subprocess.run([gxx, "-dumpfullversion"], capture_output=True, text=True, timeout=10)
            versions["cpp"] = out.stdout.strip() or versions["cpp"]
        except (OSError, subprocess.SubprocessError):
            pass
    return versions


def _signal_name(sig: int | None) -> str | None:
    if sig is None:
        return None
    try:
        return signal_mod.Signals(sig).name
    except ValueError:
        return f"SIG{sig}"


def _piston_stage(res: ExecResult) -> dict[str, Any]:
    """An ExecResult as a Piston v2 stage."""
    status, message = None, None
    if res.status == ExecStatus.TLE:
        status, message = "TO", "time limit exceeded"
    elif res.status == ExecStatus.OLE:
        status, message = "OL", "output limit exceeded"
    elif res.status == ExecStatus.MLE:
        status, message = ("SG" if res.signal else "RE"), "memory limit exceeded"
    elif res.signal is not None:
        status, message = "SG", f"killed by {_signal_name(res.signal)}"
    elif res.exit_code not in (0, None):
        status, message = "RE", f"exited with code {res.exit_code}"
    return {
        "stdout": res.stdout,
        "stderr": res.stderr,
        "output": res.stdout + res.stderr,
        "code": res.exit_code,
        "signal": _signal_name(res.signal),
        "status": status,
        "message": message,
        "cpu_time": int(res.cpu_time_s * 1000),
        "wall_time": int(res.wall_time_s * 1000),
        "memory": res.memory_kb * 1024,
    }


class _State:
    def __init__(self, provider_name: str, max_concurrency: int, provider_kwargs: dict[str, Any]) -> None:
        from open_r1.sandbox import get_provider

        self.provider_name = provider_name
        self.max_concurrency = max_concurrency
        if provider_name == "local":
            provider_kwargs.setdefault("workers", max_concurrency)
        self.provider = get_provider(provider_name, **provider_kwargs)  # configuration errors surface here
        if provider_name == "local":
            _ = self.provider.sandbox  # no isolation and no opt-in: refuse now, not at the first request
        self.allow_unisolated = provider_kwargs.get("allow_unisolated")
        self.pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="open-r1-serve")
        self.semaphore: asyncio.Semaphore | None = None
        self.in_flight = 0
        self.served = 0
        self._sandbox: Any = None
        self.programs: OrderedDict[str, Any] = OrderedDict()
        self.versions = _host_versions()

    @property
    def sandbox(self) -> Any:
        """The local sandbox behind the Piston API (the provider's own when it is `local`)."""
        if self._sandbox is None:
            from open_r1.sandbox.local import LocalProvider, LocalSandbox

            if isinstance(self.provider, LocalProvider):
                self._sandbox = self.provider.sandbox
            else:
                self._sandbox = LocalSandbox(self.max_concurrency, allow_unisolated=self.allow_unisolated)
        return self._sandbox

    def program(self, code: str) -> Any:
        """A compiled C++ program for this source, from the LRU cache or freshly compiled (in a worker thread)."""
        key = hashlib.sha256(code.encode()).hexdigest()
        if key in self.programs:
            self.programs.move_to_end(key)
            return self.programs[key]
        program = self.sandbox.compile_cpp(code)
        self.programs[key] = program
        while len(self.programs) > PROGRAM_CACHE_SIZE:
            _, old = self.programs.popitem(last=False)
            old.close()
        return program

    def close(self) -> None:
        for program in self.programs.values():
            program.close()
        self.programs.clear()
        closer = getattr(self.provider, "close", None)
        if closer is not None:
            closer()
        from open_r1.sandbox.local import LocalProvider

        if self._sandbox is not None and not isinstance(self.provider, LocalProvider):
            self._sandbox.close()
        self.pool.shutdown(wait=False, cancel_futures=True)


def create_app(provider: str = "local", max_concurrency: int | None = None,
               max_processes: int = DEFAULT_MAX_PROCESSES, **provider_kwargs: Any) -> FastAPI:
    """The router app. `max_processes` bounds processes + threads of each Piston run (/batch submissions carry
    their own `Limits`); `provider_kwargs` go to the provider (see `open_r1.sandbox.get_provider`)."""
    max_concurrency = max_concurrency or os.cpu_count() or 1
    if max_concurrency < 1:
        raise ProviderConfigError(f"max_concurrency must be >= 1, got {max_concurrency}")
    if max_processes < 1:
        raise ProviderConfigError(f"max_processes must be >= 1 (the program itself), got {max_processes}; "
                                  f"the default is {DEFAULT_MAX_PROCESSES}, like Piston's max_process_count")
    state = _State(provider, max_concurrency, dict(provider_kwargs))

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        state.semaphore = asyncio.Semaphore(max_concurrency)
        try:
            yield
        finally:
            aclose = getattr(state.provider, "aclose", None)
            if aclose is not None:
                await aclose()
            state.close()

    app = FastAPI(title="open-r1 sandbox router", version="1", lifespan=lifespan)
    app.state.sandbox_state = state

    async def slot():  # noqa: ANN202
        assert state.semaphore is not None
        return state.semaphore

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "provider": state.provider_name, "max_concurrency": max_concurrency,
                "max_processes": max_processes, "in_flight": state.in_flight, "served": state.served}

    @app.post("/batch")
    async def batch(body: dict[str, Any]) -> dict[str, Any]:
        try:
            submissions = [Submission.from_dict(s) for s in body.get("submissions", [])]
        except (KeyError, TypeError, ValueError) as err:
            raise HTTPException(status_code=400, detail=f"bad submission: {err}") from err
        semaphore = await slot()

        async def one(sub: Submission) -> SubmissionResult:
            async with semaphore:
                state.in_flight += 1
                try:
                    (res,) = await state.provider.run_submissions([sub])
                    return res
                except (SandboxError, OSError) as err:
                    return SubmissionResult.internal_error(sub, f"{type(err).__name__}: {err}")
                finally:
                    state.in_flight -= 1
                    state.served += 1

        results = await asyncio.gather(*(one(s) for s in submissions))
        return {"results": [r.to_dict() for r in results]}

    # -- Piston v2 -------------------------------------------------------------------------------------------

    def runtimes() -> list[dict[str, Any]]:
        return [
            {"language": "python", "version": state.versions["python"], "aliases": ["py", "python3"],
             "runtime": "open-r1-sandbox"},
            {"language": "c++", "version": state.versions["cpp"], "aliases": ["cpp", "g++"],
             "runtime": "open-r1-sandbox"},
        ]

    @app.get("/api/v2/runtimes")
    async def piston_runtimes() -> list[dict[str, Any]]:
        return runtimes()

    @app.get("/api/v2/packages")
    async def piston_packages() -> list[dict[str, Any]]:
        return [{"language": r["language"], "language_version": r["version"], "installed": True}
                for r in runtimes()]

    @app.post("/api/v2/execute")
    async def piston_execute(body: dict[str, Any]) -> JSONResponse:
        language = normalize_language(body.get("language"))
        if language is None:
            return JSONResponse({"message": f"{body.get('language')}-{body.get('version')} runtime is unknown"},
                                status_code=400)
        version = str(body.get("version", "*"))
        ours = state.versions[language]
        if version not in ("*", "", ours) and not ours.startswith(version.rstrip(".x*")):
            return JSONResponse({"message": f"{body.get('language')}-{version} runtime is unknown"},
                                status_code=400)
        files = body.get("files") or []
        if not files or not isinstance(files, list) or "content" not in files[0]:
            return JSONResponse({"message": "files must be a non-empty array of {name, content}"}, status_code=400)
        main = files[0]
        encoding = main.get("encoding", "utf8")
        try:
            if encoding == "base64":
                code = base64.b64decode(main["content"]).decode("utf-8", "replace")
            elif encoding == "hex":
                code = bytes.fromhex(main["content"]).decode("utf-8", "replace")
            else:
                code = str(main["content"])
            limits = _piston_limits(body, max_processes)
        except (ValueError, TypeError) as err:
            return JSONResponse({"message": str(err)}, status_code=400)
        stdin = str(body.get("stdin") or "")
        semaphore = await slot()
        loop = asyncio.get_running_loop()
        async with semaphore:
            state.in_flight += 1
            try:
                if language == "python":
                    res = await loop.run_in_executor(state.pool, state.sandbox.run_python, code, stdin, limits)
                    out: dict[str, Any] = {"language": "python", "version": ours}
                    if res.compile_error:
                        out["compile"] = {**_piston_stage(res), "status": "RE", "message": "syntax error"}
                    else:
                        out["run"] = _piston_stage(res)
                    return JSONResponse(out)
                program = await loop.run_in_executor(state.pool, state.program, code)
                out = {"language": "c++", "version": ours}
                comp = program.result or ExecResult(status=ExecStatus.OK, exit_code=0)
                out["compile"] = {**_piston_stage(comp), "stdout": "", "stderr": program.compile_output,
                                  "output": program.compile_output}
                if not program.ok:
                    out["compile"]["code"] = out["compile"]["code"] or 1
                    out["compile"]["status"] = out["compile"]["status"] or "RE"
                    return JSONResponse(out)
                res = await loop.run_in_executor(state.pool, state.sandbox.run_program, program, stdin, limits)
                out["run"] = _piston_stage(res)
                return JSONResponse(out)
            except SandboxError as err:
                return JSONResponse({"message": f"sandbox error: {err}"}, status_code=500)
            finally:
                state.in_flight -= 1
                state.served += 1

    return app


def _piston_limits(body: dict[str, Any], max_processes: int = DEFAULT_MAX_PROCESSES) -> Limits:
    """Piston's limits (milliseconds, bytes; -1 = the default) as `Limits`, with the server's process bound."""
    default = Limits()

    def number(key: str) -> float | None:
        value = body.get(key)
        if value is None or value == -1:
            return None
        value = float(value)
        if value <= 0:
            raise ValueError(f"{key} must be positive or -1, got {value}")
        return value

    run_timeout = number("run_timeout")
    cpu = number("run_cpu_time")
    mem = number("run_memory_limit")
    wall_s = run_timeout / 1000 if run_timeout else None
    cpu_s = cpu / 1000 if cpu else (wall_s if wall_s else default.cpu_time_s)
    return Limits(cpu_time_s=cpu_s, wall_time_s=wall_s if wall_s else None,
                  memory_mb=max(16, int(mem // (1024 * 1024))) if mem else default.memory_mb,
                  max_processes=max_processes)


def serve(host: str = "127.0.0.1", port: int = 8000, provider: str = "local", max_concurrency: int | None = None,
          log_level: str = "info", max_processes: int = DEFAULT_MAX_PROCESSES, **provider_kwargs: Any) -> None:
    """Run the router with uvicorn until interrupted."""
    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning("the sandbox router has no authentication; %s exposes it beyond this machine", host)
    app = create_app(provider, max_concurrency, max_processes, **provider_kwargs)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


__all__ = ["create_app", "serve"]
