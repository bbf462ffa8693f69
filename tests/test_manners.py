"""Command-line manners (issue 11 item 6): shell completion, `help [COMMAND]`, `-V`, where
the docs and bug reports live, the man page, and "did you mean" that finds words inside ids.

Mechanics: on the frozen v1 rules, or with names and values read from the rule set loaded.
(`batch --format csv` reading a `;` file is tested in test_reliability_batch.py.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from insertadvisor import __version__
from insertadvisor.cli import report_to
from insertadvisor.errors import did_you_mean
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.model import Ruleset

from .conftest import CORE_FLAGS, REPO, V1, installed_command, run_cli, run_installed

# --- did you mean ------------------------------------------------------------------------

IDS = ["saddle_numbness", "leg_numbness_tingling", "fever", "unexplained_weight_loss",
       "night_pain", "chest_pain", "band_pain", "upper_back_pain", "leg_pain", "foot_pain",
       "arm_pain"]


@pytest.mark.parametrize(("word", "expected"), [
    ("numbness", " (did you mean `saddle_numbness` or `leg_numbness_tingling`?)"),
    ("weight loss", " (did you mean `unexplained_weight_loss`?)"),
    ("Weight-Loss", " (did you mean `unexplained_weight_loss`?)"),
    ("loss weight", " (did you mean `unexplained_weight_loss`?)"),  # every word, any order
    ("fevr", " (did you mean `fever`?)"),  # spelt nearly alike, as before
    ("pain", " (did you mean `night_pain`, `chest_pain`, `band_pain`, `upper_back_pain`, "
             "`leg_pain` or 2 more?)"),  # one line, however many hold the word
    ("ab", ""),  # too short to look for inside names
    ("zzz", ""),
])
def test_did_you_mean_finds_words_inside_names(word: str, expected: str) -> None:
    assert did_you_mean(word, IDS) == expected


def test_a_word_inside_symptom_ids_suggests_each_of_them(on_v1: Ruleset) -> None:
    symptoms = next(q for q in on_v1.questions["assess"] if q.id == "symptoms").choices
    parts = [p for i in symptoms for p in i.split("_") if len(p) > 3 and p not in symptoms]
    word = max(parts, key=lambda p: sum(p in i for i in symptoms))  # the most shared word
    holding = [i for i in symptoms if word in i]
    assert len(holding) > 1
    result = run_cli(["assess", *CORE_FLAGS, "--symptom", word, "--no-input"])
    assert result.status == 2
    assert len(result.stderr.splitlines()) == 1
    for symptom in holding[:5]:
        assert f"`{symptom}`" in result.stderr
    two_words = holding[0].replace("_", " ")
    spaced = run_cli(["assess", *CORE_FLAGS, "--symptom", two_words, "--no-input"])
    assert f"(did you mean `{holding[0]}`?)" in spaced.stderr


# --- -V, help, --help ----------------------------------------------------------------------


def test_dash_v_is_version_and_names_the_default_rule_set() -> None:
    packaged = load_ruleset(packaged_rules_dir())
    result = run_cli(["-V"])
    assert result.status == 0
    assert result.stdout == (f"insertadvisor {__version__}\n"
                             f"rule set: {packaged.name} {packaged.version}\n")
    assert run_cli(["--version"]).stdout == result.stdout


def test_version_names_the_rule_set_the_environment_chooses(on_v1: Ruleset) -> None:
    lines = run_cli(["-V"]).stdout.splitlines()
    assert lines[1] == f"rule set: {on_v1.name} {on_v1.version} ({V1}, from $INSERTADVISOR_RULES)"


def test_version_with_an_invalid_rule_set_still_answers(tmp_path: Path) -> None:
    (tmp_path / "ruleset.yaml").write_text("name: [\n")
    result = run_cli(["-V"], environ={"INSERTADVISOR_RULES": str(tmp_path)})
    assert result.status == 0
    assert result.stdout.startswith(f"insertadvisor {__version__}\nrule set: not valid (")
    assert f"insertadvisor rules validate {tmp_path}" in result.stdout


@pytest.mark.parametrize("path", [[], ["assess"], ["batch"], ["rules"], ["rules", "check"],
                                  ["schema"], ["help"]])
def test_help_command_is_help(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    helped = run_cli(["help", *path])
    assert helped.status == 0, helped.stderr
    capsys.readouterr()
    assert run_cli([*path, "--help"]).status == 0
    assert helped.stdout == capsys.readouterr().out  # (Click prints --help to sys.stdout)


@pytest.mark.parametrize(("path", "message"), [
    (["asess"], "insertadvisor: error: help: no command 'asess' in `insertadvisor` (did you "
                "mean `assess`?); see `insertadvisor --help`"),
    (["rules", "chek"], "insertadvisor: error: help: no command 'chek' in `insertadvisor "
                        "rules` (did you mean `check`?); see `insertadvisor rules --help`"),
    (["assess", "more"], "insertadvisor: error: help: no command 'more' in `insertadvisor "
                         "assess`; see `insertadvisor assess --help`"),
])
def test_help_of_an_unknown_command_is_one_line(path: list[str], message: str) -> None:
    result = run_cli(["help", *path])
    assert (result.status, result.stdout, result.stderr) == (2, "", message + "\n")


def test_help_names_where_the_docs_and_bug_reports_live() -> None:
    text = " ".join(run_installed(["--help"]).stdout.split())
    assert "man insertadvisor" in text and "docs/" in text and "cli.md" in text
    assert f"Report bugs {report_to()}" in text


def test_batch_help_says_how_a_semicolon_file_is_read() -> None:
    """The `;` delimiter is detected (tests/test_reliability_batch.py); --help says so."""
    text = " ".join(run_installed(["batch", "--help"]).stdout.split())
    assert 'header has ";" and no ","' in text and "decimal comma (2,5)" in text


# --- shell completion --------------------------------------------------------------------


def test_the_root_offers_completion() -> None:
    text = run_installed(["--help"]).stdout
    assert "--install-completion" in text and "--show-completion" in text
    # The shell named, not detected from the parent process (Typer's own test switch):
    # under `sh -c` detection finds sh, which Typer does not support.
    script = run_installed(["--show-completion", "bash"],
                           env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert script.returncode == 0 and "_INSERTADVISOR_COMPLETE=complete_bash" in script.stdout


def _complete(words: str) -> list[str]:
    """What the bash completion script gets for `words` (the last one being typed)."""
    env = dict(os.environ, _INSERTADVISOR_COMPLETE="complete_bash", COMP_WORDS=words,
               COMP_CWORD=str(len(words.split()) - (0 if words.endswith(" ") else 1)))
    done = subprocess.run(installed_command(), capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_completion_of_commands_and_choice_values(on_v1: Ruleset) -> None:
    assert "assess" in _complete("insertadvisor ass")
    by_flag = {q.flag: q for q in on_v1.questions["assess"]}
    choice = next(q for q in by_flag.values() if q.type == "choice")
    assert _complete(f"insertadvisor assess {choice.flag} ") == list(choice.values)
    symptoms = next(q for q in by_flag.values() if q.type == "set")
    first = symptoms.choices[0]
    assert _complete(f"insertadvisor assess {symptoms.flag} {first[:3]}") == \
        [i for i in symptoms.choices if i.startswith(first[:3])]
    number = next(q for q in by_flag.values() if q.type == "number" and q.unknown)
    assert _complete(f"insertadvisor assess {number.flag} ") == ["unknown"]


def test_completion_and_the_epilog_cost_the_hot_path_nothing(tmp_path: Path) -> None:
    """A run of one command builds neither the completion options (Typer inspects each
    completion function) nor the epilog (it reads the package metadata)."""
    import typer

    from insertadvisor.app import build_app
    from insertadvisor.environment import Environment

    from .test_hot_path import ALL_FLAGS, modules_after

    env = Environment(environ={})
    names = {p.name for p in typer.main.get_command(build_app(env, "assess")).params}
    assert "install_completion" not in names
    everything = {p.name for p in typer.main.get_command(build_app(env)).params}
    assert {"install_completion", "show_completion"} <= everything
    modules_after(ALL_FLAGS, tmp_path)  # the cache
    warm, _ = modules_after(ALL_FLAGS, tmp_path)
    assert "importlib.metadata" not in warm


# --- the man page ------------------------------------------------------------------------


def test_the_man_page_is_current() -> None:
    from .test_docs import GENERATOR, HELPS

    current = (REPO / "docs" / "insertadvisor.1").read_text(encoding="utf-8")
    assert current == GENERATOR.render_man(HELPS), (
        "docs/insertadvisor.1 is stale; run: python docs/generate_cli_md.py")


def test_the_man_page_holds_every_command_and_is_shipped() -> None:
    from .test_docs import HELPS

    page = (REPO / "docs" / "insertadvisor.1").read_text(encoding="utf-8")
    for path, _ in HELPS:
        assert f".SS {' '.join(['insertadvisor', *path])}\n" in page
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    shared = project["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    assert shared["docs/insertadvisor.1"] == "share/man/man1/insertadvisor.1"


def test_the_man_page_reads_as_a_man_page(tmp_path: Path) -> None:
    """man(1) renders it without warnings, where man is installed."""
    import shutil

    if shutil.which("man") is None:
        pytest.skip("man is not installed")
    done = subprocess.run(["man", "-l", "-Tutf8", str(REPO / "docs" / "insertadvisor.1")],
                          capture_output=True, text=True, timeout=60, check=False,
                          env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
    assert done.returncode == 0 and "warning" not in done.stderr.lower(), done.stderr
    text = re.sub(".\x08", "", done.stdout)  # without the overstrike of bold
    assert "insertadvisor assess" in text and "EXIT STATUS" in text


def test_python_dash_m_and_the_script_agree_on_dash_v() -> None:
    done = subprocess.run([sys.executable, "-m", "insertadvisor", "-V"], capture_output=True,
                          text=True, check=False, timeout=60,
                          env={k: v for k, v in os.environ.items()
                               if k != "INSERTADVISOR_RULES"})
    assert done.returncode == 0 and done.stdout == run_cli(["-V"]).stdout
