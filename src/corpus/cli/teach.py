"""Teaching commands: ``render``, ``export brat|conll``, ``import brat``, ``agreement``.

Each handler parses its options, calls a plain function (``corpus.render``,
``corpus.formats.brat``, ``corpus.formats.conll``, ``corpus.agreement``) and prints a short
summary; user errors are :class:`~corpus.errors.CorpusError` for the dispatcher to print.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from corpus.model import Document


def _add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--version", metavar="V", default=None,
        help="release version (default: the latest release, or the working copy if there is "
             "none); 'working' for the working copy",
    )


def load_documents(version: str | None) -> tuple[str, list[Document]]:
    """(the version actually used, its documents): a release, or ``working``."""
    from corpus import release

    ref = release.resolve(version)
    return ref, release.load(ref)


def _render(args: argparse.Namespace) -> int:
    from corpus.paths import build_dir
    from corpus.render import write_page

    ref, documents = load_documents(args.version)
    output = Path(args.output) if args.output else build_dir() / "render" / f"{ref}.html"
    label = "working copy" if ref == "working" else f"release {ref}"
    write_page(documents, output, title=f"Annotated corpus, {label}")
    entities = sum(len(d.entities) for d in documents)
    relations = sum(len(d.relations) for d in documents)
    clusters = sum(len(d.clusters) for d in documents)
    print(f"wrote {output} ({label}: {len(documents)} documents, {entities} entities, "
          f"{relations} relations, {clusters} clusters)")
    return 0


def register(subparsers: Any) -> None:
    render = subparsers.add_parser(
        "render", help="write the annotated-article view as one self-contained HTML page",
        description="Write one self-contained HTML page (no network) showing the text with "
                    "every entity highlighted by type, nested mentions, relations linked to "
                    "their spans, selectable coreference clusters and a legend from the schema.",
    )
    _add_version(render)
    render.add_argument("-o", "--output", metavar="FILE.html",
                        help="output file (default: build/render/<version>.html)")
    render.set_defaults(handler=_render)
