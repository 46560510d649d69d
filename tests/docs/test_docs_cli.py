"""`open-r1 docs serve | build | path`: where the built site is found, and serving it offline on the loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from open_r1.cli import docs as docs_cli
from open_r1.cli import main
from open_r1.core.errors import OpenR1Error


def fake_site(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text("<html><body>open-r1 labs docs</body></html>")
    return root


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No built site anywhere: no env, no image path, a checkout without docs/site or scripts/docs."""
    monkeypatch.delenv("OPEN_R1_DOCS_SITE", raising=False)
    monkeypatch.delenv("OPEN_R1_DOCS", raising=False)
    monkeypatch.setattr(docs_cli, "IMAGE_SITE", tmp_path / "image" / "site")
    monkeypatch.setattr(docs_cli, "REPO_ROOT", tmp_path / "checkout")
    return tmp_path


def test_site_is_found_in_order(nowhere, monkeypatch):
    assert docs_cli.find_site() is None
    checkout = fake_site(nowhere / "checkout" / "docs" / "site")
    assert docs_cli.find_site() == checkout
    image = fake_site(nowhere / "image" / "site")
    assert docs_cli.find_site() == image  # the image's copy wins over a checkout's
    monkeypatch.setenv("OPEN_R1_DOCS_SITE", str(fake_site(nowhere / "env")))
    assert docs_cli.find_site() == nowhere / "env"
    assert docs_cli.find_site(str(fake_site(nowhere / "explicit"))) == nowhere / "explicit"
    with pytest.raises(OpenR1Error, match="no index.html"):
        docs_cli.find_site(str(nowhere / "empty"))


def test_path_command(nowhere, monkeypatch, capsys):
    assert main(["docs", "path"]) == 1
    assert "no built site" in capsys.readouterr().err
    monkeypatch.setenv("OPEN_R1_DOCS_SITE", str(fake_site(nowhere / "env")))
    assert main(["docs", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(nowhere / "env")


def test_serve_and_build_without_a_site_or_a_clone_say_what_to_do(nowhere, capsys):
    assert main(["docs", "serve", "--port", "0"]) == 2
    assert "no built docs site found" in capsys.readouterr().err
    assert main(["docs", "build"]) == 2
    assert "needs a clone" in capsys.readouterr().err


def test_serve_serves_the_site_on_the_loopback(tmp_path):
    site = fake_site(tmp_path / "site")
    env = {**os.environ, "OPEN_R1_DOCS_SITE": str(site)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "open_r1", "docs", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"serving {site} at http://127.0.0.1:"), line
        url = line.split(" at ")[1].split()[0]
        for _ in range(50):
            try:
                body = urllib.request.urlopen(url + "index.html", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "open-r1 labs docs" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_docs_command_is_registered():
    from open_r1.cli import build_parser

    help_text = build_parser().format_help()
    assert "docs" in help_text
