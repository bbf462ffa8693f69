"""The default policy written by hand, as plain if/else: the engine benchmark's yardstick.

`decide_by_hand(answers)` returns what `pipeline.run(ruleset, "assess", answers)` decides
for the default rules: the derived facts that hold, the rules each table fires (in table
order) and triage, insert, heel lift. It was written from the clinical policy's text
(version 2: sections 2.1, 4, 5 and 6), not from the YAML, so agreeing with the engine on
random answers is also a second reading of the rules. Wording is not compared (the engine
benchmark times the decisions; assessment.py adds the words the same way for both).

`check_reference.py` compares the two on random answers, but only on the rules it was
written for (WRITTEN_FOR, their sha256): a clinician's edit of rules/ never breaks a
benchmark, it only pauses the comparison until this file is brought up to date.
"""

from __future__ import annotations

from typing import Any

# The sha256 of the rule set this reference was written for (insertadvisor rules validate
# prints its first 12 characters; check_reference.py prints the whole one).
WRITTEN_FOR = "0d04e84d67d88dc9f87b1fa41a955c362cf6637af4c7effe43b4011e124b36b8"

LEVELS = ("emergency", "urgent", "soon", "routine", "self_care")
LEG = ("leg_pain_radiating", "leg_numbness_tingling", "leg_weakness", "both_legs_symptoms")
NERVE_MORE = ("difficulty_walking", "saddle_numbness", "bladder_bowel_change",
              "bladder_sensation_change")
METS = ("night_pain", "upper_back_pain", "band_pain", "pain_worse_straining", "severe_pain")
SINGLE_EMERGENCY = (  # rows 1-9a: the item alone is an emergency
    ("saddle_numbness", "emergency-saddle-numbness"),
    ("bladder_bowel_change", "emergency-bladder-bowel"),
    ("bladder_sensation_change", "emergency-bladder-sensation"),
    ("both_legs_symptoms", "emergency-both-legs"),
    ("difficulty_walking", "emergency-difficulty-walking"),
    ("major_trauma", "emergency-major-trauma"),
    ("chest_pain", "emergency-chest-pain"),
    ("very_unwell", "emergency-very-unwell"),
    ("sudden_severe_pain", "emergency-sudden-severe-pain"),
    ("both_arms_symptoms", "emergency-both-arms"),
)
SINGLE_URGENT = (  # rows 14-18
    ("fever", "urgent-fever"),
    ("unexplained_weight_loss", "urgent-weight-loss"),
    ("night_pain", "urgent-night-pain"),
    ("upper_back_pain", "urgent-upper-back-pain"),
    ("band_pain", "urgent-band-pain"),
)


def decide_by_hand(answers: dict[str, Any]) -> dict[str, Any]:
    """Derived facts, the rules fired per table, and the added facts, for assess."""
    s = set(answers["symptoms"])
    age, weeks, trend = answers["age"], answers["pain_weeks"], answers["pain_trend"]
    lld, source = answers["leg_length_diff_mm"], answers["lld_source"]

    diabetic = "diabetes_or_neuropathy" in s
    lld_usable = lld is not None and source != "self"
    foot_factor = answers["arch"] == "flat" or answers["overpronation"] == "yes" or \
        (lld_usable and lld >= 5)
    leg = not s.isdisjoint(LEG)
    nerve = leg or not s.isdisjoint(NERVE_MORE)
    worsening = trend == "worse"
    mets = not s.isdisjoint(METS) or worsening
    onset_45 = (age is not None and age < 45) or answers["pain_started_before_45"] == "yes"
    derived = [name for name, value in (
        ("diabetic", diabetic), ("lld_usable", lld_usable), ("foot_factor", foot_factor),
        ("leg_symptoms", leg), ("nerve_symptoms", nerve), ("pain_worsening", worsening),
        ("mets_pain_features", mets), ("onset_before_45", onset_45)) if value]
    facts = {"s": s, "age": age, "weeks": weeks, "trend": trend, "lld": lld, "source": source,
             "diabetic": diabetic, "lld_usable": lld_usable, "foot_factor": foot_factor,
             "leg": leg, "nerve": nerve, "worsening": worsening, "mets": mets,
             "onset_45": onset_45, "otc_weeks": answers["tried_otc_weeks"]}
    red, ref = _red_flags(facts), _referrals(facts, answers)
    triage = _most_urgent(red, ref)
    insert, insert_rule = _insert(facts, triage)
    heel_lift = insert in ("otc", "custom") and lld_usable and lld >= 5
    otc = insert == "otc"
    features = [rid for rid, holds in (
        ("feature-flat-arch", answers["arch"] == "flat"),
        ("feature-overpronation", answers["overpronation"] == "yes"),
        ("feature-high-arch", answers["arch"] == "high"),
        ("feature-heel-lift", heel_lift), ("feature-fit", True)) if otc and holds]
    # The wording of {pain_duration}: half-open bands.
    duration = "pain-duration-2-years" if weeks >= 104 else "pain-duration-1-year" \
        if weeks >= 52 else "pain-duration-3-months" if weeks >= 12 else \
        "pain-duration-6-weeks" if weeks >= 6 else "pain-duration-3-weeks" if weeks >= 3 \
        else "pain-duration-short"
    return {"derived": derived, "red_flags": red, "referrals": ref, "triage": triage,
            "insert": insert, "insert_rule": insert_rule, "heel_lift": heel_lift,
            "features": features, "pain_duration": duration,
            "advice": _advice(facts, answers, triage, insert, heel_lift)}


