"""Reads trade flows: CEPII BACI year files and UN Comtrade CSV downloads, as imports in US dollars.

BACI (`BACI_HS22_Y2022_V202401.csv`) has the columns `t,i,j,k,v,q`: year, exporter and importer (numeric
country codes, mostly ISO 3166), HS6 product (a number, so `010121` reads `10121`), value in thousands of
US dollars and quantity in tonnes (`NA` when unknown). Each release ships `country_codes_V*.csv`
(`country_code`, `country_iso3`); it is used when found beside the file or given, else the ISO table below.

UN Comtrade comes in two CSV layouts: Comtrade Plus (`refYear`, `reporterISO`, `flowCode`, `partnerISO`,
`partner2Code`, `customsCode`, `motCode`, `cmdCode`, `primaryValue`, ...) and the legacy one (`Year`,
`Trade Flow Code`, `Reporter ISO`, `Partner ISO`, `Commodity Code`, `Trade Value (US$)`). Only imports
(`M`, code 1) at HS6 are kept, without the customs-procedure, transport-mode and second-partner
breakdowns (`C00`, `0`, `0` are the totals). A reporter's imports from `World` are used as its total when
present; otherwise partners are summed.

Unless `bilateral` is asked for, flows are summed over exporters into importer totals (exporter `WLD`),
which is what exposure needs and keeps a BACI year (11 million rows) to about a million. Filters on
importers and HS prefixes keep the rest out. Problems (a value that is not a number, a bad year) name file,
line and column; any problem rejects the whole file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cyberreg.sources.problems import InputError, Problem

WORLD = "WLD"
MAX_PROBLEMS = 50

# ISO 3166-1 numeric -> alpha-3, generated from the `pycountry` package (ISO 3166 data, 249 entries).
_ISO_NUMERIC = """
4AFG 8ALB 10ATA 12DZA 16ASM 20AND 24AGO 28ATG 31AZE 32ARG 36AUS 40AUT 44BHS 48BHR 50BGD 51ARM 52BRB
56BEL 60BMU 64BTN 68BOL 70BIH 72BWA 74BVT 76BRA 84BLZ 86IOT 90SLB 92VGB 96BRN 100BGR 104MMR 108BDI
112BLR 116KHM 120CMR 124CAN 132CPV 136CYM 140CAF 144LKA 148TCD 152CHL 156CHN 158TWN 162CXR 166CCK 170COL
174COM 175MYT 178COG 180COD 184COK 188CRI 191HRV 192CUB 196CYP 203CZE 204BEN 208DNK 212DMA 214DOM 218ECU
222SLV 226GNQ 231ETH 232ERI 233EST 234FRO 238FLK 239SGS 242FJI 246FIN 248ALA 250FRA 254GUF 258PYF 260ATF
262DJI 266GAB 268GEO 270GMB 275PSE 276DEU 288GHA 292GIB 296KIR 300GRC 304GRL 308GRD 312GLP 316GUM 320GTM
324GIN 328GUY 332HTI 334HMD 336VAT 340HND 344HKG 348HUN 352ISL 356IND 360IDN 364IRN 368IRQ 372IRL 376ISR
380ITA 384CIV 388JAM 392JPN 398KAZ 400JOR 404KEN 408PRK 410KOR 414KWT 417KGZ 418LAO 422LBN 426LSO 428LVA
430LBR 434LBY 438LIE 440LTU 442LUX 446MAC 450MDG 454MWI 458MYS 462MDV 466MLI 470MLT 474MTQ 478MRT 480MUS
484MEX 492MCO 496MNG 498MDA 499MNE 500MSR 504MAR 508MOZ 512OMN 516NAM 520NRU 524NPL 528NLD 531CUW 533ABW
534SXM 535BES 540NCL 548VUT 554NZL 558NIC 562NER 566NGA 570NIU 574NFK 578NOR 580MNP 581UMI 583FSM 584MHL
585PLW 586PAK 591PAN 598PNG 600PRY 604PER 608PHL 612PCN 616POL 620PRT 624GNB 626TLS 630PRI 634QAT 638REU
642ROU 643RUS 646RWA 652BLM 654SHN 659KNA 660AIA 662LCA 663MAF 666SPM 670VCT 674SMR 678STP 682SAU 686SEN
688SRB 690SYC 694SLE 702SGP 703SVK 704VNM 705SVN 706SOM 710ZAF 716ZWE 724ESP 728SSD 729SDN 732ESH 740SUR
744SJM 748SWZ 752SWE 756CHE 760SYR 762TJK 764THA 768TGO 772TKL 776TON 780TTO 784ARE 788TUN 792TUR 795TKM
796TCA 798TUV 800UGA 804UKR 807MKD 818EGY 826GBR 831GGY 832JEY 833IMN 834TZA 840USA 850VIR 854BFA 858URY
860UZB 862VEN 876WLF 882WSM 887YEM 894ZMB
"""
ISO_NUMERIC: dict[int, str] = {int(item[:-3]): item[-3:] for item in _ISO_NUMERIC.split()}
# Codes BACI and Comtrade use beyond ISO: territories merged with a country (France with Monaco, the USA
# with Puerto Rico, ...), `Other Asia, nes` (Chinese Taipei), old Belgium-Luxembourg, the EU in Comtrade.
TRADE_SPECIAL: dict[int, str] = {
    58: "BEL", 97: "EU", 251: "FRA", 381: "ITA", 490: "TWN", 579: "NOR", 699: "IND", 711: "ZAF",
    757: "CHE", 842: "USA",
}  # fmt: skip


def country_alpha3(code: int, table: dict[int, str] | None = None) -> str | None:
    """The alpha-3 code of a numeric trade-data country code, or None when unknown."""
    if table and code in table:
        return table[code]
    return TRADE_SPECIAL.get(code) or ISO_NUMERIC.get(code)


@dataclass
class FlowTable:
    """Flows read from one file, summed by (year, importer, exporter, hs6): value in USD, quantity."""

    kind: str  # `baci` or `comtrade`
    dataset: str  # a name for the data set: `baci-HS22`, `comtrade`
    file: str
    bilateral: bool
    values: dict[tuple[int, str, str, str], list[float]] = field(default_factory=dict)
    rows_read: int = 0
    rows_kept: int = 0
    unknown_countries: set[str] = field(default_factory=set)

    @property
    def years(self) -> list[int]:
        return sorted({key[0] for key in self.values})

    def add(self, key: tuple[int, str, str, str], value: float, quantity: float | None) -> None:
        slot = self.values.get(key)
        if slot is None:
            self.values[key] = [value, quantity if quantity is not None else float("nan")]
        else:
            slot[0] += value
            if quantity is not None:
                slot[1] = quantity if slot[1] != slot[1] else slot[1] + quantity  # NaN: none known yet

    def rows(self) -> Iterator[dict[str, object]]:
        """One dict a flow, as the `trade_flows` table takes it (quantity None when unknown)."""
        for (year, importer, exporter, hs6), (value, quantity) in self.values.items():
            yield {
                "year": year,
                "importer": importer,
                "exporter": exporter,
                "hs6": hs6,
                "value_usd": value,
                "quantity": None if quantity != quantity else quantity,
            }


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


class _Problems:
    def __init__(self, file: str):
        self.file, self.more = file, 0
        self.items: list[Problem] = []

    def add(self, line: int | None, column: str | None, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(self.file, line, column, message))
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.more:
            self.items.append(Problem(self.file, None, None, f"and {self.more} more problems"))
        if self.items:
            raise InputError(self.items)


def _open_text(path: Path) -> io.TextIOBase:
    raw = path.open("rb")
    head = raw.read(4096)
    raw.seek(0)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = "cp1252"
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")


def _hs6(text: str) -> str | None:
    code = text.strip().split(".")[0]
    if not code.isdigit():
        return None
    if len(code) == 5:
        code = "0" + code
    return code if len(code) == 6 else None


def _number(text: str) -> float | None:
    text = text.strip()
    if text in ("", "NA", "N/A", "na", "null", "NULL"):
        return None
    return float(text)


def _wanted(importer: str, hs6: str, importers: set[str] | None, prefixes: tuple[str, ...] | None) -> bool:
    return (importers is None or importer in importers) and (prefixes is None or hs6.startswith(prefixes))


# ---------------------------------------------------------------------------------------------------------
# BACI.


def read_baci_country_codes(path: Path) -> dict[int, str]:
    """BACI's `country_codes_V*.csv` (`country_code`, `country_iso3`) as {code: alpha-3}."""
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        names = {_key(n): n for n in reader.fieldnames or []}
        code_col = names.get("countrycode") or names.get("i")
        iso_col = names.get("countryiso3") or names.get("iso3")
        if not code_col or not iso_col:
            raise InputError([Problem(str(path), 1, None, "expected columns country_code and country_iso3")])
        return {
            int(row[code_col]): row[iso_col].strip().upper()
            for row in reader
            if row[code_col].strip().isdigit() and row[iso_col].strip()
        }


