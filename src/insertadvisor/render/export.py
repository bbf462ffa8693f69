"""Writing a report to a file for --output, atomically (a temp file, then a rename).

The format follows the suffix. (First cut: .txt and .json; the scripting issue adds
.html, .svg and .md.)
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from insertadvisor.errors import InputError
from insertadvisor.model import Ruleset


def _text(result: dict[str, Any], ruleset: Ruleset, explain: bool) -> str:
    from insertadvisor.render.text import render

    return render(result, ruleset, explain=explain)


def _json(result: dict[str, Any], ruleset: Ruleset, explain: bool) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"


FORMATS = {".txt": _text, ".json": _json}


def write_report(path: Path, result: dict[str, Any], ruleset: Ruleset,
                 explain: bool = False) -> None:
    """Write the report in the format of `path`'s suffix, replacing any old file whole."""
    make = FORMATS.get(path.suffix.lower())
    if make is None:
        raise InputError(f"--output {path}: unknown format {path.suffix or '(no suffix)'}; "
                         f"use one of {', '.join(FORMATS)}")
    atomic_write(path, make(result, ruleset, explain))


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to a temp file beside `path` and rename it over `path`."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"--output {path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
