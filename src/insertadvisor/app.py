"""The Typer application: the commands and their options, built from the chosen rule set.

Imported only when there is a command line to parse (see cli.run). The answer options of
`assess` and `checkin` come from the questions of the rule set the command will run
(`--rules DIR`, else $INSERTADVISOR_RULES, else the packaged one), so a rule set's own
questions get their flags and nothing it does not ask can be passed.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer

from insertadvisor.commands import assess
from insertadvisor.environment import Environment
from insertadvisor.loading import load_ruleset


def _version(ctx: typer.Context, value: bool) -> None:
    if value:  # (a bare -V never comes here: cli answers it before building the app)
        from insertadvisor.cli import version_text

        ctx.obj.stdout.write(version_text(ctx.obj))
        raise typer.Exit()


# Set by the shell's completion script (--install-completion) when it asks for completions.
COMPLETE_VAR = "_INSERTADVISOR_COMPLETE"


def _epilog() -> str:
    from insertadvisor.cli import report_to

    return ("Docs: `man insertadvisor`, and README.md and docs/ (cli.md: every command and "
            f"option) in the source distribution. Report bugs {report_to()}, with the "
            "command you ran and what `insertadvisor -V` prints.")


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
    # Shell completion's options and callbacks only where they can be used: on the root's
    # help and options (--show-completion), and when the shell asks for completions; not
    # on every run, whose start-up would pay for Typer's completion module.
    completing = COMPLETE_VAR in env.environ
    app = typer.Typer(
        name="insertadvisor",
        help="Decide about foot inserts for back pain, and know when to see a doctor "
             "instead.\n\nExample: insertadvisor assess",
        epilog=_epilog() if only is None else None,
        rich_markup_mode=None,  # plain Click help: no Rich import to print --help
        add_completion=only is None or completing,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )

    @app.callback()
    def root(
        version: Annotated[bool, typer.Option(
            "--version", "-V", callback=_version, is_eager=True,
            help="Show the version, and the name and version of the rule set used by "
                 "default, and exit.")] = False,
        debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an "
                                            "internal error.")] = False,
    ) -> None:
        """Decide about foot inserts for back pain, and know when to see a doctor instead.

        Example: insertadvisor assess
        """

    if only in (None, "assess", "batch"):
        folder = env.rules_dir(rules)
        ruleset = load_ruleset(folder, cache=env.cache_dir)
    if only in (None, "assess"):
        assess.register(app, ruleset.questions, complete=completing, loaded=(folder, ruleset),
                        only=command if only == "assess" else None)
    if only in (None, "batch"):
        from insertadvisor.commands import batch

        batch.register(app, ruleset.questions["assess"], loaded=(folder, ruleset))
    for name in ("rules", "schema"):
        if only in (None, name):
            importlib.import_module(f"insertadvisor.commands.{name}").register(app)
    if only is None:
        _register_help(app)
    return app


def _register_help(app: typer.Typer) -> None:
    @app.command("help")
    def help_(
        ctx: typer.Context,
        command: Annotated[list[str] | None, typer.Argument(
            metavar="[COMMAND]...", show_default=False,
            help="The command (and subcommand) to show the help of.")] = None,
    ) -> None:
        """Show the help of a command, as COMMAND --help does.

        \b
        Examples:
          insertadvisor help assess
          insertadvisor help rules check
        """
        from insertadvisor.errors import InputError, did_you_mean

        parent = ctx.parent or ctx
        for name in command or ():
            group: Any = parent.command  # (Typer's own Click: a group has get_command)
            found = group.get_command(parent, name) if hasattr(group, "get_command") \
                else None
            if found is None:
                known = group.list_commands(parent) if hasattr(group, "list_commands") else []
                raise InputError(f"help: no command {name!r} in `{parent.command_path}`"
                                 f"{did_you_mean(name, known)}; see `{parent.command_path} "
                                 "--help`")
            parent = found.make_context(name, [], parent=parent, resilient_parsing=True)
        ctx.obj.stdout.write(parent.get_help() + "\n")


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
