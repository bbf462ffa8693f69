"""The command-line contract: exit codes, stdout purity, --version, -m."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from insertadvisor import __version__
from insertadvisor.model import Ruleset

from .conftest import CORE_FLAGS, V1, run_cli, run_installed
from .synthetic import plant


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1


def test_version_is_printed() -> None:
    result = run_cli(["--version"])
    assert result.status == 0
    assert result.stdout.splitlines()[0] == f"insertadvisor {__version__}"


def test_python_dash_m_runs_the_same_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "insertadvisor", "--version"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.splitlines()[0] == f"insertadvisor {__version__}"


def test_installed_console_script_assesses() -> None:
    done = run_installed(["assess", *CORE_FLAGS, "--json"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["insert"]["type"] == "otc"


def test_bare_command_shows_help() -> None:
    result = run_cli([])
    assert result.status == 0
    assert "assess" in result.stdout and "checkin" in result.stdout


def test_json_stdout_is_one_object_and_nothing_else() -> None:
    result = run_cli(["assess", *CORE_FLAGS, "--json"])
    assert result.status == 0
    data = json.loads(result.stdout)
    assert data["schema_version"] == "1" and data["kind"] == "assessment"
    assert result.stderr == ""


def test_json_keys_follow_the_contract() -> None:
    data = json.loads(run_cli(["assess", *CORE_FLAGS, "--json"]).stdout)
    assert {"schema_version", "kind", "triage", "insert", "referrals", "advice",
            "fired_rules", "answers", "ruleset", "disclaimer"} <= set(data)
    assert {"type", "heel_lift", "features", "summary"} <= set(data["insert"])
    assert list(data["answers"]) == ["arch", "overpronation", "leg_length_diff_mm", "pain_weeks",
                                     "symptoms", "age", "tried_otc_weeks", "footwear"]
    assert data["answers"] == {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": None,
                               "pain_weeks": 3, "symptoms": [], "age": None,
                               "tried_otc_weeks": None, "footwear": "unknown"}
    assert set(data["ruleset"]) == {"name", "version", "sha256"}
    assert len(data["ruleset"]["sha256"]) == 64
    for fired in data["fired_rules"]:
        assert set(fired) == {"id", "file", "line", "because", "source"}
        assert fired["file"].startswith("v1/") and fired["source"]


def test_prompted_json_run_keeps_prompts_on_stderr() -> None:
    """On a terminal with --json, every prompt goes to stderr; stdout is still pure JSON."""
    typed = "flat\nyes\nunknown\n3\n" + "n\n" * 19 + "\n\n\n\n\n"  # (2 skips asked again)
    result = run_cli(["assess", "--json"], stdin=typed, tty=True)
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["answers"]["arch"] == "flat"
    assert "What is your arch like" in result.stderr
    assert "arch" not in result.stdout.split("{", 1)[0]


def test_prompts_ask_only_what_was_not_given() -> None:
    typed = "n\n" * 19 + "\n\n\n\n\n"  # Enter at the optional ones (2 asked again)
    result = run_cli(["assess", *CORE_FLAGS, "--json"], stdin=typed, tty=True)
    assert result.status == 0, result.stderr
    assert "What is your arch like" not in result.stderr
    assert "[y/n]" in result.stderr


def test_no_input_never_prompts_even_on_a_terminal() -> None:
    result = run_cli(["assess", "--arch", "flat", "--no-input"], tty=True)
    assert result.status == 2
    assert result.stderr.count("\n") == 1
    assert "--overpronation, --leg-length-diff, --pain-weeks" in result.stderr


def test_missing_answers_without_a_terminal_name_the_flags() -> None:
    result = run_cli(["assess", "--json"])
    assert result.status == 2
    assert result.stdout == ""
    assert "pass --arch, --overpronation, --leg-length-diff, --pain-weeks" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--arch", "flatt"], "--arch: 'flatt' is not one of flat, normal, high, unknown "
                          "(did you mean `flat`?)"),
    (["--pain-weeks", "-1"], "--pain-weeks: -1 is out of range"),
    (["--leg-length-diff", "nan"], "--leg-length-diff: expected a finite number"),
    (["--symptom", "fevr"], "did you mean `fever`?"),
    (["--no-such-flag"], "No such option: --no-such-flag"),
])
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    # (a flag given twice is itself refused: the core flag the bad value replaces is left out)
    pairs = zip(CORE_FLAGS[::2], CORE_FLAGS[1::2], strict=True)
    core = [part for flag, value in pairs if flag != args[0] for part in (flag, value)]
    result = run_cli(["assess", *core, *args, "--json"])
    assert result.status == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_rule_set_exits_3_with_located_problems(tmp_path: Path) -> None:
    target = plant(V1, tmp_path / "rules", [("inserts.yaml", "    hit_policy: first          #",
                                            "    hit_policy: frist          #")])
    result = run_cli(["assess", *CORE_FLAGS, "--json", "--rules", str(target)])
    assert result.status == 3
    assert f"{target}/inserts.yaml:4:17: table `insert` must have hit_policy first or unique " \
           "(did you mean `first`?)" in result.stderr


def test_rules_from_the_environment_variable(rules_copy: object) -> None:
    path = rules_copy / "ruleset.yaml"  # type: ignore[operator]
    path.write_text(path.read_text().replace("name: insertadvisor-default", "name: clinic-a"))
    result = run_cli(["assess", *CORE_FLAGS, "--json"],
                     environ={"INSERTADVISOR_RULES": str(rules_copy)})
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["ruleset"]["name"] == "clinic-a"


def test_missing_rule_folder_exits_3() -> None:
    result = run_cli(["assess", *CORE_FLAGS, "--rules", "/nonexistent/rules"])
    assert result.status == 3
    assert "/nonexistent/rules:1:1: no such rule-set folder" in result.stderr


def test_internal_error_is_one_line_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import insertadvisor.assessment

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(insertadvisor.assessment, "assess", broken)
    result = run_cli(["assess", *CORE_FLAGS, "--json"])
    assert result.status == 1
    assert result.stderr.count("\n") == 1
    assert "internal error: RuntimeError: boom" in result.stderr and "report" in result.stderr
    debug = run_cli(["--debug", "assess", *CORE_FLAGS, "--json"])
    assert debug.status == 1 and "Traceback" in debug.stderr


def test_interrupt_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import insertadvisor.assessment

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(insertadvisor.assessment, "assess", interrupted)
    result = run_cli(["assess", *CORE_FLAGS, "--json"])
    assert (result.status, result.stderr) == (130, "insertadvisor: interrupted\n")


def test_checkin_json() -> None:
    result = run_cli(["checkin", "--weeks-wearing", "3", "--effect", "numbness_tingling",
                      "--json"])
    data = json.loads(result.stdout)
    assert (data["kind"], data["triage"], data["stop_wearing"]) == ("checkin", "urgent", True)
    assert data["answers"] == {"weeks_wearing": 3, "effects": ["numbness_tingling"]}


def test_report_for_a_pipe_is_plain_text_with_warnings_first(ruleset: Ruleset) -> None:
    result = run_cli(["assess", *CORE_FLAGS, "--symptom", "fever"])
    assert result.status == 0
    assert "\x1b[" not in result.stdout
    triage = json.loads(run_cli(["assess", *CORE_FLAGS, "--symptom", "fever", "--json"]).stdout)
    level = ruleset.level(triage["triage"])
    assert result.stdout.startswith(f"{level.label.upper()}: {level.message[:20]}")
    headings = ruleset.report.headings
    order = [result.stdout.index(headings[h]) for h in ("insert", "evidence")]
    assert order == sorted(order)
    assert " ".join(ruleset.disclaimer.split()[:6]) in " ".join(result.stdout.split())


def test_explain_lists_fired_rules_with_sources(ruleset: Ruleset) -> None:
    result = run_cli(["assess", *CORE_FLAGS, "--explain"])
    data = json.loads(run_cli(["assess", *CORE_FLAGS, "--json"]).stdout)
    text = " ".join(result.stdout.split())
    assert ruleset.report.headings["why"] in text
    for fired in data["fired_rules"]:
        assert f"{fired['id']} ({fired['file']}:{fired['line']})" in text
        assert f"Source: {fired['source'][:40]}" in text


TYPED = "flat\nyes\nunknown\n3\n" + "n\n" * 19 + "\n\n\n\n\n"  # (2 skips asked again)


@pytest.mark.parametrize("command", ["assess", "checkin"])
def test_bare_command_behaves_as_the_parsed_one(command: str) -> None:
    """`assess` alone skips option parsing; it must do exactly what the parsed path does."""
    typed = TYPED if command == "assess" else "2\n" + "n\n" * 8
    bare = run_cli([command], stdin=typed, tty=True)
    parsed = run_cli([command, "--rules", str(V1)], stdin=typed, tty=True)
    assert bare.status == parsed.status == 0, bare.stderr
    assert (bare.stdout, bare.stderr) == (parsed.stdout, parsed.stderr)
    assert "Insert" in bare.stdout or "What to do" in bare.stdout


def test_bare_command_without_a_terminal_names_the_missing_flags() -> None:
    result = run_cli(["assess"])
    assert result.status == 2
    assert "pass --arch, --overpronation, --leg-length-diff, --pain-weeks" in result.stderr


def test_first_question_is_asked_before_typer_is_imported() -> None:
    """Structural guard for the 100 ms first prompt: nothing waits for the framework."""
    script = (
        "import io, sys\n"
        "from insertadvisor import prompts\n"
        "from insertadvisor.cli import run\n"
        "from insertadvisor.environment import Environment\n"
        "def first_read(self, prompt=''):\n"
        "    print(sorted(m for m in ('typer', 'rich') if m in sys.modules))\n"
        "    raise KeyboardInterrupt\n"
        "prompts.Asker.read = first_read\n"
        "env = Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(),\n"
        "                  stdin_isatty=True, stderr_isatty=True)\n"
        "sys.exit(run(['assess'], env))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stdout) == (130, "[]\n"), done.stderr


MINIMAL_RULES = str(__import__("pathlib").Path(__file__).resolve().parent / "rulesets" /
                    "minimal")


def test_flags_come_from_the_chosen_rule_set() -> None:
    """An answer the chosen rule set does not ask is an error, by flag, file or record."""
    by_flag = run_cli(["assess", "--rules", MINIMAL_RULES, "--arch", "flat",
                       "--pain-weeks", "3", "--overpronation", "yes", "--no-input"])
    assert by_flag.status == 2
    assert "--overpronation" in by_flag.stderr and "Traceback" not in by_flag.stderr
    by_file = run_cli(["assess", "--rules", MINIMAL_RULES, "--answers", "-", "--no-input"],
                      '{"arch": "flat", "pain_weeks": 3, "overpronation": "yes"}')
    assert by_file.status == 2 and "unknown key 'overpronation'" in by_file.stderr
    by_record = run_cli(["batch", "--rules", MINIMAL_RULES],
                        '{"arch": "flat", "pain_weeks": 3, "overpronation": "yes"}\n')
    assert by_record.status == 2 and "unknown key 'overpronation'" in by_record.stdout
    own = run_cli(["assess", "--rules", MINIMAL_RULES, "--arch", "flat", "--pain-weeks", "3",
                   "--symptom", "numb", "--no-input", "--json"])
    assert own.status == 0, own.stderr  # the rule set's own questions have their flags
    assert json.loads(own.stdout)["answers"]["symptoms"] == ["numb"]


def test_help_names_the_required_flags_of_the_chosen_rule_set() -> None:
    text = " ".join(run_installed(["assess", "--rules", MINIMAL_RULES, "--help"]).stdout.split())
    assert "otherwise --arch and --pain-weeks are needed" in text
