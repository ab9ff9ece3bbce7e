"""Every workbook msc writes reads as a report (issue #15.2, .3, .5).

One run of each command on the shipped workbook (report, compare, pareto, sweep), then:
no snake_case id reaches a reader, the secondary workbooks carry native charts and number
formats, and no float noise (1e-16) is written.

Where ids may appear, and why:
- a column headed ``id`` (run ids a script joins on);
- the Inputs, Changed inputs and Run info sheets of the report, the Changes and Run
  info sheets of compare and the Shocks sheet of the stress workbook: they echo the input
  workbook's own rows, parameter and sheet names
  (``import_price``, ``dependence_targets!C3``) so that a reader can find the cell;
- names the user chose in the workbook or on the command line (scenario names such as
  ``high_li_price``, the sweep factor ``li_price``): they are the user's words.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.report import labels
from msc_model.report.glossary import ENTRIES

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
SCENARIOS = ("high_li_price", "more_recycling", "tight_cu_cap")
#: the shipped shock library's names (the stress workbook lists them)
SHOCKS = ("fe_ore_australia_cut", "cu_conc_chile_peru_cut", "li_ore_australia_cut",
          "east_port_disruption")  # fmt: skip
USER_NAMES = (*SCENARIOS, *SHOCKS, "li_price")
ECHO_SHEETS = {"Inputs", "Changed inputs", "Run info", "Changes", "Shocks"}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """Each workbook msc writes, from the shipped case (in this process: workers 0)."""
    out = tmp_path_factory.mktemp("plain")
    commands = {
        "report": ["run", "-o", str(out / "report.xlsx"), "-q"],
        "compare": ["compare", "--scenarios", ",".join(SCENARIOS)]
        + ["-o", str(out / "compare.xlsx"), "-w", "0", "-q"],
        "frontier": ["pareto", "-m", "Cu", "--points", "3", "--out", str(out / "fr")]
        + ["-w", "0", "-q"],
        "sweep": ["sweep", "--vary", "li_price=import_price[metal=Li]:scale:0.5:2"]
        + ["--method", "oat", "--out", str(out / "sw"), "-w", "0", "-q"],
        "resilience": ["stress", "-o", str(out / "resilience.xlsx"), "-q"],
    }
    for name, args in commands.items():
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (name, result.output)
    return {
        "report": out / "report.xlsx",
        "compare": out / "compare.xlsx",
        "frontier": out / "fr" / "frontier.xlsx",
        "sweep": out / "sw" / "summary.xlsx",
        "resilience": out / "resilience.xlsx",
    }


def ids_shown(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, id) of every snake_case id a reader sees in a workbook."""
    found = []
    book = openpyxl.load_workbook(path, read_only=True)
    for ws in book.worksheets:
        if ws.title in ECHO_SHEETS:
            continue
        id_columns: set[int] = set()
        for r, row in enumerate(ws.iter_rows(max_row=400)):
            for c, cell in enumerate(row):
                value = getattr(cell, "value", None)
                if not isinstance(value, str):
                    continue
                if value == "id":
                    id_columns.add(c)
                if c in id_columns and r > 0:
                    continue
                text = value
                for name in USER_NAMES:
                    text = text.replace(name, "")
                for match in SNAKE.findall(text):
                    found.append((ws.title, f"r{r + 1}c{c + 1}", match))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["report", "compare", "frontier", "sweep", "resilience"])
def test_no_internal_id_reaches_a_reader(written, kind) -> None:
    assert ids_shown(written[kind]) == []


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["compare", "frontier", "sweep"])
def test_secondary_workbooks_have_charts_formats_print_setup_and_run_info(written, kind) -> None:
    book = openpyxl.load_workbook(written[kind])
    assert any(ws._charts for ws in book.worksheets), "a native chart"
    assert "Run info" in book.sheetnames
    info = {r[0]: r[1] for r in book["Run info"].iter_rows(min_row=2, values_only=True)}
    assert info["msc-model version"] and info["Written"]
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$1:$1", ws.title
        for row in ws.iter_rows(min_row=2, max_row=60, max_col=ws.max_column):
            for cell in row:
                if isinstance(cell.value, float):
                    assert cell.number_format != "General", (ws.title, cell.coordinate)


@pytest.mark.slow
def test_compare_shows_shares_as_percentages_and_deltas_against_the_base(written) -> None:
    ws = openpyxl.load_workbook(written["compare"])["Indicators"]
    headers = [c.value for c in ws[1]]
    assert "high_li_price - base" in headers and "Base" in headers
    rows = list(ws.iter_rows(min_row=2))
    dependence = [r for r in rows if r[0].value == "dependence"]
    assert dependence and all(r[4].number_format == "0.0%" for r in dependence)
    assert any(r[0].value == "plan cost" for r in rows)


@pytest.mark.slow
def test_no_float_noise_is_written(written) -> None:
    for path in written.values():
        book = openpyxl.load_workbook(path, read_only=True)
        for ws in book.worksheets:
            if ws.title in {"Inputs", "Flows", "Prices"}:
                continue  # inputs as read; flows and prices: tidy sheets of the run
            for row in ws.iter_rows(max_row=300, values_only=True):
                for value in row:
                    if isinstance(value, float):
                        assert not 0 < abs(value) < labels.ZERO, (path.name, ws.title, value)


@pytest.mark.slow
def test_glossary_defines_each_indicator_with_its_formula(written) -> None:
    ws = openpyxl.load_workbook(written["report"], read_only=True)["Glossary"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == len(ENTRIES)
    for term in ("Hinterland", "Reserve cover", "Recycling rate", "Value of lost supply"):
        assert term in rows
    dependence = rows["Dependence (net import reliance)"]
    assert "imports − exports + stock draws − stock fills" in dependence[2]
    assert "never a cost" in rows["Value of lost supply"][1]
    assert "USD per t" in rows["Prices"][2]


def test_labels_turn_ids_into_words() -> None:
    assert labels.word("variable_opex") == "variable operating costs"
    assert labels.word("Cu") == "Cu"
    assert labels.header("run_id") == "id"
    assert labels.header("total_cost").startswith("Whole-system cost (bn USD")
    assert labels.case_title("/x/china_baseline.xlsx") == "China baseline"
    assert labels.case_title("/x/china_baseline.xlsx", " China, 2024–2040 ") == "China, 2024–2040"
    assert labels.case_title(None) == "case"
    for words in labels.WORDS.values():
        assert not SNAKE.search(words)


def test_unmet_demand_is_a_quantity_and_its_cost_term_the_value_of_lost_supply() -> None:
    """One id, two things: the flow and indicator (kt) and the penalty term (money)."""
    assert labels.word("unmet_demand") == "unmet demand"
    assert labels.term_word("unmet_demand").startswith("value of lost supply")
    assert labels.term_word("capex") == labels.word("capex") == "investment"
    frame = labels.reader_frame(
        pd.DataFrame({"term": ["unmet_demand"], "output": ["unmet_demand"]})
    )
    assert frame.iloc[0].tolist() == ["value of lost supply (curtailment signal, not a cost)",
                                      "unmet demand"]  # fmt: skip
