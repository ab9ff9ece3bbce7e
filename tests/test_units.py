"""The unit registry: canonical conversions and the traps of this field (kt is not a knot,
'ton' is ambiguous, CNY needs an exchange rate, content bases belong to one metal), plus the
pure cell parsers of the reader."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msc_model.errors import UnitError
from msc_model.inputs.cells import CellProblem, parse_flag, parse_number, parse_year, year_header
from msc_model.units import LCE_LI_FRACTION, conversion_factor, convert, is_dimensionless


@pytest.mark.parametrize(
    ("unit", "canonical", "factor"),
    [
        ("kt", "kt", 1.0),  # kilotonne, not knot
        ("Mt/yr", "kt/yr", 1000.0),
        ("t/a", "kt/yr", 1e-3),
        ("Gt", "kt", 1e6),
        ("USD/t", "MUSD/kt", 1e-3),
        ("USD/MWh", "MUSD/GWh", 1e-3),
        ("USD/(t*km)", "MUSD/(kt*km)", 1e-3),
        ("%", "", 0.01),
        ("", "", 1.0),
        ("day", "day", 1.0),
        ("MUSD/(kt/yr)/yr", "MUSD/(kt/yr)/yr", 1.0),
    ],
)
def test_canonical_factors(unit, canonical, factor):
    assert conversion_factor(unit, canonical) == pytest.approx(factor)


def test_the_same_flow_in_three_units():
    values = [convert(1.25, "Mt/yr", "kt/yr"), convert(1250, "kt/yr", "kt/yr")]
    values.append(convert(1_250_000, "t/a", "kt/yr"))
    assert values == pytest.approx([1250.0] * 3)


@pytest.mark.parametrize("unit", ["ton", "tons/yr", "kt/knot"])
def test_ambiguous_units_are_refused(unit):
    with pytest.raises(UnitError, match=r"ambiguous|knot"):
        conversion_factor(unit, "kt")


def test_wrong_dimension_says_what_is_needed():
    with pytest.raises(UnitError, match="'kt' is a mass, but a flow per year is needed"):
        conversion_factor("kt", "kt/yr")


def test_unknown_unit():
    with pytest.raises(UnitError, match="unknown unit 'bananas'"):
        conversion_factor("bananas", "kt")


def test_usd_and_cny_never_mix_without_a_rate():
    with pytest.raises(UnitError, match="exchange_rate"):
        conversion_factor("CNY/t", "MUSD/kt")
    with pytest.raises(UnitError):  # separate dimensions: no silent 1:1
        conversion_factor("CNY", "USD", exchange_rate=None)
    assert conversion_factor("CNY/t", "MUSD/kt", exchange_rate=8.0) == pytest.approx(1e-3 / 8)


def test_content_bases():
    assert conversion_factor("kt LCE/yr", "kt/yr", metal="Li") == pytest.approx(LCE_LI_FRACTION)
    bases = {"Fe62": ("Fe", 0.62)}
    assert conversion_factor("Mt Fe62/yr", "kt/yr", metal="Fe", bases=bases) == pytest.approx(620)
    with pytest.raises(UnitError, match="'LCE' is for Li, not Cu"):
        conversion_factor("kt LCE/yr", "kt/yr", metal="Cu")
    with pytest.raises(UnitError, match="names Cu on a Li row"):
        conversion_factor("kt Cu/yr", "kt/yr", metal="Li", metals=("Cu", "Li"))


def test_metal_labels_are_the_workbooks_metals():
    assert conversion_factor("kt Ni/yr", "kt/yr", metal="Ni") == 1.0  # the row's own metal
    assert conversion_factor("Mt Ni/yr", "kt/yr", metals=("Ni", "Co")) == pytest.approx(1000)
    with pytest.raises(UnitError, match="names Co on a Ni row"):
        conversion_factor("kt Co/yr", "kt/yr", metal="Ni", metals=("Ni", "Co"))
    with pytest.raises(UnitError, match="unknown unit"):  # Fe is no metal of this case
        conversion_factor("kt Fe/yr", "kt/yr", metal="Ni", metals=("Ni", "Co"))


def test_a_workbook_with_nickel_takes_kt_ni_per_year(tmp_path):
    from factory import minimal_sheets, set_cell, write_workbook

    from msc_model.errors import InputError
    from msc_model.inputs import load_inputs

    sheets = minimal_sheets()
    renamed = {"Li": "Ni", "lithium": "nickel"}
    for rows in sheets.values():
        for row in rows:
            row[:] = [renamed.get(v, v) if isinstance(v, str) else v for v in row]
    reference = load_inputs(write_workbook(tmp_path / "ni.xlsx", sheets))
    match = {"metal": "Ni", "region": "East", "year": 2027}
    set_cell(sheets, "demand", match, "value", 36000)
    cell = set_cell(sheets, "demand", match, "unit", "t Ni/yr")
    data = load_inputs(write_workbook(tmp_path / "labelled.xlsx", sheets))
    assert data.metals == reference.metals and "Ni" in data.metals
    assert data.params["demand"][("Ni", "East", 2027)] == pytest.approx(36.0)  # kt/yr
    set_cell(sheets, "demand", match, "unit", "t Cu/yr")
    with pytest.raises(InputError, match="names Cu on a Ni row") as info:
        load_inputs(write_workbook(tmp_path / "wrong.xlsx", sheets))
    assert cell.replace("demand!", "") in str(info.value)


def test_dimensionless():
    assert is_dimensionless("") and not is_dimensionless("1/yr")


# -- cell parsers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "number"), [(3, 3.0), (2.5, 2.5), ("12.5", 12.5), (" -1e3 ", -1000.0)]
)
def test_numbers(value, number):
    assert parse_number(value) == number


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("1,234", "text '1,234'"),
        ("#DIV/0!", "the Excel error #DIV/0!"),
        (True, "the logical value True"),
        ("abc", "text 'abc'"),
        (float("nan"), "nan"),
    ],
)
def test_not_numbers(value, found):
    with pytest.raises(CellProblem) as info:
        parse_number(value)
    assert info.value.found == found


def test_years_flags_and_year_headers():
    assert parse_year("2030") == 2030 and parse_year(2030.0) == 2030
    with pytest.raises(CellProblem):
        parse_year("2030a")
    assert [parse_flag(v) for v in ("Yes", "x", "FALSE", 0, True)] == [
        True,
        True,
        False,
        False,
        True,
    ]
    with pytest.raises(CellProblem):
        parse_flag("maybe")
    assert [year_header(v) for v in (2030, "2031", 2032.0, "unit", "2030a")] == [
        2030,
        2031,
        2032,
        None,
        None,
    ]


# -- properties that pin the conversion rules (each killed a surviving mutant) -------------

fractions = st.floats(min_value=0.01, max_value=0.99, allow_nan=False)


@given(fraction=fractions)
def test_a_basis_measures_the_quantity_left_of_the_slash_and_divides_right_of_it(fraction):
    """'t B' of a basis with metal fraction f holds f t of metal; a price 'USD/t B' is per
    tonne of the basis, so per tonne of metal it is 1/f times as much."""
    bases = {"B": ("Fe", fraction)}
    factor = conversion_factor

    assert factor("t B/yr", "t/yr", metal="Fe", bases=bases) == pytest.approx(fraction)
    assert factor("USD/t B", "USD/t", metal="Fe", bases=bases) == pytest.approx(1 / fraction)
    assert factor("USD/kt B", "MUSD/kt", metal="Fe", bases=bases) == pytest.approx(1e-6 / fraction)
    # the first slash starts the denominator, whatever follows it
    assert factor("USD/t B/yr", "USD/(t*yr)", metal="Fe", bases=bases) == pytest.approx(
        1 / fraction
    )
    # a value and its price in the same basis give the metal's money: f x 1/f
    assert factor("t B", "t", metal="Fe", bases=bases) * factor(
        "USD/t B", "USD/t", metal="Fe", bases=bases
    ) == pytest.approx(1.0)


def test_a_basis_in_brackets_and_the_old_spellings():
    assert conversion_factor("kt (LCE)/yr", "kt/yr", metal="Li") == pytest.approx(LCE_LI_FRACTION)
    assert conversion_factor("USD/(t·km)", "MUSD/(kt*km)") == pytest.approx(1e-3)  # middle dot
    assert conversion_factor("per cent", "") == pytest.approx(0.01)
    assert convert(2.0, "kt B", "kt", bases={"B": ("Fe", 0.5)}) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("unit", "canonical", "words"),
    [
        ("kt", "kt/yr", ("a mass", "a flow per year")),
        ("yr", "USD", ("a time", "money in USD")),
        ("km", "CNY", ("a distance", "money in CNY")),
        ("USD/t", "%", ("a price per mass", "a share or count")),
        ("CNY/t", "kt", ("a price per mass", "a mass")),
        ("m/s", "kt", ("of dimension [length] / [time]", "a mass")),
    ],
)
def test_a_dimension_error_says_what_each_side_is(unit, canonical, words):
    given_words, needed_words = words
    with pytest.raises(UnitError) as info:
        conversion_factor(unit, canonical, exchange_rate=7.0)
    assert str(info.value).startswith(f"'{unit}' is {given_words}, but {needed_words} is needed")
