"""Build the default workbook ``china_baseline.xlsx``: China, iron / copper / lithium, 2024-2040.

Every number of the shipped workbook is written by this script, with its source (a key of
the workbook's ``sources`` sheet, its title and the address read) or ``assumption`` plus a note giving the reason.
Figures derived from published ones say ``estimated`` and show the formula in the note.

Run ``python -m msc_model.sheets.build_default [OUTPUT]`` (default: next to this file).
:func:`expected_base_year` re-derives the base-year flows and external dependence from a
built workbook's own numbers (merit order of existing capacity, imports and end-of-life
scrap, as the LP sees them in the base year); the test asserts the published bands with it.

Conventions: everything is metal content. Crude steel and finished steel are counted as
Fe (alloying elements and carbon, < 2 %, ignored); pig iron only enters cross-checks.
Regions aggregate provinces: East = coastal provinces (Beijing, Tianjin, Hebei, Liaoning,
Shanghai, Jiangsu, Zhejiang, Fujian, Shandong, Guangdong, Guangxi, Hainan); Central =
Shanxi, Anhui, Jiangxi, Henan, Hubei, Hunan, Jilin, Heilongjiang; West = Inner Mongolia,
Chongqing, Sichuan, Guizhou, Yunnan, Tibet, Shaanxi, Gansu, Qinghai, Ningxia, Xinjiang.
"""

from __future__ import annotations

import datetime
import io
import itertools
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from msc_model.inputs.money import split_price_year
from msc_model.model.recycling import lifetime_kernel
from msc_model.schema import SHEETS, ParamSheet, RecordSheet, SetSheet
from msc_model.units import conversion_factor, default_bases

DEFAULT_PATH = Path(__file__).with_name("china_baseline.xlsx")
FIXED_TIME = datetime.datetime(2024, 1, 1, 0, 0, 0)

BASE_YEAR = 2024
FINAL_YEAR = 2040
MODEL_YEARS = tuple(range(BASE_YEAR, FINAL_YEAR + 1))
METALS = ("Fe", "Cu", "Li")
REGIONS = ("East", "Central", "West")
ASSUMPTION = "assumption"
#: published external-dependence bands the base year must reproduce (CNIA, USGS, CISA figures
#: cited on the dependence_definition sheet)
DEPENDENCE_BANDS = {"Fe": (0.75, 0.85), "Cu": (0.65, 0.80), "Li": (0.50, 0.70)}
LCE = 0.1879  # t Li per t Li2CO3 (built into msc_model.units)
LHM = 0.1654  # t Li per t LiOH·H2O

# -- sources (key → publisher, title, address read); written to the sources sheet ----------
_SRC = {
    "USGS-Fe25": "USGS MCS 2025 Iron Ore, https://pubs.usgs.gov/periodicals/mcs2025/mcs2025-iron-ore.pdf",
    "USGS-Cu25": "USGS MCS 2025 Copper, https://pubs.usgs.gov/periodicals/mcs2025/mcs2025-copper.pdf",
    "USGS-Li25": "USGS MCS 2025 Lithium, https://pubs.usgs.gov/periodicals/mcs2025/mcs2025-lithium.pdf",
    "HSN-CISA24": "Hellenic Shipping News (Reuters), China's iron ore supply to rise, https://www.hellenicshippingnews.com/chinas-iron-ore-supply-to-rise-by-up-to-10-mln-tons-in-2024-steel-association-says/",
    "HSN-CISA22": "Hellenic Shipping News (Global Times), CISA Cornerstone plan, https://www.hellenicshippingnews.com/china-iron-and-steel-association-vows-to-increase-domestic-mineral-production-by-100-million-tons-within-five-years/",
    "GMK-IO24": "GMK Center, China iron ore imports 1.24 bn t in 2024, https://gmk.center/en/news/china-increased-iron-ore-imports-to-a-record-1-24-billion-tons-in-2024/",
    "SEAISI-IO24": "GMK/Kallanish via SEAISI, iron ore import value Jan-Sep 2024, https://seaisi.org/details/25585?type=news-rooms",
    "SCMP-IO20": "SCMP (customs), iron ore imports by source 2020, https://www.scmp.com/economy/china-economy/article/3118514/chinas-iron-ore-imports-india-rose-nearly-90-cent-2020",
    "INFAIA-23": "INFAIA (NBS), China's steel production in 2023, http://infaia.org/news1/shownews.php?id=629",
    "BLS-CPIU": "U.S. Bureau of Labor Statistics, CPI for All Urban Consumers (CPI-U), annual averages, series CUUR0000SA0, https://data.bls.gov/timeseries/CUUR0000SA0",
    "SO-MMAC": "SteelOrbis (MMAC), newly-added iron ore resources 2016-20, https://www.steelorbis.com/steel-news/latest-news/chinas-newly-added-iron-ore-resources-total-855-million-mt-in-2016-20-1244646.htm",
    "PROM-24": "prometall.info (NBS), China crude steel 2024, https://prometall.info/novosti/kitay_snizil_obyemy_vyplavki_stali_za_2024_god_na_1_7",
    "WS-24": "worldsteel via Ukrainska Pravda, pig iron 2024, https://www.pravda.com.ua/eng/news/2025/01/24/7495128/",
    "ZW-ST24": "customs via zonewarm.cn, steel exports/imports Jan-Nov 2024, http://www.zonewarm.cn/page106?article_id=4803",
    "CAMU-22": "SteelOrbis, CAMU: China to increase scrap utilization, https://www.steelorbis.com/steel-news/latest-news/camu-china-to-increase-scrap-utilization-despite-challenges-and-lower-steel-output-1287698.htm",
    "BIR-Fe": "BIR World Steel Recycling in Figures, https://www.bir.org/members-area/world-mirrors/mirrors-ferrous/1000027084-world-steel-recycling-in-figures-january-september-2023-update",
    "BIR-Fe24": "BIR via ScrapMonster, H1 2024 scrap use, https://www.scrapmonster.com/amp/article/93645",
    "PROV-ST23": "NBS provincial crude steel 2023 (reprint), http://02boy.com/news/202403/04/283073.html",
    "PROV-IO22": "中国铁合金网, 七大铁矿石产矿省份, http://ferro-alloys.cn/News/Details/311418",
    "WIKINVEST": "Wikinvest (steelonthenet/MCI), Steelmaking capex, http://www.wikinvest.com/wiki/Steelmaking",
    "SOTN-RAIL": "steelonthenet, rail & section mill capex, https://www.steelonthenet.com/capital-investment/rail-mill.html",
    "HU-09": "Hu et al., steel end use in China, https://library.metabolismofcities.org/items/2580/",
    "GAUFFIN-18": "Gauffin & Pistorius 2018, Metals 8:338 (US steel lifetimes), https://www.scribd.com/document/449749245/metals-08-00338",
    "MK-FE15": "China steel scrap recycling rate 2015, https://metal-knowledge.com/yhL4NfSlmF.html",
    "CU-24CN": "CN copper industry article 2024, http://m.happilyeveraftercoaching.com/news_4/1965.html",
    "CU-IMP15-24": "2015-2025 China copper import analysis, http://news.43b.com.cn/a/198515.html",
    "SMM-CATH24": "SMM, copper cathode imports Jan-Nov 2024, https://metal.com/en/newscontent/103099398",
    "SMM-ANODE": "SMM, copper anode and scrap ingot imports, https://news.metal.com/newscontent/103190649/",
    "AME-1157": "AME, China copper smelting capacity, https://direct.amegroup.com/Website/FeatureArticleDetail.aspx?faId=1157",
    "AME-837": "AME, Copper Smelter Capacity Additions (2021), https://www.amegroup.com/Website/FeatureArticleDetail.aspx?faId=837",
    "CNIA-REC24": "Workers' Daily reprint of CNIA press conference 2024, http://www.gdmsci.cn/blog/n12pysqT9ArR.html",
    "BIR-REC23": "BIR, Strong growth for China's non-ferrous recycling, https://www.bir.org/members-area/world-mirrors/non-ferrous/1000026459-strong-growth-for-chinas-non-ferrous-metals-recycling",
    "METALNOMIST": "Metalnomist, China copper scrap imports 2024, https://metalnomist.com/2025/03/chinas-copper-scrap-imports-surge-in.html",
    "HAN-2021": "Han Jian et al. (CGS), http://m.handmsg.com/page/2021/0415/21411910.shtml",
    "SMM-LIU22": "SMM, Liu Qunyi (CGS), copper balance, https://news.metal.com/newscontent/101894428/mid-and-long-term-supply-and-demand-balance-of-global-and-chinese-copper-resources-smm-review/",
    "WEI-23": "Wei Minghui 2023, 中国铜资源开发利用现状, https://fx361.cc/page/2023/1126/22810661.shtml",
    "ZHANG-15": "Zhang et al. 2015 ES&T copper in-use stocks, https://datapdf.com/understanding-the-spatial-and-temporal-patterns-of-copper-in.html",
    "WANG-19": "Wang, Ju, Wang, Li 2019, recycled copper supply in China, https://waseda.elsevierpure.com/en/publications/scenario-analysis-of-the-recycled-copper-supply-in-china-consider",
    "SOUL-18": "Soulier et al. 2018 (Fraunhofer ISI summary), https://www.hannovermesse.de/en/news/news-articles/there-is-still-a-lot-of-room-for-improvement-in-copper-recycling",
    "RESSCI-18": "Resources Science 2018, pyrometallurgical copper electricity, http://school.freekaoyan.com/bj/igsnrr/2021/12-29/16407886561513108.shtml",
    "TCRC-24": "Hellenic Shipping News, 2024 copper TC/RC $80 & 8.0 c/lb, https://www.hellenicshippingnews.com/chinese-smelters-freeport-set-copper-concs-tcs-at-80-mt-for-2024-term-contracts/",
    "INE-20": "Reuters, INE bonded copper warehouse fees, https://www.reuters.com/article/china-derivatives-copper/update-2-shanghai-exchange-sets-delivery-fee-names-warehouses-for-bonded-copper-contract-idUSL1N2HV0GA",
    "SHFE-15": "SHFE circular, nickel/tin warehouse fees, https://tsite.shfe.com.cn/eng/circularnews/circular/911400955.html",
    "MIIT-LI24": "MIIT 2024 lithium salt output (via Nigerian Mining), https://nigerianmining.com/chinas-2024-lithium-carbonate-output-soars-45-ministry-reports/",
    "SMM-LIC24": "SMM, lithium concentrate imports 2024, https://news.metal.com/newscontent/103149081/",
    "SMM-Jun24": "SMM, June 2024 lithium concentrate imports (LCE ratio), https://news.metal.com/newscontent/102867603/",
    "GTAIC-LI24": "GTAIC, China's Lithium Carbonate Market in 2024, https://gtaic.ai/market-reports/china-lithium-carbonate-market-2024",
    "HME-LI22": "China lithium carbonate imports 2022, https://www.hmeonlineglobal.com/Metallurgy-Chemicals-Rubber-Pl/8589.html",
    "BMR-LI24": "Battery Materials Review, LatAm Li2CO3 exports 2024, https://www.batterymaterialsreview.com/big-increase-in-latam-lithium-carbonate-exports-in-2024/",
    "HAO-17": "Hao et al. 2017 Resources Policy, MFA of lithium in China, https://c.coek.info/pdf-material-flow-analysis-of-lithium-in-china-.html",
    "ARGUS-LI17": "Argus, China lithium consumption 2017, https://www.argusmedia.com/es/news-and-insights/latest-market-news/1634892-china-lithium-consumption-rises-on-ev-growth",
    "GL-19": "General Lithium via mining.com, conversion capex, https://mining.com/web/chinas-general-lithium-launch-60000-t-spodumene-converter-end-2020",
    "IHUB-19": "investorshub forum quote, spodumene-to-LiOH conversion cost, https://investorshub.advfn.com/boards/replies.aspx?msg=168962659",
    "ARGUS-GEM": "Argus, GEM expands battery recycling (Yibin), https://argusmedia.com/en/news-and-insights/latest-market-news/2458422-china-s-gem-expands-battery-recycling-production",
    "VOLT-23": "voltcoffer, battery recycling capacity and recovery, https://www.voltcoffer.com/?p=12769",
    "CARZ-BAT": "CCTV via carzxzc, retired power batteries and battery life, https://carzxzc.com/industry/16023.html",
    "DIALOGUE-BAT": "Dialogue Earth, China EV battery retirements, https://dialogue.earth/en/digest/china-prepares-for-wave-of-ev-battery-retirements",
    "IEA-GCMO25": "IEA Global Critical Minerals Outlook 2025 via Argus, https://www.argusmedia.com/es/news-and-insights/latest-market-news/2690734-iea-warns-of-lithium-and-copper-deficits-by-2035",
    "WULF-LI24": "Mining.com (China Daily) via wulfstein, China share of lithium demand, https://wulfstein.org/2025/01/15/china-becomes-worlds-second-largest-holder-of-lithium-reserves",
    "MNR-LI22": "MNR 2022 reserve statistics press conference, http://m.jinbaonet.com/dzb/gundong/2023/0614/1000135076.html",
    "REDPLANX-YC": "redplanx, Yichun lithium carbonate output 2023, https://www.redplanx.com/html/news/942451.html",
    "CNIA-LI22": "CNIA Lithium Branch 2022 white paper (reported), https://5zjx.com/tag/683.html?page=4",
    "MIMETALS-LI23": "Mimetals citing CNIA, lithium dependence 2023, https://felezatkhavarmianeh.ir/fa/tags/238438/1/",
}


