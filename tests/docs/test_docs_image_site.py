"""The images' docs stage: the docs packages it installs come from the lock, with hashes, and only those missing."""

from __future__ import annotations

from docs_helpers import REPO

from scripts.docs import image_site


def test_docs_closure_follows_the_locks_via_lines():
    lock = (REPO / "requirements" / "lock.txt").read_text(encoding="utf-8")
    closure = image_site.docs_closure(lock)
    # the extra's own packages and what they pull in, by the lock's `# via` lines
    assert {"mkdocs", "mkdocs-material", "pymdown-extensions", "jupytext", "nbclient"} <= closure
    assert {"mkdocs-material-extensions", "ghp-import"} <= closure
    # the training stack is not a docs dependency
    assert not {"torch", "trl", "deepspeed", "accelerate"} & closure


def test_missing_requirements_keep_pins_and_hashes_and_skip_what_is_installed(monkeypatch):
    lock = (REPO / "requirements" / "lock.txt").read_text(encoding="utf-8")
    monkeypatch.setattr(image_site, "installed", lambda: {"pyyaml", "jinja2"})
    text = image_site.missing_requirements(lock)
    assert "mkdocs==1.6.1 \\\n    --hash=sha256:" in text
    assert "\npyyaml==" not in "\n" + text and "\njinja2==" not in "\n" + text
    blocks = [b for b in text.split("\n") if b and not b.startswith(" ")]
    assert all("==" in b and b.endswith("\\") for b in blocks), blocks[:3]
    monkeypatch.setattr(image_site, "installed", lambda: image_site.docs_closure(lock))
    assert image_site.missing_requirements(lock) == ""
