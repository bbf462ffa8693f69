"""Batch assessments: one answers record per input line in, one JSON line per record out.

Pure and streaming: records are read, assessed and written one at a time, so memory
stays flat however long the input is. A bad record becomes an error line and the batch
goes on; the caller learns how many were rejected from the returned `Tally`.

The rule set is loaded once by the caller; per record the work is decoding one JSON line
(insertadvisor.answers.JSON_DECODER: duplicate keys refused, long numbers exact), the
answers' validation (`parse_mapping`, the same code as flags and answers files), the
assessment and one compact json.dumps.

Input is read as bytes, line by line (JSONL and CSV alike), each line at most
MAX_LINE_BYTES, so one bad line (not UTF-8, a stray quote, 600 MB long) costs only its
own output line. Output is written in whole lines: a full disk or an interrupt never
leaves half a line at the end (see `_Lines`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from insertadvisor.answers import (
    JSON_DECODER,
    AnswerError,
    DuplicateKey,
    complete,
    is_fhir_resource,
    parse_mapping,
)
from insertadvisor.assessment import SCHEMA_VERSION, assess
from insertadvisor.errors import (
    InputError,
    OutputError,
    Problem,
    RulesetError,
    not_utf8,
    os_reason,
    wide_encoding,
)
from insertadvisor.model import Question, Ruleset

FORMATS = ("jsonl", "csv", "fhir")  # fhir: JSON lines in, one FHIR Bundle per line out
MAX_LINE_BYTES = 1_000_000  # one person's answers fit in far less; longer lines are rejected
# (the limit is on a line without its newline: a line of exactly MAX_LINE_BYTES is read)
SET_SEPARATOR = ";"  # CSV cells of set answers (symptoms): ids separated by ";"


class Tally:
    """What a batch did: records read and records rejected."""

    __slots__ = ("gap", "gaps", "records", "rejected")

    def __init__(self) -> None:
        self.records = 0
        self.rejected = 0
        # records the rule set could not decide (a gap): the first one's problem, and how
        # many
        self.gap: Problem | None = None
        self.gaps = 0


def error_line(line: int, message: str) -> str:
    """The contract's error object for a rejected record, as one compact JSON line."""
    return _dumps({"schema_version": SCHEMA_VERSION, "kind": "error", "line": line,
                   "error": message})


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Assessor:
    """Assess validated records against one rule set; the per-record hot path.

    `fhir`: each result is written as a FHIR Bundle (insertadvisor.fhir) instead of the
    assessment object. A record that is a FHIR QuestionnaireResponse (it has
    `resourceType`) is read as its answers, whatever the output.
    """

    def __init__(self, ruleset: Ruleset, fhir: bool = False) -> None:
        self.ruleset = ruleset
        self.questions: tuple[Question, ...] = ruleset.questions["assess"]
        self.by_id = {q.id: q for q in self.questions}
        self.required = tuple(q.id for q in self.questions if q.required)
        self.gaps: list[Problem] = []  # the problem of each record the rule set left open
        self.fhir = fhir

    def line_for(self, raw: Any, line: int) -> tuple[str, bool]:
        """(output line, rejected?) for one decoded record (a mapping of raw answers)."""
        if not isinstance(raw, dict):
            kind = "a list" if isinstance(raw, list) else "a single value"
            return _rejected(line, f"the record is {kind}; each line must be a JSON object "
                                   "of answers, like {\"arch\": \"flat\", ...}")
        try:
            if is_fhir_resource(raw):  # FHIR imported only for such records
                from insertadvisor.fhir import response_answers

                raw = response_answers(self.ruleset, "assess", raw, f"line {line}")
            answers = parse_mapping(self.questions, raw, f"line {line}", stage="assess")
        except AnswerError as exc:
            return error_line(line, str(exc)), True
        missing = [key for key in self.required if key not in answers]
        if missing:
            return _rejected(line, f"missing required key{'s' if len(missing) > 1 else ''} "
                                   f"{', '.join(missing)} (\"unknown\" is accepted where it "
                                   "fits)")
        try:
            result = assess(self.ruleset, complete(self.questions, answers))
        except RulesetError as exc:
            # A gap in the rule set is the rule set's fault, not this record's, and not
            # the next records': this line says so, the batch goes on, and ends with 3.
            self.gaps.append(exc.problems[0])
            return _rejected(line, "the rule set decides nothing for these answers ("
                                   f"{exc.problems[0].message}); see the error at the end")
        if self.fhir:
            from insertadvisor.fhir import bundle

            return _dumps(bundle(self.ruleset, result)), False
        return _dumps(result), False


