"""A hostile corpus: programs a policy could write during RL, each with the verdict it must get.

For every program: the verdict is right, the secret planted in this process's environment and in a host file
never appears in any output, no process of the test survives it, the sandbox workers survive, and nothing is
written outside the sandbox. (Leftover processes and worker deaths are checked by the `no_leftovers` fixture;
the host directory's removal by the session `sandbox` fixture.)
"""

from __future__ import annotations

import os
import socket
import textwrap
import threading
from dataclasses import dataclass, field

import pytest

from open_r1.sandbox.base import Limits, Verdict, verdict_for

V = Verdict
FAST = Limits(cpu_time_s=1.0, wall_time_s=2.0)
NO_THREADS = Limits(max_processes=1)  # the strictest setting: fork and threads refused outright
COMPILE = Limits(cpu_time_s=5.0, wall_time_s=8.0, memory_mb=1024, max_processes=16)
HOST_MARKER = "/tmp/open-r1-pwned-by-sandbox"


@dataclass
class Case:
    id: str
    language: str
    code: str
    verdicts: set[Verdict]
    limits: Limits = field(default_factory=Limits)
    expected: str | None = None  # expected stdout (None: only the exit matters)
    stdin: str = ""
    forbidden: tuple[str, ...] = ()  # substrings that must not appear in stdout/stderr
    max_wall_s: float | None = None


def py(id, code, verdicts, **kw):
    return Case(id, "python", textwrap.dedent(code).strip() + "\n", set(verdicts), **kw)


def cpp(id, code, verdicts, **kw):
    return Case(id, "cpp", textwrap.dedent(code).strip() + "\n", set(verdicts), **kw)


