"""Dataset splits by document: ``corpus split`` gives a split to documents that have none.

A document's split is ``metadata.split`` (``train``, ``validation``, ``test``; null while none
is assigned). :func:`assign_splits` keeps every split that is already set (the gold article's
``train`` included) and assigns one to each working document whose split is null or missing:

- the documents without a split are ordered by the sha256 of ``"<seed>:<document id>"`` (a
  seeded shuffle that does not depend on file order or on the other documents' names);
- each in turn goes to the split that is furthest below its share of the corpus so far,
  i.e. the split ``k`` maximising ``ratio[k] * (n + 1) - count[k]`` where ``n`` documents
  (already split ones included) are counted; ties go to ``train``, then ``validation``, then
  ``test``. This keeps a small corpus as close to the ratios as whole documents allow, and a
  split with ratio 0 never receives a document.

So the same working copy, seed and ratios always give the same assignment, and adding
documents never moves one that already has a split. The result is written into the working
copy, each file atomically, after every document passed validation.

Refusals: ``RATIOS_INVALID`` (exit 2: not three non-negative numbers summing to 1), the
working copy's own validation problems then ``WORKING_COPY_INVALID`` (exit 1).

**How document splits and teaching splits meet** (the build, :mod:`corpus.hf`):
:func:`split_rule` decides once per build. While the documents all share one split and are
too few for ``corpus split`` to give every split a document (fewer than 7 with
:data:`DEFAULT_RATIOS`: the gold article alone, or a few articles never split), ``ner`` and
``relations`` use *teaching splits by sentence* (:func:`sentence_splits`): the sentences of
all documents, in order, in contiguous blocks with :data:`DEFAULT_RATIOS`, ``train`` first,
then ``validation``, then ``test`` (each held-out block rounded half up, at least one
sentence), so code written for conll2003 finds all three splits. Sentences of one article
share names and context, so scores on the held-out sentences are optimistic. Otherwise every
config splits by document (``metadata.split``) and no sentence is split off; the
``documents`` config always does.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Location, Problem
from corpus.formats import native
from corpus.paths import project_root, working_dir
from corpus.validate import display, validate_document

#: the split names, in the order ties are broken (Hugging Face's names)
SPLITS = ("train", "validation", "test")
DEFAULT_RATIOS = (0.8, 0.1, 0.1)


@dataclass(frozen=True)
class Assignment:
    """One working document and its split: ``assigned`` when this run chose it."""

    document: str
    file: str
    split: str
    assigned: bool


def parse_ratios(text: str) -> tuple[float, ...]:
    """``"0.8,0.1,0.1"`` -> ``(0.8, 0.1, 0.1)``; ``RATIOS_INVALID`` (exit 2) otherwise."""
    try:
        ratios = tuple(float(part) for part in text.split(","))
    except ValueError:
        ratios = ()
    valid = (
        len(ratios) == len(SPLITS)
        and all(math.isfinite(r) and r >= 0 for r in ratios)
        and math.isclose(sum(ratios), 1.0, abs_tol=1e-6)
    )
    if not valid:
        raise CorpusError(
            [
                Problem(
                    "--ratios",
                    None,
                    Location(),
                    "RATIOS_INVALID",
                    f"{text!r} is not three non-negative numbers for "
                    f"{'/'.join(SPLITS)} that sum to 1 (such as 0.8,0.1,0.1)",
                )
            ]
        )
    return ratios


def shuffle_key(document_id: str, seed: int) -> str:
    """The seeded order of documents without a split."""
    return hashlib.sha256(f"{seed}:{document_id}".encode()).hexdigest()


def choose_splits(
    existing: Sequence[str | None],
    unassigned: Sequence[str],
    *,
    seed: int = 0,
    ratios: Sequence[float] = DEFAULT_RATIOS,
) -> dict[str, str]:
    """Splits for the ``unassigned`` document ids, given the splits already held by the
    other documents (``None`` entries are ignored). Pure: no files."""
    counts = dict.fromkeys(SPLITS, 0)
    for split in existing:
        if split is not None:
            counts[split] = counts.get(split, 0) + 1
    total = sum(counts.values())
    chosen: dict[str, str] = {}
    for document_id in sorted(unassigned, key=lambda d: (shuffle_key(d, seed), d)):
        deficits = [
            ratio * (total + 1) - counts[name] for name, ratio in zip(SPLITS, ratios, strict=True)
        ]
        best = SPLITS[deficits.index(max(deficits))]
        chosen[document_id] = best
        counts[best] += 1
        total += 1
    return chosen


#: the two ways a build splits ``ner`` and ``relations`` (:func:`split_rule`)
BY_DOCUMENT = "document"
BY_SENTENCE = "sentence"


def documents_to_split(ratios: Sequence[float] = DEFAULT_RATIOS) -> int:
    """The fewest documents :func:`choose_splits` spreads over every split of nonzero ratio
    (7 with :data:`DEFAULT_RATIOS`)."""
    wanted = sum(1 for ratio in ratios if ratio > 0)
    return next(
        n
        for n in itertools.count(1)
        if len(set(choose_splits([], [str(i) for i in range(n)], ratios=ratios).values())) == wanted
    )


def split_rule(document_splits: Sequence[str]) -> str:
    """How a build splits ``ner`` and ``relations``, given each document's split.

    :data:`BY_SENTENCE` (teaching splits) when the documents all share one split and are
    too few for ``corpus split`` to give every split a document (:func:`documents_to_split`);
    :data:`BY_DOCUMENT` otherwise: when they already have two or more splits, when there
    are enough of them to split by document (``corpus split``), or when there are none."""
    few = 0 < len(document_splits) < documents_to_split()
    return BY_SENTENCE if few and len(set(document_splits)) == 1 else BY_DOCUMENT


def sentence_split_sizes(
    sentences: int, ratios: Sequence[float] = DEFAULT_RATIOS
) -> tuple[int, ...]:
    """How many of ``sentences`` go to each of :data:`SPLITS` under the teaching rule: every
    split after the first gets its ratio's share rounded half up and at least one sentence,
    the first (``train``) the rest; with fewer sentences than splits, all go to ``train``.
    12 sentences: 10, 1, 1."""
    if sentences < len(SPLITS):
        return (sentences, *(0 for _ in SPLITS[1:]))
    held_out = [max(1, math.floor(ratio * sentences + 0.5)) for ratio in ratios[1:]]
    while sum(held_out) >= sentences:  # only for ratios far from the default
        held_out[held_out.index(max(held_out))] -= 1
    return (sentences - sum(held_out), *held_out)


def sentence_splits(
    sentence_counts: Sequence[int], ratios: Sequence[float] = DEFAULT_RATIOS
) -> list[list[str]]:
    """The teaching split of every sentence, given each document's number of sentences (in
    document id order): the sentences of all documents, in order, cut into contiguous blocks
    of :func:`sentence_split_sizes` (``train`` first, ``test`` last). One list per document,
    by sentence index."""
    flat = [
        name
        for name, size in zip(
            SPLITS, sentence_split_sizes(sum(sentence_counts), ratios), strict=True
        )
        for _ in range(size)
    ]
    result = []
    start = 0
    for count in sentence_counts:
        result.append(flat[start : start + count])
        start += count
    return result


def _with_split(metadata: dict[str, Any], split: str) -> dict[str, Any]:
    """The metadata with ``split`` set, in its usual place (after ``language``)."""
    if "split" in metadata:
        return {key: (split if key == "split" else value) for key, value in metadata.items()}
    result: dict[str, Any] = {}
    for key, value in metadata.items():
        result[key] = value
        if key == "language":
            result["split"] = split
    result.setdefault("split", split)
    return result


def _no_split(data: Any) -> bool:
    metadata = data.get("metadata") if isinstance(data, dict) else None
    return isinstance(metadata, dict) and metadata.get("split") is None


def assign_splits(
    *,
    seed: int = 0,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    root: Path | None = None,
    dry_run: bool = False,
) -> list[Assignment]:
    """Assign a split to every working document without one and write it (unless
    ``dry_run``); returns every working document's split, in file order."""
    root = root or project_root()
    folder = working_dir(root)
    files = native.document_files(folder) if folder.is_dir() else []
    problems: list[Problem] = []
    loaded: list[tuple[Path, str, dict[str, Any]]] = []
    for path in files:
        name = display(path, root)
        try:
            data = native.read_json(path, display=name)
        except CorpusError as error:
            problems += error.problems
            continue
        # a missing split is what this command fills in, not a problem of the document
        checked = data
        if _no_split(data):
            checked = {**data, "metadata": _with_split(data["metadata"], SPLITS[0])}
        found = validate_document(checked, file=name, root=root)
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            if path.stem != data["id"]:
                found.append(
                    Problem(
                        name,
                        data["id"],
                        Location.at("id"),
                        "FILE_NAME_MISMATCH",
                        f"document id {data['id']!r} differs from the file name {path.name!r}",
                    )
                )
        problems += found
        if not found:
            loaded.append((path, name, data))
    if problems:
        label = display(folder, root)
        raise CorpusError(
            [
                *problems,
                Problem(
                    label,
                    None,
                    Location(),
                    "WORKING_COPY_INVALID",
                    f"refusing to assign splits: the working copy has {len(problems)} "
                    "problem(s), listed above",
                ),
            ]
        )
    chosen = choose_splits(
        [data["metadata"]["split"] for _, _, data in loaded if not _no_split(data)],
        [data["id"] for _, _, data in loaded if _no_split(data)],
        seed=seed,
        ratios=ratios,
    )
    result = []
    updates: list[tuple[Path, dict[str, Any]]] = []
    for path, name, data in loaded:
        doc_id = data["id"]
        if doc_id in chosen:
            split = chosen[doc_id]
            updated = {**data, "metadata": _with_split(data["metadata"], split)}
            updates.append((path, updated))
            result.append(Assignment(doc_id, name, split, True))
        else:
            result.append(Assignment(doc_id, name, data["metadata"]["split"], False))
    if not dry_run:
        for path, updated in updates:
            native.write_document(native.from_dict(updated), path)
    return result
