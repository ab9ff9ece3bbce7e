"""HiGHS option profiles: plain ``key = value`` files in ``solvers/``, checked before use.

HiGHS ignores an option value it does not know (``solver = hipo`` in a wheel built without
it) and Pyomo does not check, so an unchecked profile could silently run another
algorithm. Every line is therefore set on a scratch ``highspy.Highs`` and refused when
HiGHS refuses it.

Two keys are ours, not HiGHS's: ``large_columns = N`` and ``large_profile = NAME`` say
that an LP with more than N columns is solved with profile NAME instead (the default
profile uses them: dual simplex is fastest on small cases, interior point on large ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import highspy
from pyomo.common.tee import capture_output

from msc_model.errors import SolveError
from msc_model.shipped import shipped_folder

#: keys read by msc itself (never passed to HiGHS)
SWITCH_KEYS = ("large_columns", "large_profile")


@dataclass(frozen=True)
class Profile:
    """A checked profile: HiGHS options plus an optional switch for large LPs."""

    name: str
    options: dict[str, object]
    large_columns: int | None = None
    large_profile: str | None = None

    def for_columns(self, columns: int) -> Profile:
        """This profile, or the one it names for an LP with more than ``large_columns``."""
        if self.large_profile is None or self.large_columns is None:
            return self
        if columns <= self.large_columns:
            return self
        return read_profile(self.large_profile)


def profile_path(name_or_path: str | Path) -> Path:
    """The profile file: an existing path, else ``solvers/<name>.txt`` in the package."""
    path = Path(name_or_path)
    if path.suffix == ".txt" and path.is_file():
        return path
    folder = shipped_folder("solvers")
    packaged = folder / f"{name_or_path}.txt"
    if not packaged.is_file():
        available = sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".txt"))
        raise SolveError(f"no solver profile '{name_or_path}' (available: {', '.join(available)})")
    return Path(str(packaged))


def read_profile(name_or_path: str | Path) -> Profile:
    """Read and check a profile file, including its large-LP switch.

    Raises
    ------
    SolveError
        Naming the file and line of an unknown option or a value HiGHS refuses.
    """
    path = profile_path(name_or_path)
    options: dict[str, object] = {}
    switch: dict[str, str] = {}
    with capture_output(capture_fd=True):  # HiGHS prints its banner and complaints to fd 1
        checker = highspy.Highs()
        checker.setOptionValue("output_flag", False)
        for number, raw in enumerate(path.read_text().splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            where = f"{path.name} line {number}: '{raw.strip()}'"
            key, sep, value = (part.strip() for part in line.partition("="))
            if not sep or not key or not value:
                raise SolveError(f"{where}: expected 'option = value'")
            if key in SWITCH_KEYS:
                switch[key] = value
                continue
            status = checker.setOptionValue(key, value)
            if status != highspy.HighsStatus.kOk:
                raise SolveError(
                    f"{where}: HiGHS refuses this option or value (unknown option, value out "
                    "of range, or a solver not compiled into this highspy build)"
                )
            options[key] = checker.getOptionValue(key)[1]
    if len(switch) == 1:
        raise SolveError(f"{path.name}: give both {' and '.join(SWITCH_KEYS)}, or neither")
    large_columns = None
    if switch:
        try:
            large_columns = int(switch["large_columns"])
        except ValueError:
            raise SolveError(f"{path.name}: large_columns must be a whole number") from None
        profile_path(switch["large_profile"])  # fail now, not at the first large solve
    return Profile(
        Path(str(name_or_path)).stem, options, large_columns, switch.get("large_profile")
    )


def load_profile(name_or_path: str | Path) -> dict[str, object]:
    """Read and validate a HiGHS option profile.

    Parameters
    ----------
    name_or_path
        A profile name (``default``, ``ipm``, ``fast``) found in ``solvers/``, or the path
        of a ``.txt`` file with ``key = value`` lines and ``#`` comments.

    Returns
    -------
    dict
        Option name → typed value (as HiGHS parsed it); the large-LP switch keys are not
        HiGHS options and are left out (see :func:`read_profile`).

    Raises
    ------
    SolveError
        Naming the file and line of an unknown option or a value HiGHS refuses.
    """
    return read_profile(name_or_path).options
