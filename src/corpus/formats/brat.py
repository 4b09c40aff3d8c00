"""brat standoff: ``<id>.txt`` + ``<id>.ann`` per document, and ``annotation.conf``.

Specification: the brat standoff format, https://brat.nlplab.org/standoff.html, and the
configuration language, https://brat.nlplab.org/configuration.html.

What is written, per document:

- ``<id>.txt``: the text, byte for byte (UTF-8, LF line ends, nothing normalised);
- ``<id>.ann``, in document order:

  - one text-bound line per entity, ``T1<TAB>PER 44 58<TAB>Emomali Rahmon``;
  - one relation line per relation, ``R1<TAB>has_title Arg1:T5 Arg2:T4`` (Arg1 is the head,
    Arg2 the tail; symmetric types keep their stored order);
  - one equivalence line per coreference cluster, ``*<TAB>Coref T5 T10 T20``. We chose
    brat's equivalence (an unordered set, drawn by brat as one chain) over pairwise
    ``Coref`` relations because a cluster is a set, which is exactly what ``*`` lines
    mean; relations would invent an order and an id per pair;
  - ``#`` ``AnnotatorNotes`` lines only where a corpus id is not brat-shaped (below).
- ``<id>.corpus.json``: a sidecar with what brat has no place for: the document's
  metadata (split, language, provenance, annotation), its seed, and the ids of its
  clusters (brat equivalences carry no id). brat ignores the file.

For the collection, ``annotation.conf`` (entity types, relation types with their allowed
argument types, ``<REL-TYPE>:symmetric`` for symmetric types, the ``Coref`` equivalence,
and an ``<OVERLAP>`` rule allowing nested and equal spans, never crossing ones) and
``visual.conf`` (each type's title and colour): both generated from the schema. A
deprecated relation type is in ``annotation.conf`` only when the documents written use it
(a release 1.x), so annotators are not offered it for new work.

Offsets. brat's offsets are 0-based, end-exclusive *character* offsets into the ``.txt``
file: its server reads the file with ``codecs.open(..., encoding='utf8')`` and slices the
resulting Python string (``server/src/annotation.py``). That is the same convention as
ours (Unicode code points) for every character of the Basic Multilingual Plane, i.e. for
everything in this corpus (NBSP, curly quotes, em dashes included). Characters outside
it (emoji) are the known exception: brat's web client counts UTF-16 code units, so spans
after such a character are displayed one place off (nlplab/brat issue #1115). We write
code points, as the spec and the server do; files with astral characters work with our
reader and with Python tools, and look shifted in brat's browser view.

Ids. brat needs ``T<n>`` for text-bound annotations and ``R<n>`` for relations. A corpus
id already of that shape (the gold uses ``T1``, ``R1``, ``C1``) is written as is. Any
other id gets the next free ``T<n>``/``R<n>`` and an ``AnnotatorNotes`` line
``#1<TAB>AnnotatorNotes T7<TAB>corpus-id: <id>`` that the reader uses to restore it;
brat shows such notes to annotators and keeps them when a span is edited.

What this format loses or refuses:

- nothing, for documents of this corpus: ``read(write(doc)) == doc`` (tested on the
  release and with Hypothesis), as long as the ``.corpus.json`` sidecars travel with the
  files. Without a sidecar the reader uses metadata ``{"language": "und", "split":
  "train", "source": {"outlet": null, "url": null, ...}}`` and cluster ids ``C<n>``;
- spans across line breaks become brat discontinuous spans (``T1<TAB>X 0 5;6 9``, one
  fragment per line, which is what brat itself does) and are merged back on reading when
  the gaps hold only line breaks; a span that starts or ends with a line break, or a text
  with a carriage return, cannot be represented and is refused (``SPAN_EDGE_NEWLINE``,
  ``CARRIAGE_RETURN``);
- on reading, brat features our model does not have are errors, never dropped silently:
  events (``E``), attributes (``A``/``M``), normalisations (``N``), other discontinuous
  spans. Free-text ``AnnotatorNotes`` (other than ``corpus-id:``) are not kept.

Reading reports every problem at once, one line each, located as
``<file>.ann: <document>: line N: CODE: message``: ``MALFORMED_LINE``,
``UNSUPPORTED_ANNOTATION``, ``UNKNOWN_ENTITY_TYPE``, ``UNKNOWN_RELATION_TYPE``,
``BAD_OFFSETS``, ``TEXT_MISMATCH``, ``DISCONTINUOUS_SPAN``,
``DANGLING_ARGUMENT``, ``BAD_ARGUMENT_ROLES``, ``DUPLICATE_ID``, ``MISSING_TEXT``,
``UNREADABLE`` (a folder named like a file), the sidecar's ``BAD_SIDECAR``; once a folder
parses cleanly, every check of ``corpus validate`` (types a relation does not allow, crossing
spans, clusters, ...) mapped back to its ``.ann`` line. Nothing is written unless every
document is clean.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Problem, UnusableInputError
from corpus.fsutil import atomic_write_bytes, atomic_write_text, publish_dir, staging_dir
from corpus.model import Cluster, Document, Entity, Relation, Seed
from corpus.paths import refuse_release_output, refuse_replacing_project_folder
from corpus.schema import Inventory, inventory

TEXT_SUFFIX = ".txt"
ANN_SUFFIX = ".ann"
SIDECAR_SUFFIX = ".corpus.json"
SIDECAR_FORMAT = "corpus-brat-sidecar"
SIDECAR_VERSION = 1
#: the brat equivalence type used for coreference clusters
COREF = "Coref"
NOTE_PREFIX = "corpus-id: "
DEFAULT_METADATA: dict[str, Any] = {
    "language": "und",
    "split": "train",
    "source": {
        "outlet": None,
        "url": None,
        "note": "imported from brat without a .corpus.json sidecar",
    },
}

_ENTITY_ID = re.compile(r"T[0-9]+")
_RELATION_ID = re.compile(r"R[0-9]+")
_LINE_BREAKS = "\n"


# ------------------------------------------------------------------------------------ writing


def annotation_conf(labels: Inventory | None = None, used: Iterable[str] = ()) -> str:
    """brat's ``annotation.conf`` for the inventory.

    Relation types are the current ones (deprecated ones are not offered to annotators) and
    the deprecated ones in ``used`` (the types of the documents written), so that brat does
    not flag the relations of a release 1.x as unknown."""
    labels = labels or inventory()
    used = set(used)
    if COREF in labels.relation_types:
        raise ValueError(f"the relation type {COREF!r} clashes with the coreference equivalence")
    lines = [
        f"# Generated from schema/labels.schema.json (labels {labels.version}) by"
        " `corpus export brat`; edit the schema, not this file.",
        "[entities]",
        *labels.entity_types,
        "",
        "[relations]",
        "# Mentions may nest or share a span; they never cross.",
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:contain|equal",
        "# Coreference clusters are written as equivalences: '*<TAB>Coref T1 T2 ...'",
        f"{COREF}\tArg1:<ENTITY>, Arg2:<ENTITY>, <REL-TYPE>:symmetric-transitive",
    ]
    for relation in labels.relations:
        if relation.deprecated and relation.name not in used:
            continue
        args = f"Arg1:{'|'.join(relation.head)}, Arg2:{'|'.join(relation.tail)}"
        if relation.symmetric:
            args += ", <REL-TYPE>:symmetric"
        lines.append(f"{relation.name}\t{args}")
    lines += ["", "[events]", "", "[attributes]", ""]
    return "\n".join(lines)


def visual_conf(labels: Inventory | None = None) -> str:
    """brat's ``visual.conf``: each label's title and the schema's colour."""
    labels = labels or inventory()
    lines = ["# Generated from schema/labels.schema.json by `corpus export brat`.", "[labels]"]
    lines += [f"{label.name} | {label.title}" for label in labels.entities]
    lines += [f"{label.name} | {label.title}" for label in labels.relations]
    lines += [f"{COREF} | Coreference", "", "[drawing]"]
    lines += [f"{label.name}\tbgColor:{label.color}" for label in labels.entities]
    lines += [f"{COREF}\tdashArray:3-3, arrowHead:none", ""]
    return "\n".join(lines)