def _red_flags(f: dict[str, Any]) -> list[str]:
    """Section 4 rows 1-27b, in row order."""
    s, diabetic, leg, nerve = f["s"], f["diabetic"], f["leg"], f["nerve"]
    age, weeks = f["age"], f["weeks"]
    red = [rid for item, rid in SINGLE_EMERGENCY if item in s]
    cancer = "cancer_history" in s
    if cancer and nerve:
        red.append("emergency-cancer-nerve")
    if "sexual_dysfunction" in s and leg:
        red.append("emergency-sexual-dysfunction-legs")
    if diabetic and "foot_ulcer" in s and ("fever" in s or "very_unwell" in s):
        red.append("emergency-diabetic-foot-infection")
    if "foot_ischaemia_signs" in s:
        red.append("emergency-foot-ischaemia")
    if "fever" in s and ("infection_risk" in s or diabetic):
        red.append("emergency-spinal-infection")
    red += [rid for item, rid in SINGLE_URGENT if item in s]
    if "pain_worse_straining" in s:
        red.append("soon-pain-worse-straining-sciatica" if leg else "urgent-pain-worse-straining")
    if "back_deformity" in s:
        red.append("urgent-back-deformity")
    if "leg_weakness" in s:
        red.append("urgent-leg-weakness")
    if "sexual_dysfunction" in s and not leg:
        red.append("urgent-sexual-dysfunction")
    if cancer and f["mets"]:
        red.append("urgent-cancer-spinal-pain")
    if diabetic and "foot_ulcer" in s:
        red.append("urgent-foot-ulcer")
    if diabetic and ("hot_swollen_foot" in s or "foot_shape_change" in s):
        red.append("urgent-charcot")
    if "hot_swollen_foot" in s and not diabetic:
        red.append("urgent-hot-swollen-foot")
    if "recent_injury" in s and "major_trauma" not in s and \
            ("osteoporosis_or_steroids" in s or (age is not None and age >= 65)):
        red.append("urgent-fragility-fracture")
    if cancer and weeks < 6 and not nerve:
        red.append("urgent-cancer-new-pain")
    if "infection_risk" in s and (f["worsening"] or "severe_pain" in s):
        red.append("urgent-infection-risk-worsening")
    return red


