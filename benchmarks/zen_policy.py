"""The rule set as a GoRules JDM decision graph, for zen-engine (a benchmark-only dependency).

`jdm_graph(ruleset)` translates the compiled rule set into a JDM graph along the assess
stage's declared steps (pipeline.STAGES), so it follows the pipeline as it is:

    input -> each derived fact (an expression node each: later ones read earlier ones)
          -> each table whose decision is compared or read later (decision table,
             collect or first) -> triage after its tables (expression node: the most
             urgent level among their rows) -> output

Each rule becomes one row of its table; its condition becomes one ZEN expression. Only
what is decided is compared (triage, insert, heel lift, and the referral, feature and
advice rule ids): zen-engine has no `because` phrases, which is part of why the
comparison is generous to it. Tables nothing compares or reads (the wording of the pain's
duration) are left out, which is generous too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from insertadvisor.conditions import leaves
from insertadvisor.pipeline import STAGES, Chosen, Fired, MostUrgent

STAGE = "assess"
COMPARED = ("triage", "referrals", "insert", "heel_lift", "features", "advice")


def literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    text = str(value)
    if "'" in text:
        raise ValueError(f"cannot quote {text!r}")
    return f"'{text}'"


def expression(node: tuple[Any, ...]) -> str:
    """A condition tuple as a ZEN expression (unknown numbers never match, as in ours)."""
    op = node[0]
    if op == "all":
        return " and ".join(f"({expression(n)})" for n in node[1])
    if op == "any":
        return " or ".join(f"({expression(n)})" for n in node[1])
    if op == "not":
        return f"not ({expression(node[1])})"
    if op in ("always", "otherwise"):
        return "true"
    fact, arg = node[1], node[2]
    numeric = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    if op in numeric:
        return f"{fact} != null and {fact} {numeric[op]} {literal(arg)}"
    if op == "eq":
        return f"{fact} == {literal(arg)}"
    if op == "ne":
        return f"{fact} != {literal(arg)}"
    if op == "in":
        return f"{fact} in {literal(arg)}"
    if op == "not_in":
        return f"not ({fact} in {literal(arg)})"
    if op == "has":
        return f"{literal(arg)} in {fact}"
    if op == "has_any":
        return f"some({fact}, # in {literal(arg)})"
    if op == "has_all":
        return f"all({literal(arg)}, # in {fact})"
    if op == "has_none":
        return f"none({fact}, # in {literal(arg)})"
    if op == "known":
        return f"{fact} {'!=' if arg else '=='} null"
    raise ValueError(f"no ZEN translation for {op!r}")


def _node(node_id: str, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "name": node_id, "content": content,
            "position": {"x": 0, "y": 0}}


def _table(table: Any, outputs: dict[str, str], output_path: str | None,
           rule_field: str = "rule") -> dict[str, Any]:
    """A decision table: one expression column, the rule id and `outputs` (field -> then
    key)."""
    rows = []
    for rule in table.rules:
        if rule.when == ("otherwise",) and table.hit_policy == "collect":
            raise ValueError("`otherwise` in a collect table has no JDM equivalent here")
        row = {"_id": rule.id, "i1": expression(rule.when), "o0": literal(rule.id)}
        for i, key in enumerate(outputs.values(), start=1):
            row[f"o{i}"] = literal(rule.then[key])
        rows.append(row)
    fields = [rule_field, *outputs]
    return _node(table.id, "decisionTableNode", {
        "hitPolicy": "collect" if table.hit_policy == "collect" else "first",
        "inputs": [{"id": "i1", "name": "when"}],
        "outputs": [{"id": f"o{i}", "name": f, "field": f} for i, f in enumerate(fields)],
        "rules": rows,
        "passThrough": True, "inputField": None, "outputPath": output_path,
        "executionMode": "single",
    })


def _expressions(node_id: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return _node(node_id, "expressionNode", {
        "expressions": [{"id": key, "key": key, "value": value} for key, value in pairs],
        "passThrough": True, "inputField": None, "outputPath": None,
        "executionMode": "single"})


def rows_of(table_id: str) -> str:
    """Where a collect table's fired rows go in zen-engine's result."""
    return f"{table_id}_rows"


def _wanted(ruleset: Any) -> set[str]:
    """The facts a step adds that are compared, or read by a later condition."""
    tables = ruleset.stage_tables[STAGE]
    read = {leaf[1] for step in STAGES[STAGE].steps for rule in tables[step.table].rules
            for leaf in leaves(rule.when)}
    return set(COMPARED) | read


def _triage(product: MostUrgent, levels: list[str]) -> str:
    """The most urgent level among the rows of the product's tables, else the least."""
    found = literal(levels[-1])
    for level in reversed(levels[:-1]):
        given = " or ".join(f"some({rows_of(t)}, #.{key} == {literal(level)})"
                            for t, key in product.keys.items())
        found = f"({given}) ? {literal(level)} : ({found})"
    return found


