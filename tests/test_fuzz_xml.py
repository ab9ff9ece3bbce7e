"""Fuzzing the XML parts of a workbook, not only its cell values (issue 14).

Hypothesis takes the minimal valid workbook apart and damages one or two of its parts —
``[Content_Types].xml``, the relationships, ``workbook.xml``, ``styles.xml``, the document
properties, a sheet — by truncating, cutting out, duplicating or overwriting bytes,
replacing attribute values (cell references, sheet ids, style indices, counts) with
hostile ones, injecting DTDs and entities, or dropping the part. :func:`load_inputs` must
then return :class:`ModelData` or raise :class:`InputError` naming where; anything else
(a traceback in ``msc validate``) is a bug. 600 examples, about 30 s: marked slow.
"""

from __future__ import annotations

import contextlib
import functools
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from factory import minimal_sheets, write_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msc_model.errors import InputError
from msc_model.inputs import load_inputs
from msc_model.inputs.sanity import check_sanity

#: attribute values that have broken XML readers: huge, negative, off-grid, empty
HOSTILE_VALUES = [
    "", "-1", "0", "1e309", "99999999999999999999", "A0", "XFD1048577", "ZZZZ1", "A1:",
    "../../etc/passwd", "/xl/worksheets/sheet99.xml", "&amp;", "\u202e", "nan", "s", "e",
    "inlineStr", "b", "str", "n", "d", "1:1048576",
]  # fmt: skip
DTD = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
_ATTRIBUTE = re.compile(rb'="[^"]*"')


@functools.cache
def base_parts() -> dict[str, bytes]:
    """The parts of the minimal workbook (built once; not a fixture, so that a failing
    example's report shows the damage, not 70 kB of XML)."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(Path(folder) / "case.xlsx", minimal_sheets())
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


def _parts_to_damage() -> list[str]:
    return [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/_rels/workbook.xml.rels",
        "xl/workbook.xml",
        "xl/styles.xml",
        "docProps/core.xml",
        "docProps/app.xml",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet7.xml",
        "xl/worksheets/sheet11.xml",
    ]


@st.composite
def damage(draw, data: bytes) -> tuple[str, bytes | None]:
    """One change to one part's bytes (``None``: the part is removed)."""
    kind = draw(
        st.sampled_from(
            ["truncate", "cut", "duplicate", "overwrite", "attribute", "dtd", "drop", "tag"]
        )
    )
    n = len(data)
    at = draw(st.integers(0, max(n - 1, 0)))
    if kind == "truncate":
        return kind, data[:at]
    if kind == "cut":
        return kind, data[:at] + data[at + draw(st.integers(1, 200)) :]
    if kind == "duplicate":
        return kind, data[:at] + data[at : at + draw(st.integers(1, 400))] * 2 + data[at:]
    if kind == "overwrite":
        noise = draw(st.binary(min_size=1, max_size=16))
        return kind, data[:at] + noise + data[at + len(noise) :]
    if kind == "attribute":
        values = list(_ATTRIBUTE.finditer(data))
        if not values:
            return kind, data
        match = values[draw(st.integers(0, len(values) - 1))]
        text = draw(st.sampled_from(HOSTILE_VALUES) | st.text(max_size=12))
        value = text.replace('"', "").encode("utf-8", "replace")
        return kind, data[: match.start()] + b'="' + value + b'"' + data[match.end() :]
    if kind == "dtd":
        head = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0
        body = data[head:].replace(b">", b">&b;", 1)
        return kind, data[:head] + DTD + body
    if kind == "drop":
        return kind, None
    tags = list(re.finditer(rb"<(/?)([A-Za-z:]+)", data))
    if not tags:
        return kind, data
    tag = tags[draw(st.integers(0, len(tags) - 1))]
    other = draw(st.sampled_from([b"row", b"c", b"v", b"sheet", b"xf", b"font", b"x:c", b"zz"]))
    return kind, data[: tag.start(2)] + other + data[tag.end(2) :]


@st.composite
def broken_workbooks(draw, parts: dict[str, bytes]) -> tuple[dict[str, bytes | None], list]:
    names = [p for p in _parts_to_damage() if p in parts]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    changed: dict[str, bytes | None] = {}
    log = []
    for name in chosen:
        kind, data = draw(damage(parts[name]))
        changed[name] = data
        log.append((name, kind))
    return changed, log


_SETTINGS = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.mark.slow
@settings(max_examples=600, **_SETTINGS)
@given(data=st.data())
def test_damaged_xml_parts_are_accepted_or_refused_never_a_crash(data) -> None:
    parts = base_parts()
    changed, log = data.draw(broken_workbooks(parts), label="damage")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for name, content in parts.items():
                new = changed.get(name, content)
                if new is not None:
                    archive.writestr(name, new)
        try:
            loaded = load_inputs(path)
        except InputError as error:
            assert error.problems and all(p.sheet for p in error.problems), (log, str(error))
            return
        except Exception as exc:  # the bug this test hunts: say which damage caused it
            raise AssertionError(f"{log}: {type(exc).__name__}: {exc}") from exc
        with contextlib.suppress(InputError):  # findings are fine; a crash is not
            check_sanity(loaded)