def _referrals(f: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """Section 4 rows 28-47."""
    s, diabetic, nerve, age, weeks = f["s"], f["diabetic"], f["nerve"], f["age"], f["weeks"]
    trend, lld, foot_factor = f["trend"], f["lld"], f["foot_factor"]
    cancer = "cancer_history" in s
    ref = []
    if "severe_pain" in s:
        ref.append("soon-severe-pain")
    if f["worsening"]:
        ref.append("soon-getting-worse")
    if "foot_shape_change" in s and not diabetic:
        ref.append("soon-foot-shape-change")
    if cancer and weeks >= 6 and not nerve and not f["mets"]:
        ref.append("soon-cancer-history")
    if "infection_risk" in s:
        ref.append("soon-infection-risk")
    if "pregnant" in s:
        ref.append("soon-pregnancy")
    if age is not None and age < 16:
        ref.append("soon-under-16")
    if age is not None and 16 <= age < 20:
        ref.append("soon-young-onset")
    if age is not None and age >= 50 and answers["first_episode"] != "no":
        ref.append("soon-new-pain-over-50")
    if "foot_pain" in s:
        ref.append("routine-foot-pain")
    if "foot_ulcer" in s and not diabetic:
        ref.append("routine-foot-wound")
    if "previous_surgery" in s:
        ref.append("routine-previous-surgery")
    if diabetic:
        ref.append("routine-diabetes-neuropathy")
    if "inflammatory_arthritis" in s:
        ref.append("routine-inflammatory-arthritis")
    if (weeks >= 3 and trend == "same") or (weeks >= 6 and trend == "unknown"):
        ref.append("routine-not-improving")
    if "inflammatory_back_pain" in s and weeks > 13 and f["onset_45"]:
        ref.append("routine-inflammatory-back-pain")
    if lld is not None and 10 <= lld < 20:
        ref.append("routine-large-leg-length-difference")
    if lld is not None and lld >= 20:
        ref.append("routine-very-large-lld")
    otc_weeks = f["otc_weeks"]
    if otc_weeks is not None and otc_weeks >= 6 and foot_factor:
        ref.append("routine-otc-not-helping")
    if weeks >= 12 and foot_factor:
        ref.append("routine-chronic-foot-factor")
    return ref


def _insert(f: dict[str, Any], triage: str) -> tuple[str, str]:
    """Section 5.1: the first that applies."""
    s, diabetic, age, foot_factor = f["s"], f["diabetic"], f["age"], f["foot_factor"]
    otc_weeks = f["otc_weeks"]
    if triage in ("emergency", "urgent"):
        insert, insert_rule = "defer", "insert-defer-red-flag"
    elif not s.isdisjoint(("foot_ulcer", "hot_swollen_foot", "foot_ischaemia_signs")) or \
            (diabetic and "foot_shape_change" in s):
        insert, insert_rule = "defer", "insert-defer-foot-problem"
    elif "pregnant" in s:
        insert, insert_rule = "defer", "insert-defer-pregnancy"
    elif age is not None and age < 16:
        insert, insert_rule = "none", "insert-none-child"
    elif not s.isdisjoint(("diabetes_or_neuropathy", "inflammatory_arthritis",
                           "previous_surgery", "foot_shape_change")):
        insert, insert_rule = "custom", "insert-custom-condition"
    elif f["lld_usable"] and f["lld"] >= 10:
        insert, insert_rule = "custom", "insert-custom-large-lld"
    elif foot_factor and ((otc_weeks is not None and otc_weeks >= 6) or f["weeks"] >= 12):
        insert, insert_rule = "custom", "insert-custom-after-otc"
    elif foot_factor:
        insert, insert_rule = "otc", "insert-otc-foot-factor"
    else:
        insert, insert_rule = "none", "insert-none-no-foot-factor"
    return insert, insert_rule


def _advice(f: dict[str, Any], answers: dict[str, Any], triage: str, insert: str,
            heel_lift: bool) -> list[str]:
    """Section 6, in the order written; nothing but go-now on an emergency."""
    s, diabetic, age, weeks, trend = f["s"], f["diabetic"], f["age"], f["weeks"], f["trend"]
    lld, source, cancer = f["lld"], f["source"], "cancer_history" in s
    otc = insert == "otc"
    emergency = triage == "emergency"
    numb = "leg_numbness_tingling" in s or diabetic
    given_insert = insert in ("otc", "custom")
    return [rid for rid, holds in (
        ("advice-emergency-go-now", emergency),
        ("advice-keep-active", not emergency),
        ("advice-pain-relief", not emergency),
        ("advice-heat-cold", not emergency and not numb),
        ("advice-heat-cold-numb", not emergency and numb),
        ("advice-sciatica", triage not in ("emergency", "urgent") and
         ("leg_pain_radiating" in s or "leg_numbness_tingling" in s)),
        ("advice-improving", not emergency and weeks >= 6 and trend == "better"),
        ("advice-age-unknown", not emergency and age is None),
        ("advice-child-insoles", not emergency and age is not None and age < 16),
        ("advice-break-in", otc), ("advice-timeline", otc),
        ("advice-footwear-for-insert", otc),
        ("advice-footwear-change-shoes", otc and answers["footwear"] in ("high_heels",
                                                                         "unsupportive")),
        ("advice-heel-lift-partial", otc and heel_lift),
        ("advice-heel-lift-external", heel_lift and lld >= 20),
        ("advice-nice-departure", given_insert),
        ("advice-self-report-unreliable", given_insert),
        ("advice-lld-self-measured", not emergency and lld is not None and lld >= 5
         and source == "self"),
        ("advice-evidence-note", not emergency),
        ("safety-net-emergency", not emergency),
        ("safety-net-urgent", not emergency),
        ("safety-net-cancer", not emergency and cancer),
        ("safety-net-diabetic-foot", not emergency and diabetic),
        ("safety-net-pregnancy", not emergency and "pregnant" in s)) if holds]


def _most_urgent(red: list[str], ref: list[str]) -> str:
    best = len(LEVELS) - 1
    for rid in (*red, *ref):
        level = LEVELS.index(rid.split("-", 1)[0].replace("self", "self_care"))
        best = min(best, level)
    return LEVELS[best]
