"""Code patcher: small, named, tested fixes for legacy idioms and missing boilerplate in model-written code.

WHAT
    `patch_code(code, language, header=None) -> PatchResult(code, applied)` applies every rule of the language in
    order and lists the names of the rules that changed something. Rules (`RULES`, each a `PatchRule` with a
    name, a language, a one-line description and a pure `str -> str` function):

    Python (never changing a working Python 3 program: the print rule fires only on source that does not parse
    or uses `print >>f` -- valid syntax that always raises -- and the renames only on names Python 3 lacks and
    the program does not define itself):
      python_print_statement   `print x, y` / `print >>sys.stderr, x` / `print x,`  ->  print(...) calls
      python_raw_input         `raw_input(`  ->  `input(`
      python_xrange            `xrange(`  ->  `range(`
      python_dict_iter         `.iteritems()` / `.itervalues()` / `.iterkeys()`  ->  `.items()` ...
      python_maxint            `sys.maxint`  ->  `sys.maxsize`
    C++:
      cpp_task_header          IOI: `#include "<task>.h"` when a grader header exists and is not included
      cpp_missing_includes     `#include <bits/stdc++.h>` when a standard facility is used (vector, sort, cout,
                               printf, ...) that none of the program's own includes provides
      cpp_using_namespace_std  `using namespace std;` when unqualified std names (vector, cout, ...) are used
      cpp_define_int_main      `#define int long long` + `int main`  ->  `signed main`
      cpp_void_main            `void main(`  ->  `int main(`

WHY
    Models trained on decades of contest code write Python 2 (`print x`, `raw_input`, `xrange`) and C++ that
    relied on a judge's precompiled header or on `using namespace std;` in a template they were not shown. Those
    programs are algorithmically right and fail on a technicality; scoring them 0 measures the boilerplate, not
    the reasoning. open-r1's OlympicCoder / Codeforces work patches such code before judging; DeepSeek-R1
    (arXiv 2501.12948 §3) evaluates code by execution, where a compile error is final. Every fix is a named rule
    so a report can say what was changed, and a rule is conservative: it fires only where the idiom is present
    and the fix cannot change a correct program's behaviour.

HOW
    Python renames work on `tokenize` tokens (never inside strings or comments); the print rule runs only when
    `ast.parse` rejects the source or a line starts with `print >>`. The print rule rewrites statement lines: the argument list keeps
    its text; a trailing comma becomes `end=" "`; `>>stream,` becomes `file=stream`. C++ rules look at the
    source with comments and string literals blanked out, so a `vector` inside a comment does not count.

DATA FLOW
    model completion -> code extraction -> `patch_code` -> `IOIJudge` / `CodeforcesJudge` (`patch=True`) ->
    compile -> the result's `patches` field (and the report) lists the applied rule names.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PatchRule:
    """One rewrite the patcher may apply to a submission: its name (recorded in results), the language it applies to,
    what it fixes, and the function that rewrites the code.
    """
    name: str
    language: str
    description: str
    apply: Callable[[str], str]


@dataclass
class PatchResult:
    """The code after patching and the names of the rules that changed it (empty when the code was left as it was)."""
    code: str
    applied: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


# ---------------------------------------------------------------------------------------------------------------
# Python


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _rename_tokens(
    code: str, mapping: dict[str, str], *, attribute: bool | None = None, call_only: bool = False
) -> str:
    """Rename NAME tokens (never inside strings/comments). `attribute=True` only after a dot, False never after a
    dot; `call_only` only when the next token is `(`. Falls back to a word-boundary regex if the source does not
    tokenize (it is Python 2 after all)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = None
    if tokens is None:
        for old, new in mapping.items():
            prefix = r"(?<=\.)" if attribute else (r"(?<![\w.])" if attribute is False else r"\b")
            suffix = r"(?=\s*\()" if call_only else r"\b"
            code = re.sub(prefix + re.escape(old) + suffix, new, code)
        return code
    lines = code.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []  # (row, col start, col end, new text)
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or tok.string not in mapping:
            continue
        prev = tokens[i - 1].string if i > 0 else ""
        nxt = next((t.string for t in tokens[i + 1 :] if t.type not in (tokenize.NL, tokenize.COMMENT)), "")
        after_dot = prev == "."
        if attribute is True and not after_dot:
            continue
        if attribute is False and after_dot:
            continue
        if call_only and nxt != "(":
            continue
        edits.append((tok.start[0], tok.start[1], tok.end[1], mapping[tok.string]))
    for row, start, end, new in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    return "".join(lines)


