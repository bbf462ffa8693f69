"""The Typer application: the commands and their options, built from the questions.

Imported only when there is a command line to parse (see cli.run).
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from insertadvisor import __version__
from insertadvisor.commands import assess
from insertadvisor.loading import load_ruleset, packaged_rules_dir


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
            importlib.import_module(f"insertadvisor.commands.{name}").register(app)
    return app


def command_of(args: list[str]) -> str | None:
    """The command a command line runs: its first word that is not an option."""
    return next((a for a in args if not a.startswith("-")), None)
