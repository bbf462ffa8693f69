"""The default policy written by hand, as plain if/else: the engine benchmark's yardstick.

`assess_by_hand(answers, texts)` returns the same dict as
`insertadvisor.assessment.assess(ruleset, answers)` for the default rules. The decisions,
their order and the `because` phrases are written out here by hand; only the wording
(rule texts, sources, files and lines) is looked up from `Texts`, built once from the rule
set, as a hand-written program would keep its strings in constants.

`check_reference.py` (and tests/test_benchmarks_reference.py) compare the two on random
answers, so this stays the same policy as rules/.
"""

from __future__ import annotations

from typing import Any

# The rule set this reference was written for (its sha256): check_reference compares the
# two only on these rules, so a clinician's edit of rules/ never breaks a benchmark.
WRITTEN_FOR = "policy version 1, before fired rules were listed in table order"  # rewritten for v2

EMERGENCY = (
    ("saddle_numbness", "emergency-saddle-numbness"),
    ("bladder_bowel_change", "emergency-bladder-bowel"),
    ("both_legs_symptoms", "emergency-both-legs"),
    ("major_trauma", "emergency-major-trauma"),
    ("chest_pain", "emergency-chest-pain"),
)
URGENT = (
    ("fever", "urgent-fever"),
    ("unexplained_weight_loss", "urgent-weight-loss"),
    ("cancer_history", "urgent-cancer-history"),
    ("leg_weakness", "urgent-leg-weakness"),
    ("leg_numbness_tingling", "urgent-leg-numbness"),
    ("night_pain", "urgent-night-pain"),
    ("back_deformity", "urgent-back-deformity"),
    ("foot_ulcer", "urgent-foot-ulcer"),
)
SOON = (
    ("severe_pain", "soon-severe-pain"),
    ("foot_shape_change", "soon-foot-shape-change"),
)
ROUTINE = (
    ("foot_pain", "routine-foot-pain"),
    ("previous_surgery", "routine-previous-surgery"),
    ("diabetes_or_neuropathy", "routine-diabetes-neuropathy"),
    ("inflammatory_arthritis", "routine-inflammatory-arthritis"),
)
CUSTOM_CONDITIONS = ("diabetes_or_neuropathy", "inflammatory_arthritis", "previous_surgery",
                     "foot_shape_change")
INSERT_IS = "(insert is one of otc, custom)"


class Texts:
    """The rule set's wording, keyed by rule id: what a hand-written program keeps as constants."""

    def __init__(self, ruleset: Any) -> None:
        self.then = {r.id: r.then for r in ruleset.all_rules()}
        self.trace = {r.id: (r.file, r.line, r.source) for r in ruleset.all_rules()}
        self.message = {level.id: level.message for level in ruleset.levels}
        self.insert_labels = dict(ruleset.insert_labels)
        self.provenance = {"name": ruleset.name, "version": ruleset.version,
                           "sha256": ruleset.sha256}
        self.disclaimer = ruleset.disclaimer
        self.symptom_phrase = {s: f"symptoms include {s}" for s in
                               (*(s for s, _ in EMERGENCY + URGENT + SOON + ROUTINE),)}


