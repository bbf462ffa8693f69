"""The command line's entry: run a command and turn every outcome into an exit code.

Thin on purpose: the Typer app (insertadvisor.app) parses the options, the flows collect
answers and hand them to the core, and every error the project raises becomes one line on
stderr with its documented exit code (README.md, docs/cli.md).

The exit status tells the truth whatever happens to the streams: a full or closed stderr
loses the messages, never the status; a closed stdin is an input error; a full or closed
stdout is reported as such (exit 1, not a bug); and a closed output pipe (`| head`) ends
the run quietly with 0, or with the failure status a command recorded before writing
(errors.note_failure), so `rules check | head` still fails.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

from insertadvisor.environment import Environment
from insertadvisor.errors import (
    FULL,
    ExitStatus,
    InputError,
    InsertAdvisorError,
    OutputError,
    RulesetError,
    clear_failure,
    noted_failure,
    os_reason,
)


class UsageProblem(InputError):
    """A command line Click could not parse: an unknown option, a missing value."""


# Commands that, given no options at all, have nothing to parse: on a terminal they start
# asking at once, without loading Typer first (most of the wait for the first question).
BARE_FLOWS = ("assess", "checkin")


VERSION_FLAGS = ("-V", "--version")


def _dispatch(args: list[str], env: Environment) -> int:
    if len(args) == 1 and args[0] in VERSION_FLAGS:  # answered whatever the rule set's state
        env.stdout.write(version_text(env))
        return ExitStatus.OK
    if len(args) == 1 and args[0] in BARE_FLOWS:
        from insertadvisor import flows

        getattr(flows, args[0])(env)
        return ExitStatus.OK
    return _parse_and_run(args, env)


def _parse_and_run(args: list[str], env: Environment) -> int:
    import typer

    from insertadvisor.app import build_app, command_of, rules_option

    try:
        command = typer.main.get_command(build_app(env, command_of(args), rules_option(args)))
        status = command.main(args, prog_name="insertadvisor", standalone_mode=False, obj=env)
    except typer.TyperException as exc:  # Click's usage errors: bad flags and values
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `insertadvisor`: show help
            env.stdout.write(exc.format_message() + "\n")
            return ExitStatus.OK
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        hint = "" if "--help" in message else " (see insertadvisor --help)"
        raise UsageProblem(f"{message}{hint}") from None
    except typer.Abort:
        raise KeyboardInterrupt from None
    return status if isinstance(status, int) else ExitStatus.OK


def run(argv: list[str] | None = None, env: Environment | None = None) -> int:
    """Run the command line; return the exit status instead of exiting."""
    args = list(sys.argv[1:] if argv is None else argv)
    env = env or Environment()
    clear_failure()
    debug = env.environ.get("INSERTADVISOR_DEBUG") == "1"
    try:
        args, flagged = _take_debug(args, env)
        debug = debug or flagged
        status = _dispatch(args, env)
        env.stdout.flush()  # here, not at exit: a failure to write is reported like any
    except KeyboardInterrupt:
        return _fail(env, "interrupted", ExitStatus.INTERRUPTED)
    except RulesetError as exc:
        for problem in exc.problems:
            env.say(str(problem))  # one line each
        return _fail(env, f"error: invalid rule set ({len(exc.problems)} problem"
                          f"{'s' if len(exc.problems) != 1 else ''})", ExitStatus.INVALID_RULES)
    except InsertAdvisorError as exc:
        if exc.exit_status == ExitStatus.INTERRUPTED:  # the person stopped it: not an error
            return _fail(env, str(exc), exc.exit_status)
        if isinstance(exc, OutputError):
            _silence(env.stdout)
        return _fail(env, f"error: {exc}", noted_failure() or exc.exit_status)
    except BrokenPipeError:
        _silence(env.stdout)
        return noted_failure() or ExitStatus.OK
    except SystemExit as exc:
        # Typer turns a closed output pipe (`| head`) into sys.exit(1); it is not an error.
        if isinstance(exc.__context__, BrokenPipeError):
            _silence(env.stdout)
            return noted_failure() or ExitStatus.OK
        raise
    except OSError as exc:
        if exc.errno not in FULL:
            return _internal_error(env, exc, debug)
        _silence(env.stdout)  # a full disk under stdout (or under --help's output)
        return _fail(env, f"error: cannot write the output: {os_reason(exc)}",
                     noted_failure() or ExitStatus.INTERNAL_ERROR)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
        return _internal_error(env, exc, debug)
    if status == ExitStatus.INTERRUPTED:  # Click turns Ctrl-C into exit status 130
        return _fail(env, "interrupted", ExitStatus.INTERRUPTED)
    return status


def version_text(env: Environment) -> str:
    """What -V prints: the version, and the rule set a run uses unless told otherwise
    (--rules), with its folder when $INSERTADVISOR_RULES chose it. An invalid one does not
    stop -V: it says so."""
    from insertadvisor import __version__
    from insertadvisor.environment import ENV_RULES
    from insertadvisor.loading import load_ruleset

    folder = env.rules_dir()
    where = f" ({folder}, from ${ENV_RULES})" if env.environ.get(ENV_RULES) else ""
    try:
        ruleset = load_ruleset(folder, cache=env.cache_dir)
    except RulesetError as exc:
        line = (f"rule set: not valid ({len(exc.problems)} problem"
                f"{'s' if len(exc.problems) != 1 else ''}){where}; `insertadvisor rules "
                f"validate {folder}` lists them")
    else:
        line = f"rule set: {ruleset.name} {ruleset.version}{where}"
    return f"insertadvisor {__version__}\n{line}\n"


def _internal_error(env: Environment, exc: Exception, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exc(file=env.stderr)  # (the Environment's stderr cannot fail)
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return _fail(env, f"internal error: {detail}. This is a bug; please report it "
                      f"{report_to()} with the command you ran (--debug shows the details).",
                 ExitStatus.INTERNAL_ERROR)


def _fail(env: Environment, message: str, status: int) -> int:
    env.error(message)
    return status


def report_to() -> str:
    """Where to report a bug: the project's issue tracker as its package metadata names
    it (pyproject.toml [project.urls]), else its maintainers."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("insertadvisor").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    named = dict(u.split(", ", 1) for u in urls if ", " in u)
    url = named.get("Issues") or named.get("Homepage")
    return f"at {url}" if url else "to the maintainers of insertadvisor"


