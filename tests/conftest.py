"""Shared test fixtures: run the CLI in-process with a simulated terminal, or as a process.

`cli` runs `insertadvisor.cli.run` with an Environment of StringIO streams, so each test
chooses whether stdin/stdout/stderr are terminals. `installed` runs the installed
console script (the wheel, not the source tree) in a subprocess.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from insertadvisor.cli import run
from insertadvisor.environment import Environment
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.model import Ruleset

REPO = Path(__file__).resolve().parent.parent
# Version 1 of the default rules, frozen: tests of mechanics (files, flags, batch, output)
# run on it, so that a clinician's edit of rules/ never breaks them.
V1 = Path(__file__).resolve().parent / "rulesets" / "v1"
CORE_FLAGS = ["--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "unknown",
              "--pain-weeks", "3"]


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the compiled-rules cache out of the home folder during tests."""
    old = os.environ.get("INSERTADVISOR_CACHE_DIR")
    os.environ["INSERTADVISOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ.pop("INSERTADVISOR_RULES", None)
    yield
    if old is None:
        os.environ.pop("INSERTADVISOR_CACHE_DIR", None)
    else:
        os.environ["INSERTADVISOR_CACHE_DIR"] = old


@pytest.fixture(autouse=True)
def _private_folders(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own configuration and data folders: a region chosen or an interview
    kept for resuming by one test never reaches another, nor the home folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str


def run_cli(args: list[str], stdin: str = "", *, tty: bool = False, stdout_tty: bool = False,
            environ: dict[str, str] | None = None) -> Result:
    """Run the CLI in-process; `tty` makes stdin and stderr terminals (prompts on)."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdin=io.StringIO(stdin), stdout=out, stderr=err, stdin_isatty=tty,
                      stdout_isatty=stdout_tty, stderr_isatty=tty,
                      environ=dict(os.environ, **(environ or {})))
    status = run(args, env)
    return Result(int(status), out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> object:
    return run_cli


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_ruleset(packaged_rules_dir())


@pytest.fixture
def on_v1(monkeypatch: pytest.MonkeyPatch) -> Ruleset:
    """Run the command (in this process or as one) on the frozen v1 rule set."""
    monkeypatch.setenv("INSERTADVISOR_RULES", str(V1))
    return load_ruleset(V1)


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A writable copy of the default rule set, for planting mistakes."""
    target = tmp_path / "rules"
    shutil.copytree(packaged_rules_dir(), target)
    return target


def installed_command() -> list[str]:
    """The installed console script, or `python -m insertadvisor` beside this interpreter."""
    script = Path(sys.executable).with_name("insertadvisor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "insertadvisor"]


def run_installed(args: list[str], stdin: str = "", env: dict[str, str] | None = None,
                  timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the installed command as a process, with no terminal."""
    return subprocess.run([*installed_command(), *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ, **(env or {})),
                          check=False)