def _defines(code: str, name: str) -> bool:
    """True when the program binds `name` itself (def/class/assignment/import as), so renaming would be wrong."""
    return re.search(rf"^\s*(?:def|class)\s+{name}\b|^\s*{name}\s*=|\bas\s+{name}\b", code, re.MULTILINE) is not None


# A print statement line: optional indentation or a one-line compound header (`if x: print x`), then `print`
# followed by a space, a quote or a bracket (or nothing: a bare `print` prints a newline), then a comment.
_PRINT_LINE = re.compile(
    r"^(?P<indent>[ \t]*(?:(?:if|elif|else|for|while|with|try|except|finally)\b[^\n]*?:[ \t]*)?)"
    r"print(?P<sep>[ \t]+|(?=[\"'(\[])|(?=[ \t]*(?:#|$)))(?P<args>.*?)(?P<tail>[ \t]*(#.*)?)$"
)


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets and string literals."""
    parts, depth, quote, current = [], 0, "", []
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
            current.append(ch)
        elif ch in "([{":
            depth += 1
            current.append(ch)
        elif ch in ")]}":
            depth -= 1
            current.append(ch)
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _print_call(args: str) -> str | None:
    args = args.strip()
    if not args:
        return "print()"
    stream = None
    if args.startswith(">>"):
        stream_and_rest = _split_top_level(args[2:])
        stream = stream_and_rest[0].strip()
        args = ",".join(stream_and_rest[1:]).strip()
    parts = _split_top_level(args) if args else []
    trailing = bool(parts) and parts[-1].strip() == "" and len(parts) > 1
    items = [p.strip() for p in parts if p.strip()]
    extra = []
    if trailing:
        extra.append('end=" "')
    if stream:
        extra.append(f"file={stream}")
    return "print(" + ", ".join(items + extra) + ")"


def fix_print_statement(code: str) -> str:
    """Python 2 print statements -> print() calls (only lines that are print *statements*). Runs when the source
    does not parse as Python 3, or uses `print >>stream` (which parses, as a shift, but always raises)."""
    if _parses(code) and not re.search(r"^[ \t]*print[ \t]*>>", code, re.MULTILINE):
        return code
    out = []
    for line in code.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        newline = line[len(body) :]
        match = _PRINT_LINE.match(body)
        if match:
            args = match.group("args")
            stripped = args.strip()
            # `print(x)` is already a call in both languages unless followed by more (`print (a), b`)
            is_call = stripped.startswith("(") and _balanced_call(stripped)
            if not is_call and not stripped.startswith(("=", ".")):
                call = _print_call(args)
                if call is not None:
                    body = match.group("indent") + call + match.group("tail")
        out.append(body + newline)
    return "".join(out)


def _balanced_call(text: str) -> bool:
    """True when `text` is exactly one parenthesised group, e.g. "(a, b)" but not "(a), b"."""
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i == len(text) - 1
    return False


def fix_raw_input(code: str) -> str:
    """Python 2 `raw_input` becomes `input`, unless the program defines its own `raw_input`."""
    if "raw_input" not in code or _defines(code, "raw_input"):
        return code
    return _rename_tokens(code, {"raw_input": "input"}, attribute=False)


def fix_xrange(code: str) -> str:
    """Python 2 `xrange` becomes `range`, unless the program defines its own `xrange`."""
    if "xrange" not in code or _defines(code, "xrange"):
        return code
    return _rename_tokens(code, {"xrange": "range"}, attribute=False)


def fix_dict_iter(code: str) -> str:
    """Python 2 `d.iteritems()`, `itervalues()` and `iterkeys()` calls become `items()`, `values()` and `keys()`,
    unless the program defines such methods itself.
    """
    if not re.search(r"\.iter(items|values|keys)\s*\(", code) or re.search(r"\bdef\s+iter(items|values|keys)\b", code):
        return code
    return _rename_tokens(
        code, {"iteritems": "items", "itervalues": "values", "iterkeys": "keys"}, attribute=True, call_only=True
    )


def fix_maxint(code: str) -> str:
    """Python 2 `sys.maxint` becomes `sys.maxsize`."""
    if "maxint" not in code:
        return code
    return re.sub(r"\bsys\.maxint\b", "sys.maxsize", code)


# ---------------------------------------------------------------------------------------------------------------
# C++


def _blank_comments_and_strings(code: str) -> str:
    """The source with comments and string/char literals replaced by spaces (offsets preserved)."""
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.DOTALL)
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)


# Unqualified names that only make sense with `using namespace std;` (kept to names a contestant would not
# define themselves: adding the directive next to a user's own `count` or `find` would create ambiguities).
_UNQUALIFIED_STD = re.compile(
    r"(?<![\w:.])(?:(?:vector|map|set|pair|queue|priority_queue|stack|deque|unordered_map|unordered_set|multiset|"
    r"multimap|bitset|tuple)\s*<|(?:cout|cerr)\s*<<|cin\s*>>|endl\b|string\s+\w|(?:sort|make_pair|getline|"
    r"to_string|stoi|stoll|lower_bound|upper_bound|next_permutation|accumulate|iota)\s*\()"
)
# A standard facility -> the headers that provide it (with libstdc++). Used to decide whether the includes a
# program has can possibly provide what it uses; <bits/stdc++.h> provides everything.
_FACILITY_HEADERS: dict[str, tuple[str, ...]] = {
    "vector": ("vector",),
    "map": ("map",),
    "multimap": ("map",),
    "set": ("set",),
    "multiset": ("set",),
    "queue": ("queue",),
    "priority_queue": ("queue",),
    "stack": ("stack",),
    "deque": ("deque", "queue", "stack"),
    "unordered_map": ("unordered_map",),
    "unordered_set": ("unordered_set",),
    "bitset": ("bitset",),
    "tuple": ("tuple",),
    "pair": ("utility", "map", "vector", "algorithm", "iostream", "string", "set"),
    "make_pair": ("utility", "map", "vector", "algorithm", "iostream", "string", "set"),
    "string": ("string", "iostream", "sstream", "fstream"),
    "getline": ("string", "iostream", "sstream"),
    "to_string": ("string", "iostream", "sstream"),
    "stoi": ("string", "iostream"),
    "stoll": ("string", "iostream"),
    "cout": ("iostream",),
    "cin": ("iostream",),
    "cerr": ("iostream",),
    "endl": ("iostream", "ostream"),
    "sort": ("algorithm",),
    "lower_bound": ("algorithm",),
    "upper_bound": ("algorithm",),
    "next_permutation": ("algorithm",),
    "accumulate": ("numeric",),
    "iota": ("numeric",),
    "printf": ("cstdio", "stdio.h", "iostream"),
    "scanf": ("cstdio", "stdio.h", "iostream"),
}
_TEMPLATES = (
    "vector",
    "map",
    "multimap",
    "set",
    "multiset",
    "queue",
    "priority_queue",
    "stack",
    "deque",
    "unordered_map",
    "unordered_set",
    "bitset",
    "tuple",
    "pair",
)
_FUNCTIONS = (
    "make_pair",
    "getline",
    "to_string",
    "stoi",
    "stoll",
    "sort",
    "lower_bound",
    "upper_bound",
    "next_permutation",
    "accumulate",
    "iota",
    "printf",
    "scanf",
)
# How each kind of facility shows up in use: a template with `<`, a function with `(`, a stream with `<<`/`>>`
# (so a variable named `stack` or `set` does not count).
_FACILITY_USE = re.compile(
    r"(?<![\w.])(?:std::)?(?:(" + "|".join(_TEMPLATES) + r")\s*<|(" + "|".join(_FUNCTIONS) + r")\s*\(|"
    r"(cout|cerr)\s*<<|(cin)\s*>>|(endl)\b|(string)\s+\w|std::(string)\b)"
)
_ANGLE_INCLUDE = re.compile(r"^\s*#\s*include\s*<([^>]+)>", re.MULTILINE)


def fix_missing_includes(code: str, local_headers: dict[str, str] | None = None) -> str:
    """Add <bits/stdc++.h> when the program uses a standard facility that none of its own includes provides
    (the model assumed a judge's implicit precompiled header, or forgot one include among several). Includes of
    the local headers it includes (`local_headers`: name -> text, e.g. the IOI task header) count too."""
    includes = set(_ANGLE_INCLUDE.findall(code))
    for name, text in (local_headers or {}).items():
        if re.search(rf'^\s*#\s*include\s*"{re.escape(name)}"', code, re.MULTILINE):
            includes |= set(_ANGLE_INCLUDE.findall(text))
    if "bits/stdc++.h" in includes:
        return code
    clean = _blank_comments_and_strings(code)
    used = {name for groups in _FACILITY_USE.findall(clean) for name in groups if name}
    if any(not includes.intersection(_FACILITY_HEADERS[name]) for name in used):
        return "#include <bits/stdc++.h>\n" + code
    return code


def fix_using_namespace_std(code: str) -> str:
    """Add `using namespace std;` after the includes when std names are used unqualified without it."""
    clean = _blank_comments_and_strings(code)
    if re.search(r"\busing\s+namespace\s+std\s*;", clean) or not _UNQUALIFIED_STD.search(clean):
        return code
    lines = code.splitlines(keepends=True)
    last_include = max((i for i, line in enumerate(lines) if re.match(r"\s*#\s*include", line)), default=-1)
    if last_include >= 0 and not lines[last_include].endswith("\n"):
        lines[last_include] += "\n"
    lines.insert(last_include + 1, "using namespace std;\n")
    return "".join(lines)


def fix_define_int_main(code: str) -> str:
    """`#define int long long` turns `int main` into `long long main`, which g++ rejects: use `signed main`."""
    clean = _blank_comments_and_strings(code)
    if not re.search(r"^\s*#\s*define\s+int\s+(?:long\s+long|int64_t|__int128)\b", clean, re.MULTILINE):
        return code
    return re.sub(r"\bint(\s+main\s*\()", r"signed\1", code)


def fix_void_main(code: str) -> str:
    """`void main()` is not C++; `int main()` returns 0 implicitly."""
    return re.sub(r"^(\s*)void(\s+main\s*\()", r"\1int\2", code, flags=re.MULTILINE)


def make_task_header_rule(header: str) -> PatchRule:
    """IOI: include the task header the grader expects (`#include "<task>.h"`) when the solution does not."""

    def apply(code: str) -> str:
        if re.search(rf'^\s*#\s*include\s*"{re.escape(header)}"', code, re.MULTILINE):
            return code
        return f'#include "{header}"\n' + code

    return PatchRule("cpp_task_header", "cpp", f'add #include "{header}" (the grader\'s header)', apply)


# ---------------------------------------------------------------------------------------------------------------
# The rule table


RULES: tuple[PatchRule, ...] = (
    PatchRule("python_print_statement", "python", "Python 2 print statements -> print() calls", fix_print_statement),
    PatchRule("python_raw_input", "python", "raw_input( -> input(", fix_raw_input),
    PatchRule("python_xrange", "python", "xrange( -> range(", fix_xrange),
    PatchRule("python_dict_iter", "python", ".iteritems()/.itervalues()/.iterkeys() -> .items()/...", fix_dict_iter),
    PatchRule("python_maxint", "python", "sys.maxint -> sys.maxsize", fix_maxint),
    PatchRule(
        "cpp_missing_includes",
        "cpp",
        "add #include <bits/stdc++.h> when no standard header is included",
        fix_missing_includes,
    ),
    PatchRule(
        "cpp_using_namespace_std",
        "cpp",
        "add using namespace std; when std names are used unqualified",
        fix_using_namespace_std,
    ),
    PatchRule("cpp_define_int_main", "cpp", "#define int long long + int main -> signed main", fix_define_int_main),
    PatchRule("cpp_void_main", "cpp", "void main( -> int main(", fix_void_main),
)
RULE_NAMES = tuple(rule.name for rule in RULES) + ("cpp_task_header",)


def rules_for(language: str, header: str | None = None, header_text: str | None = None) -> list[PatchRule]:
    """The rules for a language; for IOI C++ with a task header, the header rule first, and the include rule
    aware of what the header itself includes."""
    rules = [rule for rule in RULES if rule.language == language]
    if language == "cpp" and header:
        headers = {header: header_text or ""}
        rules = [
            PatchRule(r.name, r.language, r.description, lambda c: fix_missing_includes(c, headers))
            if r.name == "cpp_missing_includes"
            else r
            for r in rules
        ]
        rules.insert(0, make_task_header_rule(header))
    return rules


def patch_code(
    code: str,
    language: str,
    header: str | None = None,
    header_text: str | None = None,
    rules: list[PatchRule] | None = None,
) -> PatchResult:
    """Apply the language's rules in order; return the patched code and the names of the rules that fired.

    Working Python 3 code is left alone: the print rule fires only on source Python 3 cannot parse (or on
    `print >>f`, which always raises), the renames only on names Python 3 lacks and the program does not define.

    >>> patch_code("n = int(raw_input())\\nprint n * 2\\n", "python").code
    'n = int(input())\\nprint(n * 2)\\n'
    >>> patch_code("int main() { vector<int> v; cout << v.size(); }", "cpp").applied
    ['cpp_missing_includes', 'cpp_using_namespace_std']
    """
    applied: list[str] = []
    for rule in rules if rules is not None else rules_for(language, header, header_text):
        new = rule.apply(code)
        if new != code:
            applied.append(rule.name)
            code = new
    return PatchResult(code, applied)


__all__ = ["RULES", "RULE_NAMES", "PatchResult", "PatchRule", "make_task_header_rule", "patch_code", "rules_for"]
