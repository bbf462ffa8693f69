"""Batch never loses or invents a line (reliability issue, items 7-10 and the line limit).

7. `batch FILE >> FILE` (the output is the input, by device and inode) is refused first;
8. CSV is read line by line: a bad header, a stray quote or a 600 MB line costs only its
   own output lines, a `;` header means `;` cells and decimal commas, and the line limit
   is on a line without its newline (a line of exactly MAX_LINE_BYTES is read);
9. a full disk mid-batch leaves whole lines and says the disk is full (exit 1, no "bug");
10. UTF-16 input (PowerShell's `>`) is refused as a whole, with how to convert it.

Each item has its examples, then a property or table test over the whole class.
"""

from __future__ import annotations

import errno
import io
import json
import os
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import IO, Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertadvisor.batch import MAX_LINE_BYTES, run_batch
from insertadvisor.cli import run
from insertadvisor.environment import Environment
from insertadvisor.errors import InputError, OutputError
from insertadvisor.loading import load_ruleset, packaged_rules_dir

from .conftest import Result, installed_command, run_cli

RULESET = load_ruleset(packaged_rules_dir())
GOOD = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": 0, "pain_weeks": 3}
GOOD_LINE = json.dumps(GOOD)
HEADER = "arch,overpronation,leg_length_diff_mm,pain_weeks,symptoms"
GOOD_ROW = "flat,yes,0,3,"
PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _records(text: str) -> list[dict[str, Any]]:
    assert text == "" or text.endswith("\n"), "the output ends on a whole line"
    return [json.loads(line) for line in text.splitlines()]


def run_bytes(args: list[str], data: bytes) -> Result:
    """The CLI in-process with stdin as bytes (a buffered reader, as a real stdin is)."""
    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(data)), encoding="utf-8")
    env = Environment(stdin=stdin, stdout=out, stderr=err, stdin_isatty=False,
                      stdout_isatty=False, stderr_isatty=False, environ=dict(os.environ))
    status = run(args, env)
    return Result(int(status), out.getvalue(), err.getvalue())


