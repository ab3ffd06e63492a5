"""ePing workbook reader: tiny generated workbooks with every quirk, then the real export (if present)."""

from __future__ import annotations

import datetime as dt
import os
import re
import types
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from cyberreg.model.notification import SourceKind
from cyberreg.monitor.symbols import Area
from cyberreg.sources.eping_workbook import (
    CellError,
    clean_text,
    header_key,
    hs_codes_in,
    hyperlink_parts,
    ics_codes_in,
    iter_workbook,
    parse_date,
    read_workbook,
    split_objectives,
    validate_workbook,
)
from cyberreg.sources.problems import InputError

EXPORT_HEADERS = [
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
JOINT = "G/TBT/N/BDI/608, G/TBT/N/KEN/1808, G/TBT/N/RWA/1207, G/TBT/N/TZA/1349, G/TBT/N/UGA/2163"


def symbol_formula(symbols: str) -> str:
    return f'=HYPERLINK("https://www.epingalert.org/en/Search?viewData= {symbols}"," {symbols}")'


def link_formula(url: str) -> str:
    return f'=HYPERLINK("{url}", "{url}")'


def base_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "Notifying Member": "United States of America",
        "Distribution date": dt.datetime(2025, 6, 11),
        "Document symbol": symbol_formula("G/TBT/N/USA/2211"),
        "Title": "Parts and Accessories; Auxiliary \nFuel Tanks",
        "Description": "First line._x000D_\nSecond\u00a0line.",
        "Products covered": "Motor vehicle auxiliary fuel tanks",
        "HS code(s)": "",
        "ICS code(s)": "23.020.20 - Vessels and containers mounted on vehicles; 43.080 - Commercial vehicles",
        "Objectives": "Cost saving and productivity enhancement (TBT); Harmonization (TBT)",
        "Keywords": "",
        "Specific regions or countries likely to be affected": None,
        "Final date for comments": dt.datetime(2025, 7, 29),
        "Notification type": "Regular notification",
        "Notified document": "https://members.wto.org/crnattachments/2025/TBT/USA/25_03868_00_e.pdf\n\n",
        "Link to notification(EN)": link_formula(
            "https://docs.wto.org/imrd/directdoc.asp?DDFDocuments/t/x.DOCX"
        ),
        "Link to notification(FR)": None,
        "Link to notification(ES)": None,
    }
    row.update(overrides)
    return row


def write_workbook(
    path: Path, rows: list[dict[str, object]], headers: list[str] | None = None, before: int = 0
) -> Path:
    """A workbook like ePing's: one `Notifications` sheet, header row, date cells formatted dd/MM/yyyy."""
    headers = headers or EXPORT_HEADERS
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Notifications"
    for index in range(before):
        sheet.append([f"ePing export, page {index + 1}"])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(name) for name in headers])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd/MM/yyyy"
    workbook.save(path)
    return path


def quirky_rows() -> list[dict[str, object]]:
    return [
        base_row(),
        base_row(
            **{
                "Notifying Member": "Kenya",
                "Document symbol": symbol_formula(JOINT),
                "Title": "Fortified wheat flour \u2014 Specification_x000D_\nAMENDMENT 1",
                "HS code(s)": "8517 - Telephone sets, incl. smartphones; other apparatus for the "
                "transmission of voice; 851762 - Machines for the reception; 8424 - Mechanical appliances; "
                "fire extinguishers, charged or not; 8517 - Telephone sets again",
                "ICS code(s)": "67.060 - Cereals, pulses and derived products",
                "Objectives": "Quality requirements (TBT); Protection of human health or safety (TBT)",
                "Keywords": "Human health; Food standards; Human health",
                "Final date for comments": "",
                "Link to notification(FR)": link_formula("https://docs.wto.org/imrd/directdoc.asp?u/x.DOCX"),
            }
        ),
        base_row(**{"Notifying Member": "Uganda", "Document symbol": symbol_formula(JOINT)}),
        base_row(
            **{
                "Notifying Member": "Japan",
                "Document symbol": symbol_formula("G/SPS/N/JPN/1345/Add.1"),
                "Distribution date": "10/06/2025",
                "Final date for comments": 45878,  # an Excel serial number in a General cell
                "Description": "<p>Maximum residue <b>limits</b> &amp; tolerances</p><p>< 50% solvent</p>",
                "Objectives": "Food safety (SPS); Animal health (SPS)",
                "Notification type": "Addendum to Regular Notification",
                "Specific regions or countries likely to be affected": "France, Guadeloupe Islands; Malta",
            }
        ),
    ]


