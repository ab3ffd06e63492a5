"""OSCAL JSON both ways: catalogs in and out, and mapping collections out.

Import (`read_catalog`): groups -> group requirements (ref = the group's `label` prop, else its id);
controls and control enhancements -> requirements (ref = the `label` prop without a class, as
printed: `AC-2`, `IA-2(1)`; else the id), title, and a summary made from the statement parts (labels
and prose, parameters shown as `[label]`, white space collapsed). The model wants a group as parent,
so an enhancement hangs from its control's group, and its title starts with its control's title.
Withdrawn controls are left out. Topics are guessed from keywords (`import_common.guess_topics`).

Export:
- `catalog_to_oscal`: an instrument and its requirements as an OSCAL catalog. Groups nest as the
  requirements do; a requirement's ref is its control `label`, its summary the `statement` part,
  topics, obligation and condition are props in the `NS` namespace. Control ids are refs made into
  OSCAL tokens by `control_id` (`AC-2(1)` -> `AC-2.1`, `5.1-1` -> `_5.1-1`).
- `mapping_collection_to_oscal`: mappings as an OSCAL `mapping-collection` (the control mapping
  model of OSCAL 1.2; shape checked against compliance-trestle's models for OSCAL 1.2.1 and the
  mapping metaschema in usnistgov/OSCAL). One `mapping` per (source instrument, target instrument),
  one `map` per mapping, relationship as `equal-to`, `subset-of`, `superset-of`,
  `intersects-with`; `no_relationship` is written `no-relationship`, a value outside the list that
  OSCAL allows in its own namespace. Mappings that share a `joint` id also give one map with
  all their sources and the joint relationship. Provenance, strength and review state are props.
UUIDs are version-5 UUIDs of stable keys, so the same input always gives the same document.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cyberreg.model import (
    Body,
    BodyKind,
    Instrument,
    InstrumentKind,
    Mapping,
    Provenance,
    Relationship,
    Requirement,
    RequirementKind,
    ReviewState,
    Source,
    Status,
)
from cyberreg.model.base import split_requirement_id
from cyberreg.sources.bundled import KnowledgeBase, Origin
from cyberreg.sources.import_common import (
    ImportResult,
    RefAllocator,
    clean_text,
    guess_topics,
    shorten,
    slugify,
    to_ref,
)
from cyberreg.sources.problems import Problem

OSCAL_VERSION = "1.2.1"
NS = "urn:cyberreg:oscal"  # namespace of our own props
OSCAL_SITE = "https://pages.nist.gov/OSCAL/"
RELATIONSHIP_TOKENS: dict[Relationship, str] = {
    Relationship.EQUAL: "equal-to",
    Relationship.SUBSET_OF: "subset-of",
    Relationship.SUPERSET_OF: "superset-of",
    Relationship.INTERSECTS: "intersects-with",
    Relationship.NO_RELATIONSHIP: "no-relationship",
}
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cyberreg:oscal")
_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^}\s]+)\s*\}\}")


# ---------------------------------------------------------------------------------------------------------
# Import.


def _props(item: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [p for p in item.get("props") or [] if isinstance(p, dict) and p.get("name") == name]


def _label(item: dict[str, Any]) -> str | None:
    """The `label` prop as printed: the one without a class first (`AC-2`, not `AC-02`)."""
    labels = _props(item, "label")
    plain = [p for p in labels if not p.get("class")]
    chosen = (plain or labels or [{}])[0].get("value")
    return str(chosen) if chosen else None


def _own(item: dict[str, Any], name: str) -> list[str]:
    """Values of our own props (namespace `NS`) called `name`."""
    return [str(p.get("value")) for p in _props(item, name) if p.get("ns") == NS]


def _own_fields(item: dict[str, Any]) -> dict[str, Any]:
    """Requirement fields that `catalog_to_oscal` writes as our own props."""
    fields: dict[str, Any] = {"topics": _own(item, "topic"), "categories": _own(item, "category")}
    fields["conditional"] = _own(item, "conditional") == ["true"]
    if _own(item, "obligation"):
        fields["obligation"] = _own(item, "obligation")[0]
    return fields


def _param_texts(item: dict[str, Any], into: dict[str, str]) -> None:
    for param in item.get("params") or []:
        if not isinstance(param, dict) or "id" not in param:
            continue
        if param.get("label"):
            into[param["id"]] = f"[{clean_text(param['label'])}]"
        elif isinstance(param.get("select"), dict):
            choices = "; ".join(clean_text(c) for c in param["select"].get("choice") or [])
            into[param["id"]] = f"[Selection: {choices}]"


def _prose(part: dict[str, Any], params: dict[str, str]) -> str:
    """A part and its sub-parts as one line of plain text: `a. First; b. Second ...`."""
    pieces = [_label(part) or "", part.get("prose") or ""]
    pieces += [_prose(child, params) for child in part.get("parts") or [] if isinstance(child, dict)]
    text = clean_text(" ".join(p for p in pieces if p))
    for _ in range(3):  # a selection's choices may themselves insert parameters
        if "{{" not in text:
            break
        text = _INSERT.sub(lambda m: params.get(m.group(1), f"[{m.group(1)}]"), text)
    return text


def _statement(control: dict[str, Any], params: dict[str, str]) -> str | None:
    parts = [p for p in control.get("parts") or [] if isinstance(p, dict) and p.get("name") == "statement"]
    return " ".join(_prose(p, params) for p in parts) or None


class _CatalogReader:
    def __init__(self, instrument_id: str, file: str) -> None:
        self.instrument_id = instrument_id
        self.file = file
        self.requirements: list[Requirement] = []
        self.problems: list[Problem] = []
        self.refs = RefAllocator()
        self.withdrawn = 0

    def _add(self, where: str, **fields: Any) -> Requirement | None:
        try:
            requirement = Requirement(instrument=self.instrument_id, **fields)
        except ValidationError as error:
            message = "; ".join(e["msg"] for e in error.errors())
            self.problems.append(Problem(self.file, None, where, message))
            return None
        self.requirements.append(requirement)
        return requirement

    def group(self, group: dict[str, Any], where: str, parent: str | None, context: list[str]) -> None:
        title = clean_text(group.get("title")) or str(group.get("id"))
        if _own(group, "synthetic-group"):  # made by `catalog_to_oscal`: its controls are the parent's
            ref: str | None = parent
        else:
            ref = self.refs.take(to_ref(_label(group) or group.get("id")) or "group")
            overview = [p for p in group.get("parts") or [] if p.get("name") == "overview"]
            summary = " ".join(_prose(p, {}) for p in overview) or None
            fields = {"kind": RequirementKind.GROUP, "title": title, "summary": summary, **_own_fields(group)}
            if self._add(where, ref=ref, parent=parent, **fields) is None:
                return
        for index, child in enumerate(group.get("groups") or []):
            self.group(child, f"{where}.groups.{index}", ref, [title, *context])
        for index, control in enumerate(group.get("controls") or []):
            self.control(control, f"{where}.controls.{index}", ref, [title, *context], None)

    def control(
        self, control: dict[str, Any], where: str, parent: str | None, context: list[str], base: str | None
    ) -> None:
        if any(p.get("value") == "withdrawn" for p in _props(control, "status")):
            self.withdrawn += 1
            return
        own_title = clean_text(control.get("title")) or str(control.get("id"))
        title = f"{base} | {own_title}" if base else own_title
        params: dict[str, str] = {}
        _param_texts(control, params)
        summary = _statement(control, params)
        ref = self.refs.take(to_ref(_label(control) or control.get("id")) or "control")
        fields: dict[str, Any] = {"title": title, "summary": summary, **_own_fields(control)}
        fields["topics"] = fields["topics"] or guess_topics(title, summary or "", context)
        self._add(where, ref=ref, parent=parent, **fields)
        for index, child in enumerate(control.get("controls") or []):
            self.control(child, f"{where}.controls.{index}", parent, context, own_title)


def read_catalog(
    path: Path,
    *,
    instrument_id: str | None = None,
    issuer: str | None = None,
    jurisdiction: str = "INTL",
    kind: InstrumentKind = InstrumentKind.FRAMEWORK,
    source_url: str | None = None,
    imported_on: dt.date | None = None,
) -> ImportResult:
    """Read an OSCAL catalog (JSON). `issuer` names an existing body; without it a body is made
    from the first party of the catalog's metadata. Problems are returned, never raised."""
    started = time.perf_counter()
    today = imported_on or dt.date.today()
    kb = KnowledgeBase()
    stats = dict.fromkeys(("groups", "controls", "withdrawn"), 0)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", None)
        return ImportResult(kb, [Problem(path.name, line, None, f"malformed JSON: {error}")], stats)
    catalog = data.get("catalog") if isinstance(data, dict) else None
    if not isinstance(catalog, dict):
        return ImportResult(kb, [Problem(path.name, 1, "catalog", "not an OSCAL catalog")], stats)
    metadata: dict[str, Any] = catalog["metadata"] if isinstance(catalog.get("metadata"), dict) else {}
    title = clean_text(metadata.get("title")) or path.stem
    instrument_id = instrument_id or "oscal-" + slugify(title, 50)
    if issuer is None:
        party = next((p for p in metadata.get("parties") or [] if p.get("name")), {"name": title})
        issuer = "oscal-" + slugify(party["name"], 50)
        kb.bodies.append(Body(id=issuer, name=clean_text(party["name"]), kind=BodyKind.INDUSTRY))
    links = [link.get("href", "") for link in metadata.get("links") or [] if isinstance(link, dict)]
    url = source_url or next((h for h in links if h.startswith(("http://", "https://"))), OSCAL_SITE)
    version = metadata.get("oscal-version")
    note = f"OSCAL catalog {path.name}, uuid {catalog.get('uuid')}, oscal-version {version}"
    reader = _CatalogReader(instrument_id, path.name)
    try:
        kb.instruments.append(
            Instrument(
                id=instrument_id,
                kind=kind,
                title=title,
                short_title=shorten(title, 60),
                version=clean_text(metadata.get("version")) or None,
                issuer=issuer,
                jurisdictions=[jurisdiction],
                status=Status.IN_FORCE,
                summary=f"{title}, imported from an OSCAL catalog.",
                sources=[Source(url=url, title=title, date_read=today, note=note)],
                last_reviewed=today,
                note="Imported from OSCAL; the catalog gives no status (in-force assumed).",
            )
        )
    except ValidationError as error:
        message = "; ".join(e["msg"] for e in error.errors())
        return ImportResult(kb, [Problem(path.name, None, "catalog.metadata", message)], stats)
    kb.origins[("instrument", instrument_id)] = Origin(path.name, None)
    for index, group in enumerate(catalog.get("groups") or []):
        reader.group(group, f"catalog.groups.{index}", None, [])
    for index, control in enumerate(catalog.get("controls") or []):
        reader.control(control, f"catalog.controls.{index}", None, [], None)
    kb.requirements = reader.requirements
    for requirement in kb.requirements:
        kb.origins[("requirement", requirement.id)] = Origin(path.name, None)
    stats["groups"] = sum(r.kind is RequirementKind.GROUP for r in kb.requirements)
    stats["controls"] = len(kb.requirements) - stats["groups"]
    stats["withdrawn"] = reader.withdrawn
    return ImportResult(kb, reader.problems, stats, time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------------------
# Export.


def stable_uuid(*parts: str) -> str:
    """A version-5 UUID of `parts`: the same input always gives the same id."""
    return str(uuid.uuid5(_UUID_NAMESPACE, "\x1f".join(parts)))


def control_id(ref: str) -> str:
    """A requirement ref as an OSCAL token: `AC-2(1)` -> `AC-2.1`, `5.1-1` -> `_5.1-1`."""
    token = ref.replace("(", ".").replace(")", "").replace("/", "_").replace("'", "_")
    token = re.sub(r"\.{2,}", ".", token).rstrip(".")
    return token if re.match(r"[A-Za-z_]", token) else f"_{token}"


def _timestamp(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        moment = dt.datetime.now(dt.UTC)
    elif not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(), dt.UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _prop(name: str, value: object, ns: str | None = NS) -> dict[str, str]:
    prop = {"name": name, "value": clean_text(value)}
    if ns:
        prop["ns"] = ns
    return prop


def _requirement_props(requirement: Requirement) -> list[dict[str, str]]:
    props = [_prop("label", requirement.ref, ns=None)]
    props += [_prop("topic", topic.value) for topic in requirement.topics]
    props.append(_prop("obligation", requirement.obligation.value))
    if requirement.conditional:
        props.append(_prop("conditional", "true"))
    props += [_prop("category", category.value) for category in requirement.categories]
    return props


def _synthetic_group(cid: str, title: str, controls: list[dict[str, Any]]) -> dict[str, Any]:
    """A group to hold the controls of a group that also holds groups (read back as the parent)."""
    props = [_prop("synthetic-group", "true")]
    return {"id": f"{cid}__controls", "title": clean_text(title), "props": props, "controls": controls}


def catalog_to_oscal(
    instrument: Instrument, requirements: Iterable[Requirement], *, last_modified: dt.datetime | None = None
) -> dict[str, Any]:
    """An OSCAL catalog (`{"catalog": ...}`) of `instrument` and those of `requirements` that are its."""
    own = [r for r in requirements if r.instrument == instrument.id]
    groups = {r.ref for r in own if r.kind is RequirementKind.GROUP}
    children: dict[str | None, list[Requirement]] = defaultdict(list)
    for requirement in own:
        parent = requirement.parent if requirement.parent in groups else None
        children[parent].append(requirement)

    def node(requirement: Requirement) -> dict[str, Any]:
        cid = control_id(requirement.ref)
        item: dict[str, Any] = {"id": cid, "title": clean_text(requirement.title)}
        item["props"] = _requirement_props(requirement)
        if requirement.summary:
            part = "overview" if requirement.kind is RequirementKind.GROUP else "statement"
            item["parts"] = [{"id": f"{cid}_{part[:3]}", "name": part, "prose": requirement.summary}]
        if requirement.kind is RequirementKind.GROUP:
            subgroups = [node(c) for c in children[requirement.ref] if c.kind is RequirementKind.GROUP]
            controls = [node(c) for c in children[requirement.ref] if c.kind is RequirementKind.REQUIREMENT]
            if subgroups and controls:  # OSCAL: a group holds groups or controls, not both
                subgroups.insert(0, _synthetic_group(cid, requirement.title, controls))
            elif controls:
                item["controls"] = controls
            if subgroups:
                item["groups"] = subgroups
        return item

    top_groups = [node(r) for r in children[None] if r.kind is RequirementKind.GROUP]
    top_controls = [node(r) for r in children[None] if r.kind is RequirementKind.REQUIREMENT]
    catalog: dict[str, Any] = {
        "uuid": stable_uuid("catalog", instrument.id),
        "metadata": {
            "title": clean_text(instrument.title),
            "last-modified": _timestamp(last_modified or instrument.last_reviewed),
            "version": instrument.version or instrument.last_reviewed.isoformat(),
            "oscal-version": OSCAL_VERSION,
            "props": [_prop("instrument-id", instrument.id), _prop("kind", instrument.kind.value)],
        },
    }
    if top_groups:
        catalog["groups"] = top_groups
    if top_controls:
        catalog["controls"] = top_controls
    resources = [
        {
            "uuid": stable_uuid("source", instrument.id, str(source.url)),
            "title": clean_text(source.title),
            "rlinks": [{"href": str(source.url)}],
            **({"remarks": source.note} if source.note else {}),
        }
        for source in instrument.sources
    ]
    if resources:
        catalog["back-matter"] = {"resources": resources}
    return {"catalog": catalog}


def _item(requirement_id: str) -> dict[str, str]:
    _, ref = split_requirement_id(requirement_id)
    return {"type": "control", "id-ref": control_id(ref)}


def _map(mapping: Mapping) -> dict[str, Any]:
    props = [_prop("provenance", mapping.provenance.value), _prop("review-state", mapping.review_state.value)]
    if mapping.strength is not None:
        props.append(_prop("strength", mapping.strength))
    if mapping.joint:
        props.append(_prop("joint", mapping.joint))
    remarks = "\n\n".join(text for text in (mapping.citation, mapping.note) if text)
    result: dict[str, Any] = {
        "uuid": stable_uuid("map", *mapping.key),
        "matching-rationale": mapping.rationale.value,
        "relationship": RELATIONSHIP_TOKENS[mapping.relationship],
        "sources": [_item(mapping.source)],
        "targets": [_item(mapping.target)],
        "props": props,
    }
    if remarks:
        result["remarks"] = remarks
    return result


def _joint_maps(mappings: Sequence[Mapping]) -> list[dict[str, Any]]:
    """One map per joint group: the union of its sources related to the target as a whole."""
    groups: dict[tuple[str, str], list[Mapping]] = defaultdict(list)
    for mapping in mappings:
        if mapping.joint and mapping.joint_relationship:
            groups[(mapping.joint, mapping.target)].append(mapping)
    maps = []
    for (joint, target), members in sorted(groups.items()):
        relationship = members[0].joint_relationship
        assert relationship is not None
        maps.append(
            {
                "uuid": stable_uuid("joint", joint, target),
                "matching-rationale": members[0].rationale.value,
                "relationship": RELATIONSHIP_TOKENS[relationship],
                "sources": [_item(m.source) for m in sorted(members, key=lambda m: m.source)],
                "targets": [_item(target)],
                "props": [_prop("joint", joint), _prop("provenance", members[0].provenance.value)],
                "remarks": f"These sources together (joint {joint}).",
            }
        )
    return maps


def mapping_collection_to_oscal(
    mappings: Iterable[Mapping],
    *,
    title: str,
    description: str | None = None,
    last_modified: dt.datetime | None = None,
    resource_href: Callable[[str], str] = lambda instrument_id: f"{instrument_id}.oscal.json",
) -> dict[str, Any]:
    """An OSCAL mapping collection (`{"mapping-collection": ...}`) of `mappings`.

    `resource_href` gives the href of each instrument's catalog (default `<id>.oscal.json`, as
    written beside it by `catalog_to_oscal`).
    """
    all_mappings = sorted(mappings, key=lambda m: m.key)
    if not all_mappings:
        raise ValueError("an OSCAL mapping collection needs at least one mapping")
    by_pair: dict[tuple[str, str], list[Mapping]] = defaultdict(list)
    for mapping in all_mappings:
        by_pair[(mapping.source.partition(":")[0], mapping.target.partition(":")[0])].append(mapping)
    provenances = {m.provenance for m in all_mappings}
    if provenances <= {Provenance.SUGGESTED}:
        method = "automation"
    elif Provenance.SUGGESTED in provenances:
        method = "hybrid"
    else:
        method = "human"
    finished = all(m.review_state is ReviewState.ACCEPTED for m in all_mappings)
    rationales = sorted({m.rationale.value for m in all_mappings})
    collection: dict[str, Any] = {
        "uuid": stable_uuid("mapping-collection", title, *(("|".join(m.key)) for m in all_mappings)),
        "metadata": {"title": clean_text(title), "last-modified": _timestamp(last_modified), "version": "1.0",
                     "oscal-version": OSCAL_VERSION},
        "provenance": {
            "method": method,
            "matching-rationale": rationales[0] if len(rationales) == 1 else "semantic",
            "status": "complete" if finished else "draft",
            "mapping-description": description or clean_text(title),
        },
        "mappings": [
            {
                "uuid": stable_uuid("mapping", source, target),
                "source-resource": {"type": "catalog", "href": resource_href(source)},
                "target-resource": {"type": "catalog", "href": resource_href(target)},
                "maps": [_map(m) for m in members] + _joint_maps(members),
            }
            for (source, target), members in sorted(by_pair.items())
        ],
    }  # fmt: skip
    return {"mapping-collection": collection}


def write_json(document: dict[str, Any], path: Path) -> None:
    """Write an OSCAL document as indented JSON (UTF-8)."""
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