def _shell(command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`command` through /bin/sh, with $IA the installed insertadvisor."""
    return subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True,
                          timeout=timeout, check=False,
                          env=dict(os.environ, IA=" ".join(installed_command())))


def _one_line(stderr: str, *fragments: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# --- 7. the output is the input -----------------------------------------------------------

def test_batch_file_appended_to_itself_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(GOOD_LINE + "\n")
    done = _shell(f"$IA batch '{path}' >> '{path}'")
    assert done.returncode == 2
    _one_line(done.stderr, f"batch {path}: the output goes to the same file as the input")
    assert path.read_text() == GOOD_LINE + "\n"  # nothing read, nothing written


@pytest.mark.parametrize("spelling", ["{path}", "./in.jsonl", "{link}", "{hard}",
                                      "{tmp}/../{tmpname}/in.jsonl", "-"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_any_spelling_of_the_same_file_is_refused(tmp_path: Path, spelling: str,
                                                  fmt: str) -> None:
    """By device and inode: a relative name, a symlink, a hard link, `..`, or stdin."""
    path = tmp_path / "in.jsonl"
    content = (GOOD_LINE if fmt == "jsonl" else f"{HEADER}\n{GOOD_ROW}") + "\n"
    path.write_text(content)
    (tmp_path / "link.jsonl").symlink_to(path)
    os.link(path, tmp_path / "hard.jsonl")
    name = spelling.format(path=path, link=tmp_path / "link.jsonl",
                           hard=tmp_path / "hard.jsonl", tmp=tmp_path, tmpname=tmp_path.name)
    source = f"- < '{path}'" if name == "-" else f"'{name}'"
    done = _shell(f"cd '{tmp_path}' && $IA batch --format {fmt} {source} >> '{path}'")
    assert done.returncode == 2, done.stderr
    _one_line(done.stderr, "the output goes to the same file as the input")
    assert path.read_text() == content


def test_another_file_a_pipe_or_dev_null_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(GOOD_LINE + "\n")
    for sink in (f">> '{tmp_path / 'out.jsonl'}'", "> /dev/null", "| cat > /dev/null"):
        done = _shell(f"$IA batch '{path}' {sink}")
        assert done.returncode == 0, (sink, done.stderr)
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 1


# --- 8. CSV, line by line -------------------------------------------------------------------

def _csv(text: str) -> list[dict[str, Any]]:
    return _records(run_cli(["batch", "--format", "csv"], text).stdout)


def test_an_unreadable_header_does_not_drop_the_rows() -> None:
    out = _csv('arch,"overpronation\nflat,yes,0,3\nflat,yes,0,3\n')
    assert [(o["kind"], o["line"]) for o in out] == [("error", 2), ("error", 3)]
    assert all("the CSV header (line 1) is unreadable: a quoted cell is not closed" in
               o["error"] for o in out)
    only = _csv('arch,"overpronation\n')  # and with no row, the header says so itself
    assert [(o["kind"], o["line"]) for o in only] == [("error", 1)]
    assert run_cli(["batch", "--format", "csv"], 'arch,"overpronation\n').status == 2


def test_a_stray_quote_costs_only_its_own_line() -> None:
    out = _csv(f'{HEADER}\n{GOOD_ROW}\nflat,"yes,0,3,\n{GOOD_ROW}\n"flat",yes,0,3,\n'
               f'"fl"at,yes,0,3,\n{GOOD_ROW}\n')
    assert [o["kind"] for o in out] == ["assessment", "error", "assessment", "assessment",
                                        "error", "assessment"]
    assert "a quoted cell is not closed on this line" in out[1]["error"]
    assert out[4]["line"] == 6 and "unreadable CSV" in out[4]["error"]


def test_a_quoted_line_break_is_refused_and_the_next_line_stands_alone() -> None:
    out = _csv(f'{HEADER}\nflat,yes,0,3,"fever\nnight_pain"\n{GOOD_ROW}\n')
    assert [(o["kind"], o.get("line")) for o in out] == [("error", 2), ("error", 3),
                                                          ("assessment", None)]
    assert "a cell may not hold a line break" in out[0]["error"]


def test_a_semicolon_header_means_semicolon_cells_and_decimal_commas() -> None:
    out = _csv('arch;overpronation;leg_length_diff_mm;pain_weeks;symptoms\n'
               'flat;yes;2,5;3;"fever;night_pain"\nflat;yes;7;1,5;\nflat;yes;2.5;3;\n')
    assert out[0]["answers"]["leg_length_diff_mm"] == 2.5
    assert out[0]["answers"]["symptoms"] == ["fever", "night_pain"]
    assert (out[1]["answers"]["leg_length_diff_mm"], out[1]["answers"]["pain_weeks"]) == \
        (7, 1.5)
    assert out[2]["kind"] == "error"
    assert "'2.5' has a decimal point, but in a file separated by `;` the decimal mark is " \
           "a comma" in out[2]["error"]


@PROPERTY
@given(st.sampled_from(["flat", "high"]), st.integers(0, 100), st.integers(0, 99),
       st.integers(0, 5200))
def test_a_semicolon_file_means_what_the_comma_file_means(arch: str, mm: int, tenths: int,
                                                          weeks: int) -> None:
    comma = _csv(f"{HEADER}\n{arch},yes,{min(mm + tenths / 100, 100)},{weeks},fever\n")
    number = f"{min(mm + tenths / 100, 100)}".replace(".", ",")
    semi = _csv(f"{HEADER.replace(',', ';')}\n{arch};yes;{number};{weeks};fever\n")
    assert semi == comma


def _lines(line: bytes | str, count: int = 1) -> list[dict[str, Any]]:
    source = io.BytesIO(line if isinstance(line, bytes) else line.encode())
    out = io.StringIO()
    run_batch(RULESET, source, out, "jsonl")
    return _records(out.getvalue())


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b""])
def test_a_jsonl_line_of_exactly_the_limit_is_read(newline: bytes) -> None:
    def padded(size: int) -> bytes:
        body = json.dumps({**GOOD, "arch": "flat"}).encode()[:-1]
        return body + b" " * (size - len(body) - 1) + b"}"

    exact, over = padded(MAX_LINE_BYTES), padded(MAX_LINE_BYTES + 1)
    assert len(exact) == MAX_LINE_BYTES
    assert _lines(exact + newline)[0]["kind"] == "assessment"
    assert "longer than" in _lines(over + newline)[0]["error"]
    both = _lines(exact + b"\n" + over + b"\n" + exact + newline)
    assert [o["kind"] for o in both] == ["assessment", "error", "assessment"]


def test_a_csv_line_of_exactly_the_limit_is_read_and_one_more_is_not() -> None:
    def row(size: int) -> str:
        return "flat,yes,0,3," + " " * (size - len(GOOD_ROW))

    out = _csv(f"{HEADER}\n{row(MAX_LINE_BYTES)}\n{row(MAX_LINE_BYTES + 1)}\n{GOOD_ROW}\n")
    assert [o["kind"] for o in out] == ["assessment", "error", "assessment"]
    assert out[1]["line"] == 3 and f"longer than {MAX_LINE_BYTES} bytes" in out[1]["error"]


class _HugeLine(io.RawIOBase):
    """A CSV file with one line of `size` bytes, made up as it is read (never held)."""

    def __init__(self, size: int) -> None:
        self.parts: list[bytes | int] = [f"{HEADER}\n".encode(), size,
                                         f"\n{GOOD_ROW}\n".encode()]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.parts:
            return 0
        view, part = memoryview(buffer), self.parts[0]
        if isinstance(part, int):  # so many bytes of "x"
            n = min(len(view), part)
            view[:n] = b"x" * n
            rest: bytes | int = part - n
        else:
            n = min(len(view), len(part))
            view[:n] = part[:n]
            rest = part[n:]
        if rest:
            self.parts[0] = rest
        else:
            self.parts.pop(0)
        return n


def test_a_600_mb_csv_line_costs_one_error_line_and_no_memory() -> None:
    source = io.BufferedReader(_HugeLine(600_000_000), buffer_size=1 << 20)
    out = io.StringIO()
    tracemalloc.start()
    try:
        tally = run_batch(RULESET, source, out, "csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    records = _records(out.getvalue())
    assert [(r["kind"], r.get("line")) for r in records] == [("error", 2), ("assessment", None)]
    assert (tally.records, tally.rejected) == (2, 1)
    assert peak < 8 * MAX_LINE_BYTES


csv_lines_in = st.lists(st.one_of(
    st.just(GOOD_ROW), st.just(""), st.just("flat,yes"),
    st.text(alphabet=st.sampled_from(list('abc,;"\r 01\x00é')), max_size=20),
), max_size=12)


@PROPERTY
@given(st.sampled_from([HEADER, HEADER.replace(",", ";"), 'arch,"x', "bogus", ""]),
       csv_lines_in)
def test_every_csv_line_has_its_output_line_and_bad_lines_touch_no_other(
        header: str, rows: list[str]) -> None:
    """One output line per physical data line, in order, numbered as the input; and a good
    row is assessed exactly as it is alone, whatever stands around it."""
    text = "\n".join([header, *rows]) + "\n"
    out = _csv(text)
    if not rows and not header.startswith(("arch,o", "arch;o")):
        assert [(o["kind"], o["line"]) for o in out] == [("error", 1)]
        return
    assert len(out) == len(rows)
    for number, (row, record) in enumerate(zip(rows, out, strict=True), 2):
        if record["kind"] == "error":
            assert record["line"] == number and "\n" not in record["error"]
        if row == GOOD_ROW and header == HEADER:
            assert record == _csv(f"{header}\n{row}\n")[0]


# --- 9. a full disk -------------------------------------------------------------------------

def test_a_full_disk_says_so_and_is_not_a_bug(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text((GOOD_LINE + "\n") * 50)
    done = _shell(f"$IA batch '{path}' > /dev/full")
    assert done.returncode == 1
    _one_line(done.stderr, "insertadvisor: error: cannot write the output: no space left "
                           "on device")


class _FillsUp(io.RawIOBase):
    """A file system with room for `room` bytes: a write that does not fit is short, the
    next fails with ENOSPC, as a real full disk does. Seekable, so a cut can be made."""

    def __init__(self, room: int, step: int | None = None) -> None:
        self.data = bytearray()
        self.room = room
        self.step = step  # most bytes written per call (short writes), if set

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        free = self.room - len(self.data)
        if free <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = min(len(b), free, self.step or len(b))
        self.data += bytes(b[:n])
        return n

    def tell(self) -> int:
        return len(self.data)

    def truncate(self, size: int | None = None) -> int:
        del self.data[size:]
        return len(self.data)


def _reference(count: int) -> list[dict[str, Any]]:
    out = io.StringIO()
    run_batch(RULESET, io.BytesIO(((GOOD_LINE + "\n") * count).encode()), out)
    return _records(out.getvalue())


REFERENCE = _reference(1)[0]


@PROPERTY
@given(st.integers(0, 40_000), st.integers(1, 400), st.one_of(st.none(),
                                                              st.integers(1, 5000)))
def test_wherever_the_disk_fills_the_output_ends_on_a_whole_line(room: int, count: int,
                                                                 step: int | None) -> None:
    """Any room left, any number of lines, any short writes: whole lines, each a result."""
    source = io.BytesIO(((GOOD_LINE + "\n") * count).encode())
    sink = _FillsUp(room, step)
    try:
        run_batch(RULESET, source, cast("IO[Any]", sink))  # a raw stream, as a file's is
    except OutputError as exc:
        text = sink.data.decode()
        assert text == "" or text.endswith("\n")
        written = text.splitlines()
        assert all(json.loads(line) == REFERENCE for line in written)
        assert str(exc).startswith("cannot write the output: no space left on device")
        assert f"ends after {len(written):,} whole lines" in str(exc)
    else:
        assert _records(sink.data.decode()) == [REFERENCE] * count


def test_a_real_file_size_limit_mid_line_is_cut_back_to_a_whole_line(tmp_path: Path) -> None:
    """The kernel's own short write (RLIMIT_FSIZE; Python ignores SIGXFSZ): the file is cut
    back to its last whole line, and the message says why it stopped."""
    path, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    path.write_text((GOOD_LINE + "\n") * 3000)
    limit = 200_001  # nowhere near a line's end

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    with out.open("wb") as sink:
        done = subprocess.run([*installed_command(), "batch", str(path)], stdout=sink,
                              stderr=subprocess.PIPE, text=True, timeout=120, check=False,
                              preexec_fn=small_disk)
    assert done.returncode == 1
    line = _one_line(done.stderr, "cannot write the output: file too large")
    text = out.read_text()
    assert 0 < len(text) <= limit and text.endswith("\n")
    assert f"ends after {len(text.splitlines()):,} whole lines" in line
    assert all(json.loads(r)["kind"] == "assessment" for r in text.splitlines())


def test_short_writes_lose_nothing() -> None:
    sink = _FillsUp(10**9, step=7)
    source = io.BytesIO(((GOOD_LINE + "\n") * 30).encode())
    run_batch(RULESET, source, cast("IO[Any]", sink))  # a raw stream, as a file's is
    assert len(_records(sink.data.decode())) == 30


# --- 10. UTF-16 -----------------------------------------------------------------------------

ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_utf16_batch_input_is_refused_as_a_whole(tmp_path: Path, encoding: str,
                                                 fmt: str) -> None:
    text = (f"{GOOD_LINE}\n{GOOD_LINE}\n" if fmt == "jsonl"
            else f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW}\n")
    path = tmp_path / f"in.{fmt}"
    path.write_bytes(text.encode(encoding))
    for result in (run_cli(["batch", "--format", fmt, str(path)]),
                   run_bytes(["batch", "--format", fmt], text.encode(encoding))):
        assert result.status == 2
        assert result.stdout == ""  # not one line accepted
        _one_line(result.stderr, "text, not UTF-8", "iconv -f UTF-", "-Encoding utf8")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_utf16_answers_file_is_refused_with_how_to_convert(tmp_path: Path,
                                                           encoding: str) -> None:
    text = "arch: flat\noverpronation: yes\nleg_length_diff_mm: 0\npain_weeks: 3\n"
    path = tmp_path / "me.yaml"
    path.write_bytes(text.encode(encoding))
    name = encoding.upper().replace("UTF-", "UTF-").replace("-LE", "LE").replace("-BE", "BE")
    for result in (run_cli(["assess", "--answers", str(path), "--json"]),
                   run_bytes(["assess", "--answers", "-", "--json"], text.encode(encoding))):
        assert result.status == 2
        assert result.stdout == ""
        _one_line(result.stderr, f"is {name} text, not UTF-8",
                  f"iconv -f {name} -t UTF-8")


def test_a_real_powershell_redirect_through_a_pipe() -> None:
    data = b"\xff\xfe" + (GOOD_LINE + "\r\n").encode("utf-16-le") * 3
    done = subprocess.run([*installed_command(), "batch"], input=data, capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == b""
    _one_line(done.stderr.decode(), "batch stdin: is UTF-16 text, not UTF-8")


records = st.lists(st.fixed_dictionaries(
    {"arch": st.sampled_from(["flat", "high", "normal"]), "overpronation": st.just("yes"),
     "leg_length_diff_mm": st.integers(0, 100), "pain_weeks": st.integers(0, 5200)},
    optional={"age": st.integers(0, 130)}), min_size=1, max_size=5)


@PROPERTY
@given(records, st.sampled_from(ENCODINGS), st.booleans(), st.integers(0, 2))
def test_no_utf16_line_is_ever_accepted(answers: list[dict[str, Any]], encoding: str,
                                        csv_format: bool, blank: int) -> None:
    """Whatever the records, encoding, byte order and leading blank lines: refused as a
    whole, and a UTF-16 part after UTF-8 lines is rejected line by line, never read."""
    if csv_format:
        keys = [*GOOD, "age"]
        lines = [",".join(keys)] + [",".join(str(a.get(k, "")) for k in keys)
                                    for a in answers]
    else:
        lines = [json.dumps(a) for a in answers]
    text = "\n" * blank + "\n".join(lines) + "\n"
    fmt = "csv" if csv_format else "jsonl"
    whole = run_bytes(["batch", "--format", fmt], text.encode(encoding))
    assert whole.status == 2 and whole.stdout == ""
    head = ("\n".join(lines[:1]) + "\n").encode()
    tail = "\n".join(lines[1:] or lines).encode(encoding)
    mixed = run_bytes(["batch", "--format", fmt], head + tail + b"\n")
    assert all(r["kind"] == "error" for r in _records(mixed.stdout)[0 if csv_format else 1:])


def test_the_per_line_fallback_names_utf16() -> None:
    """UTF-16 after more UTF-8 than the first look covers: each such line is rejected."""
    head = (GOOD_LINE + "\n").encode() * 100
    assert len(head) > 4096
    data = head + "\n".join([GOOD_LINE] * 2).encode("utf-16-le")
    out = _records(run_bytes(["batch"], data).stdout)
    assert all(r["kind"] == "assessment" for r in out[:100])
    assert out[100:] and all(r["kind"] == "error" for r in out[100:])
    assert any("is the file UTF-16" in r["error"] for r in out[100:])


def test_unreadable_input_is_an_input_error(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(InputError, match="batch x: cannot read it"):
        run_batch(RULESET, io.BufferedReader(Broken()), io.StringIO(), where="batch x")


if sys.platform != "linux":  # /dev/full, RLIMIT_FSIZE and /proc are Linux's
    pytestmark = pytest.mark.skip(reason="Linux only")