def test_reads_every_quirk_of_the_export(tmp_path):
    path = write_workbook(tmp_path / "export.xlsx", quirky_rows())
    usa, kenya, uganda, japan = read_workbook(path)

    assert usa.symbol == "G/TBT/N/USA/2211" and usa.symbols == ["G/TBT/N/USA/2211"]
    assert usa.area is Area.TBT and usa.member_code == "USA"
    assert usa.distribution_date == dt.date(2025, 6, 11)
    assert usa.final_date_for_comments == dt.date(2025, 7, 29)
    assert usa.title == "Parts and Accessories; Auxiliary Fuel Tanks"
    assert usa.description == "First line.\nSecond line."
    assert usa.ics_codes == ["23.020.20", "43.080"] and usa.hs_codes == []
    assert usa.objectives == ["Cost saving and productivity enhancement", "Harmonization"]
    assert usa.keywords == [] and usa.regions_affected == []
    assert usa.notified_document == "https://members.wto.org/crnattachments/2025/TBT/USA/25_03868_00_e.pdf"
    assert usa.links == {"en": "https://docs.wto.org/imrd/directdoc.asp?DDFDocuments/t/x.DOCX"}
    assert usa.language == "en"
    assert usa.source.kind is SourceKind.EPING_WORKBOOK
    assert (usa.source.file, usa.source.row) == ("export.xlsx", 2)

    # A joint notification: one cell, five symbols, each member's row gets its own as primary.
    assert kenya.symbols == [s.strip() for s in JOINT.split(",")]
    assert (kenya.symbol, kenya.member_code) == ("G/TBT/N/KEN/1808", "KEN")
    assert (uganda.symbol, uganda.member_code) == ("G/TBT/N/UGA/2163", "UGA")
    assert kenya.title == "Fortified wheat flour \u2014 Specification AMENDMENT 1"
    assert kenya.hs_codes == ["8517", "851762", "8424"]
    assert kenya.ics_codes == ["67.060"]
    assert kenya.keywords == ["Human health", "Food standards"]
    assert kenya.final_date_for_comments is None
    assert set(kenya.links) == {"en", "fr"}

    assert japan.area is Area.SPS and japan.symbol == "G/SPS/N/JPN/1345/Add.1"
    assert japan.distribution_date == dt.date(2025, 6, 10)
    assert japan.final_date_for_comments == dt.date(2025, 8, 9)
    assert japan.description == "Maximum residue limits & tolerances\n\n< 50% solvent"
    assert japan.objectives == ["Food safety", "Animal health"]
    assert japan.regions_affected == ["France, Guadeloupe Islands", "Malta"]
    assert japan.notification_type == "Addendum to Regular Notification"
    assert japan.parsed_symbol.base.number == 1345 and japan.is_follow_up


def test_iter_workbook_is_a_lazy_generator(tmp_path):
    path = write_workbook(tmp_path / "export.xlsx", quirky_rows())
    stream = iter_workbook(path)
    assert isinstance(stream, types.GeneratorType)
    assert next(stream).symbol == "G/TBT/N/USA/2211"
    stream.close()


