"""Sources, regions, levels and the report's wording; placeholders in every text.

A rule cites its sources by key (`source: [NG59, CKS-RF: "red flags"]`); sources.yaml
holds each key's title and address once, and the compiled rule carries them written out.
Every text may use the placeholders the regions define (`{gp}`, `{emergency_number}`, ...)
and, in a table's outputs, the wording facts of its stage (`{pain_duration}`).
"""

from __future__ import annotations

import re
from typing import Any

from insertadvisor.errors import did_you_mean
from insertadvisor.model import INSERT_TYPES, LEVEL_IDS, Level, Region, Report
from insertadvisor.report import HEADINGS, TOPIC_SECTIONS
from insertadvisor.rules_io.located import kind, located, pos, value_pos
from insertadvisor.validate.files import Entry, Merged
from insertadvisor.validate.reporter import Doc, Reporter

SOURCE_KEYS = ("id", "title", "url", "doi", "read")
REGION_KEYS = ("id", "name", "countries", "fields", "source", "evidence", "judgement")
LEVEL_KEYS = ("id", "label", "message", "style", "colour", "source", "evidence", "judgement")
EVIDENCE = ("guidance", "judgement")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_URL = re.compile(r"https?://\S+")
# Not sources: the project's own policy and design documents, and the consumer article the
# product grew from (the policy's invariant 16). Written as patterns, not as the names.
_NOT_SOURCES = re.compile(r"clinical[-_ ]policy[.]md|design[.]md|source\s+article",
                          re.IGNORECASE)


class Sources:
    """The sources a rule set cites, by key: each written out as `title. address`."""

    def __init__(self) -> None:
        self.text: dict[str, str] = {}


def read_sources(merged: Merged, out: Reporter) -> Sources:
    sources = Sources()
    ids: dict[str, tuple[str, int, int]] = {}
    for doc, raw, where in merged.lists["sources"]:
        if not out.mapping(doc, raw, where, "a source", SOURCE_KEYS, ("id", "title")):
            continue
        key = out.claim_id(doc, raw, "a source", ids)
        title = out.text(doc, raw, "title", f"source `{key}`")
        url = out.text(doc, raw, "url", f"source `{key}`", required=False)
        doi = out.text(doc, raw, "doi", f"source `{key}`", required=False)
        out.text(doc, raw, "read", f"source `{key}`", required=False)
        if url and not _URL.fullmatch(url):
            out.at_value(doc, raw, "url", f"`{url}` is not a web address (https://...)")
        if doi and not _DOI.fullmatch(doi):
            out.at_value(doc, raw, "doi", f"`{doi}` is not a DOI (10.NNNN/...)")
        if not url and not doi:
            out.problem(doc, pos(raw), f"source `{key}` needs a `url` or a `doi`")
        for field in ("title", "read"):
            if isinstance(raw.get(field), str) and _NOT_SOURCES.search(raw[field]):
                out.at_value(doc, raw, field, "a source must be a guideline, a trial or public "
                             "advice, not the project's own documents")
        if key:
            address = url or f"https://doi.org/{doi}"
            sources.text[key] = f"{title.rstrip('.')}. {address}"
    return sources


class Cited:
    """What an entry cites (each source written out, and its key), and how sure it is."""

    __slots__ = ("cites", "evidence", "judgement", "parts")

    def __init__(self, parts: tuple[str, ...], cites: tuple[str, ...], evidence: str,
                 judgement: str) -> None:
        self.parts, self.cites, self.evidence, self.judgement = parts, cites, evidence, judgement

    @property
    def text(self) -> str:
        return "; ".join(self.parts)


def citation(doc: Doc, raw: Any, what: str, sources: Sources, out: Reporter) -> Cited:
    """An entry's `source`, `evidence` and `judgement`, checked against the sources."""
    entries = raw.get("source")
    parts: list[str] = []
    keys: list[str] = []
    if "source" in raw and (not isinstance(entries, list) or not entries):
        out.at_value(doc, raw, "source", f"the `source` of {what} must be a list of source "
                     "keys (see sources.yaml)")
        entries = []
    for item, where in located(entries or []):
        key, detail = _cited(item)
        if key is None:
            out.problem(doc, where, f"a source of {what} is a key of sources.yaml, or "
                                    "`KEY: what it says`, not " + kind(item))
            continue
        if key not in sources.text:
            if not out.incomplete:
                out.problem(doc, where, f"unknown source `{key}`"
                                        f"{did_you_mean(key, sources.text)}; add it to "
                                        "sources.yaml")
            continue
        if detail and _NOT_SOURCES.search(detail):
            out.problem(doc, where, "a source must be a guideline, a trial or public advice, "
                                    "not the project's own documents")
        keys.append(key)
        parts.append(sources.text[key] + (f" ({detail})" if detail else ""))
    evidence = raw.get("evidence")
    if "evidence" in raw and evidence not in EVIDENCE:
        out.at_value(doc, raw, "evidence", f"`evidence` must be guidance or judgement"
                     f"{did_you_mean(str(evidence), EVIDENCE)}")
    judgement = out.text(doc, raw, "judgement", what, required=False)
    if evidence == "judgement" and not judgement:
        out.problem(doc, pos(raw), f"{what} is judgement: say which part is ours in "
                                   "`judgement`")
    if evidence == "guidance" and judgement:
        out.at_key(doc, raw, "judgement", f"{what} is guidance: `judgement` is only for "
                                          "evidence: judgement")
    return Cited(tuple(parts), tuple(keys), evidence if evidence in EVIDENCE else "",
                 judgement)


