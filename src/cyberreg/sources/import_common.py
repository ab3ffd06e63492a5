"""Helpers shared by the importers of external corpora (CISO Assistant, DCMS, OSCAL).

- `ImportResult`: what every importer returns, a `KnowledgeBase` fragment, the problems found and
  counts. The fragment refers to jurisdiction codes of the bundled knowledge base (`INTL`, `USA`,
  `EU`, `GBR`, ...), so check its integrity merged with the bundled one.
- `to_ref` / `RefAllocator`: references as printed, made to fit `REF_PATTERN`, unique per instrument.
- `slugify`: instrument and body ids.
- `load_yaml_fast`: libyaml events straight into dicts and lists, several times faster than `yaml.load`.
- `guess_topics`: the model wants at least one topic per requirement, and imported corpora have none.
  Topics are guessed from keywords in the title, then the text, then the ancestors' titles; when
  nothing matches the fallback is `governance`. At most three topics, title matches first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cyberreg.model import Topic
from cyberreg.model.base import REF_PATTERN
from cyberreg.sources.bundled import KnowledgeBase
from cyberreg.sources.problems import Problem

FALLBACK_TOPIC = Topic.GOVERNANCE
MAX_TOPICS = 3
REF_MAX = 80
_REF = re.compile(REF_PATTERN)
_SPACE = re.compile(r"\s+")
_NOT_REF = re.compile(r"[^A-Za-z0-9.()/_'-]+")
_NOT_SLUG = re.compile(r"[^a-z0-9.]+")
_SLUG_JOINS = re.compile(r"[.-]*-[.-]*|\.{2,}")


@dataclass
class ImportResult:
    """A knowledge-base fragment, every problem found (nothing raised), and counts by name."""

    kb: KnowledgeBase
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def clean_text(value: object) -> str:
    """Text with runs of white space (new lines included) collapsed to one space."""
    return _SPACE.sub(" ", str(value)).strip() if value is not None else ""


def shorten(text: str, limit: int = 100) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    text = clean_text(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return (cut or text[: limit - 1]) + "…"


def ascii_text(text: str) -> str:
    """`text` with accents removed and other non-ASCII characters dropped: `Ünïcode` -> `Unicode`."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slugify(text: str, max_length: int = 60) -> str:
    """A lower-case slug (`SLUG_PATTERN`): `ISO/IEC 27001:2022` -> `iso-iec-27001-2022`,
    `NIST CSF 2.0` -> `nist-csf-2.0` (dots between letters or digits stay)."""
    slug = _SLUG_JOINS.sub("-", _NOT_SLUG.sub("-", ascii_text(text).lower())).strip(".-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug.strip(".-") or "x"


def to_ref(text: object, max_length: int = REF_MAX) -> str | None:
    """`text` made to fit `REF_PATTERN`: spaces and other characters become `-`, repeats collapse.

    `SR 1.1` -> `SR-1.1`, `Recital 1` -> `Recital-1`, `A.5.1` stays. None when nothing is left.
    Too long a reference is cut at a `-` boundary.
    """
    if text is None:
        return None
    ref = _NOT_REF.sub("-", ascii_text(str(text)).strip())
    ref = re.sub(r"-{2,}", "-", ref).lstrip(".()/_'-").rstrip("-")
    if ref.count(")") > ref.count("(") and ref.endswith(")"):  # `(a)` -> `a`, not `a)`
        ref = ref[:-1]
    if len(ref) > max_length:
        ref = ref[:max_length].rsplit("-", 1)[0].rstrip("-") or ref[:max_length]
    return ref if ref and _REF.match(ref) else None


class RefAllocator:
    """Hands out unique references within one instrument: a taken one gets `_2`, `_3`, ..."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, wanted: str) -> str:
        ref, n = wanted, 1
        while ref in self.taken:
            n += 1
            suffix = f"_{n}"
            ref = wanted[: REF_MAX - len(suffix)] + suffix
        self.taken.add(ref)
        return ref


# Keywords per topic, looked for in the text lower-cased with every run of other characters made one
# space and a space added at both ends: " mfa " is a whole word, " log" a word start, "authenticat" a stem.
_TOPIC_WORDS: dict[Topic, tuple[str, ...]] = {
    Topic.PASSWORDS_AUTHENTICATION: (
        "password",
        "passphrase",
        "authenticat",
        "credential",
        "multi factor",
        "multifactor",
        " mfa ",
        " login",
        " log in ",
        "sign on",
        "biometric",
    ),
    Topic.ACCESS_CONTROL: (
        "access control",
        "access right",
        "privilege",
        "authoris",
        "authoriz",
        "permission",
        "role based",
        "account management",
        " account",
        "access management",
        "identity management",
        "remote access",
    ),
    Topic.VULNERABILITY_DISCLOSURE: (
        "vulnerability disclosure",
        "disclosure polic",
        "coordinated disclosure",
        "bug bount",
        "report vulnerabilit",
        "reporting vulnerabilit",
        "report security issue",
        "reporting security issue",
        "point of contact",
    ),
    Topic.VULNERABILITY_HANDLING: (
        "vulnerabilit",
        "flaw remediation",
        "remediat",
        "security advisor",
        " cve ",
    ),
    Topic.SOFTWARE_UPDATES: (
        "software update",
        "firmware update",
        "security update",
        " patch",
        "update mechanism",
        "updating software",
        "update the software",
        "automatic update",
        " updates ",
    ),
    Topic.SUPPORT_PERIOD: ("support period", "end of life", "end of support", "defined support", "lifetime"),
    Topic.SECURE_STORAGE: (
        "secure storage",
        "security parameter",
        "hard coded",
        "hardcoded",
        "data at rest",
        "stored securely",
        "key storage",
    ),
    Topic.SECURE_COMMUNICATION: ("communicat", "in transit", "transmi", " tls ", "network protocol"),
    Topic.CRYPTOGRAPHY: (
        "cryptograph",
        "encrypt",
        "cipher",
        "key management",
        "digital signature",
        "certificate",
    ),
    Topic.ATTACK_SURFACE: (
        "attack surface",
        "hardening",
        "least functionality",
        "unused port",
        "unused service",
        "unused interface",
        "open port",
        "debug interface",
        "secure configuration",
        "baseline configuration",
        "configuration management",
        "network segment",
        "segregat",
        "firewall",
    ),
    Topic.SOFTWARE_INTEGRITY: (
        "integrity",
        "secure boot",
        "code signing",
        "tamper",
        "malicious code",
        "malware",
        "antivirus",
        "anti virus",
    ),
    Topic.PERSONAL_DATA: (
        "personal data",
        "privacy",
        "personally identifiable",
        " pii ",
        "gdpr",
        "data protection",
        "consent",
        "data subject",
    ),
    Topic.RESILIENCE: ("resilien", "outage", "availability", "denial of service", "redundan"),
    Topic.TELEMETRY: ("telemetry",),
    Topic.LOGGING_MONITORING: (
        " log ",
        " logs ",
        " logging ",
        " logged ",
        "monitor",
        "audit trail",
        "audit record",
        "audit log",
        "anomal",
        "detect",
    ),
    Topic.DATA_DELETION: (" delet", " eras", "dispos", "sanitis", "sanitiz", "factory reset", "destruction"),
    Topic.INSTALLATION: (" install", " setup ", " set up ", "maintenance"),
    Topic.INPUT_VALIDATION: (
        "input validation",
        "validate input",
        "validation of input",
        "injection",
        "input data",
    ),
    Topic.SECURE_DEVELOPMENT: (
        "secure development",
        "development life",
        " sdlc ",
        "secure coding",
        "coding practice",
        "code review",
        "software development",
        "design review",
        "threat model",
        "security testing",
        "penetration test",
        "developer",
        "secure design",
        "by design",
    ),
    Topic.SUPPLY_CHAIN: (
        "supply chain",
        "supplier",
        "third part",
        "vendor",
        " sbom",
        "bill of materials",
        "outsourc",
        "service provider",
        "external service",
    ),
    Topic.INCIDENT_REPORTING: (
        "incident notification",
        "notification of incident",
        "notify incident",
        "notification of significant",
        "csirt",
        "report to the competent authorit",
        "report to the authorit",
        "incident report",
    ),
    Topic.INCIDENT_RESPONSE: (
        "incident",
        "response plan",
        " respond to",
        "response to",
        "forensic",
        "containment",
    ),
    Topic.RISK_ASSESSMENT: (" risk",),
    Topic.DOCUMENTATION: (
        "documentation",
        "user information",
        "instructions for use",
        " manual ",
        " manuals ",
        "transparen",
        "inform the user",
        "inform users",
        "inform consumers",
        "inform customers",
        "information to user",
    ),
    Topic.GOVERNANCE: (
        "governance",
        " policy",
        " policies",
        "management system",
        "leadership",
        "responsibilit",
        "oversight",
        "compliance",
        "strateg",
        "accountab",
        "internal audit",
        " legal",
        "regulatory",
    ),
    Topic.ASSET_MANAGEMENT: (" asset", "inventor"),
    Topic.HUMAN_RESOURCES: (
        "training",
        "awareness",
        "personnel",
        "employee",
        " staff",
        "human resource",
        "screening",
        "competen",
        "workforce",
    ),
    Topic.PHYSICAL_SECURITY: (
        "physical",
        "facility",
        "facilities",
        "premises",
        "environmental threat",
        "visitor",
    ),
    Topic.BUSINESS_CONTINUITY: ("continuity", "backup", "back up", " recover", "disaster", "contingency"),
    Topic.CONFORMITY_ASSESSMENT: (
        "conformity",
        "certification",
        "attestation",
        "notified bod",
        "declaration of",
    ),
    Topic.LABELLING: (
        "security label",
        "product label",
        "labelling scheme",
        "labeling scheme",
        " ce marking",
        "trust mark",
    ),
    Topic.MARKET_SURVEILLANCE: ("market surveillance", "enforcement", "penalt", "sanction"),
    Topic.CRITICAL_INFRASTRUCTURE: (
        "critical infrastructure",
        "essential service",
        "essential entit",
        "industrial control",
        " scada ",
        " iacs ",
        "operational technology",
    ),
    Topic.INFORMATION_SHARING: (
        "information sharing",
        "share information",
        "sharing of information",
        "share threat",
        "threat intelligence",
    ),
    Topic.INTERNATIONAL_COOPERATION: (
        "international cooperation",
        "international co operation",
        "cross border",
    ),
    Topic.CAPACITY_BUILDING: ("capacity building",),
    Topic.STANDARDS: (
        "harmonised standard",
        "harmonized standard",
        "international standard",
        "standardis",
        "standardiz",
        "common specification",
    ),
    Topic.STATE_CONDUCT: ("state behaviour", "responsible state", "norms of"),
}
_WORDS = re.compile(r"[^a-z0-9]+")


def topics_in(text: str) -> list[Topic]:
    """Every topic whose keywords occur in `text`, in taxonomy order."""
    if not text:
        return []
    padded = f" {_WORDS.sub(' ', text.lower())} "
    return [topic for topic, words in _TOPIC_WORDS.items() if any(word in padded for word in words)]


def guess_topics(title: str, text: str = "", context: Iterable[str] = ()) -> list[Topic]:
    """Topics for an imported requirement: title first, then its text, then `context` (ancestors'
    titles, nearest first); `governance` when nothing matches."""
    found: list[Topic] = []
    for source in (title, text):
        for topic in topics_in(source):
            if topic not in found:
                found.append(topic)
    if not found:
        for line in context:
            found = topics_in(line)
            if found:
                break
    return found[:MAX_TOPICS] or [FALLBACK_TOPIC]


_PLAIN_SCALARS: dict[str, Any] = {"": None, "~": None, "null": None, "Null": None, "NULL": None}
_PLAIN_SCALARS.update({"true": True, "True": True, "TRUE": True, "false": False, "False": False})


# ---------------------------------------------------------------------------------------------------------
# Fast YAML: libyaml events straight into dicts and lists.


class YamlMap(dict[str, Any]):
    """A mapping read from YAML that knows its 1-based starting line."""

    __slots__ = ("line",)

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line


def load_yaml_fast(path: Path) -> Any:
    """Parse one YAML document with libyaml's event stream. Mappings come back as `YamlMap`.

    Plain scalars `null`/`~`/empty and `true`/`false` are resolved; everything else stays a string
    (numbers and dates included). Anchors and aliases are honoured. Raises `yaml.YAMLError`.
    """
    with path.open("rb") as handle:
        loader = yaml.CBaseLoader(handle) if yaml.__with_libyaml__ else yaml.BaseLoader(handle)
        try:
            return _build(loader)
        finally:
            loader.dispose()


def _build(loader: Any) -> Any:
    scalar, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    plain = _PLAIN_SCALARS
    anchors: dict[str, Any] = {}
    stack: list[tuple[Any, bool, Any, bool]] = []
    root: Any = None
    current: Any = None
    in_map = False
    key: Any = None
    has_key = False
    get_event, check_event = loader.get_event, loader.check_event
    while check_event():
        event = get_event()
        kind = event.__class__
        if kind is scalar:
            value: Any = event.value
            if not event.style and value in plain:
                value = plain[value]
        elif kind is mapping_start:
            value = YamlMap(event.start_mark.line + 1)
        elif kind is sequence_start:
            value = []
        elif kind in ends:
            current, in_map, key, has_key = stack.pop()
            continue
        elif kind is yaml.AliasEvent:
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {event.anchor!r}", event.start_mark
                )
            value = anchors[event.anchor]
        else:  # stream and document events
            continue
        if getattr(event, "anchor", None) and kind is not yaml.AliasEvent:
            anchors[event.anchor] = value
        if current is None:
            root = value
        elif in_map:
            if not has_key:
                key, has_key = value, True
                if kind is mapping_start or kind is sequence_start:  # complex key: unsupported
                    raise yaml.composer.ComposerError(None, None, "complex mapping key", event.start_mark)
                continue
            current[key] = value
            has_key = False
        else:
            current.append(value)
        if kind is mapping_start or kind is sequence_start:
            stack.append((current, in_map, key, has_key))
            current, in_map, key, has_key = value, kind is mapping_start, None, False
    return root