def src(*keys: str) -> str:
    """The source cell: keys with their titles and addresses, joined by ' ; '."""
    return " ; ".join(f"{k} — {_SRC[k]}" for k in keys)


# ==========================================================================================
# The numbers. Units are the ones written in the workbook; the loader converts them.
# ==========================================================================================

#: regional shares (East, Central, West) used to split national figures
SHARES = {
    # crude steel 2023 by province (PROV-ST23; unlisted provinces split by assumption)
    ("Fe", "smelting"): (0.63, 0.24, 0.13),
    # run-of-mine ore by province Jan-Apr 2022 (PROV-IO22: Hebei 43.3 %, Liaoning ~15 %, ...)
    ("Fe", "mining"): (0.61, 0.17, 0.22),
    ("Fe", "recycling"): (0.55, 0.28, 0.17),
    ("Fe", "processing"): (0.60, 0.25, 0.15),
    ("Fe", "demand"): (0.55, 0.28, 0.17),
    # mine copper by province (WEI-23: Inner Mongolia 377, Jiangxi 260, Yunnan 248 kt)
    ("Cu", "mining"): (0.08, 0.32, 0.60),
    ("Cu", "smelting"): (0.40, 0.42, 0.18),
    ("Cu", "recycling"): (0.50, 0.35, 0.15),
    ("Cu", "processing"): (0.62, 0.27, 0.11),
    ("Cu", "demand"): (0.60, 0.28, 0.12),
    # lithium: brine/spodumene in the West (Qinghai, Tibet, Sichuan), lepidolite in Jiangxi
    ("Li", "mining"): (0.00, 0.45, 0.55),
    ("Li", "smelting"): (0.20, 0.40, 0.40),
    ("Li", "recycling"): (0.45, 0.25, 0.30),
    ("Li", "processing"): (0.55, 0.25, 0.20),
    ("Li", "demand"): (0.55, 0.25, 0.20),
}

_SHARE_NOTES = {
    ("Fe", "smelting"): (
        src("PROV-ST23"),
        "estimated regional split 0.63/0.24/0.13 from NBS 2023 crude steel by province "
        "(East: Hebei 210.5, Jiangsu 118.6, Shandong 74.6, Liaoning 73.4, Guangxi 38.2, "
        "Guangdong 36.9, Fujian 34.1, Tianjin 16.4 Mt + Shanghai/Zhejiang assumed ~30 Mt; "
        "Central: Shanxi 62.9, Anhui 38.9, Hubei 36.4, Hunan 24.2 + Henan/Jiangxi/Jilin/"
        "Heilongjiang assumed ~80 Mt)",
    ),
    ("Fe", "mining"): (
        src("PROV-IO22"),
        "estimated regional split 0.61/0.17/0.22: Hebei 43.3 % + Liaoning ~15 % + Shandong "
        "(East); Sichuan 10 % + Inner Mongolia + Xinjiang (West); Shanxi 5 % + Anhui (Central)",
    ),
    ("Cu", "mining"): (
        src("WEI-23"),
        "estimated regional split 0.08/0.32/0.60: Inner Mongolia 377 + Yunnan 248 kt + "
        "Tibet/Gansu/Xinjiang (West); Jiangxi 260 kt + Anhui/Hubei/Heilongjiang (Central)",
    ),
    ("Li", "mining"): (
        src("MNR-LI22", "REDPLANX-YC"),
        "estimated regional split 0/0.45/0.55: Jiangxi lepidolite (Central; Yichun 34.5 % of "
        "2023 Li2CO3 output) vs Qinghai/Tibet brine and Sichuan spodumene (West)",
    ),
}


def share_source(metal: str, what: str) -> tuple[str, str]:
    """(source, note) for a regional split."""
    if (metal, what) in _SHARE_NOTES:
        return _SHARE_NOTES[metal, what]
    shares = "/".join(f"{s:g}" for s in SHARES[metal, what])
    reasons = {
        "recycling": "scrap arises where products are used; follows demand",
        "processing": "fabrication sits near demand and export ports",
        "demand": "East has most of GDP and manufacturing; hinterland shares held constant",
        "smelting": "no provincial capacity split published; named plants in "
        "industry reports (Jiangxi, Anhui, Hubei, Shandong, Fujian, Guangxi, Gansu, Yunnan "
        "for copper; Sichuan, Jiangxi, Qinghai, Hubei for lithium)",
    }
    return ASSUMPTION, f"regional split East/Central/West {shares}: {reasons[what]}"


# -- technology: (yield, availability, lifetime yr, lead_time yr, capex, fixed_opex,
#    variable_opex, energy_intensity) with units per column; notes by metal and process ----
TECH_UNITS = {
    "process_yield": "",
    "availability": "",
    "lifetime": "yr",
    "lead_time": "yr",
    "capex": "USD/(t/yr)",
    "fixed_opex": "USD/(t/yr)/yr",
    "variable_opex": "USD/t",
    "energy_intensity": "kWh/t",
}
#: (metal, process) -> parameter -> (value, unit or None for TECH_UNITS, source, note)
TECH: dict[tuple[str, str], dict[str, tuple]] = {}


def _tech(metal: str, process: str, **params: tuple) -> None:
    TECH[metal, process] = params


A = ASSUMPTION
# ---- iron --------------------------------------------------------------------------------
_tech(
    "Fe",
    "mining",
    process_yield=(1.0, None, A, "mining output is the ore's Fe content"),
    availability=(
        0.85,
        None,
        A,
        "effective capacity: 2024 output 170 Mt Fe (USGS-Fe25) at 85 %; nominal ROM "
        "capacity 1.39 bn t/yr (HSN-CISA24) includes idle high-cost mines",
    ),
    lifetime=(25, None, A, "typical open-pit/underground iron ore mine life"),
    lead_time=(5, None, A, "permitting and construction of a new iron ore mine"),
    capex=(250, None, A, "≈ 150 USD per t/yr of 62 %-Fe concentrate ÷ 0.62; no China figure"),
    fixed_opex=(10, None, A, "≈ 4 % of capex per year"),
    variable_opex=(
        130,
        None,
        A,
        "≈ 85 USD/t of 65 %-Fe concentrate (domestic ore is high-cost; no "
        "published China cost); below the import price so domestic mines run",
    ),
    energy_intensity=(70, None, A, "≈ 45 kWh/t concentrate (grinding, magnetic separation)"),
)
_tech(
    "Fe",
    "smelting",
    process_yield=(
        0.88,
        None,
        src("WS-24", "USGS-Fe25", "GMK-IO24"),
        "estimated Fe yield ore→crude steel: pig iron 851.7 Mt × 0.95 Fe = 809 Mt Fe over "
        "ore supply 170 + 1,240 Mt × 0.60 Fe = 914 Mt Fe → 0.885; BOF losses → 0.88",
    ),
    availability=(0.85, None, A, "BF-BOF utilisation; leaves ~6 % slack in 2024"),
    lifetime=(40, None, A, "blast furnace with relines"),
    lead_time=(3, None, A, "BF-BOF construction"),
    capex=(1100, None, src("WIKINVEST"), "integrated BF-BOF ~1,100 USD per t/yr (c.2010)"),
    fixed_opex=(30, None, A, "≈ 3 % of capex per year"),
    variable_opex=(150, None, A, "coke, fluxes, labour excl. ore (no published China cost)"),
    energy_intensity=(350, None, A, "purchased electricity per t crude steel, BF-BOF route"),
)
_tech(
    "Fe",
    "processing",
    process_yield=(
        0.95,
        None,
        A,
        "crude steel → finished products; NBS 'finished products' (1,399.67 Mt, PROM-24) "
        "double counts re-rolling so cannot be used",
    ),
    availability=(0.9, None, A, "rolling-mill utilisation"),
    lifetime=(30, None, A, "rolling mill"),
    lead_time=(2, None, A, "rolling mill construction"),
    capex=(515, None, src("SOTN-RAIL"), "heavy section & rail mill, 515 USD per t/yr (2018)"),
    fixed_opex=(15, None, A, "≈ 3 % of capex per year"),
    variable_opex=(60, None, A, "reheating gas, rolls, labour"),
    energy_intensity=(120, None, A, "rolling electricity"),
)
_tech(
    "Fe",
    "recycling",
    process_yield=(0.9, None, A, "metallic yield of scrap melting (EAF and BOF scrap charge)"),
    availability=(0.85, None, A, "scrap-melting utilisation; scrap supply binds in 2024"),
    lifetime=(30, None, A, "EAF shop"),
    lead_time=(2, None, A, "EAF construction"),
    capex=(300, None, src("WIKINVEST"), "EAF mini-mill < 300 USD per t/yr (c.2010)"),
    fixed_opex=(10, None, A, "≈ 3 % of capex per year"),
    variable_opex=(100, None, A, "electrodes, fluxes, labour excl. electricity and scrap"),
    energy_intensity=(450, None, A, "EAF electricity ≈ 400-500 kWh/t"),
)
# ---- copper ------------------------------------------------------------------------------
_tech(
    "Cu",
    "mining",
    process_yield=(1.0, None, A, "mining output is the concentrate's Cu content"),
    availability=(0.9, None, A, "effective capacity: 2024 output 1,800 kt Cu (USGS-Cu25) at 90 %"),
    lifetime=(25, None, A, "copper mine life"),
    lead_time=(7, None, A, "discovery-to-production of new copper mines is long"),
    capex=(20000, None, A, "greenfield copper mine capital intensity ~15-25 kUSD per t/yr"),
    fixed_opex=(400, None, A, "≈ 2 % of capex per year"),
    variable_opex=(4500, None, A, "mining and concentration cost (C1-type) of Chinese mines"),
    energy_intensity=(3000, None, A, "mining + concentration electricity per t Cu"),
)
_tech(
    "Cu",
    "smelting",
    process_yield=(0.975, None, A, "Cu recovery smelting + electrorefining (slag losses)"),
    availability=(
        0.85,
        None,
        src("AME-1157", "CU-24CN", "CNIA-REC24"),
        "estimated 2024 primary refined output / capacity = (13,640 × (1 − 0.33)) / 10,800 "
        "= 0.846 → 0.85",
    ),
    lifetime=(30, None, A, "smelter and refinery"),
    lead_time=(3, None, A, "smelter construction"),
    capex=(
        14300,
        "CNY/(t/yr)",
        src("AME-837"),
        "estimated Daye 400 ktpa smelter+refinery CNY 5.71 bn / 400 kt = CNY 14,300 per t/yr",
    ),
    fixed_opex=(200, None, A, "≈ 10 % of capex per year (labour, maintenance)"),
    variable_opex=(150, None, A, "net of sulphuric-acid and precious-metal credits"),
    energy_intensity=(5521.5, None, src("RESSCI-18"), "pyrometallurgical copper electricity use"),
)
_tech(
    "Cu",
    "processing",
    process_yield=(0.96, None, A, "refined copper → semis and products; 4 % fabrication losses"),
    availability=(0.9, None, A, "semis mill utilisation"),
    lifetime=(30, None, A, "rod, tube and strip mills"),
    lead_time=(2, None, A, "fabrication plant construction"),
    capex=(1000, None, A, "rod/wire and semis mills ~1,000 USD per t/yr"),
    fixed_opex=(30, None, A, "≈ 3 % of capex per year"),
    variable_opex=(400, None, A, "fabrication cost excl. metal"),
    energy_intensity=(500, None, A, "casting, rolling, drawing electricity"),
)
_tech(
    "Cu",
    "recycling",
    process_yield=(0.975, None, A, "Cu recovery from scrap (fire refining + electrorefining)"),
    availability=(
        0.9,
        None,
        src("CNIA-REC24", "CU-24CN"),
        "capacity set so 2024 output = 0.33 × 13,640 = 4,500 kt (recycled share of refined "
        "output); recycling capacity binds and imported scrap fills it",
    ),
    lifetime=(25, None, A, "secondary refinery"),
    lead_time=(2, None, A, "secondary refinery construction"),
    capex=(1500, None, A, "secondary copper refinery ~1,500 USD per t/yr"),
    fixed_opex=(50, None, A, "≈ 3 % of capex per year"),
    variable_opex=(250, None, A, "scrap processing, fire refining, electrorefining"),
    energy_intensity=(400, None, A, "secondary refining electricity"),
)
# ---- lithium -----------------------------------------------------------------------------
_tech(
    "Li",
    "mining",
    process_yield=(1.0, None, A, "mining output is the Li content of concentrate or brine"),
    availability=(0.85, None, A, "effective capacity: 2024 output 41 kt Li (USGS-Li25) at 85 %"),
    lifetime=(20, None, A, "lithium mine / brine project life"),
    lead_time=(5, None, A, "permitting and construction of a lithium mine or brine project"),
    capex=(45000, None, A, "≈ 8,000 USD per t LCE/yr ÷ 0.1879 (spodumene mine + concentrator)"),
    fixed_opex=(2000, None, A, "≈ 4 % of capex per year"),
    variable_opex=(
        20000,
        None,
        A,
        "blend of Qinghai brine (cheap) and Jiangxi lepidolite (dear), per t Li in feed",
    ),
    energy_intensity=(5000, None, A, "mining, flotation, brine pumping per t Li"),
)
_tech(
    "Li",
    "smelting",
    process_yield=(0.9, None, A, "conversion recovery (spodumene/lepidolite/brine → salts)"),
    availability=(
        0.9,
        None,
        A,
        "effective capacity calibrated so 2024 primary salt output = ore feed × yield; "
        "nominal Chinese salt capacity is larger (250 kt LCE/yr already in 2017, ARGUS-LI17)",
    ),
    lifetime=(25, None, A, "converter plant"),
    lead_time=(2, None, A, "converter construction"),
    capex=(
        round(27500 / LCE),
        "CNY/(t/yr)",
        src("GL-19"),
        "estimated CNY 250-300 m per 10 kt LCE → CNY 27,500 per t LCE/yr ÷ 0.1879 t Li/t LCE "
        "= CNY 146,350 per t Li/yr",
    ),
    fixed_opex=(
        5000,
        None,
        A,
        "≈ 3 % of capex (CNY 146,350 ≈ 20,300 USD per t Li/yr → ~600) plus labour and "
        "maintenance of a chemical plant",
    ),
    variable_opex=(
        round(2456 / LCE),
        None,
        src("IHUB-19"),
        "estimated 2,456 USD/t LCE conversion cost ÷ 0.1879 = 13,071 USD/t Li (L confidence)",
    ),
    energy_intensity=(10000, None, A, "≈ 1.9 MWh/t LCE of purchased electricity"),
)
_tech(
    "Li",
    "processing",
    process_yield=(0.95, None, A, "salts → cathode/battery materials; 5 % manufacturing scrap"),
    availability=(0.9, None, A, "cathode plant utilisation"),
    lifetime=(15, None, A, "cathode/cell plant"),
    lead_time=(2, None, A, "cathode plant construction"),
    capex=(300000, None, A, "≈ 15 kUSD per t/yr of LFP cathode ÷ 0.044 t Li/t cathode"),
    fixed_opex=(10000, None, A, "≈ 3 % of capex per year"),
    variable_opex=(5000, None, A, "reagents, precursors excl. lithium, labour"),
    energy_intensity=(40000, None, A, "≈ 1.8 MWh/t cathode ÷ 0.044"),
)
_tech(
    "Li",
    "recycling",
    process_yield=(0.9, None, src("VOLT-23"), "Li recovery in hydrometallurgy 80-95 %"),
    availability=(
        0.9,
        None,
        src("VOLT-23"),
        "installed capacity far exceeds supply (utilisation 16 % in 2023); scrap supply binds",
    ),
    lifetime=(15, None, A, "hydrometallurgical recycling plant"),
    lead_time=(2, None, A, "recycling plant construction"),
    capex=(
        855000,
        "CNY/(t/yr)",
        src("ARGUS-GEM"),
        "estimated GEM Yibin CNY 1.71 bn / 100 kt/yr battery input = CNY 17,100 per t/yr ÷ "
        "0.02 t Li per t input (assumption) = CNY 855,000 per t Li/yr",
    ),
    fixed_opex=(3500, None, A, "≈ 3 % of capex per year"),
    variable_opex=(8000, None, A, "discharge, shredding, leaching reagents per t Li"),
    energy_intensity=(15000, None, A, "hydrometallurgical route electricity per t Li"),
)
del A

