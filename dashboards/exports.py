"""CSV and XLSX downloads of the tables behind the dashboard charts.

Text cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get the same
`'` prefix as the training report's CSV, so a hostile title stays inert; numbers stay
numbers, and an unknown metric (NaN) stays an empty cell, never 0.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from advocacy.services.certificates import _safe_cell as safe_cell

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rates stored as 0..1 fractions (dashboards/metrics.py), shown as percentages in Excel.
PERCENT_COLUMNS = frozenset({"coverage", "participation", "engagement_rate"})
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte order mark, which Excel needs to read accents right."""
    table = _prepared(frame)
    date_only = [column for column in _date_columns(table) if _midnights(table[column])]
    for column in date_only:
        table[column] = table[column].dt.strftime("%Y-%m-%d").astype(object)
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(
    frame: pd.DataFrame, sheet_name: str, *, percent_columns: Collection[str] = PERCENT_COLUMNS
) -> bytes:
    """One sheet: bold header, frozen, columns sized to their content, counts with
    thousands separators, `percent_columns` as percentages, dates as real dates."""
    table = _prepared(frame)
    for column in _text_columns(table):  # characters Excel cannot store would fail the write
        table[column] = table[column].map(_legal, na_action="ignore")
    title = _sheet_title(sheet_name)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=title, index=False)
        _format_sheet(writer.sheets[title], table, set(percent_columns))
    return buffer.getvalue()


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with guarded text, whole-number columns as integers (no "12.0") and times
    in UTC without a zone (Excel has none)."""
    table = frame.reset_index(drop=True).copy()
    for column in _text_columns(table):
        table[column] = table[column].map(_guard, na_action="ignore")
    for column in table.columns:
        values = table[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            table[column] = values.dt.tz_convert("UTC").dt.tz_localize(None)
        elif pd.api.types.is_float_dtype(values) and _whole(values):
            table[column] = values.astype("Int64")
    return table


def _format_sheet(sheet: Worksheet, table: pd.DataFrame, percent_columns: set[str]) -> None:
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        header = sheet.cell(row=1, column=index)
        header.font = Font(bold=True)
        header.border = Border()
        header.alignment = Alignment(horizontal="left")
        number_format = _number_format(table[column], column in percent_columns)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _width(table[column], str(column), number_format)


def _number_format(values: pd.Series, percent: bool) -> str | None:
    if percent:
        return "0.0%"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "yyyy-mm-dd" if _midnights(values) else "yyyy-mm-dd hh:mm"
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_integer_dtype(values):
        return "#,##0"
    if pd.api.types.is_float_dtype(values):
        return "#,##0.00"
    return None


def _width(values: pd.Series, header: str, number_format: str | None) -> float:
    """Characters of the widest cell as Excel will show it, plus a little air."""
    if number_format in ("#,##0", "#,##0.00"):
        decimals = 2 if number_format.endswith(".00") else 0
        shown = [f"{value:,.{decimals}f}" for value in values.dropna()]
    elif number_format and "yyyy" in number_format:
        shown = [number_format.replace("yyyy", "0000")]  # every date has the same width
    elif number_format == "0.0%":
        shown = ["100.0%"]
    else:
        shown = [str(value) for value in values.dropna()]
    longest = max((len(line) for text in [header, *shown] for line in text.splitlines()), default=0)
    return min(longest + 2, MAX_WIDTH)


def _text_columns(table: pd.DataFrame) -> list:
    types = pd.api.types
    return [
        column
        for column in table.columns
        if types.is_object_dtype(table[column]) or types.is_string_dtype(table[column])
    ]


def _date_columns(table: pd.DataFrame) -> list:
    return [c for c in table.columns if pd.api.types.is_datetime64_any_dtype(table[c])]


def _guard(value: object) -> object:
    return safe_cell(value) if isinstance(value, str) else value


def _legal(value: object) -> object:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _whole(values: pd.Series) -> bool:
    known = values.dropna()
    return bool(((known % 1) == 0).all()) and bool((known.abs() < 2**53).all())


def _midnights(values: pd.Series) -> bool:
    known = values.dropna()
    return bool((known == known.dt.normalize()).all())


def _sheet_title(name: str) -> str:
    """Excel refuses some characters and more than 31 of them in a sheet's name."""
    title = " ".join(SHEET_FORBIDDEN.sub(" ", name).split()).strip("'")[:31].strip()
    return title or "Data"