def _silence(stream: Any) -> None:
    """Point a real stdout at devnull, so Python's flush at exit stays quiet and cannot
    change the exit status (a closed pipe, a full disk)."""
    if stream is not sys.stdout or stream is None:
        return  # an in-memory stream (in-process tests), or already closed
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (AttributeError, ValueError, OSError):
        pass


# --- --debug -------------------------------------------------------------------------------

def _take_debug(args: list[str], env: Environment) -> tuple[list[str], bool]:
    """`args` without the --debug flag, and whether it was given.

    --debug is a flag wherever it stands, but only where it is a flag: not after `--`, and
    not as the value of an option that takes one (`--answers --debug` reads a file named
    --debug). The same scan checks --output's text, which pathlib would change (`x.html/`).
    """
    if "--debug" not in args and not any(_slashed_output(args, i) for i in range(len(args))):
        return args, False
    takes_value = _value_options(args, env)
    kept: list[str] = []
    debug = False
    value_of: str | None = None
    for i, arg in enumerate(args):
        if value_of is not None:
            if value_of == "--output":
                from insertadvisor.render.export import check_output_name

                check_output_name(arg)
            kept.append(arg)
            value_of = None
            continue
        if arg == "--":
            kept += args[i:]
            break
        if arg == "--debug":
            debug = True
            continue
        if arg.startswith("--output="):
            from insertadvisor.render.export import check_output_name

            check_output_name(arg.removeprefix("--output="))
        if arg in takes_value:
            value_of = arg
        kept.append(arg)
    return kept, debug


def _slashed_output(args: list[str], i: int) -> bool:
    arg = args[i]
    value = arg.removeprefix("--output=") if arg.startswith("--output=") else \
        args[i + 1] if arg == "--output" and i + 1 < len(args) else ""
    return value.endswith(("/", os.sep))


def _value_options(args: list[str], env: Environment) -> frozenset[str]:
    """The names of every option of the command line's command that takes a value."""
    import typer

    from insertadvisor.app import build_app, command_of, rules_option

    names: set[str] = set()

    def walk(command: Any) -> None:  # Typer's own (vendored) Click objects
        for param in command.params:
            if param.param_type_name == "option" and not param.is_flag and not param.count:
                names.update(param.opts)
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    try:
        app = build_app(env, command_of(args), rules_option(args))
    except RulesetError:  # (an unusable --rules is reported when the command runs)
        app = build_app(env, command_of(args))
    walk(typer.main.get_command(app))
    return frozenset(names)


def main() -> NoReturn:
    """The console script."""
    sys.exit(run())
