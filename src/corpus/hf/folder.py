"""Build the dataset folder: resolve the version, write Parquet and the card atomically,
and tell whether a folder is a build of the current content (the fingerprint).

Builds never mix: a release builds into ``build/dataset/`` by default, anything else (the
working copy, a folder or file of documents) into ``build/dataset-<name>/``
(``build/dataset-working/``), and ``build/dataset/`` refuses anything but a release
(``OUTPUT_RELEASES_ONLY``), so training code reading ``build/dataset`` never gets unreleased
data. The card and ``corpus-build.json`` name the version built.

The fingerprint covers what the folder depends on: the documents, the label schema, the
tokenizer, the card template and the code of every ``corpus`` module the build imports
(found by following the imports from this module, so code that moves stays covered).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import corpus.hf.card as card
from corpus.errors import CorpusError, Location, Problem
from corpus.fsutil import (
    atomic_write_text,
    discard_staging,
    publish_dir,
    staged_os_error,
    staging_dir,
)
from corpus.hf.features import CONFIGS, DEFAULT_CONFIG
from corpus.hf.pipeline import (
    DocumentRows,
    document_digest,
    file_digest,
    source_id,
    write_tables,
)
from corpus.hf.rows import BuildReport
from corpus.manifest import (
    parse_version,
    read_manifest,
)
from corpus.model import Document
from corpus.paths import build_dir, refuse_release_output
from corpus.release import WORKING, load_verified, release_path, verified_files
from corpus.schema import LABELS_FILE, schema_dir
from corpus.sources import open_source
from corpus.tokenize import tokenizer_description

#: bumped whenever the layout of the built folder changes
BUILD_FORMAT = 1
BUILD_INFO_FILE = "corpus-build.json"
#: the most rows in one Parquet file, per config; a split with more is written as shards
SHARD_ROWS = {"documents": 10_000, "ner": 100_000, "relations": 100_000}


# --------------------------------------------------------------------------- sources


def resolve_version(version: str | None) -> str:
    """The version ``version`` names (:mod:`corpus.sources`; None: the latest release, or
    ``working`` while there is none)."""
    return open_source(version).version


def load_documents(version: str) -> list[Document]:
    """The documents ``version`` names (:mod:`corpus.sources`): a release of the project
    checked by its checksums and record only (validated when it was made; see
    :func:`corpus.release.load_verified`), anything else validated in full."""
    return load_verified(version)


# --------------------------------------------------------------------------- fingerprint


def code_modules(root: str = __name__) -> list[str]:
    """The ``corpus`` modules ``root`` imports, directly or not (itself and the packages
    that contain them included), sorted by name.

    Found from the source: every ``import corpus...`` / ``from corpus... import ...``
    anywhere in a module (also inside functions) is followed."""
    seen: set[str] = set()
    pending = [root]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        pending += [".".join(parts[:i]) for i in range(1, len(parts))]
        path = _module_file(name)
        if path is None:
            continue
        pending += _imported_modules(path)
    return sorted(name for name in seen if _module_file(name) is not None)


@cache
def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            # ``from corpus.hf import card``: card may be a module
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return [n for n in names if n == "corpus" or n.startswith("corpus.")]


def code_files() -> list[Path]:
    """The source files of :func:`code_modules`, and the card template."""
    files = [path for name in code_modules() if (path := _module_file(name)) is not None]
    return [*files, card.TEMPLATE]


def fingerprint(documents: Iterable[Document], version: str) -> str:
    """What a build depends on: documents, labels, tokenizer and the code it imports.

    A build of a verified release covers its document files' bytes instead (checked
    against the manifest, so they are the documents; :func:`verified_files`)."""
    ordered = sorted(documents, key=lambda d: d.id)
    return digests_fingerprint((document_digest(d) for d in ordered), version)


def digests_fingerprint(digests: Iterable[bytes], version: str) -> str:
    """:func:`fingerprint` from the documents' digests (:func:`~corpus.hf.pipeline.
    document_digest`) in id order, as a build computes them one document at a time."""
    digest = hashlib.sha256()
    for part in (
        f"format {BUILD_FORMAT}".encode(),
        version.encode(),
        tokenizer_description().encode(),
        (schema_dir() / LABELS_FILE).read_bytes(),
        *(path.read_bytes() for path in code_files()),
    ):
        digest.update(part)
        digest.update(b"\0")
    for document in digests:
        digest.update(document)
    return digest.hexdigest()


# --------------------------------------------------------------------------- build


#: the folder of release builds, under ``build/``; other builds go to ``<this>-<name>``
RELEASE_BUILD = "dataset"


def is_release(version: str) -> bool:
    """Whether ``version`` names a release (``X.Y.Z``, as :mod:`corpus.sources` reads it)."""
    return version != WORKING and parse_version(version) is not None


def default_output(version: str | None = None) -> Path:
    """Where ``version`` builds by default: ``build/dataset`` for a release (None: the latest
    release, or the working copy while there is none), ``build/dataset-working`` for the
    working copy, ``build/dataset-<name>`` for another folder or file of documents."""
    source = open_source(version)
    if source.is_release:
        return build_dir() / RELEASE_BUILD
    return build_dir() / f"{RELEASE_BUILD}-{source.name}"


def refuse_mixed_output(target: Path, version: str) -> None:
    """``OUTPUT_RELEASES_ONLY`` (exit 2) when ``target`` is ``build/dataset`` and ``version``
    is not a release: that folder holds release builds only."""
    releases_only = Path(os.path.realpath(build_dir() / RELEASE_BUILD))
    if target == releases_only and not is_release(version):
        raise CorpusError(
            [
                Problem(
                    str(target),
                    None,
                    Location(),
                    "OUTPUT_RELEASES_ONLY",
                    f"this folder holds builds of releases only, and {version!r} is not a "
                    f"release; build it into {default_output(version)} (the default) or "
                    "another folder",
                )
            ]
        )


def build(version: str | None = None, output: Path | None = None) -> BuildReport:
    """Build the dataset folder for a release (latest when None, ``working`` for the
    working copy). Written to a staging folder, then swapped into place."""
    version = resolve_version(version)
    target = output or default_output(version)
    refuse_mixed_output(Path(os.path.realpath(target)), version)
    files = verified_files(version)
    documents = load_documents(version) if files is None else files
    return build_documents(documents, version, target, release_date=release_date(version))


def release_date(version: str) -> str | None:
    """The date in a release's manifest (None for the working copy or an unreadable one)."""
    if version == WORKING:
        return None
    data, _ = read_manifest(release_path(version), display=version)
    return str(data["date"]) if data else None


def build_documents(
    documents: Sequence[Document | Path],
    version: str,
    output: Path | None = None,
    *,
    release_date: str | None = None,
) -> BuildReport:
    """Build the dataset folder from documents already loaded (and validated), or from
    the files of a verified release (:func:`verified_files`, read one at a time);
    ``release_date`` (the release's manifest date) dates the card's citation. The default
    output is ``version``'s (:func:`default_output`). The rows are built in worker
    processes for a large corpus (:func:`~corpus.hf.pipeline.build_jobs`)."""
    target = Path(os.path.realpath(output or default_output(version)))  # no raise on a loop
    refuse_release_output(target)
    refuse_mixed_output(target, version)
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / BUILD_INFO_FILE).is_file())
    ):
        raise CorpusError(
            [
                Problem(
                    str(target),
                    None,
                    Location(),
                    "OUTPUT_NOT_A_DATASET",
                    "the output exists and is not a dataset folder built by `corpus build`; "
                    "it is left alone (choose an empty or new folder)",
                )
            ]
        )
    staged = staging_dir(target)
    try:
        digests: list[bytes] = []
        facts = card.CardFacts()  # what the card says of the documents, gathered as they come

        def keep(rows: DocumentRows) -> None:
            digests.append(rows.digest)
            facts.add(rows.stub)

        report, written = _write_configs(documents, version, staged, keep)
        report.output = target
        text = card.render_card(report, facts, written, staged, release_date)
        atomic_write_text(staged / "README.md", text)
        info = {
            "version": version,
            "release": is_release(version),
            "fingerprint": digests_fingerprint(digests, version),
            "report": report.to_json(),
        }
        atomic_write_text(
            staged / BUILD_INFO_FILE, json.dumps(info, ensure_ascii=False, indent=2) + "\n"
        )
        _make_readable(staged)
        publish_dir(staged, target, replace=True)
    except BaseException as exc:
        discard_staging(staged)
        if isinstance(exc, OSError):  # name the output, never the hidden staging folder
            raise staged_os_error(exc, staged, target) from None
        raise
    return report


def _write_configs(
    documents: Sequence[Document | Path],
    version: str,
    folder: Path,
    each: Callable[[DocumentRows], None],
) -> tuple[BuildReport, dict[str, dict[str, card.WrittenSplit]]]:
    """Write every config's Parquet files into ``folder``: ``<config>/<split>.parquet``, or
    ``<config>/<split>-00000-of-00003.parquet`` and so on when a split has more rows than
    :data:`SHARD_ROWS` allows in one file. Each file's schema carries the features."""
    import pyarrow.parquet as pq

    shards: dict[tuple[str, str], list[tuple[Path, int, int]]] = {}

    def write(config: str, split: str, table: Any) -> None:
        parts = shards.setdefault((config, split), [])
        path = folder / config / f".{split}.part{len(parts)}"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, write_statistics=_statistics(table.schema))
        parts.append((path, table.num_rows, int(table.nbytes)))

    report = write_tables(documents, version, write, SHARD_ROWS, each=each)
    written: dict[str, dict[str, card.WrittenSplit]] = {}
    for config in CONFIGS:
        written[config] = {}
        for split in report.rows[config]:
            parts = shards[(config, split)]
            names = (
                [f"{split}.parquet"]
                if len(parts) == 1
                else [f"{split}-{i:05d}-of-{len(parts):05d}.parquet" for i in range(len(parts))]
            )
            for (path, _, _), name in zip(parts, names, strict=True):
                path.rename(folder / config / name)
            written[config][split] = card.WrittenSplit(
                files=tuple(f"{config}/{name}" for name in names),
                rows=sum(rows for _, rows, _ in parts),
                num_bytes=sum(size for _, _, size in parts),
            )
    return report, written


def _statistics(schema: Any) -> list[str]:
    """The Parquet columns (leaf paths) written with min/max statistics: all but the words
    of ``tokens`` (a query never filters on the smallest word, and they cost a third of
    the time to write a ``relations`` file)."""
    import pyarrow as pa

    def leaves(path: str, arrow_type: Any) -> list[str]:
        if pa.types.is_list(arrow_type):
            return leaves(f"{path}.list.element", arrow_type.value_type)
        if pa.types.is_struct(arrow_type):
            return [
                leaf
                for index in range(arrow_type.num_fields)
                for leaf in leaves(
                    f"{path}.{arrow_type.field(index).name}", arrow_type.field(index).type
                )
            ]
        return [path]

    return [
        leaf
        for field in schema
        if field.name != "tokens"
        for leaf in leaves(field.name, field.type)
    ]


def _make_readable(folder: Path) -> None:
    """Staging folders and atomic files are created private (0700/0600); the published
    dataset gets the usual permissions under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    for path in (folder, *folder.rglob("*")):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def is_current(version: str, output: Path | None = None) -> bool:
    """Whether ``output`` (default: ``version``'s folder) holds a build of exactly this
    version's current content."""
    target = output or default_output(version)
    info_path = target / BUILD_INFO_FILE
    if not info_path.is_file():
        return False
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    files = verified_files(version)
    current = (
        fingerprint(load_documents(version), version)
        if files is None
        else digests_fingerprint(map(file_digest, sorted(files, key=source_id)), version)
    )
    return bool(info.get("fingerprint") == current)


def load_dataset(
    config: str = DEFAULT_CONFIG, version: str | None = None, *, output: Path | None = None
) -> Any:
    """The ``DatasetDict`` of a config, building the folder first when it is missing or
    was built from other content (default folder: ``build/dataset`` for a release,
    ``build/dataset-working`` for the working copy, :func:`default_output`)."""
    import datasets

    if config not in CONFIGS:
        raise ValueError(f"unknown config {config!r}; expected one of {', '.join(CONFIGS)}")
    version = resolve_version(version)
    target = output or default_output(version)
    if not is_current(version, target):
        build(version, target)
    return datasets.load_dataset(str(target), config)
