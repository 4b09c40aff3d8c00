"""``corpus build`` (the Hugging Face dataset folder) and ``corpus evaluate``.

Thin commands over :mod:`corpus.hf` and :mod:`corpus.evaluation`; ``datasets`` is
imported only when a command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Problem, UnusableInputError


def register(subparsers: Any) -> None:
    build = subparsers.add_parser(
        "build",
        help="write the Hugging Face dataset folder (Parquet + dataset card)",
        description="Write a script-free Hugging Face dataset folder for a release: "
        "configs documents, ner and relations as Parquet files, and a README.md dataset card "
        "declaring them, so that datasets.load_dataset(DIR, CONFIG) works with only "
        "`datasets` installed. Written to a staging folder and swapped into place.",
    )
    build.add_argument(
        "--version",
        metavar="V",
        help="a release version (default: the latest) or 'working' for the working copy",
    )
    build.add_argument(
        "-o", "--output", type=Path, metavar="DIR", help="output folder (default: build/dataset)"
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
        "by id.",
    )
    evaluate.add_argument("predicted", metavar="PRED")
    evaluate.add_argument("gold", metavar="GOLD")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument(
        "--errors", action="store_true", help="also list every non-correct item (text format)"
    )
    evaluate.set_defaults(handler=run_evaluate)


def run_build(args: argparse.Namespace) -> int:
    from corpus.hf import build

    report = build(args.version, args.output)
    print(report.summary())
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from corpus.evaluation import evaluate

    predicted = read_documents(args.predicted, gold=False)
    gold = read_documents(args.gold, gold=True)
    result = evaluate(predicted, gold)
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


def read_documents(ref: str, *, gold: bool) -> list[Any]:
    """Documents from a path (file, folder, release folder) or a version / ``working``.

    Gold is fully validated. Predictions need only be valid JSON Schema documents (a
    model may predict crossing spans or spans whose text does not match).
    """
    from corpus.paths import project_root
    from corpus.release import WORKING, load

    path = Path(ref)
    if not path.exists():
        if ref == WORKING or ref[:1].isdigit():
            return list(load(ref))
        raise UnusableInputError(
            [
                Problem(
                    ref,
                    None,
                    "",
                    "NOT_FOUND",
                    "no such file or folder, and not a release version or 'working'",
                )
            ]
        )
    if gold:
        from corpus.validate import check_target

        reports = check_target(path, root=project_root())
        problems = [p for report in reports for p in report.problems]
        if problems:
            raise CorpusError(problems, 2 if any(r.unusable for r in reports) else 1)
        return [d for report in reports for d in report.documents]
    return _read_predictions(path)


def _read_predictions(path: Path) -> list[Any]:
    from corpus.errors import json_pointer
    from corpus.formats.native import document_files, from_dict, read_json
    from corpus.schema import document_validator

    files = [path] if path.is_file() else document_files(path)
    if path.is_dir() and (path / "documents").is_dir() and not files:
        files = document_files(path / "documents")
    if not files:
        raise UnusableInputError(
            [
                Problem(
                    str(path), None, "", "NO_DOCUMENTS", "the folder holds no *.json document files"
                )
            ]
        )
    documents = []
    problems = []
    seen: dict[str, Path] = {}
    for file in files:
        data = read_json(file)
        errors = sorted(document_validator().iter_errors(data), key=lambda e: list(e.path))
        if errors:
            doc_id = data.get("id") if isinstance(data, dict) else None
            problems += [
                Problem(
                    str(file),
                    doc_id if isinstance(doc_id, str) else None,
                    json_pointer(*error.path),
                    "SCHEMA",
                    error.message,
                )
                for error in errors
            ]
            continue
        document = from_dict(data)
        if document.id in seen:  # one of the two would be scored, the other silently dropped
            problems.append(
                Problem(
                    str(file),
                    document.id,
                    "/id",
                    "DUPLICATE_ID",
                    f"document id {document.id!r} is already used by {seen[document.id]}",
                )
            )
            continue
        seen[document.id] = file
        documents.append(document)
    if problems:
        raise CorpusError(problems)
    return documents
