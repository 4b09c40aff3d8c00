"""One error shape for the user: where (file, document, JSON pointer), what (a code), and why."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

#: exit status when the input was read and problems were found in it
EXIT_PROBLEMS = 1
#: exit status when the input could not be used at all (missing file, not JSON, bad arguments)
EXIT_UNUSABLE = 2


@dataclass(frozen=True)
class Problem:
    """One problem, printed as one line: ``file: document: pointer: CODE: message``.

    ``pointer`` is an RFC 6901 JSON pointer into the file (``/entities/3/end``), or a
    ``line N`` location for line-based formats; ``code`` is stable and documented.
    """

    file: str
    document: str | None
    pointer: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.document or '-'}: {self.pointer or '/'}"
        return f"{where}: {self.code}: {self.message}"

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


class CorpusError(Exception):
    """A user-facing failure carrying one or more problems and an exit status."""

    def __init__(self, problems: Iterable[Problem], exit_code: int = EXIT_PROBLEMS) -> None:
        self.problems = list(problems)
        self.exit_code = exit_code
        super().__init__("\n".join(str(problem) for problem in self.problems))


class UnusableInputError(CorpusError):
    """Input that cannot be read at all: missing file, not JSON, not a directory."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(problems, EXIT_UNUSABLE)


def problem_error(
    file: str,
    code: str,
    message: str,
    *,
    document: str | None = None,
    pointer: str = "",
    unusable: bool = False,
) -> CorpusError:
    """A CorpusError with a single problem."""
    problem = Problem(file, document, pointer, code, message)
    return UnusableInputError([problem]) if unusable else CorpusError([problem])


def json_pointer(*parts: str | int) -> str:
    """An RFC 6901 pointer built from path parts (``~`` and ``/`` escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def problems_as_json(problems: Iterable[Problem]) -> str:
    return json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2)
