"""A minimal XLSX writer for the SQL console's export (one sheet, one header row).

An XLSX file is a zip of a few XML parts (ECMA-376 Part 1, SpreadsheetML); this
writes numbers as numbers, booleans as booleans, everything else (dates included,
in ISO form) as inline strings, so no shared-string table or styles are needed.
Kept here because the runtime has no spreadsheet writer (openpyxl is a test tool).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from xml.sax.saxutils import escape

import pyarrow as pa

__all__ = ["table_to_xlsx"]

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""


def _column_letter(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float) and not (
        isinstance(value, float) and not math.isfinite(value)
    ):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = value.isoformat() if isinstance(value, dt.datetime | dt.date | dt.time) else str(value)
    # characters XML 1.0 cannot hold are dropped
    text = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def table_to_xlsx(table: pa.Table, sheet: str = "query") -> bytes:
    """``table`` as an XLSX workbook of one sheet, header in the first row."""
    letters = [_column_letter(i) for i in range(table.num_columns)]
    rows = [
        '<row r="1">'
        + "".join(_cell(f"{c}1", name) for c, name in zip(letters, table.column_names, strict=True))
        + "</row>"
    ]
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for r in range(table.num_rows):
        n = r + 2
        cells = "".join(_cell(f"{c}{n}", col[r]) for c, col in zip(letters, columns, strict=True))
        rows.append(f'<row r="{n}">{cells}</row>')
    sheet_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet[:31])))
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buf.getvalue()
