"""Options shared by several commands, defined once so that they read the same everywhere."""

from __future__ import annotations

import argparse

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