# -- existing capacity, national totals in kt/yr (split by SHARES) ------------------------
EXISTING = {
    ("Fe", "mining"): (
        200_000,
        src("USGS-Fe25", "HSN-CISA24"),
        "estimated effective capacity = 2024 output 170,000 kt Fe / availability 0.85",
    ),
    ("Fe", "smelting"): (
        1_000_000,
        src("PROM-24", "WS-24"),
        "estimated: BF-BOF serves ~796 Mt Fe of 1,005 Mt crude steel (2024); capacity "
        "1,000 Mt × 0.85 leaves slack, so smelting follows demand",
    ),
    ("Fe", "processing"): (
        1_150_000,
        src("PROM-24"),
        "estimated: 2024 products ≈ 955 Mt Fe; capacity × 0.9 leaves ~8 % slack",
    ),
    ("Fe", "recycling"): (
        270_000,
        src("CAMU-22", "BIR-Fe24"),
        "estimated: scrap use ~215-235 Mt (2022-24) × 0.9 yield ≈ 210 Mt Fe; capacity × "
        "0.85 = 230 leaves slack, so scrap supply sets recycling",
    ),
    ("Cu", "mining"): (
        2_000,
        src("USGS-Cu25"),
        "estimated effective capacity = 2024 output 1,800 kt / availability 0.9",
    ),
    ("Cu", "smelting"): (10_800, src("AME-1157"), "primary smelting capacity ~10.8 Mt/yr (2023)"),
    ("Cu", "processing"): (
        19_000,
        src("CU-24CN"),
        "estimated: 2024 semis 23.5 Mt gross incl. alloys; Cu content ~16.2 Mt; × 0.9 slack",
    ),
    ("Cu", "recycling"): (
        5_000,
        src("CNIA-REC24", "CU-24CN"),
        "estimated = 2024 recycled refined 0.33 × 13,640 = 4,500 kt / availability 0.9",
    ),
    ("Li", "mining"): (
        48,
        src("USGS-Li25"),
        "estimated effective capacity = 2024 output 41 kt Li / availability 0.85",
    ),
    ("Li", "smelting"): (
        128,
        src("USGS-Li25", "SMM-LIC24", "SMM-Jun24"),
        "estimated effective capacity = 2024 ore feed (41 kt mine + 87.2 kt imported "
        "concentrate) × 0.9 yield / 0.9 availability; see imports for the 87.2",
    ),
    ("Li", "processing"): (
        210,
        ASSUMPTION,
        "2024 products ≈ 155 kt Li; capacity × 0.9 = 189 also covers 2025 demand (179) before "
        "new plants (lead time 2 yr) can come online",
    ),
    ("Li", "recycling"): (
        40,
        src("VOLT-23"),
        "estimated: 380 kt/yr battery-recycling capacity (2023) at ~2 % Li ≈ 8 kt Li; "
        "whitelisted capacity has grown since; 40 kt Li/yr × 0.9 exceeds 2024 scrap supply",
    ),
}
#: vintages that retire or are committed: (metal, process, region, kt/yr, first, last, src, note)
VINTAGES = (
    (
        "Fe",
        "smelting",
        "East",
        100_000,
        None,
        2030,
        ASSUMPTION,
        "part of East BF-BOF capacity (small, old furnaces) retires under capacity-swap rules "
        "(BF replacement 1:1.25); taken out of the East total",
    ),
    (
        "Fe",
        "mining",
        "East",
        8_000,
        2026,
        None,
        src("HSN-CISA22"),
        "committed: CISA Cornerstone plan +100 Mt domestic ore by 2025; assumed ~15 Mt Fe "
        "of it delivered in 2026 (East 8, Central 4, West 3)",
    ),
    (
        "Fe",
        "mining",
        "Central",
        4_000,
        2026,
        None,
        src("HSN-CISA22"),
        "committed: Cornerstone plan share (see East row)",
    ),
    (
        "Fe",
        "mining",
        "West",
        3_000,
        2026,
        None,
        src("HSN-CISA22"),
        "committed: Cornerstone plan share (see East row)",
    ),
)

# -- demand: national history and projections (kt/yr), split by SHARES --------------------
DEMAND = {
    # iron: finished-steel Fe ≈ 0.95 × crude steel − net steel exports
    "Fe": {
        1950: 1_000,
        1960: 18_000,
        1970: 20_000,
        1980: 40_000,
        1990: 65_000,
        2000: 135_000,
        2005: 340_000,
        2010: 580_000,
        2015: 660_000,
        2020: 980_000,
        2021: 930_000,
        2022: 910_000,
        2023: 885_000,
        2024: 850_000,
        2030: 800_000,
        2035: 760_000,
        2040: 720_000,
    },
    # copper: products ≈ 0.96 × refined consumption − product exports
    "Cu": {
        1960: 150,
        1970: 250,
        1980: 400,
        1990: 650,
        2000: 1_800,
        2005: 3_500,
        2010: 7_000,
        2015: 10_900,
        2019: 11_600,
        2020: 13_000,
        2023: 15_400,
        2024: 15_900,
        2030: 17_300,
        2035: 18_200,
        2040: 19_100,
    },
    "Li": {
        1980: 0.5,
        1990: 1.0,
        2000: 2.5,
        2005: 5.0,
        2010: 9.0,
        2015: 16.3,
        2017: 23.4,
        2020: 35.0,
        2021: 60.0,
        2022: 90.0,
        2023: 125.0,
        2024: 155.0,
        2030: 300.0,
        2035: 420.0,
        2040: 520.0,
    },
}
_DEMAND_NOTES = {
    "Fe": {
        "history": (
            ASSUMPTION,
            "history: finished-steel Fe ≈ 0.95 × NBS crude steel − net steel exports "
            "(crude steel c. 1950 0.6, 1960 19, 1970 18, 1980 37, 1990 66, 2000 129, 2005 353, "
            "2010 637, 2015 804, 2020 1,065 Mt; yearbook figures, no source key); only "
            "used for end-of-life scrap",
        ),
        2023: (
            src("INFAIA-23"),
            "estimated 0.95 × 1,019 Mt crude steel − (90.26 − 7.65) Mt net exports = 885",
        ),
        2024: (
            src("PROM-24", "ZW-ST24"),
            "estimated 0.95 × 1,005.09 Mt crude steel − 105 Mt net steel exports = 850",
        ),
        "projection": (
            ASSUMPTION,
            "projection: steel demand declines ~0.8 %/yr as construction slows (850 → 800 in "
            "2030, 760 in 2035, 720 in 2040); linear between anchor years",
        ),
    },
    "Cu": {
        "history": (
            ASSUMPTION,
            "history: ≈ 0.96 × refined consumption (order of magnitude from yearbooks; 2019 "
            "refined consumption 12.08 Mt, HAN-2021); only used for end-of-life scrap",
        ),
        2019: (src("HAN-2021"), "estimated 0.96 × 12,080 kt refined consumption"),
        2024: (
            src("CU-24CN", "SMM-CATH24", "CNIA-REC24"),
            "estimated: refined supply 13,680 (smelting 9,180 + recycling 4,500) + cathode "
            "imports 3,676 − exports 481 = 16,875 × 0.96 yield − 300 product exports = 15,900",
        ),
        "projection": (
            ASSUMPTION,
            "projection: +1.4 %/yr to 2030 (grid, EVs), then +1 %/yr; linear between anchors",
        ),
    },
    "Li": {
        "history": (
            ASSUMPTION,
            "history: kt Li; 2015 86.7 kt LCE (HAO-17) and 2017 124.7 kt LCE (ARGUS-LI17) "
            "× 0.1879; 2022 ≈ 474 kt LCE Li2CO3 apparent consumption (HME-LI22) plus LiOH; "
            "earlier years by assumption; only used for end-of-life scrap",
        ),
        2015: (src("HAO-17"), "estimated 86.7 kt LCE × 0.1879 = 16.3 kt Li"),
        2017: (src("ARGUS-LI17"), "estimated 124.7 kt LCE × 0.1879 = 23.4 kt Li"),
        2024: (
            src("USGS-Li25", "GTAIC-LI24", "CNIA-REC24"),
            "estimated balance: (salts 115.2 primary + 18.7 recycled + 44.2 imported − 14.9 "
            "exported) × 0.95 = 155; cross-check 65 % × world 220 kt = 143 (WULF-LI24)",
        ),
        "projection": (
            ASSUMPTION,
            "projection: EV and storage growth, ~12 %/yr to 2030 (300), then slower (420 in "
            "2035, 520 in 2040); linear between anchors",
        ),
    },
}


def demand_path(metal: str) -> dict[int, float]:
    """National demand for every given history year and every model year (interpolated)."""
    points = sorted(DEMAND[metal].items())
    out = {y: v for y, v in points if y < BASE_YEAR}
    for year in MODEL_YEARS:
        out[year] = _interp(points, year)
    return out


def _interp(points: list[tuple[int, float]], year: int) -> float:
    for (y0, v0), (y1, v1) in itertools.pairwise(points):
        if y0 <= year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    return points[-1][1]


# -- exports (national, kt/yr) -------------------------------------------------------------
EXPORTS = {
    ("Fe", "product"): ({2024: 105_000, 2030: 80_000, 2040: 60_000}, "kt/yr"),
    ("Cu", "refined"): ({2024: 481, 2040: 481}, "kt/yr"),
    ("Cu", "product"): ({2024: 300, 2040: 300}, "kt/yr"),
    ("Li", "refined"): ({2024: 90.3, 2040: 90.3}, "kt LHM/yr"),
}
EXPORT_NOTES = {
    ("Fe", "product"): (
        src("ZW-ST24", "GMK-IO24"),
        "2024: estimated net exports (107.7 × 12/11 ≈ 117 − 5.54 × 12/11 ≈ 6 → ~110 gross "
        "'>110 Mt' minus ~6 imports ≈ 105 Mt); later years: assumption, trade frictions cut "
        "exports to 80 Mt in 2030 and 60 Mt in 2040 (linear)",
    ),
    ("Cu", "refined"): (
        src("SMM-CATH24"),
        "estimated cathode exports 440.7 kt Jan-Nov × 12/11 = 481 kt; held constant",
    ),
    ("Cu", "product"): (ASSUMPTION, "net exports of semis/products, small; held constant"),
    ("Li", "refined"): (
        src("HME-LI22"),
        "estimated LiOH net exports 90.3 kt (2022) × 0.1654 t Li/t LiOH·H2O = 14.9 kt Li, "
        "used as the 2024 level (no 2024 figure); held constant",
    ),
}

