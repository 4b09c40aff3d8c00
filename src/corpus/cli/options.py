"""Options shared by several commands, defined once so that they read the same everywhere."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from corpus.overwrite import Policy
from corpus.sources import SOURCE_HELP, VERSION_HELP

#: output formats of the commands that can print data
FORMATS = ("text", "json")


def add_version_option(parser: argparse.ArgumentParser) -> None:
    """``--version V``: which documents to read (:mod:`corpus.sources`; default: the latest
    release, or the working copy while there is no release)."""
    parser.add_argument("--version", metavar="V", default=None, help=VERSION_HELP)


def add_source_argument(parser: argparse.ArgumentParser, name: str, metavar: str) -> None:
    """A positional argument naming documents (a version, ``working`` or a path)."""
    parser.add_argument(name, metavar=metavar, help=SOURCE_HELP)


def add_overwrite_options(parser: argparse.ArgumentParser) -> None:
    """``--allow-erase``, ``--allow-text-change`` and ``--dry-run`` of every command that
    writes over working documents (:mod:`corpus.overwrite`)."""
    parser.add_argument(
        "--allow-erase",
        action="store_true",
        help="allow an import without annotations to replace a document that has some",
    )
    parser.add_argument(
        "--allow-text-change",
        action="store_true",
        help="allow an import to change a document's text or seed link",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check everything and print every change, but write nothing",
    )


def overwrite_policy(args: argparse.Namespace) -> Policy:
    """The :class:`corpus.overwrite.Policy` the options ask for."""
    return Policy(allow_erase=args.allow_erase, allow_text_change=args.allow_text_change)


def print_planned(planned: Sequence[Any], *, dry_run: bool) -> None:
    """One summary line per document an import writes (every change with ``--dry-run``)."""
    for item in planned:
        print(f"  {item.summary()}")
        if dry_run:
            for line in item.details():
                print(f"    {line}")
    if dry_run:
        print("dry run: nothing was written")
