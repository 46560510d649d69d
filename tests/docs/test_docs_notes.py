"""Notes: every public function, class and method of the enforced files has a specific docstring (scripts/docs/notes.py)."""

from __future__ import annotations

from scripts.docs import notes
from scripts.docs.notes import Symbol, verdict


def test_every_public_symbol_of_an_enforced_file_has_a_specific_note():
    problems = notes.problems()
    assert not problems, "\n".join(problems)
    assert len(notes.enforced_files()) >= 40


def test_boilerplate_heuristic():
    def v(name: str, doc: str | None) -> str:
        return verdict(Symbol("m.py", name, 1, doc))

    assert v("load_config", None) == "missing"
    assert v("load_config", "   ") == "missing"
    assert v("load_config", "Load the config.") == "boilerplate"  # the name again
    assert v("load_config", "Loads and returns the configs.") == "boilerplate"  # name words and filler only
    assert v("Reward.score", "TODO") == "boilerplate"
    assert v("Thing", "Helper class.") == "boilerplate"
    assert v("Thing.__init__", "Initialise the object.") == "boilerplate"
    assert v("f", "Does it.") == "boilerplate"  # under four words
    assert v("load_config", "Read a YAML recipe and check every key against the dataclasses.") == "ok"
    # the first paragraph decides; a specific summary that starts with a placeholder-like word is still fine
    assert v("doc_to_markdown", "Docstring prose to Markdown, keeping every word: lists, tables, escapes.") == "ok"


def test_public_symbols_skip_private_names_and_one_line_properties(tmp_path):
    (tmp_path / "m.py").write_text(
        "def public():\n    pass\n\n\ndef _private():\n    pass\n\n\nclass C:\n"
        "    @property\n    def name(self):\n        return self._name\n\n"
        "    def method(self):\n        pass\n\n    def __len__(self):\n        return 0\n"
    )
    names = [s.name for s in notes.public_symbols("m.py", tmp_path)]
    assert names == ["public", "C", "C.method"]
