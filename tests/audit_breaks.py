"""Break the code on purpose in the ways a suite audit found unnoticed, and show each is caught.

    python tests/audit_breaks.py            # every break, the fast subset each (~5 min)
    python tests/audit_breaks.py landfill   # breaks whose name contains "landfill"

An audit of the suite broke the code in 25 small ways; 7 left it green. Each of those is a
text edit below. For each, the repository is copied to a temporary folder, the edit is
applied there (it must match exactly once: an edit that no longer applies is reported, not
skipped silently), and the fast subset (``pytest -m "not slow"``) runs against the copy.
The unbroken copy runs first: a test that fails there (one tied to where the checkout lies,
say) is no evidence and is left out. A break is *caught* when at least one other test
fails; those tests are printed.
Exit status 1 if any break survives or no longer applies. Not collected by pytest (it runs
the suite several times); ``mutmut`` (tests/README.md) is the general form of the same check.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Break:
    name: str
    path: str  # file inside the repository
    old: str  # must occur exactly once
    new: str


BREAKS = (
    Break(
        "risk premium dropped from the objective",
        "msc_model/model/objective.py",
        '(1.0 + data.get("risk_premium", (o,)))',
        "1.0",
    ),
    Break(
        "plant availability ignored",
        "msc_model/model/capacity.py",
        "share = m.availability[metal, process]",
        "share = 1.0",
    ),
    Break(
        "landfill <= 0 check of check_balances switched off",
        "msc_model/results.py",
        'landfill = flows[(flows["flow"] == "landfill") & (flows["value"] > tol)]',
        'landfill = flows[(flows["flow"] == "landfill") & (flows["value"] > float("inf"))]',
    ),
    Break(
        "largest supplier's share computed as the smallest",
        "msc_model/report/tables.py",
        '"largest_value": largest.max(),',
        '"largest_value": largest.min(),',
    ),
    Break(
        "a content basis in a unit's denominator multiplied instead of divided",
        "msc_model/units.py",
        "factor = factor / fraction if in_denominator else factor * fraction",
        "factor = factor * fraction",
    ),
    Break(
        "every output written straight to its target before the temporary copy",
        "msc_model/safety.py",
        "            save(tmp)\n",
        "            save(target)\n            tmp.write_bytes(target.read_bytes())\n",
    ),
    Break(
        "temporary files left behind when a write fails",
        "msc_model/safety.py",
        "            with contextlib.suppress(OSError):\n                item.tmp.unlink()\n",
        "            pass\n",
    ),
)

_IGNORE = shutil.ignore_patterns(
    ".git", "mutants", "__pycache__", ".pytest_cache", ".ruff_cache", "*.egg-info", "out"
)


def failures(brk: Break | None, workers: int = 2) -> tuple[set[str] | None, str]:
    """Failing tests of the fast subset on a copy with ``brk`` applied (None: unbroken),
    and pytest's last line; None instead of the set when the edit does not apply."""
    with tempfile.TemporaryDirectory(prefix="msc-break-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=_IGNORE)
        if brk is not None:
            target = copy / brk.path
            text = target.read_text(encoding="utf-8")
            if text.count(brk.old) != 1:
                return None, f"{brk.path}: the text occurs {text.count(brk.old)} times"
            target.write_text(text.replace(brk.old, brk.new), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(copy)}
        command = [sys.executable, "-m", "pytest", "-m", "not slow", "-q", "-p",
                   "no:cacheprovider", "-n", str(workers), "--dist", "loadfile"]  # fmt: skip
        proc = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
        failed = set(re.findall(r"^(?:FAILED|ERROR) (\S+)", proc.stdout, flags=re.MULTILINE))
        if proc.returncode not in (0, 1):  # interrupted, internal or collection error
            failed.add(f"<pytest exit status {proc.returncode}>")
        return failed, (proc.stdout.strip().splitlines() or [""])[-1]


def check(brk: Break, baseline: set[str]) -> tuple[str, str]:
    """(verdict, detail): verdict is "caught", "SURVIVED" or "NO LONGER APPLIES"."""
    failed, last = failures(brk)
    if failed is None:
        return "NO LONGER APPLIES", last
    new = sorted(failed - baseline)
    if not new:
        return "SURVIVED", last
    return "caught", f"{len(new)} failed: " + ", ".join(new)


def main(argv: list[str]) -> int:
    chosen = [b for b in BREAKS if not argv or any(a in b.name for a in argv)]
    baseline, last = failures(None)
    print(f"unbroken copy: {last}" + (f"; failing there: {sorted(baseline)}" if baseline else ""))
    bad = 0
    for brk in chosen:
        verdict, detail = check(brk, baseline)
        bad += verdict != "caught"
        print(f"{verdict:>17}: {brk.name}\n{'':>19}{detail}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
