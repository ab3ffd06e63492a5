"""Instruments: laws, standards, labelling schemes, frameworks, trade agreements and sets of norms."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from cyberreg.model.base import NonEmpty, Record, Slug
from cyberreg.model.jurisdiction import JurisdictionCode
from cyberreg.model.notification import normalize_symbol
from cyberreg.model.source import Source


class InstrumentKind(StrEnum):
    REGULATION = "regulation"  # a law or technical regulation: compliance is mandatory
    STANDARD = "standard"
    LABELLING_SCHEME = "labelling-scheme"  # certification or labelling scheme
    FRAMEWORK = "framework"  # framework, code of practice or guidance
    TRADE_AGREEMENT = "trade-agreement"
    NORMS = "norms"  # a set of norms of state behaviour


class Status(StrEnum):
    PROPOSED = "proposed"
    ADOPTED = "adopted"  # adopted but not yet applying
    IN_FORCE = "in-force"
    REPEALED = "repealed"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


class DateKind(StrEnum):
    PROPOSED = "proposed"
    ADOPTED = "adopted"
    PUBLISHED = "published"
    SIGNED = "signed"
    ENTRY_INTO_FORCE = "entry-into-force"
    APPLIES_FROM = "applies-from"
    TRANSITION_END = "transition-end"
    LAUNCHED = "launched"
    REPEALED = "repealed"
    WITHDRAWN = "withdrawn"


class KeyDate(Record):
    kind: DateKind
    date: dt.date
    note: str | None = None  # what applies from this date when several do (e.g. CRA reporting duties)


class Objective(StrEnum):
    """The objectives of the WTO TBT notification form (ePing's list), national security included."""

    NATIONAL_SECURITY = "national-security"
    CONSUMER_INFORMATION = "consumer-information"  # consumer information, labelling
    CONSUMER_PROTECTION = "consumer-protection"  # prevention of deceptive practices and consumer protection
    HUMAN_HEALTH_SAFETY = "human-health-safety"
    ANIMAL_PLANT_HEALTH = "animal-plant-health"
    ENVIRONMENT = "environment"
    QUALITY = "quality"
    HARMONIZATION = "harmonization"
    TRADE_FACILITATION = "trade-facilitation"  # reducing trade barriers and facilitating trade
    COST_SAVING = "cost-saving"  # cost saving and productivity enhancement
    OTHER = "other"


class ProductCategory(StrEnum):
    CONSUMER_IOT = "consumer-iot"
    RADIO_EQUIPMENT = "radio-equipment"
    PRODUCTS_WITH_DIGITAL_ELEMENTS = "products-with-digital-elements"
    SOFTWARE = "software"
    INDUSTRIAL_AUTOMATION = "industrial-automation"
    TELECOM_NETWORK = "telecom-network"
    VEHICLES = "vehicles"
    MEDICAL_DEVICES = "medical-devices"
    ICT_SERVICES = "ict-services"
    ORGANISATIONS = "organisations"  # management-system and organisational frameworks
    DIGITAL_TRADE = "digital-trade"
    STATE_BEHAVIOUR = "state-behaviour"


class Scope(Record):
    summary: str | None = None
    product_categories: list[ProductCategory] = []
    # Product features that bring a product into scope (radio, internet, app, updates, personal-data ...).
    features: list[str] = []
    hs_codes: list[str] = Field(default=[], description="HS codes without dots, 2 to 6 digits")
    exclusions: list[str] = []

    @model_validator(mode="after")
    def _check_hs(self) -> Scope:
        for code in self.hs_codes:
            if not (code.isdigit() and len(code) in (2, 4, 6)):
                raise ValueError(f"HS code must be 2, 4 or 6 digits without dots, got {code!r}")
        return self


class Route(StrEnum):
    SELF_DECLARATION = "self-declaration"
    THIRD_PARTY_ASSESSMENT = "third-party-assessment"
    CERTIFICATION = "certification"
    LABEL = "label"
    NONE = "none"  # guidance, agreements and norms have no conformity route


class LabelLevel(Record):
    id: NonEmpty  # as printed by the scheme: "1", "2", "star-1", "SL 2"
    name: NonEmpty
    summary: str | None = None
    route: Route | None = None


class ConformityRoute(Record):
    routes: list[Route] = []
    levels: list[LabelLevel] = []
    note: str | None = None


class LinkType(StrEnum):
    IMPLEMENTS = "implements"
    DEEMED_COMPLIANCE_WITH = "deemed-compliance-with"  # conforming to the target is deemed to meet this one
    MUTUAL_RECOGNITION_WITH = "mutual-recognition-with"
    SUPERSEDES = "supersedes"
    AMENDS = "amends"
    HARMONISED_STANDARD_FOR = "harmonised-standard-for"  # this standard gives presumption of conformity
    BASED_ON = "based-on"
    REFERENCES = "references"


class InstrumentLink(Record):
    type: LinkType
    target: Slug
    note: str | None = None
    sources: list[Source] = []


class NotifiedAs(Record):
    """A WTO notification of this instrument (or of its draft), as a source states it."""

    symbol: str
    note: str | None = None
    sources: list[Source] = Field(min_length=1)

    @field_validator("symbol")
    @classmethod
    def _canonical(cls, value: str) -> str:
        return normalize_symbol(value)


class Instrument(Record):
    id: Slug
    kind: InstrumentKind
    title: NonEmpty
    short_title: NonEmpty
    version: str | None = None  # the edition described, e.g. "V2.1.1"
    issuer: Slug  # a Body id
    jurisdictions: list[JurisdictionCode] = Field(min_length=1)
    status: Status
    dates: list[KeyDate] = []
    summary: NonEmpty  # in our own words
    scope: Scope = Scope()
    objectives: list[Objective] = []
    conformity: ConformityRoute = ConformityRoute()
    links: list[InstrumentLink] = []
    notifications: list[NotifiedAs] = []  # WTO TBT notifications of this measure
    sources: list[Source] = Field(min_length=1)
    last_reviewed: dt.date
    note: str | None = None  # what is deliberately left out, and why

    @property
    def is_mandatory(self) -> bool:
        return self.kind is InstrumentKind.REGULATION

    def date_of(self, kind: DateKind) -> dt.date | None:
        return next((d.date for d in self.dates if d.kind == kind), None)
