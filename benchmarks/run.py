"""Time and memory of each stage of ``msc run`` for several model sizes.

    python benchmarks/run.py                      # default sizes
    python benchmarks/run.py --sizes 3:2040 10:2040 31:2050 --profile ipm

Each size runs in its own process (so peak memory is that size's alone): generate the
workbook with ``scale.py``, then read, build, solve, extract and write, recording wall
time and the process's peak RSS after each stage, and the model's size. Results are
printed as a table and saved to ``benchmarks/out/results.json``. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale

HERE = Path(__file__).resolve().parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(regions: int, years_to: int, origins: int, profile: str) -> dict:
    """Run one size in this process and return its figures."""
    from msc_model.inputs import load_inputs
    from msc_model.model import build_model
    from msc_model.report import write_tables
    from msc_model.report.basic import basic_sheets
    from msc_model.results import extract_results
    from msc_model.solve import solve

    figures: dict = {
        "regions": regions,
        "years_to": years_to,
        "origins": origins,
        "profile": profile,
        "stages": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "case.xlsx"
        scale.write(scale.scale(scale_default(), regions, years_to, origins, seed=1), book)

        def stage(name, fn, *args, **kwargs):
            start = time.perf_counter()
            value = fn(*args, **kwargs)
            figures["stages"][name] = {
                "seconds": time.perf_counter() - start,
                "peak_rss_mb": _peak_mb(),
            }
            return value

        data = stage("read", load_inputs, book)
        model = stage("build", build_model, data)
        outcome = stage("solve", solve, model, profile)
        results = stage("extract", extract_results, model, data, outcome)
        sheets = basic_sheets(results, data, outcome, {})
        stage("write", write_tables, sheets, Path(tmp) / "report.xlsx")
    figures["variables"] = model.nvariables()
    figures["constraints"] = model.nconstraints()
    figures["objective"] = outcome.objective
    figures["total_seconds"] = sum(s["seconds"] for s in figures["stages"].values())
    figures["peak_rss_mb"] = _peak_mb()
    return figures


def scale_default() -> Path:
    from msc_model.pipeline import default_workbook

    return default_workbook()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["3:2040", "10:2040", "31:2050"],
        help="REGIONS:FINAL_YEAR pairs",
    )
    parser.add_argument("--origins", type=int, default=12)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one size, print JSON
    args = parser.parse_args(argv)
    if args.one:
        regions, years_to = map(int, args.one.split(":"))
        print(json.dumps(measure(regions, years_to, args.origins, args.profile)))
        return
    rows = []
    for size in args.sizes:
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                size,
                "--origins",
                str(args.origins),
                "--profile",
                args.profile,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode:
            print(f"{size}: failed\n{proc.stderr[-2000:]}")
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        _print_row(rows[-1])
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, indent=2))


def _print_row(r: dict) -> None:
    stages = "  ".join(f"{k} {v['seconds']:.2f}s" for k, v in r["stages"].items())
    print(
        f"{r['regions']:>3} regions to {r['years_to']}: {r['variables']:>8} vars "
        f"{r['constraints']:>8} cons | {stages} | total {r['total_seconds']:.2f}s "
        f"| peak {r['peak_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
