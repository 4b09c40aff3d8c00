"""Teaching commands: ``render``, ``export brat|conll|spacy``, ``import brat``, ``agreement``.

Each handler parses its options, calls a plain function (``corpus.render``,
``corpus.formats.brat``, ``corpus.formats.conll``, ``corpus.agreement``) and prints a short
summary; user errors are :class:`~corpus.errors.CorpusError` for the dispatcher to print.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus.agreement import agreement, load_annotations, report_json
from corpus.brat_project import import_folder
from corpus.cli.options import (
    FORMATS,
    add_overwrite_options,
    add_version_option,
    overwrite_policy,
    print_planned,
)
from corpus.errors import CorpusError
from corpus.formats import brat, conll, spacy
from corpus.model import Document
from corpus.paths import build_dir, project_root, working_dir
from corpus.render import write_page
from corpus.sources import open_source

if TYPE_CHECKING:
    from corpus.sources import Source


def load_documents(version: str | None) -> tuple[Source, list[Document]]:
    """The source ``--version`` names (:mod:`corpus.sources`) and its documents."""

    source = open_source(version)
    return source, source.documents()


def _render(args: argparse.Namespace) -> int:

    source, documents = load_documents(args.version)
    output = Path(args.output) if args.output else build_dir() / "render" / f"{source.name}.html"
    label = source.label
    write_page(documents, output, title=f"Annotated corpus, {label}")
    entities = sum(len(d.entities) for d in documents)
    relations = sum(len(d.relations) for d in documents)
    clusters = sum(len(d.clusters) for d in documents)
    print(
        f"wrote {output} ({label}: {len(documents)} documents, {entities} entities, "
        f"{relations} relations, {clusters} clusters)"
    )
    return 0


def _export_brat(args: argparse.Namespace) -> int:

    source, documents = load_documents(args.version)
    output = Path(args.output)
    files = brat.write(documents, output, replace=args.force)
    print(
        f"wrote {len(files)} files to {output} ({source.version}: {len(documents)} documents; "
        "nothing lost: metadata, seeds and cluster ids are in the .corpus.json sidecars)"
    )
    return 0


def _export_conll(args: argparse.Namespace) -> int:

    source, documents = load_documents(args.version)
    output = Path(args.output) if args.output else build_dir() / "conll" / f"{source.name}.conll"
    report = conll.write(documents, output, comments=not args.no_comments)
    print(f"wrote {output} ({source.version}): " + "\n".join(report.lines()))
    return 0


def _export_spacy(args: argparse.Namespace) -> int:

    source, documents = load_documents(args.version)
    default = build_dir() / "spacy" / source.name
    output = Path(args.output) if args.output else default
    report = spacy.export(documents, output, replace=args.force or output == default)
    print(f"wrote {output} ({source.version}): " + "\n".join(report.lines()))
    return 0


def _agreement(args: argparse.Namespace) -> int:
    from dataclasses import replace

    try:
        report = agreement(load_annotations(args.inputs))
    except CorpusError as error:  # agreement() is pure: locate its problems at the inputs
        where = " ".join(args.inputs)
        located = [replace(p, file=where) if p.file == "-" else p for p in error.problems]
        raise CorpusError(located) from None
    if args.format == "json":
        print(report_json(report))
    else:
        print(report.table(limit=args.limit or None))
    return 0


def _import_brat(args: argparse.Namespace) -> int:

    output = Path(args.output) if args.output else working_dir()
    planned = import_folder(
        Path(args.folder),
        output,
        root=project_root(),
        policy=overwrite_policy(args),
        dry_run=args.dry_run,
    )
    done = "would write them" if args.dry_run else "wrote them"
    print(f"read {len(planned)} documents from {args.folder}; {done} to {output}")
    print_planned(planned, dry_run=args.dry_run)
    return 0


def register(subparsers: Any) -> None:
    render = subparsers.add_parser(
        "render",
        help="write the annotated-article view as one self-contained HTML page",
        description="Write one self-contained HTML page (no network) showing the text with "
        "every entity highlighted by type, nested mentions, relations linked to "
        "their spans, selectable coreference clusters and a legend from the schema.",
    )
    add_version_option(render)
    render.add_argument(
        "-o",
        "--output",
        metavar="FILE.html",
        help="output file (default: build/render/<version>.html)",
    )
    render.set_defaults(handler=_render)

    export = subparsers.add_parser(
        "export",
        help="write a release in another tool's format (brat, conll, spacy)",
        description="Write a release (or the working copy) in another format.",
    )
    export_formats = export.add_subparsers(
        dest="format_name", metavar="FORMAT", parser_class=type(export)
    )
    export_formats.required = True
    export_brat = export_formats.add_parser(
        "brat",
        help="brat standoff: <id>.txt, <id>.ann, annotation.conf (lossless)",
        description="Write brat standoff files: <id>.txt, <id>.ann, a <id>.corpus.json "
        "sidecar (metadata, seed, cluster ids), and annotation.conf and visual.conf "
        "generated from the schema. The folder is written in one step.",
    )
    add_version_option(export_brat)
    export_brat.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        required=True,
        help="output folder (must not exist or be empty, unless --force)",
    )
    export_brat.add_argument(
        "--force", action="store_true", help="replace an existing output folder"
    )
    export_brat.set_defaults(handler=_export_brat)
    export_conll = export_formats.add_parser(
        "conll",
        help="CoNLL IOB2 columns (token, tag), as the `ner` config (lossy)",
        description="Write one token per line (TOKEN<TAB>TAG, IOB2) with a blank line between "
        "sentences, from the same tokens and nesting rule as the Hugging Face `ner` "
        "config. Prints what CoNLL cannot carry: relations, clusters, nested "
        "mentions, mentions cut by a token boundary, with counts.",
    )
    add_version_option(export_conll)
    export_conll.add_argument(
        "-o", "--output", metavar="FILE", help="output file (default: build/conll/<version>.conll)"
    )
    export_conll.add_argument(
        "--no-comments",
        action="store_true",
        help="leave out the '# document', '# sentence' and '# offsets' comment lines",
    )
    export_conll.set_defaults(handler=_export_conll)
    export_spacy = export_formats.add_parser(
        "spacy",
        help="spaCy DocBin training files (<split>.spacy) and a config.cfg for `spacy train`",
        description="Write one .spacy DocBin per split and a config.cfg (spaCy's init config "
        "for a blank English ner pipeline) so that `python -m spacy train` runs on it "
        "offline. Tokens, sentences and doc.ents are those of the `ner` config (outermost "
        "mention wins); every mention, nested ones included, is in doc.spans['sc']; "
        "coreference clusters are span groups, relations are in doc.user_data. Prints what "
        "is lost and the training command.",
    )
    add_version_option(export_spacy)
    export_spacy.add_argument(
        "-o", "--output", metavar="DIR", help="output folder (default: build/spacy/<version>)"
    )
    export_spacy.add_argument(
        "--force", action="store_true", help="replace an existing output folder"
    )
    export_spacy.set_defaults(handler=_export_spacy)

    import_ = subparsers.add_parser(
        "import",
        help="read annotations from another tool's format (brat)",
        description="Read annotations from another format into native JSON documents.",
    )
    import_formats = import_.add_subparsers(
        dest="format_name", metavar="FORMAT", parser_class=type(import_)
    )
    import_formats.required = True
    import_brat = import_formats.add_parser(
        "brat",
        help="brat standoff folder -> native JSON documents",
        description="Read every <id>.txt/<id>.ann (and <id>.corpus.json) of a brat folder, "
        "check it like `corpus validate`, and only if everything is clean write "
        "<id>.json files, all or none, printing what changes per document. Every problem "
        "is reported as one located line.",
    )
    import_brat.add_argument("folder", metavar="DIR", help="the brat folder")
    import_brat.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="folder for the JSON documents (default: the working copy, annotations/working)",
    )
    add_overwrite_options(import_brat)
    import_brat.set_defaults(handler=_import_brat)

    agree = subparsers.add_parser(
        "agreement",
        help="inter-annotator agreement and the disagreements to adjudicate",
        description="Pairwise agreement between two or more annotations of the same documents: "
        "entity F1 (strict: same span and type; partial: overlapping span, same "
        "type), relation F1 (same type, strictly matching arguments), Cohen's kappa "
        "on IOB2 token tags (tokens of the `ner` config), and a table of "
        "disagreements. INPUT is a Label Studio JSON export with several "
        "annotators, a folder with one sub-folder per annotator, or two or more "
        "paths/versions (a document file, a folder of documents, a brat folder, "
        "a release version or 'working'), one per annotator.",
    )
    agree.add_argument("inputs", nargs="+", metavar="EXPORT_OR_DIR")
    agree.add_argument("--format", choices=FORMATS, default="text")
    agree.add_argument(
        "--limit",
        type=int,
        default=40,
        metavar="N",
        help="disagreements shown per pair (default 40; 0 for all)",
    )
    agree.set_defaults(handler=_agreement)
