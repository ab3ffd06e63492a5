"""Which WTO TBT notifications concern cybersecurity: a transparent, weighted rule scorer with evidence.

Every decision names the words or codes that made it. The cyber score is the sum of the weights of the
rules that matched (each rule once), plus a small bonus when a weak or medium security term sits next to
an ICT product (HS 8471/8517/..., ICS 33/35, "router", "IoT", ...), minus penalties for the subjects that
look like cybersecurity but are not (radio spectrum, EMC, electrical safety, energy labelling, eCall,
physical security, network reliability), clamped to [0, 1]. A notification is cyber-related when the
score reaches `CYBER_THRESHOLD`. Explicit terms ("cybersecurity", "information security", ICS 35.030
IT security, UN R155/R156, EN 303 645, ...) weigh 1.0 and outweigh any penalty; a term in a clause that
puts it out of scope ("cybersecurity aspects are not covered") does not count.

Sector, national security and the trade-restrictiveness flags are read by the same kind of rules. Sector
words count double in a clause that holds cyber evidence and not at all in a clause that excludes them
("vehicles ... out of scope"). Flags are only looked for in cyber-related notifications.

There is no learned model: with eight real cyber notifications labelled, nothing could show that one helps.
Measured quality and its caveats: tests/monitor/test_classify.py and test_classify_real.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from pydantic import Field

from cyberreg.model.base import Record
from cyberreg.model.notification import Notification
from cyberreg.monitor import prefilter
from cyberreg.monitor.prefilter import Context, fold

CYBER_THRESHOLD = 0.5
CONTEXT_BONUS = 0.2  # a weak or medium security term next to an ICT product
NEGATIVE_CAP = 0.45  # penalties never outweigh one explicit (1.0) term
NEGATIVE_FIELD_FACTOR = {"title": 1.0, "products": 1.0}  # other fields: half the penalty
TEXT_FIELDS = ("title", "products", "description", "keywords", "objectives")


class Sector(StrEnum):
    IOT_CONSUMER = "iot_consumer"
    TELECOM_NETWORK = "telecom_network"
    RADIO_EQUIPMENT = "radio_equipment"
    VEHICLES = "vehicles"
    AVIATION = "aviation"
    FINANCE = "finance"
    CRYPTO = "crypto"
    SOFTWARE_GENERAL = "software_general"
    INDUSTRIAL = "industrial"
    MEDICAL = "medical"
    OTHER = "other"
    NONE = "none"


class Flag(StrEnum):
    NATIONAL_STANDARD = "national_standard_over_international"
    LOCAL_TESTING = "local_testing_or_certification"
    DOMESTIC_COMPONENTS = "domestic_components_or_suppliers"
    SOURCE_CODE_OR_KEYS = "source_code_or_key_disclosure"
    NATIONAL_CRYPTO = "national_crypto_algorithms"
    DATA_LOCALISATION = "data_localisation"


class Evidence(Record):
    """One rule that fired: its id, the field it fired on and the words or code it matched."""

    rule: str  # `cyber:cybersecurity`, `code:ics:35.030`, `context:ict`, `negative:emc`, `negated:...`
    field: str  # title, products, description, keywords, objectives, hs_codes, ics_codes
    text: str  # the matched words or code, as printed
    weight: float = 0.0  # contribution to the score it belongs to (negative for penalties)

    def __str__(self) -> str:
        sign = f" {self.weight:+.2f}" if self.weight else ""
        return f"{self.rule}{sign} [{self.field}: {self.text!r}]"


class FlagHit(Record):
    flag: Flag
    evidence: list[Evidence]


class Classification(Record):
    symbol: str
    cyber_related: bool
    cyber_score: float = Field(ge=0.0, le=1.0)
    sector: Sector
    national_security: bool
    flags: list[FlagHit] = []
    evidence: list[Evidence] = []  # what decided cyber_related (positive, context, negative, negated)
    sector_evidence: list[Evidence] = []
    national_security_evidence: list[Evidence] = []

    @property
    def flag_names(self) -> list[Flag]:
        return [hit.flag for hit in self.flags]

    def has_flag(self, flag: Flag | str) -> bool:
        return Flag(flag) in self.flag_names

    def explain(self) -> str:
        """A few lines a reviewer can read: the decision, then each piece of evidence."""
        verdict = "cyber-related" if self.cyber_related else "not cyber-related"
        lines = [f"{self.symbol}: {verdict} (score {self.cyber_score:.2f}), sector {self.sector.value}"]
        lines += [f"  {item}" for item in self.evidence]
        lines += [f"  sector: {item}" for item in self.sector_evidence]
        if self.national_security:
            lines += [f"  national security: {item}" for item in self.national_security_evidence]
        for hit in self.flags:
            lines += [f"  flag {hit.flag.value}: {item}" for item in hit.evidence]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# Rules. A term list holds regular expressions separated by ` | ` or new lines; each must stand alone
# (no letter or digit right before or after it). Matching ignores case.


@dataclass(frozen=True)
class Rule:
    id: str
    pattern: re.Pattern[str]
    weight: float


def terms(spec: str) -> re.Pattern[str]:
    """One pattern from a term list: `vehicles? | automotive` matches either, as whole words."""
    items = [item.strip() for line in spec.splitlines() for item in line.split(" | ")]
    return re.compile("|".join(rf"(?<!\w)(?:{item})(?!\w)" for item in items if item), re.IGNORECASE)


def _rules(prefix: str, table: str) -> tuple[Rule, ...]:
    """Rules from `id weight: term | term` lines (a line starting with `+` continues the one above)."""
    rows: list[list[str]] = []
    for line in table.strip().splitlines():
        if line.lstrip().startswith("+"):
            rows[-1].append(line.lstrip()[1:])
        else:
            rows.append([line])
    found = []
    for head, *more in rows:
        name_weight, _, spec = head.partition(":")
        name, weight = name_weight.split()
        found.append(Rule(f"{prefix}:{name}", terms(" | ".join([spec, *more])), float(weight)))
    return tuple(found)


# Collocations where "security" is not about ICT; they are blanked out before the cyber rules run.
NOT_CYBER_SECURITY = terms(r"""
(national|state|public|food|social|energy|job|border|physical|personal|homeland) security
security (of supply|doors?|glazing|glass|seals?|print\w*|inks?|paper|threads?|holograms?|guards?|personnel)
security (forces|services|council|deposits?|interests?|features?) | securit(y|ies) (markets?|exchange|law)
""")

STRONG = 1.0
CYBER_RULES = _rules(
    "cyber",
    r"""