def _rejected(line: int, message: str) -> tuple[str, bool]:
    return error_line(line, f"line {line}: {message}"), True


TOO_LONG = (f"longer than {MAX_LINE_BYTES} bytes; a record holds one person's answers")
NUL_HINT = ("contains NUL bytes; is the file UTF-16 (as PowerShell's `>` writes it)? convert "
            "it to UTF-8, e.g. `iconv -f UTF-16 -t UTF-8 FILE > converted`")


class _Bad:
    """Why an input line cannot be read."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _decode(line: bytes | str | None, number: int) -> str | _Bad:
    """One input line as text (line 1 without a byte-order mark), or why it is unreadable."""
    if line is None:
        return _Bad(TOO_LONG)
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            return _Bad("is not UTF-8 text")
    return line[1:] if number == 1 and line.startswith("\ufeff") else line


def jsonl_lines(assessor: Assessor,
                lines: Iterable[bytes | str | None]) -> Iterator[tuple[str, bool]]:
    """(output line, rejected?) for each input line of JSONL, in order (None: too long)."""
    decode = JSON_DECODER.decode
    for number, line in enumerate(lines, 1):
        text = _decode(line, number)
        if isinstance(text, _Bad):
            yield _rejected(number, text.reason)
            continue
        if not text.strip():
            yield _rejected(number, "empty line")
            continue
        try:
            raw = decode(text)
        except DuplicateKey as exc:
            yield _rejected(number, f"duplicate key {exc.key!r}; give each answer once")
            continue
        except json.JSONDecodeError as exc:
            yield _rejected(number, NUL_HINT if "\0" in text else
                            f"invalid JSON at column {exc.colno}: {exc.msg}")
            continue
        except RecursionError:
            yield _rejected(number, "nested too deeply")
            continue
        except ValueError:  # an integer longer than int() reads (sys.get_int_max_str_digits)
            yield _rejected(number, "a number with too many digits")
            continue
        yield assessor.line_for(raw, number)


def csv_lines(assessor: Assessor,
              lines: Iterable[bytes | str | None]) -> Iterator[tuple[str, bool]]:
    """(output line, rejected?) for each data line of CSV: a header line of answer keys first.

    One output line per data line, in order; `line` is the input line (the header is line
    1; it has an output line of its own only when it is unusable and no data line follows,
    else each data line's error says what is wrong with it). A record is one line: a bad
    line (a stray quote, a quoted line break, not UTF-8, too long) is rejected alone.

    The delimiter is `,`, or `;` when the header has `;` and no `,` (as spreadsheets with a
    decimal comma write CSV); numbers then use a decimal comma (2,5), and a decimal point,
    which could be a thousands separator there, is refused. An empty cell is unknown where
    unknown is accepted, else not given; set answers (symptoms) are ids separated by ";"
    (quoted, in a `;` file).
    """
    numbered = enumerate(lines, 1)
    first = next(numbered, None)
    if first is None:
        return
    header, delimiter, problem = _header(assessor, first[1])
    kinds = {q.id: q.type for q in assessor.questions}
    unknowable = {q.id for q in assessor.questions if q.unknown}
    rows = 0
    for number, line in numbered:
        rows += 1
        if problem is not None:
            yield _rejected(number, problem)
            continue
        text = _text(line, number)
        cells = text if isinstance(text, _Bad) else _cells(text, delimiter)
        if isinstance(cells, _Bad):
            yield _rejected(number, cells.reason)
        elif not any(cell.strip() for cell in cells):
            yield _rejected(number, "empty line")
        elif len(cells) != len(header):
            yield _rejected(number, f"{len(cells)} cells, but the header has "
                                     f"{len(header)} columns")
        else:
            raw = _record(header, cells, kinds, unknowable, delimiter)
            yield _rejected(number, raw.reason) if isinstance(raw, _Bad) \
                else assessor.line_for(raw, number)
    if problem is not None and rows == 0:
        yield _rejected(1, problem)


def _record(header: list[str], cells: list[str], kinds: dict[str, str],
            unknowable: set[str], delimiter: str) -> dict[str, Any] | _Bad:
    """The raw answers of one row of cells, for the same validation as a JSON record."""
    raw: dict[str, Any] = {}
    for name, text in zip(header, cells, strict=True):
        cell = text.strip()
        if kinds[name] == "set":
            raw[name] = [i.strip() for i in cell.split(SET_SEPARATOR) if i.strip()]
        elif cell:
            if delimiter == ";" and kinds[name] in ("number", "integer"):
                if "." in cell and any(c.isdigit() for c in cell):
                    return _Bad(f"`{name}`: {cell!r} has a decimal point, but in a file "
                                "separated by `;` the decimal mark is a comma (2,5); a "
                                "point could be a thousands separator")
                cell = cell.replace(",", ".") if cell.count(",") == 1 else cell
            raw[name] = cell
        elif name in unknowable:  # an empty cell is CSV's null: unknown
            raw[name] = None
    return raw


def _text(line: bytes | str | None, number: int) -> str | _Bad:
    """A CSV line as text without its newline, or why it is unreadable."""
    text = _decode(line, number)
    if isinstance(text, _Bad):
        return text
    if "\0" in text:
        return _Bad(NUL_HINT)
    text = text[:-1] if text.endswith("\n") else text
    return text[:-1] if text.endswith("\r") else text


def _cells(text: str, delimiter: str) -> list[str] | _Bad:
    """The cells of one line of CSV, read on its own."""
    limit = csv.field_size_limit(MAX_LINE_BYTES)  # a cell may be as long as its line
    try:
        return next(csv.reader((text,), delimiter=delimiter, strict=True), [])
    except csv.Error as exc:
        if str(exc) == "unexpected end of data":
            return _Bad("a quoted cell is not closed on this line (each record is one "
                        "line; a cell may not hold a line break)")
        return _Bad(f"unreadable CSV: {exc}")
    finally:
        csv.field_size_limit(limit)


def _header(assessor: Assessor,
            line: bytes | str | None) -> tuple[list[str], str, str | None]:
    """(columns, delimiter, why the header is unusable or None) from the first line."""
    text = _text(line, 1)
    delimiter = ";" if isinstance(text, str) and ";" in text and "," not in text else ","
    cells = text if isinstance(text, _Bad) else _cells(text, delimiter)
    if isinstance(cells, _Bad):
        return [], delimiter, f"the CSV header (line 1) is unreadable: {cells.reason}"
    header = [name.strip() for name in cells]
    unknown = [name for name in header if name not in assessor.by_id]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if unknown or duplicated or not header:
        from insertadvisor.errors import did_you_mean

        problems = [f"unknown column {name!r}{did_you_mean(name, assessor.by_id)}"
                    for name in unknown] + [f"column {name!r} appears twice"
                                            for name in duplicated]
        listed = "; ".join(problems) or "no columns"
        return header, delimiter, (f"the CSV header is not usable ({listed}); columns are "
                                   f"answer keys: {', '.join(assessor.by_id)}")
    return header, delimiter, None


def run_batch(ruleset: Ruleset, source: IO[Any], out: IO[Any], fmt: str = "jsonl",
              progress: Callable[[int], None] | None = None, every: int = 4096, *,
              where: str = "batch", line_buffered: bool = False) -> Tally:
    """Assess every record of `source` (binary, or text) into `out` (text or binary).

    `fmt`: jsonl or csv records in, assessment lines out; fhir: JSON lines in (answers
    objects or QuestionnaireResponses), one FHIR Bundle per line out.

    `progress(records_done)` is called every `every` records, if given. `where` names the
    input in messages ("batch answers.jsonl"). `line_buffered` writes each line at once (a
    person typing records at a terminal sees each result); else whole lines go out in
    chunks. Raise InputError if the input cannot be read or is UTF-16, OutputError if the
    output cannot be written (it then ends on a whole line).
    """
    _refuse_wide(source, where)
    assessor = Assessor(ruleset, fhir=fmt == "fhir")
    lines = _bounded_lines(source, where)
    results = csv_lines(assessor, lines) if fmt == "csv" else jsonl_lines(assessor, lines)
    tally = Tally()
    sink = _Lines(out, line_buffered)
    write = sink.write
    try:
        for text, rejected in results:
            write(text)
            tally.records += 1
            if rejected:
                tally.rejected += 1
            if progress is not None and tally.records % every == 0:
                progress(tally.records)
    except BaseException as exc:
        if not isinstance(exc, (OutputError, BrokenPipeError)):
            sink.close(quietly=True)  # the results so far are whole lines: keep them
        raise
    sink.close()
    if assessor.gaps:
        tally.gap, tally.gaps = assessor.gaps[0], len(assessor.gaps)
    return tally


def _refuse_wide(source: IO[Any], where: str) -> None:
    """Refuse UTF-16 or UTF-32 input as a whole, before any line is read."""
    peek = getattr(source, "peek", None)
    if peek is None:
        return
    try:
        sample = peek(4096)[:4096]
    except (OSError, ValueError):
        return  # reading will say what is wrong
    encoding = wide_encoding(sample)
    if encoding is not None:
        name = where.removeprefix("batch ")
        raise not_utf8(where, encoding, "FILE" if name == "stdin" else name)


def _bounded_lines(source: IO[Any], where: str = "batch") -> Iterator[Any]:
    """The lines of `source`, each with its newline; None for a line longer than
    MAX_LINE_BYTES (not counting its newline), which is read through in chunks and never
    held, so a huge line neither exhausts memory nor stops the batch."""
    readline = source.readline
    limit = MAX_LINE_BYTES + 2  # the longest line accepted, and "\r\n"
    while True:
        try:
            line = readline(limit)
        except OSError as exc:
            raise InputError(f"{where}: cannot read it ({os_reason(exc)})") from None
        except UnicodeDecodeError:  # a text stream (stdin given as text)
            raise InputError(f"{where}: is not UTF-8 text") from None
        if not line:
            return
        if len(line) <= MAX_LINE_BYTES:
            yield line
            continue
        newline, cr = (b"\n", b"\r") if isinstance(line, bytes) else ("\n", "\r")
        ended = line.endswith(newline)
        body = line[:-1] if ended else line
        body = body[:-1] if body.endswith(cr) else body
        if not ended and len(line) == limit:  # cut short: skip the rest of the line
            while True:
                try:
                    rest = readline(limit)
                except OSError as exc:
                    raise InputError(f"{where}: cannot read it ({os_reason(exc)})") from None
                if not rest or rest.endswith(newline):
                    break
            yield None
            continue
        yield line if len(body) <= MAX_LINE_BYTES else None


CHUNK_BYTES = 1 << 16


class _Lines:
    """Output lines, written whole: buffered into chunks of about CHUNK_BYTES and written
    with one os-level write each (to the file descriptor under a text stream).

    When a write fails part-way (a full disk), the output is cut back to the end of the
    last whole line (ftruncate, where the output is a file), and OutputError says how many
    lines were written; an interrupt finishes the line being written first.
    """

    def __init__(self, out: IO[Any], line_buffered: bool) -> None:
        self.out = out
        self.each = line_buffered
        self.pending: list[str] = []
        self.size = 0
        self.lines = 0  # lines fully written
        self.raw = _raw_writer(out)

    def write(self, text: str) -> None:
        self.pending.append(text)
        self.size += len(text)
        if self.each or self.size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        text = "\n".join(self.pending) + "\n"
        count = len(self.pending)
        self.pending, self.size = [], 0
        if self.raw is None:
            self.out.write(text)
            self.out.flush()
        else:
            self._write_bytes(text.encode("utf-8", "backslashreplace"))
        self.lines += count

    def close(self, quietly: bool = False) -> None:
        try:
            self.flush()
        except (OSError, OutputError):
            if not quietly:
                raise

    def _write_bytes(self, data: bytes) -> None:
        raw = self.raw
        assert raw is not None
        view = memoryview(data)
        done = 0
        try:
            while done < len(data):
                done += raw.write(view[done:]) or 0
        except KeyboardInterrupt:
            end = data.find(b"\n", done) + 1  # finish the line being written
            try:
                while done < end:
                    done += raw.write(view[done:end]) or 0
            except BaseException:  # noqa: BLE001 - a second interrupt: cut the line instead
                self._cut(data, done)
            raise
        except BrokenPipeError:
            raise
        except OSError as exc:
            whole = self._cut(data, done)
            raise OutputError(f"cannot write the output: {os_reason(exc)} (it ends after "
                              f"{self.lines + whole:,} whole lines)") from None

    def _cut(self, data: bytes, done: int) -> int:
        """Cut a part-written line off the end of the output; the whole lines written."""
        boundary = data.rfind(b"\n", 0, done) + 1
        if done > boundary and self.raw is not None:
            # not a file (a pipe, a device): nothing can be taken back, nor needs to be
            with contextlib.suppress(OSError, ValueError):
                self.raw.truncate(self.raw.tell() - (done - boundary))
        return data.count(b"\n", 0, boundary)


def _raw_writer(out: IO[Any]) -> Any:
    """A binary writer of single os-level writes under `out`, or None to write text to it."""
    if not isinstance(out, io.TextIOBase):
        return out  # already binary (a raw file, or a test's writer)
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return None  # an in-memory text stream
    out.flush()
    with contextlib.suppress(OSError):  # a non-blocking stdout would make writes spin
        os.set_blocking(fd, True)
    return io.FileIO(fd, "w", closefd=False)
