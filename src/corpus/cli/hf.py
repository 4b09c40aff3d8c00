"""``corpus build`` (the Hugging Face dataset folder) and ``corpus evaluate``.

Thin commands over :mod:`corpus.hf` and :mod:`corpus.evaluation` (which reads PRED and
GOLD through :mod:`corpus.sources`); ``datasets`` is imported only when a command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from corpus.cli.options import FORMATS, add_source_argument, add_version_option
from corpus.evaluation import evaluate_sources
from corpus.hf import build


def register(subparsers: Any) -> None:
    build = subparsers.add_parser(
        "build",
        help="write the Hugging Face dataset folder (Parquet + dataset card)",
        description="Write a script-free Hugging Face dataset folder for a release: "
        "configs documents, ner and relations as Parquet files, and a README.md dataset card "
        "declaring them, so that datasets.load_dataset(DIR, CONFIG) works with only "
        "`datasets` installed. Written to a staging folder and swapped into place.",
    )
    add_version_option(build)
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="output folder (default: build/dataset for a release, which holds releases only; "
        "build/dataset-working for the working copy)",
    )
    build.set_defaults(handler=run_build)

    evaluate = subparsers.add_parser(
        "evaluate",
        help="score predicted documents against gold ones",
        description="Entity scores in the strict, exact, partial and type schemes "
        "(SemEval 2013 task 9.1 as nervaluate defines them) and relation scores (strict, "
        "boundaries): micro and macro precision, recall and F1, per label, with the missed, "
        "spurious and incorrect items. PRED and GOLD are each a document file, a folder of "
        "documents, a release folder, a release version or 'working'. Documents are matched "
        "by id. Gold passes every check of `corpus validate`; predictions its JSON Schema "
        "layer (a model may predict crossing spans).",
    )
    add_source_argument(evaluate, "predicted", "PRED")
    add_source_argument(evaluate, "gold", "GOLD")
    evaluate.add_argument("--format", choices=FORMATS, default="text")
    evaluate.add_argument(
        "--errors", action="store_true", help="also list every non-correct item (text format)"
    )
    evaluate.set_defaults(handler=run_evaluate)


def run_build(args: argparse.Namespace) -> int:

    report = build(args.version, args.output)
    print(report.summary())
    return 0


def run_evaluate(args: argparse.Namespace) -> int:

    result = evaluate_sources(args.predicted, args.gold)
    if args.format == "json":
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(result.table())
    for group, results in (("entities", result.entities), ("relations", result.relations)):
        table = result.label_table(group)
        if not table:
            continue
        print("\n" + table)
        if args.errors:
            for name in results:
                for outcome in results[name].outcomes:
                    if outcome.kind != "correct":
                        print(f"  [{group} {name}] {outcome.describe()}")
    if result.unmatched_documents:
        print(
            f"\nno prediction for: {', '.join(result.unmatched_documents)} "
            "(scored as predicted empty)"
        )
    return 0