def _cited(item: Any) -> tuple[str | None, str]:
    if isinstance(item, str) and item:
        return item, ""
    if isinstance(item, dict) and len(item) == 1:
        (key, detail), = item.items()
        if isinstance(key, str) and isinstance(detail, str):
            return key, detail.strip()
    return None, ""


CITE_KEYS = ("source", "evidence", "judgement")
CITE_REQUIRED = ("source", "evidence")


# -- regions -------------------------------------------------------------------------------


def read_regions(merged: Merged, sources: Sources,
                 out: Reporter) -> tuple[dict[str, Region], str]:
    regions: dict[str, Region] = {}
    ids: dict[str, tuple[str, int, int]] = {}
    fields_seen: tuple[str, ...] | None = None
    for doc, raw, where in merged.lists["regions"]:
        if not out.mapping(doc, raw, where, "a region", REGION_KEYS,
                           ("id", "name", "fields", *CITE_REQUIRED)):
            continue
        rid = out.claim_id(doc, raw, "a region", ids)
        fields = raw.get("fields")
        if not isinstance(fields, dict) or not fields:
            out.at_value(doc, raw, "fields", "`fields` must be a mapping of placeholder "
                                             "names to their text")
            continue
        names = tuple(str(k) for k in fields)
        if fields_seen is None:
            fields_seen = names
        elif set(names) != set(fields_seen):
            missing = [n for n in fields_seen if n not in names]
            extra = [n for n in names if n not in fields_seen]
            said = "; ".join(filter(None, [f"missing {', '.join(missing)}" if missing else "",
                                           f"unknown {', '.join(extra)}" if extra else ""]))
            out.at_value(doc, raw, "fields", f"region `{rid}` must define the same fields as "
                                             f"the first region ({said})")
        values = {str(k): out.text(doc, fields, k, f"region `{rid}`") for k in fields}
        for key, text in values.items():
            if "{" in text or "}" in text:
                out.at_value(doc, fields, key, "a region's field cannot hold a placeholder")
        countries = raw.get("countries", [])
        if not isinstance(countries, list) or not all(isinstance(c, str) for c in countries):
            out.at_value(doc, raw, "countries", "`countries` must be a list of country codes "
                                                "(like GB, US)")
            countries = []
        cited = citation(doc, raw, f"region `{rid}`", sources, out)
        if rid:
            regions[rid] = Region(rid, out.text(doc, raw, "name", f"region `{rid}`"),
                                  tuple(c.upper() for c in countries), values, cited.text)
    default = merged.values.get("default_region")
    if "default_region" in merged.values and not isinstance(default, str):
        doc = merged.origin["default_region"]
        out.at_value(doc, doc.data, "default_region", "`default_region` must be a region id, "
                     f"not {kind(default)}")
        default = ""
    elif "default_region" in merged.values and default not in regions and not out.incomplete:
        doc = merged.origin["default_region"]
        out.at_value(doc, doc.data, "default_region", f"`{default}` is not a region"
                     f"{did_you_mean(str(default), regions)}")
    return regions, str(default)


def placeholders(regions: dict[str, Region]) -> frozenset[str]:
    """The placeholder names every text may use: the fields of the regions."""
    first = next(iter(regions.values()), None)
    return frozenset(first.fields) if first else frozenset()


def check_text(doc: Doc, mapping: Any, key: Any, text: str, allowed: frozenset[str],
               out: Reporter) -> None:
    """Report a brace that is not a placeholder `allowed` here."""
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name not in allowed:
            out.at_value(doc, mapping, key, f"unknown placeholder `{{{name}}}`"
                         f"{did_you_mean(name, sorted(allowed))}; placeholders here are "
                         f"{', '.join('{' + n + '}' for n in sorted(allowed)) or 'none'}")
    if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
        out.at_value(doc, mapping, key, "a lone `{` or `}`: braces only mark placeholders "
                                        "such as {gp}")


