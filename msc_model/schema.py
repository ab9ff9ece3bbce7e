"""The parameter catalogue: every sheet, column and parameter of the workbook, declared once.

The reader, the validator, the template writer and the docs are generated from
:data:`SHEETS`; no other module spells a sheet or column name as a loose string.

Workbook conventions (documented in the template's README sheet):

- one sheet per table; the first row holds the column headers;
- **set sheets** list members (``metals``, ``regions``, ...) with typed attribute columns;
- **parameter sheets** hold quantities: index columns, then ``value`` and ``unit``; a sheet
  that groups several parameters with the same index has a ``parameter`` column naming each;
- a sheet whose index ends in ``year`` may be laid out with years as columns instead
  (index columns without ``year``, then ``unit``, then one column per year);
- ``source`` and ``note`` columns are optional everywhere and are echoed to reports.

Canonical units are chosen so products of canonical units stay canonical (see ``units``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: process stages; each turns an input form into an output form (storage holds refined)
PROCESSES = ("mining", "smelting", "processing", "recycling")
STORAGE = "storage"
#: commodity forms along the chain, in metal content
FORMS = ("ore", "refined", "product", "scrap")
ENTRY_TYPES = ("sea", "land")

#: enumerations that are fixed by the formulation rather than read from the workbook
#: kinds of supply shock on the ``shocks`` sheet (see msc_model.resilience.shocks)
SHOCK_KINDS = ("import_cut", "corridor_cut", "capacity_outage", "price_multiplier")
FIXED_SETS = {
    "process": PROCESSES,
    "form": FORMS,
    "entry": ENTRY_TYPES,
    "shock_kind": SHOCK_KINDS,
}


@dataclass(frozen=True)
class Column:
    """A typed attribute column of a set sheet (not a quantity, so no unit)."""

    name: str
    kind: str  # "text", "flag", "enum:<set>", "set:<set>"
    description: str
    required: bool = True
    default: object = None


@dataclass(frozen=True)
class SetSheet:
    """A sheet that lists the members of a set."""

    sheet: str
    key: str  # the member column, also the index-column name used by parameter sheets
    description: str
    columns: tuple[Column, ...] = ()


@dataclass(frozen=True)
class Param:
    """One input parameter: where it lives, its index, unit, range and default.

    ``default is None`` means the parameter is required for every index combination the
    model needs (``dense``) or, for sparse parameters, that absent rows mean "does not exist".
    """

    name: str
    unit: str  # canonical unit; "" = dimensionless share/ratio
    description: str
    min: float | None = 0.0
    max: float | None = None
    default: float | None = None
    dense: bool = False  # every combination of the index sets must be given
    #: "quantity", "share" (0..1, % accepted), "year", "flag", or "text" (a settings row
    #: holding words, e.g. ``case_name``: kept apart from the numbers, never converted)
    kind: str = "quantity"
    integer: bool = False


@dataclass(frozen=True)
class ParamSheet:
    """A parameter sheet: index columns and the parameters it holds."""

    sheet: str
    index: tuple[str, ...]  # index columns in canonical order (metal, process/form, region, year)
    params: tuple[Param, ...]
    description: str
    #: extra integer/year attribute columns read per row (e.g. commissioning_year)
    extra: tuple[Column, ...] = ()
    #: years before the base year are allowed (history), e.g. demand for end-of-life scrap
    history: bool = False
    #: several rows may share an index (vintages); the key then includes the row
    multirow: bool = False

    @property
    def grouped(self) -> bool:
        """True when the sheet holds several parameters and so has a ``parameter`` column."""
        return len(self.params) > 1

    @property
    def wide_allowed(self) -> bool:
        return bool(self.index) and self.index[-1] == "year" and not self.grouped

    def columns(self) -> tuple[str, ...]:
        head = self.index + (("parameter",) if self.grouped else ())
        return head + ("value", "unit") + tuple(c.name for c in self.extra) + OPTIONAL_COLUMNS


OPTIONAL_COLUMNS = ("source", "note")

#: which set each index column draws its members from
INDEX_SETS = {
    "metal": "metals",
    "region": "regions",
    "region_from": "regions",
    "region_to": "regions",
    "origin": "origins",
    "mode": "modes",
    "process": "process",
    "form": "form",
    "year": "year",
    "end_use": None,  # free text
    "tier": None,  # free text: a supply cost step
    "basis": None,  # free text
}

SET_SHEETS: tuple[SetSheet, ...] = (
    SetSheet(
        "metals",
        "metal",
        "Metals modelled, by chemical symbol (Fe, Cu, Li).",
        (Column("name", "text", "Plain name used in sentences of the report.", False, ""),),
    ),
    SetSheet(
        "regions",
        "region",
        "Domestic regions, with hinterland and entry-point flags.",
        (
            Column(
                "hinterland", "flag", "yes if the region is in the inland strategic hinterland."
            ),
            Column("sea_port", "flag", "yes if seaborne imports can land in the region."),
            Column("land_corridor", "flag", "yes if overland imports can enter the region."),
        ),
    ),
    SetSheet(
        "origins",
        "origin",
        "Foreign supply origins of imports.",
        (Column("entry", "enum:entry", "How imports from this origin arrive: sea or land."),),
    ),
    SetSheet("modes", "mode", "Transport modes between regions (rail, road, water)."),
)

_YEAR = dict(kind="year", min=1900, max=2200, integer=True)

PARAM_SHEETS: tuple[ParamSheet, ...] = (
    ParamSheet(
        "settings",
        (),
        (
            Param(
                "base_year",
                "",
                "First model year; existing capacity is what exists in it.",
                dense=True,
                **_YEAR,
            ),
            Param("final_year", "", "Last model year (inclusive).", dense=True, **_YEAR),
            Param(
                "discount_rate",
                "",
                "Real discount rate for costs.",
                max=0.5,
                dense=True,
                kind="share",
            ),
            Param(
                "exchange_rate",
                "CNY/USD",
                "Yuan per US dollar; needed for any CNY value.",
                min=1e-6,
            ),
            Param(
                "price_base_year",
                "",
                "Year whose money all prices are in (real terms).",
                dense=True,
                **_YEAR,
            ),
            Param(
                "policy_start_year",
                "",
                "First year the security constraints (caps and shares) apply; default: the "
                "year after the base year.",
                **_YEAR,
            ),
            Param(
                "case_name",
                "",
                "Name of the case as the report's title shows it (e.g. 'China, 2024–2040 "
                "baseline'); text of at most 80 characters, unit blank. Default: the "
                "workbook's file name.",
                min=None,
                kind="text",
            ),
        ),
        "Run-wide settings, one parameter per row.",
    ),
    ParamSheet(
        "deflator",
        ("year",),
        (
            Param(
                "deflator",
                "",
                "Price index of the year (e.g. US CPI-U, any base). Money given in a year's "
                "prices (a unit such as 'USD2010/t') is converted to price_base_year money "
                "by deflator[price_base_year] / deflator[year]. With this sheet present, "
                "every money unit must carry its price year.",
                min=1e-9,
            ),
        ),
        "Price index by year, to put every cost in the money of price_base_year.",
        history=True,
    ),
    ParamSheet(
        "content_bases",
        ("basis",),
        (
            Param(
                "metal_fraction",
                "",
                "Metal content per unit of the basis (62 % for Fe62).",
                max=1.0,
                min=1e-9,
                kind="share",
            ),
        ),
        "Content bases usable in units (e.g. 'Mt Fe62/yr'): basis name, its metal and metal "
        "fraction. LCE (0.1879 t Li per t) is built in.",
        extra=(Column("metal", "set:metals", "The metal this basis measures."),),
    ),
    ParamSheet(
        "demand",
        ("metal", "region", "year"),
        (
            Param(
                "demand",
                "kt/yr",
                "Final demand for products, in metal content. Years before "
                "the base year are history, used only for end-of-life scrap.",
                dense=True,
            ),
        ),
        "Product demand by metal, region and year.",
        history=True,
    ),
    ParamSheet(
        "exports",
        ("metal", "form", "year"),
        (
            Param(
                "export_demand",
                "kt/yr",
                "Exports the country is committed to, national total (shipped from entry regions).",
                default=0.0,
            ),
        ),
        "Exogenous exports by metal, form and year.",
    ),
    ParamSheet(
        "existing_capacity",
        ("metal", "process", "region"),
        (
            Param(
                "existing_capacity",
                "kt/yr",
                "Capacity in service (output per year). A "
                "commissioning year after the base year marks a committed project.",
            ),
        ),
        "Existing and committed capacity by vintage.",
        extra=(
            Column(
                "commissioning_year", "year", "First year in service (blank: already).", False, None
            ),
            Column(
                "retirement_year",
                "year",
                "Last year in service (blank: beyond horizon).",
                False,
                None,
            ),
        ),
        multirow=True,
    ),
    ParamSheet(
        "technology",
        ("metal", "process"),
        (
            Param(
                "process_yield",
                "",
                "Output per unit of input, metal content (mining: 1).",
                max=1.0,
                min=1e-6,
                default=1.0,
                kind="share",
            ),
            Param(
                "availability",
                "",
                "Share of capacity usable in a year.",
                max=1.0,
                default=1.0,
                kind="share",
            ),
            Param("lifetime", "yr", "Technical lifetime of new capacity.", min=1.0, dense=True),
            Param(
                "lead_time",
                "yr",
                "Years from decision to first output of new capacity.",
                default=1.0,
            ),
            Param(
                "capex",
                "MUSD/(kt/yr)",
                "Investment per unit of annual output capacity.",
                dense=True,
            ),
            Param(
                "fixed_opex",
                "MUSD/(kt/yr)/yr",
                "Fixed O&M per unit of capacity and year.",
                default=0.0,
            ),
            Param(
                "variable_opex",
                "MUSD/kt",
                "Variable cost per unit of output, before energy.",
                default=0.0,
            ),
            Param("energy_intensity", "GWh/kt", "Electricity per unit of output.", default=0.0),
        ),
        "Technology of each process and metal.",
    ),
    ParamSheet(
        "capacity_limits",
        ("metal", "process", "region"),
        (
            Param(
                "max_capacity",
                "kt/yr",
                "Most capacity the region can host (resources, permits); blank: no limit.",
            ),
            Param("max_build", "kt/yr", "Most new capacity that can come online in one year."),
        ),
        "Regional limits on capacity and build rate (sparse: absent means no limit).",
    ),
    ParamSheet(
        "power_price",
        ("region",),
        (Param("power_price", "MUSD/GWh", "Industrial electricity price.", dense=True),),
        "Electricity price by region.",
    ),
    ParamSheet(
        "imports",
        ("metal", "form", "origin"),
        (
            Param("import_price", "MUSD/kt", "Landed price, metal content."),
            Param("import_availability", "kt/yr", "Most that can be bought from the origin."),
        ),
        "Import options: a row pair per metal, form and origin that can supply.",
    ),
    ParamSheet(
        "import_outlook",
        ("metal", "form", "year"),
        (
            Param(
                "price_index",
                "",
                "Import price of the year relative to the imports sheet's price (1 = as "
                "given), every origin; linear between given years, held before the first "
                "and after the last. Absent: flat prices.",
                min=1e-6,
                max=100.0,
            ),
            Param(
                "availability_index",
                "",
                "Import availability of the year relative to the imports sheet's (1 = as "
                "given), every origin; interpolated like price_index.",
                max=100.0,
            ),
        ),
        "Time paths of import prices and availability (e.g. a lithium price recovering "
        "from its 2024 trough), as indices on the imports sheet.",
        history=False,
    ),
    ParamSheet(
        "risk_premium",
        ("origin",),
        (
            Param(
                "risk_premium",
                "",
                "Supply-risk mark-up on the import price.",
                max=5.0,
                default=0.0,
                kind="share",
            ),
        ),
        "Risk premium by origin (added to the price in the objective).",
    ),
    ParamSheet(
        "transport_cost",
        ("mode",),
        (
            Param(
                "transport_cost",
                "MUSD/(kt*km)",
                "Cost per tonne-kilometre of material moved: per gross tonne for ore and "
                "concentrate (see ore_grade), per tonne of metal for refined metal, products "
                "and scrap.",
                dense=True,
            ),
        ),
        "Transport cost by mode.",
    ),
    ParamSheet(
        "ore_grade",
        ("metal",),
        (
            Param(
                "ore_grade",
                "",
                "Metal content of the metal's ore or concentrate as shipped (62 % for iron "
                "fines); ore is hauled per gross tonne, so its transport cost per tonne of "
                "metal is the rate divided by this. Blank: 100 %.",
                max=1.0,
                min=1e-6,
                default=1.0,
                kind="share",
            ),
        ),
        "Grade of ore and concentrate as shipped (for transport per gross tonne).",
    ),
    ParamSheet(
        "corridors",
        ("region_from", "region_to", "mode"),
        (
            Param("distance", "km", "Distance along the corridor.", min=0.0),
            Param("corridor_capacity", "kt/yr", "Most metal content moved per year, each way."),
        ),
        "Transport corridors between regions (usable both ways).",
    ),
    ParamSheet(
        "reserves",
        ("metal", "region"),
        (
            Param(
                "reserve_days",
                "day",
                "Days of national consumption to hold in the region.",
                default=0.0,
                max=3650.0,
            ),
            Param(
                "storage_capacity",
                "kt",
                "Existing storage capacity for refined metal.",
                default=0.0,
            ),
            Param("initial_stock", "kt", "Stock held at the start of the base year.", default=0.0),
            Param("max_storage", "kt", "Most storage the region can host; blank: no limit."),
        ),
        "Strategic reserves of refined metal by metal and region.",
    ),
    ParamSheet(
        "storage",
        ("metal",),
        (
            Param(
                "storage_capex", "MUSD/kt", "Investment per unit of storage capacity.", dense=True
            ),
            Param("storage_lifetime", "yr", "Lifetime of new storage.", min=1.0, default=30.0),
            Param(
                "holding_cost",
                "MUSD/kt/yr",
                "Cost of holding a unit of stock for a year.",
                default=0.0,
            ),
            Param("stock_loss", "1/yr", "Share of stock lost per year.", max=1.0, default=0.0),
            Param(
                "terminal_value",
                "MUSD/kt",
                "What a unit of stock left at the end of the final year is worth (credited, "
                "discounted); blank: the metal's cheapest landed import price of refined metal "
                "(else of ore, per unit of refined metal).",
            ),
        ),
        "Storage technology and costs by metal.",
    ),
    ParamSheet(
        "recycling",
        ("metal",),
        (
            Param(
                "max_collection_rate",
                "",
                "Most end-of-life scrap that can be collected.",
                max=1.0,
                dense=True,
                kind="share",
            ),
            Param(
                "prompt_scrap_rate",
                "",
                "Share of processing losses returned as prompt scrap.",
                max=1.0,
                default=0.0,
                kind="share",
            ),
        ),
        "Collection and prompt scrap by metal.",
    ),
    ParamSheet(
        "lost_supply",
        ("metal",),
        (
            Param(
                "unmet_demand_penalty",
                "MUSD/kt",
                "Value of lost supply: what a unit of demand left unmet is charged. Set it far "
                "above the metal's marginal value (10x or more) so curtailment is the last "
                "resort; it is a signal of infeasibility, reported apart, never a cost.",
                min=1e-9,
                default=100.0,
            ),
        ),
        "Value of lost supply by metal (shortfall is a last resort, never a price).",
    ),
    ParamSheet(
        "mining_tiers",
        ("metal", "region", "tier"),
        (
            Param(
                "tier_output",
                "kt/yr",
                "Most mine output per year from this cost step (grade, depth, remoteness).",
            ),
            Param(
                "tier_cost",
                "MUSD/kt",
                "Extra cost per unit of output from this step, on top of the mining "
                "technology's costs.",
                default=0.0,
            ),
        ),
        "Domestic mining supply curve: cost steps per metal and region. Where a region has "
        "steps, its mine output is at most their sum and cheaper steps are used first.",
    ),
    ParamSheet(
        "collection_tiers",
        ("metal", "tier"),
        (
            Param(
                "tier_share",
                "",
                "Share of end-of-life scrap collectable in this cost step.",
                max=1.0,
                kind="share",
            ),
            Param(
                "collection_cost",
                "MUSD/kt",
                "Cost per unit of old scrap collected in this step.",
                default=0.0,
            ),
        ),
        "Scrap collection supply curve: cost steps per metal (the total stays at most "
        "max_collection_rate of end-of-life scrap).",
    ),
    ParamSheet(
        "end_uses",
        ("metal", "end_use"),
        (
            Param(
                "end_use_share",
                "",
                "Share of the metal's demand going to this end use.",
                max=1.0,
                kind="share",
            ),
            Param("lifetime_mean", "yr", "Mean product lifetime (normal distribution).", min=0.5),
            Param("lifetime_sd", "yr", "Standard deviation of the product lifetime.", min=0.0),
        ),
        "Product lifetimes by metal and end use; they delay end-of-life scrap.",
    ),
    ParamSheet(
        "dependence_targets",
        ("metal", "year"),
        (
            Param(
                "dependence_target",
                "",
                "Most external dependence allowed; linear between "
                "given years, no cap before the first.",
                max=1.0,
                kind="share",
            ),
        ),
        "Dependence target path by metal.",
    ),
    ParamSheet(
        "dependence_definition",
        ("metal", "form"),
        (
            Param(
                "dependence_counted",
                "",
                "yes if net imports of this form count towards "
                "dependence. Domestic supply counted: mining, plus collected scrap when scrap "
                "counts.",
                kind="flag",
                min=None,
            ),
        ),
        "Which forms count in each metal's external dependence.",
    ),
    ParamSheet(
        "policy",
        ("metal", "process"),
        (
            Param(
                "max_region_share",
                "",
                "Most of national capacity one region may hold.",
                max=1.0,
                kind="share",
            ),
            Param(
                "min_hinterland_share",
                "",
                "Least of national capacity in hinterland regions.",
                max=1.0,
                kind="share",
            ),
        ),
        "Regional concentration and hinterland backup (sparse: absent means none).",
    ),
    ParamSheet(
        "supplier_limits",
        ("metal",),
        (
            Param(
                "max_supplier_share",
                "",
                "Most of the metal's imports from one origin.",
                max=1.0,
                kind="share",
            ),
        ),
        "Supplier concentration caps (sparse).",
    ),
)


@dataclass(frozen=True)
class RecordSheet:
    """A sheet of records: one item per row, typed columns, no units (the shock library).

    Column kinds: ``text``, ``enum:<fixed set>``, ``set:<set sheet>``, ``year``, ``share``
    (0..1; text such as "30 %" accepted) and ``number``. A blank optional column means
    "every member" where the column names a set.
    """

    sheet: str
    description: str
    fields: tuple[Column, ...]

    def columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.fields) + OPTIONAL_COLUMNS


RECORD_SHEETS: tuple[RecordSheet, ...] = (
    RecordSheet(
        "shocks",
        "Supply shocks for stress tests and shock-aware plans; several rows with the same "
        "name form one shock (e.g. a cut from two origins). Applied only by `msc stress` and "
        "`msc run --robust`, never to the ordinary plan.",
        (
            Column("name", "text", "Name of the shock; scenarios and --shock refer to it."),
            Column(
                "kind",
                "enum:shock_kind",
                "import_cut: cut the import availability by share; corridor_cut: cut a "
                "corridor's capacity; capacity_outage: take a share of a region's process "
                "capacity out; price_multiplier: multiply import prices.",
            ),
            Column("metal", "set:metals", "Metal hit; blank: every metal.", False),
            Column(
                "form", "enum:form", "Form hit (import_cut, price_multiplier); blank: all.", False
            ),
            Column("origin", "set:origins", "Origin hit; blank: every origin.", False),
            Column(
                "region",
                "set:regions",
                "import_cut: entry region whose imports are cut (blank: all); "
                "capacity_outage: region of the plants (required); corridor_cut: one end.",
                False,
            ),
            Column("region_to", "set:regions", "corridor_cut: the other end.", False),
            Column("mode", "set:modes", "corridor_cut: transport mode; blank: every mode.", False),
            Column("process", "enum:process", "capacity_outage: process; blank: all.", False),
            Column(
                "share",
                "share",
                "Share of the availability, corridor capacity or plant capacity lost (0-1); "
                "not used by price_multiplier.",
                False,
            ),
            Column(
                "multiplier",
                "number",
                "price_multiplier only: factor on the import price (1.5 = +50 %).",
                False,
            ),
            Column("first_year", "year", "First year of the shock."),
            Column("last_year", "year", "Last year of the shock (blank: first_year).", False),
        ),
    ),
    RecordSheet(
        "shock_scenarios",
        "Scenarios for the shock-aware plan (`msc run --robust`): each is a set of shocks "
        "with a probability; probabilities of all scenarios sum to 1.",
        (
            Column("scenario", "text", "Scenario name; one row per shock it contains."),
            Column(
                "shock",
                "text",
                "A shock name from the shocks sheet; blank: a scenario without shocks.",
                False,
            ),
            Column(
                "probability",
                "share",
                "Probability of the scenario (0-1), on at least one of its rows.",
                False,
            ),
        ),
    ),
)

#: the sources a workbook cites: every key named in a ``source`` cell must be listed here
#: when the sheet is present (msc_model.inputs.sources)
SOURCES_SHEET = RecordSheet(
    "sources",
    "The sources the workbook's numbers come from. A source cell names one or more keys "
    "(separated by ';', each optionally followed by ' — ' and free text); 'assumption' "
    "marks a reasoned value whose note gives the reason. When this sheet is present every "
    "key a source cell names must be listed here.",
    (
        Column("key", "text", "Short key cited in source cells, e.g. USGS-Cu25."),
        Column("title", "text", "Title of the publication or page."),
        Column("publisher", "text", "Who published it.", False),
        Column("year", "year", "Year of publication.", False),
        Column("address", "text", "Where it can be read (URL, DOI or reference).", False),
        Column("read", "text", "What was read from it, and for which sheets.", False),
    ),
)
RECORD_SHEETS = (*RECORD_SHEETS, SOURCES_SHEET)

#: every sheet, by name
SHEETS: dict[str, SetSheet | ParamSheet | RecordSheet] = {
    s.sheet: s for s in SET_SHEETS + PARAM_SHEETS + RECORD_SHEETS
}
#: every parameter, by name, with its sheet
PARAMS: dict[str, tuple[ParamSheet, Param]] = {
    p.name: (s, p) for s in PARAM_SHEETS for p in s.params
}

#: sheets a workbook must have (the others may be absent: all their parameters are optional)
REQUIRED_SHEETS = tuple(s.sheet for s in SET_SHEETS) + tuple(
    s.sheet for s in PARAM_SHEETS if any(p.dense for p in s.params)
)
