"""The report on a terminal, drawn with Rich: what to do first, coloured by urgency."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from insertadvisor.model import Ruleset
from insertadvisor.render.text import explanation, sections

STYLES = {"emergency": "bold white on red", "urgent": "bold red", "soon": "bold yellow",
          "routine": "bold cyan", "self_care": "bold green"}


def make_console(stream: TextIO, colour: bool, width: int | None = None) -> Console:
    """A console that colours exactly when the Environment said so (a terminal, no NO_COLOR,
    no TERM=dumb, no --no-color): with colour off it writes no escape codes at all."""
    return Console(file=stream, no_color=not colour, color_system="auto" if colour else None,
                   force_terminal=True if colour else None, highlight=False, emoji=False,
                   width=width, soft_wrap=False)


def render(console: Console, result: dict[str, Any], ruleset: Ruleset,
           explain: bool = False) -> None:
    """Draw the report: the triage banner first, then each section as a panel."""
    parts = sections(result, ruleset)
    heading, _ = parts[0]
    style = STYLES.get(result["triage"], "bold")
    console.print(Panel(Text(heading, style=style), border_style=style.split()[-1]))
    for title, paragraphs in parts[1:]:
        body = _bullets([Text(p) for p in paragraphs])
        colour = "dim" if title == "What the evidence says" else "none"
        if title == "Who to see":
            body = _bullets([_referral(r, ruleset) for r in result["referrals"]])
        console.print(Panel(body, title=title, title_align="left", border_style=colour))
    if explain:
        body = _bullets([Text(line) for line in explanation(result)])
        console.print(Panel(body, title="Why", title_align="left", border_style="dim"))
    if result.get("not_fired"):
        body = _bullets([Text(f"{r['id']} ({r['file']}:{r['line']}): {r['failed']}")
                         for r in result["not_fired"]])
        console.print(Panel(body, title="Rules that did not fire", title_align="left",
                            border_style="dim"))
    info = result["ruleset"]
    console.print(Text(f"Rule set {info['name']} {info['version']} "
                       f"(sha256 {info['sha256'][:12]})", style="dim"))
    console.print(Text(result["disclaimer"], style="italic"))


def _bullets(items: list[Text]) -> Table:
    """A bulleted list whose wrapped lines hang under the text, not under the bullet."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for item in items:
        grid.add_row("•", item)
    return grid


def _referral(referral: dict[str, Any], ruleset: Ruleset) -> Text:
    text = Text()
    style = STYLES.get(referral["urgency"], "bold")
    text.append(f"{ruleset.level(referral['urgency']).label}: ", style=style)
    text.append(f"{referral['to']}. ", style="bold")
    text.append(referral["reason"])
    return text

