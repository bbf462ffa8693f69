"""The framework's floor: a bare Typer app with `assess`'s options that prints them as JSON.

    python benchmarks/floor_app.py assess --arch flat ... --json

A plain script: nothing of insertadvisor is imported, no rule set, no engine. What
start-up costs with Typer (and json) alone, for the start-up benchmark to measure what
`insertadvisor assess --json` adds over it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", help="Show the version.")] = False,
) -> None:
    """The floor app."""


@app.command()
def assess(
    arch: Annotated[str | None, typer.Option("--arch", help="Arch.")] = None,
    overpronation: Annotated[str | None, typer.Option("--overpronation", help="Ankles.")] = None,
    leg_length_diff_mm: Annotated[str | None, typer.Option("--leg-length-diff")] = None,
    pain_weeks: Annotated[str | None, typer.Option("--pain-weeks")] = None,
    symptoms: Annotated[list[str] | None, typer.Option("--symptom")] = None,
    age: Annotated[str | None, typer.Option("--age")] = None,
    tried_otc_weeks: Annotated[str | None, typer.Option("--tried-otc-weeks")] = None,
    footwear: Annotated[str | None, typer.Option("--footwear")] = None,
    region: Annotated[str | None, typer.Option("--region")] = None,
    pain_trend: Annotated[str | None, typer.Option("--pain-trend")] = None,
    first_episode: Annotated[str | None, typer.Option("--first-episode")] = None,
    lld_source: Annotated[str | None, typer.Option("--lld-source")] = None,
    before_45: Annotated[str | None, typer.Option("--pain-started-before-45")] = None,
    answers: Annotated[str | None, typer.Option("--answers")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    explain: Annotated[bool, typer.Option("--explain")] = False,
    explain_all: Annotated[bool, typer.Option("--explain-all")] = False,
    no_input: Annotated[bool, typer.Option("--no-input")] = False,
    rules: Annotated[Path | None, typer.Option("--rules")] = None,
    output: Annotated[Path | None, typer.Option("--output")] = None,
    no_color: Annotated[bool, typer.Option("--no-color")] = False,
) -> None:
    """Print the arguments as JSON."""
    print(json.dumps({key: str(value) if isinstance(value, Path) else value
                      for key, value in locals().items()}, indent=2))


@app.command()
def checkin(weeks_wearing: Annotated[str | None, typer.Option("--weeks-wearing")] = None) -> None:
    """A second command, as the real app has several."""
    print(json.dumps({"weeks_wearing": weeks_wearing}))


if __name__ == "__main__":
    app()
