"""``corpus validate``, ``corpus release``, ``corpus diff`` and ``corpus stats``.

Thin commands over :mod:`corpus.validate`, :mod:`corpus.release` and :mod:`corpus.diff`.
``validate`` prints its problems itself (one line each on stdout, then one summary line per
checked set) because it also reports what was clean; the other commands raise
:class:`~corpus.errors.CorpusError`, which the dispatcher prints.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from corpus import manifest
from corpus.paths import project_root
from corpus.release import create_release, diff, resolve, stats
from corpus.schema import inventory
from corpus.validate import check_paths, display

FORMATS = ("text", "json")


def register(subparsers: Any) -> None:
    validate = subparsers.add_parser(
        "validate",
        help="check documents, folders and releases (default: working copy and every release)",
        description="Check the JSON Schema and what it cannot say (offsets, span text, seed, "
        "ids, relation arguments, clusters, crossing spans) and the checksums of releases. "
        "Exit 0 when clean, 1 when problems were found, 2 for unusable input.",
    )
    validate.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="a document file, a folder of documents or a release folder",
    )
    validate.add_argument("--format", choices=FORMATS, default="text")
    validate.set_defaults(handler=run_validate)

    release = subparsers.add_parser(
        "release",
        help="freeze the working copy as a new release",
        description="Validate the working copy and write annotations/releases/VERSION "
        "atomically, with a manifest of checksums and counts and a CHANGELOG.md entry.",
    )
    release.add_argument(
        "version", metavar="VERSION", help="MAJOR.MINOR.PATCH, greater than the latest release"
    )
    release.add_argument("-m", "--message", required=True, help="what this release changes")
    release.set_defaults(handler=run_release)

    diff = subparsers.add_parser(
        "diff",
        help="added, removed and changed annotations between two versions",
        description="Compare two versions: release versions or 'working' (the working copy).",
    )
    diff.add_argument("old", metavar="OLD", help="a release version or 'working'")
    diff.add_argument("new", metavar="NEW", help="a release version or 'working'")
    diff.add_argument("--format", choices=FORMATS, default="text")
    diff.set_defaults(handler=run_diff)

    stats = subparsers.add_parser(
        "stats",
        help="counts per label of a release",
        description="Counts per entity and relation label, clusters and splits of a release "
        "(default: the latest release, or the working copy when there is none).",
    )
    stats.add_argument(
        "--version", dest="version", metavar="V", help="a release version or 'working'"
    )
    stats.add_argument("--format", choices=FORMATS, default="text")
    stats.set_defaults(handler=run_stats)


def run_validate(args: argparse.Namespace) -> int:
    reports = check_paths([Path(p) for p in args.paths])
    problems = [problem for report in reports for problem in report.problems]
    if args.format == "json":
        print(
            json.dumps(
                {
                    "ok": not problems,
                    "sets": [report.to_dict() for report in reports],
                    "problems": [problem.to_dict() for problem in problems],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for problem in problems:
            print(problem)
        for report in reports:
            print(report.summary())
    if any(report.unusable for report in reports):
        return 2
    return 1 if problems else 0


def run_release(args: argparse.Namespace) -> int:
    root = project_root()
    folder = create_release(args.version, args.message, root=root)
    data = json.loads((folder / manifest.MANIFEST).read_text(encoding="utf-8"))
    counts = data["counts"]
    print(
        f"released {args.version} to {display(folder, root)}: {counts['documents']} "
        f"document(s), {sum(counts['entities'].values())} entities, "
        f"{sum(counts['relations'].values())} relations, {counts['clusters']} clusters, "
        f"{len(data['files'])} file(s) checksummed; CHANGELOG.md updated"
    )
    return 0


def run_diff(args: argparse.Namespace) -> int:
    result = diff(args.old, args.new)
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(result.render(), end="")
    return 0


def stats_table(name: str, counts: Any) -> str:
    """A readable table of counts per label (labels in inventory order)."""

    labels = inventory()
    entities = sum(counts.entities.values())
    relations = sum(counts.relations.values())
    lines = [
        f"corpus {name}: {counts.documents} document(s), {entities} entities, "
        f"{relations} relations, {counts.clusters} clusters"
    ]
    for split, totals in counts.splits.items():
        lines.append(
            f"  split {split}: {totals['documents']} document(s), "
            f"{totals['entities']} entities, {totals['relations']} relations, "
            f"{totals['clusters']} clusters"
        )
    lines += ["", f"{'entity label':<14}{'title':<26}{'mentions':>8}"]
    for label in labels.entities:
        lines.append(f"{label.name:<14}{label.title:<26}{counts.entities.get(label.name, 0):>8}")
    lines += ["", f"{'relation label':<18}{'title':<30}{'count':>6}"]
    for rel in labels.relations:
        lines.append(f"{rel.name:<18}{rel.title:<30}{counts.relations.get(rel.name, 0):>6}")
    return "\n".join(lines)


def run_stats(args: argparse.Namespace) -> int:
    name = resolve(args.version)
    counts = stats(name)
    if args.format == "json":
        print(json.dumps({"version": name, **counts.to_dict()}, ensure_ascii=False, indent=2))
    else:
        print(stats_table(name, counts))
    return 0
