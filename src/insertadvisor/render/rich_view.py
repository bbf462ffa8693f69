"""The report on a terminal, drawn with Rich: the main action first, coloured by urgency.

Colours and styles come from the rule set's levels; which sections are drawn dimmer is
report.QUIET. Only this module and export's SVG import Rich.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from insertadvisor.model import Ruleset
from insertadvisor.report import QUIET, Entry, Report


def make_console(stream: TextIO, colour: bool, width: int | None = None) -> Console:
    """A console that colours exactly when the Environment said so (a terminal, no NO_COLOR,
    no TERM=dumb, no --no-color): with colour off it writes no escape codes at all."""
    return Console(file=stream, no_color=not colour, color_system="auto" if colour else None,
                   force_terminal=True if colour else None, highlight=False, emoji=False,
                   width=width, soft_wrap=False)


def render(console: Console, report: Report, ruleset: Ruleset) -> None:
    """Draw the report: the main action in a banner of its level's style, then each
    section as a panel."""
    level = report.level
    border = level.style.split()[-1]
    main = report.section("main")
    banner: list[RenderableType] = [Text(report.main_action, style=level.style)]
    if main is not None:
        banner.append(_bullets([_entry(e, ruleset) for e in main.entries]))
    console.print(Panel(Group(*banner), border_style=border))
    for section in report.sections:
        if section.id == "main":
            continue
        body = _bullets([_entry(e, ruleset) for e in section.entries])
        console.print(Panel(body, title=section.heading, title_align="left",
                            border_style="dim" if section.id in QUIET else "none"))
    console.print(Text(report.disclaimer, style="italic"))


def _entry(entry: Entry, ruleset: Ruleset) -> Text:
    text = Text()
    if entry.label:
        style = ruleset.level(entry.level).style if entry.level else "bold"
        text.append(f"{entry.label}: ", style=style)
    text.append(entry.text, style="bold" if entry.details and not entry.list_items else "")
    for detail in entry.details:
        text.append(f"\n- {detail}" if entry.list_items else f"\n{detail}")
    return text


def _bullets(items: list[Text]) -> Table:
    """A bulleted list whose wrapped lines hang under the text, not under the bullet."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for item in items:
        grid.add_row("•", item)
    return grid
