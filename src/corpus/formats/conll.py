"""CoNLL named-entity columns (IOB2): one token per line, a blank line between sentences.

Specification: the CoNLL-2003 shared task layout (Tjong Kim Sang and De Meulder 2003,
https://aclanthology.org/W03-0419/), with IOB2 tags ("B-" starts every mention, as
https://www.clips.uantwerpen.be/conll2003/ner/ describes for its IOB variants), and
``# key = value`` comment lines borrowed from CoNLL-U
(https://universaldependencies.org/format.html). Each line is ``TOKEN<TAB>TAG``;
tokens never contain whitespace (so tab or space splitting both work). Comments, which
``--no-comments`` leaves out for readers that do not skip them:

- ``# document = <id>`` before each document's first sentence;
- ``# sentence = <document id>:<index>`` and ``# offsets = 3:10 11:16 ...`` (each token's
  0-based, end-exclusive code-point offsets into the document text, so predictions can
  be mapped back) before each sentence.

Tokens, sentences and tags are exactly those of the Hugging Face ``ner`` config: both
come from :func:`corpus.tagging.tag_document` (tokenization in :mod:`corpus.tokenize`,
nesting rule :data:`corpus.tagging.NESTED_RULE`: the outermost mention wins).

Verbs (the same in every format module): :func:`write` (documents to a file, with a
report of what was lost) and :func:`read` (a file back into sentences; :func:`dumps` and
:func:`loads` do the same with text).

What CoNLL cannot carry (each reported with counts by :func:`write` and the CLI):

- relations (all of them);
- coreference clusters (all of them);
- nested mentions: flat tags keep one mention per token, so mentions inside a kept
  mention are dropped (counted per label);
- mentions whose start or end falls inside a token (counted; never moved);
- document metadata, seeds, ids of entities.
This is a one-way export; use ``corpus export brat`` or the native JSON for a lossless copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.fsutil import atomic_write_text
from corpus.model import Document
from corpus.paths import refuse_release_output
from corpus.tagging import NESTED_RULE, prepare, tag_document


@dataclass
class ConllReport:
    """What went into the file and what could not."""

    documents: int = 0
    sentences: int = 0
    tokens: int = 0
    entities: int = 0
    tagged: Counter[str] = field(default_factory=Counter)
    nested_dropped: Counter[str] = field(default_factory=Counter)
    misaligned: list[str] = field(default_factory=list)
    relations: int = 0
    clusters: int = 0
    cluster_mentions: int = 0

    def lines(self) -> list[str]:
        """The summary the CLI prints: what was written, then what was lost."""
        dropped = sum(self.nested_dropped.values())
        per_label = ", ".join(f"{k} {v}" for k, v in sorted(self.nested_dropped.items()))
        return [
            f"{self.documents} documents, {self.sentences} sentences, {self.tokens} tokens; "
            f"{sum(self.tagged.values())} of {self.entities} mentions tagged",
            "not carried by CoNLL:",
            f"  relations: {self.relations}",
            f"  coreference clusters: {self.clusters} ({self.cluster_mentions} mentions)",
            f"  nested mentions dropped by the outermost rule: {dropped}"
            + (f" ({per_label})" if per_label else ""),
            f"  mentions with a boundary inside a token: {len(self.misaligned)}",
            *(f"    {item}" for item in self.misaligned),
            "  document metadata, seeds and entity ids",
        ]


def dumps(documents: Sequence[Document], *, comments: bool = True) -> tuple[str, ConllReport]:
    """The CoNLL text of the documents (in the given order) and its report."""
    report = ConllReport()
    out: list[str] = []
    for document in documents:
        prepared = prepare(document)
        sentences, counts = tag_document(prepared)
        report.documents += 1
        report.entities += len(document.entities)
        report.relations += len(document.relations)
        report.clusters += len(document.clusters)
        report.cluster_mentions += sum(len(c.entities) for c in document.clusters)
        report.misaligned += [str(problem) for problem in prepared.problems]
        report.tagged.update(counts.tagged)
        report.nested_dropped.update(counts.dropped[NESTED_RULE])
        if comments:
            out.append(f"# document = {document.id}")
        for tagged in sentences:
            tokens = tagged.sentence.tokens
            report.sentences += 1
            report.tokens += len(tokens)
            if comments:
                offsets = " ".join(f"{token.start}:{token.end}" for token in tokens)
                out.append(f"# sentence = {document.id}:{tagged.sentence.index}")
                out.append(f"# offsets = {offsets}")
            out += [f"{token.text}\t{tag}" for token, tag in zip(tokens, tagged.tags, strict=True)]
            out.append("")
    # every sentence, the last one included, ends with a blank line
    return ("\n".join(out) + "\n" if out else ""), report


def write(documents: Sequence[Document], path: Path, *, comments: bool = True) -> ConllReport:
    """Write :func:`dumps` to ``path`` atomically."""
    refuse_release_output(path, whole_folder=False)
    text, report = dumps(documents, comments=comments)
    atomic_write_text(path, text)
    return report


def read(path: Path) -> list[dict[str, Any]]:
    """Read a CoNLL file written by :func:`write` back into sentences (see :func:`loads`)."""
    return loads(path.read_text(encoding="utf-8"))


def loads(text: str) -> list[dict[str, Any]]:
    """Read CoNLL text written by :func:`dumps` back into sentences.

    Each sentence is ``{"id", "document", "tokens", "tags", "offsets"}``; ``id``,
    ``document`` and ``offsets`` are None when the file has no comments.
    """
    sentences: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    document = None

    def flush() -> None:
        nonlocal current
        if current.get("tokens"):
            sentences.append(current)
        current = {}

    for line in text.split("\n"):
        if not line.strip():
            flush()
            continue
        if line.startswith("# ") and " = " in line:
            key, value = line[2:].split(" = ", 1)
            if key == "document":
                document = value
            elif key == "sentence":
                current["id"] = value
            elif key == "offsets":
                current["offsets"] = [
                    tuple(int(x) for x in pair.split(":")) for pair in value.split()
                ]
            continue
        token, tag = line.split("\t")
        current.setdefault("id", None)
        current.setdefault("offsets", None)
        current["document"] = document
        current.setdefault("tokens", []).append(token)
        current.setdefault("tags", []).append(tag)
    flush()
    return sentences