def _baci_dataset(path: Path) -> str:
    match = re.search(r"BACI_(HS\d{2})", path.name, re.IGNORECASE)
    return f"baci-{match.group(1).upper()}" if match else "baci"


def _read_baci(
    table: FlowTable,
    columns: dict[str, int],
    rows: Iterator[tuple[int, list[str]]],
    codes: dict[int, str],
    importers: set[str] | None,
    prefixes: tuple[str, ...] | None,
    problems: _Problems,
) -> None:
    names = {"t": "t", "i": "i", "j": "j", "k": "k", "v": "v", "q": "q"}

    def country(text: str, line: int, column: str) -> str | None:
        if not text.strip().isdigit():
            problems.add(line, column, f"not a country code: {text!r}")
            return None
        number = int(text)
        found = country_alpha3(number, codes)
        if found is None:
            found = f"#{number}"
            table.unknown_countries.add(found)
        return found

    for line, cells in rows:
        table.rows_read += 1
        get = {name: cells[index] if index < len(cells) else "" for name, index in columns.items()}
        hs6 = _hs6(get["k"])
        if hs6 is None:
            problems.add(line, names["k"], f"not an HS6 product code: {get['k']!r}")
            continue
        importer = country(get["j"], line, "j")
        exporter = country(get["i"], line, "i")
        if importer is None or exporter is None or not _wanted(importer, hs6, importers, prefixes):
            continue
        try:
            year = int(get["t"])
            value = _number(get["v"])
            quantity = _number(get.get("q", "")) if "q" in get else None
        except ValueError as error:
            problems.add(line, None, f"not a number: {error}")
            continue
        if value is None:
            problems.add(line, "v", "empty value")
            continue
        table.rows_kept += 1
        key = (year, importer, exporter if table.bilateral else WORLD, hs6)
        table.add(key, value * 1000.0, quantity)


