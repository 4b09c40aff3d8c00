"""Release manifests: versions, counts per label and the sha256 of every release file.

A release folder ``annotations/releases/<X.Y.Z>/`` holds ``manifest.json`` and
``documents/<id>.json``. The manifest lists the sha256 of every file of the folder except
itself; verification names each file that differs from it.

Problem codes of this module:

=========================  ==============================================================
code                       meaning
=========================  ==============================================================
MANIFEST_MISSING           the release folder has no ``manifest.json``
MANIFEST_INVALID           the manifest is not of the documented shape (pointer says where)
MANIFEST_VERSION_MISMATCH  the manifest's version differs from the folder name
RELEASE_NAME_INVALID       a release folder whose name is not a version ``X.Y.Z``
CHECKSUM_MISMATCH          a release file whose sha256 differs from the manifest
RELEASE_FILE_MISSING       a file the manifest lists that is not in the folder
RELEASE_FILE_UNLISTED      a file in the folder that the manifest does not list
MANIFEST_COUNTS_MISMATCH   the counts recorded in the manifest differ from the documents
=========================  ==============================================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Location, Problem
from corpus.formats import native
from corpus.fsutil import sha256_file
from corpus.model import Document
from corpus.schema import inventory

MANIFEST = "manifest.json"
DOCUMENTS = "documents"

#: a release version: strict ``MAJOR.MINOR.PATCH`` without leading zeros (semver 2.0.0 core)
VERSION_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")

#: the shape of ``manifest.json`` (checked with the same jsonschema validator class)
MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "version",
        "date",
        "schema_version",
        "message",
        "corpus_version",
        "files",
        "counts",
    ],
    "properties": {
        "version": {"type": "string", "pattern": VERSION_RE.pattern},
        "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "schema_version": {"type": "string"},
        "labels_version": {"type": "string"},
        "message": {"type": "string"},
        "corpus_version": {"type": "string"},
        "files": {
            "type": "object",
            "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
        "counts": {"type": "object"},
    },
}


def parse_version(text: str) -> tuple[int, int, int] | None:
    """``(major, minor, patch)`` of a strict ``X.Y.Z`` version, else None."""
    match = VERSION_RE.match(text)
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return (major, minor, patch)


def version_key(text: str) -> tuple[int, tuple[int, int, int], str]:
    """Sort key: versions in semver order, anything else after them by name."""
    parsed = parse_version(text)
    return (0, parsed, "") if parsed else (1, (0, 0, 0), text)


@dataclass(frozen=True)
class Counts:
    """How many documents, mentions per entity label, relations per label, clusters, per split."""

    documents: int
    entities: dict[str, int]
    relations: dict[str, int]
    clusters: int
    splits: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "entities": self.entities,
            "relations": self.relations,
            "clusters": self.clusters,
            "splits": self.splits,
        }


def count(documents: Sequence[Document]) -> Counts:
    """Counts per label, in inventory order (labels with no mention count 0)."""
    labels = inventory()
    entities = dict.fromkeys(labels.entity_types, 0)
    relations = dict.fromkeys(labels.relation_types, 0)
    splits: dict[str, dict[str, int]] = {}
    for document in documents:
        for entity in document.entities:
            entities[entity.type] = entities.get(entity.type, 0) + 1
        for relation in document.relations:
            relations[relation.type] = relations.get(relation.type, 0) + 1
        assigned = document.metadata.get("split", "train")
        split = assigned if isinstance(assigned, str) else "unassigned"  # null: not yet
        totals = splits.setdefault(
            split, dict.fromkeys(("documents", "entities", "relations", "clusters"), 0)
        )
        totals["documents"] += 1
        totals["entities"] += len(document.entities)
        totals["relations"] += len(document.relations)
        totals["clusters"] += len(document.clusters)
    return Counts(
        len(documents),
        entities,
        relations,
        sum(len(d.clusters) for d in documents),
        dict(sorted(splits.items())),
    )


def release_files(folder: Path) -> dict[str, Path]:
    """Every file of a release folder except the manifest, by POSIX path relative to it."""
    files = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != MANIFEST:
            files[name] = path
    return files


def checksums(folder: Path) -> dict[str, str]:
    return {name: sha256_file(path) for name, path in release_files(folder).items()}


def build_manifest(
    *,
    version: str,
    date: str,
    message: str,
    corpus_version: str,
    schema_version: str,
    documents: Sequence[Document],
    folder: Path,
) -> dict[str, Any]:
    """The manifest of a staged release folder whose files are all written."""
    return {
        "version": version,
        "date": date,
        "schema_version": schema_version,
        "labels_version": inventory().version,
        "message": message,
        "corpus_version": corpus_version,
        "files": checksums(folder),
        "counts": count(documents).to_dict(),
    }


def read_manifest(folder: Path, *, display: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The manifest of a release folder if it is usable, and the problems found in it."""
    from jsonschema import Draft202012Validator

    problems: list[Problem] = []
    name = f"{display}/{MANIFEST}"
    if parse_version(folder.name) is None:
        problems.append(
            Problem(
                display,
                None,
                Location(),
                "RELEASE_NAME_INVALID",
                f"release folder {folder.name!r} is not a version X.Y.Z",
            )
        )
    path = folder / MANIFEST
    if not path.is_file():
        problems.append(
            Problem(name, None, Location(), "MANIFEST_MISSING", "the release has no manifest.json")
        )
        return None, problems
    try:
        data = native.read_json(path, display=name)
    except CorpusError as error:
        return None, problems + error.problems
    errors = sorted(
        Draft202012Validator(MANIFEST_SCHEMA).iter_errors(data),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    for schema_error in errors:
        problems.append(
            Problem(
                name,
                None,
                Location.at(*schema_error.absolute_path),
                "MANIFEST_INVALID",
                schema_error.message,
            )
        )
    if errors:
        return None, problems
    if data["version"] != folder.name:
        problems.append(
            Problem(
                name,
                None,
                Location.at("version"),
                "MANIFEST_VERSION_MISMATCH",
                f"manifest version {data['version']!r} differs from the "
                f"folder name {folder.name!r}",
            )
        )
    return data, problems


@dataclass
class ChecksumReport:
    problems: list[Problem]
    verified: int


def verify_checksums(folder: Path, data: dict[str, Any], *, display: str) -> ChecksumReport:
    """Compare the folder's files with the manifest's ``files``; name every difference."""
    listed: dict[str, str] = data["files"]
    present = release_files(folder)
    problems = []
    verified = 0
    for name, expected in sorted(listed.items()):
        path = present.get(name)
        where = f"{display}/{MANIFEST}"
        location = Location.at("files", name)
        if path is None:
            problems.append(
                Problem(
                    where,
                    None,
                    location,
                    "RELEASE_FILE_MISSING",
                    f"{name} is listed in the manifest but missing",
                )
            )
            continue
        actual = sha256_file(path)
        if actual != expected:
            problems.append(
                Problem(
                    f"{display}/{name}",
                    None,
                    Location(),
                    "CHECKSUM_MISMATCH",
                    f"sha256 {actual} differs from the manifest's {expected}: "
                    "the released file was changed",
                )
            )
        else:
            verified += 1
    for name in sorted(set(present) - set(listed)):
        problems.append(
            Problem(
                f"{display}/{name}",
                None,
                Location(),
                "RELEASE_FILE_UNLISTED",
                "the file is not listed in the manifest",
            )
        )
    return ChecksumReport(problems, verified)


def _nonzero(value: Any) -> Any:
    """Label counts without zeros: labels appended to the inventory later do not count."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v != 0}
    return value


def release_of(path: Path) -> Path | None:
    """The release folder a document file belongs to (``<release>/documents/<file>``)."""
    folder = path.parent.parent
    if path.parent.name == DOCUMENTS and (folder / MANIFEST).is_file():
        return folder
    return None


def verify_member(path: Path, folder: Path, *, display: str, release_display: str) -> list[Problem]:
    """For a single file of release ``folder``: its checksum against the release manifest."""
    data, problems = read_manifest(folder, display=release_display)
    problems = [p for p in problems if p.code != "RELEASE_NAME_INVALID"]
    if data is None:
        return problems
    return check_member(path, data, display=display)


def check_member(path: Path, data: dict[str, Any], *, display: str) -> list[Problem]:
    """A file of a release's ``documents/`` against the release's (already read) manifest."""
    name = f"{DOCUMENTS}/{path.name}"
    expected = data["files"].get(name)
    if expected is None:
        return [
            Problem(
                display,
                None,
                Location(),
                "RELEASE_FILE_UNLISTED",
                "the file is not listed in the manifest",
            )
        ]
    actual = sha256_file(path)
    if actual != expected:
        return [
            Problem(
                display,
                None,
                Location(),
                "CHECKSUM_MISMATCH",
                f"sha256 {actual} differs from the manifest's {expected}: "
                "the released file was changed",
            )
        ]
    return []


def verify_counts(
    data: dict[str, Any], documents: Sequence[Document], *, display: str
) -> list[Problem]:
    """The manifest's counts must be those of its documents."""
    return verify_count_totals(data, count(documents), display=display)


def verify_count_totals(data: dict[str, Any], counts: Counts, *, display: str) -> list[Problem]:
    """The manifest's counts must be ``counts`` (the documents' counts, already totalled)."""
    actual = counts.to_dict()
    recorded = data["counts"]
    problems = []
    for key, value in actual.items():
        if _nonzero(recorded.get(key)) != _nonzero(value):
            problems.append(
                Problem(
                    f"{display}/{MANIFEST}",
                    None,
                    Location.at("counts", key),
                    "MANIFEST_COUNTS_MISMATCH",
                    f"counts.{key} is {recorded.get(key)!r} but the documents give {value!r}",
                )
            )
    return problems
