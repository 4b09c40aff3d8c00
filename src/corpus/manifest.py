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
MANIFEST_CHANGED           a manifest whose sha256 differs from the one the index records
RELEASE_CHAIN_BROKEN       a manifest's ``previous`` link does not name the release before
                           it and the sha256 of that release's manifest
RELEASE_NOT_INDEXED        a release the index does not record (an interrupted release:
                           ``corpus release --repair`` records it)
RELEASE_MISSING            a release the index records whose folder is gone
INDEX_MISSING              releases exist but ``annotations/releases.sha256`` does not
INDEX_INVALID              a line of the index that is not ``<sha256>  releases/X.Y.Z/...``
CHANGELOG_ENTRY_MISSING    a release without its entry in ``annotations/CHANGELOG.md``
CHANGELOG_OUT_OF_DATE      ``CHANGELOG.md`` differs from the one the manifests give
=========================  ==============================================================

The history of the releases is tamper-evident: the index ``annotations/releases.sha256``
(``sha256sum`` format, one line per release, oldest first) records the sha256 of every
release's ``manifest.json``, and every manifest written since the index exists records in
``previous`` the version and manifest sha256 of the release before it (``null`` for a first
release). Releases made before that (1.0.0 and 1.1.0 of this corpus) have no ``previous``:
the index alone anchors them. ``CHANGELOG.md`` is generated from the manifests
(:func:`render_changelog`), so it never says anything they do not.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Location, Problem
from corpus.formats import native
from corpus.fsutil import sha256_bytes, sha256_file
from corpus.model import Document
from corpus.schema import compiled_check, inventory

MANIFEST = "manifest.json"
DOCUMENTS = "documents"
#: the index of the releases, beside the releases folder (``annotations/releases.sha256``)
INDEX = "releases.sha256"

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
        "previous": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["version", "sha256"],
                    "additionalProperties": False,
                    "properties": {
                        "version": {"type": "string", "pattern": VERSION_RE.pattern},
                        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                },
            ]
        },
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


class Tally:
    """:class:`Counts` kept as running totals, one document at a time, so that a set of
    any size is counted in flat memory; tallies of parts (one per file, from worker
    processes) add up with :meth:`merge`. The ids of documents with no split yet
    (``split: null``) are kept: a release refuses them by name."""

    def __init__(self) -> None:
        labels = inventory()
        self.documents = 0
        # Counters (counting at C speed) that start with every label, in inventory order
        self.entities: Counter[str] = Counter(dict.fromkeys(labels.entity_types, 0))
        self.relations: Counter[str] = Counter(dict.fromkeys(labels.relation_types, 0))
        self.clusters = 0
        self.splits: dict[str, dict[str, int]] = {}
        self.unassigned: list[str] = []

    def _add(
        self,
        document_id: str,
        split: Any,
        entity_types: Iterable[str],
        relation_types: Iterable[str],
        sizes: tuple[int, int, int],
    ) -> None:
        self.entities.update(entity_types)
        self.relations.update(relation_types)
        if split is None:
            self.unassigned.append(document_id)
        name = split if isinstance(split, str) else "unassigned"  # null: not yet
        totals = self.splits.get(name)
        if totals is None:
            totals = self.splits[name] = dict.fromkeys(_SPLIT_KEYS, 0)
        totals["documents"] += 1
        totals["entities"] += sizes[0]
        totals["relations"] += sizes[1]
        totals["clusters"] += sizes[2]
        self.documents += 1
        self.clusters += sizes[2]

    def add(self, document: Document) -> None:
        sizes = (len(document.entities), len(document.relations), len(document.clusters))
        self._add(
            document.id,
            document.metadata.get("split", "train"),
            (entity.type for entity in document.entities),
            (relation.type for relation in document.relations),
            sizes,
        )

    def add_data(self, data: dict[str, Any]) -> None:
        """Count a JSON document the validator accepted (no :class:`Document` built)."""
        entities, relations, clusters = data["entities"], data["relations"], data["clusters"]
        self._add(
            data["id"],
            data["metadata"].get("split", "train"),
            map(_TYPE, entities),
            map(_TYPE, relations),
            (len(entities), len(relations), len(clusters)),
        )

    def merge(self, other: Tally) -> None:
        self.entities.update(other.entities)
        self.relations.update(other.relations)
        for name, part in other.splits.items():
            totals = self.splits.setdefault(name, dict.fromkeys(_SPLIT_KEYS, 0))
            for key, number in part.items():
                totals[key] += number
        self.documents += other.documents
        self.clusters += other.clusters
        self.unassigned += other.unassigned

    def counts(self) -> Counts:
        return Counts(
            self.documents,
            dict(self.entities),
            dict(self.relations),
            self.clusters,
            {name: dict(totals) for name, totals in sorted(self.splits.items())},
        )


