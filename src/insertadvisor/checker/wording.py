"""The wording a person reads, checked in every region: every placeholder filled, no two
items of one list saying the same thing, and what `includes` invariants require.

These are properties of the texts themselves, so they are checked text by text (with
every value a wording fact such as {pain_duration} can take), not searched.
"""

from __future__ import annotations

from collections.abc import Iterator

from insertadvisor.checker.report import Finding
from insertadvisor.model import Invariant, Ruleset
from insertadvisor.pipeline import STAGES, Chosen, Fired
from insertadvisor.validate.invariants import renderings

LISTED = {"reason", "action", "text", "feature"}  # outputs shown as items of a list


def _wording(ruleset: Ruleset, stage: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for product in STAGES[stage].products.values():
        if isinstance(product, Chosen) and product.kind == "text":
            table = ruleset.tables.get(product.tables[0])
            out[product.fact] = tuple(r.then[product.key] for r in table.rules) if table else ()
    return out


def person_texts(ruleset: Ruleset) -> Iterator[tuple[str, int, str, str, str]]:
    """(file, line, what, stage, text) for every text a person reads: as _texts, less the
    table outputs that are ids (a topic, a level), not words."""
    text_outputs = {step.table: {k for k, o in step.outputs.items() if o.kind == "text"}
                    for declared in STAGES.values() for step in declared.steps}
    yield from _texts(ruleset, text_outputs)
    # Read too, though not by _texts' placeholder check: the options' help (--help), the
    # levels' labels (the report's headings) and the regions' names (--region).
    for stage, questions in ruleset.questions.items():
        for q in questions:
            yield "questions", 1, f"question `{q.id}` (help)", stage, q.help
    for level in ruleset.levels:
        yield "levels", 1, f"level `{level.id}`", "assess", level.label
    for region in ruleset.regions.values():
        yield "regions", 1, f"region `{region.id}`", "assess", region.name


def _texts(ruleset: Ruleset, only: dict[str, set[str]] | None = None,
           ) -> Iterator[tuple[str, int, str, str, str]]:
    """(file, line, what, stage, text) for every person-facing text of the rule set
    (`only`: of each table, only these outputs)."""
    for stage, questions in ruleset.questions.items():
        for q in questions:
            for text in (q.prompt, q.hint, *q.labels.values()):
                yield "questions", 1, f"question `{q.id}`", stage, text
            for item in q.items:
                for text in (item.prompt, item.hint, item.short):
                    yield "questions", 1, f"item `{item.id}`", stage, text
        for step in ruleset.interview.get(stage, ()):
            yield step.file, step.line, f"step `{step.id}`", stage, step.prompt
    for level in ruleset.levels:
        yield "levels", 1, f"level `{level.id}`", "assess", level.message
    for key, text in (*ruleset.insert_labels.items(), *ruleset.report.headings.items(),
                      ("disclaimer", ruleset.disclaimer)):
        yield "ruleset", 1, f"`{key}`", "assess", text
    for table in ruleset.tables.values():
        stages = [s for s, d in STAGES.items() if table.id in d.tables]
        for rule in table.rules:
            for stage in (rule.stages or stages):
                for key, value in rule.then.items():
                    if isinstance(value, str) and (only is None or key in only.get(table.id, ())):
                        yield rule.file, rule.line, f"rule `{rule.id}`", stage, value


def check_wording(ruleset: Ruleset) -> tuple[int, list[Finding]]:
    """(how many texts were checked, what was found)."""
    findings: list[Finding] = []
    wording = {stage: _wording(ruleset, stage) for stage in STAGES}
    count = 0
    for file, line, what, stage, text in _texts(ruleset):
        count += 1
        for shown in renderings(text, ruleset.regions, wording[stage]):
            if "{" in shown or "}" in shown:
                findings.append(Finding("text", file, line, what, f"{what} keeps a placeholder "
                                        f"unfilled in some region: {shown!r}", stage=stage))
                break
    findings += _duplicates(ruleset, wording)
    for inv in ruleset.invariants:
        if inv.kind == "includes":
            findings += _includes(ruleset, inv, wording[inv.applies_to])
    return count, findings


def _duplicates(ruleset: Ruleset, wording: dict[str, dict[str, tuple[str, ...]]]) -> list[Finding]:
    """No two rules of one list (the referrals, the advice, ...) may say the same thing:
    one result would show the same text twice."""
    out = []
    for stage, declared in STAGES.items():
        tables = ruleset.stage_tables[stage]
        for product in declared.products.values():
            if not isinstance(product, Fired):
                continue
            said: dict[str, str] = {}
            for tid in product.tables:
                for rule in tables[tid].rules if tid in tables else ():
                    for key, value in rule.then.items():
                        if key not in LISTED or not isinstance(value, str):
                            continue
                        for shown in renderings(value, ruleset.regions, wording[stage]):
                            first = said.setdefault(shown, rule.id)
                            if first != rule.id:
                                out.append(Finding("text", rule.file, rule.line, rule.id,
                                                   f"rule `{rule.id}` says the same as "
                                                   f"`{first}`: {shown!r}", stage=stage))
                                break
    return out


def _includes(ruleset: Ruleset, inv: Invariant,
              wording: dict[str, tuple[str, ...]]) -> list[Finding]:
    out = []
    rules = {r.id: r for r in ruleset.all_rules()}
    for rid in inv.rules:
        rule = rules[rid]
        for region in ruleset.regions.values():
            one = {region.id: region}
            texts = [s for v in rule.then.values() if isinstance(v, str)
                     for s in renderings(v, one, wording)]
            for wanted in inv.texts:
                need = renderings(wanted, one, {})[0]
                if not any(need in t for t in texts):
                    out.append(Finding("text", inv.file, inv.line, inv.id,
                                       f"invariant `{inv.id}` fails: `{rid}` does not say "
                                       f"{need!r} in region {region.id}", stage=inv.applies_to))
    return out
