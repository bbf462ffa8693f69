"""Bad input everywhere (issue 5, part 1): a table of hostile inputs, each with its exit code
and its one-line message; never a traceback, never a hang.

Flags and answers files must exit 2 with one line on stderr and nothing on stdout; broken
rule sets must exit 3 with one `file:line:column: message` line per problem and a summary
line. Inputs that could hang or fill memory if a bound were lost (alias bombs, tens of MB)
run as real processes with a generous timeout, so a regression fails instead of hanging.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.answers_file import MAX_BYTES, read_source
from insertadvisor.errors import InputError
from insertadvisor.loading import MAX_RULE_FILE_BYTES
from insertadvisor.model import Ruleset

from .conftest import CORE_FLAGS, Result, installed_command, run_cli, run_installed


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1

PROBLEM_LINE = re.compile(r"^.+:\d+:\d+: \S.*$")

# A billion-laughs document: 9**7 values if every alias were expanded.
ALIAS_BOMB = "\n".join(
    [f'a: &a [{", ".join(["x"] * 9)}]']
    + [f"{b}: &{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdef", "bcdefg", strict=True)]
) + "\n"


def assert_one_line(result: Result | subprocess.CompletedProcess[str], status: int,
                    *fragments: str) -> str:
    """Exit `status`, nothing on stdout, exactly one line on stderr holding every fragment."""
    code = result.status if isinstance(result, Result) else result.returncode
    assert code == status, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("insertadvisor: ")
    for fragment in fragments:
        assert fragment in line, line
    return line


# --- flags -----------------------------------------------------------------------------

def _with(flag: str, value: str) -> list[str]:
    """The core flags with one of them replaced (or one more added)."""
    args = list(CORE_FLAGS)
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    return args


FLAG_CASES = [
    # out of range, each numeric option
    (_with("--pain-weeks", "-1"), "--pain-weeks: -1 is out of range; give a value from 0 to "
                                  "5200 weeks"),
    (_with("--pain-weeks", "5201"), "--pain-weeks: 5201 is out of range"),
    (_with("--leg-length-diff", "-0.5"), "--leg-length-diff: -0.5 is out of range; give a "
                                         "value from 0 to 100 mm"),
    (_with("--leg-length-diff", "101"), "--leg-length-diff: 101 is out of range"),
    (_with("--age", "-1"), "--age: -1 is out of range; give a value from 0 to 130 years"),
    (_with("--age", "131"), "--age: 131 is out of range"),
    (_with("--tried-otc-weeks", "-2"), "--tried-otc-weeks: -2 is out of range"),
    # not a number
    (_with("--pain-weeks", "three"), "--pain-weeks: expected a number, got 'three'"),
    (_with("--pain-weeks", ""), "--pain-weeks: expected a number, got ''"),
    (_with("--pain-weeks", "0x10"), "--pain-weeks: expected a number, got '0x10'"),
    (_with("--pain-weeks", "1_000"), "--pain-weeks: expected a number, got '1_000'"),
    (_with("--pain-weeks", "١٢"), "--pain-weeks: expected a number"),  # Arabic-Indic digits
    (_with("--pain-weeks", "3\n4"), "--pain-weeks: expected a number, got '3\\n4'"),
    (_with("--leg-length-diff", "a bit"), "--leg-length-diff: expected a number or unknown"),
    (_with("--age", "12.5"), "--age: expected a whole number, got '12.5'"),
    (_with("--age", "twelve"), "--age: expected a whole number or unknown, got 'twelve'"),
    (_with("--pain-weeks", "unknown"), "--pain-weeks: expected a number; unknown is not "
                                       "accepted here"),
    # NaN, infinity, overflow
    (_with("--pain-weeks", "nan"), "--pain-weeks: expected a finite number, got 'nan'"),
    (_with("--pain-weeks", "NaN"), "--pain-weeks: expected a finite number, got 'NaN'"),
    (_with("--leg-length-diff", "inf"), "--leg-length-diff: expected a finite number"),
    (_with("--age", "-Infinity"), "--age: expected a finite number, got '-Infinity'"),
    (_with("--pain-weeks", "1e400"), "--pain-weeks: expected a finite number, got '1e400'"),
    (_with("--tried-otc-weeks", "-1e400"), "--tried-otc-weeks: expected a finite number"),
    (_with("--pain-weeks", "1e308"), "--pain-weeks: 1e+308 is out of range"),
    (_with("--pain-weeks", "9" * 5000), "--pain-weeks: expected a finite number, got "
                                        "'99999999"),
    # misspelt choices, with a suggestion; unknown symptoms
    (_with("--arch", "flatt"), "--arch: 'flatt' is not one of flat, normal, high, unknown "
                               "(did you mean `flat`?)"),
    (_with("--overpronation", "yess"), "(did you mean `yes`?)"),
    (_with("--footwear", "heels"), "(did you mean `high_heels`?)"),
    (_with("--arch", "1"), "--arch: '1' is not one of flat, normal, high, unknown"),
    (_with("--symptom", "fevr"), "--symptom: unknown symptoms id 'fevr' (did you mean "
                                 "`fever`?)"),
    (_with("--symptom", "headache"), "--symptom: unknown symptoms id 'headache'; see "
                                     "`insertadvisor schema answers`"),
    (_with("--symptom", "\x1b[31mred"), "--symptom: unknown symptoms id '\\x1b[31mred'"),
    # the parser's own errors
    (["--archh", "flat"], "No such option: --archh"),
    (["--pain-weeks"], "Option '--pain-weeks' requires an argument"),
    # missing required answers name the flags to pass
    ([], "missing answers: pass --arch, --overpronation, --leg-length-diff, --pain-weeks"),
    (CORE_FLAGS[:-2], "missing answer: pass --pain-weeks"),
]


@pytest.mark.parametrize(("args", "message"), FLAG_CASES,
                         ids=[f"{i}-{' '.join(a)[-30:]}" for i, (a, _) in enumerate(FLAG_CASES)])
def test_bad_flag_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = run_cli(["assess", "--json", "--no-input", *args])
    assert_one_line(result, 2, message)


@pytest.mark.parametrize(("args", "message"), [
    (["--weeks-wearing", "-1"], "--weeks-wearing: -1 is out of range"),
    (["--weeks-wearing", "nan"], "--weeks-wearing: expected a finite number"),
    (["--weeks-wearing", "1e400"], "--weeks-wearing: expected a finite number"),
    (["--weeks-wearing", "two"], "--weeks-wearing: expected a number"),
    (["--weeks-wearing", "2", "--effect", "improve"], "unknown effects id 'improve' (did you "
                                                      "mean `improved`?)"),
    ([], "missing answer: pass --weeks-wearing"),
])
def test_bad_checkin_flag_exits_2_with_one_line(args: list[str], message: str) -> None:
    assert_one_line(run_cli(["checkin", *args, "--json", "--no-input"]), 2, message)


def test_unknown_command_exits_2() -> None:
    assert_one_line(run_cli(["asess"]), 2, "No such command 'asess'")


# --- answers files ---------------------------------------------------------------------

ANSWERS_CASES: list[tuple[str, bytes, str]] = [
    ("empty.yaml", b"", "is empty; give a mapping of answers"),
    ("blank.yaml", b"  \n\n# only a comment\n", "is empty"),
    ("binary.dat", bytes(range(256)), "looks binary; give a YAML or JSON file"),
    ("latin1.yaml", "arch: plat\u00e9\n".encode("latin-1"), "is not UTF-8 text"),
    ("control.yaml", b"arch: flat\n\x07\n", ":2:1: invalid YAML: character #x0007 is not "
                                            "allowed"),
    ("bad.yaml", b"arch: flat\n  x: : :\n", ":2:4: invalid YAML: mapping values are not "
                                            "allowed here"),
    ("bad.json", b'{"arch": "flat",}', ":1:17: invalid JSON: Expecting property name"),
    ("truncated.json", b'{"arch": "fl', "invalid JSON: Unterminated string"),
    ("list.json", b'["arch", "flat"]', "the top level is a list; it must be a mapping"),
    ("list.yaml", b"- arch\n- flat\n", "the top level is a list; it must be a mapping"),
    ("scalar.yaml", b"flat\n", "the top level is a single value; it must be a mapping"),
    ("null.json", b"null", "is empty"),
    ("two-docs.yaml", b"arch: flat\n---\narch: high\n", "invalid YAML: but found another "
                                                        "document"),
    ("unknown-key.yaml", b"archh: flat\n", "unknown key 'archh' (did you mean `arch`?); keys "
                                           "are arch, overpronation"),
    ("number-key.yaml", b"1: flat\n", "unknown key 1"),
    ("list-key.yaml", b"? [a]\n: 1\n", ":1:3: a key must be a plain value"),
    ("duplicate.yaml", b"arch: flat\narch: high\n", ":2:1: duplicate key 'arch'"),
    ("merge.yaml", b"base: &b {arch: flat}\n<<: *b\n", "merge keys (<<) are not allowed"),
    ("wrong-type.yaml", b"arch: [flat]\n", "`arch`: expected one of flat, normal, high, "
                                           "unknown, got ['flat']"),
    ("number-as-list.json", b'{"pain_weeks": [3]}', "`pain_weeks`: expected a number, got [3]"),
    ("symptoms-string.yaml", b"symptoms: fever\n", "`symptoms`: expected a list of ids, got "
                                                   "'fever'"),
    ("symptoms-map.yaml", b"symptoms: {fever: true}\n", "`symptoms`: expected a list of ids"),
    ("symptom-typo.yaml", b"symptoms: [fevr]\n", "unknown symptoms id 'fevr' (did you mean "
                                                 "`fever`?)"),
    ("symptom-number.yaml", b"symptoms: [3]\n", "expected ids of symptoms, got 3"),
    ("bool-number.yaml", b"pain_weeks: yes\n", "`pain_weeks`: expected a number, got True"),
    ("nan.json", b'{"pain_weeks": NaN}', "`pain_weeks`: expected a finite number, got nan"),
    ("infinity.json", b'{"pain_weeks": -Infinity}', "expected a finite number, got -inf"),
    ("overflow.json", b'{"pain_weeks": 1e400}', "expected a finite number, got inf"),
    ("nan.yaml", b"pain_weeks: .nan\n", "`pain_weeks`: expected a number, got '.nan'"),
    ("inf.yaml", b"leg_length_diff_mm: .inf\n", "expected a number or unknown, got '.inf'"),
    ("huge-int.json", b'{"pain_weeks": ' + b"9" * 5000 + b"}", "a number with too many digits"),
    ("huge-int.yaml", b"pain_weeks: " + b"9" * 5000 + b"\n", ":1:13: a number with too many "
                                                             "digits"),
    ("deep.json", b"[" * 50_000, "nested too deeply"),
    ("deep.yaml", b"a: " + b"[" * 50_000 + b"\n", "the YAML is nested too deeply"),
    ("date.yaml", b"pain_weeks: 2024-01-01\n", "tag 'tag:yaml.org,2002:timestamp' is not "
                                               "allowed"),
    ("binary-tag.yaml", b"arch: !!binary aGVsbG8=\n", "tag 'tag:yaml.org,2002:binary' is not "
                                                      "allowed"),
    ("set-tag.yaml", b"symptoms: !!set {fever}\n", "is not allowed"),
    ("custom-tag.yaml", b"arch: !flat x\n", "tag '!flat' is not allowed"),
]


@pytest.mark.parametrize(("name", "content", "message"), ANSWERS_CASES,
                         ids=[c[0] for c in ANSWERS_CASES])
def test_bad_answers_file_exits_2_with_one_line(tmp_path: Path, name: str, content: bytes,
                                                message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    line = assert_one_line(run_cli(["assess", "--answers", str(path), "--json", "--no-input"]),
                           2, message)
    assert f"--answers {path}" in line  # the message says which file


@pytest.mark.parametrize(("name", "content", "message"), [
    c for c in ANSWERS_CASES if c[0] in {"bad.json", "list.yaml", "unknown-key.yaml",
                                         "nan.json", "deep.yaml", "empty.yaml"}
])
def test_bad_answers_on_stdin_exits_2_with_one_line(name: str, content: bytes,
                                                    message: str) -> None:
    result = run_cli(["assess", "--answers", "-", "--json"], content.decode())
    assert "--answers stdin" in assert_one_line(result, 2, message)


@pytest.mark.parametrize(("content", "message"), [
    (bytes(range(256)), "looks binary"),
    (b"arch: \xff\xfeflat\n", "is not UTF-8 text"),
    (b"arch: flat\n\x00", "looks binary"),
])
def test_binary_stdin_through_a_real_pipe(content: bytes, message: str) -> None:
    """A real process reads stdin as bytes: binary and non-UTF-8 input are checked as a file's."""
    done = subprocess.run([*installed_command(), "assess", "--answers", "-", "--json"],
                          input=content, capture_output=True, timeout=60, check=False)
    result = Result(done.returncode, done.stdout.decode(), done.stderr.decode())
    assert "--answers stdin" in assert_one_line(result, 2, message)