def test_headers_matched_by_name_not_position(tmp_path):
    headers = [
        "Title",
        "document   symbol",
        "Unknown extra column",
        "NOTIFYING MEMBER",
        "Distribution date",
        "Proposed adoption  date",
        "Proposed entry  into  force date",
        "Final date for comments",
        "Link to notification (EN)",
    ]
    row = base_row(
        **{
            "document   symbol": "G/TBT/N/EU/1100/Rev.1",  # a plain value, not a formula
            "NOTIFYING MEMBER": "European Union",
            "Proposed adoption  date": "To be determined",
            "Proposed entry  into  force date": dt.datetime(2026, 1, 1),
            "Link to notification (EN)": "https://docs.wto.org/x.DOCX",
        }
    )
    path = write_workbook(tmp_path / "Notification_FR.xlsx", [row], headers=headers, before=2)
    (found,) = read_workbook(path)
    assert found.symbol == "G/TBT/N/EU/1100/Rev.1" and found.member_code == "EU"
    assert found.proposed_adoption_date is None
    assert found.date_notes == {"proposed_adoption_date": "To be determined"}
    assert found.proposed_entry_into_force_date == dt.date(2026, 1, 1)
    assert found.links == {"en": "https://docs.wto.org/x.DOCX"}
    assert found.language == "fr"  # from the bulk file's name
    assert found.source.row == 4  # two title rows, then the header


def test_missing_required_column_names_it(tmp_path):
    headers = [h for h in EXPORT_HEADERS if h != "Notifying Member"]
    path = write_workbook(tmp_path / "export.xlsx", [base_row()], headers=headers)
    with pytest.raises(InputError) as caught:
        list(iter_workbook(path))
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), 1, "Notifying Member")


def test_no_header_row(tmp_path):
    path = write_workbook(tmp_path / "export.xlsx", [], headers=["Something", "Else"])
    with pytest.raises(InputError, match="no header row naming 'Document symbol'"):
        validate_workbook(path)


def test_validate_names_file_row_and_column_of_each_bad_row(tmp_path):
    rows = [
        base_row(),
        base_row(**{"Document symbol": symbol_formula("GBR/44 (WTO/TBT)")}),
        base_row(**{"Distribution date": "31/02/2025", "Final date for comments": "2025-13-01"}),
        base_row(**{"Distribution date": None}),
        base_row(**{"Document symbol": '=CONCATENATE("G/TBT", "/N/USA/1")'}),
        base_row(**{"HS code(s)": "Telephone sets without a code"}),
        {},  # an empty row is skipped, not an error
        base_row(**{"Notifying Member": "  "}),
    ]
    path = write_workbook(tmp_path / "bad.xlsx", rows)
    with pytest.raises(InputError) as caught:
        validate_workbook(path)
    located = [(p.line, p.field) for p in caught.value.problems]
    assert located == [
        (3, "Document symbol"),
        (4, "Distribution date"),
        (4, "Final date for comments"),
        (5, "Distribution date"),
        (6, "Document symbol"),
        (7, "HS code(s)"),
        (9, "Notifying Member"),
    ]
    assert all(p.file == str(path) for p in caught.value.problems)
    assert "not a WTO notification symbol" in caught.value.problems[0].message
    assert "31/02/2025" in caught.value.problems[1].message
    assert f"{path}:4: Distribution date:" in str(caught.value)

    problems: list = []
    good = list(iter_workbook(path, problems))
    assert [n.source.row for n in good] == [2] and len(problems) == 7
    with pytest.raises(InputError) as first:
        list(iter_workbook(path))
    assert [p.line for p in first.value.problems] == [3]


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        validate_workbook(tmp_path / "absent.xlsx")


def test_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        validate_workbook(path)


def test_truncated_file(tmp_path):
    good = write_workbook(tmp_path / "good.xlsx", quirky_rows() * 20)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match="corrupt or truncated"):
        validate_workbook(cut)


