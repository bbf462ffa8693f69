"""The command line: build the Typer app, run it, and turn every outcome into an exit code.

Thin on purpose: commands collect answers and hand them to the core; every error the
project raises becomes one line on stderr and the exit code of design.md.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, NoReturn

import typer

from insertadvisor import __version__
from insertadvisor.commands import assess
from insertadvisor.environment import Environment
from insertadvisor.errors import ExitStatus, InsertAdvisorError, RulesetError
from insertadvisor.loading import load_ruleset, packaged_rules_dir

REPORT_URL = "https://github.com/insertadvisor/insertadvisor/issues"


def _version(ctx: typer.Context, value: bool) -> None:
    if value:
        ctx.obj.stdout.write(f"insertadvisor {__version__}\n")
        raise typer.Exit()


# Which module registers each command. A run builds only the command it runs (help and
# unknown names build them all), so `assess` pays nothing for the others' options.
COMMAND_MODULES = {"assess": "assess", "checkin": "assess", "batch": "batch",
                   "rules": "rules", "schema": "schema"}


def build_app(command: str | None = None) -> typer.Typer:
    """The Typer app, with the answer options taken from the packaged questions.

    With `command` (a name of COMMAND_MODULES), only that command's module is registered.
    """
    only = COMMAND_MODULES.get(command or "")
    app = typer.Typer(
        name="insertadvisor",
        help="Decide about foot inserts for back pain, and know when to see a doctor "
             "instead.\n\nExample: insertadvisor assess",
        rich_markup_mode=None,  # plain Click help: no Rich import to print --help
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )

    @app.callback()
    def root(
        version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                              help="Show the version and exit.")] = False,
        debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an "
                                            "internal error.")] = False,
    ) -> None:
        """Decide about foot inserts for back pain, and know when to see a doctor instead.

        Example: insertadvisor assess
        """

    if only in (None, "assess"):
        assess.register(app, load_ruleset(packaged_rules_dir()).questions)
    for name in ("batch", "rules", "schema"):
        if only in (None, name):
            _register_optional(app, name)
    return app


def _command_of(args: list[str]) -> str | None:
    """The command a command line runs: its first word that is not an option."""
    return next((a for a in args if not a.startswith("-")), None)


def _register_optional(app: typer.Typer, name: str) -> None:
    import importlib

    try:
        module = importlib.import_module(f"insertadvisor.commands.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"insertadvisor.commands.{name}":
            raise
        return
    module.register(app)


def run(argv: list[str] | None = None, env: Environment | None = None) -> int:
    """Run the command line; return the exit status instead of exiting."""
    args = list(sys.argv[1:] if argv is None else argv)
    env = env or Environment()
    debug = "--debug" in args or env.environ.get("INSERTADVISOR_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    try:
        command = typer.main.get_command(build_app(_command_of(args)))
        status = command.main(args, prog_name="insertadvisor", standalone_mode=False, obj=env)
    except typer.TyperException as exc:  # Click's usage errors: bad flags and values
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `insertadvisor`: show help
            env.stdout.write(exc.format_message() + "\n")
            return ExitStatus.OK
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        hint = "" if "--help" in message else " (see insertadvisor --help)"
        return _fail(env, f"error: {message}{hint}", ExitStatus.BAD_INPUT)
    except (typer.Abort, KeyboardInterrupt):
        return _fail(env, "interrupted", ExitStatus.INTERRUPTED)
    except RulesetError as exc:
        for problem in exc.problems:
            env.stderr.write(" ".join(str(problem).split()) + "\n")  # one line each
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
        return _fail(env, f"internal error: {detail}. This is a bug; please "
                          f"report it at {REPORT_URL} with the command you ran "
                          "(--debug shows the details).", ExitStatus.INTERNAL_ERROR)
    if status == ExitStatus.INTERRUPTED:
        return _fail(env, "interrupted", ExitStatus.INTERRUPTED)
    return status if isinstance(status, int) else ExitStatus.OK


def _fail(env: Environment, message: str, status: int) -> int:
    try:
        message = " ".join(message.split())  # one line, whatever the exception's text held
        env.stderr.write(f"insertadvisor: {message}\n")
        env.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    return status


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
