"""Write a synthetic ePing-shaped workbook for benchmarks.

The layout copies the real export (`../shared/data/tbt/eping-export-example.xlsx`): one `Notifications`
sheet, the 17 export columns, shared strings, `HYPERLINK()` formulas with no cached value for the symbol
and the links, Excel serial dates styled `dd/MM/yyyy`, an empty string for a missing comment deadline,
`code - description; ...` HS and ICS cells (descriptions may hold `; `), `(TBT)`/`(SPS)` objectives,
literal `_x000D_`, some HTML, SPS and TBT rows, follow-ups (Add./Rev./Corr.) and joint notifications
repeated once per member. The text is assembled from templates so that it reads like real notifications
(mean description ~500 characters, some over 2,000); about 5% of the rows are about cybersecurity, and
many others carry words that look like it (security of supply, wireless, software, smart meters). It
describes no real measure. The XML is written directly (openpyxl's writer takes minutes for 100,000
rows); openpyxl and pandas read the result.

Usage: python benchmarks/generate_eping.py OUT.xlsx [ROWS] [--start N] [--seed S]

`--start N` numbers the rows from N, so a second file with `--start 100000` holds only new symbols.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = [
    "Notifying Member",
    "Distribution date",
    "Document symbol",
    "Title",
    "Description",
    "Products covered",
    "HS code(s)",
    "ICS code(s)",
    "Objectives",
    "Keywords",
    "Specific regions or countries likely to be affected",
    "Final date for comments",
    "Notification type",
    "Notified document",
    "Link to notification(EN)",
    "Link to notification(FR)",
    "Link to notification(ES)",
]
MEMBERS = [  # (name as ePing prints it, symbol code, weight)
    ("United States of America", "USA", 9),
    ("European Union", "EU", 7),
    ("China", "CHN", 5),
    ("Brazil", "BRA", 6),
    ("Kenya", "KEN", 4),
    ("Uganda", "UGA", 5),
    ("Tanzania", "TZA", 3),
    ("Japan", "JPN", 4),
    ("Korea, Republic of", "KOR", 4),
    ("India", "IND", 3),
    ("Israel", "ISR", 4),
    ("Saudi Arabia, Kingdom of", "SAU", 3),
    ("United Arab Emirates", "ARE", 3),
    ("Canada", "CAN", 3),
    ("Chinese Taipei", "TPKM", 3),
    ("Ecuador", "ECU", 3),
    ("Mexico", "MEX", 2),
    ("Thailand", "THA", 2),
    ("Viet Nam", "VNM", 2),
    ("Philippines", "PHL", 2),
    ("Colombia", "COL", 2),
    ("Chile", "CHL", 2),
    ("Peru", "PER", 2),
    ("Indonesia", "IDN", 2),
    ("Malaysia", "MYS", 1),
    ("Egypt", "EGY", 2),
    ("Kuwait, the State of", "KWT", 2),
    ("Qatar", "QAT", 1),
    ("Bahrain, Kingdom of", "BHR", 1),
    ("Oman", "OMN", 1),
    ("United Kingdom", "GBR", 2),
    ("Switzerland", "CHE", 1),
    ("Australia", "AUS", 1),
    ("New Zealand", "NZL", 1),
    ("Türkiye", "TUR", 1),
    ("Ukraine", "UKR", 1),
    ("Russian Federation", "RUS", 1),
    ("South Africa", "ZAF", 1),
    ("Rwanda", "RWA", 1),
    ("Burundi", "BDI", 1),
    ("Costa Rica", "CRI", 1),
    ("Singapore", "SGP", 1),
]
EAC = [("Burundi", "BDI"), ("Kenya", "KEN"), ("Rwanda", "RWA"), ("Tanzania", "TZA"), ("Uganda", "UGA")]
ADJECTIVE = {"KEN": "Kenya", "UGA": "Uganda", "TZA": "Tanzania", "RWA": "Rwanda", "BDI": "Burundi"}

# Topics: (title, products, HS cell, ICS cell, description sentences, keywords, kind). Kind `cyber` is
# cybersecurity; `near` has words that look like it; `plain` has none.
TOPICS: list[tuple[str, str, str, str, list[str], str, str]] = [
    (
        "Security requirements for consumer connectable products",
        "Consumer connectable products, including smart speakers, smart TVs, connected cameras and baby "
        "monitors",
        "8517 - Telephone sets, including smartphones; other apparatus for the transmission of voice; "
        "8525 - Transmission apparatus for radio-broadcasting or television; 8528 - Monitors",
        "35.030 - IT Security; 33.050 - Telecommunication terminal equipment",
        [
            "The regulation sets baseline security requirements for internet-connectable products made "
            "available to consumers.",
            "Manufacturers shall not use universal default passwords and shall publish a vulnerability "
            "disclosure policy.",
            "The minimum period for which security updates will be provided shall be stated at the point "
            "of sale.",
            "Conformity with ETSI EN 303 645 provisions 5.1-1, 5.1-2 and 5.3-13 is deemed to meet the "
            "requirements.",
        ],
        "Cybersecurity; Consumer protection; Information technology",
        "cyber",
    ),
    (
        "Mandatory testing and certification of telecommunication equipment",
        "Telecommunication equipment: routers, switches, base stations, IoT gateways and customer premises "
        "equipment",
        "8517 - Telephone sets; other apparatus for the transmission or reception of voice, images or other "
        "data",
        "33.040 - Telecommunication systems; 33.050 - Telecommunication terminal equipment",
        [
            "Telecommunication equipment shall be tested against the Indian Telecom Security Assurance "
            "Requirements (ITSAR) before it is sold or connected to a network.",
            "Testing shall be carried out by designated laboratories located in the territory; test reports "
            "issued abroad are not accepted.",
            "Security certificates are issued by the national certification body.",
        ],
        "Telecommunications; Conformity assessment; Cybersecurity",
        "cyber",
    ),
    (
        "Uniform provisions concerning the approval of vehicles with regards to cyber security and cyber "
        "security management system",
        "Motor vehicles of categories M and N",
        "8703 - Motor cars and other motor vehicles principally designed for the transport of persons; "
        "8704 - Motor vehicles for the transport of goods",
        "43.040.15 - Car informatics. On board computer systems",
        [
            "The draft technical regulation transposes UN Regulation No. 155 on cyber security and UN "
            "Regulation No. 156 on software update management systems.",
            "Manufacturers shall demonstrate a certified cyber security management system (CSMS) covering "
            "the vehicle lifecycle.",
            "Over-the-air updates shall be protected against unauthorized modification.",
        ],
        "Motor vehicles; Cybersecurity; Software updates",
        "cyber",
    ),
    (
        "Commercial cryptography products: technical specifications and certification",
        "Commercial cryptography products, encryption cards and cipher machines",
        "8471 - Automatic data-processing machines and units thereof; 8543 - Electrical machines and "
        "apparatus, having individual functions",
        "35.030 - IT Security; 35.040 - Information coding",
        [
            "Commercial cryptography products shall implement the national cryptographic algorithms SM2, "
            "SM3 and SM4.",
            "Products shall pass testing by a designated testing laboratory and obtain certification before "
            "being placed on the market.",
            "Technical details of the encryption shall be provided to the competent authority upon request.",
        ],
        "Cryptography; Information security; Certification",
        "cyber",
    ),
    (
        "Radio equipment: essential requirements on cybersecurity, privacy and fraud protection",
        "Internet-connected radio equipment, wearable radio equipment and radio toys",
        "8517 - Telephone sets; 8526 - Radar apparatus, radio navigational aid apparatus; 9503 - Toys",
        "33.060 - Radiocommunications; 35.030 - IT Security",
        [
            "The act activates the essential requirements of Article 3(3)(d), (e) and (f) of the Radio "
            "Equipment Directive for certain categories of radio equipment.",
            "Harmonised standards EN 18031-1, EN 18031-2 and EN 18031-3 give a presumption of conformity.",
            "Radio equipment shall protect personal data and privacy and shall not harm the network.",
        ],
        "Radio equipment; Cybersecurity; Privacy",
        "cyber",
    ),
    (
        "Energy efficiency requirements and labelling of household refrigerating appliances",
        "Household refrigerators, freezers and combined refrigerator-freezers",
        "8418 - Refrigerators, freezers and other refrigerating or freezing equipment, electric or other; "
        "heat pumps",
        "97.040.30 - Domestic refrigerating appliances; 27.015 - Energy efficiency. Energy conservation in "
        "general",
        [
            "The draft regulation sets minimum energy performance standards and an energy label with "
            "efficiency classes A to G.",
            "Test methods follow IEC 62552-3:2015 and the energy consumption shall be declared on the label.",
            "The measure contributes to energy security and the security of supply of electricity.",
        ],
        "Energy efficiency; Labelling; Consumer information",
        "near",
    ),
    (
        "Electromagnetic compatibility and radio spectrum requirements for short range devices",
        "Short range devices, wireless microphones, Bluetooth and Wi-Fi equipment",
        "8517 - Telephone sets; other apparatus for the transmission or reception of voice; 8518 - "
        "Microphones and stands therefor; loudspeakers",
        "33.100 - Electromagnetic compatibility (EMC); 33.060.20 - Receiving and transmitting equipment",
        [
            "The technical regulation sets limits on spurious emissions, transmitter power and immunity for "
            "short range devices operating in the 2.4 GHz and 5.8 GHz frequency bands.",
            "Equipment shall be type approved by the national telecommunications regulator before sale.",
            "Software-defined radios shall not allow the user to change the frequency range.",
        ],
        "Radio equipment; Electromagnetic compatibility; Telecommunications",
        "near",
    ),
    (
        "Smart electricity meters: metrological and technical requirements",
        "Smart electricity meters and metering communication modules",
        "9028 - Gas, liquid or electricity supply or production meters, including calibrating meters "
        "therefor",
        "17.220.20 - Measurement of electrical and magnetic quantities; 91.140.50 - Electricity supply "
        "systems",
        [
            "The regulation sets accuracy classes, marking and testing for smart electricity meters.",
            "Meters shall keep a tamper-evident event log and shall support remote reading over a wireless "
            "communication network.",
            "Type approval is granted by the national metrology institute.",
        ],
        "Metrology; Electricity; Measuring instruments",
        "near",
    ),
    (
        "Safety of household and similar electrical appliances",
        "Electric kettles, toasters, irons, hair dryers and similar household appliances",
        "8516 - Electric instantaneous or storage water heaters and immersion heaters; electric space "
        "heating apparatus; 8509 - Electro-mechanical domestic appliances",
        "13.120 - Domestic safety; 97.040.50 - Small kitchen appliances",
        [
            "The draft standard specifies safety requirements against electric shock, fire and thermal "
            "hazards for household appliances.",
            "It is based on IEC 60335-1:2020 with national deviations for plugs and socket-outlets.",
            "Products shall bear the conformity mark after certification by an accredited body.",
        ],
        "Electrical safety; Consumer protection",
        "near",
    ),
    (
        "Maximum residue limits for pesticides",
        "Fruits, vegetables, cereals and products of animal origin",
        "0808 - Apples, pears and quinces, fresh; 0805 - Citrus fruit, fresh or dried; 1001 - Wheat and "
        "meslin",
        "65.100 - Pesticides and other agrochemicals; 67.080 - Fruits. Vegetables",
        [
            "The draft regulation establishes maximum residue limits (MRLs) for several active substances "
            "in or on food and feed.",
            "The proposed MRLs are based on evaluations of the Codex Alimentarius Commission and the "
            "national food safety authority.",
            "Products produced before the date of application may be marketed until their stocks are "
            "exhausted.",
        ],
        "Pesticides; Maximum residue limits (MRLs); Food safety",
        "plain",
    ),
    (
        "Fortified wheat flour — Specification",
        "Fortified wheat flour for human consumption",
        "1101 - Wheat or meslin flour",
        "67.060 - Cereals, pulses and derived products",
        [
            "This Draft East African Standard specifies requirements and methods of sampling and test for "
            "fortified wheat flour.",
            "Micronutrient levels for iron, zinc, folic acid and vitamin B12 are specified.",
            "Labelling shall comply with the general standard for the labelling of prepackaged foods.",
        ],
        "Food standards; Human health; Labelling",
        "plain",
    ),
    (
        "Labelling of textile products",
        "Textile products and apparel",
        "6109 - T-shirts, singlets and other vests, knitted or crocheted; 6203 - Men's or boys' suits",
        "59.080 - Products of the textile industry; 61.020 - Clothes",
        [
            "Textile products shall carry a label stating the fibre composition, care instructions and "
            "country of origin.",
            "Labels shall be in the official language, legible and permanently attached.",
        ],
        "Labelling; Textiles; Consumer information",
        "plain",
    ),
    (
        "Toy safety — Part 1: Mechanical and physical properties",
        "Toys for children under 14 years of age",
        "9503 - Tricycles, scooters, pedal cars and similar wheeled toys; dolls' carriages; dolls; other "
        "toys",
        "97.200.50 - Toys",
        [
            "The draft standard specifies requirements and test methods for mechanical and physical "
            "properties of toys.",
            "It is an identical adoption of ISO 8124-1:2022.",
            "Toys with small parts shall carry a warning for children under 36 months.",
        ],
        "Toys; Child safety; Consumer protection",
        "plain",
    ),
    (
        "Motor vehicle type approval: braking, lighting and tyres",
        "Passenger cars, light trucks and buses",
        "8703 - Motor cars and other motor vehicles; 4011 - New pneumatic tyres, of rubber",
        "43.040.20 - Lighting, signalling and warning devices; 43.040.40 - Braking systems",
        [
            "The draft technical regulation updates type approval requirements for braking systems, lighting "
            "and signalling devices and tyres.",
            "Requirements are aligned with UN Regulations No. 13-H, No. 48 and No. 30.",
            "An emergency call (eCall) system shall be fitted to new vehicle types.",
        ],
        "Motor vehicles; Road safety; Type approval",
        "near",
    ),
    (
        "Cosmetic products: restricted substances and labelling",
        "Cosmetic products",
        "3304 - Beauty or make-up preparations and preparations for the care of the skin; 3305 - "
        "Preparations for use on the hair",
        "71.100.70 - Cosmetics. Toiletries",
        [
            "The draft amends the list of substances prohibited or restricted in cosmetic products.",
            "Labels shall list ingredients using INCI names.",
        ],
        "Cosmetics; Chemicals; Labelling",
        "plain",
    ),
    (
        "Construction products: cement and steel bars for the reinforcement of concrete",
        "Portland cement and hot-rolled steel bars",
        "2523 - Portland cement, aluminous cement, slag cement; 7214 - Other bars and rods of iron or "
        "non-alloy steel",
        "91.100.10 - Cement. Gypsum. Lime. Mortar; 77.140.15 - Steels for reinforcement of concrete",
        [
            "The technical regulation makes the national standards for cement and steel bars mandatory.",
            "Products shall be certified under the compulsory product certification scheme before import.",
        ],
        "Construction; Conformity assessment",
        "plain",
    ),
    (
        "Medical devices: registration and post-market surveillance",
        "Medical devices and in vitro diagnostic medical devices",
        "9018 - Instruments and appliances used in medical, surgical, dental or veterinary sciences; "
        "9022 - Apparatus based on the use of X-rays",
        "11.040 - Medical equipment; 11.100.10 - In vitro diagnostic test systems",
        [
            "The draft regulation sets registration, labelling and vigilance requirements for medical "
            "devices.",
            "Software as a medical device shall be classified according to its intended use.",
            "Manufacturers shall report serious incidents within 15 days.",
        ],
        "Medical devices; Human health",
        "near",
    ),
    (
        "Alcoholic beverages: labelling and health warnings",
        "Beer, wine and spirits",
        "2203 - Beer made from malt; 2204 - Wine of fresh grapes; 2208 - Spirits",
        "67.160.10 - Alcoholic beverages",
        [
            "Labels of alcoholic beverages shall carry a health warning covering at least 30% of the "
            "principal display panel.",
            "The alcohol content shall be expressed in % vol.",
        ],
        "Alcoholic beverages; Labelling; Human health",
        "plain",
    ),
]
CYBER = [t for t in TOPICS if t[6] == "cyber"]
OTHER = [t for t in TOPICS if t[6] != "cyber"]
SPS_TOPICS = [t for t in TOPICS if t[0].startswith(("Maximum residue", "Fortified"))]

INTROS = [
    "The notified draft {kind} establishes the requirements that {products_l} must meet to be placed on "
    "the market.",
    "This {kind} replaces the {kind} notified in {year} and applies to both domestic and imported products.",
    "The {agency} proposes the following {kind}.",
    "The purpose of this {kind} is to protect consumers and to prevent deceptive practices.",
]
EXTRAS = [
    "Conformity shall be demonstrated by a declaration of conformity or by a certificate issued by a "
    "conformity assessment body.",
    "A transition period of twelve months is proposed after entry into force.",
    "Products manufactured before the date of entry into force may remain on the market for 24 months.",
    "Comments from other Members are welcome until the final date for comments.",
    "The requirements are based on the relevant international standard, with national deviations explained "
    "in the annex.",
    "Second-hand products and products intended for export are excluded from the scope.",
    "Information on the regulation is available from the national enquiry point.",
    "Importers shall keep technical documentation for ten years and make it available to the market "
    "surveillance authority on request.",
    "The measure also covers spare parts and accessories sold separately.",
]
AGENCIES = [
    "Ministry of Industry and Trade",
    "National Bureau of Standards",
    "Federal Communications Commission (FCC)",
    "European Commission",
    "Ministry of Economy",
    "Standards Authority",
    "National Institute of Metrology, Quality and Technology (INMETRO)",
    "Saudi Standards, Metrology and Quality Organization (SASO)",
]
KINDS = ["technical regulation", "regulation", "standard", "decree", "resolution", "conformity scheme"]
TBT_OBJECTIVES = [
    "Protection of human health or safety (TBT)",
    "Consumer information, labelling (TBT)",
    "Prevention of deceptive practices and consumer protection (TBT)",
    "Protection of the environment (TBT)",
    "Harmonization (TBT)",
    "Quality requirements (TBT)",
    "National security requirements (TBT)",
    "Reducing trade barriers and facilitating trade (TBT)",
]
SPS_OBJECTIVES = ["Food safety (SPS)", "Animal health (SPS)", "Plant protection (SPS)"]
TYPES = [  # (notification type, follow-up, weight)
    ("Regular notification", "", 74),
    ("Addendum to Regular Notification", "Add", 18),
    ("Revision to Regular Notification", "Rev", 5),
    ("Corrigendum to Regular Notification", "Corr", 3),
]
REGIONS = ["", "", "", "", "France, Guadeloupe Islands; Malta", "All trading partners", "European Union"]


def hyperlink(url: str, text: str, sep: str = ",") -> str:
    return f'HYPERLINK("{url}"{sep}"{text}")'


class _Strings:
    """The shared-string table."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def xml(self) -> str:
        items = "".join(
            f'<si><t xml:space="preserve">{escape(s)}</t></si>'
            if s != s.strip()
            else f"<si><t>{escape(s)}</t></si>"
            for s in self.index
        )
        count = len(self.index)
        return (
            '<?xml version="1.0" encoding="utf-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">{items}</sst>'
        )


