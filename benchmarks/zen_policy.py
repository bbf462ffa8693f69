"""The rule set as a GoRules JDM decision graph, for zen-engine (a benchmark-only dependency).

`jdm_graph(ruleset)` translates the compiled rule set, table by table, into a JDM graph:

    input -> derived facts (expression node) -> referrals (decision table, collect)
          -> triage (expression node: the most urgent referral) -> insert (table, first)
          -> heel_lift (table, first) -> features (collect) -> advice (collect) -> output

Each rule becomes one row of its table; its condition becomes one ZEN expression. Only
what is decided is compared (triage, insert, heel lift, referral, feature and advice rule
ids): zen-engine has no `because` phrases, which is part of why the comparison is
generous to it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

ASSESS_TABLES = ("referrals", "insert", "heel_lift", "features", "advice")


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


def _table(table: Any, outputs: dict[str, str], output_path: str | None) -> dict[str, Any]:
    """A decision table: one expression column, the rule id and `outputs` (name -> then key)."""
    names = ["rule", *outputs]
    rows = []
    for rule in table.rules:
        if rule.when == ("otherwise",) and table.hit_policy == "collect":
            raise ValueError("`otherwise` in a collect table has no JDM equivalent here")
        row = {"_id": rule.id, "i1": expression(rule.when), "o0": literal(rule.id)}
        for i, key in enumerate(outputs.values(), start=1):
            row[f"o{i}"] = literal(rule.then[key])
        rows.append(row)
    return _node(table.id, "decisionTableNode", {
        "hitPolicy": "collect" if table.hit_policy == "collect" else "first",
        "inputs": [{"id": "i1", "name": "when"}],
        "outputs": [{"id": f"o{i}", "name": name, "field": name} for i, name in enumerate(names)],
        "rules": rows,
        "passThrough": True, "inputField": None, "outputPath": output_path,
        "executionMode": "single",
    })


def jdm_graph(ruleset: Any) -> dict[str, Any]:
    """The assessment pipeline of `ruleset` as one JDM graph."""
    tables = ruleset.tables
    for name in ("insert", "heel_lift"):  # first tables must list rules in priority order
        priorities = [r.priority for r in tables[name].rules]
        assert priorities == sorted(priorities), name
    levels = [level.id for level in ruleset.levels]
    triage = literal(levels[-1])
    for level in reversed(levels[:-1]):
        triage = f"some(referrals, #.urgency == {literal(level)}) ? {literal(level)} : ({triage})"
    nodes = [
        _node("input", "inputNode", {}),
        _node("derived", "expressionNode", {
            "expressions": [{"id": r.id, "key": r.id, "value": expression(r.when)}
                            for r in ruleset.derived],
            "passThrough": True, "inputField": None, "outputPath": None,
            "executionMode": "single"}),
        _table(tables["referrals"], {"urgency": "urgency"}, "referrals"),
        _node("triage", "expressionNode", {
            "expressions": [{"id": "t", "key": "triage", "value": triage}],
            "passThrough": True, "inputField": None, "outputPath": None,
            "executionMode": "single"}),
        _table(tables["insert"], {"insert": "type"}, None),
        _table(tables["heel_lift"], {"heel_lift": "heel_lift"}, None),
        _table(tables["features"], {}, "features"),
        _table(tables["advice"], {}, "advice"),
        _node("output", "outputNode", {}),
    ]
    # Each first table's `rule` output would overwrite the last: rename them.
    for node in nodes:
        if node["id"] in ("insert", "heel_lift"):
            node["content"]["outputs"][0]["field"] = f"{node['id']}_rule"
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


def decisions_of_zen(response: dict[str, Any], rank: dict[str, int]) -> dict[str, Any]:
    result = response["result"]
    referrals = sorted(result.get("referrals") or [], key=lambda r: rank[r["urgency"]])
    return {
        "triage": result["triage"],
        "insert": result["insert"],
        "heel_lift": result["heel_lift"],
        "referrals": [r["rule"] for r in referrals],
        "features": [r["rule"] for r in result.get("features") or []],
        "advice": [r["rule"] for r in result.get("advice") or []],
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
        theirs = decisions_of_zen(decide(engine, answers), ruleset.rank)
        if ours != theirs:
            problems.append(f"{answers}: ours {ours}, zen {theirs}")
    return problems
