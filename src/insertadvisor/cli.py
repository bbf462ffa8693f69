"""The command line's entry: run a command and turn every outcome into an exit code.

Thin on purpose: the Typer app (insertadvisor.app) parses the options, the flows collect
answers and hand them to the core, and every error the project raises becomes one line on
stderr with its documented exit code (README.md, docs/cli.md).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

from insertadvisor.environment import Environment
from insertadvisor.errors import ExitStatus, InputError, InsertAdvisorError, RulesetError


class UsageProblem(InputError):
    """A command line Click could not parse: an unknown option, a missing value."""


# Commands that, given no options at all, have nothing to parse: on a terminal they start
# asking at once, without loading Typer first (most of the wait for the first question).
BARE_FLOWS = ("assess", "checkin")


def _dispatch(args: list[str], env: Environment) -> int:
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
    debug = "--debug" in args or env.environ.get("INSERTADVISOR_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    try:
        status = _dispatch(args, env)
    except KeyboardInterrupt:
        return _fail(env, "interrupted", ExitStatus.INTERRUPTED)
    except RulesetError as exc:
        for problem in exc.problems:
            _line(env, str(problem))
        return _fail(env, f"error: invalid rule set ({len(exc.problems)} problem"
                          f"{'s' if len(exc.problems) != 1 else ''})", ExitStatus.INVALID_RULES)
    except InsertAdvisorError as exc:
        if exc.exit_status == ExitStatus.INTERRUPTED:  # the person stopped it: not an error
            return _fail(env, str(exc), exc.exit_status)
        return _fail(env, f"error: {exc}", exc.exit_status)
    except BrokenPipeError:
        _silence_stdout()
        return ExitStatus.OK
    except SystemExit as exc:
        # Typer turns a closed output pipe (`| head`) into sys.exit(1); it is not an error.
        if isinstance(exc.__context__, BrokenPipeError):
            _silence_stdout()
            return ExitStatus.OK
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if debug:
            import traceback

            traceback.print_exc(file=env.stderr)
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return _fail(env, f"internal error: {detail}. This is a bug; please report it "
                          f"{report_to()} with the command you ran (--debug shows the "
                          "details).", ExitStatus.INTERNAL_ERROR)
    if status == ExitStatus.INTERRUPTED:  # Click turns Ctrl-C into exit status 130
        return _fail(env, "interrupted", ExitStatus.INTERRUPTED)
    return status


def _fail(env: Environment, message: str, status: int) -> int:
    env.error(message)
    return status


def _line(env: Environment, text: str) -> None:
    """One problem line on stderr, whatever the text held."""
    with contextlib.suppress(OSError, ValueError):
        env.stderr.write(" ".join(text.split()) + "\n")


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


def _silence_stdout() -> None:
    # Python flushes stdout at exit; point it at devnull so a closed pipe stays quiet.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, ValueError, OSError):  # no real stdout (in-process tests)
        pass


def main() -> NoReturn:
    """The console script."""
    sys.exit(run())