cybersecurity 1.0: cyber[\s-]?secur\w*
 + cyber[\s-]?(attacks?|threats?|resilien\w*|risks?|incidents?|defen[cs]e)
information-security 1.0: information[\s-]+security | network (and information )?security
ict-security 1.0: (it|ict|computer|product|software|device|data|firmware|iot|communications?|cloud) security
 + security of (the )?(network|information|ict|it|data|software|telecom\w*|computer|connected)\w*
 + critical information infrastructure
named-instrument 1.0: UN[\s-]?R\s?15[56] | (UN|UNECE|UN/ECE) Regulations? No\.?\s?15[56] | EN 303 645
 + (ISO/SAE|ISO|SAE) 21434 | EN 18031 | (IEC )?62443 | ISO/IEC 2700[12] | (ISO/IEC |ISO )15408 | PSTI
 + common criteria (\(ISO|for information technology|certifica\w*|evaluation|scheme|recognition) | EAL\s?[1-7]
 + \(EU\) ?2022/30 | cyber resilience act
 + product security and telecommunications infrastructure | MTCTE | ITSAR | security assurance requirements
 + mandatory testing and certification of telecom\w* | cyber trust mark | JC-STAR | NIST IR 8(259|425)
 + FIPS 140 | multi-level protection scheme | CSMS
civil-cryptography 1.0: (civil|commercial) cryptograph\w*
cryptography 0.8: cryptograph\w* | (en|de)crypt\w* | ciphers? | cipher machines?
vulnerabilities 0.8: (security|software|exploitable|exploited|known) vulnerabilit\w*
 + vulnerabilit\w* (disclosure|handling|management|report\w*|scan\w*)
security-updates 0.8: security (updates?|patch\w*) | software update management
 + over[\s-]the[\s-]air (software )?updates?
passwords 0.8: (default|universal|unique) passwords?
attack-defence 0.8: malware | ransomware | intrusion (detection|prevention) | hack(ing|ers?|ed)
 + denial[\s-]of[\s-]service | penetration test\w* | secure boot | software bill of materials | SBOM
security-function 0.5: security (technical )?(assessment|evaluation|test\w*|certifica\w*|requirements?)
 + security (assurance|levels?)
 + security (audit\w*|management|functions?|protection|risks?|threats?|incidents?|measures?|products?|review)
 + security controls? | secure communications?
unauthorised-access 0.5: unauthori[sz]ed (access|modification|electronic|software|code)
 + confidentiality,? (and )?integrity
authentication 0.4: authenticat\w* | access control | firewalls?
data-protection 0.3: personal data | privacy | data protection
tampering 0.2: tamper\w*
""",
)
# Counted only when no other cyber rule fired: the bare word, outside the collocations above.
BARE_SECURITY = Rule("cyber:security-word", terms("security"), 0.25)

ICT_CONTEXT = terms(r"""
internet[\s-]connect\w* | network[\s-]connect\w* | connectable
connected (devices?|products?|vehicles?|cameras?)
smart (devices?|home|meters?|speakers?|tvs?|televisions?|locks?) | IoT | internet of things | software
firmware
digital elements? | telecom\w* | routers? | gateways? | wireless | wi-?fi | bluetooth | cellular | 5G | cloud
servers? | data processing | information (technology|systems?) | communication networks?
""")
ICT_HS_PREFIXES = ("8470", "8471", "8472", "8473", "8517", "8525", "8528", "8542", "8543")
ICT_ICS_PREFIXES = ("33", "35")
STRONG_ICS = {"35.030": "IT security"}

NEGATIVE_RULES = _rules(
    "negative",
    r"""
radio-spectrum 0.3: (radio[\s-])?spectrum | frequenc(y|ies) (bands?|range|allocation|management)
 + \d+(\.\d+)?\s?[GM]Hz
 + transmit(ter)? power | spurious emissions? | harmful interference | licen[cs]e[\s-]exempt
 + short[\s-]range devices?
 + broadcast\w*
emc 0.3: electromagnetic compatibility | EMC | immunity
electrical-safety 0.3: electric(al)? shock | electrical safety | (fire|thermal|energy) hazards? | 6(0950|2368)
 + low voltage
energy 0.3: energy (efficiency|consumption|label\w*|performance|conservation) | (standby|idle) power
 + efficiency (classes|grades)
ecall 0.3: e-?call | emergency call\w* | minimum set of data | crash data | 911
physical-security 0.3: burglar\w* | forced entry | safes | immobili[sz]ers? | (vehicle )?alarm systems?
reliability 0.2: reliab(le|ility) | interoperab\w*
""",
)

# Clauses that put what they name out of scope.
EXCLUSION = terms(r"""
exclud\w* | out of (the )?scope | outside (of )?the scope | other than | except(ing)?
not (be )?(covered|included|addressed|within|in scope|apply|applicable)
(does|do|shall) not (apply|cover|include|address)
""")
# `;`, a new line, or a full stop after a small letter or bracket, then spaces and a capital. (The full stop
# is matched before the character behind it is checked: the same splits as `(?<=[a-z)\]])\.\s+(?=[A-Z])`,
# found faster.)
_CLAUSE_SPLIT = re.compile(r"[;\n]|\.(?<=[a-z)\]]\.)\s+(?=[A-Z])")

NATIONAL_SECURITY = terms(r"national security | state security | national defen[cs]e | security of the state")

# ---------------------------------------------------------------------------------------------------------
# Sectors: words (weight), HS prefixes and ICS prefixes. Ties go to the earlier sector in this order.

SECTOR_ORDER = (
    Sector.VEHICLES, Sector.AVIATION, Sector.MEDICAL, Sector.FINANCE, Sector.CRYPTO, Sector.INDUSTRIAL,
    Sector.RADIO_EQUIPMENT, Sector.IOT_CONSUMER, Sector.TELECOM_NETWORK, Sector.SOFTWARE_GENERAL,
)  # fmt: skip
SECTOR_WORDS = _rules(
    "sector",
    r"""
vehicles 1.0: (motor |road |connected |intelligent connected )?vehicles? | automotive | passenger cars?
 + trucks?
 + buses | categor(y|ies) [MNOL]\d?
vehicles 2.0: UN[\s-]?R\s?15[56] | (UN|UNECE|UN/ECE) Regulations? No\.?\s?15[56] | (ISO/SAE|ISO|SAE) 21434
aviation 1.0: aircraft | airplanes? | aeroplanes? | aviation | airworthiness | avionics
 + air (traffic|navigation)
 + airports? | drones?
medical 1.0: medical devices? | health software | insulin | patients? | in vitro | pacemakers?
 + infusion pumps?
finance 1.0: bank\w* | payments? | point[\s-]of[\s-]sale | ATMs? | automated teller | financial
 + insur(ance|ers?)
 + card readers?
crypto 2.0: (cryptograph\w*|encryption) (products?|devices?|cards?|modules?|functions?) | cipher machines?
 + (civil|commercial) cryptograph\w*
crypto 0.5: cryptograph\w* | encrypt\w*
industrial 1.0: industrial (automation|control|network)\w* | IACS | SCADA | programmable logic | PLCs? | 62443
 + operational technology | critical infrastructure | smart (electricity )?meter\w* | metering | utilit(y|ies)
 + (power|electricity) grid | substations?
radio_equipment 1.0: radio (equipment|devices?|toys?) | wireless (devices?|equipment) | wearable radio
radio_equipment 2.0: \(EU\) ?2022/30 | radio equipment (directive|regulation) | EN 18031
iot_consumer 1.0: consumers? | IoT | internet of things | connectable | baby monitors? | wearables?
 + household
 + smart (home|speakers?|tvs?|televisions?|locks?|devices?|watch\w*)
 + connected (cameras?|devices?|products?|toys?)
 + labell?ing (scheme|programme|program)
iot_consumer 2.0: cyber trust mark | EN 303 645 | PSTI | product security and telecommunications
telecom_network 1.0: telecom\w* (equipment|networks?|installations?|operators?) | routers? | switch(es)?
 + network (equipment|products?|elements?|operators?) | base stations? | 5G | core network
 + terminal equipment
 + gateways? | mobile network
telecom_network 2.0: MTCTE | ITSAR | mandatory testing and certification of telecom\w*
software_general 1.0: software | digital elements? | IT products? | operating systems? | databases? | cloud
 + computers? | data processing | servers? | common criteria | (ISO/IEC |ISO )15408 | cyber resilience act
 + information systems?
""",
)
SECTOR_CODES: dict[Sector, tuple[tuple[str, ...], tuple[str, ...]]] = {  # (HS prefixes, ICS prefixes)
    Sector.VEHICLES: (("87",), ("43",)),
    Sector.AVIATION: (("8802", "8803", "8806"), ("49", "03.220.50")),
    Sector.MEDICAL: (("9018", "9019", "9021", "9022"), ("11",)),
    Sector.FINANCE: (("847050", "847290"), ("35.240.40", "03.060")),
    Sector.INDUSTRIAL: (("8537", "9032", "902830"), ("25.040", "17.220.20", "91.140.50")),
    Sector.RADIO_EQUIPMENT: (("8526",), ("33.060",)),
    Sector.IOT_CONSUMER: (("8518", "8528"), ("97",)),
    Sector.TELECOM_NETWORK: (("8517",), ("33",)),
    Sector.SOFTWARE_GENERAL: (("8471",), ("35",)),
}
SECTOR_CODE_WEIGHT = 0.5
GENERIC_SECTOR_FACTOR = {Sector.SOFTWARE_GENERAL: 0.5}  # generic IT words yield to a specific sector
SCOPE_FIELDS = {"title": 1.5, "products": 1.5}  # fields that say what the measure covers
CYBER_CLAUSE_FACTOR = 2.0

# ---------------------------------------------------------------------------------------------------------
# Trade-restrictiveness flags.

_FLAG_RULES = _rules(
    "flag",
    r"""
national_standard_over_international 1.0: GB(/T)?\s?\d{4,5} | (TCVN|QCVN)\s?\d+
 + (mandatory )?national (information security |security |cryptographic |technical )?standards?
 + national (security |cryptographic )?specifications?
 + no (relevant )?international standards? | deviat\w* from (the )?(relevant )?international
 + not based on (an? |the )?(relevant )?international standards? | instead of (the )?international
local_testing_or_certification 1.0: in[\s-]country (test\w*|certification|laborator\w*)
 + national laborator\w*
 + (test\w*|certif\w*) (in|within) (the )?(territory|country)
 + local(ly)? (test\w*|laborator\w*|certification)
 + domestic (test\w*|laborator\w*|certification) | laborator(y|ies) (located|designated) in
 + designated (testing |test |certification )?(laborator\w*|bod(y|ies)|cent(re|er)s?)
 + national(?: \w+){0,3} (testing|test|certification) (laborator\w*|cent(re|er)s?|bod(y|ies))
 + (certificates?|certification|approval) (issued )?by (the )?national | mandatory testing and certification
 + MTCTE | ITSAR | compulsory (product )?certification
domestic_components_or_suppliers 1.0: local content | locally (produced|manufactured|made) | indigenous\w*
 + domestic(ally)? (produced|manufactured|made|developed|components?|products?|suppliers?|software|chips?)
 + trusted (sources?|suppliers?|vendors?) | high[\s-]risk (vendors?|suppliers?)
 + national (suppliers?|vendors?|manufacturers?)
source_code_or_key_disclosure 1.0: source codes? | key escrow | backdoors?
 + technical details of (the )?encryption
 + (encryption|decryption|private|crypto\w*) keys?[^.;]{0,60}(provid|disclos|deposit|submit|escrow)\w*
 + (encryption|decryption|private|crypto\w*) keys?[^.;]{0,40}(authorit|agenc|government)\w*
 + (provid|disclos|deposit|submit|hand\w* over)\w*[^.;]{0,60}\b(encryption|cryptographic|decryption) keys?
national_crypto_algorithms 1.0: national (cryptographic|encryption|cipher) (algorithms?|standards?)
 + (civil|commercial|state) cryptograph\w* | SM2 | SM3 | SM4 | SM9 | ZUC | GOST
 + algorithms? approved by (the )?(national|state|government)
 + domestic (cryptographic |encryption )?algorithms?
data_localisation 1.0: data locali[sz]ation | local(ly)? stor(ed|age)
 + stored (with)?in (the )?(territory|country)
 + (stored|kept|hosted|processed) (locally|domestically|in[\s-]country) | cross[\s-]border (data )?transfers?
 + servers? (located|hosted) (in|within) (the )?(country|territory)
 + transfer of (such |personal |important )?data abroad
 + data (shall|must) (remain|be stored|be kept) (in|within)
""",
)
FLAG_RULES: dict[Flag, Rule] = {Flag(rule.id.split(":", 1)[1]): rule for rule in _FLAG_RULES}
INTERNATIONAL_REFERENCE = terms(r"""
ISO | IEC | ITU | ETSI | 3GPP | EN \d{3} | UN[\s-]?R\s?\d+ | UN Regulations? | common criteria
harmoni[sz]ed standards? | international standards?
""")
EXPLICIT_DIVERGENCE = terms(r"""
no (relevant )?international standards? | deviat\w* from (the )?(relevant )?international
not based on (an? |the )?(relevant )?international standards? | instead of (the )?international
""")

# ---------------------------------------------------------------------------------------------------------
# Classification.
#
# Speed: the patterns are run through literal pre-filters (`cyberreg.monitor.prefilter`), which skip the
# clauses and the terms a pattern cannot match there; every match found is the one the full pattern finds.
# These patterns are pre-filtered with one Aho-Corasick pass per notification when `pyahocorasick` is
# installed.
_PREFILTERED = (
    NOT_CYBER_SECURITY,
    EXCLUSION,
    NATIONAL_SECURITY,
    ICT_CONTEXT,
    BARE_SECURITY.pattern,
    *(rule.pattern for rule in (*CYBER_RULES, *NEGATIVE_RULES, *SECTOR_WORDS, *FLAG_RULES.values())),
)


class _Clause(NamedTuple):
    number: int  # its place among the notification's clauses
    field: str
    text: str
    masked: str  # the text with non-ICT "security" collocations blanked out (same length)
    excluded: bool  # the clause puts what it names out of scope
    folded: str  # `fold(text)`, for the pre-filters


def _mask(match: re.Match[str]) -> str:
    return "_" * len(match.group(0))


def _clauses(notification: Notification) -> tuple[list[_Clause], Context]:
    values = {
        "title": notification.title,
        "products": notification.products,
        "description": notification.description,
        "keywords": "; ".join(notification.keywords),
        "objectives": "; ".join(notification.objectives),
    }
    parts: list[tuple[str, str, str]] = []
    for field in TEXT_FIELDS:
        value = values[field]
        if not value:
            continue
        for part in _CLAUSE_SPLIT.split(value):
            text = part.strip()
            if text:
                parts.append((field, text, fold(text)))
    context = prefilter.context("\n".join(folded for _, _, folded in parts), _PREFILTERED)
    masking, excluding = prefilter.matcher(NOT_CYBER_SECURITY), prefilter.matcher(EXCLUSION)
    mask_kept, exclusion_kept = masking.kept(context), excluding.kept(context)
    found: list[_Clause] = []
    for field, text, folded in parts:
        masked, excluded = text, False
        if mask_kept and masking.may_match(mask_kept, folded):
            masked = masking.narrowed(mask_kept).sub(_mask, text)
        if exclusion_kept and excluding.may_match(exclusion_kept, folded):
            excluded = bool(excluding.narrowed(exclusion_kept).search(text))
        found.append(_Clause(len(found), field, text, masked, excluded, folded))
    return found, context


def _snippet(text: str, match: re.Match[str]) -> str:
    return " ".join(text[match.start() : match.end()].split())[:80]


def _first_match(
    rule: Rule, clauses: Sequence[_Clause], context: Context, *, masked: bool = False
) -> tuple[_Clause, str] | None:
    """The first clause the rule matches and the words it matched (read in the masked text if asked)."""
    matcher = prefilter.matcher(rule.pattern)
    kept = matcher.kept(context)
    if not kept:
        return None
    pattern = matcher.narrowed(kept)
    for clause in clauses:
        if matcher.may_match(kept, clause.folded) and (
            match := pattern.search(clause.masked if masked else clause.text)
        ):
            return clause, _snippet(clause.text, match)
    return None


def _ict_context(notification: Notification, clauses: Sequence[_Clause], context: Context) -> Evidence | None:
    for code in notification.ics_codes:
        if code.split(".")[0] in ICT_ICS_PREFIXES:
            return Evidence(rule="context:ict", field="ics_codes", text=code, weight=CONTEXT_BONUS)
    for code in notification.hs_codes:
        if code.startswith(ICT_HS_PREFIXES):
            return Evidence(rule="context:ict", field="hs_codes", text=code, weight=CONTEXT_BONUS)
    hit = _first_match(
        Rule("context:ict", ICT_CONTEXT, CONTEXT_BONUS), [c for c in clauses if not c.excluded], context
    )
    if hit is None:
        return None
    clause, words = hit
    return Evidence(rule="context:ict", field=clause.field, text=words, weight=CONTEXT_BONUS)


def _cyber_evidence(
    notification: Notification, clauses: Sequence[_Clause], context: Context
) -> tuple[float, list[Evidence], set[int]]:
    """The cyber score, its evidence, and the indexes of the clauses that hold positive evidence."""
    in_scope = [c for c in clauses if not c.excluded]
    out_of_scope = [c for c in clauses if c.excluded]
    evidence: list[Evidence] = []
    cyber_clauses: set[int] = set()
    points = 0.0
    for rule in CYBER_RULES:
        if not prefilter.matcher(rule.pattern).kept(context):
            continue  # matches no clause, in scope or out of it
        hit = _first_match(rule, in_scope, context, masked=True)
        if hit is None:
            if (negated := _first_match(rule, out_of_scope, context, masked=True)) is not None:
                name = "negated:" + rule.id.split(":", 1)[1]
                evidence.append(Evidence(rule=name, field=negated[0].field, text=negated[1]))
            continue
        clause, words = hit
        points += rule.weight
        cyber_clauses.add(clause.number)
        evidence.append(Evidence(rule=rule.id, field=clause.field, text=words, weight=rule.weight))
    for code in notification.ics_codes:
        for prefix, name in STRONG_ICS.items():
            if code == prefix or code.startswith(prefix + "."):
                points += STRONG
                text = f"{code} ({name})"
                evidence.append(
                    Evidence(rule=f"code:ics:{prefix}", field="ics_codes", text=text, weight=STRONG)
                )
    if points == 0 and (bare := _first_match(BARE_SECURITY, in_scope, context, masked=True)) is not None:
        clause, words = bare
        points += BARE_SECURITY.weight
        cyber_clauses.add(clause.number)
        evidence.append(
            Evidence(rule=BARE_SECURITY.id, field=clause.field, text=words, weight=BARE_SECURITY.weight)
        )
    if 0 < points < STRONG and (ict := _ict_context(notification, clauses, context)) is not None:
        points += ict.weight
        evidence.append(ict)
    penalty = 0.0
    for rule in NEGATIVE_RULES:
        if (hit := _first_match(rule, clauses, context)) is not None:
            clause, words = hit
            weight = rule.weight * NEGATIVE_FIELD_FACTOR.get(clause.field, 0.5)
            penalty += weight
            evidence.append(Evidence(rule=rule.id, field=clause.field, text=words, weight=-weight))
    score = max(0.0, min(1.0, points - min(penalty, NEGATIVE_CAP)))
    return round(score, 3), evidence, cyber_clauses


def _cyber_spans(clause: _Clause, context: Context) -> list[tuple[int, int]]:
    return [
        m.span()
        for rule in CYBER_RULES
        for _, m in prefilter.matcher(rule.pattern).matches([clause], context, masked=True)
    ]


def _sector(
    notification: Notification, clauses: Sequence[_Clause], cyber_clauses: set[int], context: Context
) -> tuple[Sector, list[Evidence]]:
    """The sector with the most weight among those the title, products or codes name.

    Words count double in a clause holding cyber evidence and half again in the title or products; a word
    inside a cyber phrase ("unauthorized software modification") says what is protected against, not what
    is covered, and does not count (a word that is the whole phrase, "civil cryptography", does). With no
    sector in the title, products or codes, the sector is `other`.
    """
    scores: dict[Sector, float] = {}
    evidence: dict[Sector, list[Evidence]] = {}
    in_scope: set[Sector] = set()
    spans: dict[int, list[tuple[int, int]]] = {}  # each clause's, when first needed
    in_scope_clauses = [clause for clause in clauses if not clause.excluded]
    for rule in SECTOR_WORDS:
        sector = Sector(rule.id.split(":", 1)[1])
        for clause, match in prefilter.matcher(rule.pattern).matches(in_scope_clauses, context):
            factor = (CYBER_CLAUSE_FACTOR if clause.number in cyber_clauses else 1.0) * SCOPE_FIELDS.get(
                clause.field, 1.0
            )
            if clause.number not in spans:
                spans[clause.number] = _cyber_spans(clause, context)
            if any(
                a <= match.start() and match.end() <= b and b - a > match.end() - match.start()
                for a, b in spans[clause.number]
            ):
                continue  # a word inside a longer cyber phrase
            text = _snippet(clause.text, match)
            weight = rule.weight * factor
            evidence.setdefault(sector, []).append(
                Evidence(rule=rule.id, field=clause.field, text=text, weight=weight)
            )
            scores[sector] = scores.get(sector, 0.0) + weight
            if clause.field in SCOPE_FIELDS:
                in_scope.add(sector)
    for sector, (hs_prefixes, ics_prefixes) in SECTOR_CODES.items():
        for field, codes, prefixes, dot in (
            ("hs_codes", notification.hs_codes, hs_prefixes, ""),
            ("ics_codes", notification.ics_codes, ics_prefixes, "."),
        ):
            for code in codes:
                if any(code == p or code.startswith(p + dot) for p in prefixes):
                    evidence.setdefault(sector, []).append(
                        Evidence(
                            rule=f"sector:{sector.value}", field=field, text=code, weight=SECTOR_CODE_WEIGHT
                        )
                    )
                    scores[sector] = scores.get(sector, 0.0) + SECTOR_CODE_WEIGHT
                    in_scope.add(sector)
    if not in_scope:
        return Sector.OTHER, []
    scores = {sector: score * GENERIC_SECTOR_FACTOR.get(sector, 1.0) for sector, score in scores.items()}
    best = max(SECTOR_ORDER, key=lambda s: (s in in_scope, scores.get(s, 0.0), -SECTOR_ORDER.index(s)))
    return best, evidence[best]


def _national_security(
    notification: Notification, clauses: Sequence[_Clause], context: Context
) -> list[Evidence]:
    matcher = prefilter.matcher(NATIONAL_SECURITY)
    every = tuple(range(len(matcher.parts)))
    found = [
        Evidence(rule="national-security:objective", field="objectives", text=objective)
        for objective in notification.objectives
        if matcher.may_match(every, fold(objective)) and NATIONAL_SECURITY.search(objective)
    ]
    eligible = [clause for clause in clauses if clause.field != "objectives" and not clause.excluded]
    for clause, match in matcher.matches(eligible, context):  # the first match in the first clause
        text = _snippet(clause.text, match)
        found.append(Evidence(rule="national-security:text", field=clause.field, text=text))
        break
    return found


def _flags(clauses: Sequence[_Clause], context: Context) -> list[FlagHit]:
    in_scope = [c for c in clauses if not c.excluded and c.field != "objectives"]
    whole = " ".join(c.text for c in in_scope)
    hits = []
    for flag, rule in FLAG_RULES.items():
        evidence = [
            Evidence(rule=rule.id, field=c.field, text=_snippet(c.text, m))
            for c, m in prefilter.matcher(rule.pattern).matches(in_scope, context)
        ]
        if not evidence:
            continue
        if flag is Flag.NATIONAL_STANDARD and not EXPLICIT_DIVERGENCE.search(whole):
            if INTERNATIONAL_REFERENCE.search(whole):
                continue  # a national standard next to an international one is not flagged
            evidence.append(
                Evidence(
                    rule="flag:no-international-reference",
                    field="text",
                    text="no international standard cited",
                )
            )
        hits.append(FlagHit(flag=flag, evidence=evidence))
    return hits


def classify(notification: Notification, *, threshold: float = CYBER_THRESHOLD) -> Classification:
    """Classify one notification: cyber-related or not, with score, sector, national security and flags."""
    clauses, context = _clauses(notification)
    score, evidence, cyber_clauses = _cyber_evidence(notification, clauses, context)
    cyber = score >= threshold
    sector, sector_evidence = (
        _sector(notification, clauses, cyber_clauses, context) if cyber else (Sector.NONE, [])
    )
    national = _national_security(notification, clauses, context)
    return Classification(
        symbol=notification.symbol,
        cyber_related=cyber,
        cyber_score=score,
        sector=sector,
        national_security=bool(national),
        flags=_flags(clauses, context) if cyber else [],
        evidence=evidence,
        sector_evidence=sector_evidence,
        national_security_evidence=national,
    )


def classify_all(
    notifications: Iterable[Notification], *, threshold: float = CYBER_THRESHOLD
) -> list[Classification]:
    return [classify(notification, threshold=threshold) for notification in notifications]
