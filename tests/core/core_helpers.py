"""Helpers of the core tests (the test folders are packages: ``tests.<area>.<module>``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DOC_ID = "000_d1ef755adda1dca7"
FIXTURE = FIXTURES / f"{DOC_ID}.json"

Mutation = Callable[[dict[str, Any]], Any]


def fixture_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def rewrite(path: Path, mutate: Mutation) -> None:
    """Apply ``mutate`` to the JSON of ``path`` (in place, or by returning a new value)
    and write it back."""
    data = json.loads(path.read_text(encoding="utf-8"))
    result = mutate(data)
    path.write_text(json.dumps(data if result is None else result), encoding="utf-8")


def codes(problems: Any) -> list[str]:
    return [problem.code for problem in problems]
