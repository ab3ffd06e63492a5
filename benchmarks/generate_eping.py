"""Write a synthetic ePing-shaped workbook: the real export's 17 columns, HYPERLINK symbols, Excel dates,
`code - description` HS/ICS cells, `_x000D_` escapes and joint rows. The text is generated from
templates (cyber and non-cyber measures in realistic proportions); it describes no real measure.

Usage: python benchmarks/generate_eping.py OUT.xlsx [ROWS] [--start N]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

from openpyxl import Workbook

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
MEMBERS = [
    ("United States of America", "USA"),
    ("European Union", "EU"),
    ("China", "CHN"),
    ("India", "IND"),
    ("Japan", "JPN"),
    ("Brazil", "BRA"),
    ("Korea, Republic of", "KOR"),
    ("United Kingdom", "GBR"),
    ("Viet Nam", "VNM"),
    ("Kenya", "KEN"),
    ("Saudi Arabia, Kingdom of", "SAU"),
    ("Israel", "ISR"),
]
CYBER = [
    (
        "Cybersecurity requirements for consumer connectable products",
        "8517 - Telephone sets",
        "35.030 - IT Security",
        "Security requirements for internet-connectable devices: no universal default passwords, a vulnerability "
        "disclosure policy and a stated security update period._x000D_",
    ),
    (
        "Mandatory testing and certification of telecommunication equipment security",
        "8517 - Telephone sets",
        "33.050 - Telecommunication terminal equipment",
        "Security testing of network equipment by designated domestic laboratories before sale.",
    ),
    (
        "Vehicle cyber security management system and software update management",
        "8703 - Motor cars",
        "43.040.15 - Car informatics",
        "Type approval of vehicles with respect to cyber security and software updates.",
    ),
    (
        "Commercial cryptography products: technical specifications",
        "8471 - Automatic data-processing machines",
        "35.030 - IT Security",
        "Cryptographic algorithms required in civil cryptography products.",
    ),
]
OTHER = [
    (
        "Energy efficiency labelling of household refrigerators",
        "8418 - Refrigerators",
        "97.040.30 - Refrigerators",
        "Minimum energy performance and labelling requirements.",
    ),
    (
        "Electromagnetic compatibility of radio equipment",
        "8517 - Telephone sets",
        "33.100 - EMC",
        "Limits on radiated emissions and immunity requirements for radio equipment.",
    ),
    (
        "Maximum residue limits for pesticides in food",
        "0808 - Apples, pears",
        "67.080 - Fruits",
        "Proposed maximum residue limits for several active substances.",
    ),
    (
        "Safety of electrical household appliances",
        "8516 - Electric heaters",
        "13.120 - Domestic safety",
        "Electrical safety requirements for household appliances.",
    ),
    (
        "Labelling of textile products",
        "6109 - T-shirts",
        "59.080 - Textile products",
        "Fibre composition labelling of textiles.",
    ),
]
OBJECTIVES = [
    "Protection of human health or safety (TBT)",
    "Consumer information, labelling (TBT)",
    "National security requirements (TBT)",
    "Prevention of deceptive practices and consumer protection (TBT)",
]


def hyperlink(url: str, text: str) -> str:
    return f'=HYPERLINK("{url}","{text}")'


def row(n: int, rng: random.Random, start: dt.date) -> list[object]:
    member, code = rng.choice(MEMBERS)
    title, hs, ics, description = rng.choice(CYBER) if rng.random() < 0.06 else rng.choice(OTHER)
    number = 1000 + n
    symbol = f"G/TBT/N/{code}/{number}"
    if rng.random() < 0.2:
        symbol += f"/Add.{rng.randint(1, 3)}"
    day = start + dt.timedelta(days=n // 40)
    deadline = day + dt.timedelta(days=60) if rng.random() < 0.8 else ""
    return [
        member,
        dt.datetime.combine(day, dt.time()),
        hyperlink(f"https://example.invalid/{n}", f" {symbol}"),
        f"{title} ({n})",
        description,
        title.lower(),
        hs,
        ics,
        "; ".join(rng.sample(OBJECTIVES, 2)),
        "Consumer protection; Information technology",
        None,
        dt.datetime.combine(deadline, dt.time()) if deadline else "",
        "Regular notification",
        None,
        hyperlink(f"https://docs.example.invalid/{n}.pdf", f"https://docs.example.invalid/{n}.pdf"),
        None,
        None,
    ]


def generate(path: Path, rows: int, start_number: int = 0, seed: int = 7) -> Path:
    rng = random.Random(seed + start_number)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Notifications")
    sheet.append(HEADER)
    first = dt.date(2015, 1, 1)
    for n in range(start_number, start_number + rows):
        sheet.append(row(n, rng, first))
    workbook.save(path)
    return path


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    start = int(sys.argv[sys.argv.index("--start") + 1]) if "--start" in sys.argv else 0
    generate(Path(args[0]), int(args[1]) if len(args) > 1 else 100_000, start)