# -- imports: (metal, form, origin) -> (price, price unit, availability, availability unit) ---
CU_LME = 420 * 22.046  # USD/t from 420 US c/lb (USGS-Cu25)
CU_CONC = CU_LME * 0.96 - 80 / 0.25 - 8 * 22.046  # payable 96 %, TC 80 $/dmt at 25 % Cu, RC
FE_ORE = 111.7 / 0.62  # USD/t Fe from USD/t of 62 %-Fe ore
LI_ORE = ((1250 + 730) / 2) / (0.06 * 0.4645)  # SC6: 6 % Li2O, Li2O is 46.45 % Li
LI_REF = 11597 / LCE

IMPORTS: dict[tuple[str, str, str], tuple] = {}


def _imp(metal, form, origin, price, price_unit, avail, avail_unit, source, note):
    IMPORTS[metal, form, origin] = (price, price_unit, avail, avail_unit, source, note)


_FE_PRICE_NOTE = (
    "estimated 111.7 USD/t (Jan-Sep 2024 import value) ÷ 0.62 t Fe/t = 180.2 USD/t Fe; "
    "same landed price for all sea origins"
)
_imp(
    "Fe",
    "ore",
    "Australia",
    round(FE_ORE, 1),
    "USD/t",
    744,
    "Mt Fe62/yr",
    src("SEAISI-IO24", "USGS-Fe25", "SCMP-IO20"),
    _FE_PRICE_NOTE
    + "; availability estimated: 930 Mt usable ore (2024e) × ~0.8 to China = 744 Mt of 62 %-Fe ore = 461 Mt Fe (Australia ~61 % of imports in 2020: 713 of ~1,170 Mt)",
)
_imp(
    "Fe",
    "ore",
    "Brazil",
    round(FE_ORE, 1),
    "USD/t",
    322,
    "Mt Fe62/yr",
    src("SEAISI-IO24", "USGS-Fe25", "SCMP-IO20"),
    _FE_PRICE_NOTE
    + "; availability estimated: 440 Mt (2024e) × ~0.73 to China ≈ 322 Mt of 62 %-Fe ore = 200 Mt Fe (235.7 Mt gross imported from Brazil in 2020)",
)
_imp(
    "Fe",
    "ore",
    "Rest of world",
    round(FE_ORE, 1),
    "USD/t",
    400,
    "Mt Fe62/yr",
    src("SEAISI-IO24"),
    _FE_PRICE_NOTE
    + "; availability: assumption, India, South Africa, Canada, Peru etc.; generous but finite",
)
_imp(
    "Fe",
    "ore",
    "Mongolia",
    round(FE_ORE * 0.9, 1),
    "USD/t",
    13,
    "Mt Fe62/yr",
    ASSUMPTION,
    "overland ore ~10 % below seaborne landed price (no ocean freight); ~13 Mt gross/yr",
)
_CU_CONC_NOTE = (
    f"estimated from LME 420 US c/lb = {CU_LME:,.0f} USD/t (USGS-Cu25): × 0.96 payable − TC "
    f"80 USD/dmt ÷ 0.25 t Cu/dmt − RC 8 c/lb = {CU_CONC:,.0f} USD/t Cu (TCRC-24)"
)
for origin, avail, extra in (
    ("Chile", 2800, "Chile ~35 % of concentrate imports; includes some anode"),
    ("Peru", 2000, "Peru ~25 % of concentrate imports"),
    ("Australia", 400, "Australian concentrate"),
    (
        "DR Congo",
        500,
        "anode/blister counted as ore-form feed of refining (896 kt 2024, SMM-ANODE)",
    ),
    ("Rest of world", 2500, "Kazakhstan, Mexico, Indonesia, Zambia etc."),
):
    _imp(
        "Cu",
        "ore",
        origin,
        round(CU_CONC),
        "USD/t",
        avail,
        "kt/yr",
        src("USGS-Cu25", "TCRC-24", "CU-24CN"),
        _CU_CONC_NOTE
        + f"; availability assumption: {extra}; 2024 imports 28.11 Mt gross ≈ 6.7 Mt Cu + 0.9 Mt anode",
    )
_imp(
    "Cu",
    "ore",
    "Mongolia",
    round(CU_CONC * 0.98),
    "USD/t",
    400,
    "kt/yr",
    ASSUMPTION,
    "Oyu Tolgoi/Erdenet concentrate by land, ~2 % below seaborne; ~1.5 Mt gross at ~27 % Cu",
)
_CU_REF_NOTE = (
    "estimated 2024 import unit value of unwrought copper & semis CNY 67,700/t ≈ cathode "
    "price incl. premium"
)
for origin, avail, extra in (
    ("Chile", 1200, "Chilean cathode"),
    ("DR Congo", 2000, "Congolese cathode (largest cathode supplier)"),
    ("Rest of world", 1500, "Russia, Japan, Zambia etc."),
):
    _imp(
        "Cu",
        "refined",
        origin,
        67700,
        "CNY/t",
        avail,
        "kt/yr",
        src("CU-IMP15-24", "SMM-CATH24"),
        _CU_REF_NOTE
        + f"; availability assumption: {extra} (cathode imports 3,368 kt Jan-Nov 2024)",
    )
_imp(
    "Cu",
    "refined",
    "Central Asia",
    67700,
    "CNY/t",
    400,
    "kt/yr",
    src("CU-IMP15-24"),
    _CU_REF_NOTE + "; availability assumption: Kazakh cathode by rail",
)
_imp(
    "Cu",
    "scrap",
    "Rest of world",
    round(56400 / 0.9),
    "CNY/t",
    2500,
    "kt/yr",
    src("CU-IMP15-24", "BIR-REC23", "METALNOMIST"),
    "estimated CNY 56,400/t gross (2024 scrap import value) ÷ 0.9 t Cu/t (high-grade 'recycled copper raw "
    "material' standard) = CNY 62,667/t Cu; 2024 imports ≈ 1.9 Mt (2023) × 1.13 = 2.2 Mt gross ≈ 1.9 Mt Cu; "
    "availability assumption (US, Japan, Europe, SE Asia)",
)
_LI_ORE_NOTE = (
    f"estimated SC6 2024 average (1,250 + 730)/2 = 990 USD/t ÷ (0.06 × 0.4645 t Li/t) = "
    f"{LI_ORE:,.0f} USD/t Li (USGS-Li25)"
)
_LI_CONC = 4.8e3 * 0.0967 * LCE  # kt Li: 4.8 Mt concentrate × SMM LCE ratio × Li per LCE
for origin, avail, extra in (
    ("Australia", 55, "3.03 Mt (63 %) × 0.0967 t LCE/t × 0.1879 = 55 kt Li"),
    ("Zimbabwe", 30, "0.94 Mt (19 %) → 17 kt Li; Chinese-owned mines expanding"),
    ("Brazil", 10, "0.38 Mt (8 %) → 7 kt Li"),
    (
        "Rest of world",
        150,
        "Canada 0.27 Mt, Nigeria etc. today ≈ 7 kt Li; the rest is room for new "
        "African and American projects to 2040 (assumption)",
    ),
):
    _imp(
        "Li",
        "ore",
        origin,
        round(LI_ORE),
        "USD/t",
        avail,
        "kt/yr",
        src("USGS-Li25", "SMM-LIC24", "SMM-Jun24"),
        _LI_ORE_NOTE + f"; availability estimated from 2024 concentrate imports: {extra}; total "
        f"4.8 Mt × 0.0967 × 0.1879 = {_LI_CONC:.1f} kt Li",
    )
for origin, price, avail, extra in (
    (
        "Chile",
        round(LI_REF),
        185,
        "≈ 79 % of 235 kt LCE imports (Chile 233.7 kt LCE exports, BMR-LI24)",
    ),
    ("Argentina", round(LI_REF), 60, "Argentina 71.5 kt LCE exports (BMR-LI24)"),
    (
        "Rest of world",
        round(LI_REF * 1.05),
        400,
        "spot cargoes and new producers, ~5 % dearer; room for growth to 2040 (assumption)",
    ),
):
    _imp(
        "Li",
        "refined",
        origin,
        price,
        "USD/t",
        avail,
        "kt LCE/yr",
        src("GTAIC-LI24", "BMR-LI24"),
        "estimated 11,597 USD/t Li2CO3 (2024 import average) ÷ 0.1879 = 61,719 USD/t Li; 2024 "
        f"imports 235.02 kt LCE (Chile + Argentina > 98 %); availability {extra}",
    )

RISK_PREMIUM = {
    "Australia": (0.00, "close ally-neutral, long-standing supplier; reference origin"),
    "Brazil": (0.02, "long voyage, stable supplier"),
    "Chile": (0.02, "stable, FTA partner; long voyage"),
    "Peru": (0.04, "social and political disruptions at mines"),
    "Argentina": (0.04, "macro-economic and export-policy risk"),
    "DR Congo": (0.10, "political and logistics risk"),
    "Zimbabwe": (0.10, "export-ban risk (2022 raw lithium ore ban)"),
    "Mongolia": (0.05, "single rail/road crossings, winter disruptions"),
    "Central Asia": (0.05, "transit risk"),
    "Rest of world": (0.03, "diversified residual"),
}
ORIGINS = {
    "Australia": "sea",
    "Brazil": "sea",
    "Chile": "sea",
    "Peru": "sea",
    "Argentina": "sea",
    "DR Congo": "sea",
    "Zimbabwe": "sea",
    "Mongolia": "land",
    "Central Asia": "land",
    "Rest of world": "sea",
}

# -- end uses: (share, lifetime mean, lifetime sd) ------------------------------------------
END_USES = {
    "Fe": {
        "construction": (0.50, 40, 12),
        "machinery": (0.20, 17, 5),
        "vehicles": (0.10, 14, 4),
        "consumer_goods": (0.05, 10, 3),
        "other": (0.15, 25, 8),
    },
    "Cu": {
        "power_infrastructure": (0.40, 32, 8),
        "buildings": (0.12, 40, 10),
        "appliances": (0.15, 13, 4),
        "transport": (0.10, 15, 5),
        "industrial_equipment": (0.15, 22, 6),
        "electronics_other": (0.08, 8, 3),
    },
    "Li": {
        "ev_batteries": (0.65, 9, 3),
        "storage_batteries": (0.08, 12, 3),
        "consumer_electronics": (0.12, 3, 1),
        "industrial_other": (0.15, 5, 3),
    },
}
END_USE_SOURCES = {
    ("Fe", "construction"): (
        src("HU-09", "GAUFFIN-18"),
        "share: construction ~50 % of steel (HU-09); lifetime: US construction 44 yr measured "
        "(GAUFFIN-18), shortened for China's short-lived residential buildings; sd assumption",
    ),
    ("Fe", "machinery"): (
        src("GAUFFIN-18"),
        "lifetime: US industrial goods 16-27 yr; share assumption",
    ),
    ("Fe", "vehicles"): (src("GAUFFIN-18"), "lifetime: US automotive 14-19 yr; share assumption"),
    ("Fe", "consumer_goods"): (
        src("GAUFFIN-18"),
        "lifetime: US consumer goods 12-14 yr; share assumption",
    ),
    ("Fe", "other"): (ASSUMPTION, "energy, shipbuilding, containers; lifetime assumption"),
    ("Cu", "power_infrastructure"): (
        src("ZHANG-15", "WANG-19"),
        "infrastructure 58 % of in-use stock (ZHANG-15); power infrastructure 26.6 % of scrap "
        "generated 2016 (WANG-19); share and lifetime assumption (no numeric lifetimes found)",
    ),
    ("Cu", "appliances"): (
        src("WANG-19"),
        "appliances 34.4 % of scrap generated 2016 (WANG-19); share and lifetime assumption",
    ),
}
_EOL_NOTE = (
    "lifetimes tuned so 2022 end-of-life + prompt scrap ≈ CAMU's 260 Mt generated "
    "(Fe) / 2024 collected old scrap ≈ domestic recycling feed (Cu, Li)"
)

RECYCLING = {
    "Fe": (
        (
            0.75,
            src("MK-FE15", "CAMU-22"),
            "steel scrap recycling rate 66 % (2015, L confidence); raised to 0.75 as collection "
            "improved so that 2024 collected old scrap ≈ 185 Mt (scrap use ~233 Mt − prompt 48)",
        ),
        (0.95, ASSUMPTION, "home and prompt scrap from rolling is almost all remelted"),
    ),
    "Cu": (
        (0.55, src("SOUL-18"), "China end-of-life recycling rate ~55 % (c.2015)"),
        (0.9, ASSUMPTION, "fabrication scrap returns to refiners"),
    ),
    "Li": (
        (
            0.6,
            src("DIALOGUE-BAT", "CNIA-REC24"),
            "assumption informed by ~25 % of power batteries recycled to high standard (2023) plus "
            "informal channels; gives 2024 collected ≈ 16.7 kt Li, with prompt scrap ≈ the 100 kt "
            "Li2CO3 (18.8 kt Li) recycled from spent batteries",
        ),
        (0.5, ASSUMPTION, "half of cathode/cell manufacturing scrap is recycled"),
    ),
}

