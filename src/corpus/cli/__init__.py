"""The ``corpus`` command line: the only place that prints to the user or exits.

Each area has a thin module here (``core``, ``hf``, ``ls``, ``teach``) whose
``register(subparsers)`` adds its commands; a command parses its options, calls a
plain function elsewhere in the package and returns an exit status. A
:class:`~corpus.errors.CorpusError` becomes one line per problem on stderr and its
exit status, never a traceback; so does an ``OSError`` (``OS_ERROR``, exit 2).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool

import corpus
from corpus.errors import EXIT_UNUSABLE, CorpusError, Location, Problem, problems_as_json

#: modules that contribute subcommands, in the order they appear in ``--help``
COMMAND_MODULES = (
    "corpus.cli.core",
    "corpus.cli.grow",
    "corpus.cli.hf",
    "corpus.cli.ls",
    "corpus.cli.teach",
)

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"corpus: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_UNUSABLE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="corpus",
        description="Validate, release, package and convert the annotated teaching corpus.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"corpus {_package_version()}",
        help="print the package version and exit",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def _package_version() -> str:

    return str(corpus.__version__)


def printable_output() -> None:
    """Never fail on output: undecodable file names and odd strings (a lone surrogate in a
    document id) print as escapes, whichever command prints them."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    printable_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CorpusError as error:
        if getattr(args, "format", "text") == "json":
            print(problems_as_json(error.problems))
        else:
            for problem in error.problems:
                print(problem, file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("corpus: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except BrokenProcessPool:  # a worker process killed (corpus.workers)
        print(worker_failed_problem(), file=sys.stderr)
        return EXIT_UNUSABLE
    except OSError as exc:  # a path the file system refuses: an output that is a folder, ...
        print(os_error_problem(exc), file=sys.stderr)
        return EXIT_UNUSABLE


def worker_failed_problem() -> Problem:
    """One line for a worker process that stopped before its work was done."""
    return Problem(
        "-",
        None,
        Location(),
        "WORKER_FAILED",
        "a worker process stopped before its work was done (killed, or out of memory); "
        "nothing was published: run the command again, or with CORPUS_JOBS=1 in one process",
    )


def os_error_problem(exc: OSError) -> Problem:
    """One line for a file-system failure no command anticipated, naming the path: the
    target of a rename (``filename2``) rather than its hidden temporary source."""
    path = exc.filename2 or exc.filename
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileExistsError) and path is not None and not os.path.isdir(path):
        reason = "exists and is not a folder, so nothing can be written inside it"
    return Problem(
        os.fsdecode(path) if path is not None else "-", None, Location(), "OS_ERROR", reason
    )


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