def _brat_ids(ids: Sequence[str], pattern: re.Pattern[str], prefix: str) -> dict[str, str]:
    """corpus id -> brat id: brat-shaped ids kept, the others numbered after the largest."""
    used = {int(i[1:]) for i in ids if pattern.fullmatch(i)}
    next_number = max(used, default=0) + 1
    mapping = {}
    for corpus_id in ids:
        if pattern.fullmatch(corpus_id):
            mapping[corpus_id] = corpus_id
        else:
            mapping[corpus_id] = f"{prefix}{next_number}"
            next_number += 1
    return mapping


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span split at line breaks: brat lines cannot hold a newline."""
    fragments = []
    position = start
    while position < end:
        while position < end and text[position] in _LINE_BREAKS:
            position += 1
        stop = position
        while stop < end and text[stop] not in _LINE_BREAKS:
            stop += 1
        if stop > position:
            fragments.append((position, stop))
        position = stop
    return fragments


def _export_problems(document: Document, ann_name: str) -> list[Problem]:
    problems = []
    if "\r" in document.text:
        at = document.text.index("\r")
        problems.append(
            Problem(
                ann_name,
                document.id,
                "/text",
                "CARRIAGE_RETURN",
                f"the text has a carriage return at character {at}; brat "
                "reads text with universal newlines, so offsets would shift",
            )
        )
    for index, entity in enumerate(document.entities):
        if entity.text[:1] in _LINE_BREAKS or entity.text[-1:] in _LINE_BREAKS:
            problems.append(
                Problem(
                    ann_name,
                    document.id,
                    f"/entities/{index}",
                    "SPAN_EDGE_NEWLINE",
                    f"entity {entity.id} starts or ends with a line break, "
                    "which a brat span cannot express",
                )
            )
    return problems


def to_ann(document: Document) -> str:
    """The ``.ann`` text of one document (see the module docstring for the line kinds)."""
    entity_ids = _brat_ids([e.id for e in document.entities], _ENTITY_ID, "T")
    relation_ids = _brat_ids([r.id for r in document.relations], _RELATION_ID, "R")
    lines = []
    notes = []
    for entity in document.entities:
        brat_id = entity_ids[entity.id]
        fragments = _fragments(document.text, entity.start, entity.end)
        offsets = ";".join(f"{start} {end}" for start, end in fragments)
        surface = " ".join(document.text[start:end] for start, end in fragments)
        lines.append(f"{brat_id}\t{entity.type} {offsets}\t{surface}")
        if brat_id != entity.id:
            notes.append((brat_id, entity.id))
    for relation in document.relations:
        brat_id = relation_ids[relation.id]
        head = entity_ids.get(relation.head, relation.head)
        tail = entity_ids.get(relation.tail, relation.tail)
        lines.append(f"{brat_id}\t{relation.type} Arg1:{head} Arg2:{tail}")
        if brat_id != relation.id:
            notes.append((brat_id, relation.id))
    for cluster in document.clusters:
        members = " ".join(entity_ids.get(member, member) for member in cluster.entities)
        lines.append(f"*\t{COREF} {members}")
    for number, (brat_id, corpus_id) in enumerate(notes, start=1):
        lines.append(f"#{number}\tAnnotatorNotes {brat_id}\t{NOTE_PREFIX}{corpus_id}")
    return "".join(line + "\n" for line in lines)


def sidecar(document: Document) -> str:
    data: dict[str, Any] = {
        "format": SIDECAR_FORMAT,
        "version": SIDECAR_VERSION,
        "id": document.id,
        "seed": (
            None
            if document.seed is None
            else {"path": document.seed.path, "sha256": document.seed.sha256}
        ),
        "metadata": dict(document.metadata),
        "clusters": [cluster.id for cluster in document.clusters],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_documents(documents: Sequence[Document], folder: Path) -> list[Path]:
    """Write the documents and the configuration files into ``folder`` (which may exist)."""
    problems = [p for d in documents for p in _export_problems(d, f"{d.id}{ANN_SUFFIX}")]
    if problems:
        raise CorpusError(problems)
    written = []
    used = {relation.type for document in documents for relation in document.relations}
    configs = (("annotation.conf", annotation_conf(used=used)), ("visual.conf", visual_conf()))
    for name, content in configs:
        atomic_write_text(folder / name, content)
        written.append(folder / name)
    for document in documents:
        text_path = folder / f"{document.id}{TEXT_SUFFIX}"
        atomic_write_bytes(text_path, document.text.encode("utf-8"))
        ann_path = folder / f"{document.id}{ANN_SUFFIX}"
        atomic_write_text(ann_path, to_ann(document))
        side_path = folder / f"{document.id}{SIDECAR_SUFFIX}"
        atomic_write_text(side_path, sidecar(document))
        written += [text_path, ann_path, side_path]
    return written


def export(documents: Sequence[Document], output: Path, *, replace: bool = False) -> list[Path]:
    """Write a complete brat collection to ``output`` in one step.

    The files are written into a staging folder beside ``output`` and renamed into place,
    so a failure leaves nothing behind. An existing non-empty ``output`` is refused
    (``OUTPUT_EXISTS``) unless ``replace`` is true; a release never is (``OUTPUT_IN_RELEASE``).
    """
    refuse_release_output(output)
    if replace and output.exists():
        refuse_replacing_project_folder(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())) and not replace:
        raise UnusableInputError(
            [
                Problem(
                    str(output),
                    None,
                    "",
                    "OUTPUT_EXISTS",
                    "the output exists and is not an empty folder (use --force to replace it)",
                )
            ]
        )
    staged = staging_dir(output)
    try:
        files = write_documents(documents, staged)
        if output.is_dir() and not any(output.iterdir()):
            output.rmdir()
        publish_dir(staged, output, replace=output.exists())
    except BaseException:
        import shutil

        shutil.rmtree(staged, ignore_errors=True)
        raise
    return [output / path.name for path in files]


# ------------------------------------------------------------------------------------ reading


@dataclass
class _EntityLine:
    line: int
    brat_id: str
    type: str
    start: int
    end: int


@dataclass
class _RelationLine:
    line: int
    brat_id: str
    type: str
    head: str
    tail: str


@dataclass
class _Ann:
    """The parsed ``.ann`` of one document, with the line number of everything."""

    name: str
    document: str
    text: str
    entities: list[_EntityLine] = field(default_factory=list)
    relations: list[_RelationLine] = field(default_factory=list)
    clusters: list[tuple[int, list[str]]] = field(default_factory=list)
    notes: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: every id that has a T line, even one with problems (no cascade of dangling arguments)
    declared: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int, code: str, message: str) -> None:
        self.problems.append(Problem(self.name, self.document, f"line {line}", code, message))


def _parse_offsets(field_text: str) -> list[tuple[int, int]] | None:
    fragments = []
    for part in field_text.split(";"):
        pieces = part.split(" ")
        if len(pieces) != 2 or not all(p.isdigit() and p.isascii() for p in pieces):
            return None
        fragments.append((int(pieces[0]), int(pieces[1])))
    return fragments


def _parse_entity(ann: _Ann, number: int, brat_id: str, fields: list[str]) -> None:
    if len(fields) != 3:
        ann.problem(
            number,
            "MALFORMED_LINE",
            f"text-bound annotation {brat_id} needs three "
            "tab-separated fields: id, 'TYPE START END', text",
        )
        return
    head = fields[1].split(" ", 1)
    fragments = _parse_offsets(head[1]) if len(head) == 2 else None
    if not head[0] or fragments is None:
        ann.problem(
            number,
            "MALFORMED_LINE",
            f"{brat_id}: expected 'TYPE START END[;START END...]', got {fields[1]!r}",
        )
        return
    if head[0] not in inventory().entity_types:
        ann.problem(
            number,
            "UNKNOWN_ENTITY_TYPE",
            f"{brat_id}: {head[0]!r} is not an entity type of the inventory "
            f"({', '.join(inventory().entity_types)})",
        )
        return
    text = ann.text
    for start, end in fragments:
        if not 0 <= start < end <= len(text):
            ann.problem(
                number,
                "BAD_OFFSETS",
                f"{brat_id}: span {start} {end} is empty, reversed or outside the text "
                f"({len(text)} characters)",
            )
            return
    surface = " ".join(text[start:end] for start, end in fragments)
    if fields[2] != surface:
        ann.problem(
            number,
            "TEXT_MISMATCH",
            f"{brat_id}: the line says {fields[2]!r} but the text at {head[1]} is {surface!r}",
        )
        return
    for (_, end), (start, _) in zip(fragments, fragments[1:], strict=False):
        if start < end or text[end:start].strip(_LINE_BREAKS):
            ann.problem(
                number,
                "DISCONTINUOUS_SPAN",
                f"{brat_id}: fragments {head[1]!r} are separated by more than line "
                "breaks; discontinuous mentions cannot be represented",
            )
            return
    ann.entities.append(_EntityLine(number, brat_id, head[0], fragments[0][0], fragments[-1][1]))


def _parse_relation(ann: _Ann, number: int, brat_id: str, fields: list[str]) -> None:
    parts = fields[1].split(" ") if len(fields) >= 2 else []
    if len(fields) not in (2, 3) or len(parts) != 3 or not parts[0]:
        ann.problem(
            number,
            "MALFORMED_LINE",
            f"relation {brat_id} needs 'TYPE Arg1:T.. Arg2:T..' in its second field",
        )
        return
    if parts[0] not in inventory().relation_types:
        ann.problem(
            number,
            "UNKNOWN_RELATION_TYPE",
            f"relation {brat_id}: {parts[0]!r} is not a relation type of the inventory",
        )
        return
    roles = [part.split(":", 1) for part in parts[1:]]
    if any(len(role) != 2 for role in roles) or [r[0] for r in roles] != ["Arg1", "Arg2"]:
        ann.problem(
            number,
            "BAD_ARGUMENT_ROLES",
            f"relation {brat_id}: arguments must be 'Arg1:<id> Arg2:<id>', "
            f"got {' '.join(parts[1:])!r}",
        )
        return
    ann.relations.append(_RelationLine(number, brat_id, parts[0], roles[0][1], roles[1][1]))


def _parse_line(ann: _Ann, number: int, line: str) -> None:
    fields = line.split("\t", 2)
    brat_id = fields[0]
    kind = brat_id[:1]
    if kind == "T" and brat_id[1:].isdigit():
        ann.declared.add(brat_id)
        _parse_entity(ann, number, brat_id, fields)
    elif kind == "R" and brat_id[1:].isdigit():
        _parse_relation(ann, number, brat_id, fields)
    elif brat_id == "*":
        members = fields[1].split(" ") if len(fields) == 2 else []
        if len(members) < 3 or members[0] != COREF or not all(members):
            ann.problem(
                number,
                "MALFORMED_LINE",
                f"an equivalence must read '*<TAB>{COREF} T1 T2 ...' with at least two members",
            )
            return
        ann.clusters.append((number, members[1:]))
    elif kind == "#":
        if (
            len(fields) == 3
            and fields[1].startswith("AnnotatorNotes ")
            and fields[2].startswith(NOTE_PREFIX)
        ):
            target = fields[1].split(" ", 1)[1]
            ann.notes[target] = (number, fields[2][len(NOTE_PREFIX) :])
    elif kind in ("E", "A", "M", "N") and brat_id[1:].isdigit():
        names = {"E": "events", "A": "attributes", "M": "attributes", "N": "normalisations"}
        ann.problem(
            number,
            "UNSUPPORTED_ANNOTATION",
            f"{brat_id}: brat {names[kind]} have no place in this corpus's model",
        )
    else:
        ann.problem(
            number,
            "MALFORMED_LINE",
            f"{line[:40]!r} does not start with a brat id (T1, R1, *, #1) and a tab",
        )


def _read_text(path: Path, name: str, document: str) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            [Problem(name, document, f"byte {exc.start}", "NOT_UTF8", "the file is not UTF-8")]
        ) from None
    except OSError as exc:  # a folder named like the file, ...
        raise CorpusError(
            [Problem(name, document, "", "UNREADABLE", f"cannot read the file: {exc.strerror}")]
        ) from None


def _read_sidecar(path: Path, document: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    if not path.exists():
        return None, []
    name = path.name
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        return None, [Problem(name, document, "", "BAD_SIDECAR", f"cannot read: {exc.strerror}")]
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, nested too deeply
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return None, [Problem(name, document, "", "BAD_SIDECAR", f"not UTF-8 JSON: {reason}")]
    if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
        return None, [
            Problem(name, document, "/format", "BAD_SIDECAR", f"not a {SIDECAR_FORMAT} file")
        ]
    wanted = {"metadata": dict, "clusters": list}
    problems = [
        Problem(
            name,
            document,
            f"/{key}",
            "BAD_SIDECAR",
            f"'{key}' must be a {'JSON object' if kind is dict else 'list'}",
        )
        for key, kind in wanted.items()
        if not isinstance(data.get(key), kind)
    ]
    if data.get("id") != document:
        problems.append(
            Problem(
                name,
                document,
                "/id",
                "BAD_SIDECAR",
                f"the sidecar is for document {data.get('id')!r}",
            )
        )
    seed = data.get("seed")
    if seed is not None and not (isinstance(seed, dict) and set(seed) == {"path", "sha256"}):
        problems.append(
            Problem(name, document, "/seed", "BAD_SIDECAR", "'seed' must be null or {path, sha256}")
        )
    return (None if problems else data), problems


def _fresh(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    taken.add(f"{prefix}{number}")
    return f"{prefix}{number}"


def _build(ann: _Ann, side: dict[str, Any] | None) -> tuple[Document, dict[str, int]]:
    """The document, and a map from JSON pointer prefixes to ``.ann`` line numbers."""
    lines: dict[str, int] = {}
    corpus_id = {brat: note for brat, (_, note) in ann.notes.items()}
    brat_entities = ann.declared
    seen: dict[str, int] = {}
    items: list[tuple[str, int]] = [(e.brat_id, e.line) for e in ann.entities]
    items += [(r.brat_id, r.line) for r in ann.relations]
    for brat_id, line in items:
        if brat_id in seen:
            ann.problem(line, "DUPLICATE_ID", f"{brat_id} is already used on line {seen[brat_id]}")
        seen.setdefault(brat_id, line)
    for target, (line, _) in ann.notes.items():
        if target not in seen:
            ann.problem(
                line,
                "DANGLING_ARGUMENT",
                f"the note is about {target}, which is no annotation of this file",
            )
    entities = []
    for index, entity in enumerate(ann.entities):
        lines[f"/entities/{index}"] = entity.line
        entities.append(
            Entity(
                corpus_id.get(entity.brat_id, entity.brat_id),
                entity.type,
                entity.start,
                entity.end,
                ann.text[entity.start : entity.end],
            )
        )
    relations = []
    for index, relation in enumerate(ann.relations):
        lines[f"/relations/{index}"] = relation.line
        for role, target in (("Arg1", relation.head), ("Arg2", relation.tail)):
            if target not in brat_entities:
                ann.problem(
                    relation.line,
                    "DANGLING_ARGUMENT",
                    f"relation {relation.brat_id}: {role} {target} is no text-bound "
                    "annotation of this file",
                )
        relations.append(
            Relation(
                corpus_id.get(relation.brat_id, relation.brat_id),
                relation.type,
                corpus_id.get(relation.head, relation.head),
                corpus_id.get(relation.tail, relation.tail),
            )
        )
    cluster_ids = list(side["clusters"]) if side is not None else []
    if len(cluster_ids) != len(ann.clusters) or not all(isinstance(c, str) for c in cluster_ids):
        taken = {e.id for e in entities} | {r.id for r in relations}
        cluster_ids = [_fresh("C", taken) for _ in ann.clusters]
    clusters = []
    for index, ((line, members), cluster_id) in enumerate(
        zip(ann.clusters, cluster_ids, strict=True)
    ):
        lines[f"/clusters/{index}"] = line
        for member in members:
            if member not in brat_entities:
                ann.problem(
                    line,
                    "DANGLING_ARGUMENT",
                    f"coreference member {member} is no text-bound annotation",
                )
        clusters.append(Cluster(cluster_id, tuple(corpus_id.get(m, m) for m in members)))
    seed = side.get("seed") if side is not None else None
    document = Document(
        id=ann.document,
        text=ann.text,
        metadata=dict(side["metadata"])
        if side is not None
        else json.loads(json.dumps(DEFAULT_METADATA)),
        entities=tuple(entities),
        relations=tuple(relations),
        clusters=tuple(clusters),
        seed=Seed(seed["path"], seed["sha256"]) if seed else None,
    )
    return document, lines


def _locate(problem: Problem, ann: _Ann, lines: dict[str, int]) -> Problem:
    """A validation problem (JSON pointer) moved to the ``.ann`` line it comes from."""
    parts = problem.pointer.split("/")
    key = "/".join(parts[:3])
    if key in lines:
        return Problem(ann.name, ann.document, f"line {lines[key]}", problem.code, problem.message)
    return Problem(ann.name, ann.document, problem.pointer or "/", problem.code, problem.message)


def _line_number(problem: Problem) -> int:
    return int(problem.pointer.split()[-1]) if problem.pointer.startswith("line ") else 0


def read_document(
    folder: Path, document_id: str, *, root: Path | None = None, validate: bool = True
) -> tuple[Document | None, list[Problem]]:
    """Read ``<id>.txt``, ``<id>.ann`` (if any) and ``<id>.corpus.json`` (if any)."""
    from corpus.formats.native import to_dict
    from corpus.paths import project_root
    from corpus.validate import validate_document

    ann_path = folder / f"{document_id}{ANN_SUFFIX}"
    text_path = folder / f"{document_id}{TEXT_SUFFIX}"
    if not text_path.exists():
        return None, [
            Problem(
                ann_path.name,
                document_id,
                "",
                "MISSING_TEXT",
                f"{text_path.name} is missing: brat offsets need the text",
            )
        ]
    try:
        text = _read_text(text_path, text_path.name, document_id)
        raw = _read_text(ann_path, ann_path.name, document_id) if ann_path.exists() else ""
    except CorpusError as error:
        return None, error.problems
    ann = _Ann(ann_path.name, document_id, text)
    body = raw[:-1] if raw.endswith("\n") else raw
    for number, line in enumerate(body.split("\n") if body else [], start=1):
        if line.strip():
            _parse_line(ann, number, line)
    side, side_problems = _read_sidecar(folder / f"{document_id}{SIDECAR_SUFFIX}", document_id)
    document, lines = _build(ann, side)
    problems = sorted(ann.problems, key=_line_number) + side_problems
    if problems:
        return None, problems
    if validate:
        found = validate_document(to_dict(document), file=ann.name, root=root or project_root())
        if found:
            return None, [_locate(problem, ann, lines) for problem in found]
    return document, []


def document_ids(folder: Path) -> list[str]:
    """The documents of a brat folder: every ``.txt`` and ``.ann`` stem, sorted."""
    stems = {p.name[: -len(ANN_SUFFIX)] for p in folder.glob(f"*{ANN_SUFFIX}")}
    stems |= {p.name[: -len(TEXT_SUFFIX)] for p in folder.glob(f"*{TEXT_SUFFIX}")}
    return sorted(stem for stem in stems if stem and not stem.startswith("."))


def read_folder(folder: Path, *, root: Path | None = None, validate: bool = True) -> list[Document]:
    """Every document of a brat folder, or a CorpusError with every problem found."""
    if not folder.is_dir():
        raise UnusableInputError([Problem(str(folder), None, "", "NOT_FOUND", "no such folder")])
    ids = document_ids(folder)
    if not ids:
        raise UnusableInputError(
            [Problem(str(folder), None, "", "NO_DOCUMENTS", "the folder holds no .txt/.ann files")]
        )
    documents: list[Document] = []
    problems: list[Problem] = []
    for document_id in ids:
        document, found = read_document(folder, document_id, root=root, validate=validate)
        problems += [_prefixed(problem, folder) for problem in found]
        if document is not None:
            documents.append(document)
    if problems:
        raise CorpusError(problems)
    return documents


def _prefixed(problem: Problem, folder: Path) -> Problem:
    return Problem(
        str(folder / problem.file), problem.document, problem.pointer, problem.code, problem.message
    )


def import_folder(folder: Path, output: Path, *, root: Path | None = None) -> list[Path]:
    """Read a brat folder and, only if every document is clean, write native JSON files."""
    from corpus.formats import native

    documents = read_folder(folder, root=root)
    return native.write_documents(documents, output)