DEPENDENCE_COUNTED = {
    "Fe": {"ore": True, "refined": False, "product": False, "scrap": False},
    "Cu": {"ore": True, "refined": True, "product": False, "scrap": True},
    "Li": {"ore": True, "refined": True, "product": False, "scrap": True},
}
DEPENDENCE_NOTES = {
    "Fe": (
        src("HSN-CISA22", "SO-MMAC"),
        "iron-ore basis as published ('over 80 %'): ore imports over ore consumption; steel "
        "and scrap trade not counted",
    ),
    "Cu": (
        src("SMM-LIU22", "HAN-2021"),
        "whole-resource basis (CGS): concentrate, anode, cathode and scrap imports; domestic "
        "mine output and collected old scrap count as domestic supply; semis not counted",
    ),
    "Li": (
        src("CNIA-LI22", "MIMETALS-LI23"),
        "raw-material basis: concentrate and salt (Li2CO3) imports; collected battery scrap "
        "counts as domestic supply (as for copper), so recycling lowers dependence",
    ),
}

DEPENDENCE_TARGETS = {
    "Fe": {2030: 0.78, 2035: 0.70, 2040: 0.65},
    "Cu": {2030: 0.75, 2035: 0.68, 2040: 0.62},
    "Li": {2030: 0.65, 2035: 0.55, 2040: 0.50},
}
TARGET_NOTES = {
    "Fe": (
        ASSUMPTION,
        "policy path in the spirit of CISA's Cornerstone plan (HSN-CISA22: +100 Mt domestic "
        "ore, 300 Mt scrap); no official numeric target; checked feasible with max_build",
    ),
    "Cu": (
        ASSUMPTION,
        "policy path; CGS projects 53.2 % by 2035 with recycled copper counted (SMM-LIU22); "
        "a slower path is used because new mines take 7 years",
    ),
    "Li": (
        ASSUMPTION,
        "policy path; no official target; reachable through domestic brine/lepidolite and "
        "battery recycling",
    ),
}


# ==========================================================================================
# Rows of every sheet
# ==========================================================================================
def _split(total: float, shares: tuple[float, ...]) -> list[float]:
    return [round(total * s, 6) for s in shares]


def tables() -> dict[str, list[dict]]:
    """Every sheet of the workbook as a list of row dicts keyed by column name."""
    t: dict[str, list[dict]] = {}
    t["metals"] = [
        dict(metal="Fe", name="iron", source=ASSUMPTION, note="iron ore → steel; Fe content"),
        dict(
            metal="Cu", name="copper", source=ASSUMPTION, note="concentrate → cathode; Cu content"
        ),
        dict(metal="Li", name="lithium", source=ASSUMPTION, note="ore/brine → salts; Li content"),
    ]
    t["regions"] = [
        dict(
            region="East",
            hinterland="no",
            sea_port="yes",
            land_corridor="no",
            source=ASSUMPTION,
            note="coastal provinces: Beijing, Tianjin, Hebei, Liaoning, Shanghai, Jiangsu, "
            "Zhejiang, Fujian, Shandong, Guangdong, Guangxi, Hainan; all seaborne ore lands here",
        ),
        dict(
            region="Central",
            hinterland="yes",
            sea_port="no",
            land_corridor="no",
            source=ASSUMPTION,
            note="Shanxi, Anhui, Jiangxi, Henan, Hubei, Hunan, Jilin, Heilongjiang; Yangtze river "
            "ports are reached by the East-Central water corridor, not by direct sea imports",
        ),
        dict(
            region="West",
            hinterland="yes",
            sea_port="no",
            land_corridor="yes",
            source=ASSUMPTION,
            note="Inner Mongolia, Chongqing, Sichuan, Guizhou, Yunnan, Tibet, Shaanxi, Gansu, "
            "Qinghai, Ningxia, Xinjiang; overland entry from Mongolia and Central Asia",
        ),
    ]
    t["origins"] = [
        dict(
            origin=o,
            entry=e,
            source=ASSUMPTION,
            note="land border crossings into West" if e == "land" else "seaborne, lands in East",
        )
        for o, e in ORIGINS.items()
    ]
    t["modes"] = [
        dict(mode="rail", source=ASSUMPTION, note="bulk rail"),
        dict(mode="road", source=ASSUMPTION, note="truck"),
        dict(mode="water", source=ASSUMPTION, note="Yangtze river and coastal shipping"),
    ]
    t["settings"] = [
        dict(
            parameter="base_year",
            value=BASE_YEAR,
            unit="",
            source=ASSUMPTION,
            note="latest year with full published data (USGS MCS 2025 estimates)",
        ),
        dict(
            parameter="final_year",
            value=FINAL_YEAR,
            unit="",
            source=ASSUMPTION,
            note="long-range planning horizon (2035 goals plus five years)",
        ),
        dict(
            parameter="discount_rate",
            value=6,
            unit="%",
            source=ASSUMPTION,
            note="real social/industrial discount rate, 5-8 % range",
        ),
        dict(
            parameter="exchange_rate",
            value=7.2,
            unit="CNY/USD",
            source=ASSUMPTION,
            note="2024 average ≈ 7.19 CNY/USD (market rate; no source key)",
        ),
        dict(
            parameter="price_base_year",
            value=BASE_YEAR,
            unit="",
            source=ASSUMPTION,
            note="all prices in 2024 money",
        ),
        dict(
            parameter="policy_start_year",
            value=BASE_YEAR + 1,
            unit="",
            source=ASSUMPTION,
            note="the base year reproduces the status quo; caps and shares from 2025",
        ),
        dict(
            parameter="case_name",
            value=f"China, {BASE_YEAR}–{FINAL_YEAR} baseline",
            unit="",
            source=ASSUMPTION,
            note="the report's title",
        ),
    ]
    t["content_bases"] = [
        dict(
            basis="Fe62",
            value=62,
            unit="%",
            metal="Fe",
            source=src("SO-MMAC"),
            note="62 %-Fe fines, the benchmark grade of seaborne iron ore",
        ),
        dict(
            basis="LHM",
            value=round(LHM * 100, 2),
            unit="%",
            metal="Li",
            source=ASSUMPTION,
            note="lithium hydroxide monohydrate LiOH·H2O, 16.54 % Li (molar masses)",
        ),
    ]
    t["demand"] = _demand_rows()
    t["lost_supply"] = [
        dict(metal=m, value=v, unit="USD/t", source=ASSUMPTION, note=n)
        for m, (v, n) in LOST_SUPPLY.items()
    ]
    t["mining_tiers"] = _mining_tier_rows()
    t["collection_tiers"] = _collection_tier_rows()
    t["exports"] = _export_rows()
    t["existing_capacity"] = _capacity_rows()
    t["technology"] = [
        dict(
            metal=m,
            process=p,
            parameter=name,
            value=v,
            unit=(u if u is not None else TECH_UNITS[name]),
            source=s,
            note=n,
        )
        for (m, p), params in TECH.items()
        for name in TECH_UNITS
        for v, u, s, n in [params[name]]
    ]
    t["capacity_limits"] = _limit_rows()
    t["power_price"] = [
        dict(
            region="East",
            value=0.65,
            unit="CNY/kWh",
            source=ASSUMPTION,
            note="large-industry tariff, coastal provinces (coal-heavy, high demand)",
        ),
        dict(
            region="Central",
            value=0.60,
            unit="CNY/kWh",
            source=ASSUMPTION,
            note="large-industry tariff, central provinces",
        ),
        dict(
            region="West",
            value=0.40,
            unit="CNY/kWh",
            source=ASSUMPTION,
            note="hydro (Sichuan, Yunnan), wind and solar (Inner Mongolia, Xinjiang, Qinghai)",
        ),
    ]
    t["imports"] = [
        row
        for (m, k, o), (price, pu, avail, au, s, n) in IMPORTS.items()
        for row in (
            dict(
                metal=m,
                form=k,
                origin=o,
                parameter="import_price",
                value=price,
                unit=pu,
                source=s,
                note=n,
            ),
            dict(
                metal=m,
                form=k,
                origin=o,
                parameter="import_availability",
                value=avail,
                unit=au,
                source=s,
                note="see import_price row",
            ),
        )
    ]
    t["import_outlook"] = [
        dict(metal=m, form=k, year=y, parameter="price_index", value=v, unit="",
             source=s, note=n)
        for (m, k), (path, s, n) in PRICE_OUTLOOK.items()
        for y, v in path.items()
    ]  # fmt: skip
    t["risk_premium"] = [
        dict(origin=o, value=v * 100, unit="%", source=ASSUMPTION, note=n)
        for o, (v, n) in RISK_PREMIUM.items()
    ]
    t["transport_cost"] = [
        dict(
            mode="rail",
            value=0.15,
            unit="CNY/(t*km)",
            source=ASSUMPTION,
            note="~0.15 CNY per gross t·km, bulk rail freight; per gross tonne for ore and "
            "concentrate (ore_grade), per tonne of metal for refined metal, products, scrap",
        ),
        dict(
            mode="road",
            value=0.375,
            unit="CNY/(t*km)",
            source=ASSUMPTION,
            note="trucking ~2.5 × rail",
        ),
        dict(
            mode="water",
            value=0.0375,
            unit="CNY/(t*km)",
            source=ASSUMPTION,
            note="Yangtze barge ~1/4 of rail",
        ),
    ]
    t["ore_grade"] = [
        dict(metal="Fe", value=62, unit="%", source=src("SO-MMAC"),
             note="62 %-Fe fines and concentrate, the benchmark grade"),
        dict(metal="Cu", value=25, unit="%", source=ASSUMPTION,
             note="copper concentrate ~25 % Cu: haulage per t Cu ~4 × a t of cathode"),
        dict(metal="Li", value=2.79, unit="%", source=src("SMM-Jun24"),
             note="SC6 spodumene concentrate, 6 % Li2O × 0.4645 Li/Li2O = 2.79 % Li: haulage "
             "per t Li ~36 × a t of lithium salt's metal"),
    ]  # fmt: skip
    t["corridors"] = _corridor_rows()
    t["reserves"] = _reserve_rows()
    t["storage"] = _storage_rows()
    t["recycling"] = [
        row
        for m, (collect, prompt) in RECYCLING.items()
        for row in (
            dict(
                metal=m,
                parameter="max_collection_rate",
                value=collect[0],
                unit="",
                source=collect[1],
                note=collect[2],
            ),
            dict(
                metal=m,
                parameter="prompt_scrap_rate",
                value=prompt[0],
                unit="",
                source=prompt[1],
                note=prompt[2],
            ),
        )
    ]
    t["end_uses"] = _end_use_rows()
    t["dependence_targets"] = [
        dict(
            metal=m,
            year=y,
            value=v * 100,
            unit="%",
            source=TARGET_NOTES[m][0],
            note=TARGET_NOTES[m][1],
        )
        for m, path in DEPENDENCE_TARGETS.items()
        for y, v in path.items()
    ]
    t["dependence_definition"] = [
        dict(
            metal=m,
            form=k,
            value="yes" if counted else "no",
            unit="",
            source=DEPENDENCE_NOTES[m][0],
            note=DEPENDENCE_NOTES[m][1],
        )
        for m, forms in DEPENDENCE_COUNTED.items()
        for k, counted in forms.items()
    ]
    t["policy"] = _policy_rows()
    t["supplier_limits"] = [
        dict(
            metal="Fe",
            value=70,
            unit="%",
            source=src("SCMP-IO20"),
            note="Australia supplied ~61 % of iron ore imports (2020); cap above today's share",
        ),
        dict(
            metal="Cu",
            value=55,
            unit="%",
            source=ASSUMPTION,
            note="above the 2024 share of every origin incl. the 'Rest of world' aggregate (~49 %)",
        ),
        dict(
            metal="Li",
            value=60,
            unit="%",
            source=src("SMM-LIC24"),
            note="Australia ~63 % of concentrate but ~42 % of all lithium imports (ore + salts)",
        ),
    ]
    t["shocks"] = _shock_rows()
    t["deflator"] = [
        dict(year=y, value=v, unit="", source=src("BLS-CPIU"),
             note="US CPI-U, annual average (1982-84 = 100)")
        for y, v in CPI_U.items()
    ]  # fmt: skip
    _date_money(t)
    t["sources"] = _source_rows(t)
    t["shock_scenarios"] = _scenario_rows()
    return t


#: US CPI-U annual averages (BLS series CUUR0000SA0), the deflator of every USD and CNY
#: figure: money of a year y is converted to 2024 money by CPI[2024] / CPI[y]
CPI_U = {
    2010: 218.056, 2015: 237.017, 2016: 240.007, 2017: 245.120, 2018: 251.107,
    2019: 255.657, 2020: 258.811, 2021: 270.970, 2022: 292.655, 2023: 304.702,
    2024: 313.689,
}  # fmt: skip
#: price years of money figures published in another year's money (default: 2024),
#: by (sheet, metal, process or None, parameter)
PRICE_YEARS = {
    ("technology", "Fe", "smelting", "capex"): 2010,  # integrated BF-BOF, c.2010
    ("technology", "Fe", "recycling", "capex"): 2010,  # EAF mini-mill, c.2010
    ("technology", "Fe", "processing", "capex"): 2018,  # section & rail mill, 2018
    ("technology", "Cu", "smelting", "capex"): 2021,  # Daye smelter, 2021
    ("technology", "Li", "smelting", "capex"): 2019,  # converter, 2019 CNY
    ("technology", "Li", "smelting", "variable_opex"): 2019,  # conversion cost, 2019
    ("technology", "Li", "recycling", "capex"): 2022,  # GEM Yibin, 2022
}


