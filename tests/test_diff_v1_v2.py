"""`rules diff` of the frozen policy version 1 (tests/rulesets/v1) against the frozen
policy version 2 (tests/rulesets/v2, the default rules as first written for it): every
change the policy's change log (section 10) names appears, and nothing that did not change
does.

The expected changes are a small table below, each row with the change-log row it comes
from; the rest are derived from the two rule sets (every rule removed or added, every
question added). Both sides are fixtures, so an edit of rules/ never breaks this test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset
from insertadvisor.pipeline import STAGES, Fired, run

from .conftest import run_cli
from .test_diff import V1

# Policy version 2 as first encoded (a frozen copy of rules/ then; see its README).
V2 = V1.parent / "v2"

# (change-log row, stage, what, subject, direction, old, new): old and new as in --json
# (a referral as its level, or None where it is not given); "*" for any value.
CHANGE_LOG: list[tuple[str, str, str, str, str, Any, Any]] = [
    ("New emergency items bladder_sensation_change, difficulty_walking, very_unwell, "
     "sudden_severe_pain, foot_ischaemia_signs", "assess", "referrals",
     "emergency-bladder-sensation", "more_urgent", None, "emergency"),
    ("(same row)", "assess", "referrals", "emergency-difficulty-walking", "more_urgent",
     None, "emergency"),
    ("(same row)", "assess", "referrals", "emergency-very-unwell", "more_urgent", None,
     "emergency"),
    ("(same row)", "assess", "referrals", "emergency-sudden-severe-pain", "more_urgent",
     None, "emergency"),
    ("(same row)", "assess", "referrals", "emergency-foot-ischaemia", "more_urgent", None,
     "emergency"),
    ("New urgent items upper_back_pain, band_pain, pain_worse_straining", "assess",
     "referrals", "urgent-upper-back-pain", "more_urgent", None, "urgent"),
    ("(same row)", "assess", "referrals", "urgent-band-pain", "more_urgent", None, "urgent"),
    ("New infection_risk (soon), pregnant (soon, midwife)", "assess", "referrals",
     "soon-pregnancy", "more_urgent", None, "soon"),
    ("Cancer: alone => soon (was urgent)", "assess", "referrals", "urgent-cancer-history",
     "less_urgent", "urgent", None),
    ("(same row)", "assess", "referrals", "soon-cancer-history", "more_urgent", None, "soon"),
    ("Diabetes: hot swollen foot => suspected Charcot, urgent", "assess", "referrals",
     "urgent-hot-swollen-foot", "more_urgent", None, "urgent"),
    ("One-leg numbness no longer urgent", "assess", "referrals", "urgent-leg-numbness",
     "less_urgent", "urgent", None),
    ("Foot sore without diabetes: routine (was urgent)", "assess", "triage", "triage",
     "less_urgent", "urgent", "routine"),
    ("routine-six-weeks becomes routine-not-improving", "assess", "referrals",
     "routine-six-weeks", "less_urgent", "routine", None),
    ("(same row)", "assess", "referrals", "routine-not-improving", "more_urgent", None,
     "routine"),
    ("New NG65 screen for inflammatory back pain", "assess", "referrals",
     "routine-inflammatory-back-pain", "more_urgent", None, "routine"),
    ("High arch alone no longer a foot factor", "assess", "insert", "insert", "neither",
     "otc", "none"),
    ("lld_source; self-measured differences not used", "assess", "heel_lift", "heel_lift",
     "neither", True, False),
    ("Check-in: red-flag screen", "checkin", "actions", "emergency-saddle-numbness",
     "more_urgent", None, "emergency"),
    ("Check-in: diabetic blister => urgent + stop", "checkin", "actions",
     "checkin-diabetic-skin", "more_urgent", None, "urgent"),
    ("Check-in: tingling => soon + stop (was urgent)", "checkin", "actions",
     "checkin-numbness", "less_urgent", "urgent", "soon"),
    ("stop_wearing also for a foot sore without diabetes (checkin-foot-wound)", "checkin",
     "stop_wearing", "stop_wearing", "more_urgent", False, True),
]

# Change-log rows "Age asked first", "lld_source", "6-week review: only if not getting
# better (pain_trend)", "Age >= 50 rule depends on first_episode", "pain_started_before_45",
# "Region-aware wording": questions v2 asks that v1 did not.


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    result = run_cli(["rules", "diff", str(V1), str(V2), "--json",
                      "--exit-code"])
    assert result.status == 1, result.stderr  # they differ
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def both() -> tuple[Ruleset, Ruleset]:
    return load_ruleset(V1), load_ruleset(V2)


def _level(value: Any) -> Any:
    return value["urgency"] if isinstance(value, dict) else value


@pytest.mark.parametrize("row", CHANGE_LOG, ids=[f"{r[1]}:{r[3]}" for r in CHANGE_LOG])
def test_every_change_in_the_change_log_appears(report: dict[str, Any],
                                                row: tuple[Any, ...]) -> None:
    _, stage, what, subject, direction, old, new = row
    found = [d for d in report["differences"] if (d["stage"], d["what"], d["subject"]) ==
             (stage, what, subject) and (old == "*" or _level(d["old"]) == old)
             and (new == "*" or _level(d["new"]) == new)]
    assert found, f"{row[0]}: not reported"
    assert {d["direction"] for d in found} == {direction}


def test_every_rule_removed_or_added_appears(report: dict[str, Any],
                                             both: tuple[Ruleset, Ruleset]) -> None:
    reported = {(d["stage"], d["subject"]) for d in report["differences"]}
    for stage, declared in STAGES.items():
        for product in declared.products.values():
            if not isinstance(product, Fired) or not product.by_level:
                continue
            ids = [{r.id for t in product.tables for r in rs.stage_tables[stage][t].rules}
                   for rs in both]
            for rid in ids[0] ^ ids[1]:
                assert (stage, rid) in reported, (stage, rid)


def test_nothing_that_did_not_change_appears(report: dict[str, Any],
                                             both: tuple[Ruleset, Ruleset]) -> None:
    """A referral reported is a rule removed, added, or changed (its level, its condition,
    or a derived fact it reads); a rule written the same over the same facts never is."""
    old, new = both
    for d in report["differences"]:
        if d["what"] not in ("referrals", "actions"):
            continue
        rules = [next((r for t in rs.stage_tables[d["stage"]].values() for r in t.rules
                       if r.id == d["subject"]), None) for rs in both]
        if None in rules:
            continue
        a, b = rules
        assert a is not None and b is not None
        derived = [{r.id: r.when for r in rs.derived[d["stage"]]} for rs in (old, new)]
        reads = _facts(a.when) | _facts(b.when)
        changed = a.when != b.when or a.then.get("urgency", a.then.get("level")) != \
            b.then.get("urgency", b.then.get("level")) or any(
                derived[0].get(f) != derived[1].get(f) for f in reads
                if f in derived[0] or f in derived[1])
        assert changed, f"{d['subject']} is reported but did not change"


def _facts(node: Any) -> set[str]:
    from insertadvisor.conditions import leaves

    return {leaf[1] for leaf in leaves(node)}


def test_questions_added_are_reported(report: dict[str, Any],
                                      both: tuple[Ruleset, Ruleset]) -> None:
    for stage in STAGES:
        ids = [{q.id for q in rs.questions[stage]} for rs in both]
        added = {q["question"] for q in report["questions"]
                 if q["stage"] == stage and q["change"] == "added"}
        assert ids[1] - ids[0] <= added
        removed = {q["question"] for q in report["questions"]
                   if q["stage"] == stage and q["change"] == "removed"}
        assert ids[0] - ids[1] <= removed


def test_each_example_shows_its_difference_in_both_engines(
        report: dict[str, Any], both: tuple[Ruleset, Ruleset]) -> None:
    for d in report["differences"]:
        facts = [run(rs, d["stage"], a).facts
                 for rs, a in zip(both, (d["old_example"], d["example"]), strict=True)]
        if d["what"] in ("referrals", "actions"):
            given = [d["subject"] in f[d["what"]] for f in facts]
            assert given == [d["old"] is not None, d["new"] is not None], d
        else:
            assert [f[d["what"]] for f in facts] == [d["old"], d["new"]], d


def test_less_urgent_first(report: dict[str, Any]) -> None:
    order = [d["direction"] for d in report["differences"]]
    assert order == sorted(order, key=["less_urgent", "more_urgent", "neither"].index)
    assert order[0] == "less_urgent"
