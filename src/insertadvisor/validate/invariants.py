"""Invariants: the properties `rules check` proves. Four forms:

    expect:    under `when`, a condition on the result holds
    alone:     under `when`, each item of a set, reported alone, gives the level it is
               listed under (one `expect` invariant per item)
    monotone:  adding an item of a set never makes triage less urgent than a rule that
               fired, except where `except` says so
    text:      `excludes` a phrase from every text of a result under `when` (compiled into
               an `expect` on the rules fired), or `includes` texts in named rules' wording
"""

from __future__ import annotations

from typing import Any

from insertadvisor.conditions import Node
from insertadvisor.errors import did_you_mean
from insertadvisor.model import LEVEL_IDS, Invariant, Level, Region, Table
from insertadvisor.pipeline import STAGES, Chosen, Fired, MostUrgent
from insertadvisor.rules_io.located import located, pos, value_pos
from insertadvisor.validate.files import Merged
from insertadvisor.validate.reporter import Doc, Reporter
from insertadvisor.validate.tables import Facts, _named
from insertadvisor.validate.wording import CITE_KEYS, CITE_REQUIRED, Sources, citation, fill

FORMS = ("expect", "alone", "monotone", "text")
INVARIANT_KEYS = ("id", "description", "applies_to", "when", "except", *FORMS, *CITE_KEYS)


def read_invariants(merged: Merged, facts: Facts, tables: dict[str, Table],
                    regions: dict[str, Region], sources: Sources, out: Reporter,
                    levels: tuple[Level, ...] = ()) -> list[Invariant]:
    found: list[Invariant] = []
    for doc, raw, where in merged.lists["invariants"]:
        what = _named(raw, "invariant")
        if not out.mapping(doc, raw, where, what, INVARIANT_KEYS, ("id", "applies_to",
                                                                 *CITE_REQUIRED)):
            continue
        iid = out.claim_id(doc, raw, "an invariant")
        stage = raw.get("applies_to")
        if not isinstance(stage, str) or stage not in STAGES:  # (a list is not hashable)
            out.at_value(doc, raw, "applies_to", f"`applies_to` must be one of "
                         f"{', '.join(STAGES)}{did_you_mean(str(stage), STAGES)}")
            continue
        forms = [f for f in FORMS if f in raw]
        if len(forms) != 1:
            out.problem(doc, where, f"{what} needs exactly one of {', '.join(FORMS)}")
            continue
        known = facts.all(stage)
        grammar = out.grammar(doc)
        when = grammar.parse(raw["when"], value_pos(raw, "when"), known) \
            if "when" in raw else ("always",)
        cited = citation(doc, raw, what, sources, out)
        made = Invariant(iid, stage, when or ("always",), ("always",), cited.text,
                         doc.display, where[0],
                         out.text(doc, raw, "description", iid, required=False),
                         cited.evidence)
        form = forms[0]
        if "except" in raw and form != "monotone":
            out.at_key(doc, raw, "except", "`except` goes with `monotone`")
        if form == "expect":
            expect = grammar.parse(raw["expect"], value_pos(raw, "expect"), known)
            new = []
            if expect is not None:
                made.expect = expect
                new = [made]
        elif form == "alone":
            new = _alone(doc, raw, made, facts, out)
        elif form == "monotone":
            new = _monotone(doc, raw, made, facts, tables, out)
        else:
            new = _text(doc, raw, made, facts, tables, regions, out, levels)
        if when is not None:
            found += new
    return found


def _alone(doc: Doc, raw: Any, made: Invariant, facts: Facts, out: Reporter) -> list[Invariant]:
    spec = raw["alone"]
    known = facts.all(made.applies_to)
    if not out.mapping(doc, spec, value_pos(raw, "alone"), "`alone`", ("fact", "levels"),
                       ("fact", "levels")):
        return []
    fact = spec["fact"]
    ftype = known.get(fact) if isinstance(fact, str) else None
    if ftype is None or ftype.kind != "set":
        out.at_value(doc, spec, "fact", f"`{fact}` is not a set fact of {made.applies_to}")
        return []
    levels = spec["levels"]
    if not out.mapping(doc, levels, value_pos(spec, "levels"), "`alone.levels`", LEVEL_IDS):
        return []
    listed: dict[str, str] = {}
    for level, items in levels.items():
        for item, where in located(items if isinstance(items, list) else []):
            if item not in ftype.values:
                out.problem(doc, where, f"`{item}` is not an item of `{fact}`"
                                        f"{did_you_mean(str(item), ftype.values)}")
            elif item in listed:
                out.problem(doc, where, f"`{item}` is already listed under {listed[item]}")
            else:
                listed[item] = level
    missing = [i for i in ftype.values if i not in listed]
    if missing:
        out.at_value(doc, spec, "levels", f"every item of `{fact}` must be listed; missing: "
                                          f"{', '.join(missing)}")
        return []
    out_list = []
    for item in ftype.values:
        others = tuple(i for i in ftype.values if i != item)
        alone: Node = ("all", (made.when, ("has", fact, item),
                               *((("has_none", fact, others),) if others else ())))
        out_list.append(Invariant(f"{made.id}:{item}", made.applies_to, alone,
                                  ("eq", "triage", listed[item]), made.source, made.file,
                                  made.line, made.description, made.evidence))
    return out_list


