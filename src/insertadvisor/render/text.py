"""The report as plain text: for pipes, files and terminals without colour.

No Rich here, so a report piped to a file costs no more than the JSON path.
"""

from __future__ import annotations

import textwrap
from typing import Any

from insertadvisor.model import Ruleset

WIDTH = 78


def _wrap(text: str, indent: str = "", width: int = WIDTH) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent,
                         subsequent_indent=" " * len(indent)) or [indent]


def _bullets(items: list[str], width: int) -> list[str]:
    return [line for item in items for line in _wrap(item, "  - ", width)]  # hanging indent


def sections(result: dict[str, Any], ruleset: Ruleset) -> list[tuple[str, list[str]]]:
    """The report as (heading, paragraphs) pairs, in the order a person should read them:
    what to do first, then the insert, then advice, then the evidence and the disclaimer."""
    level = ruleset.level(result["triage"])
    out: list[tuple[str, list[str]]] = [(f"{level.label.upper()}: {level.message}", [])]
    if result["referrals"]:
        out.append(("Who to see", [f"{ruleset.level(r['urgency']).label}: {r['to']}. "
                                   f"{r['reason']}" for r in result["referrals"]]))
    if result["kind"] == "checkin":
        stop = ["Stop wearing the inserts."] if result["stop_wearing"] else []
        out.append(("What to do", stop + [a["text"] for a in result["actions"]]))
    else:
        insert = result["insert"]
        lines = [f"{insert['label']}. {insert['summary']}"]
        lines += [f"Look for: {f}" for f in insert["features"]]
        out.append(("Insert", lines))
    advice = [a["text"] for a in result["advice"]
              if a.get("topic") not in ("evidence", "safety_net")]
    if advice:
        out.append(("Self-care", advice))
    safety_net = [a["text"] for a in result["advice"] if a.get("topic") == "safety_net"]
    if safety_net:
        out.append(("When to get help at once", safety_net))
    evidence = [a["text"] for a in result["advice"] if a.get("topic") == "evidence"]
    if evidence:
        out.append(("What the evidence says", evidence))
    return out


def explanation(result: dict[str, Any]) -> list[str]:
    """Why: each fired rule with where it is written, the facts that fired it and its source."""
    return [f"{r['id']} ({r['file']}:{r['line']}): {r['because']}. Source: {r['source']}"
            for r in result["fired_rules"]]


def render(result: dict[str, Any], ruleset: Ruleset, explain: bool = False,
           width: int = WIDTH) -> str:
    """The whole report as plain text."""
    lines: list[str] = []
    for heading, paragraphs in sections(result, ruleset):
        lines += _wrap(heading, width=width)
        lines += _bullets(paragraphs, width)
        lines.append("")
    if explain:
        lines.append("Why (the rules that fired)")
        lines += _bullets(explanation(result), width)
        lines.append("")
    if result.get("not_fired"):
        lines.append("Rules that did not fire (the first condition that failed)")
        lines += _bullets([f"{r['id']} ({r['file']}:{r['line']}): {r['failed']}"
                           for r in result["not_fired"]], width)
        lines.append("")
    ruleset_info = result["ruleset"]
    lines += _wrap(f"Rule set {ruleset_info['name']} {ruleset_info['version']} "
                   f"(sha256 {ruleset_info['sha256'][:12]})", width=width)
    lines += _wrap(result["disclaimer"], width=width)
    return "\n".join(lines) + "\n"