def _date_money(tables: dict[str, list[dict]]) -> None:
    """Give every money unit its price year (``USD/t`` → ``USD2024/t``; older figures
    keep theirs, see PRICE_YEARS): the workbook has a deflator sheet, so it must."""
    money = re.compile(r"\b(USD|CNY)\b(?!\d)")
    for sheet, rows in tables.items():
        spec = SHEETS.get(sheet)
        if not isinstance(spec, ParamSheet):
            continue
        for row in rows:
            name = row.get("parameter") or spec.params[0].name
            param = next((p for p in spec.params if p.name == name), None)
            unit = row.get("unit")
            if param is None or "MUSD" not in param.unit or not unit:
                continue
            key = (sheet, row.get("metal"), row.get("process"), name)
            year = PRICE_YEARS.get(key, BASE_YEAR)
            row["unit"] = money.sub(rf"\g<1>{year}", unit)


def _source_rows(tables: dict[str, list[dict]]) -> list[dict]:
    """The ``sources`` sheet: every key cited anywhere, with what it was read for."""
    from msc_model.inputs.sources import cited_keys

    cited: dict[str, set[str]] = defaultdict(set)
    for sheet, rows in tables.items():
        for row in rows:
            for key in cited_keys(row.get("source")):
                cited[key].add(sheet)
    rows = []
    for key in sorted(cited):
        text = _SRC[key]
        head, _, url = text.rpartition(", http")
        address = ("http" + url) if head else ""
        head = head or text
        publisher, _, title = head.partition(", ")
        year = re.search(r"(?:19|20)\d\d", f"{head} {key}")
        short = re.search(r"[A-Za-z](\d\d)$", key)  # USGS-Cu25: the 2025 edition
        if year is not None:
            year_value = int(year.group(0))
        elif short is not None and 10 <= int(short.group(1)) <= 30:
            year_value = 2000 + int(short.group(1))
        else:
            year_value = None
        rows.append(
            dict(
                key=key,
                title=title or publisher,
                publisher=publisher if title else None,
                year=year_value,
                address=address or None,
                read="cited on " + ", ".join(sorted(cited[key])),
            )
        )
    return rows


def _demand_rows() -> list[dict]:
    rows = []
    for m in METALS:
        notes = _DEMAND_NOTES[m]
        _, share_note = share_source(m, "demand")
        for year, total in demand_path(m).items():
            if year in notes:
                s, n = notes[year]
            elif year < BASE_YEAR:
                s, n = notes["history"]
            else:
                s, n = notes["projection"]
                if year not in DEMAND[m]:
                    n = "interpolated; " + n
            for region, value in zip(REGIONS, _split(total, SHARES[m, "demand"]), strict=True):
                rows.append(
                    dict(
                        metal=m,
                        region=region,
                        year=year,
                        value=round(value, 4),
                        unit="kt/yr",
                        source=s,
                        note=f"{n}; {share_note}",
                    )
                )
    return rows


def _export_rows() -> list[dict]:
    rows = []
    for (m, k), (path, unit) in EXPORTS.items():
        s, n = EXPORT_NOTES[m, k]
        points = sorted(path.items())
        for year in MODEL_YEARS:
            rows.append(
                dict(
                    metal=m,
                    form=k,
                    year=year,
                    value=round(_interp(points, year), 3),
                    unit=unit,
                    source=s,
                    note=n,
                )
            )
    return rows


def _capacity_rows() -> list[dict]:
    rows = []
    retiring = defaultdict(float)
    for m, p, r, cap, first, _last, _s, _n in VINTAGES:
        if first is None:
            retiring[m, p, r] += cap
    for (m, p), (total, s, n) in EXISTING.items():
        share_src, share_note = share_source(m, p)
        for region, value in zip(REGIONS, _split(total, SHARES[m, p]), strict=True):
            if value <= 0:
                continue
            value -= retiring[m, p, region]
            rows.append(
                dict(
                    metal=m,
                    process=p,
                    region=region,
                    value=value,
                    unit="kt/yr",
                    commissioning_year=None,
                    retirement_year=None,
                    source=s if share_src == ASSUMPTION else f"{s} ; {share_src}",
                    note=f"{n}; {share_note}",
                )
            )
    for m, p, r, cap, first, last, s, n in VINTAGES:
        rows.append(
            dict(
                metal=m,
                process=p,
                region=r,
                value=cap,
                unit="kt/yr",
                commissioning_year=first,
                retirement_year=last,
                source=s,
                note=n,
            )
        )
    return rows


MAX_CAPACITY = {
    ("Fe", "mining"): (
        (150_000, 45_000, 60_000),
        src("USGS-Fe25", "HSN-CISA22"),
        "reserves 6.9 Gt Fe; ~+25 % over today's effective capacity per region "
        "(Cornerstone +100 Mt ore); assumption",
    ),
    ("Cu", "mining"): (
        (200, 900, 2_000),
        src("USGS-Cu25", "WEI-23"),
        "reserves 41 Mt Cu → ~3.1 Mt/yr at a 13-yr reserve life; resources in "
        "Inner Mongolia, Tibet, Yunnan (West) and Jiangxi (Central); assumption",
    ),
    ("Li", "mining"): (
        (0, 50, 100),
        src("USGS-Li25", "MNR-LI22"),
        "reserves 3 Mt Li; no resources in East; Jiangxi lepidolite (Central) "
        "and Qinghai/Tibet brine + Sichuan spodumene (West); assumption",
    ),
}
MAX_BUILD = {
    ("Fe", "mining"): 5_000,
    ("Fe", "smelting"): 20_000,
    ("Fe", "processing"): 30_000,
    ("Fe", "recycling"): 20_000,
    ("Cu", "mining"): 100,
    ("Cu", "smelting"): 500,
    ("Cu", "processing"): 1_000,
    ("Cu", "recycling"): 300,
    ("Li", "mining"): 10,
    ("Li", "smelting"): 30,
    ("Li", "processing"): 40,
    ("Li", "recycling"): 20,
}


#: import price paths, as indices on the 2024 prices of the imports sheet (every origin);
#: reasoned outlooks, not forecasts: the shipped case should not assume 2024's prices hold
PRICE_OUTLOOK = {
    ("Li", "ore"): (
        {2024: 1.0, 2027: 1.3, 2030: 1.5},
        src("USGS-Li25"),
        "Li2CO3 fell from 41,300 (2023) to 14,000 USD/t (2024), below the cost of much new "
        "supply; assumed to recover to ~21,000 USD/t LCE (×1.5) by 2030, then flat",
    ),
    ("Li", "refined"): (
        {2024: 1.0, 2027: 1.3, 2030: 1.5},
        src("USGS-Li25"),
        "as lithium concentrate: salt and concentrate prices move together",
    ),
    ("Fe", "ore"): (
        {2024: 1.0, 2030: 0.85},
        ASSUMPTION,
        "new seaborne supply (Simandou, ~120 Mt/yr from 2025-28) lowers iron ore by ~15 %",
    ),
    ("Cu", "ore"): (
        {2024: 1.0, 2030: 1.1},
        ASSUMPTION,
        "tight concentrate market (TC benchmark 80 → 21 USD/dmt, 2024-25): +10 % by 2030",
    ),
    ("Cu", "refined"): (
        {2024: 1.0, 2030: 1.1},
        ASSUMPTION,
        "as copper concentrate",
    ),
}

#: value of lost supply per metal (USD/t of content): far above each metal's marginal
#: product value in the least-cost plan (the product balance's dual, 2024-2040: iron
#: ~470 USD/t, copper ~10,300-10,900, lithium ~75,000-120,000 USD/t Li), so curtailment is
#: the last resort and never competes with a dearer supply route
LOST_SUPPLY = {
    "Fe": (5_000, "≈ 10 × iron's marginal product value (~470 USD/t Fe, steel products)"),
    "Cu": (150_000, "≈ 14 × copper's marginal product value (~10,500 USD/t Cu)"),
    "Li": (
        1_500_000,
        "≈ 12 × lithium's highest marginal product value (~120,000 USD/t Li, i.e. "
        "~22,600 USD/t LCE); = 282,000 USD/t LCE",
    ),
}

#: domestic mining supply curve, per metal: (tier, share of today's max_capacity, extra
#: cost USD/t of content, note). Tier 1 is today's resource ceiling at today's cost (the
#: technology sheet); the dearer tiers are lower grades, deeper or remote deposits. The
#: regions' max_capacity is raised to the sum of the tiers. No published cost curve by
#: province exists in the sources; steps are reasoned from reserves and import parity.
MINING_TIERS = {
    "Fe": (
        ("1 current", 1.0, 0, "today's ceiling (capacity_limits) at today's cost"),
        ("2 lower grade", 0.2, 40, "leaner magnetite (China averages ~30 % Fe run-of-mine); "
         "more stripping and grinding: +40 USD/t Fe, about import parity"),
        ("3 deep", 0.2, 90, "underground/deep deposits: +90 USD/t Fe"),
        ("4 marginal", 0.2, 160, "remote, thin deposits: +160 USD/t Fe, ~2 × the import price"),
    ),
    "Cu": (
        ("1 current", 1.0, 0, "today's ceiling (capacity_limits) at today's cost"),
        ("2 lower grade", 0.25, 3_000, "porphyry grades < 0.4 % Cu: +3,000 USD/t Cu"),
        ("3 remote", 0.25, 5_000, "Tibet/Xinjiang deposits, altitude and haulage: +5,000 USD/t"),
        ("4 marginal", 0.5, 8_000, "sub-economic resources at today's prices: +8,000 USD/t"),
    ),
    "Li": (
        ("1 current", 1.0, 0, "today's ceiling (capacity_limits) at today's cost"),
        ("2 lepidolite", 0.5, 15_000, "low-grade Jiangxi lepidolite, high reagent use: "
         "+15,000 USD/t Li (~2,800 USD/t LCE)"),
        ("3 high-altitude", 0.5, 35_000, "Tibet brines and remote spodumene: +35,000 USD/t Li"),
    ),
}  # fmt: skip

#: scrap collection beyond today's rate (max_collection_rate), per metal: (tier, extra
#: share of end-of-life scrap, cost USD/t collected, note); reasoned assumptions
COLLECTION_TIERS = {
    "Fe": (
        ("2 extended", 0.05, 300, "dismantling of buildings and machinery, more sorting: "
         "about the saving of the scrap route over imported ore (ore + smelting)"),
        ("3 intensive", 0.05, 500, "small, dispersed and mixed scrap"),
    ),
    "Cu": (
        ("2 extended", 0.10, 10_000, "e-waste and cable recovery through formal channels: "
         "about the saving of the scrap route over imported concentrate"),
        ("3 intensive", 0.10, 14_000, "low-grade mixed scrap, dispersed sources"),
    ),
    "Li": (
        ("2 extended", 0.10, 60_000, "formal take-back of small-format batteries: just above "
         "what the recycling route saves against imported salts at 2024 prices (so 2024's "
         "collection rate is the economic one); pays once prices recover"),
        ("3 intensive", 0.15, 90_000, "dispersed consumer batteries, collection and transport "
         "of hazardous goods"),
    ),
}  # fmt: skip


def _mining_tier_rows() -> list[dict]:
    rows = []
    for m, tiers in MINING_TIERS.items():
        values, _s, _n = MAX_CAPACITY[m, "mining"]
        usable = TECH[m, "mining"]["availability"][0]
        for region, ceiling in zip(REGIONS, values, strict=True):
            if not ceiling:
                continue
            for tier, share, cost, note in tiers:
                output = ceiling * share * usable
                rows.append(
                    dict(metal=m, region=region, tier=tier, parameter="tier_output",
                         value=round(output, 3), unit="kt/yr", source=ASSUMPTION,
                         note=f"{share:g} × max_capacity {ceiling:,} × availability {usable:g}")
                )  # fmt: skip
                rows.append(
                    dict(metal=m, region=region, tier=tier, parameter="tier_cost",
                         value=cost, unit="USD/t", source=ASSUMPTION, note=note)
                )  # fmt: skip
    return rows


def _collection_tier_rows() -> list[dict]:
    rows = []
    for m, tiers in COLLECTION_TIERS.items():
        for tier, share, cost, note in tiers:
            rows.append(
                dict(metal=m, tier=tier, parameter="tier_share", value=share * 100, unit="%",
                     source=ASSUMPTION, note="beyond max_collection_rate (recycling sheet)")
            )  # fmt: skip
            rows.append(
                dict(metal=m, tier=tier, parameter="collection_cost", value=cost,
                     unit="USD/t", source=ASSUMPTION, note=note)
            )  # fmt: skip
    return rows


