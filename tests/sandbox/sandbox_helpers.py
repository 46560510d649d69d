"""Helpers shared by the sandbox tests (a real uvicorn server in a thread)."""

from __future__ import annotations

import socket
import threading
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """A real uvicorn server on 127.0.0.1:<free port>, in a thread (no mocks)."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


# Two correct programs that start a thread (issue: "no thread can start inside the sandbox"). Each reads n and
# prints a value only a finished thread can print.
# The most common Python idiom for deep recursion in competitive programming: a big thread stack, main in a thread.
THREAD_PY = """\
import sys
import threading

sys.setrecursionlimit(1 << 25)
threading.stack_size(1 << 27)  # 128 MiB for the thread running main


def main():
    n = int(input())

    def depth(k):
        return 0 if k == 0 else 1 + depth(k - 1)

    print(depth(n))


thread = threading.Thread(target=main)
thread.start()
thread.join()
"""
# A C++ program that sums 1..n in a std::thread (glibc >= 2.34 needs no -pthread).
THREAD_CPP = """\
#include <cstdio>
#include <thread>
int main() {
    long n = 0, sum = 0;
    if (std::scanf("%ld", &n) != 1) return 1;
    std::thread worker([&] { for (long i = 1; i <= n; i++) sum += i; });
    worker.join();
    std::printf("%ld\\n", sum);
}
"""
THREAD_TESTS = [("100000\n", "100000\n", "5000050000\n"), ("3\n", "3\n", "6\n")]  # (stdin, py out, cpp out)