_SPLIT_KEYS = ("documents", "entities", "relations", "clusters")
_TYPE = itemgetter("type")


def count(documents: Iterable[Document]) -> Counts:
    """Counts per label, in inventory order (labels with no mention count 0)."""
    tally = Tally()
    for document in documents:
        tally.add(document)
    return tally.counts()


def release_files(folder: Path) -> dict[str, Path]:
    """Every file of a release folder except the manifest, by POSIX path relative to it,
    in path order (folders linked by a symlink are not entered, as ``Path.rglob``)."""
    found = []
    base = os.fspath(folder)
    for here, _, names in os.walk(base):
        relative = os.path.relpath(here, base)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        for name in names:
            if os.path.isfile(os.path.join(here, name)) and prefix + name != MANIFEST:
                found.append(prefix + name)
    found.sort(key=lambda name: name.split("/"))
    return {name: folder / name for name in found}


def checksums(folder: Path) -> dict[str, str]:
    return {name: sha256_file(path) for name, path in release_files(folder).items()}


def build_manifest(
    *,
    version: str,
    date: str,
    message: str,
    corpus_version: str,
    schema_version: str,
    counts: Counts,
    folder: Path,
    previous: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The manifest of a staged release folder whose files are all written; ``previous``
    is the version and manifest sha256 of the release before it (None for a first one)."""
    return {
        "version": version,
        "date": date,
        "schema_version": schema_version,
        "labels_version": inventory().version,
        "message": message,
        "corpus_version": corpus_version,
        "files": checksums(folder),
        "counts": counts.to_dict(),
        "previous": previous,
    }


@cache
def _manifest_passes() -> Callable[[Any], bool]:
    """The manifest schema compiled once per process (:func:`corpus.schema.compiled_check`):
    a manifest it accepts skips jsonschema, whose import alone takes about 2 s; any other
    goes through jsonschema, the authority for every message."""
    return compiled_check(MANIFEST_SCHEMA)


def _manifest_errors(data: Any) -> list[Any]:
    """jsonschema's errors of a manifest, in path order."""
    from jsonschema import Draft202012Validator

    return sorted(
        Draft202012Validator(MANIFEST_SCHEMA).iter_errors(data),
        key=lambda e: [str(p) for p in e.absolute_path],
    )


def read_manifest(folder: Path, *, display: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The manifest of a release folder if it is usable, and the problems found in it."""
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
    errors = [] if _manifest_passes()(data) else _manifest_errors(data)
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


def verify_checksums(
    folder: Path, data: dict[str, Any], *, display: str, known: Mapping[str, str] | None = None
) -> ChecksumReport:
    """Compare the folder's files with the manifest's ``files``; name every difference.
    ``known``: the sha256 of files already read (by their name in ``files``), not read again."""
    known = known or {}
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
        actual = known.get(name) or sha256_file(path)
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


# ------------------------------------------------------------------ history: index and chain

#: the command that repairs what :func:`history_problems` calls repairable
REPAIR = "corpus release --repair"

CHANGELOG_HEADER = (
    "# Changelog of the annotations\n\n"
    "One entry per release, newest first, written by `corpus release`. Released folders under\n"
    "`annotations/releases/` are never modified; `corpus diff OLD NEW` shows what changed.\n"
)

_INDEX_LINE = re.compile(r"^([0-9a-f]{64})  releases/([^/]+)/manifest\.json$")


def index_path(releases: Path) -> Path:
    """``annotations/releases.sha256`` for ``annotations/releases``."""
    return releases.parent / INDEX


def render_index(hashes: dict[str, str]) -> str:
    """The index text: ``sha256sum`` lines, oldest release first
    (``cd annotations && sha256sum -c releases.sha256`` checks it)."""
    return "".join(
        f"{hashes[v]}  releases/{v}/{MANIFEST}\n" for v in sorted(hashes, key=version_key)
    )


def changelog_entry(data: dict[str, Any]) -> str:
    """The CHANGELOG.md entry of one release, from its manifest alone."""
    counts = data["counts"]
    entities = sum(counts["entities"].values())
    relations = sum(counts["relations"].values())
    return (
        f"## {data['version']} - {data['date']}\n\n{data['message']}\n\n"
        f"{counts['documents']} document(s), {entities} entities, {relations} relations, "
        f"{counts['clusters']} clusters; document schema {data['schema_version']}, "
        f"labels {data.get('labels_version', '?')}.\n"
    )


def render_changelog(manifests: Sequence[dict[str, Any]]) -> str:
    """CHANGELOG.md: the header, then one entry per manifest, newest first."""
    ordered = sorted(manifests, key=lambda d: version_key(str(d["version"])), reverse=True)
    return "\n".join([CHANGELOG_HEADER, *(changelog_entry(data) for data in ordered)])


@dataclass
class History:
    """The releases of a project as their manifests and index say, before any judgement.

    ``versions`` are the release folders named ``X.Y.Z``, oldest first; ``hashes`` the
    sha256 of each readable ``manifest.json``; ``manifests`` those that are of the
    documented shape; ``index`` what ``releases.sha256`` records (None: no index file)."""

    releases: Path
    versions: list[str]
    hashes: dict[str, str]
    manifests: dict[str, dict[str, Any]]
    index: dict[str, str] | None
    index_problems: list[Problem]

    @property
    def index_file(self) -> Path:
        return index_path(self.releases)


def read_history(releases: Path, *, show: Callable[[Path], str]) -> History:
    """Read every manifest and the index (nothing is judged yet; see :func:`history_problems`)."""
    folders = []
    if releases.is_dir():
        folders = sorted(
            (p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: version_key(p.name),
        )
    versions = [p.name for p in folders if parse_version(p.name) is not None]
    hashes: dict[str, str] = {}
    manifests: dict[str, dict[str, Any]] = {}
    for version in versions:
        folder = releases / version
        try:
            raw = (folder / MANIFEST).read_bytes()
        except OSError:
            continue  # read_manifest reports it
        hashes[version] = sha256_bytes(raw)
        data, problems = read_manifest(folder, display=show(folder))
        if data is not None and not problems:
            manifests[version] = data
    index, index_problems = _read_index(index_path(releases), show=show)
    return History(releases, versions, hashes, manifests, index, index_problems)


def _read_index(
    path: Path, *, show: Callable[[Path], str]
) -> tuple[dict[str, str] | None, list[Problem]]:
    if not path.exists():
        return None, []
    name = show(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8"
        return {}, [
            Problem(name, None, Location(), "INDEX_INVALID", f"cannot read the index: {reason}")
        ]
    index: dict[str, str] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _INDEX_LINE.match(line)
        if match is None or parse_version(match.group(2)) is None:
            problems.append(
                Problem(
                    name,
                    None,
                    Location(line=number),
                    "INDEX_INVALID",
                    f"{line[:80]!r} is not '<sha256>  releases/X.Y.Z/{MANIFEST}'",
                )
            )
            continue
        index[match.group(2)] = match.group(1)
    return index, problems


def has_link(data: dict[str, Any] | None) -> bool:
    """Whether a manifest has the ``previous`` key (every manifest since the index does)."""
    return data is not None and "previous" in data


def _link(data: dict[str, Any] | None) -> tuple[bool, dict[str, str] | None]:
    """Whether a manifest has the ``previous`` key, and its value."""
    if not has_link(data):
        return False, None
    assert data is not None
    value = data["previous"]
    return True, value if isinstance(value, dict) else None


def trailing_unindexed(history: History) -> list[str]:
    """The newest releases the index does not record, when all older ones are recorded:
    the mark of a release interrupted between publishing its folder and recording it."""
    if history.index is None:
        return []
    tail: list[str] = []
    for version in reversed(history.versions):
        if version in history.index:
            break
        tail.insert(0, version)
    return tail


def release_record_problems(
    history: History, version: str, *, show: Callable[[Path], str]
) -> list[Problem]:
    """The index and chain problems of one release of ``history`` (none for a folder that
    is not named as a release)."""
    if version not in history.versions:
        return []
    folder = history.releases / version
    name = f"{show(folder)}/{MANIFEST}"
    index_name = show(history.index_file)
    problems = []
    actual = history.hashes.get(version)
    recorded = None if history.index is None else history.index.get(version)
    if actual is not None and recorded is not None and actual != recorded:
        problems.append(
            Problem(
                name,
                None,
                Location(),
                "MANIFEST_CHANGED",
                f"sha256 {actual} differs from the {recorded} recorded in {index_name}: the "
                "released manifest was edited; releases are never modified, restore it "
                "(git checkout)",
            )
        )
    elif actual is not None and history.index is not None and recorded is None:
        if version in trailing_unindexed(history):
            why = f"a `corpus release` was interrupted after publishing it; `{REPAIR}` records it"
        else:
            why = "older releases are recorded after it, so it was added by hand"
        problems.append(
            Problem(
                name,
                None,
                Location(),
                "RELEASE_NOT_INDEXED",
                f"release {version} is not recorded in {index_name}: {why}",
            )
        )
    has_link, link = _link(history.manifests.get(version))
    position = history.versions.index(version)
    before = history.versions[position - 1] if position else None
    if has_link:
        message = None
        if link is None and before is not None:
            message = f"it records no previous release, but release {before} comes before it"
        elif link is not None and link["version"] != before:
            message = (
                f"it records {link['version']} as the previous release, but the release "
                f"before it is {before or 'none'}"
            )
        elif (
            link is not None and before is not None and history.hashes.get(before) != link["sha256"]
        ):
            message = (
                f"it records sha256 {link['sha256']} for the manifest of {before}, which now "
                f"has {history.hashes.get(before, 'no readable manifest')}: that manifest was "
                "edited after this release was made"
            )
        if message is not None:
            problems.append(
                Problem(name, None, Location.at("previous"), "RELEASE_CHAIN_BROKEN", message)
            )
    elif version in history.manifests:
        chained = [v for v in history.versions[:position] if _link(history.manifests.get(v))[0]]
        if chained:
            problems.append(
                Problem(
                    name,
                    None,
                    Location(),
                    "RELEASE_CHAIN_BROKEN",
                    f"it has no 'previous' link, but release {chained[0]} before it has one: "
                    "the link was removed",
                )
            )
    return problems


def index_problems(history: History, *, show: Callable[[Path], str]) -> list[Problem]:
    """Problems of the index itself: unreadable lines, missing, recording a removed release."""
    problems = list(history.index_problems)
    index_name = show(history.index_file)
    if history.index is None and history.versions:
        problems.append(
            Problem(
                index_name,
                None,
                Location(),
                "INDEX_MISSING",
                f"the index of the releases' manifests is missing; `{REPAIR}` records the "
                "manifests as they are now (check `git status annotations` first)",
            )
        )
    for version in sorted(history.index or {}, key=version_key):
        if version not in history.versions:
            problems.append(
                Problem(
                    index_name,
                    None,
                    Location(),
                    "RELEASE_MISSING",
                    f"release {version} is recorded but its folder "
                    f"{show(history.releases / version)} is gone; releases are never removed, "
                    "restore it (git checkout)",
                )
            )
    return problems


def history_problems(history: History, *, show: Callable[[Path], str]) -> list[Problem]:
    """Problems of the set of releases as a whole: the index and every release's record."""
    problems = index_problems(history, show=show)
    for version in history.versions:
        problems += release_record_problems(history, version, show=show)
    return problems


def changelog_problems(
    history: History, changelog: Path, *, show: Callable[[Path], str]
) -> list[Problem]:
    """``CHANGELOG_ENTRY_MISSING`` per release without its heading, else
    ``CHANGELOG_OUT_OF_DATE`` when the text differs from :func:`render_changelog`."""
    name = show(changelog)
    try:
        text: str | None = changelog.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    lines = text.splitlines() if text is not None else []
    problems = [
        Problem(
            name,
            None,
            Location(),
            "CHANGELOG_ENTRY_MISSING",
            f"no entry '## {version} - DATE' for release {version}; `{REPAIR}` writes "
            "CHANGELOG.md from the manifests",
        )
        for version in history.versions
        if not any(line.startswith(f"## {version} ") for line in lines)
    ]
    if problems or text is None or set(history.manifests) != set(history.versions):
        return problems  # an unusable manifest is reported on its own
    expected = render_changelog(list(history.manifests.values()))
    if text == expected:
        return []
    wanted = expected.splitlines()
    at = next(
        (i for i, (a, b) in enumerate(zip(lines, wanted, strict=False)) if a != b),
        min(len(lines), len(wanted)),
    )
    found = repr(lines[at]) if at < len(lines) else "the end of the file"
    should = repr(wanted[at]) if at < len(wanted) else "the end of the file"
    return [
        Problem(
            name,
            None,
            Location(line=at + 1),
            "CHANGELOG_OUT_OF_DATE",
            f"has {found[:120]} where the release manifests give {should[:120]}; "
            f"CHANGELOG.md is generated from them: `{REPAIR}` rewrites it",
        )
    ]