def test_answers_file_missing(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert_one_line(run_cli(["assess", "--answers", str(missing), "--no-input"]), 2,
                    f"--answers {missing}: no such file; check the path")


def test_answers_file_is_a_directory(tmp_path: Path) -> None:
    assert_one_line(run_cli(["assess", "--answers", str(tmp_path), "--no-input"]), 2,
                    f"--answers {tmp_path}: is a folder; give a YAML or JSON file")


def test_answers_file_unreadable(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / "secret.yaml"
    path.write_text("arch: flat\n")
    path.chmod(0)
    assert_one_line(run_cli(["assess", "--answers", str(path), "--no-input"]), 2,
                    "permission denied")


@pytest.mark.parametrize("tag", [
    '!!python/object/apply:os.system ["touch {marker}"]',
    '!!python/object/apply:subprocess.check_call [["touch", "{marker}"]]',
    '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
    "!!python/name:os.system",
    '!!python/module:os',
    '!!python/tuple [1, 2]',
])
def test_python_tags_never_run(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.yaml"
    path.write_text("arch: flat\npain_weeks: " + tag.format(marker=marker) + "\n")
    result = run_cli(["assess", *CORE_FLAGS, "--answers", str(path), "--json"])
    assert_one_line(result, 2, ":2:13: tag 'tag:yaml.org,2002:python/", "is not allowed")
    assert not marker.exists()


def test_alias_bomb_in_answers_is_refused_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB)
    result = run_installed(["assess", "--answers", str(path), "--no-input"], timeout=60)
    assert_one_line(result, 2, ":1:14: more than 200000 values (an alias bomb?)")


def test_tens_of_megabytes_answers_file_is_refused(tmp_path: Path) -> None:
    """A 40 MB file: refused by the stated size limit, as a real process, within the timeout."""
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"arch: flat\n")
        for _ in range(40):
            handle.write(b"#" * 1_000_000 + b"\n")
    result = run_installed(["assess", "--answers", str(path), "--no-input"], timeout=60)
    assert_one_line(result, 2, f"larger than {MAX_BYTES} bytes")


def test_tens_of_megabytes_on_stdin_is_refused() -> None:
    done = subprocess.run([*installed_command(), "assess", "--answers", "-", "--no-input"],
                          input=b"arch: flat\n" + b"x" * 30_000_000, capture_output=True,
                          timeout=60, check=False)
    result = Result(done.returncode, done.stdout.decode(), done.stderr.decode())
    assert_one_line(result, 2, f"--answers stdin: larger than {MAX_BYTES} bytes")


class _Endless(io.RawIOBase):
    """An endless stream of bytes that counts how much was read from it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        view[:] = b"a" * len(view)
        self.served += len(view)
        return len(view)


def test_endless_stdin_reads_only_the_limit() -> None:
    """Memory is bounded: an endless stdin is read only to the limit, then refused."""
    raw = _Endless()
    stdin = io.TextIOWrapper(io.BufferedReader(raw))
    with pytest.raises(InputError, match="larger than"):
        read_source("-", stdin)
    assert raw.served <= MAX_BYTES + 1 + 2 * io.DEFAULT_BUFFER_SIZE


def test_huge_answers_file_is_read_only_to_the_limit(tmp_path: Path) -> None:
    """Memory is bounded: a 30 MB file costs little more than the limit in allocations."""
    import tracemalloc

    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.write(b'{"arch": "' + b"a" * 30_000_000 + b'"}')
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="larger than"):
            read_source(str(path), io.StringIO())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_BYTES


# --- rule sets -------------------------------------------------------------------------

def assert_rules_refused(result: Result | subprocess.CompletedProcess[str],
                         *fragments: str) -> list[str]:
    """Exit 3; each problem `file:line:column: message` on its own line, then a summary."""
    code = result.status if isinstance(result, Result) else result.returncode
    assert code == 3, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    *problems, summary = result.stderr.splitlines()
    assert problems
    assert re.fullmatch(r"insertadvisor: error: invalid rule set \(\d+ problems?\)", summary)
    assert summary.startswith(f"insertadvisor: error: invalid rule set ({len(problems)} ")
    for line in problems:
        assert PROBLEM_LINE.match(line), line
    text = "\n".join(problems)
    for fragment in fragments:
        assert fragment in text, text
    return problems


def _assess_with(rules: Path) -> Result:
    return run_cli(["assess", *CORE_FLAGS, "--json", "--rules", str(rules)])


RULE_CASES: list[tuple[str, bytes, str]] = [
    ("binary", bytes(range(256)), "triage.yaml:1:1: not UTF-8 text"),
    ("nul", b"a: 1\n\x00", "triage.yaml:2:1: invalid YAML: character #x0000 is not allowed"),
    ("not-utf8", "a: caf\u00e9\n".encode("latin-1"), "triage.yaml:1:1: not UTF-8 text"),
    ("invalid-yaml", b"tables:\n  x: : :\n", "triage.yaml:2:6: invalid YAML: mapping values"),
    ("top-level-list", b"- 1\n- 2\n", "triage.yaml:1:1: a rule file must be a mapping"),
    ("python-tag", b'x: !!python/object/apply:os.system ["touch {marker}"]\n',
     "triage.yaml:1:4: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    ("alias-bomb", ALIAS_BOMB.encode(), "triage.yaml:1:14: more than 200000 values"),
    ("deep", b"a: " + b"[" * 100_000 + b"\n", "triage.yaml:1:1: the YAML is nested too deeply"),
    ("huge-int", b"a: " + b"9" * 5000 + b"\n", "triage.yaml:1:4: a number with too many digits"),
    ("duplicate-key", b"a: 1\na: 2\n", "triage.yaml:2:1: duplicate key 'a'"),
    ("unknown-top-key", b"tabless: {}\n", "triage.yaml:1:1:"),
    ("multi-line-scalar", b"'first line\n\n  second line'\n", "triage.yaml:1:1: a rule file "
                                                             "must be a mapping"),
    ("multi-line-value", b"name: 'a\n\n  b'\nversion: [1]\n", "triage.yaml:"),
]


@pytest.mark.parametrize(("name", "content", "message"), RULE_CASES,
                         ids=[c[0] for c in RULE_CASES])
def test_broken_rule_file_exits_3(rules_copy: Path, tmp_path: Path, name: str,
                                  content: bytes, message: str) -> None:
    marker = tmp_path / "ran"
    (rules_copy / "triage.yaml").write_bytes(content.replace(b"{marker}", str(marker).encode()))
    assert_rules_refused(_assess_with(rules_copy), message)
    assert not marker.exists()


def test_alias_bomb_in_rules_is_refused_in_bounded_time(rules_copy: Path) -> None:
    (rules_copy / "advice.yaml").write_text(ALIAS_BOMB)
    result = run_installed(["assess", *CORE_FLAGS, "--rules", str(rules_copy)], timeout=60)
    assert_rules_refused(result, "advice.yaml:1:14: more than 200000 values")


def test_too_big_rule_file_is_refused_before_reading(rules_copy: Path) -> None:
    with (rules_copy / "advice.yaml").open("wb") as handle:
        handle.write(b"# " + b"x" * (MAX_RULE_FILE_BYTES + 10) + b"\n")
    result = run_installed(["assess", *CORE_FLAGS, "--rules", str(rules_copy)], timeout=60)
    assert_rules_refused(result, f"a rule file may be at most {MAX_RULE_FILE_BYTES} bytes")


def test_tens_of_megabytes_rule_file_is_refused(rules_copy: Path) -> None:
    with (rules_copy / "advice.yaml").open("wb") as handle:
        for _ in range(30):
            handle.write(b"#" * 1_000_000 + b"\n")
    result = run_installed(["assess", *CORE_FLAGS, "--rules", str(rules_copy)], timeout=60)
    assert_rules_refused(result, "advice.yaml:1:1: file is 30000030 bytes")


def test_misspelt_level_in_rules_suggests_the_right_one(rules_copy: Path) -> None:
    triage = rules_copy / "triage.yaml"
    text = triage.read_text()
    assert "urgency: emergency" in text
    triage.write_text(text.replace("urgency: emergency", "urgency: emergncy", 1))
    assert_rules_refused(_assess_with(rules_copy), "`emergncy` is not a valid urgency (did you "
                                                   "mean `emergency`?)")


def test_missing_rules_folder(tmp_path: Path) -> None:
    assert_rules_refused(_assess_with(tmp_path / "nope"), "no such rule-set folder")


def test_rules_option_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("a: 1\n")
    assert_rules_refused(_assess_with(path), "not a folder")


def test_rules_folder_without_yaml(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("nothing here")
    assert_rules_refused(_assess_with(tmp_path), "the folder holds no .yaml rule files")


def test_every_rule_file_empty(rules_copy: Path) -> None:
    for path in rules_copy.glob("*.yaml"):
        path.write_text("")
    assert_rules_refused(_assess_with(rules_copy))


def test_rules_from_the_environment_are_checked_too(rules_copy: Path) -> None:
    (rules_copy / "triage.yaml").write_bytes(b"- 1\n")
    result = run_cli(["assess", *CORE_FLAGS, "--json"],
                     environ={"INSERTADVISOR_RULES": str(rules_copy)})
    assert_rules_refused(result, "a rule file must be a mapping")
