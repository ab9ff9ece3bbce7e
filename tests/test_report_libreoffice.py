"""The report opens in LibreOffice and prints with its charts and flow diagrams.

Converts reports to PDF with ``soffice --headless --convert-to pdf`` (as a reader without
Excel would open them) and checks the PDF: at least one page per sheet, every native
chart drawn (its title is text that appears in no cell, so it is in the PDF only if the
chart was rendered) and the flow diagram pictures present. Skipped where LibreOffice or
poppler-utils are not installed; ``.ci/run`` installs both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from factory import minimal_sheets, write_workbook
from openpyxl import load_workbook

from msc_model.pipeline import default_workbook, run

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
TOOLS = (
    SOFFICE and shutil.which("pdftotext") and shutil.which("pdfinfo") and shutil.which("pdfimages")
)
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
pytestmark = pytest.mark.skipif(
    not TOOLS, reason="needs LibreOffice (soffice) and poppler-utils (pdftotext, pdfimages)"
)


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> str:
    """A private LibreOffice profile (parallel runs must not share one), made once: its
    first start is the slow part of a conversion."""
    return (tmp_path_factory.mktemp("lo") / "profile").as_uri()


def to_pdf(report: Path, folder: Path, profile: str) -> Path:
    """Convert ``report`` to ``folder/<stem>.pdf``; fail with LibreOffice's message."""
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    pdf = folder / f"{report.stem}.pdf"
    assert done.returncode == 0, done.stderr
    assert pdf.is_file(), f"no PDF: {done.stdout} {done.stderr}"
    return pdf


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))


def pdf_text(pdf: Path) -> str:
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())  # chart titles wrap over lines


def pdf_images(pdf: Path) -> int:
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return sum(1 for line in listing.splitlines()[2:] if " image " in line)


def chart_titles(report: Path) -> list[str]:
    """Titles of the native charts, read from the xlsx's chart parts."""
    titles = []
    with zipfile.ZipFile(report) as z:
        for name in sorted(n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml", n)):
            title = ET.fromstring(z.read(name)).find(f"{C}chart/{C}title")  # not axis titles
            titles.append(" ".join(t.text or "" for t in title.iter(f"{A}t")))
    return titles


def cell_text(report: Path) -> str:
    wb = load_workbook(report, read_only=True)
    return " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


def check_pdf(report: Path, metals: int, folder: Path, profile: str) -> None:
    titles = chart_titles(report)
    assert len(titles) == 2 + metals  # Summary 1, capacity by stage per metal, costs
    cells = cell_text(report)
    for title in titles:
        assert title and title not in cells  # so finding it in the PDF proves the chart
    pdf = to_pdf(report, folder, profile)
    sheets = load_workbook(report, read_only=True).sheetnames
    assert pdf_pages(pdf) >= len(sheets)
    text = pdf_text(pdf)
    for title in titles:
        assert title in text, f"chart '{title}' not drawn in the PDF"
    assert pdf_images(pdf) >= metals  # one flow diagram per metal
    assert "Key findings" in text and "Headline indicators" in text


@pytest.mark.slow
def test_factory_report_prints_with_charts(tmp_path: Path, profile: str) -> None:
    workbook = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    result = run(workbook, tmp_path / "report.xlsx")
    check_pdf(result.report, len(result.data.metals), tmp_path, profile)


#: the most pages the shipped case's report may print to: a reader prints the Summary and
#: the head of each table, not 80 pages of flows (the workbook holds every row)
MAX_PAGES = 40


@pytest.mark.slow
def test_default_report_prints_with_charts(tmp_path: Path, profile: str) -> None:
    result = run(default_workbook(), tmp_path / "china.xlsx")
    check_pdf(result.report, len(result.data.metals), tmp_path, profile)
    pdf = tmp_path / "china.pdf"
    assert pdf_pages(pdf) <= MAX_PAGES
    text = pdf_text(pdf)
    # a long table prints its head and says so; the first finding is what the policy adds
    assert "Flows: the first 25 of" in text and "the workbook holds them all" in text
    assert "Meeting the targets and security rules costs" in text
    # the Summary is a one-page brief: its last block on page 1, the next sheet on page 2
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    second = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "Key findings" in first and "Assumptions and limitations" in first
    assert "When and where new capacity comes online" in first
    assert second.lstrip().startswith("Findings per metal")
