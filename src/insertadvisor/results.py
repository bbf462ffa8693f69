"""The JSON results' shapes (schema version "1"), for the type checker.

Imported only under TYPE_CHECKING: at run time the results are plain dicts, built in
assessment.py and described to scripts by `insertadvisor schema`.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class Provenance(TypedDict):
    name: str
    version: str
    sha256: str


class Referral(TypedDict):
    urgency: str
    to: str
    reason: str
    rule: str


class Advice(TypedDict):
    text: str
    rule: str
    topic: str


class FiredRule(TypedDict):
    id: str
    file: str
    line: int
    because: str
    source: str


class NotFired(TypedDict):
    id: str
    file: str
    line: int
    failed: str


class Insert(TypedDict):
    type: str
    label: str
    heel_lift: bool
    features: list[str]
    summary: str


class Action(TypedDict):
    level: str
    text: str
    rule: str


class _Result(TypedDict):
    schema_version: str
    kind: str
    triage: str
    triage_message: str
    region: str
    referrals: list[Referral]
    advice: list[Advice]
    fired_rules: list[FiredRule]
    answers: dict[str, Any]
    ruleset: Provenance
    disclaimer: str
    not_fired: NotRequired[list[NotFired]]


class Assessment(_Result):
    insert: Insert


class Checkin(_Result):
    stop_wearing: bool
    actions: list[Action]


Result = Assessment | Checkin
