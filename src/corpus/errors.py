"""One error shape for the user: where (file, document, location), what (a code), and why.

A :class:`Location` is data (a JSON path, a line, a Label Studio task, annotation and
region, ...) rendered to the one-line form the user reads; the exit status of a
:class:`CorpusError` is derived from its problems' codes through the registry in
:mod:`corpus.codes`, never decided by the code that raises it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from corpus.codes import EXIT_PROBLEMS, EXIT_UNUSABLE, exit_status

__all__ = [
    "EXIT_PROBLEMS",
    "EXIT_UNUSABLE",
    "CorpusError",
    "Location",
    "Problem",
    "json_pointer",
    "problem_error",
    "problems_as_json",
]

PathPart = str | int


def json_pointer(*parts: PathPart) -> str:
    """An RFC 6901 pointer built from path parts (``~`` and ``/`` escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Location:
    """Where a problem is, as data; each part is None where it does not apply.

    ``json_path`` is the path of keys and indices into the JSON file (rendered as an RFC
    6901 pointer, ``()`` being the whole file); ``line``/``column`` (1-based) and ``byte``
    (0-based) locate it in a text file; ``task``, ``annotation``, ``region`` and
    ``relation`` name the Label Studio objects it belongs to, as their ids are written in
    the export.
    """

    json_path: tuple[PathPart, ...] | None = None
    line: int | None = None
    column: int | None = None
    byte: int | None = None
    task: str | None = None
    annotation: str | None = None
    region: str | None = None
    relation: str | None = None

    @classmethod
    def at(cls, *parts: PathPart) -> Location:
        """The location of a JSON value: ``Location.at("entities", 3, "end")``."""
        return cls(json_path=tuple(parts))

    @property
    def pointer(self) -> str:
        """The RFC 6901 pointer of ``json_path`` (empty when there is none)."""
        return json_pointer(*self.json_path) if self.json_path is not None else ""

    def named(self) -> str:
        """The named parts alone: ``task 3 annotation 101 region T1``, ``line 4 column 2``."""
        parts = [
            f"{name} {value}"
            for name, value in (
                ("task", self.task),
                ("annotation", self.annotation),
                ("region", self.region),
                ("relation", self.relation),
                ("line", self.line),
                ("column", self.column),
                ("byte", self.byte),
            )
            if value is not None
        ]
        return " ".join(parts)

    def __str__(self) -> str:
        named = self.named()
        if named and self.json_path is not None:
            return f"{named} at {self.pointer or '/'}"
        return named or self.pointer

    def to_dict(self) -> dict[str, Any]:
        """The parts that apply, ``json_path`` as a list."""
        data: dict[str, Any] = {}
        for name in ("json_path", "line", "column", "byte", "task", "annotation", "region"):
            value = getattr(self, name)
            if value is not None:
                data[name] = list(value) if name == "json_path" else value
        if self.relation is not None:
            data["relation"] = self.relation
        return data


@dataclass(frozen=True)
class Problem:
    """One problem, printed as one line: ``file: document: location: CODE: message``.

    ``code`` is stable and registered in :mod:`corpus.codes`.
    """

    file: str
    document: str | None
    location: Location
    code: str
    message: str

    @property
    def pointer(self) -> str:
        """The location in its one-line form (a JSON pointer, ``line N``, ...)."""
        return str(self.location)

    def __str__(self) -> str:
        where = f"{self.file}: {self.document or '-'}: {self.pointer or '/'}"
        return f"{where}: {self.code}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the one-line fields, and the location's parts as data."""
        return {
            "file": self.file,
            "document": self.document,
            "pointer": self.pointer,
            "code": self.code,
            "message": self.message,
            "location": self.location.to_dict(),
        }


class CorpusError(Exception):
    """A user-facing failure carrying one or more problems; its exit status comes from
    their codes (:func:`corpus.codes.exit_status`)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def exit_code(self) -> int:
        return exit_status(p.code for p in self.problems) or EXIT_PROBLEMS


def problem_error(
    file: str,
    code: str,
    message: str,
    *,
    document: str | None = None,
    location: Location | None = None,
) -> CorpusError:
    """A CorpusError with a single problem."""
    return CorpusError([Problem(file, document, location or Location(), code, message)])


def problems_as_json(problems: Iterable[Problem]) -> str:
    return json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2)
