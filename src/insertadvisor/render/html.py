"""The report as a self-contained, printable HTML page, for a person to bring to a
clinician: inline CSS, no scripts, no external resources. Level colours come from the rule
set's levels."""

from __future__ import annotations

from datetime import date
from html import escape

from insertadvisor.model import Ruleset
from insertadvisor.report import QUIET, Entry, Report

_CSS = """
:root { --ink: #1a1a1a; --muted: #555; --line: #d0d0d0; --paper: #fff;
}
* { box-sizing: border-box; }
html { font-size: 17px; }
body { margin: 0; background: #f3f3f1; color: var(--ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif; line-height: 1.5; }
main { max-width: 46rem; margin: 2rem auto; padding: 2rem 2.5rem; background: var(--paper);
  border: 1px solid var(--line); border-radius: 6px; }
header { border-bottom: 2px solid var(--ink); padding-bottom: .6rem; margin-bottom: 1.2rem; }
h1 { font-size: 1.5rem; margin: 0 0 .2rem; line-height: 1.25; }
.meta { color: var(--muted); font-size: .85rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; padding-bottom: .15rem;
  border-bottom: 1px solid var(--line); break-after: avoid; page-break-after: avoid; }
p, ul, table { margin: 0 0 .8rem; }
ul { padding-left: 1.3rem; }
li { margin-bottom: .35rem; }
.triage { border: 3px solid currentColor; border-radius: 6px; padding: .8rem 1rem;
  margin-bottom: 1.2rem; break-inside: avoid; page-break-inside: avoid; }
.triage .level { display: block; font-size: .8rem; font-weight: 700; letter-spacing: .08em;
  text-transform: uppercase; }
.triage .message { display: block; font-size: 1.2rem; font-weight: 700; color: var(--ink); }
.stop { font-weight: 700; }
.tag { font-weight: 700; }
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-bottom: 1px solid var(--line); }
th { width: 62%; font-weight: normal; color: var(--muted); }
tr { break-inside: avoid; page-break-inside: avoid; }
.quiet { color: var(--muted); }
.safety li { font-weight: 600; }
td ul.answers { margin: 0; padding-left: 1rem; }
td ul.answers li { margin-bottom: .15rem; }
.triage.level-emergency { background: #fdecee; border-width: 4px; }
.triage.level-urgent { background: #fdf1f0; }
.notes { border: 1px dashed var(--line); min-height: 6rem; border-radius: 4px; }
footer { margin-top: 1.6rem; padding-top: .6rem; border-top: 1px solid var(--line);
  font-size: .85rem; color: var(--muted); }
footer .disclaimer { font-style: italic; color: var(--ink); }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: .85em; overflow-wrap: anywhere; }
@media (max-width: 40rem) { main { margin: 0; border: 0; border-radius: 0; padding: 1rem; }
  th { width: 50%; } }
@media print {
  @page { margin: 16mm 15mm; }
  html { font-size: 11pt; }
  body { background: #fff; }
  main { max-width: none; margin: 0; padding: 0; border: 0; }
  .triage { border-width: 2pt; }
  .notes { border: 1pt solid #888; min-height: 30mm; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _levels_css(ruleset: Ruleset) -> str:
    colours = "".join(f"--{level.id}: {level.colour}; " for level in ruleset.levels)
    classes = " ".join(f".level-{level.id} {{ color: var(--{level.id}); }}"
                       for level in ruleset.levels)
    return f":root {{ {colours}}}\n{classes}\n"


def _entry(entry: Entry) -> str:
    text = escape(entry.text)
    if entry.list_items:
        text += "<ul>" + "".join(f"<li>{escape(d)}</li>" for d in entry.details) + "</ul>"
    elif entry.details:
        text = f"<strong>{text}</strong>" + "".join(f"<br>{escape(d)}" for d in entry.details)
    if entry.label:
        css = f' class="tag level-{escape(entry.level)}"' if entry.level else ' class="tag"'
        text = f"<span{css}>{escape(entry.label)}:</span> {text}"
    return f"<li>{text}</li>"


def to_html(report: Report, ruleset: Ruleset, title: str, made: date | None = None) -> str:
    """The page: the main action in a box of its level's colour, then every section."""
    made = made or date.today()
    words = ruleset.report.headings
    level = report.level
    body = [f'<div class="triage level-{escape(level.id)}">'
            f'<span class="level">{escape(level.label)}</span>'
            f'<span class="message">{escape(report.message)}</span>']
    for section in report.sections:
        items = "".join(_entry(e) for e in section.entries)
        if section.id == "main":
            body.append(f"<ul>{items}</ul></div>")
            continue
        css = "safety" if section.id == "safety_net" else "quiet" if section.id in QUIET else ""
        attr = f' class="{css}"' if css else ""
        body.append(f'<h2 id="{section.id}">{escape(section.heading)}</h2>'
                    f"<ul{attr}>{items}</ul>")
    if report.section("main") is None:
        body[0] += "</div>"
    body.append(f"<h2>{escape(words['notes'])}</h2><div class=\"notes\"></div>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}, {made.isoformat()}</title>\n"
        f"<style>{_CSS}{_levels_css(ruleset)}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{escape(title)}</h1>"
        f'<p class="meta">{made.isoformat()}</p></header>\n'
        + "\n".join(body) + "\n"
        f'<footer><p class="disclaimer">{escape(report.disclaimer)}</p></footer>\n'
        "</main>\n</body>\n</html>\n"
    )
