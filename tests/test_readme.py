"""The documentation runs as written: the public names are the documented objects, every
``python`` block of the README and every example in a public docstring executes, and every
``msc`` line of the README's ``bash`` blocks exits 0 against the shipped workbook.

Shell lines run as a real ``msc`` process in a temporary folder (outputs land there); the
README's ``my_case.xlsx`` is the reader's own filled-in case, so the folder holds a copy of
the shipped workbook under that name. ``tcp://HOST:8786`` is replaced by the address of a
local Dask cluster started for the test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

import msc_model
from msc_model.pipeline import default_workbook

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
HOST = "tcp://HOST:8786"
#: shell lines left to the full suite (the fast subset runs ``msc template``): each starts
#: an interpreter, and most read the shipped workbook and solve
SLOW = ("msc validate", "msc run", "msc compare", "msc pareto", "msc sweep", HOST)


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README) if lang == language]


def shell_lines() -> list[str]:
    return [
        line.strip()
        for body in blocks("bash")
        for line in body.splitlines()
        if line.strip().startswith("msc ")
    ]


def docstring_examples(obj: object) -> list[str]:
    """Literal blocks (``::`` then an indented block) and ``>>>`` lines of a docstring."""
    doc = inspect.getdoc(obj) or ""
    found = []
    for match in re.finditer(r"::\n\n((?:(?: {4}.*)?\n)+)", doc + "\n"):
        found.append(textwrap.dedent(match.group(1)))
    prompts = [line[4:] for line in doc.splitlines() if line.lstrip().startswith(">>> ")]
    if prompts:
        found.append("\n".join(prompts))
    return found


def public_objects() -> list[object]:
    scenarios = importlib.import_module("msc_model.scenarios")
    names = [n for n in msc_model.__all__ if n != "__version__"]
    return [msc_model, scenarios, *(getattr(msc_model, n) for n in names)]


def all_submodules() -> list[ModuleType]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(msc_model.__path__, "msc_model.")
        if not info.name.endswith("__main__")
    ]


def test_every_public_name_is_the_documented_object_after_importing_everything() -> None:
    modules = all_submodules()  # importing a subpackage sets it as an attribute of its parent
    assert any(m.__name__ == "msc_model.solver" for m in modules)
    submodules = {m.__name__.split(".")[1] for m in modules}
    assert not submodules & set(msc_model.__all__), "a subpackage shadows a public name"
    for name in msc_model.__all__:
        if name == "__version__":
            continue
        found = getattr(msc_model, name)
        home = importlib.import_module(msc_model._EXPORTS[name])
        assert not isinstance(found, ModuleType), name
        assert found is getattr(home, name), name
    assert callable(msc_model.solve) and msc_model.solve.__module__ == "msc_model.solver.core"


@pytest.mark.slow
def test_readme_python_blocks_run(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = blocks("python")
    assert found, "the README has a python example"
    defined: dict[str, object] = {}
    for i, body in enumerate(found):
        namespace: dict[str, object] = {"__name__": "__main__"}  # as a script run directly
        exec(compile(body, f"README.md python block {i + 1}", "exec"), namespace)
        defined.update(namespace)
    assert not defined["results"].flows.empty
    assert defined["runs"]["run_id"].nunique() == 4 * (3 + 1)  # Morris: samples x (factors + 1)


@pytest.mark.slow
@pytest.mark.parametrize(
    "obj", public_objects(), ids=lambda o: getattr(o, "__name__", type(o).__name__)
)
def test_docstring_examples_run(obj, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for i, body in enumerate(docstring_examples(obj)):
        exec(compile(body, f"{obj!r} example {i + 1}", "exec"), {})


def test_the_examples_found_include_the_package_docstrings() -> None:
    assert "msc.solve(model" in "".join(docstring_examples(msc_model))
    assert "sweep(" in "".join(docstring_examples(importlib.import_module("msc_model.scenarios")))


def _marks(line: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.slow] if any(s in line for s in SLOW) else []


@pytest.fixture(scope="module")
def dask_address():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster.scheduler_address


@pytest.mark.parametrize(
    "line", [pytest.param(line, marks=_marks(line), id=line[:60]) for line in shell_lines()]
)
def test_readme_shell_line_runs_as_written(line: str, tmp_path: Path, request) -> None:
    shutil.copyfile(default_workbook(), tmp_path / "my_case.xlsx")
    if HOST in line:
        line = line.replace(HOST, request.getfixturevalue("dask_address"))
    args = shlex.split(line, comments=True)
    assert args[0] == "msc"
    proc = subprocess.run(
        [sys.executable, "-m", "msc_model", *args[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"{line}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    for target in re.findall(r"(?:-o|--out)\s+(\S+)", line):
        assert (tmp_path / target).exists(), target


def test_the_readme_has_the_shell_examples_it_promises() -> None:
    lines = shell_lines()
    assert any("--method sobol" in line and HOST not in line for line in lines)
    assert any("--method morris" in line for line in lines)
    assert len(lines) >= 10


def test_sweep_help_shows_the_factor_syntax_and_examples_that_parse(monkeypatch) -> None:
    from typer.testing import CliRunner

    from msc_model.cli import app
    from msc_model.inputs import load_inputs
    from msc_model.scenarios.design import EXAMPLES, SYNTAX, parse_factor

    monkeypatch.setenv("COLUMNS", "200")
    shown = CliRunner().invoke(app, ["sweep", "--help"])
    assert shown.exit_code == 0, shown.output
    assert SYNTAX in shown.output and "sweep sheet" in shown.output
    data = load_inputs(default_workbook())
    for spec, _what in EXAMPLES:
        assert f'--vary "{spec}"' in shown.output, spec  # verbatim: no markup ate a part
        assert parse_factor(spec, data).low < parse_factor(spec, data).high


def test_the_shipped_sweep_sheet_reads() -> None:
    from msc_model.inputs import load_inputs
    from msc_model.scenarios.design import read_factors

    factors = read_factors(default_workbook(), load_inputs(default_workbook()))
    assert [f.name for f in factors] == ["li_price", "cu_price", "cu_target"]
    # mutable Params: a sweep re-solves one model per worker, so the README's sweeps stay fast
    assert all(f.mutable for f in factors)
