"""The template: generated from the catalogue, refused over an existing file, and
validated with cell-precise problems rather than a crash; filled in, it loads."""

from __future__ import annotations

import openpyxl
import pytest
from factory import expect_input_error, file_hash, minimal_sheets

from msc_model import schema
from msc_model.errors import OutputError
from msc_model.inputs import load_inputs
from msc_model.template import write_template


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("template") / "template.xlsx")


def test_every_catalogue_sheet_with_headers_and_comments(template):
    workbook = openpyxl.load_workbook(template)
    assert workbook.sheetnames == ["README", *schema.SHEETS]
    for spec in schema.PARAM_SHEETS:
        sheet = workbook[spec.sheet]
        header = [c.value for c in sheet[1] if c.value is not None]
        assert header == list(spec.columns()), spec.sheet
        assert all(c.comment is not None for c in sheet[1] if c.value is not None)
        assert sheet.freeze_panes == "A2"
    lifetime = [
        row for row in workbook["technology"].iter_rows(values_only=True) if row[2] == "lifetime"
    ]
    assert lifetime[0][4] == "yr"  # placeholder row with the canonical unit


def test_readme_documents_every_parameter(template):
    readme = openpyxl.load_workbook(template)["README"]
    text = "\n".join(str(v) for row in readme.iter_rows(values_only=True) for v in row if v)
    for name, (_, param) in schema.PARAMS.items():
        assert name in text and param.description[:30] in text
    assert "years as columns" in text


def test_dropdowns(template):
    workbook = openpyxl.load_workbook(template)
    formulas = {
        sheet: [v.formula1 for v in workbook[sheet].data_validations.dataValidation]
        for sheet in ("technology", "origins", "regions", "dependence_definition")
    }
    assert '"mining,smelting,processing,recycling"' in formulas["technology"]
    assert "metals!$A$2:$A$2000" in formulas["technology"]
    assert any("lifetime" in f and "capex" in f for f in formulas["technology"])
    assert '"sea,land"' in formulas["origins"]
    assert formulas["regions"].count('"yes,no"') == 3
    assert '"yes,no"' in formulas["dependence_definition"]


def test_validating_the_blank_template_gives_cell_precise_problems(template):
    error = expect_input_error(
        template,
        "metals!A2: found no members",
        "regions!A2: found no members",
        "settings!B2: found blank, expected a value for base_year",
        "settings!B3: found blank, expected a value for final_year",
    )
    assert all(p.cell for p in error.problems)


def test_filled_template_loads(tmp_path):
    path = write_template(tmp_path / "case.xlsx")
    workbook = openpyxl.load_workbook(path)
    for name, rows in minimal_sheets().items():
        sheet = workbook[name]
        header = [c.value for c in sheet[1]]
        for row in rows[1:]:
            values = dict(zip(rows[0], row, strict=False))
            if name == "settings":  # fill the placeholder rows, which name each setting
                for cells in sheet.iter_rows(min_row=2):
                    if cells[0].value == values["parameter"]:
                        cells[1].value, cells[2].value = values["value"], values["unit"]
                continue
            sheet.append([values.get(column) for column in header])
    workbook.save(path)
    data = load_inputs(path)
    assert data.params["demand"][("Cu", "East", 2024)] == pytest.approx(1200.0)
    assert data.warnings == ()


def test_refuses_to_overwrite(tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(b"my precious data")
    before = file_hash(path)
    with pytest.raises(OutputError, match="exists"):
        write_template(path)
    assert file_hash(path) == before
    assert write_template(path, overwrite=True) == path
    assert file_hash(path) != before
    assert [p.name for p in tmp_path.iterdir()] == ["template.xlsx"]  # no temp file left


def test_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_template(tmp_path / "nope" / "template.xlsx")