def _limit_rows() -> list[dict]:
    rows = []
    for (m, p), (values, s, n) in MAX_CAPACITY.items():
        if p == "mining":  # room for the dearer tiers of the supply curve
            extra = sum(share for _t, share, _c, _n in MINING_TIERS[m])
            values = tuple(round(v * extra) for v in values)
            n += f"; × {extra:g} for the supply curve's dearer tiers (mining_tiers)"
        for region, v in zip(REGIONS, values, strict=True):
            rows.append(
                dict(
                    metal=m,
                    process=p,
                    region=region,
                    parameter="max_capacity",
                    value=v,
                    unit="kt/yr",
                    source=s,
                    note=n,
                )
            )
    for (m, p), v in MAX_BUILD.items():
        for region in REGIONS:
            if m == "Li" and p == "mining" and region == "East":
                value, note = 0, "no lithium resources in the East"
            else:
                value, note = (
                    v,
                    "per region and year: construction, permitting and supply-chain pace",
                )
            rows.append(
                dict(
                    metal=m,
                    process=p,
                    region=region,
                    parameter="max_build",
                    value=value,
                    unit="kt/yr",
                    source=ASSUMPTION,
                    note=note,
                )
            )
    return rows


CORRIDORS = (
    ("East", "Central", "water", 1100, 300_000, "Shanghai-Wuhan on the Yangtze"),
    ("East", "Central", "rail", 1000, 150_000, "Beijing-Guangzhou and east-west trunk lines"),
    ("East", "Central", "road", 1000, 20_000, "expressways"),
    ("Central", "West", "rail", 1200, 100_000, "Wuhan-Chongqing/Chengdu, Zhengzhou-Xi'an-Lanzhou"),
    ("Central", "West", "water", 1300, 50_000, "Wuhan-Chongqing through the Three Gorges locks"),
    ("Central", "West", "road", 1200, 10_000, "expressways"),
    ("East", "West", "rail", 2200, 100_000, "Tianjin/Hebei-Baotou-Xinjiang, Guangxi-Yunnan lines"),
    ("East", "West", "road", 2200, 10_000, "expressways"),
)


def _corridor_rows() -> list[dict]:
    rows = []
    for a, b, mode, dist, cap, note in CORRIDORS:
        rows.append(
            dict(
                region_from=a,
                region_to=b,
                mode=mode,
                parameter="distance",
                value=dist,
                unit="km",
                source=ASSUMPTION,
                note=f"centroid to centroid; {note}",
            )
        )
        rows.append(
            dict(
                region_from=a,
                region_to=b,
                mode=mode,
                parameter="corridor_capacity",
                value=cap,
                unit="kt/yr",
                source=ASSUMPTION,
                note="metal content of all metals and forms; generous but finite (iron "
                "ore dominates)",
            )
        )
    return rows


def _reserve_rows() -> list[dict]:
    rows = []
    spec = {
        "Cu": dict(days=(0, 10, 10), existing=(300, 100, 50), max_storage=(3_000, 2_000, 2_000)),
        "Li": dict(days=(0, 10, 10), existing=(0, 0, 0), max_storage=(100, 100, 100)),
    }
    for m, d in spec.items():
        for i, region in enumerate(REGIONS):
            rows.append(
                dict(
                    metal=m,
                    region=region,
                    parameter="reserve_days",
                    value=d["days"][i],
                    unit="day",
                    source=ASSUMPTION,
                    note="strategic stock in hinterland regions, 10 days of national "
                    "consumption each (no official volume published)"
                    if d["days"][i]
                    else "no strategic stock required at the coast",
                )
            )
            rows.append(
                dict(
                    metal=m,
                    region=region,
                    parameter="storage_capacity",
                    value=d["existing"][i],
                    unit="kt",
                    source=ASSUMPTION if m == "Li" else src("INE-20"),
                    note="bonded and state warehouses usable for a reserve; assumption"
                    if m == "Cu"
                    else "no dedicated lithium reserve warehouses",
                )
            )
            rows.append(
                dict(
                    metal=m,
                    region=region,
                    parameter="initial_stock",
                    value=0,
                    unit="kt",
                    source=ASSUMPTION,
                    note="state stock volumes undisclosed; zero so the base "
                    "year is not fed by an unknown drawdown",
                )
            )
            rows.append(
                dict(
                    metal=m,
                    region=region,
                    parameter="max_storage",
                    value=d["max_storage"][i],
                    unit="kt",
                    source=ASSUMPTION,
                    note="land and permits for warehouses",
                )
            )
    return rows


def _storage_rows() -> list[dict]:
    rows = []
    spec = {
        "Fe": (200, 0.5, ASSUMPTION, "steel-yard fee taken equal to copper's", 0.0),
        "Cu": (1000, 0.5, src("INE-20"), "INE bonded copper, indoor: 0.5 CNY/t/day", 0.0),
        "Li": (
            2000,
            1.25,
            src("SHFE-15"),
            "SHFE nickel warehouse fee as proxy: 1.25 CNY/t/day",
            0.5,
        ),
    }
    for m, (capex, hold, hold_src, hold_note, loss) in spec.items():
        rows.append(
            dict(
                metal=m,
                parameter="storage_capex",
                value=capex,
                unit="CNY/t",
                source=ASSUMPTION,
                note="warehouse construction per t of stored metal",
            )
        )
        rows.append(
            dict(
                metal=m,
                parameter="storage_lifetime",
                value=30,
                unit="yr",
                source=ASSUMPTION,
                note="warehouse building life",
            )
        )
        rows.append(
            dict(
                metal=m,
                parameter="holding_cost",
                value=hold,
                unit="CNY/(t*day)",
                source=hold_src,
                note=hold_note,
            )
        )
        rows.append(
            dict(
                metal=m,
                parameter="stock_loss",
                value=loss,
                unit="%/yr",
                source=ASSUMPTION,
                note="handling and moisture losses of lithium salts"
                if loss
                else "metal stocks do not degrade",
            )
        )
    return rows


def _end_use_rows() -> list[dict]:
    rows = []
    for m, uses in END_USES.items():
        for e, (share, mean, sd) in uses.items():
            s, n = END_USE_SOURCES.get((m, e), (ASSUMPTION, "share and lifetime assumption"))
            if m == "Li":
                s, n = _li_end_use_source(e)
            for name, v, u in (
                ("end_use_share", share, ""),
                ("lifetime_mean", mean, "yr"),
                ("lifetime_sd", sd, "yr"),
            ):
                rows.append(
                    dict(
                        metal=m,
                        end_use=e,
                        parameter=name,
                        value=v,
                        unit=u,
                        source=s,
                        note=f"{n}; {_EOL_NOTE}",
                    )
                )
    return rows


def _li_end_use_source(e: str) -> tuple[str, str]:
    return {
        "ev_batteries": (
            src("USGS-Li25", "CARZ-BAT", "DIALOGUE-BAT"),
            "batteries 87 % of world use (2024); EV warranty 8 yr, service life 5-8 yr",
        ),
        "storage_batteries": (
            src("USGS-Li25"),
            "stationary storage share and 12-yr life: assumption",
        ),
        "consumer_electronics": (ASSUMPTION, "phones and laptops, ~3-yr life"),
        "industrial_other": (
            src("USGS-Li25"),
            "glass, ceramics, greases (13 % of world use); mostly dissipative; lifetime assumption",
        ),
    }[e]


POLICY = (
    (
        "Fe",
        "smelting",
        "max_region_share",
        0.70,
        "East holds 63 % of crude steel today (PROV-ST23)",
    ),
    ("Cu", "smelting", "max_region_share", 0.50, "no region above half of national smelting"),
    ("Cu", "smelting", "min_hinterland_share", 0.55, "Central + West hold ~60 % today"),
    ("Cu", "recycling", "min_hinterland_share", 0.40, "Central + West hold ~50 % today"),
    ("Li", "smelting", "max_region_share", 0.50, "no region above half of national conversion"),
    ("Li", "smelting", "min_hinterland_share", 0.70, "Jiangxi, Sichuan, Qinghai hold ~80 % today"),
)


def _policy_rows() -> list[dict]:
    return [
        dict(
            metal=m,
            process=p,
            parameter=name,
            value=v * 100,
            unit="%",
            source=ASSUMPTION,
            note=f"security policy from 2025; {n}",
        )
        for m, p, name, v, n in POLICY
    ]


# ==========================================================================================
# Shock library (stress tests, shock-aware plan). No published disruption scenario exists for
# these supplies, so every size is a stress assumption; the sources
# name who the largest suppliers are. All start in 2030, the first target milestone.
# ==========================================================================================
_STRESS = "stress assumption, not a forecast"
SHOCKS = (
    # name, kind, metal, form, origin, region, share, first, last, source, note
    (
        "fe_ore_australia_cut",
        "import_cut",
        "Fe",
        "ore",
        "Australia",
        None,
        0.30,
        2030,
        2031,
        src("SCMP-IO20"),
        "largest supplier: Australia shipped 713 of ~1,170 Mt of China's ore imports (2020, "
        f"61 %); 30 % of its availability lost for two years: {_STRESS}",
    ),
    (
        "cu_conc_chile_peru_cut",
        "import_cut",
        "Cu",
        "ore",
        "Chile",
        None,
        0.50,
        2030,
        2030,
        src("CU-24CN"),
        "Chile sent 15.8 Mt of copper products to China in 2024 (46 % of its exports); half "
        f"of its concentrate availability lost for a year (mine blockades, strikes): {_STRESS}",
    ),
    (
        "cu_conc_chile_peru_cut",
        "import_cut",
        "Cu",
        "ore",
        "Peru",
        None,
        0.50,
        2030,
        2030,
        ASSUMPTION,
        "Peru is the second named concentrate origin on the imports sheet (2.0 Mt Cu/yr "
        f"available); half lost for a year, together with Chile: {_STRESS}",
    ),
    (
        "li_ore_australia_cut",
        "import_cut",
        "Li",
        "ore",
        "Australia",
        None,
        0.50,
        2030,
        2031,
        src("SMM-LIC24"),
        "largest origin: Australia ~3.03 of ~4.8 Mt of lithium concentrate imports (2024, "
        f"63 %); half of its availability lost for two years: {_STRESS}",
    ),
    (
        "east_port_disruption",
        "import_cut",
        None,
        None,
        None,
        "East",
        0.30,
        2030,
        2030,
        ASSUMPTION,
        "every seaborne import lands in East (regions sheet); 30 % of what each sea origin "
        "can deliver there is lost for a year (typhoons, port closures, a blockade of the "
        f"coast); every metal and form: {_STRESS}",
    ),
)
SCENARIO_PROBABILITY = {
    "normal": 0.6,
    "fe_ore_australia_cut": 0.1,
    "cu_conc_chile_peru_cut": 0.1,
    "li_ore_australia_cut": 0.1,
    "east_port_disruption": 0.1,
}


def _shock_rows() -> list[dict]:
    columns = ("name", "kind", "metal", "form", "origin", "region", "share")
    rows = []
    for *values, first, last, source, note in SHOCKS:
        row = {k: v for k, v in zip(columns, values, strict=True) if v is not None}
        rows.append(dict(row, first_year=first, last_year=last, source=source, note=note))
    return rows


def _scenario_rows() -> list[dict]:
    return [
        dict(
            scenario=name,
            shock=None if name == "normal" else name,
            probability=p,
            source=ASSUMPTION,
            note="no shock in the horizon; the rest of the probability"
            if name == "normal"
            else "one shock of the library in the horizon; a 10 % chance, no published "
            "probability exists",
        )
        for name, p in SCENARIO_PROBABILITY.items()
    ]


