"""``corpus validate``, ``corpus release``, ``corpus diff`` and ``corpus stats``.

Thin commands over :mod:`corpus.validate`, :mod:`corpus.release` and :mod:`corpus.diff`.
``validate`` prints its problems itself (one line each on stdout, then one summary line per
checked set) because it also reports what was clean; the other commands raise
:class:`~corpus.errors.CorpusError`, which the dispatcher prints.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from corpus import manifest
from corpus.cli.options import FORMATS, add_source_argument, add_version_option
from corpus.codes import exit_status
from corpus.paths import project_root
from corpus.progress import set_quiet
from corpus.release import create_release, diff, repair_releases, resolve, stats
from corpus.schema import inventory
from corpus.sources import SOURCE_HELP, check_paths
from corpus.validate import display


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
        help=f"{SOURCE_HELP}, or the folder of all releases",
    )
    validate.add_argument("--format", choices=FORMATS, default="text")
    validate.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar (never shown in pipes)"
    )
    validate.set_defaults(handler=run_validate)

    release = subparsers.add_parser(
        "release",
        help="freeze the working copy as a new release",
        usage="corpus release VERSION -m MESSAGE | corpus release --repair",
        description="Validate the working copy and write annotations/releases/VERSION "
        "atomically, with a manifest of checksums and counts, its line in "
        "annotations/releases.sha256 and CHANGELOG.md regenerated from the manifests. "
        "--repair finishes an interrupted release (and rewrites CHANGELOG.md).",
    )
    release.add_argument(
        "version",
        metavar="VERSION",
        nargs="?",
        help="MAJOR.MINOR.PATCH, greater than the latest release",
    )
    release.add_argument("-m", "--message", help="what this release changes")
    release.add_argument(
        "--repair",
        action="store_true",
        help="remove what a killed release left, record a published release the index "
        "lacks, and rewrite CHANGELOG.md from the manifests",
    )
    release.set_defaults(handler=run_release, release_parser=release)

    diff = subparsers.add_parser(
        "diff",
        help="added, removed and changed annotations between two versions",
        description="Compare two versions: release versions, 'working' (the working copy) "
        "or paths (a release folder, a folder of documents, a document file).",
    )
    add_source_argument(diff, "old", "OLD")
    add_source_argument(diff, "new", "NEW")
    diff.add_argument("--format", choices=FORMATS, default="text")
    diff.set_defaults(handler=run_diff)

    stats = subparsers.add_parser(
        "stats",
        help="counts per label of a release",
        description="Counts per entity and relation label, clusters and splits of a release "
        "(default: the latest release, or the working copy when there is none).",
    )
    add_version_option(stats)
    stats.add_argument("--format", choices=FORMATS, default="text")
    stats.set_defaults(handler=run_stats)


def run_validate(args: argparse.Namespace) -> int:

    if args.quiet:
        set_quiet()
    reports = check_paths(args.paths)
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
    return exit_status(problem.code for problem in problems)


def run_release(args: argparse.Namespace) -> int:

    root = project_root()
    if args.repair:
        if args.version is not None or args.message is not None:
            args.release_parser.error("--repair takes no VERSION or -m")
        for note in repair_releases(root):
            print(note)
        print("the releases' index and CHANGELOG.md agree with the manifests")
        return 0
    if args.version is None or args.message is None:
        args.release_parser.error("VERSION and -m MESSAGE are required (or --repair)")
    notes: list[str] = []
    folder = create_release(args.version, args.message, root=root, notes=notes)
    for note in notes:
        print(note)
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