# ---------------------------------------------------------------------------------------------------------
# UN Comtrade.

_COMTRADE = {
    "year": ("refyear", "year"),
    "reporter_iso": ("reporteriso",),
    "reporter_code": ("reportercode",),
    "partner_iso": ("partneriso",),
    "partner_code": ("partnercode",),
    "flow": ("flowcode", "tradeflowcode", "tradeflow", "flowdesc"),
    "cmd": ("cmdcode", "commoditycode"),
    "value": ("primaryvalue", "tradevalueus", "tradevalue", "cifvalue"),
    "partner2": ("partner2code", "2ndpartnercode"),
    "customs": ("customscode", "customsproccode"),
    "mot": ("motcode", "modeoftransportcode"),
}
IMPORT_FLOWS = {"m", "1", "import", "imports"}
_WORLD_PARTNERS = {"0", "w00", "wld", "world"}


def _read_comtrade(
    table: FlowTable,
    columns: dict[str, int],
    headers: list[str],
    rows: Iterator[tuple[int, list[str]]],
    importers: set[str] | None,
    prefixes: tuple[str, ...] | None,
    problems: _Problems,
) -> None:
    found = {
        name: next((columns[alias] for alias in aliases if alias in columns), None)
        for name, aliases in _COMTRADE.items()
    }
    world: dict[tuple[int, str, str], float] = {}
    partners: dict[tuple[int, str, str, str], float] = {}
    for line, cells in rows:
        table.rows_read += 1

        def get(name: str, cells: list[str] = cells) -> str:
            index = found[name]
            return cells[index].strip() if index is not None and index < len(cells) else ""

        if get("flow").casefold() not in IMPORT_FLOWS:
            continue
        if (
            get("partner2") not in ("", "0")
            or get("customs") not in ("", "C00")
            or get("mot") not in ("", "0")
        ):
            continue
        hs6 = _hs6(get("cmd"))
        if hs6 is None:
            continue  # totals and 2- or 4-digit aggregates: HS6 rows add up to them
        importer = _comtrade_country(get("reporter_iso"), get("reporter_code"), table)
        if importer is None:
            problems.add(line, headers[found["reporter_iso"] or found["reporter_code"] or 0], "no reporter")
            continue
        if not _wanted(importer, hs6, importers, prefixes):
            continue
        try:
            year = int(float(get("year")))
            value = _number(get("value"))
        except ValueError as error:
            problems.add(line, None, f"not a number: {error}")
            continue
        if value is None:
            continue
        table.rows_kept += 1
        partner_iso, partner_code = get("partner_iso"), get("partner_code")
        if partner_iso.casefold() in _WORLD_PARTNERS or partner_code in _WORLD_PARTNERS:
            world[(year, importer, hs6)] = world.get((year, importer, hs6), 0.0) + value
        else:
            exporter = _comtrade_country(partner_iso, partner_code, table) or "#?"
            key = (year, importer, exporter, hs6)
            partners[key] = partners.get(key, 0.0) + value
    with_partners = {(y, i, k) for y, i, _, k in partners}
    for (year, importer, exporter, hs6), value in partners.items():
        if table.bilateral or (year, importer, hs6) not in world:
            table.add((year, importer, exporter if table.bilateral else WORLD, hs6), value, None)
    for (year, importer, hs6), value in world.items():
        if not (table.bilateral and (year, importer, hs6) in with_partners):
            table.add((year, importer, WORLD, hs6), value, None)