def jdm_graph(ruleset: Any) -> dict[str, Any]:
    """The assess stage of `ruleset` as one JDM graph."""
    tables = ruleset.stage_tables[STAGE]
    wanted = _wanted(ruleset)
    levels = [level.id for level in ruleset.levels]
    products = [p for p in STAGES[STAGE].products.values() if p.fact in wanted]
    collected = {t for p in products if isinstance(p, (Fired, MostUrgent)) for t in p.tables
                 if tables[t].hit_policy == "collect"}
    nodes = [_node("input", "inputNode", {})]
    nodes += [_expressions(f"derived_{r.id}", [(r.id, expression(r.when))])
              for r in ruleset.derived[STAGE]]
    for step in STAGES[STAGE].steps:
        table = tables[step.table]
        if table.id in collected:
            keys = {k: k for p in products if isinstance(p, MostUrgent)
                    for t, k in p.keys.items() if t == table.id}
            nodes.append(_table(table, keys, rows_of(table.id)))
        chosen = {p.fact: p.key for p in step.products
                  if isinstance(p, Chosen) and p.fact in wanted}
        if chosen:
            nodes.append(_table(table, chosen, None, rule_field=f"{table.id}_rule"))
        nodes += [_expressions(p.fact, [(p.fact, _triage(p, levels))])
                  for p in step.products if isinstance(p, MostUrgent) and p.fact in wanted]
    nodes.append(_node("output", "outputNode", {}))
    edges = [{"id": f"e{i}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
             for i, (a, b) in enumerate(pairwise(nodes))]
    return {"nodes": nodes, "edges": edges}


def make_engine(ruleset: Any) -> Any:
    """zen-engine on its fastest path: a static loader, the graph compiled once."""
    import zen

    content = json.dumps(jdm_graph(ruleset))
    return zen.ZenEngine({"loader": lambda key: content})


def decide(engine: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """zen-engine's decision, with tracing on (as our engine always explains)."""
    return engine.evaluate("assess", answers, {"trace": True})  # type: ignore[no-any-return]


def decisions_of_zen(response: dict[str, Any], ruleset: Any) -> dict[str, Any]:
    result = response["result"]
    stage = STAGES[STAGE]

    def fired(fact: str) -> list[tuple[str, dict[str, Any]]]:
        """The rows of a fired set's tables, each with its table, in table order."""
        return [(t, row) for t in stage.products[fact].tables
                for row in result.get(rows_of(t)) or []]

    referrals = stage.products["referrals"]
    assert isinstance(referrals, Fired)
    rank = ruleset.rank
    listed = sorted(fired("referrals"),  # most urgent first, in table order within a level
                    key=lambda found: rank[found[1][referrals.by_level[found[0]]]])
    return {
        "triage": result["triage"],
        "insert": result["insert"],
        "heel_lift": result["heel_lift"],
        "referrals": [row["rule"] for _, row in listed],
        "features": [row["rule"] for _, row in fired("features")],
        "advice": [row["rule"] for _, row in fired("advice")],
    }


def decisions_of_ours(assessment: Mapping[str, Any], feature_ids: set[str]) -> dict[str, Any]:
    return {
        "triage": assessment["triage"],
        "insert": assessment["insert"]["type"],
        "heel_lift": assessment["insert"]["heel_lift"],
        "referrals": [r["rule"] for r in assessment["referrals"]],
        "features": [f["id"] for f in assessment["fired_rules"] if f["id"] in feature_ids],
        "advice": [a["rule"] for a in assessment["advice"]],
    }


def compare(ruleset: Any, engine: Any, answer_sets: list[dict[str, Any]]) -> list[str]:
    """Answer sets on which zen-engine and our engine decide differently."""
    from insertadvisor.assessment import assess

    feature_ids = {r.id for r in ruleset.tables["features"].rules}
    problems = []
    for answers in answer_sets:
        ours = decisions_of_ours(assess(ruleset, answers), feature_ids)
        theirs = decisions_of_zen(decide(engine, answers), ruleset)
        if ours != theirs:
            problems.append(f"{answers}: ours {ours}, zen {theirs}")
    return problems
