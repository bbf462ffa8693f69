"""Reading an answers file (YAML or JSON, a path or `-` for stdin) into a mapping.

Bounded and safe: files over MAX_BYTES are refused, YAML is read with the safe located
loader (no Python tags, aliases bounded), and every failure is one InputError line.
Exact: a key given twice is refused (JSON's reader would keep the last), and numbers keep
the digits written (see insertadvisor.answers). UTF-16 (PowerShell's `>`) is refused as a
whole, with how to convert it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from insertadvisor.answers import JSON_DECODER, AnswerError, DuplicateKey
from insertadvisor.errors import not_utf8, reading, wide_encoding

MAX_BYTES = 64_000  # one person's answers are a few hundred bytes; YAML parses ~150 KB/s


def read_source(name: str, stdin: TextIO) -> str:
    """The text of `name`, or of stdin when it is `-`."""
    if name == "-":
        where = "stdin"
        buffer = getattr(stdin, "buffer", None)  # the bytes, so they are checked like a file's
        try:
            with reading("--answers stdin"):
                raw = buffer.read(MAX_BYTES + 1) if buffer is not None \
                    else stdin.read(MAX_BYTES + 1)
        except UnicodeDecodeError:
            raise AnswerError("--answers stdin: is not UTF-8 text") from None
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    else:
        path = Path(name)
        where = name
        if path.is_dir():
            raise AnswerError(f"--answers {name}: is a folder; give a YAML or JSON file")
        with reading(f"--answers {name}"), path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    encoding = wide_encoding(data[:4096])
    if encoding is not None:
        raise not_utf8(f"--answers {where}", encoding, "FILE" if name == "-" else name)
    if len(data) > MAX_BYTES:
        raise AnswerError(f"--answers {where}: larger than {MAX_BYTES} bytes; an answers "
                          "file holds one person's answers")
    if b"\0" in data:
        raise AnswerError(f"--answers {where}: looks binary; give a YAML or JSON file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnswerError(f"--answers {where}: is not UTF-8 text") from None


def parse_text(text: str, where: str) -> dict[Any, Any]:
    """Parse answers text: JSON when it looks like JSON, YAML otherwise."""
    if not text.strip():
        raise AnswerError(f"--answers {where}: is empty; give a mapping of answers, "
                          "like `arch: flat`")
    if text.lstrip().startswith(("{", "[")):
        try:
            data = JSON_DECODER.decode(text)
        except DuplicateKey as exc:
            raise AnswerError(f"--answers {where}: duplicate key {exc.key!r}; give each "
                              "answer once") from None
        except json.JSONDecodeError as exc:
            raise AnswerError(f"--answers {where}:{exc.lineno}:{exc.colno}: invalid JSON: "
                              f"{exc.msg}") from None
        except RecursionError:
            raise AnswerError(f"--answers {where}: nested too deeply") from None
        except ValueError:  # a number longer than int() reads (sys.get_int_max_str_digits)
            raise AnswerError(f"--answers {where}: a number with too many digits") from None
    else:
        from insertadvisor.rules_io.yaml_loader import YamlProblem, load

        try:
            data = load(text, decimals=True)
        except YamlProblem as exc:
            raise AnswerError(f"--answers {where}:{exc.line}:{exc.column}: "
                              f"{exc.message}") from None
    if data is None:  # only comments, or an empty document
        raise AnswerError(f"--answers {where}: is empty; give a mapping of answers, "
                          "like `arch: flat`")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise AnswerError(f"--answers {where}: the top level is {kind}; it must be a mapping "
                          "of answers, like `arch: flat`")
    return data