def _comtrade_country(iso: str, code: str, table: FlowTable) -> str | None:
    if re.fullmatch(r"[A-Za-z]{3}", iso) and iso.upper() not in ("W00",):
        return iso.upper()
    if code.isdigit():
        found = country_alpha3(int(code))
        if found is None:
            found = f"#{code}"
            table.unknown_countries.add(found)
        return found
    return iso.upper() or None


# ---------------------------------------------------------------------------------------------------------
# Files.


def _rows(reader: Iterable[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for line, cells in enumerate(reader, 2):
        if cells and any(cell.strip() for cell in cells):
            yield line, cells


def read_flows(
    path: str | Path,
    *,
    bilateral: bool = False,
    importers: Iterable[str] | None = None,
    hs_prefixes: Iterable[str] | None = None,
    country_codes: str | Path | None = None,
    dataset: str | None = None,
) -> FlowTable:
    """Imports in a BACI or UN Comtrade CSV file (the layout is recognised from the header).

    `importers` (alpha-3 codes) and `hs_prefixes` keep only those flows. Raises `InputError` naming file,
    line and column for every problem (up to `MAX_PROBLEMS`), so nothing of a bad file is used."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise InputError([Problem(file, None, None, "no such file")])
    wanted_importers = {code.upper() for code in importers} if importers else None
    prefixes = tuple(hs_prefixes) if hs_prefixes else None
    problems = _Problems(file)
    with _open_text(path) as handle:
        first = handle.readline()
        delimiter = max((",", ";", "\t"), key=first.count)
        headers = next(csv.reader([first], delimiter=delimiter), [])
        columns = {_key(name): index for index, name in enumerate(headers)}
        reader = csv.reader(handle, delimiter=delimiter)
        if {"t", "i", "j", "k", "v"} <= set(columns):
            codes: dict[int, str] = {}
            sibling = sorted(path.parent.glob("country_codes_V*.csv"))
            if country_codes or sibling:
                codes = read_baci_country_codes(Path(country_codes) if country_codes else sibling[-1])
            table = FlowTable("baci", dataset or _baci_dataset(path), file, bilateral)
            baci: dict[str, int] = {
                name: columns[name] for name in ("t", "i", "j", "k", "v", "q") if name in columns
            }
            _read_baci(table, baci, _rows(reader), codes, wanted_importers, prefixes, problems)
        elif any(alias in columns for alias in _COMTRADE["cmd"]) and any(
            alias in columns for alias in _COMTRADE["value"]
        ):
            table = FlowTable("comtrade", dataset or "comtrade", file, bilateral)
            _read_comtrade(table, columns, headers, _rows(reader), wanted_importers, prefixes, problems)
        else:
            message = (
                "not a BACI (t,i,j,k,v,q) or UN Comtrade (cmdCode, primaryValue, ...) header: "
                + ", ".join(headers[:8])
            )
            raise InputError([Problem(file, 1, None, message)])
    problems.raise_any()
    if table.rows_read == 0:
        raise InputError([Problem(file, None, None, "no data row below the header")])
    return table
