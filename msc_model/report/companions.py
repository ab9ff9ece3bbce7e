"""Which files belong to a report: written into it, read back before it is replaced.

A report lists its companions (the flow diagram HTML, the Parquet side tables) in a custom
document property. When a report is replaced with ``--overwrite``, only the companions
the *old* report listed and the new one does not write are removed: a file beside the
report that merely looks like a side table (``plan_table_mine.parquet``) was not written
by msc and is never deleted.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty

#: name of the custom document property that lists a report's companions
PROPERTY = "msc companions"
#: docProps/custom.xml larger than this is not one msc wrote: nothing is trusted from it
MAX_PROPS = 1 << 20
_CUSTOM = "docProps/custom.xml"
_VT = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}lpwstr"


def companion_html(report: Path) -> Path:
    """Where the interactive flow diagrams of a report go: ``<stem>_flows.html`` beside it."""
    return report.with_name(f"{report.stem}_flows.html")


def mark_companions(wb: Workbook, companions: Iterable[Path]) -> None:
    """Record the names of the files written beside ``wb`` in the workbook itself."""
    names = sorted(Path(p).name for p in companions)
    wb.custom_doc_props.append(StringProperty(name=PROPERTY, value=json.dumps(names)))


def listed_companions(report: Path) -> list[Path]:
    """The companions an existing report lists, as paths beside it that exist.

    Anything odd (not a zip, no such property, oversize XML, names with a folder in them,
    names not starting with the report's stem) yields fewer names, never an error: this
    decides only what may be removed, and removing less is always safe.
    """
    try:
        with zipfile.ZipFile(report) as archive:
            info = archive.getinfo(_CUSTOM)
            if info.file_size > MAX_PROPS:
                return []
            root = fromstring(archive.read(info))
    except (OSError, KeyError, zipfile.BadZipFile, ParseError, DefusedXmlException, ValueError):
        return []
    for prop in root:
        if prop.get("name") != PROPERTY:
            continue
        value = prop.find(_VT)
        try:
            names = json.loads(value.text or "[]") if value is not None else []
        except ValueError:
            return []
        return [
            report.with_name(n)
            for n in names
            if isinstance(n, str)
            and n == Path(n).name
            and n.startswith(f"{report.stem}_")
            and report.with_name(n).is_file()
        ]
    return []