def rewrite_sheet(source: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            zout.writestr(item, data)
    return target


def test_truncated_sheet_xml_gives_located_error(tmp_path):
    good = write_workbook(tmp_path / "good.xlsx", quirky_rows() * 5)
    bad = rewrite_sheet(good, tmp_path / "bad.xlsx", lambda data: data[: len(data) * 2 // 3])
    with pytest.raises(InputError) as caught:
        validate_workbook(bad)
    (problem,) = caught.value.problems
    assert problem.file == str(bad) and problem.line is not None and problem.line > 2
    assert "corrupt or truncated" in problem.message


def test_wrong_stored_dimension_does_not_lose_rows(tmp_path):
    good = write_workbook(tmp_path / "good.xlsx", quirky_rows())
    bad = rewrite_sheet(
        good,
        tmp_path / "dim.xlsx",
        lambda data: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', data),
    )
    assert b'ref="A1:C2"' in zipfile.ZipFile(bad).read("xl/worksheets/sheet1.xml")
    assert validate_workbook(bad) == 4


# Helpers.


def test_header_key_collapses_whitespace_and_case():
    assert header_key("Proposed  entry  into  force date") == header_key("proposed entry into force date")
    assert header_key("Link to notification(EN)") == header_key("Link to notification (EN)")


def test_hyperlink_parts():
    assert hyperlink_parts(symbol_formula("G/TBT/N/USA/1")) == (
        "https://www.epingalert.org/en/Search?viewData= G/TBT/N/USA/1",
        " G/TBT/N/USA/1",
    )
    assert hyperlink_parts('=hyperlink("https://x.org/a""b")') == ('https://x.org/a"b', None)
    assert hyperlink_parts("=SUM(A1:A2)") is None


def test_clean_text():
    assert clean_text("a_x000D_\nb", multiline=True) == "a\nb"
    assert clean_text("a_x000D_\nb") == "a b"
    assert clean_text("x<br/>y &lt;5&gt; <= 1 mm", multiline=True) == "x\ny <5> <= 1 mm"
    assert clean_text("a < b and c > d") == "a < b and c > d"
    assert clean_text("  \u00a0 ") is None and clean_text("") is None and clean_text(None) is None
    assert clean_text(8517.0) == "8517"


def test_parse_date():
    assert parse_date(dt.datetime(2025, 6, 11, 0, 0)) == (dt.date(2025, 6, 11), None)
    assert parse_date(45819) == (dt.date(2025, 6, 11), None)
    assert parse_date("11/06/2025") == (dt.date(2025, 6, 11), None)
    assert parse_date("2025-06-11T00:00:00") == (dt.date(2025, 6, 11), None)
    assert parse_date("") == (None, None) and parse_date(None) == (None, None)
    assert parse_date("To be determined") == (None, "To be determined")
    for bad in ("31/02/2025", "2025/06/11", -3):
        with pytest.raises(CellError):
            parse_date(bad)


def test_codes_by_pattern():
    cell = (
        "842410 - Fire extinguishers; 8424 - Mechanical appliances, n.e.s.; fire extinguishers; "
        "solutions of products of headings 3901 to 3913; 72106 - Plated; 8517.62 - Machines; 84"
    )
    assert hs_codes_in(cell) == ["842410", "8424", "72106", "851762", "84"]
    assert ics_codes_in("33 - Telecommunications; 33.180 - Fibre; 33.180.10 - Fibres; Other; 43.080") == [
        "33",
        "33.180",
        "33.180.10",
        "43.080",
    ]
    assert hs_codes_in("") == [] and ics_codes_in(None) == []


def test_split_objectives():
    assert split_objectives("Harmonization (TBT); Food safety (SPS); ; Harmonization (TBT)") == [
        "Harmonization",
        "Food safety",
    ]


# The real ePing export (229 notifications of 2-11 June 2025), when the shared data is present.


def shared_data() -> Path:
    env = os.environ.get("CYBERREG_SHARED_DATA")
    return Path(env) if env else (Path(__file__).resolve().parents[2] / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="module")
def real_export():
    path = shared_data() / "tbt" / "eping-export-example.xlsx"
    if not path.is_file():
        pytest.skip(
            f"real ePing export not found at {path} (set CYBERREG_SHARED_DATA to the shared data folder)"
        )
    return path, read_workbook(path)


@pytest.mark.shared_data
def test_real_export_counts(real_export):
    path, found = real_export
    assert len(found) == 229 and validate_workbook(path) == 229
    assert Counter(n.area for n in found) == {Area.TBT: 186, Area.SPS: 43}
    assert Counter(n.notification_type for n in found) == {
        "Regular notification": 171,
        "Addendum to Regular Notification": 35,
        "Revision to Regular Notification": 9,
        "Addendum to Emergency Notification (SPS)": 7,
        "Emergency notifications (SPS)": 5,
        "Corrigendum to Regular Notification": 2,
    }
    assert len({n.symbol for n in found}) == 229
    assert sum(n.is_follow_up for n in found) == 53
    assert len({n.member for n in found}) == 33
    assert {n.distribution_date for n in found} == {dt.date(2025, 6, d) for d in (2, 3, 4, 5, 6, 10, 11)}
    assert sum(n.final_date_for_comments is None for n in found) == 48
    assert Counter(lang for n in found for lang in n.links) == {"en": 223, "es": 104, "fr": 98}
    assert [n.source.row for n in found] == list(range(2, 231))


@pytest.mark.shared_data
def test_real_export_joint_notifications(real_export):
    _, found = real_export
    joint = [n for n in found if len(n.symbols) > 1]
    assert len(joint) == 60 and len({tuple(n.symbols) for n in joint}) == 12
    assert Counter(n.member_code for n in joint) == {c: 12 for c in ("BDI", "KEN", "RWA", "TZA", "UGA")}
    assert all(n.parsed_symbol.member == n.member_code for n in joint)
    taipei = {n.member_code for n in found if n.member == "Chinese Taipei"}
    assert taipei == {"TPKM"}


@pytest.mark.shared_data
def test_real_export_specific_notifications(real_export):
    _, found = real_export
    by_symbol = {n.symbol: n for n in found}
    iot = by_symbol["G/TBT/N/IND/368"]
    assert iot.title == "Standard for Generic Requirements (GR) for \u201cIoT Gateway\u201d"
    assert iot.member == "India" and iot.hs_codes == ["8517"]
    assert iot.final_date_for_comments == dt.date(2025, 8, 10)
    assert by_symbol["G/TBT/N/BRA/336/Add.6"].hs_codes == ["842410", "842490", "8424"]
    usa = by_symbol["G/TBT/N/USA/2211"]
    assert usa.ics_codes == ["23.020.20", "43.060.40", "43.080"]
    assert usa.final_date_for_comments == dt.date(2025, 7, 29)
    assert usa.title == "Parts and Accessories Necessary for Safe Operation; Auxiliary Fuel Tanks"
    assert by_symbol["G/TBT/N/CRI/205"].hs_codes == ["854370"]
    assert by_symbol["G/TBT/N/USA/552/Rev.3/Add.5"].base_symbol == "G/TBT/N/USA/552"
    assert by_symbol["G/SPS/N/CHL/830"].regions_affected == ["Brazil, Rio Grande do Sul"]
    japan = by_symbol["G/SPS/N/JPN/1345/Add.1"]
    assert japan.objectives == ["Food safety", "Animal health"]
    assert japan.links == {
        "en": "https://docs.wto.org/imrd/directdoc.asp?DDFDocuments/t/G/SPS/NJPN1345A1.DOCX"
    }


@pytest.mark.shared_data
def test_real_export_text_is_clean(real_export):
    _, found = real_export
    for n in found:
        texts = [n.title, n.description or "", n.products or "", *n.objectives, *n.keywords]
        assert not any("_x000D_" in t or "\u00a0" in t for t in texts), n.symbol
        assert not any(o.endswith(("(TBT)", "(SPS)")) for o in n.objectives), n.symbol
    assert sum(bool(n.hs_codes) for n in found) == 152
    assert sum(bool(n.ics_codes) for n in found) == 178
