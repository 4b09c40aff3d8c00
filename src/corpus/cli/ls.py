"""``corpus ls ...``: Label Studio config, export, import, and a local annotation server.

Thin commands over :mod:`corpus.formats.labelstudio` (conversion),
:mod:`corpus.ls_project` (files and the push, pull and serve workflows) and
:mod:`corpus.lsserver` (server and SDK).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from corpus import lsserver
from corpus.cli.options import (
    add_overwrite_options,
    add_version_option,
    overwrite_policy,
    print_planned,
)
from corpus.formats.labelstudio import UNKNOWN_ANNOTATOR, Selection, label_config
from corpus.fsutil import atomic_text_writer, atomic_write_text
from corpus.ls_project import (
    ExportFile,
    dump_export,
    import_export,
    prepare_serve,
    pull,
    push,
    start_serve,
)
from corpus.paths import project_root, refuse_release_output

MODES = ("predictions", "annotations", "none")


def register(subparsers: Any) -> None:
    ls = subparsers.add_parser(
        "ls",
        help="Label Studio: config, export, import, serve, push, pull",
        description="Open the corpus in Label Studio and bring annotations back, checked.",
    )
    commands = ls.add_subparsers(dest="ls_command", metavar="COMMAND", parser_class=type(ls))
    commands.required = True

    config = commands.add_parser(
        "config",
        help="print or write the labeling config XML",
        description="The labeling config generated from the schema.",
    )
    config.add_argument("-o", "--output", type=Path, metavar="FILE")
    config.set_defaults(handler=run_config)

    export = commands.add_parser(
        "export",
        help="write Label Studio tasks for a version",
        description="Tasks (one per document) with the text and document id in data and the "
        "annotations as predictions (model_version = the version), submitted annotations, "
        "or none (blank tasks). A document not annotated yet carries the pre-annotator's "
        "predictions instead (not with --as none).",
    )
    _version_options(export)
    export.add_argument("-o", "--output", type=Path, metavar="FILE")
    _quiet_option(export)
    export.set_defaults(handler=run_export)

    imp = commands.add_parser(
        "import",
        help="check a Label Studio JSON export and write working annotations",
        description="Read Label Studio's JSON export, check every region against the task "
        "text, the seed and the schema, and write one document per task (and annotator) "
        "atomically; nothing is written if anything is wrong.",
    )
    imp.add_argument("export_file", type=Path, metavar="EXPORT.json")
    _import_options(imp)
    _quiet_option(imp)
    imp.set_defaults(handler=run_import)

    install = commands.add_parser(
        "install",
        help=f"install Label Studio into {'.venv-ls'}",
        description="Create .venv-ls and install Label Studio (once; a stamp marks success).",
    )
    install.set_defaults(handler=run_install)

    serve = commands.add_parser(
        "serve",
        help="start a local Label Studio with the corpus loaded",
        description="Install Label Studio on first use, start it on 127.0.0.1 with a local "
        "data folder, create the project and import the tasks on the first start, print the "
        "address and the login, and run until Ctrl-C.",
    )
    serve.add_argument(
        "--port", type=int, default=None, help="default: 8080 if free, else any free port"
    )
    serve.add_argument("--data-dir", type=Path, default=None, help="default: .ls-data")
    _version_options(serve)
    serve.set_defaults(handler=run_serve)

    push = commands.add_parser(
        "push",
        help="create or update a project on a Label Studio server",
        description="Create a project (or, with --project, update its labeling config) and "
        "import tasks for the documents it does not have yet (by document id; run it again "
        "after `corpus add`). Documents not annotated yet carry the pre-annotator's "
        "predictions. Token from LABEL_STUDIO_API_KEY.",
    )
    push.add_argument(
        "--url", default=None, help="default: $LABEL_STUDIO_URL or http://127.0.0.1:8080"
    )
    push.add_argument("--project", type=int, default=None, metavar="ID")
    push.add_argument("--title", default=None)
    _version_options(push)
    push.set_defaults(handler=run_push)

    pull = commands.add_parser(
        "pull",
        help="export a project through the API and import it",
        description="Fetch the project's JSON export with label-studio-sdk (annotators "
        "named by e-mail) and import the tasks with a submitted annotation as `corpus ls "
        "import` does; list the tasks still unannotated. A document several people "
        "annotated is written per annotator for adjudication (see --adjudication). Token "
        "from LABEL_STUDIO_API_KEY.",
    )
    pull.add_argument(
        "--url", default=None, help="default: $LABEL_STUDIO_URL or http://127.0.0.1:8080"
    )
    pull.add_argument("--project", type=int, required=True, metavar="ID")
    pull.add_argument(
        "--save-export", type=Path, default=None, metavar="FILE", help="also keep the raw export"
    )
    pull.add_argument(
        "--adjudication",
        type=Path,
        default=None,
        metavar="DIR",
        help="where a document annotated by several people goes, as DIR/<id>/<annotator>/ "
        "(default: annotations/adjudication)",
    )
    _import_options(pull)
    pull.set_defaults(handler=run_pull)


def _version_options(parser: argparse.ArgumentParser) -> None:
    add_version_option(parser)
    parser.add_argument(
        "--as",
        dest="mode",
        choices=MODES,
        default="predictions",
        help="how annotations travel (default: predictions)",
    )
    parser.add_argument(
        "--pre-annotator",
        dest="pre_annotator",
        default="gazetteer",
        metavar="SPEC",
        help="predictions for documents not annotated yet: 'gazetteer' (default: the gold "
        "mentions of the latest release), 'none', or a MODULE:FUNCTION from text to entities",
    )


def _quiet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar (never shown in pipes)"
    )


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="default: annotations/working (never a release)",
    )
    parser.add_argument(
        "--annotator",
        default=None,
        metavar="WHO",
        help="only this annotator (e-mail, user id or 'user N')",
    )
    parser.add_argument(
        "--ground-truth", action="store_true", help="only annotations marked ground truth"
    )
    parser.add_argument(
        "--by-annotator",
        action="store_true",
        help="one document per task and annotator, in DIR/<annotator>/ (needs -o DIR "
        "outside annotations/working)",
    )
    parser.add_argument(
        "--include-cancelled",
        action="store_true",
        help="also import cancelled (skipped) annotations",
    )
    add_overwrite_options(parser)


def _write_or_print(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return

    refuse_release_output(output, whole_folder=False)
    atomic_write_text(output, text)
    print(f"wrote {output}", file=sys.stderr)


def run_config(args: argparse.Namespace) -> int:

    _write_or_print(label_config(), args.output)
    return 0


def run_export(args: argparse.Namespace) -> int:

    if args.output is None:
        # spooled: nothing reaches stdout unless every document is valid
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
            dumped = dump_export(
                args.version, args.mode, spool, pre_annotation=args.pre_annotator, quiet=args.quiet
            )
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout)
            sys.stdout.flush()
    else:
        refuse_release_output(args.output, whole_folder=False)
        with atomic_text_writer(args.output) as handle:
            dumped = dump_export(
                args.version,
                args.mode,
                handle,
                pre_annotation=args.pre_annotator,
                quiet=args.quiet,
            )
        print(f"wrote {args.output}", file=sys.stderr)
    print(
        f"{dumped.count} task(s) of {dumped.version}, annotations as {args.mode}",
        file=sys.stderr,
    )
    _report_pre_annotated(dumped, sys.stderr)
    return 0


def _report_pre_annotated(exported: Any, stream: Any) -> None:
    if exported.pre_annotated:
        print(
            f"{len(exported.pre_annotated)} document(s) not annotated yet carry predictions of "
            f"{exported.model_version} (predictions, not annotations: "
            f"{', '.join(exported.pre_annotated)})",
            file=stream,
        )


def _selection(args: argparse.Namespace) -> Any:

    return Selection(
        annotator=args.annotator,
        include_cancelled=args.include_cancelled,
        ground_truth=args.ground_truth,
        by_annotator=args.by_annotator,
    )


def _imported_from(item: Any) -> str:
    """``task 3 annotation 7 by a@example.org``: the parts the export has (an export not made
    by Label Studio, such as ``ls export --as annotations``, may have none)."""
    parts = [
        f"{name} {value}"
        for name, value in (("task", item.task_id), ("annotation", item.annotation_id))
        if value is not None
    ]
    if item.annotator != UNKNOWN_ANNOTATOR:
        parts.append(f"by {item.annotator}")
    return " ".join(parts) or "an annotation with no task id, annotation id or annotator"


def _report_written(written: list[Any], *, dry_run: bool) -> None:

    root = project_root().resolve()
    for item in written:
        path = item.path.resolve()
        shown = path.relative_to(root) if root in path.parents else path
        print(
            f"{'would write' if dry_run else 'wrote'} {shown}: {_imported_from(item)}: "
            f"{item.entities} entities, {item.relations} relations, {item.clusters} clusters"
        )
    print_planned([item.planned for item in written if item.planned], dry_run=dry_run)
    if written and not dry_run:
        print("next: `corpus validate` and `corpus diff <version> working` show the changes")


def run_import(args: argparse.Namespace) -> int:

    export = ExportFile(args.export_file)
    export.scan(quiet=args.quiet)  # problems with the file itself come first
    written = import_export(
        export,
        file=str(args.export_file),
        out_dir=args.output,
        selection=_selection(args),
        policy=overwrite_policy(args),
        dry_run=args.dry_run,
        quiet=args.quiet,
    )
    _report_written(written, dry_run=args.dry_run)
    return 0


def run_install(args: argparse.Namespace) -> int:

    path = lsserver.install(project_root())
    print(f"Label Studio {lsserver.LABEL_STUDIO_VERSION} is installed: {path}")
    return 0


def run_push(args: argparse.Namespace) -> int:

    pushed = push(
        args.version,
        args.mode,
        url=args.url,
        project=args.project,
        title=args.title,
        pre_annotation=args.pre_annotator,
    )
    if pushed.created:
        print(f"created project {pushed.project}: {pushed.url}/projects/{pushed.project}")
    else:
        print(f"updated the labeling config of project {pushed.project}")
    exported = pushed.exported
    present = len(pushed.already_present)
    print(
        f"imported {len(pushed.imported)} task(s) of {exported.version} as {exported.mode}"
        + (f"; {present} already in the project, not imported again" if present else "")
    )
    _report_pre_annotated(exported, sys.stdout)
    return 0


def run_pull(args: argparse.Namespace) -> int:

    pulled = pull(
        args.project,
        url=args.url,
        save_export=args.save_export,
        out_dir=args.output,
        selection=_selection(args),
        adjudication=args.adjudication,
        policy=overwrite_policy(args),
        dry_run=args.dry_run,
    )
    _report_written([w for w in pulled.written if not w.adjudicate], dry_run=args.dry_run)
    for document, folder in pulled.adjudicate.items():
        names = sorted(
            w.annotator for w in pulled.written if w.adjudicate and w.document_id == document
        )
        print(
            f"to adjudicate: {document} was annotated by {', '.join(names)}; each version is in "
            f"{_shown(folder)}/ (working copy unchanged). Compare: corpus agreement "
            f"{_shown(folder)}; then keep one in Label Studio and pull with --annotator or "
            "--ground-truth"
        )
    for document, folder in pulled.stale.items():
        print(f"note: {document} is settled; {_shown(folder)}/ holds its earlier versions")
    if pulled.unannotated:
        listed = ", ".join(
            f"task {t.task} ({t.document or 'no document id'})" for t in pulled.unannotated
        )
        print(f"still unannotated: {len(pulled.unannotated)} task(s): {listed}")
    return 0


def _shown(path: Path) -> str:

    root = project_root().resolve()
    resolved = path.resolve()
    return str(resolved.relative_to(root)) if root in resolved.parents else str(path)


def run_serve(args: argparse.Namespace) -> int:

    plan = prepare_serve(
        args.version,
        args.mode,
        data_dir=args.data_dir,
        port=args.port,
        pre_annotation=args.pre_annotator,
    )
    print(
        f"starting Label Studio {lsserver.LABEL_STUDIO_VERSION} "
        + ("(first start about 1 min: it creates its database; " if plan.fresh else "(")
        + f"data: {plan.data_dir}, log: {plan.data_dir / 'server.log'})...",
        flush=True,
    )
    # SIGTERM (and SIGHUP) stop the server too, not only Ctrl-C
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _interrupt)
    serving = start_serve(plan)
    server = serving.server
    try:
        if serving.created:
            print(
                f"created project {serving.project} with {serving.tasks} task(s) of "
                f"{plan.version} (annotations as {plan.mode})"
            )
        elif serving.project is None:
            print(
                "this data folder has no project yet: copy the API token from Account & "
                "Settings, export it as LABEL_STUDIO_API_KEY and run "
                f"`corpus ls push --url {server.url}`"
            )
        project = "" if serving.project is None else serving.project
        print(
            f"\nLabel Studio is running at {server.url}\n"
            f"  project:  {server.url}/projects/{project}\n"
            f"  login:    {plan.login.username}\n"
            f"  password: {plan.login.password}\n"
            "API token: not shown; copy it from Account & Settings in the UI and export it "
            "as LABEL_STUDIO_API_KEY for `corpus ls pull`/`push`.\n"
            f"When done: corpus ls pull --url {server.url} --project {project or 'ID'}\n"
            "Press Ctrl-C to stop the server.",
            flush=True,
        )
        try:
            while server.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:  # Ctrl-C (or SIGTERM) is how the server is meant to stop
            print("\nstopping Label Studio...", flush=True)
            return 0
        print(
            f"Label Studio exited with status {server.process.returncode}: {server.log_tail()}",
            file=sys.stderr,
        )
        return 1
    finally:
        server.stop()


def _interrupt(number: int, frame: Any) -> None:
    raise KeyboardInterrupt