def fill(text: str, values: dict[str, str]) -> str:
    """A text with its placeholders filled (the text itself when it has none)."""
    return text.format_map(values) if "{" in text else text


# -- levels, insert labels, the report ---------------------------------------------------


def read_levels(merged: Merged, sources: Sources, allowed: frozenset[str],
                out: Reporter) -> tuple[Level, ...]:
    doc = merged.origin.get("levels")
    raw = merged.values.get("levels")
    if doc is None:
        return ()
    if not isinstance(raw, list) or not raw:
        out.at_value(doc, doc.data, "levels", "`levels` must be a non-empty list")
        return ()
    levels = []
    for item, where in located(raw):
        if not out.mapping(doc, item, where, _level_name(item), LEVEL_KEYS,
                           ("id", "label", "message", "style", "colour", *CITE_REQUIRED)):
            continue
        lid = out.claim_id(doc, item, "a level")
        texts = {k: out.text(doc, item, k, f"level `{lid}`")
                 for k in ("label", "message", "style", "colour")}
        check_text(doc, item, "message", texts["message"], allowed, out)
        check_text(doc, item, "label", texts["label"], frozenset(), out)
        cited = citation(doc, item, f"level `{lid}`", sources, out)
        levels.append(Level(lid, texts["label"], texts["message"], texts["style"],
                            texts["colour"], cited.text, cited.evidence))
    ids = tuple(level.id for level in levels)
    if ids != LEVEL_IDS and len(levels) == len(raw):
        out.at_value(doc, doc.data, "levels", f"the levels must be {', '.join(LEVEL_IDS)}, "
                     "most urgent first (their ids are part of the JSON contract); found "
                     f"{', '.join(ids)}")
    return tuple(levels)


def _level_name(item: Any) -> str:
    lid = item.get("id") if isinstance(item, dict) else None
    return f"level `{lid}`" if isinstance(lid, str) else "a level"


def read_insert_labels(merged: Merged, allowed: frozenset[str], out: Reporter) -> dict[str, str]:
    doc = merged.origin.get("insert_labels")
    if doc is None:
        return {}
    raw = merged.values["insert_labels"]
    if not out.mapping(doc, raw, value_pos(doc.data, "insert_labels"), "`insert_labels`",
                       INSERT_TYPES, INSERT_TYPES):
        return {}
    labels = {key: out.text(doc, raw, key, "`insert_labels`") for key in INSERT_TYPES}
    for key, text in labels.items():
        check_text(doc, raw, key, text, allowed, out)
    return labels


def read_report(merged: Merged, allowed: frozenset[str], out: Reporter) -> Report:
    doc = merged.origin.get("report")
    if doc is None:
        return Report({}, {})
    raw = merged.values["report"]
    if not out.mapping(doc, raw, value_pos(doc.data, "report"), "`report`",
                       ("headings", "topics"), ("headings", "topics")):
        return Report({}, {})
    headings: dict[str, str] = {}
    # a missing `headings` was reported just above, as missing from `report`
    if "headings" in raw and out.mapping(doc, raw["headings"], value_pos(raw, "headings"),
                                         "`report.headings`", HEADINGS, HEADINGS):
        for key in HEADINGS:  # words of the report itself: the same in every region
            headings[key] = out.text(doc, raw["headings"], key, "`report.headings`")
            check_text(doc, raw["headings"], key, headings[key], frozenset(), out)
    topics: dict[str, str] = {}
    given = raw.get("topics", {})
    if not isinstance(given, dict) or not given:
        out.at_value(doc, raw, "topics", "`topics` must map each advice topic to a section")
        return Report(headings, topics)
    for topic, section in given.items():
        if section not in TOPIC_SECTIONS:
            out.at_value(doc, given, topic, f"topic `{topic}` goes to section `{section}`, "
                         f"which is not one of {', '.join(TOPIC_SECTIONS)}"
                         f"{did_you_mean(str(section), TOPIC_SECTIONS)}")
        topics[str(topic)] = str(section)
    return Report(headings, topics)


def texts_of(then: dict[str, Any], keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (key, text) outputs of a rule that are person-facing."""
    return [(k, then[k]) for k in keys if isinstance(then.get(k), str)]


def entry_name(entry: Entry) -> str:
    return f"{entry[0].display}:{entry[2][0]}"
