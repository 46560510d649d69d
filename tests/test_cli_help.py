"""Every option of every `open-r1` command says what it does (`--help` is the documentation people read first)."""

from __future__ import annotations

import argparse

from open_r1.cli import build_parser


def undocumented(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("open-r1",)) -> list[str]:
    """'<command> <option>' for each option or positional of the parser tree that has no help text."""
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                missing += undocumented(sub, (*path, name))
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction) and not action.help:
            missing.append(f"{' '.join(path)} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_every_option_has_help():
    assert undocumented(build_parser()) == []


def test_the_check_sees_a_missing_help():
    parser = argparse.ArgumentParser(prog="x")
    sub = parser.add_subparsers()
    leaf = sub.add_parser("leaf", help="a leaf")
    leaf.add_argument("--documented", help="says what it does")
    leaf.add_argument("--bare")
    assert undocumented(parser, ("x",)) == ["x leaf --bare"]