def show(value: Any) -> str:
    """A number or unknown, as the explanations show it."""
    if value is None:
        return "unknown"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def assess_by_hand(answers: dict[str, Any], texts: Texts) -> dict[str, Any]:  # noqa: PLR0915
    arch = answers["arch"]
    over = answers["overpronation"]
    lld = answers["leg_length_diff_mm"]
    pain = answers["pain_weeks"]
    symptoms = answers["symptoms"]
    age = answers["age"]
    otc_weeks = answers["tried_otc_weeks"]
    footwear = answers["footwear"]
    has = set(symptoms)

    fired: list[tuple[str, str]] = []  # (rule id, because)

    # Derived: foot factor.
    if arch in ("flat", "high"):
        foot_factor, ff_because = True, f"arch = {arch} (arch is one of flat, high)"
    elif over == "yes":
        foot_factor, ff_because = True, "overpronation = yes"
    elif lld is not None and lld >= 5:
        foot_factor, ff_because = True, f"leg_length_diff_mm = {show(lld)} (leg_length_diff_mm ≥ 5)"
    else:
        foot_factor, ff_because = False, ""
    if foot_factor:
        fired.append(("foot_factor", ff_because))

    # Referrals, grouped by urgency in the order the rules are written.
    emergency = [(rid, texts.symptom_phrase[s]) for s, rid in EMERGENCY if s in has]
    urgent = [(rid, texts.symptom_phrase[s]) for s, rid in URGENT if s in has]
    soon = [(rid, texts.symptom_phrase[s]) for s, rid in SOON if s in has]
    routine = [(rid, texts.symptom_phrase[s]) for s, rid in ROUTINE if s in has]
    if age is not None and age >= 50 and pain < 12:
        soon.append(("soon-new-pain-over-50",
                     f"age = {show(age)} (age ≥ 50); pain_weeks = {show(pain)} (pain_weeks < 12)"))
    if age is not None and age < 16:
        soon.append(("soon-under-16", f"age = {show(age)} (age < 16)"))
    if pain >= 6:
        routine.append(("routine-six-weeks", f"pain_weeks = {show(pain)} (pain_weeks ≥ 6)"))
    if lld is not None and lld >= 10:
        routine.append(("routine-large-leg-length-difference",
                        f"leg_length_diff_mm = {show(lld)} (leg_length_diff_mm ≥ 10)"))
    if otc_weeks is not None and otc_weeks >= 6:
        routine.append(("routine-otc-not-helping",
                        f"tried_otc_weeks = {show(otc_weeks)} (tried_otc_weeks ≥ 6)"))
    if pain >= 12 and foot_factor:
        routine.append(("routine-chronic-foot-factor",
                        f"pain_weeks = {show(pain)} (pain_weeks ≥ 12); foot_factor = true"))
    referrals = emergency + urgent + soon + routine
    if emergency:
        triage = "emergency"
    elif urgent:
        triage = "urgent"
    elif soon:
        triage = "soon"
    elif routine:
        triage = "routine"
    else:
        triage = "self_care"
    fired += referrals

    # The insert: the first that applies.
    if triage in ("emergency", "urgent"):
        insert_rule, because = "insert-defer-red-flag", \
            f"triage = {triage} (triage is one of emergency, urgent)"
    elif age is not None and age < 16:
        insert_rule, because = "insert-none-child", f"age = {show(age)} (age < 16)"
    elif not has.isdisjoint(CUSTOM_CONDITIONS):
        insert_rule, because = "insert-custom-condition", (
            "symptoms include any of diabetes_or_neuropathy, inflammatory_arthritis, "
            "previous_surgery, foot_shape_change")
    elif lld is not None and lld >= 10:
        insert_rule, because = "insert-custom-large-lld", \
            f"leg_length_diff_mm = {show(lld)} (leg_length_diff_mm ≥ 10)"
    elif foot_factor and otc_weeks is not None and otc_weeks >= 6:
        insert_rule, because = "insert-custom-after-otc", \
            f"foot_factor = true; tried_otc_weeks = {show(otc_weeks)} (tried_otc_weeks ≥ 6)"
    elif foot_factor and pain >= 12:
        insert_rule, because = "insert-custom-after-otc", \
            f"foot_factor = true; pain_weeks = {show(pain)} (pain_weeks ≥ 12)"
    elif foot_factor:
        insert_rule, because = "insert-otc-foot-factor", "foot_factor = true"
    else:
        insert_rule, because = "insert-none-no-foot-factor", "applies to everyone"
    insert_then = texts.then[insert_rule]
    insert = insert_then["type"]
    fired.append((insert_rule, because))
    gets_insert = insert in ("otc", "custom")

    # Heel lift.
    if gets_insert and lld is not None and lld >= 5:
        heel_lift = True
        fired.append(("heel-lift-for-lld", f"insert = {insert} {INSERT_IS}; "
                      f"leg_length_diff_mm = {show(lld)} (leg_length_diff_mm ≥ 5)"))
    else:
        heel_lift = False
        fired.append(("heel-lift-not-needed", "applies to everyone"))

    # Features, in the order written.
    features = []
    if gets_insert:
        if arch == "flat":
            features.append(("feature-flat-arch", f"insert = {insert} {INSERT_IS}; arch = flat"))
        if over == "yes":
            features.append(("feature-overpronation",
                             f"insert = {insert} {INSERT_IS}; overpronation = yes"))
        if arch == "high":
            features.append(("feature-high-arch", f"insert = {insert} {INSERT_IS}; arch = high"))
    if heel_lift:
        features.append(("feature-heel-lift", "heel_lift = true"))
    if gets_insert:
        features.append(("feature-fit", f"insert = {insert} {INSERT_IS}"))
    fired += features
    fired.append(("duration-any", "applies to everyone"))  # the wording of {pain_duration}

    # Advice, in the order written.
    advice = []
    if heel_lift:
        advice.append(("advice-heel-lift-start-low", "heel_lift = true"))
    if gets_insert:
        advice.append(("advice-break-in", f"insert = {insert} {INSERT_IS}"))
        advice.append(("advice-timeline", f"insert = {insert} {INSERT_IS}"))
    if triage != "emergency":
        not_emergency = f"triage = {triage} (triage is none of emergency)"
        advice.append(("advice-keep-active", not_emergency))
        if footwear == "high_heels":
            advice.append(("advice-footwear-heels", f"footwear = high_heels; {not_emergency}"))
        elif footwear == "unsupportive":
            advice.append(("advice-footwear-unsupportive",
                           f"footwear = unsupportive; {not_emergency}"))
        else:
            advice.append(("advice-footwear-general", f"footwear = {footwear} (footwear is one "
                           f"of supportive, unknown); {not_emergency}"))
        if triage != "urgent":
            advice.append(("advice-safety-net",
                           f"triage = {triage} (triage is none of emergency, urgent)"))
    if arch in ("flat", "high"):
        advice.append(("advice-self-report-unreliable", f"arch = {arch} (arch is one of flat, "
                       "high)"))
    elif over == "yes":
        advice.append(("advice-self-report-unreliable", "overpronation = yes"))
    elif lld is not None and lld > 0:
        advice.append(("advice-self-report-unreliable",
                       f"leg_length_diff_mm = {show(lld)} (leg_length_diff_mm > 0)"))
    advice.append(("advice-evidence-note", "applies to everyone"))
    fired += advice

    then = texts.then
    trace = texts.trace
    fired_rules = []
    for rid, because in fired:
        file, line, source = trace[rid]
        fired_rules.append({"id": rid, "file": file, "line": line, "because": because,
                            "source": source})
    return {
        "schema_version": "1",
        "kind": "assessment",
        "triage": triage,
        "triage_message": texts.message[triage],
        "region": "other",
        "insert": {
            "type": insert,
            "label": texts.insert_labels[insert],
            "heel_lift": heel_lift,
            "features": [then[rid]["feature"] for rid, _ in features],
            "summary": insert_then["summary"],
        },
        "referrals": [
            {"urgency": (t := then[rid])["urgency"], "to": t["to"], "reason": t["reason"],
             "rule": rid}
            for rid, _ in referrals
        ],
        "advice": [
            {"text": (t := then[rid])["text"], "rule": rid, "topic": t.get("topic", "")}
            for rid, _ in advice
        ],
        "fired_rules": fired_rules,
        "answers": dict(answers),
        "ruleset": dict(texts.provenance),
        "disclaimer": texts.disclaimer,
    }
