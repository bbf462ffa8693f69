"""docs/cli.md is generated from --help and current; every command's help leads with an
example and documents every option."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

import pytest
import typer

from insertadvisor.app import build_app
from insertadvisor.environment import Environment

from .conftest import REPO


def _generator() -> ModuleType:
    path = REPO / "docs" / "generate_cli_md.py"
    spec = importlib.util.spec_from_file_location("generate_cli_md", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()
HELPS: list[tuple[list[str], str]] = GENERATOR.command_helps()


def test_cli_md_is_current() -> None:
    expected = GENERATOR.render()
    current = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == expected, "docs/cli.md is stale; run: python docs/generate_cli_md.py"


def test_the_reference_covers_every_command() -> None:
    paths = {" ".join(path) for path, _ in HELPS}
    assert {"", "assess", "checkin", "batch", "schema"} <= paths
    for name in ("assess", "checkin", "batch", "schema"):
        assert f"## insertadvisor {name}\n" in GENERATOR.render()


@pytest.mark.parametrize(("path", "text"), [pytest.param(p, t, id=" ".join(p) or "(root)")
                                            for p, t in HELPS])
def test_help_leads_with_an_example(path: list[str], text: str) -> None:
    """After the one-line summary, the first paragraph is an example of this very command."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    assert paragraphs[0].startswith("Usage: insertadvisor")
    example = paragraphs[2]
    assert example.startswith(("Example:", "Examples:")), (
        f"`insertadvisor {' '.join(path)} --help`: the paragraph after the summary should be "
        f"an example, not: {example[:60]!r}")
    assert " ".join(["insertadvisor", *path]) in " ".join(example.split())


def _commands(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    """The Click command tree (Typer's vendored Click), depth first."""
    out = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        out += _commands(sub, [*path, name])
    return out


@pytest.mark.parametrize(("path", "command"), [
    pytest.param(p, c, id=" ".join(p) or "(root)")
    for p, c in _commands(typer.main.get_command(build_app(Environment())), [])])
def test_every_command_and_option_has_help(path: list[str], command: Any) -> None:
    assert (command.help or "").strip(), f"insertadvisor {' '.join(path)} has no help"
    for param in command.params:
        assert (getattr(param, "help", None) or "").strip(), (
            f"insertadvisor {' '.join(path)}: {param.name} has no help text")
