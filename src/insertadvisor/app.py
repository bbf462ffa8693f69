"""The Typer application: the commands and their options, built from the chosen rule set.

Imported only when there is a command line to parse (see cli.run). The answer options of
`assess` and `checkin` come from the questions of the rule set the command will run
(`--rules DIR`, else $INSERTADVISOR_RULES, else the packaged one), so a rule set's own
questions get their flags and nothing it does not ask can be passed.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from insertadvisor import __version__
from insertadvisor.commands import assess
from insertadvisor.environment import Environment
from insertadvisor.loading import load_ruleset


def _version(ctx: typer.Context, value: bool) -> None:
    if value:
        ctx.obj.stdout.write(f"insertadvisor {__version__}\n")
        raise typer.Exit()


# Which module registers each command. A run builds only the command it runs (help and
# unknown names build them all), so `assess` pays nothing for the others' options.
COMMAND_MODULES = {"assess": "assess", "checkin": "assess", "batch": "batch",
                   "rules": "rules", "schema": "schema"}


def build_app(env: Environment, command: str | None = None,
              rules: str | None = None) -> typer.Typer:
    """The Typer app, with the answer options of the rule set `rules` (a --rules value;
    None: $INSERTADVISOR_RULES, else the packaged one).

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
        ruleset = load_ruleset(env.rules_dir(rules), cache=env.cache_dir)
        assess.register(app, ruleset.questions)
    for name in ("batch", "rules", "schema"):
        if only in (None, name):
            importlib.import_module(f"insertadvisor.commands.{name}").register(app)
    return app


def command_of(args: list[str]) -> str | None:
    """The command a command line runs: its first word that is not an option."""
    return next((a for a in args if not a.startswith("-")), None)


def rules_option(args: list[str]) -> str | None:
    """The value of `--rules` on a command line (its last one), read before the options
    are parsed, because the options themselves depend on the rule set."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--rules" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--rules="):
            found = arg.split("=", 1)[1]
    return found
