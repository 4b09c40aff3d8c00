"""``corpus add``, ``corpus split`` and ``corpus preannotate-eval``: growing the corpus.

Thin commands over :mod:`corpus.add`, :mod:`corpus.splits` and :mod:`corpus.preannotate`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from corpus import preannotate
from corpus.add import Provenance, add_texts
from corpus.cli.options import FORMATS, add_version_option
from corpus.sources import open_source
from corpus.splits import SPLITS, assign_splits, parse_ratios


def register(subparsers: Any) -> None:
    add = subparsers.add_parser(
        "add",
        help="add text files as seeds and unannotated working documents",
        description="Copy each text byte for byte into seeds/ and create its working document "
        "(no annotations, the seed hash, the metadata), after checking everything; nothing is "
        "written if any file is refused. Provenance not given is recorded as null.",
    )
    add.add_argument("files", nargs="+", metavar="FILE", help="UTF-8 text files, LF line ends")
    add.add_argument("--id", dest="doc_id", metavar="ID", help="document id (one FILE only)")
    add.add_argument(
        "--split", choices=SPLITS, help="the document's split (default: none, see corpus split)"
    )
    add.add_argument("--language", metavar="L", default="en", help="BCP 47 tag (default: en)")
    add.add_argument("--title", help="the text's title")
    add.add_argument("--outlet", help="who published it")
    add.add_argument("--url", help="where it was published (http or https)")
    add.add_argument("--author", help="who wrote it")
    add.add_argument("--published", metavar="DATE", help="publication date YYYY[-MM[-DD]]")
    add.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    add.set_defaults(handler=run_add)

    split = subparsers.add_parser(
        "split",
        help="assign train/validation/test to working documents without a split",
        description="Give each working document whose split is null or missing a split, "
        "deterministically from the seed and ratios, keeping every split already set.",
    )
    split.add_argument("--seed", type=int, default=0, help="the shuffle's seed (default 0)")
    split.add_argument(
        "--ratios", default="0.8,0.1,0.1", help="train,validation,test shares (default 0.8,0.1,0.1)"
    )
    split.add_argument("--dry-run", action="store_true", help="print, write nothing")
    split.set_defaults(handler=run_split)

    evaluate = subparsers.add_parser(
        "preannotate-eval",
        help="precision and recall of the pre-annotator on held-out gold",
        description="Leave-one-sentence-out: a gazetteer of the gold mentions of the other "
        "sentences pre-annotates each sentence, scored strictly against its gold. With "
        "--pre-annotator, that callable is scored on the whole documents instead.",
    )
    add_version_option(evaluate)
    evaluate.add_argument(
        "--pre-annotator", metavar="MODULE:FUNCTION", help="a callable text -> entities"
    )
    evaluate.add_argument("--format", choices=FORMATS, default="text")
    evaluate.set_defaults(handler=run_preannotate_eval)


def run_add(args: argparse.Namespace) -> int:

    provenance = Provenance(
        outlet=args.outlet,
        url=args.url,
        author=args.author,
        published=args.published,
        title=args.title,
    )
    results = add_texts(
        [Path(f) for f in args.files],
        doc_id=args.doc_id,
        split=args.split,
        language=args.language,
        provenance=provenance,
        dry_run=args.dry_run,
    )
    verb = "would add" if args.dry_run else "added"
    for item in results:
        if item.written:
            split = args.split or "none yet (corpus split assigns one)"
            print(f"{verb} {item.id} from {item.source}: {item.seed}, {item.working}")
            print(f"  split: {split}")
        else:
            print(f"unchanged {item.source}: the same text is {item.id} ({item.note})")
    return 0


def run_split(args: argparse.Namespace) -> int:

    ratios = parse_ratios(args.ratios)
    assignments = assign_splits(seed=args.seed, ratios=ratios, dry_run=args.dry_run)
    verb = "would assign" if args.dry_run else "assigned"
    sizes: dict[str, int] = {}
    for item in assignments:
        sizes[item.split] = sizes.get(item.split, 0) + 1
        if item.assigned:
            print(f"{verb} {item.split} to {item.document} ({item.file})")
    kept = sum(not item.assigned for item in assignments)
    new = len(assignments) - kept
    order = {name: i for i, name in enumerate(SPLITS)}
    ranked = sorted(sizes.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    totals = ", ".join(f"{name} {count}" for name, count in ranked)
    print(f"{new} assigned, {kept} kept; documents per split: {totals or 'none'}")
    return 0


def run_preannotate_eval(args: argparse.Namespace) -> int:

    source = open_source(args.version)
    name, documents = source.version, source.documents()
    if args.pre_annotator:
        annotator = preannotate.load_preannotator(args.pre_annotator)
        result = preannotate.score_preannotator(documents, annotator)
        title = (
            f"pre-annotator {annotator.model_version} on {name} ({len(documents)} document(s)); "
            "held out only if it never saw this text"
        )
    else:
        result = preannotate.leave_one_sentence_out(documents)
        sentences = len(preannotate.sentences_with_mentions(documents))
        title = (
            f"gazetteer, leave-one-sentence-out on {name}: {len(documents)} document(s), "
            f"{sentences} sentences"
        )
    if args.format == "json":
        micro = result.micro
        print(
            json.dumps(
                {
                    "version": name,
                    "pre_annotator": args.pre_annotator or "gazetteer (leave-one-sentence-out)",
                    "precision": micro.precision,
                    "recall": micro.recall,
                    "f1": micro.f1,
                    "counts": {
                        "gold": micro.possible,
                        "predicted": micro.actual,
                        "correct": micro.correct,
                        "incorrect": micro.incorrect,
                        "missed": micro.missed,
                        "spurious": micro.spurious,
                    },
                },
                indent=2,
            )
        )
    else:
        print(preannotate.report(result, title))
    return 0