# ==========================================================================================
# Writing
# ==========================================================================================
def build(path: str | Path = DEFAULT_PATH) -> Path:
    """Write the default workbook to ``path`` (byte-stable: fixed timestamps) and return it."""
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    data = tables()
    for name, spec in SHEETS.items():
        ws = wb.create_sheet(name)
        columns = _columns(spec)
        ws.append(list(columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in data[name]:
            unknown = set(row) - set(columns)
            if unknown:
                raise ValueError(f"{name}: unknown columns {sorted(unknown)}")
            ws.append([row.get(c) for c in columns])
        ws.freeze_panes = "A2"
        for i, column in enumerate(columns, start=1):
            width = 60 if column == "note" else 40 if column == "source" else 14
            ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    _write_scenarios(wb)
    _write_sweep(wb)
    wb.properties.creator = "msc-model sheets/build_default.py"
    wb.properties.created = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stable_bytes(wb))
    return path


#: the ``scenarios`` sheet (overlays read by ``msc run --scenario`` and ``msc compare``;
#: see msc_model/scenarios/overlays.py): a few policy and price questions on the default
SCENARIO_COLUMNS = ("scenario", "table", "metal", "region", "operation", "value", "unit",
                    "source", "note")  # fmt: skip
SCENARIOS = (
    ("high_li_price", "import_price", "Li", None, "scale", 2, None, "assumption",
     "Lithium import prices double (2022 prices were several times 2024's): a price stress."),
    ("more_recycling", "max_collection_rate", None, None, "add", 10, "%", "assumption",
     "Collection of end-of-life scrap rises by 10 points for every metal (recycling policy)."),
    ("tight_cu_cap", "dependence_target", "Cu", None, "scale", 0.9, None, "assumption",
     "Copper dependence targets 10 % lower in every target year."),
    ("cheap_west_power", "power_price", None, "West", "scale", 0.8, None, "assumption",
     "Power in the West 20 % cheaper (more renewables)."),
)  # fmt: skip


def _write_rows(wb: Workbook, name: str, columns: tuple[str, ...], rows) -> None:
    """A sheet of plain rows under a bold, frozen header (scenarios, sweep factors)."""
    ws = wb.create_sheet(name)
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A2"


def _write_scenarios(wb: Workbook) -> None:
    _write_rows(wb, "scenarios", SCENARIO_COLUMNS, SCENARIOS)


def _write_sweep(wb: Workbook) -> None:
    """The ``sweep`` sheet: the factors ``msc sweep`` varies when no ``--vary`` is given
    (read by msc_model/scenarios/design.py). Three factors, all mutable Params, so a
    Morris or Sobol sweep re-solves one model per worker instead of rebuilding it."""
    columns = ("factor", "table", "metal", "operation", "low", "high", "steps", "unit",
               "source", "note")  # fmt: skip
    factors = (
        ("li_price", "import_price", "Li", "scale", 0.5, 2, None, None, "assumption",
         "Lithium import prices from half to double 2024's (2022 prices were several times higher)."),
        ("cu_price", "import_price", "Cu", "scale", 0.7, 1.5, None, None, "assumption",
         "Copper import prices from 30 % lower to 50 % higher."),
        ("cu_target", "dependence_target", "Cu", "scale", 0.9, 1.1, None, None, "assumption",
         "Copper dependence targets 10 % tighter to 10 % looser in every target year."),
    )  # fmt: skip
    _write_rows(wb, "sweep", columns, factors)


def _columns(spec: SetSheet | ParamSheet | RecordSheet) -> tuple[str, ...]:
    if isinstance(spec, SetSheet):
        return (spec.key, *(c.name for c in spec.columns), "source", "note")
    return spec.columns()


def _stable_bytes(wb: Workbook) -> bytes:
    """Serialise with fixed document and zip-entry timestamps, so rebuilds are identical."""
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = FIXED_TIME
    ExcelWriter(wb, archive).save()  # closes the archive
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src_zip,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src_zip.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src_zip.read(info.filename))
    return out.getvalue()


# ==========================================================================================
# Base-year check: what the LP must do in the base year, from the workbook's own numbers
# ==========================================================================================
def read_workbook(path: str | Path) -> dict[str, list[dict]]:
    """Rows of every sheet of a workbook, as dicts keyed by header."""
    wb = load_workbook(path, read_only=True, data_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            continue
        header = [str(h) if h is not None else "" for h in rows[0]]
        out[ws.title] = [
            dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)
        ]
    wb.close()
    return out


class _Book:
    """Canonical values of a read workbook (enough for the base-year check)."""

    def __init__(self, sheets: dict[str, list[dict]]):
        self.sheets = sheets
        settings = {r["parameter"]: r for r in sheets["settings"]}
        self.exchange_rate = float(settings["exchange_rate"]["value"])
        self.base_year = int(settings["base_year"]["value"])
        self.bases = default_bases()
        self.deflator = {int(r["year"]): float(r["value"]) for r in sheets.get("deflator", [])}
        self.price_base_year = int(settings["price_base_year"]["value"])
        for r in sheets.get("content_bases", []):
            self.bases[r["basis"]] = (r["metal"], self.canon(r, ""))

    def canon(self, row: dict, canonical: str, metal: str | None = None) -> float:
        unit = row.get("unit") or ""
        if not unit:
            return float(row["value"])
        unit, year = split_price_year(unit)  # money of another year: deflated as the reader does
        deflate = 1.0
        if year is not None and year != self.price_base_year:
            deflate = self.deflator[self.price_base_year] / self.deflator[year]
        factor = conversion_factor(
            unit, canonical, metal=metal, bases=self.bases, exchange_rate=self.exchange_rate
        )
        return float(row["value"]) * factor * deflate

    def param(self, sheet: str, name: str, canonical: str, index: tuple[str, ...]) -> dict:
        out = {}
        for r in self.sheets.get(sheet, []):
            if "parameter" in r and r["parameter"] != name:
                continue
            key = tuple(r[c] for c in index)
            out[key] = self.canon(r, canonical, r.get("metal"))
        return out


def end_of_life(book: _Book, metal: str, year: int) -> float:
    """National end-of-life scrap of ``metal`` in ``year`` (kt/yr) by the formulation's kernel."""
    demand = defaultdict(dict)
    for (m, r, y), v in book.param(
        "demand", "demand", "kt/yr", ("metal", "region", "year")
    ).items():
        if m == metal:
            demand[r][int(y)] = v
    shares = book.param("end_uses", "end_use_share", "", ("metal", "end_use"))
    means = book.param("end_uses", "lifetime_mean", "yr", ("metal", "end_use"))
    sds = book.param("end_uses", "lifetime_sd", "yr", ("metal", "end_use"))
    kernel = defaultdict(float)
    for (m, e), share in shares.items():
        if m == metal:
            for a, f in lifetime_kernel(means[m, e], sds[m, e]).items():
                kernel[a] += share * f
    total = 0.0
    for points in demand.values():
        pts = sorted(points.items())
        for a, f in kernel.items():
            t = year - a
            if t < pts[0][0]:
                continue
            total += f * _interp(pts, t)
    return total


def expected_base_year(path: str | Path) -> dict[str, dict[str, float]]:
    """Base-year national flows and external dependence implied by the workbook.

    In the base year no new capacity can come online (every lead time ≥ 1), so the LP's
    choices follow a merit order that this function replays nationally (transport ignored):

    - mining runs at capacity × availability (asserted cheaper than the dearest ore import);
    - domestic scrap (collected ≤ max_collection_rate × end_of_life, plus prompt scrap) is
      free, so it is all recycled; if scrap imports are offered and recycling capacity is
      left, imported scrap fills it (asserted cheaper than the dearest refined import);
    - smelting runs at capacity × availability where refined imports are offered (asserted
      cheaper), else it covers the rest of the refined requirement (asserted ≤ capacity);
    - imports fill the rest, cheapest origin first (price × (1 + risk premium)).

    Returns per metal: mining, collected, prompt, recycling, smelting, processing, imports of
    each form, exports, consumption and dependence (the formulation's definition), and the
    largest supplier share.
    """
    book = _Book(read_workbook(path))
    year = book.base_year
    tech = {
        name: book.param("technology", name, unit, ("metal", "process"))
        for name, unit in (
            ("process_yield", ""),
            ("availability", ""),
            ("variable_opex", "MUSD/kt"),
            ("energy_intensity", "GWh/kt"),
        )
    }
    demand = book.param("demand", "demand", "kt/yr", ("metal", "region", "year"))
    exports = book.param("exports", "export_demand", "kt/yr", ("metal", "form", "year"))
    price = book.param("imports", "import_price", "MUSD/kt", ("metal", "form", "origin"))
    avail = book.param("imports", "import_availability", "kt/yr", ("metal", "form", "origin"))
    risk = {k[0]: v for k, v in book.param("risk_premium", "risk_premium", "", ("origin",)).items()}
    power = {
        k[0]: v
        for k, v in book.param("power_price", "power_price", "MUSD/GWh", ("region",)).items()
    }
    power_max = max(power.values())
    collect = book.param("recycling", "max_collection_rate", "", ("metal",))
    prompt_rate = book.param("recycling", "prompt_scrap_rate", "", ("metal",))
    counted = {
        (r["metal"], r["form"]): str(r["value"]).strip().lower() in ("yes", "true", "1", "x")
        for r in book.sheets["dependence_definition"]
    }
    capacity = defaultdict(float)
    for r in book.sheets["existing_capacity"]:
        first, last = r.get("commissioning_year"), r.get("retirement_year")
        if (first is None or int(first) <= year) and (last is None or year <= int(last)):
            capacity[r["metal"], r["process"]] += book.canon(r, "kt/yr", r["metal"])

    def y(m, p):
        return tech["process_yield"].get((m, p), 1.0)

    def usable(m, p):
        return capacity[m, p] * tech["availability"].get((m, p), 1.0)

    def cost(m, p):  # variable cost per unit of output at the dearest power price
        return (
            tech["variable_opex"].get((m, p), 0.0)
            + tech["energy_intensity"].get((m, p), 0.0) * power_max
        )

    def origins(m, k):
        rows = [
            (price[key] * (1 + risk.get(key[2], 0.0)), key[2], avail[key])
            for key in price
            if key[:2] == (m, k)
        ]
        return sorted(rows)

    def buy(m, k, amount):
        """Allocate ``amount`` over origins by effective price; return (by origin, marginal)."""
        left, taken, marginal = amount, {}, 0.0
        for eff, origin, cap in origins(m, k):
            if left <= 1e-9:
                break
            take = min(cap, left)
            taken[origin], left, marginal = take, left - take, eff
        assert left <= 1e-6, f"{m} {k}: import availability short by {left:.1f} kt"
        return taken, marginal

    out = {}
    for m in METALS:
        d = sum(v for (mm, _r, yy), v in demand.items() if mm == m and int(yy) == year)
        exp = {k: exports.get((m, k, year), 0.0) for k in ("ore", "refined", "product", "scrap")}
        processing = d + exp["product"]
        refined_need = processing / y(m, "processing") + exp["refined"]
        prompt = prompt_rate.get((m,), 0.0) * processing * (1 / y(m, "processing") - 1)
        eol = end_of_life(book, m, year)
        collectable = collect[(m,)] * eol
        mining = usable(m, "mining")
        # recycling: domestic scrap first (free), then imported scrap if offered
        rec_cap = usable(m, "recycling")
        domestic_scrap = collectable + prompt
        scrap_offered = bool(origins(m, "scrap"))
        if scrap_offered and domestic_scrap * y(m, "recycling") < rec_cap:
            recycling = rec_cap
            scrap_imports = rec_cap / y(m, "recycling") - domestic_scrap
        else:
            assert domestic_scrap * y(m, "recycling") <= rec_cap + 1e-6, (
                f"{m}: recycling capacity binds below domestic scrap; collected is not determined"
            )
            recycling, scrap_imports = domestic_scrap * y(m, "recycling"), 0.0
        collected = collectable
        remaining = refined_need - recycling
        refined_offered = bool(origins(m, "refined"))
        if refined_offered:
            smelting = min(usable(m, "smelting"), remaining)
        else:
            smelting = remaining
            assert smelting <= usable(m, "smelting") + 1e-6, f"{m}: smelting capacity short"
        refined_imports = remaining - smelting
        ore_need = smelting / y(m, "smelting") + exp["ore"]
        ore_imports = ore_need - mining
        assert ore_imports >= 0, f"{m}: domestic ore exceeds smelting need"
        assert processing <= usable(m, "processing") + 1e-6, f"{m}: processing capacity short"
        bought = {
            "ore": buy(m, "ore", ore_imports),
            "scrap": buy(m, "scrap", scrap_imports),
            "refined": buy(m, "refined", refined_imports),
        }
        # the merit order holds: each domestic step is cheaper than what it displaces
        ore_marginal = bought["ore"][1]
        assert cost(m, "mining") < ore_marginal, f"{m}: mining dearer than ore imports"
        if refined_imports > 0:
            ref_marginal = bought["refined"][1]
            smelt_cost = ore_marginal / y(m, "smelting") + cost(m, "smelting")
            assert smelt_cost < ref_marginal, f"{m}: smelting dearer than refined imports"
            if scrap_imports > 0:
                rec_cost = bought["scrap"][1] / y(m, "recycling") + cost(m, "recycling")
                assert rec_cost < ref_marginal, f"{m}: recycling imported scrap dearer than refined"
        imports = {k: sum(v[0].values()) for k, v in bought.items()}
        net = sum(
            imports.get(k, 0.0) - exp[k]
            for k in ("ore", "refined", "product", "scrap")
            if counted.get((m, k), True)
        )
        consumption = mining + (collected if counted.get((m, "scrap"), True) else 0.0) + net
        by_origin = defaultdict(float)
        for taken, _ in bought.values():
            for o, v in taken.items():
                by_origin[o] += v
        total_imports = sum(by_origin.values())
        top = max(by_origin, key=by_origin.get)
        out[m] = dict(
            demand=d,
            processing=processing,
            refined_need=refined_need,
            mining=mining,
            end_of_life=eol,
            collected=collected,
            prompt=prompt,
            recycling=recycling,
            smelting=smelting,
            ore_imports=ore_imports,
            refined_imports=refined_imports,
            scrap_imports=scrap_imports,
            net_imports=net,
            consumption=consumption,
            dependence=net / consumption,
            top_supplier=top,
            top_supplier_share=by_origin[top] / total_imports,
        )
    return out


def expected_base_year_dependence(path: str | Path = DEFAULT_PATH) -> dict[str, float]:
    """Base-year external dependence per metal (share), by :func:`expected_base_year`."""
    return {m: v["dependence"] for m, v in expected_base_year(path).items()}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = build(Path(args[0]) if args else DEFAULT_PATH)
    print(f"wrote {path}")
    for m, v in expected_base_year(path).items():
        lo, hi = DEPENDENCE_BANDS[m]
        print(
            f"{m}: dependence {v['dependence']:.1%} (published band {lo:.0%}-{hi:.0%}); "
            + ", ".join(f"{k} {x:,.1f}" for k, x in v.items() if isinstance(x, float))
        )


if __name__ == "__main__":
    main()