CASES = [
    # -- processes ------------------------------------------------------------------------------------------
    # the default bound (64 processes + threads, like Piston's) stops every bomb: the first fork or thread past it
    # fails, an uncaught failure ends the program (RE), a bomb that swallows the failure spins until TLE
    py("py_fork_bomb", """
        import os
        while True:
            os.fork()
    """, {V.RE}),
    py("py_fork_bomb_forbidden", "import os\nos.fork()\nprint('forked')", {V.RE}, limits=NO_THREADS,
       forbidden=("forked",)),
    py("py_fork_bomb_with_process_budget", """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """, {V.TLE}, limits=Limits(cpu_time_s=1.0, wall_time_s=2.0, max_processes=16)),
    py("py_daemonize", """
        import os, time
        if os.fork() == 0:
            os.setsid()  # leave the process group: only the per-uid sweep can still find it
            if os.fork() == 0:
                time.sleep(60)
            os._exit(0)
        print('parent done')
    """, {V.AC}, expected="parent done", limits=Limits(max_processes=4), max_wall_s=1.5),
    py("py_subprocess_forbidden", "import subprocess\nprint(subprocess.run(['ls', '/'], capture_output=True).stdout)",
       {V.RE}, limits=NO_THREADS),
    py("py_os_system_forbidden", "import os\nprint('rc', os.system('echo ESCAPED'))", {V.AC, V.RE}, limits=NO_THREADS,
       forbidden=("ESCAPED",)),
    # within the bound a program may start a shell -- which sees only the sandbox: its / is the sandbox's, the
    # host's home directories, secrets and environment are not there (the harness also checks for the secret)
    py("py_shell_sees_only_the_sandbox", """
        import subprocess
        script = 'ls /; ls /root /home; cat /etc/shadow /etc/passwd; env; ls /proc | wc -l'
        print(subprocess.run(['sh', '-c', script], capture_output=True, text=True).stdout)
    """, {V.AC}, forbidden=("root:", "OPEN_R1", "HOME=/root", "\nhome\n", "\nroot\n")),
    py("py_threads_forbidden", """
        import threading
        t = threading.Thread(target=print, args=('in thread',))
        t.start()
        t.join()
    """, {V.RE}, limits=NO_THREADS, forbidden=("in thread",)),
    py("py_thread_bomb", """
        import threading, time
        while True:
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
    """, {V.RE}),
    py("py_thread_bomb_swallowing_errors", """
        import threading, time
        while True:
            try:
                threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
            except RuntimeError:
                pass
    """, {V.TLE}, limits=FAST),
    py("py_busy_threads", """
        import threading
        def spin():
            while True:
                pass
        for _ in range(4):
            threading.Thread(target=spin, daemon=True).start()
        spin()
    """, {V.TLE}, limits=Limits(cpu_time_s=1.0, wall_time_s=3.0, max_processes=8)),
    # -- time -----------------------------------------------------------------------------------------------
    py("py_infinite_loop", "while True:\n    pass", {V.TLE}, limits=FAST),
    py("py_sleep_past_limit", "import time\ntime.sleep(60)", {V.TLE}, limits=Limits(cpu_time_s=1.0, wall_time_s=1.0),
       max_wall_s=1.9),
    py("py_blocked_on_stdin_pipe", "import os\nr, w = os.pipe()\nos.read(r, 1)", {V.TLE}, limits=FAST),
    # -- memory ---------------------------------------------------------------------------------------------
    py("py_memory_bomb", "x = []\nwhile True:\n    x.append(' ' * 10**6)", {V.MLE}),
    py("py_huge_allocation", "x = bytearray(10**10)", {V.MLE}),
    py("py_deep_recursion", """
        import sys
        sys.setrecursionlimit(10**9)
        def f(n):
            return f(n + 1) + 1
        f(0)
    """, {V.RE, V.MLE, V.TLE}),  # 3.11 keeps Python frames on the heap: it may run out of time before memory
    # -- output and disk ------------------------------------------------------------------------------------
    py("py_huge_stdout", "while True:\n    print('x' * 1000)", {V.OLE}),
    py("py_huge_stderr", "import sys\nwhile True:\n    sys.stderr.write('x' * 1000)", {V.OLE}),
    py("py_big_file", "open('big', 'w').write('x' * 20_000_000)", {V.OLE}),
    py("py_disk_fill", """
        i = 0
        while True:
            with open(f'f{i}', 'wb') as fh:
                fh.write(b'x' * 5_000_000)
            i += 1
    """, {V.OLE, V.RE, V.MLE}),
    py("py_binary_output", "import sys, os\nsys.stdout.buffer.write(os.urandom(20000))", {V.WA}, expected="hello"),
    # -- network --------------------------------------------------------------------------------------------
    py("py_socket_host_loopback", """
        import socket
        s = socket.create_connection(('127.0.0.1', {PORT}), timeout=1)
        s.sendall(b'LEAK')
        print('CONNECTED')
    """, {V.RE}, forbidden=("CONNECTED",)),
    py("py_socket_public", """
        import socket
        s = socket.socket()
        s.settimeout(1)
        s.connect(('192.0.2.1', 80))
        print('CONNECTED')
    """, {V.RE}, forbidden=("CONNECTED",), max_wall_s=0.9),
    py("py_dns", "import socket\nprint(socket.getaddrinfo('example.com', 80))", {V.RE}, max_wall_s=1.5),
    # -- secrets and host files -----------------------------------------------------------------------------
    py("py_etc_shadow", "print(open('/etc/shadow').read())", {V.RE}),
    py("py_env_secret", """
        import os
        print(dict(os.environ))
        print(open('/proc/self/environ').read())
    """, {V.AC}),
    py("py_proc_snooping", """
        import os
        pids = [p for p in os.listdir('/proc') if p.isdigit()]
        print('pids', len(pids))
        for pid in pids:
            for name in ('environ', 'cmdline', 'maps', 'mem'):
                try:
                    with open(f'/proc/{pid}/{name}', 'rb') as fh:
                        print(pid, name, fh.read(100000))
                except OSError as err:
                    print(pid, name, 'denied', err.errno)
    """, {V.AC}),
    py("py_host_secret_file", "print(open('{SECRET_FILE}').read())", {V.RE}),
    py("py_search_filesystem", """
        import os
        for root, dirs, files in os.walk('/'):
            if root.startswith(('/proc', '/sys', '/usr', '/dev')):
                dirs[:] = []
                continue
            for name in files:
                try:
                    with open(os.path.join(root, name), 'rb') as fh:
                        if b'OPENR1-SECRET' in fh.read():
                            print('FOUND', os.path.join(root, name))
                except OSError:
                    pass
        print('searched')
    """, {V.AC}, expected="searched"),
    py("py_write_outside", """
        paths = ['{MARKER}', '/tmp/x', '/work/x', '/usr/x', '/etc/x', '/progs/x', '/x',
                 '/opt/open-r1-worker/worker.py', '{SECRET_FILE}']
        for p in paths:
            try:
                with open(p, 'a') as fh:
                    fh.write('pwned')
                print('WROTE', p)
            except OSError as err:
                print('blocked', p, err.errno)
    """, {V.AC}, forbidden=("WROTE",)),
    # -- the supervisor -------------------------------------------------------------------------------------
    py("py_kill_parent", "import os\nos.kill(os.getppid(), 9)\nprint('killed')", {V.RE}, forbidden=("killed",)),
    py("py_kill_pid1", "import os\nos.kill(1, 9)", {V.RE}),
    py("py_kill_everything", "import os\nos.kill(-1, 9)\nprint('still here')", {V.AC}, expected="still here"),
    py("py_setuid_root", "import os\nos.setuid(0)\nprint('root')", {V.RE}, forbidden=("root\n",)),
    py("py_raise_nproc", "import resource\nresource.setrlimit(resource.RLIMIT_NPROC, (1000, 1000))", {V.RE}),
    py("py_raise_memory", """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    """, {V.RE}),
    py("py_raise_cpu_then_spin", """
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        while True:
            pass
    """, {V.TLE}, limits=FAST),
    # -- garbage --------------------------------------------------------------------------------------------
    Case("py_binary_garbage_source", "python", bytes(range(256)).decode("latin-1") * 4, {V.CE}),
    py("py_syntax_error", "def f(:\n    pass", {V.CE}),
    # -- C++ ------------------------------------------------------------------------------------------------
    cpp("cpp_fork_bomb", "#include <unistd.h>\nint main() { while (1) fork(); }", {V.TLE},
        limits=Limits(cpu_time_s=1.0, wall_time_s=2.0, max_processes=8)),
    cpp("cpp_fork_bomb_default_bound", "#include <unistd.h>\nint main() { while (1) fork(); }", {V.TLE},
        limits=FAST),
    cpp("cpp_fork_no_budget", """
        #include <unistd.h>
        #include <cstdio>
        int main() { pid_t p = fork(); std::printf("fork=%d\\n", p < 0 ? -1 : 0); return p < 0; }
    """, {V.RE}, limits=NO_THREADS),
    cpp("cpp_memory_bomb", "#include <vector>\nint main() { std::vector<int> v; while (1) v.push_back(1); }",
        {V.MLE}),
    cpp("cpp_infinite_loop", "int main() { volatile long x = 0; while (1) x++; }", {V.TLE}, limits=FAST),
    cpp("cpp_sleep", "#include <unistd.h>\nint main() { sleep(60); }", {V.TLE},
        limits=Limits(cpu_time_s=1.0, wall_time_s=1.0), max_wall_s=1.9),
    cpp("cpp_busy_threads", """
        #include <thread>
        #include <vector>
        int main() {
            std::vector<std::thread> ts;
            for (int i = 0; i < 4; i++) ts.emplace_back([] { volatile long x = 0; while (1) x++; });
            for (auto &t : ts) t.join();
        }
    """, {V.TLE}, limits=Limits(cpu_time_s=1.0, wall_time_s=3.0, max_processes=8)),
    cpp("cpp_threads_forbidden", """
        #include <thread>
        int main() { std::thread t([] {}); t.join(); }
    """, {V.RE}, limits=NO_THREADS),
    cpp("cpp_thread_bomb", """
        #include <chrono>
        #include <thread>
        #include <vector>
        int main() {
            std::vector<std::thread> ts;
            while (1) ts.emplace_back([] { std::this_thread::sleep_for(std::chrono::seconds(60)); });
        }
    """, {V.RE}),
    cpp("cpp_huge_stdout", "#include <cstdio>\nint main() { while (1) std::puts(\"xxxxxxxxxxxxxxxx\"); }", {V.OLE}),
    cpp("cpp_disk_fill", """
        #include <cstdio>
        int main() { FILE *f = std::fopen("big", "w"); while (1) std::fputs("xxxxxxxxxxxxxxxxxxxxxxxx", f); }
    """, {V.OLE}),
    cpp("cpp_etc_shadow", """
        #include <fstream>
        #include <iostream>
        int main() { std::ifstream f("/etc/shadow"); if (!f) { std::cout << "cannot\\n"; return 1; }
                     std::cout << f.rdbuf(); }
    """, {V.RE}),
    cpp("cpp_env_secret", """
        #include <cstdio>
        extern char **environ;
        int main() { for (char **e = environ; *e; e++) std::puts(*e); }
    """, {V.AC}),
    cpp("cpp_host_secret_file", """
        #include <fstream>
        #include <iostream>
        int main() { std::ifstream f("{SECRET_FILE}"); if (!f) return 3; std::cout << f.rdbuf(); }
    """, {V.RE}),
    cpp("cpp_kill_parent", """
        #include <signal.h>
        #include <unistd.h>
        #include <cstdio>
        int main() { int r = kill(getppid(), SIGKILL); std::printf("r=%d\\n", r); return r == 0 ? 0 : 1; }
    """, {V.RE}),
    cpp("cpp_kill_everything", """
        #include <signal.h>
        #include <cstdio>
        int main() { kill(-1, SIGKILL); std::puts("still here"); }
    """, {V.AC}, expected="still here"),
    cpp("cpp_raise_rlimit", """
        #include <sys/resource.h>
        int main() { rlimit r{RLIM_INFINITY, RLIM_INFINITY}; return setrlimit(RLIMIT_AS, &r) == 0 ? 0 : 1; }
    """, {V.RE}),
    cpp("cpp_socket_public", """
        #include <arpa/inet.h>
        #include <sys/socket.h>
        #include <cstdio>
        int main() {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{}; a.sin_family = AF_INET; a.sin_port = htons(80);
            inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
            if (connect(s, (sockaddr *)&a, sizeof a) == 0) { std::puts("CONNECTED"); return 0; }
            std::perror("connect"); return 1;
        }
    """, {V.RE}, forbidden=("CONNECTED",), max_wall_s=0.9),
    cpp("cpp_segfault", "int main() { volatile int *p = nullptr; return *p; }", {V.RE}),
    cpp("cpp_stack_overflow", """
        int f(int n) { volatile char buf[4096]; buf[0] = (char)n; return n ? f(n - 1) + buf[0] : 0; }
        int main() { return f(100000000); }
    """, {V.RE, V.MLE}),
    # -- compile bombs --------------------------------------------------------------------------------------
    cpp("cpp_template_recursion", """
        template <int N> struct F { enum { v = F<N - 1>::v + 1 }; };
        template <> struct F<0> { enum { v = 0 }; };
        int main() { return F<100000>::v; }
    """, {V.CE}),
    cpp("cpp_include_dev_random", '#include "/dev/random"\nint main() {}', {V.CE}, max_wall_s=10),
    cpp("cpp_include_etc_shadow", '#include "/etc/shadow"\nint main() {}', {V.CE}),
    cpp("cpp_include_secret_file", '#include "{SECRET_FILE}"\nint main() {}', {V.CE}),
    Case("cpp_binary_garbage", "cpp", bytes(range(1, 256)).decode("latin-1") * 8, {V.CE}),
]


