"""A sweep's time per variant against a full read-build-solve per variant, and throughput.

    python benchmarks/sweep.py                    # the shipped default workbook
    python benchmarks/sweep.py --workbook case.xlsx --variants 20 --workers 1 2

1. **Separate runs**: for each of N import-price variants, read the workbook, apply the
   variant, build, solve and extract the same indicators a sweep stores (what a modeller
   does by copying the workbook N times, minus the copying).
2. **Sweep**: the same N variants through ``sweep(..., workers=0)`` in this process: one
   build, then Param updates and re-solves of the persistent HiGHS instance.

The ratio sweep ÷ separate is printed (below 1: the sweep is faster), and the objectives
are checked to agree to 1e-6. Then the same ratio per swept parameter family (demand,
collection rate, capex, a yield, import prices, capacity and build limits, plant and import
availability; target ≤ 0.35 each): every family is a
mutable Param, so each sweep builds once. Then the throughput (runs per second, process start-up
excluded: the slope between a short and a long sweep) with 1 and 2 local worker
processes. Other work on the machine shows in every figure: the load average is printed.
Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def separate_runs(workbook: Path, spec: str, values: list[float]) -> tuple[float, list[float]]:
    """Seconds per variant and objectives of full read-build-solve-extract runs."""
    from msc_model.inputs import load_inputs
    from msc_model.model import build_model
    from msc_model.results import extract_results
    from msc_model.scenarios.design import parse_factor
    from msc_model.scenarios.overlays import apply_overrides
    from msc_model.scenarios.runner import indicator_rows
    from msc_model.solver import solve

    factor = parse_factor(spec, load_inputs(workbook))
    objectives, start = [], time.perf_counter()
    for value in values:
        data = apply_overrides(load_inputs(workbook), [factor.override(value)])[0]
        model = build_model(data)
        outcome = solve(model)
        indicator_rows(extract_results(model, data, outcome), data)
        objectives.append(outcome.objective)
    return (time.perf_counter() - start) / len(values), objectives


def swept(workbook: Path, spec: str, workers: int) -> tuple[float, list[float], dict]:
    """Seconds per variant, objectives (in variant order) and rebuild counts of a sweep."""
    from msc_model.scenarios import sweep

    start = time.perf_counter()
    frame = sweep(workbook, [spec], method="grid", workers=workers)
    seconds = time.perf_counter() - start
    cost = frame[frame["indicator"] == "total_cost"].set_index("run_id")["value"].sort_index()
    return seconds / len(cost), list(cost), frame.attrs["rebuilds"]


def measure(workbook: Path, variants: int = 20, workers=(1, 2), long: int = 60) -> dict:
    """The sweep figures as a dict (per-variant seconds, ratio, throughput per worker count)."""
    spec = f"price=import_price:scale:0.5:1.5:{variants}"
    values = [0.5 + i / (variants - 1) for i in range(variants)]
    per_separate, expected = separate_runs(workbook, spec, values)
    per_sweep, objectives, rebuilds = swept(workbook, spec, workers=0)
    worst = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(objectives, expected, strict=True))
    figures = {
        "workbook": workbook.name,
        "variants": variants,
        "separate_seconds_per_variant": per_separate,
        "sweep_seconds_per_variant": per_sweep,
        "ratio": per_sweep / per_separate,
        "builds": rebuilds["rebuilt"],
        "largest_objective_difference": worst,
        "throughput": {},
        "load_average": os.getloadavg()[0],
    }
    # throughput without the fixed start-up (spawning processes, importing, first build):
    # the slope between a short and a long sweep
    long_spec = f"price=import_price:scale:0.5:1.5:{long}"
    for count in workers:
        short = f"price=import_price:scale:0.5:1.5:{count}"
        t_short = swept(workbook, short, workers=count)[0] * count
        t_long = swept(workbook, long_spec, workers=count)[0] * long
        figures["throughput"][count] = {
            "runs_per_second": (long - count) / (t_long - t_short),
            "startup_seconds": t_short,
        }
    return figures


#: one factor per parameter family a modeller sweeps (each re-solves in place)
FAMILIES = {
    "demand": "demand:scale:0.9:1.1",
    "max_collection_rate": "max_collection_rate:scale:0.7:1.1",
    "capex": "capex:scale:0.6:1.6",
    "process_yield": "process_yield[metal=Cu,process=smelting]:scale:0.9:1",
    "import_price": "import_price:scale:0.7:1.4",
    "max_capacity": "max_capacity:scale:0.7:1.3",
    "max_build": "max_build:scale:0.5:1.5",
    "availability": "availability:scale:0.8:1",
    "import_availability": "import_availability:scale:0.6:1.2",
}
#: the issue's target for a variant against a fresh run
FAMILY_TARGET = 0.35


def families(workbook: Path, variants: int) -> dict[str, dict]:
    """Per family: ms per variant of separate runs and of the sweep, their ratio, builds."""
    out = {}
    for family, factor in FAMILIES.items():
        spec = f"x={factor}:{variants}"
        low, high = (float(v) for v in factor.split(":")[-2:])
        values = [low + (high - low) * i / (variants - 1) for i in range(variants)]
        per_separate, expected = separate_runs(workbook, spec, values)
        per_sweep, objectives, rebuilds = swept(workbook, spec, workers=0)
        worst = max(
            abs(a - b) / max(abs(b), 1e-12) for a, b in zip(objectives, expected, strict=True)
        )
        out[family] = {
            "separate": per_separate,
            "sweep": per_sweep,
            "ratio": per_sweep / per_separate,
            "builds": rebuilds["rebuilt"],
            "difference": worst,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=None)
    parser.add_argument("--variants", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--long", type=int, default=60, help="variants of the throughput sweep")
    args = parser.parse_args()
    from msc_model.pipeline import default_workbook

    workbook = args.workbook or default_workbook()
    print(
        f"workbook {workbook.name}, {args.variants} import-price variants; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    f = measure(workbook, args.variants, args.workers, args.long)
    print(f"separate read-build-solve: {f['separate_seconds_per_variant'] * 1000:8.1f} ms/variant")
    print(
        f"sweep (one process)      : {f['sweep_seconds_per_variant'] * 1000:8.1f} ms/variant "
        f"({f['builds']} build(s))"
    )
    print(f"ratio sweep / separate   : {f['ratio']:8.2f}")
    print(f"largest objective difference: {f['largest_objective_difference']:.1e} (relative)")
    if f["largest_objective_difference"] > 1e-6:
        raise SystemExit("objectives differ by more than 1e-6")
    for count, t in f["throughput"].items():
        print(
            f"throughput, {count} worker(s): {t['runs_per_second']:6.2f} runs/s "
            f"(start-up {t['startup_seconds']:.1f} s for the first {count} run(s))"
        )
    print(f"per family ({args.variants} variants each; target variant/fresh <= {FAMILY_TARGET}):")
    for family, g in families(workbook, args.variants).items():
        verdict = "met" if g["ratio"] <= FAMILY_TARGET else "MISSED"
        print(
            f"  {family:20s} fresh {g['separate'] * 1000:7.1f} ms, variant "
            f"{g['sweep'] * 1000:7.1f} ms, ratio {g['ratio']:5.2f} ({verdict}); "
            f"{g['builds']} build(s), objectives within {g['difference']:.0e}"
        )


if __name__ == "__main__":
    main()
