"""Shared test setup: make ``tests/factory.py`` importable as ``factory`` from any test,
whatever pytest's import mode or whether ``tests`` becomes a package."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
