"""Hostile workbooks against ``msc validate``: time and peak memory until refused.

    python benchmarks/hostile.py            # writes benchmarks/out/hostile.json

Two crafted workbooks of about 0.6 MB each, inside every size limit (the file cap of
50 MB and the 200 MB cap on the unzipped total), built from the shipped default workbook:

- ``styles``: ``xl/styles.xml`` replaced by ~190 MB of font and cell-format records
  (openpyxl parses the whole style sheet into objects before any cell is read);
- ``shared_strings``: ``xl/sharedStrings.xml`` given ~12 million tiny strings (openpyxl
  loads every shared string into a list).

Each is validated by ``msc validate`` in a process of its own; the wall time and the
child's peak RSS (``ru_maxrss``) are recorded. Issue 14 measured 82 s and 5 GB for the
styles bomb before the part limits existed; the target is < 10 s and < 500 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: unzipped size of each bomb part: below the 200 MB total a workbook may unzip to
BOMB_BYTES = 190 * 2**20


def _chunks(head: bytes, record: bytes, tail: bytes, size: int) -> Iterator[bytes]:
    """``head``, then copies of ``record`` up to ``size`` bytes (varied slightly, so that
    the part compresses to a few hundred KB rather than a few), then ``tail``."""
    yield head
    block = b"".join(record.replace(b"#", str(i % 7).encode()) for i in range(512))
    for _ in range(max(size // len(block), 1)):
        yield block
    yield tail


def styles_bomb(size: int = BOMB_BYTES) -> Iterator[bytes]:
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return _chunks(
        b'<?xml version="1.0" encoding="UTF-8"?><styleSheet ' + ns + b"><fonts>",
        b'<font><b/><sz val="1#"/><name val="Calibri"/></font>',
        b"</fonts></styleSheet>",
        size,
    )


def shared_strings_bomb(size: int = BOMB_BYTES) -> Iterator[bytes]:
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return _chunks(
        b'<?xml version="1.0" encoding="UTF-8"?><sst ' + ns + b">",
        b"<si><t>#</t></si>",
        b"</sst>",
        size,
    )


def write_bomb(base: Path, target: Path, part: str, content: Iterator[bytes]) -> Path:
    """A copy of the workbook ``base`` with ``part`` replaced by the streamed ``content``
    (added when ``base`` has none; the content types list it either way)."""
    with (
        zipfile.ZipFile(base) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for item in source.infolist():
            if item.filename == part:
                continue
            data = source.read(item)
            if item.filename == "[Content_Types].xml" and part.encode() not in data:
                kind = part.rsplit("/", 1)[-1].split(".")[0]
                override = (
                    f'<Override PartName="/{part}" ContentType="application/'
                    f'vnd.openxmlformats-officedocument.spreadsheetml.{kind}+xml"/>'
                ).encode()
                data = data.replace(b"</Types>", override + b"</Types>")
            out.writestr(item, data)
        with out.open(part, "w", force_zip64=True) as handle:
            for chunk in content:
                handle.write(chunk)
    return target


BOMBS = {
    "styles": ("xl/styles.xml", styles_bomb),
    "shared_strings": ("xl/sharedStrings.xml", shared_strings_bomb),
    # just inside the part limits: the worst a crafted file may still make msc read
    "styles_under_cap": ("xl/styles.xml", lambda: styles_bomb(3_900_000)),
    "shared_strings_under_cap": ("xl/sharedStrings.xml", lambda: shared_strings_bomb(4_900_000)),
}


_CHILD = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "msc_model", "validate", sys.argv[1]],
                      capture_output=True, text=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(done.returncode, seconds, peak)
print(" ".join((done.stderr or done.stdout).split())[:300])
"""


def measure(path: Path) -> dict[str, object]:
    """Run ``msc validate path`` under a fresh watcher process, so that ``ru_maxrss`` of
    its children is this run's peak alone; its time, peak RSS and message."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
    )
    head, message = (done.stdout.splitlines() + [""])[:2]
    code, seconds, peak = head.split()
    return {
        "file_MB": round(path.stat().st_size / 2**20, 2),
        "exit_code": int(code),
        "seconds": round(float(seconds), 2),
        "peak_RSS_MB": round(int(peak) / 1024, 1),
        "message": message,
    }


def main() -> None:
    from msc_model.pipeline import default_workbook

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, (part, content) in BOMBS.items():
            path = write_bomb(default_workbook(), Path(folder) / f"{name}.xlsx", part, content())
            results[name] = measure(path)
            print(name, results[name], flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "hostile.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
