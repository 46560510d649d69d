"""`open-r1 sandbox run | check | serve` wiring."""

from __future__ import annotations

import argparse
import json

import pytest

from open_r1.cli.sandbox import register
from open_r1.core.errors import ConfigError


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="open-r1")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_every_leaf_has_a_func():
    for argv in (["sandbox", "check"], ["sandbox", "serve", "--port", "9"],
                 ["sandbox", "run", "x.py", "--tests", "t.json"]):
        assert callable(parse(argv).func)
    args = parse(["sandbox", "serve", "--max-concurrency", "3", "--provider", "piston", "--provider-url", "http://x"])
    assert (args.host, args.port, args.max_concurrency, args.provider) == ("127.0.0.1", 8000, 3, "piston")
    # processes + threads: bounded at Piston's 64 by default, for the server's Piston runs and for `run`
    assert parse(["sandbox", "serve"]).max_processes == 64
    assert parse(["sandbox", "serve", "--max-processes", "8"]).max_processes == 8
    assert parse(["sandbox", "run", "x.py", "--tests", "t.json"]).max_processes == 64


@pytest.mark.system
def test_run_prints_verdicts(tmp_path, capsys):
    prog = tmp_path / "double.py"
    prog.write_text("print(int(input()) * 2)\n")
    tests = tmp_path / "tests.json"
    tests.write_text(json.dumps([{"input": "2", "output": "4"}, {"input": "3", "output": "7"}]))
    args = parse(["sandbox", "run", str(prog), "--tests", str(tests)])
    assert args.func(args) == 1
    out = capsys.readouterr().out
    assert "AC" in out and "WA" in out and "1/2 tests passed" in out
    tests.write_text(json.dumps({"language": "python", "test_cases": [{"input": "2", "output": "4"}]}))
    args = parse(["sandbox", "run", str(prog), "--tests", str(tests), "--json"])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "AC"


@pytest.mark.system
def test_run_cpp_compile_error(tmp_path, capsys):
    prog = tmp_path / "bad.cpp"
    prog.write_text("int main( {\n")
    tests = tmp_path / "tests.json"
    tests.write_text(json.dumps([{"input": "", "output": ""}]))
    args = parse(["sandbox", "run", str(prog), "--tests", str(tests)])
    assert args.func(args) == 1
    out = capsys.readouterr().out
    assert "CE" in out and "compiler output" in out


def test_run_reports_bad_tests_file(tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("print(1)")
    tests = tmp_path / "tests.json"
    tests.write_text("{not json")
    args = parse(["sandbox", "run", str(prog), "--tests", str(tests)])
    with pytest.raises(ConfigError, match="tests.json"):
        args.func(args)
    tests.write_text('{"test_cases": 3}')
    with pytest.raises(ConfigError, match="expected a list"):
        args.func(args)


@pytest.mark.system
def test_check(capsys):
    args = parse(["sandbox", "check"])
    assert args.func(args) == 0
    assert "isolation available" in capsys.readouterr().out