def _column(index: int) -> str:
    return chr(ord("A") + index)  # 17 columns: A..Q


def _description(rng: random.Random, topic: tuple, member: str, n: int) -> str:
    title, products, _, _, sentences, _, _ = topic
    kind = rng.choice(KINDS)
    parts = [
        rng.choice(INTROS).format(
            kind=kind,
            products_l=products[0].lower() + products[1:],
            year=2010 + n % 14,
            agency=rng.choice(AGENCIES),
        )
    ]
    parts += rng.sample(sentences, rng.randint(1, len(sentences)))
    parts += rng.sample(EXTRAS, rng.choice((0, 1, 1, 2, 2, 3, 4)))
    if rng.random() < 0.04:  # the long ones: a pasted annex
        parts += [f"Annex {i}: " + rng.choice(sentences + EXTRAS) for i in range(1, rng.randint(8, 20))]
    separator = rng.choice((" ", " ", "_x000D_\n", "\n"))
    text = separator.join(parts)
    if rng.random() < 0.05:
        text = "<p>" + text.replace("\n", "</p><p>") + "</p><p>Reference: " + title + " &amp; annexes</p>"
    return text


def _row(
    n: int,
    rng: random.Random,
    strings: _Strings,
    joint: list[tuple[str, str]] | None = None,
    own: tuple[str, str] | None = None,
    number: int | None = None,
) -> str:
    """Row `n` (0-based data row); a joint notification's rows share `joint` and `number`."""
    sps = rng.random() < 0.2
    if own:
        member, code = own
    else:
        member, code = rng.choices([(m, c) for m, c, _ in MEMBERS], weights=[w for *_, w in MEMBERS])[0]
    pool = SPS_TOPICS if sps else CYBER if rng.random() < 0.06 else OTHER
    topic = rng.choice(pool)
    title, products, hs, ics, _, keywords, _ = topic
    area = "SPS" if sps else "TBT"
    kind, follow, _ = rng.choices(TYPES, weights=[w for *_, w in TYPES])[0]
    number = number or 1000 + n
    suffix = f"/{follow}.{rng.randint(1, 4)}" if follow else ""
    if joint:
        symbols = ", ".join(f"G/{area}/N/{c}/{number}{suffix}" for _, c in joint)
    else:
        symbols = f"G/{area}/N/{code}/{number}{suffix}"
    day = dt.date(2015, 1, 1) + dt.timedelta(days=n // 30)
    serial = (day - dt.date(1899, 12, 30)).days
    if code in ADJECTIVE and not sps:
        title = f"DEAS {number}:{day.year}, {title}"
    elif rng.random() < 0.5:
        title = f"{rng.choice(KINDS).capitalize()} No. {number % 997}/{day.year} — {title}"
    if follow == "Add":
        title += " (Addendum)"
    description = _description(rng, topic, member, n)
    objectives = SPS_OBJECTIVES if sps else TBT_OBJECTIVES
    objective = "; ".join(rng.sample(objectives, rng.randint(1, 2)))
    region = rng.choice(REGIONS) if sps else ""
    deadline = serial + 60 if rng.random() < 0.8 else None
    letter = area[0].lower()
    doc = f"https://docs.wto.org/imrd/directdoc.asp?DDFDocuments/{letter}/G/{area}N/{code}{number}.DOCX"
    attachment = f"https://members.wto.org/crnattachments/{day.year}/{area}/{code}/{n % 99999:05d}_00_e.pdf"
    r = n + 2  # row 1 is the header
    cells: list[str] = []

    def text(col: int, value: str | None, style: int = 8) -> None:
        ref = f"{_column(col)}{r}"
        if value is None:
            cells.append(f'<c r="{ref}" s="6"/>')
        else:
            cells.append(f'<c r="{ref}" s="{style}" t="s"><v>{strings(value)}</v></c>')

    def formula(col: int, value: str, style: int = 6) -> None:
        cells.append(f'<c r="{_column(col)}{r}" s="{style}"><f>{escape(value)}</f></c>')

    text(0, member, 6)
    cells.append(f'<c r="B{r}" s="7"><v>{serial}</v></c>')
    formula(2, hyperlink(f"https://www.epingalert.org/en/Search?viewData= {symbols}", f" {symbols}"), 9)
    text(3, title)
    text(4, description)
    text(5, products)
    text(6, "" if sps and rng.random() < 0.5 else hs)
    text(7, ics if rng.random() < 0.8 else "")
    text(8, objective)
    text(9, keywords if rng.random() < 0.7 else "")
    text(10, region or None, 6)
    if deadline is None:
        text(11, "", 7)
    else:
        cells.append(f'<c r="L{r}" s="7"><v>{deadline}</v></c>')
    text(12, kind, 6)
    text(13, attachment + ("\n\n" if rng.random() < 0.3 else ""), 6)
    formula(14, hyperlink(doc, doc, ", "))
    for col, lang in ((15, "f"), (16, "s")):
        if rng.random() < 0.4:
            url = doc.replace(".DOCX", f"_{lang}.DOCX")
            formula(col, hyperlink(url, url, ", "))
        else:
            cells.append(f'<c r="{_column(col)}{r}" s="6"/>')
    return f'<row r="{r}">{"".join(cells)}</row>'


_STYLES = (
    '<?xml version="1.0" encoding="utf-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/MM/yyyy"/>'
    '</numFmts><fonts count="3"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/>'
    '<name val="Calibri"/></font><font><u/><sz val="11"/><color rgb="FF0000FF"/><name val="Calibri"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
    'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
    '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0"/></cellStyleXfs>'
    '<cellXfs count="10"><xf numFmtId="0" fontId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" xfId="0"><alignment wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" xfId="0" applyFont="1"><alignment wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="1" xfId="0" applyNumberFormat="1" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" xfId="0"><alignment vertical="top"/></xf>'
    '<xf numFmtId="164" fontId="0" xfId="0" applyNumberFormat="1"><alignment vertical="top"/></xf>'
    '<xf numFmtId="0" fontId="0" xfId="0"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="2" xfId="0" applyFont="1"><alignment vertical="top"/></xf>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/'
    'sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'sharedStrings+xml"/></Types>'
)


def generate(path: Path, rows: int, start_number: int = 0, seed: int = 7) -> Path:
    """Write `rows` notifications numbered from `start_number` to `path`; the same arguments give the same
    file."""
    rng = random.Random(seed * 1_000_003 + start_number)
    strings = _Strings()
    header = "".join(
        f'<c r="{_column(i)}1" s="{5 if "date" in name.lower() else 1}" t="s"><v>{strings(name)}</v></c>'
        for i, name in enumerate(HEADER)
    )
    body = [f'<row r="1">{header}</row>']
    n = start_number
    end = start_number + rows
    while n < end:
        if rng.random() < 0.01 and end - n >= len(EAC):  # a joint notification, one row per member
            group = rng.randint(2, len(EAC))
            members = rng.sample(EAC, group)
            state = rng.getstate()
            for i in range(group):
                rng.setstate(state)  # the same content on every member's row
                body.append(_row(n + i, rng, strings, members, members[i], 1000 + n))
            n += group
            continue
        body.append(_row(n, rng, strings, None))
        n += 1
    sheet = (
        f'<?xml version="1.0" encoding="utf-8"?><worksheet xmlns:r="{_REL}" xmlns="{_MAIN}">'
        f'<dimension ref="A1:Q{rows + 1}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><sheetData>{"".join(body)}</sheetData></worksheet>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        out.writestr("[Content_Types].xml", _CONTENT_TYPES)
        out.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        out.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="utf-8"?><workbook xmlns:r="{_REL}" xmlns="{_MAIN}"><sheets>'
            '<sheet name="Notifications" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        out.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        out.writestr("xl/styles.xml", _STYLES)
        out.writestr("xl/sharedStrings.xml", strings.xml())
        out.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def main(argv: list[str]) -> None:
    args, options = [], {}
    items = iter(argv)
    for item in items:
        if item.startswith("--"):
            options[item[2:]] = int(next(items))
        else:
            args.append(item)
    if not args:
        raise SystemExit(__doc__)
    rows = int(args[1]) if len(args) > 1 else 100_000
    generate(Path(args[0]), rows, options.get("start", 0), options.get("seed", 7))


if __name__ == "__main__":
    main(sys.argv[1:])
