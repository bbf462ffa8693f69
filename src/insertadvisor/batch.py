"""Batch assessments: one answers record per input line in, one JSON line per record out.

Pure and streaming: records are read, assessed and written one at a time, so memory
stays flat however long the input is. A bad record becomes an error line and the batch
goes on; the caller learns how many were rejected from the returned `Tally`.

The rule set is loaded once by the caller; per record the work is decoding one JSON line
(insertadvisor.answers.JSON_DECODER: duplicate keys refused, long numbers exact), the
answers' validation (`parse_mapping`, the same code as flags and answers files), the
assessment and one compact json.dumps.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TextIO

from insertadvisor.answers import JSON_DECODER, AnswerError, DuplicateKey, complete, parse_mapping
from insertadvisor.assessment import SCHEMA_VERSION, assess
from insertadvisor.model import Question, Ruleset

FORMATS = ("jsonl", "csv")
MAX_LINE_BYTES = 1_000_000  # one person's answers fit in far less; longer lines are rejected
SET_SEPARATOR = ";"  # CSV cells of set answers (symptoms): ids separated by ";"


@dataclass(slots=True)
class Tally:
    """What a batch did: records read and records rejected."""

    records: int = 0
    rejected: int = 0


def error_line(line: int, message: str) -> str:
    """The contract's error object for a rejected record, as one compact JSON line."""
    return _dumps({"schema_version": SCHEMA_VERSION, "kind": "error", "line": line,
                   "error": message})


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Assessor:
    """Assess validated records against one rule set; the per-record hot path."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.questions: tuple[Question, ...] = ruleset.questions["assess"]
        self.by_id = {q.id: q for q in self.questions}
        self.required = tuple(q.id for q in self.questions if q.required)

    def line_for(self, raw: Any, line: int) -> tuple[str, bool]:
        """(output line, rejected?) for one decoded record (a mapping of raw answers)."""
        if not isinstance(raw, dict):
            kind = "a list" if isinstance(raw, list) else "a single value"
            return _rejected(line, f"the record is {kind}; each line must be a JSON object "
                                   "of answers, like {\"arch\": \"flat\", ...}")
        try:
            answers = parse_mapping(self.questions, raw, f"line {line}", stage="assess")
        except AnswerError as exc:
            return error_line(line, str(exc)), True
        missing = [key for key in self.required if key not in answers]
        if missing:
            return _rejected(line, f"missing required key{'s' if len(missing) > 1 else ''} "
                                   f"{', '.join(missing)} (\"unknown\" is accepted where it "
                                   "fits)")
        return _dumps(assess(self.ruleset, complete(self.questions, answers))), False


def _rejected(line: int, message: str) -> tuple[str, bool]:
    return error_line(line, f"line {line}: {message}"), True


def jsonl_lines(assessor: Assessor, lines: Iterable[bytes | str]) -> Iterator[tuple[str, bool]]:
    """(output line, rejected?) for each input line of JSONL, in order."""
    decode = JSON_DECODER.decode
    for number, text in enumerate(lines, 1):
        if len(text) > MAX_LINE_BYTES:
            yield _rejected(number, f"longer than {MAX_LINE_BYTES} bytes; a "
                                     "record holds one person's answers")
            continue
        if not text.strip():
            yield _rejected(number, "empty line")
            continue
        try:
            raw = decode(text.decode("utf-8-sig" if number == 1 else "utf-8")
                         if isinstance(text, bytes) else text)
        except DuplicateKey as exc:
            yield _rejected(number, f"duplicate key {exc.key!r}; give each answer once")
            continue
        except json.JSONDecodeError as exc:
            yield _rejected(number, f"invalid JSON at column {exc.colno}: {exc.msg}")
            continue
        except UnicodeDecodeError:
            yield _rejected(number, "is not UTF-8 text")
            continue
        except RecursionError:
            yield _rejected(number, "nested too deeply")
            continue
        except ValueError:  # an integer longer than int() reads (sys.get_int_max_str_digits)
            yield _rejected(number, "a number with too many digits")
            continue
        yield assessor.line_for(raw, number)


def csv_lines(assessor: Assessor, lines: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """(output line, rejected?) for each data row of CSV: a header row of answer keys first.

    An empty cell is unknown where unknown is accepted, else not given; set answers
    (symptoms) are ids separated by ";". One
    output line per row; `line` is the input line the row ends on (the header is line 1).
    """
    reader = csv.reader(lines, strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        yield _rejected(1, f"unreadable CSV header: {exc}")
        return
    unknown = [name for name in header if name not in assessor.by_id]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    bad_header = None
    if unknown or duplicated or not header:
        from insertadvisor.errors import did_you_mean

        problems = [f"unknown column {name!r}{did_you_mean(name, assessor.by_id)}"
                    for name in unknown] + [f"column {name!r} appears twice"
                                            for name in duplicated]
        bad_header = (f"the CSV header is not usable ({'; '.join(problems) or 'no columns'}); "
                      f"columns are answer keys: {', '.join(assessor.by_id)}")
    sets = {q.id for q in assessor.questions if q.type == "set"}
    unknowable = {q.id for q in assessor.questions if q.unknown}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number = reader.line_num
            yield _rejected(number, f"unreadable CSV: {exc}")
            continue
        number = reader.line_num
        if bad_header is not None:
            yield _rejected(number, bad_header)
            continue
        if not row or not any(cell.strip() for cell in row):
            yield _rejected(number, "empty line")
            continue
        if len(row) != len(header):
            yield _rejected(number, f"{len(row)} cells, but the header has "
                                     f"{len(header)} columns")
            continue
        raw: dict[str, Any] = {}
        for name, text in zip(header, row, strict=True):
            cell = text.strip()
            if name in sets:
                raw[name] = [i.strip() for i in cell.split(SET_SEPARATOR) if i.strip()]
            elif cell:
                raw[name] = cell
            elif name in unknowable:  # an empty cell is CSV's null: unknown
                raw[name] = None
        yield assessor.line_for(raw, number)


def run_batch(ruleset: Ruleset, source: IO[Any], out: TextIO, fmt: str = "jsonl",
              progress: Callable[[int], None] | None = None, every: int = 4096) -> Tally:
    """Assess every record of `source` (binary or text for JSONL, text for CSV) into `out`.

    `progress(records_done)` is called every `every` records, if given.
    """
    assessor = Assessor(ruleset)
    results = csv_lines(assessor, source) if fmt == "csv" else \
        jsonl_lines(assessor, _bounded_lines(source))
    tally = Tally()
    write = out.write
    for text, rejected in results:
        write(text + "\n")
        tally.records += 1
        if rejected:
            tally.rejected += 1
        if progress is not None and tally.records % every == 0:
            progress(tally.records)
    out.flush()
    return tally


def _bounded_lines(source: IO[Any]) -> Iterator[Any]:
    """The lines of `source`, none held longer than MAX_LINE_BYTES (+1) in memory.

    A longer line is read through in chunks and yielded as an over-long marker, so a
    huge line neither exhausts memory nor stops the batch.
    """
    readline = source.readline
    limit = MAX_LINE_BYTES + 1
    while True:
        line = readline(limit)
        if not line:
            return
        newline = b"\n" if isinstance(line, bytes) else "\n"
        if len(line) >= limit and not line.endswith(newline):
            while True:  # skip the rest of the over-long line
                rest = readline(limit)
                if not rest or rest.endswith(newline):
                    break
        yield line
