"""Finding, hashing, validating and caching a rule set.

The hot path reads the rule files only to hash them (BLAKE2b, content_key); when a
compiled form with that hash is cached it is loaded with `marshal`, so neither YAML nor
validation runs, and the rule set's SHA-256 (its provenance, computed when it was
compiled) comes with it. A change to any file changes the hash and rebuilds the cache.
A cache entry is trusted only if it is a regular file of this user's, not writable by
others, and its content matches the digest stored with it (over the files' hash too);
anything else is ignored and rebuilt, and nothing at the cache's path can make a run wait
(it is opened without blocking).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hashlib import blake2b, sha256
else:
    try:  # CPython's own SHA-256: hashlib would load OpenSSL, a few ms of every start-up
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - Python 3.12+ and other Pythons
        from hashlib import sha256
    # The cache entry's own check: CPython's BLAKE2b (no OpenSSL either) reads the ~230 KB
    # entry about three times faster than its SHA-256 (0.5 ms, not 1.5), as hard to forge.
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - other Pythons
        from hashlib import blake2b

from insertadvisor import __version__
from insertadvisor.environment import packaged_rules_dir
from insertadvisor.errors import Problem, RulesetError, one_line
from insertadvisor.model import Ruleset

MAX_RULE_FILE_BYTES = 2_000_000
MAX_CACHE_BYTES = 20_000_000
# 6: invariants and tests marshalled apart (read when first used); 5: entries keyed and
# checked by BLAKE2b; 4: numbers read in base ten and exactly; 3: regions, interview, sources
CACHE_FORMAT = "6"
RULE_SUFFIX = ".yaml"

__all__ = ["load_ruleset", "packaged_rules_dir", "rule_files", "shown_path"]


def rule_files(directory: Path) -> list[Path]:
    """The rule set's files, in name order; raise RulesetError if the folder is unusable
    or holds a file that looks like a rule file but would not be read."""
    where = shown_path(directory)
    try:
        if not directory.exists():
            raise RulesetError([Problem(where, 1, 1, "no such rule-set folder; pass --rules "
                                                     "DIR with a folder of .yaml rule files")])
        if not directory.is_dir():
            raise RulesetError([Problem(where, 1, 1, "not a folder; --rules takes the folder "
                                                     "that holds the .yaml rule files")])
        entries = sorted(directory.iterdir())
    except PermissionError:
        raise RulesetError([Problem(where, 1, 1, "cannot read the rule-set folder "
                                                 "(permission denied)")]) from None
    files, problems = [], []
    for path in entries:
        suffix = path.suffix
        if suffix.lower() in (".yml", ".yaml") and suffix != RULE_SUFFIX:
            problems.append(Problem(shown_path(path), 1, 1, f"rule files end in {RULE_SUFFIX}; "
                                    f"rename it to {path.stem}{RULE_SUFFIX}"))
        elif suffix == RULE_SUFFIX and not path.is_file():
            problems.append(Problem(shown_path(path), 1, 1, "not a readable file (a broken link, "
                                                     "or a folder); remove or fix it"))
        elif suffix == RULE_SUFFIX:
            files.append(path)
    if problems:
        raise RulesetError(problems)
    if not files:
        raise RulesetError([Problem(where, 1, 1, "the folder holds no .yaml rule files")])
    return files


def read_files(files: list[Path]) -> dict[Path, bytes]:
    contents = {}
    for path in files:
        try:
            size = path.stat().st_size
            if size > MAX_RULE_FILE_BYTES:
                raise RulesetError([Problem(shown_path(path), 1, 1, f"file is {size} bytes; a rule "
                                            f"file may be at most {MAX_RULE_FILE_BYTES} bytes")])
            contents[path] = path.read_bytes()
        except OSError as exc:
            raise RulesetError([Problem(shown_path(path), 1, 1, f"cannot read it ({exc.strerror})")]
                               ) from None
    return contents


def fingerprint(contents: dict[Path, bytes]) -> str:
    """sha256 over every file's name and bytes: the rule set's provenance."""
    return _over_files(sha256(), contents)


def content_key(contents: dict[Path, bytes]) -> str:
    """BLAKE2b-256 over the same names and bytes: what the cache is looked up and its
    entries checked by. A warm run needs no SHA-256 of the files (the entry holds the
    one computed when it was compiled): BLAKE2b reads them about three times faster, and
    is as collision-resistant, so any change to a file still misses the entry."""
    return _over_files(blake2b(digest_size=32), contents)


def _over_files(digest: Any, contents: dict[Path, bytes]) -> str:
    for path, data in contents.items():
        digest.update(path.name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)  # (no copy of the file, as `name + data` would make)
        digest.update(b"\0")
    hexdigest: str = digest.hexdigest()
    return hexdigest


def load_ruleset(directory: Path | None = None, *, cache: Path | None = None,
                 use_cache: bool = True) -> Ruleset:
    """Load, validate and compile a rule set (default: the packaged one); raise
    RulesetError with every problem. `cache`: the folder of compiled rule sets."""
    directory = directory or packaged_rules_dir()
    contents = read_files(rule_files(directory))
    display = _display(directory)
    if not use_cache:
        return compile_ruleset(contents, fingerprint(contents), display)
    key = content_key(contents)
    loaded = _LOADED.get((str(directory), key))
    if loaded is None:
        cache_file = cache / f"{key[:32]}-{_cache_tag(display)}.marshal" \
            if cache is not None else None
        loaded = _read_cache(cache_file, key) if cache_file else None
        if loaded is None:
            loaded = compile_ruleset(contents, fingerprint(contents), display)
            if cache_file is not None:
                _write_cache(cache_file, loaded, key)
        _LOADED[(str(directory), key)] = loaded
    return loaded


# Rule sets this process has loaded, by folder and hash: the CLI needs the questions to
# build its options and then the rule set again to run the command.
_LOADED: dict[tuple[str, str], Ruleset] = {}


def _display(directory: Path) -> str:
    return shown_path(directory.name or str(directory))


def shown_path(path: Path | str) -> str:
    """A path as text that any output can hold (stderr, JSON, a report): a byte that is
    not UTF-8 (a folder named on another system) shown as `\\xff`, never a lone
    surrogate that would stop a write or make the JSON invalid UTF-8; a newline or control
    character escaped (errors.one_line)."""
    text = os.fspath(path)
    if text.isprintable():
        return text
    return one_line(os.fsencode(text).decode("utf-8", "backslashreplace"))


def compile_ruleset(contents: dict[Path, bytes], sha: str, display: str) -> Ruleset:
    """Parse and validate the files (the slow path: imports YAML)."""
    from insertadvisor.rules_io.yaml_loader import YamlProblem, load
    from insertadvisor.validate import Doc, build, yaml_message

    docs, problems = [], []
    for path, data in contents.items():
        shown, where = shown_path(path.name), shown_path(path)
        try:
            docs.append(Doc(where, f"{display}/{shown}", load(data.decode("utf-8"))))
        except UnicodeDecodeError:
            problems.append(Problem(where, 1, 1, "not UTF-8 text"))
        except YamlProblem as exc:
            problems.append(Problem(where, exc.line, exc.column, yaml_message(exc.message)))
    ruleset, found = build(docs, sha, incomplete=bool(problems)) if docs else (None, [])
    problems += found
    if ruleset is None or problems:
        raise RulesetError(problems or [Problem(display, 1, 1, "the rule set is empty")])
    return ruleset


def _cache_tag(display: str) -> str:
    # marshal's format and our compiled form differ between versions: key on both.
    raw = f"{CACHE_FORMAT}|{__version__}|{sys.version_info[:2]}|{display}"
    return sha256(raw.encode("utf-8", "replace")).hexdigest()[:16]


def _read_cache(path: Path, key: str) -> Ruleset | None:
    """The cached rule set, if the entry at `path` can be trusted and was written for the
    files whose content_key is `key`; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        owner = getattr(os, "getuid", lambda: info.st_uid)()
        if not stat.S_ISREG(info.st_mode) or info.st_uid != owner \
                or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) \
                or info.st_size > MAX_CACHE_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            blob = handle.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        digest, payload = blob[:64], blob[64:]
        if digest.decode("ascii") != _digest(key, payload):
            return None  # damaged, planted, or another rule set's
        data: Any = marshal.loads(payload)
        return Ruleset.from_data(data)
    except Exception:  # noqa: BLE001 - a stale or damaged entry is rebuilt, never fatal
        return None


def _digest(key: str, payload: bytes) -> str:
    """64 hex digits over the files' content_key and the marshal bytes (the entry's
    header): an entry is used only for the files it was compiled from, and only whole."""
    digest = blake2b(key.encode() + b"\0", digest_size=32)
    digest.update(payload)  # (no copy of the payload, as `sha + payload` would make)
    return digest.hexdigest()


def _write_cache(path: Path, ruleset: Ruleset, key: str) -> None:
    payload = marshal.dumps(ruleset.cache_data())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_digest(key, payload).encode("ascii") + payload)
        os.replace(tmp, path)
    except OSError:  # a read-only home only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