@pytest.fixture(scope="module")
def host_listener():
    """A real listener on the host's loopback: a sandboxed program must not reach it."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except (TimeoutError, OSError):
                continue
            received.append(conn.recv(100) or b"<connected>")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield srv.getsockname()[1], received
    stop.set()
    thread.join()
    srv.close()


def test_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert sum(c.language == "python" for c in CASES) >= 15 and sum(c.language == "cpp" for c in CASES) >= 15


@pytest.mark.system
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_program(case: Case, sandbox, secret, secret_file, host_listener, no_leftovers):
    port, received = host_listener
    code = case.code.replace("{PORT}", str(port)).replace("{SECRET_FILE}", str(secret_file)) \
        .replace("{MARKER}", HOST_MARKER)
    if case.language == "python":
        result = sandbox.run_python(code, case.stdin, case.limits)
        verdict = verdict_for(result, case.expected)
        outputs = result.stdout + result.stderr
        wall = result.wall_time_s
    else:
        program = sandbox.compile_cpp(code, extra_flags=["-pthread"], limits=COMPILE)
        if not program.ok:
            verdict, outputs, wall = Verdict.CE, program.compile_output, program.result.wall_time_s
        else:
            with program:
                result = sandbox.run_program(program, case.stdin, case.limits)
            verdict = verdict_for(result, case.expected)
            outputs = result.stdout + result.stderr
            wall = result.wall_time_s
    assert verdict in case.verdicts, f"{case.id}: got {verdict}, output: {outputs[-800:]!r}"
    assert secret not in outputs, f"{case.id} leaked the secret"
    assert "OPENR1-SECRET" not in outputs
    for word in case.forbidden:
        assert word not in outputs, f"{case.id}: {word!r} in output: {outputs[-500:]!r}"
    if case.max_wall_s is not None:
        assert wall <= case.max_wall_s, f"{case.id} took {wall:.2f}s"
    assert not received, f"{case.id} reached the host's loopback listener: {received}"
    assert not os.path.exists(HOST_MARKER), "a sandboxed program wrote to the host's /tmp"
    assert secret_file.read_text().strip() == secret, "the host secret file was modified"


@pytest.mark.system
def test_sandbox_still_healthy_after_corpus(sandbox, no_leftovers):
    """Runs after the corpus (same module, declared later): every worker still judges correctly, and the
    per-test directories of the corpus are gone (a fresh test sees an empty directory)."""
    for _ in range(4):
        res = sandbox.run_python("import os\nprint(sorted(os.listdir('.')), sorted(os.listdir('/work')))")
        assert res.ok, res.stderr
        listing = res.stdout
        assert listing.startswith("[]"), listing
        assert listing.count("'t") == 1, f"other tests' directories are visible: {listing}"
