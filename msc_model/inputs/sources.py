"""The ``sources`` sheet: the references a case cites travel with it.

A source cell names keys (``USGS-Cu25 — USGS MCS 2025 Copper, https://… ; CNIA-REC24``):
the text before each `` — `` of a ``;``-separated part, when it is one word (prose such as
"scaled from the default" describes, it does not cite). ``assumption`` (a reasoned value,
explained in the note) and ``estimated`` are not keys. When a workbook carries a
``sources`` sheet, every key any source cell names must be listed there, so a reader can
follow every number to a publication without files outside the workbook.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from msc_model.errors import did_you_mean
from msc_model.inputs.cells import address
from msc_model.inputs.context import Context
from msc_model.inputs.reader import RawSheet
from msc_model.schema import SOURCES_SHEET

#: words that may stand in a source cell without being a key
NOT_KEYS = {"assumption", "estimated", "history", ""}


#: what a key looks like: one word of letters, digits, '.', '_' or '-' (free text such as
#: "scaled from the default" is a description, not a citation)
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def cited_keys(cell: object) -> list[str]:
    """The keys a source cell names, in order (empty for blank, 'assumption' or prose)."""
    if cell is None:
        return []
    keys = []
    for part in str(cell).split(";"):
        key = part.split(" — ")[0].strip()
        if key.lower() not in NOT_KEYS and KEY.match(key):
            keys.append(key)
    return keys


def check_sources(ctx: Context, raw: Mapping[str, RawSheet]) -> dict[str, dict[str, str]]:
    """Read the ``sources`` sheet (if any) and check every source cell's keys against it.

    Returns key → its row (column → text); empty without the sheet. Problems (a blank or
    repeated key, a cited key not listed) go to ``ctx`` with their cells.
    """
    sheet = raw.get(SOURCES_SHEET.sheet)
    if sheet is None:
        return {}
    header = {str(v).strip(): i for i, v in enumerate(sheet.header) if v is not None}
    if "key" not in header:
        ctx.add(sheet.name, "A1", "no 'key' column", "the columns key, title, …")
        return {}
    listed: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for number, row in sheet.rows:
        cell = address(number, header["key"] + 1)
        key = str(row[header["key"]] or "").strip() if header["key"] < len(row) else ""
        if not key:
            ctx.add(sheet.name, cell, "a source without a key", "a short key such as USGS-Cu25")
            continue
        if key in listed:
            ctx.add(
                sheet.name, cell, f"key '{key}' again", "each key once", f"first at {where[key]}"
            )
            continue
        listed[key] = {
            name: ("" if i >= len(row) or row[i] is None else str(row[i]))
            for name, i in header.items()
        }
        where[key] = cell
    for name, other in raw.items():
        if name == SOURCES_SHEET.sheet:
            continue
        column = next(
            (i for i, v in enumerate(other.header) if str(v or "").strip() == "source"), None
        )
        if column is None:
            continue
        for number, row in other.rows:
            value = row[column] if column < len(row) else None
            for key in cited_keys(value):
                if key not in listed:
                    ctx.add(
                        name,
                        address(number, column + 1),
                        f"source key '{key}'",
                        "a key listed on the sources sheet",
                        did_you_mean(key, list(listed)),
                    )
    return listed
