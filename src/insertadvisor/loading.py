"""Finding, hashing, validating and caching a rule set.

The hot path reads the rule files only to hash them; when a compiled form with that
hash is cached it is loaded with `marshal`, so neither YAML nor validation runs. A change
to any file changes the hash and rebuilds the cache.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:  # CPython's own SHA-256: hashlib would load OpenSSL, a few ms of every start-up
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - Python 3.12+ and other Pythons
        from hashlib import sha256

from insertadvisor import __version__
from insertadvisor.errors import Problem, RulesetError
from insertadvisor.model import Ruleset

ENV_RULES = "INSERTADVISOR_RULES"
ENV_CACHE = "INSERTADVISOR_CACHE_DIR"
MAX_RULE_FILE_BYTES = 2_000_000
CACHE_FORMAT = "2"  # 2: test cases carry their file, line and column


def packaged_rules_dir() -> Path:
    """The default rule set: inside the installed package, or `rules/` of a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "rules"
    return installed if installed.is_dir() else here.parent.parent / "rules"


def resolve_rules_dir(option: str | Path | None) -> Path:
    """`--rules DIR`, else $INSERTADVISOR_RULES, else the packaged rule set."""
    chosen = option or os.environ.get(ENV_RULES)
    return Path(chosen) if chosen else packaged_rules_dir()


def rule_files(directory: Path) -> list[Path]:
    """The rule set's files, in name order; raise RulesetError if the folder is unusable."""
    where = str(directory)
    if not directory.exists():
        raise RulesetError([Problem(where, 1, 1, "no such rule-set folder; pass --rules DIR "
                                                 "with a folder of .yaml rule files")])
    if not directory.is_dir():
        raise RulesetError([Problem(where, 1, 1, "not a folder; --rules takes the folder "
                                                 "that holds the .yaml rule files")])
    files = sorted(p for p in directory.iterdir() if p.suffix == ".yaml" and p.is_file())
    if not files:
        raise RulesetError([Problem(where, 1, 1, "the folder holds no .yaml rule files")])
    return files


def read_files(files: list[Path]) -> dict[Path, bytes]:
    contents = {}
    for path in files:
        size = path.stat().st_size
        if size > MAX_RULE_FILE_BYTES:
            raise RulesetError([Problem(str(path), 1, 1, f"file is {size} bytes; a rule file "
                                        f"may be at most {MAX_RULE_FILE_BYTES} bytes")])
        contents[path] = path.read_bytes()
    return contents


def fingerprint(contents: dict[Path, bytes]) -> str:
    """sha256 over every file's name and bytes: the rule set's provenance."""
    digest = sha256()
    for path, data in contents.items():
        digest.update(path.name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def load_ruleset(option: str | Path | None = None, *, use_cache: bool = True) -> Ruleset:
    """Load, validate and compile the chosen rule set; raise RulesetError with every problem."""
    directory = resolve_rules_dir(option)
    contents = read_files(rule_files(directory))
    sha = fingerprint(contents)
    display = directory.name or str(directory)
    if not use_cache:
        return _load(contents, sha, display, use_cache)
    loaded = _LOADED.get((str(directory), sha))
    if loaded is None:  # else the same files, already loaded by this process
        loaded = _LOADED[str(directory), sha] = _load(contents, sha, display, use_cache)
    return loaded


# Rule sets this process has loaded, by folder and hash: the CLI needs the packaged
# questions to build its options and then the rule set again to run the command.
_LOADED: dict[tuple[str, str], Ruleset] = {}


def _load(contents: dict[Path, bytes], sha: str, display: str, use_cache: bool) -> Ruleset:
    cache_file = _cache_dir() / f"{sha[:32]}-{_cache_tag(display)}.marshal"
    if use_cache:
        cached = _read_cache(cache_file)
        if cached is not None:
            return cached
    ruleset = compile_ruleset(contents, sha, display)
    if use_cache:
        _write_cache(cache_file, ruleset)
    return ruleset


def compile_ruleset(contents: dict[Path, bytes], sha: str, display: str) -> Ruleset:
    """Parse and validate the files (the slow path: imports YAML)."""
    from insertadvisor.rules_io.yaml_loader import YamlProblem, load
    from insertadvisor.validate import Doc, Validator, yaml_message

    docs, problems = [], []
    for path, data in contents.items():
        try:
            text = data.decode("utf-8")
            docs.append(Doc(str(path), f"{display}/{path.name}", load(text)))
        except UnicodeDecodeError:
            problems.append(Problem(str(path), 1, 1, "not UTF-8 text"))
        except YamlProblem as exc:
            problems.append(Problem(str(path), exc.line, exc.column, yaml_message(exc.message)))
    validator = Validator(incomplete=bool(problems))
    ruleset = validator.build(docs, sha) if docs else None
    problems.extend(validator.problems)
    if ruleset is None or problems:
        raise RulesetError(problems or [Problem(display, 1, 1, "the rule set is empty")])
    return ruleset


def _cache_dir() -> Path:
    configured = os.environ.get(ENV_CACHE)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "insertadvisor"


def _cache_tag(display: str) -> str:
    # marshal's format and our compiled form differ between versions: key on both.
    raw = f"{CACHE_FORMAT}|{__version__}|{sys.version_info[:2]}|{display}"
    return sha256(raw.encode()).hexdigest()[:16]


def _read_cache(path: Path) -> Ruleset | None:
    try:
        return Ruleset.from_data(marshal.loads(path.read_bytes()))
    except Exception:  # noqa: BLE001 - a missing or stale cache is rebuilt, never fatal
        return None


def _write_cache(path: Path, ruleset: Ruleset) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(ruleset.to_data()))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs speed