def _triage_tables(stage: str) -> tuple[str, ...]:
    product = STAGES[stage].products["triage"]
    assert isinstance(product, MostUrgent)
    return tuple(product.keys)


def _monotone(doc: Doc, raw: Any, made: Invariant, facts: Facts, tables: dict[str, Table],
              out: Reporter) -> list[Invariant]:
    fact = raw["monotone"]
    ftype = facts.stage[made.applies_to].get(fact) if isinstance(fact, str) else None
    if ftype is None or ftype.kind != "set":
        out.at_value(doc, raw, "monotone", f"`{fact}` is not a set question of "
                                           f"{made.applies_to}")
        return []
    rules = {r.id for t in _triage_tables(made.applies_to) if t in tables
             for r in tables[t].rules}
    exceptions: dict[str, tuple[str, ...]] = {}
    for entry, where in located(raw.get("except") or []):
        if not out.mapping(doc, entry, where, "an exception", ("rule", "adding"),
                           ("rule", "adding")):
            continue
        rid, adding = entry["rule"], entry["adding"]
        if rid not in rules:
            out.at_value(doc, entry, "rule", f"`{rid}` is not a rule that sets triage"
                                             f"{did_you_mean(str(rid), rules)}")
            continue
        if not isinstance(adding, list) or any(i not in ftype.values for i in adding):
            out.at_value(doc, entry, "adding", f"`adding` must list items of `{fact}`")
            continue
        exceptions[rid] = tuple(adding)
    made.kind, made.fact, made.exceptions = "monotone", fact, exceptions
    return [made]


def _text(doc: Doc, raw: Any, made: Invariant, facts: Facts, tables: dict[str, Table],
          regions: dict[str, Region], out: Reporter,
          levels_of: tuple[Level, ...] = ()) -> list[Invariant]:
    spec = raw["text"]
    if not out.mapping(doc, spec, value_pos(raw, "text"), "`text`",
                       ("excludes", "includes", "rules")):
        return []
    if ("excludes" in spec) == ("includes" in spec):
        out.problem(doc, pos(spec), "`text` takes `excludes: phrase`, or `includes: [...]` "
                                    "with `rules: [...]`")
        return []
    stage = STAGES[made.applies_to]
    if "excludes" in spec:
        phrase = spec["excludes"]
        if not isinstance(phrase, str) or not phrase.strip():
            out.at_value(doc, spec, "excludes", "`excludes` takes the phrase as text")
            return []
        tests: list[Node] = []
        for product in stage.products.values():
            if not isinstance(product, Fired):
                continue
            ids = tuple(r.id for t in product.tables if t in tables for r in tables[t].rules
                        if _says(r.then, phrase, regions, _wording(stage.name, tables)))
            if ids:
                tests.append(("has_none", product.fact, ids))
        levels = tuple(level.id for level in levels_of if any(
            phrase.lower() in shown.lower() for shown in renderings(level.message, regions, {})))
        if levels:
            tests.append(("not_in", "triage", levels))
        made.expect = ("all", tuple(tests)) if tests else ("always",)
        return [made]
    texts = spec.get("includes")
    named = spec.get("rules")
    all_ids = {r.id for t in tables.values() for r in t.rules}
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        out.at_value(doc, spec, "includes", "`includes` takes a list of texts")
        return []
    if not isinstance(named, list) or not named:
        out.problem(doc, pos(spec), "`includes` needs `rules`: the rules whose texts it checks")
        return []
    for rid, where in located(named):
        if rid not in all_ids:
            out.problem(doc, where, f"`{rid}` is not a rule{did_you_mean(str(rid), all_ids)}")
    if "when" in raw:
        out.at_key(doc, raw, "when", "`when` has no meaning with `includes`: the texts are "
                                     "checked as written, whatever the answers")
    made.kind, made.rules, made.texts = "includes", tuple(named), tuple(texts)
    return [made]


def _wording(stage: str, tables: dict[str, Table]) -> dict[str, tuple[str, ...]]:
    """Every value each wording fact of a stage can take (its table's outputs)."""
    out: dict[str, tuple[str, ...]] = {}
    for product in STAGES[stage].products.values():
        if isinstance(product, Chosen) and product.kind == "text":
            table = tables.get(product.tables[0])
            out[product.fact] = tuple(r.then[product.key] for r in table.rules) if table else ()
    return out


def renderings(text: str, regions: dict[str, Region],
               wording: dict[str, tuple[str, ...]]) -> list[str]:
    """A text as it can read: in every region, with every value of its wording facts."""
    used = [name for name in wording if "{" + name + "}" in text]
    combos: list[dict[str, str]] = [{}]
    for name in used:
        combos = [{**c, name: v} for c in combos for v in wording[name]]
    return [fill(text, {**region.fields, **combo})
            for region in regions.values() for combo in combos]


def _says(then: dict[str, Any], phrase: str, regions: dict[str, Region],
          wording: dict[str, tuple[str, ...]]) -> bool:
    wanted = phrase.lower()
    return any(wanted in shown.lower() for text in then.values() if isinstance(text, str)
               for shown in renderings(text, regions, wording))
