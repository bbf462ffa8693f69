"""The user's own files (the saved region, a kept interview): never a hang on a FIFO,
never written through a planted link, always private."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.regions import CONFIG
from insertadvisor.userfiles import NotAFile, read_regular, write_private

from .conftest import run_installed

# The packaged rules: the saved region is a mechanism of every rule set that asks the
# region (the frozen v1 fixture does not). Their required answers, each at its first value.
RULES = packaged_rules_dir()
ANSWERS = [a for q in load_ruleset(RULES).questions["assess"] if q.required
           for a in (q.flag, q.values[0] if q.type == "choice" else str(q.min or 0))]


def _region(tmp_path: Path) -> str:
    """The region `assess --json` words its result for, with this config folder."""
    done = run_installed(["assess", "--rules", str(RULES), *ANSWERS, "--json"],
                         env={"XDG_CONFIG_HOME": str(tmp_path / "config")}, timeout=30)
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["region"])


def _saved_path(tmp_path: Path) -> Path:
    folder = tmp_path / "config" / "insertadvisor"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / CONFIG


def _other_region(tmp_path: Path) -> str:
    """A region of the rule set that is not what a run without a saved one chooses."""
    fallback = _region(tmp_path / "none")
    return next(r for r in load_ruleset(RULES).regions if r != fallback)


def test_the_saved_region_is_read_also_through_a_dotfile_link(tmp_path: Path) -> None:
    chosen = _other_region(tmp_path)
    real = tmp_path / "dotfiles" / CONFIG
    real.parent.mkdir()
    real.write_text(json.dumps({"region": chosen}))
    _saved_path(tmp_path).write_text(real.read_text())
    assert _region(tmp_path) == chosen
    _saved_path(tmp_path).unlink()
    _saved_path(tmp_path).symlink_to(real)
    assert _region(tmp_path) == chosen


@pytest.mark.parametrize("through_link", [False, True])
def test_a_fifo_at_the_saved_region_never_hangs_a_run(tmp_path: Path,
                                                      through_link: bool) -> None:
    fallback = _region(tmp_path / "none")
    target = _saved_path(tmp_path)
    fifo = tmp_path / "fifo" if through_link else target
    os.mkfifo(fifo)
    if through_link:
        target.symlink_to(fifo)
    assert _region(tmp_path) == fallback  # within the timeout: no open() waited on a writer
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # and left alone


def test_read_regular_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo, link, big = tmp_path / "fifo", tmp_path / "link", tmp_path / "big"
    os.mkfifo(fifo)
    big.write_text("x" * 11)
    link.symlink_to(big)
    with pytest.raises(NotAFile):
        read_regular(fifo)
    with pytest.raises(NotAFile):
        read_regular(link)
    with pytest.raises(ValueError, match="longer than 10 bytes"):
        read_regular(link, limit=10, follow=True)
    assert read_regular(link, limit=11, follow=True) == "x" * 11


def test_write_private_is_0600_and_never_writes_through_a_planted_link(
        tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    target = tmp_path / "folder" / "saved.json"
    target.parent.mkdir(mode=0o700)
    (target.parent / f".{target.name}.{os.getpid()}.tmp").symlink_to(victim)
    write_private(target, "{}")
    assert target.read_text() == "{}" and victim.read_text() == "keep"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["saved.json"]
