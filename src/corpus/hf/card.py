"""The dataset card (``README.md``) of the built Hugging Face folder.

The YAML header is written with ``huggingface_hub``'s :class:`DatasetCardData` and
filled by ``datasets``' own serialisers (``MetadataConfigs`` for ``configs:`` with
the data files per split, ``DatasetInfosDict`` for ``dataset_info:`` with the
features), the same code ``push_to_hub`` uses, so ``datasets.load_dataset(folder,
config)`` needs nothing else. The body is the Markdown template ``card_template.md``
(following the Hugging Face dataset card template, covering what a datasheet asks),
rendered from data as ``DatasetCard.from_template`` does: every label, definition and
count comes from the schema and the build report; provenance, languages, annotators,
guidelines, dates and agreement come from the documents' metadata (and the release's
date) and are never made up: what is unknown is said to be unknown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from corpus.hf.features import DEFAULT_CONFIG, NO_RELATION, features
from corpus.hf.rows import BuildReport
from corpus.model import Document
from corpus.release import WORKING
from corpus.schema import inventory
from corpus.splits import BY_SENTENCE, DEFAULT_RATIOS, SPLITS, documents_to_split
from corpus.tagging import NESTED_RULE, NESTED_RULES, ner_tag_names
from corpus.tokenize import tokenizer_description

#: the card's prose, with ``${name}`` fields filled by :func:`card_fields`
TEMPLATE = Path(__file__).with_name("card_template.md")

NAME = "corpus"
PRETTY_NAME = "corpus: an annotated teaching corpus for information extraction"
SUMMARY = (
    "A carefully annotated teaching corpus for information extraction: text annotated with "
    "typed entity mentions (nested), typed relations between mentions and coreference "
    "clusters."
)
CURATORS = "the corpus maintainers (see the project repository)"
#: the licence of the annotations: the ``corpus`` package's licence
ANNOTATION_LICENSE = "MIT"
LICENSE_NAME = "mit-annotations-text-of-its-publishers"
#: below this many mentions in the build, a label's scores are called anecdotal
RARE_LABEL = 10
#: below this many documents, the card says the corpus is no benchmark
BENCHMARK_DOCUMENTS = 100


def _size_category(count: int) -> str:
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")]
    bounds += [(1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")]
    return next((name for bound, name in bounds if count < bound), "n>10M")


#: the ``metadata.annotation`` keys the card reports (distinct values, in id order)
RECORDED = ("annotators", "agreement", "annotated_at", "guidelines", "origin")


class CardFacts:
    """What the card says about the documents, gathered one document at a time, so that a
    build never holds them: languages, outlets, the values recorded under
    ``metadata.annotation`` (in the order a pass over the documents in id order meets them)
    and each document's provenance lines. :meth:`of` gathers them from a sequence."""

    def __init__(self) -> None:
        self.documents = 0
        self.languages: set[str] = set()
        self.known_outlets: set[str] = set()
        self.unknown_outlets = 0
        #: key -> value -> (id, position) of its first mention in id order
        self._recorded: dict[str, dict[str, tuple[str, int]]] = {k: {} for k in RECORDED}
        self._provenance: list[tuple[str, str]] = []  # (document id, its lines)

    @classmethod
    def of(cls, documents: Iterable[Document]) -> CardFacts:
        facts = cls()
        for document in documents:
            facts.add(document)
        return facts

    def add(self, document: Document) -> None:
        self.documents += 1
        language = document.metadata.get("language")
        if language:
            self.languages.add(str(language))
        outlet = (document.metadata.get("source", {}) or {}).get("outlet")
        if outlet:
            self.known_outlets.add(str(outlet))
        else:
            self.unknown_outlets += 1
        annotation = _annotation(document)
        for key, first in self._recorded.items():
            value = annotation.get(key)
            for position, item in enumerate(value if isinstance(value, list) else [value]):
                if item in (None, ""):
                    continue
                name = item if isinstance(item, str) else json.dumps(item)
                here = (document.id, position)
                if name not in first or here < first[name]:
                    first[name] = here
        self._provenance.append((document.id, _provenance_lines(document)))

    def recorded(self, key: str) -> list[str]:
        """Distinct values of ``metadata.annotation.<key>`` (a string or a list), in order."""
        first = self._recorded[key]
        return sorted(first, key=first.__getitem__)

    def provenance(self) -> str:
        return "\n".join(lines for _, lines in sorted(self._provenance)) or "No documents."


def gathered(documents: CardFacts | Iterable[Document]) -> CardFacts:
    """``documents`` as :class:`CardFacts` (gathered here from a sequence of documents)."""
    return documents if isinstance(documents, CardFacts) else CardFacts.of(documents)


def _languages(facts: CardFacts) -> list[str]:
    return sorted(facts.languages)


def _outlets(facts: CardFacts) -> tuple[list[str], int]:
    """Known outlets (sorted) and the number of documents whose outlet is unknown."""
    return sorted(facts.known_outlets), facts.unknown_outlets


@dataclass(frozen=True)
class WrittenSplit:
    """The Parquet files of one config and split (paths relative to the folder)."""

    files: tuple[str, ...]
    rows: int
    #: size of the rows in Arrow (``dataset_size`` in the card)
    num_bytes: int

    def paths(self) -> str | list[str]:
        """The ``path`` of the card's ``data_files`` entry: one file, or the shards."""
        return self.files[0] if len(self.files) == 1 else list(self.files)


def card_data(
    report: BuildReport,
    documents: CardFacts | Iterable[Document],
    written: Mapping[str, Mapping[str, WrittenSplit]],
    folder: Path,
) -> Any:
    """The card's YAML metadata as a ``huggingface_hub.DatasetCardData``."""
    from datasets.info import DatasetInfo, DatasetInfosDict
    from datasets.splits import SplitDict, SplitInfo
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    facts = gathered(documents)
    known, unknown = _outlets(facts)
    publishers = ", ".join(known) if known else "unknown"
    languages = _languages(facts)
    data = DatasetCardData(
        language=languages or None,
        license="other",
        license_name=LICENSE_NAME,
        license_details=(
            f"Annotations: {ANNOTATION_LICENSE}. Texts: copyright of their publishers "
            f"(outlets: {publishers}"
            + (f"; {unknown} document(s) of unknown outlet" if known and unknown else "")
            + "), included for research and teaching."
        ),
        pretty_name=PRETTY_NAME,
        annotations_creators=["expert-generated"],
        language_creators=["found"],
        multilinguality=["monolingual" if len(languages) <= 1 else "multilingual"],
        size_categories=[_size_category(report.documents)],
        source_datasets=["original"],
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition", "multi-class-classification"],
        tags=[
            "relation-extraction",
            "coreference-resolution",
            "information-extraction",
            "teaching",
        ],
    )
    configs = MetadataConfigs(
        {
            config: {
                "data_files": [
                    {
                        "split": split,
                        "path": files.files[0] if len(files.files) == 1 else list(files.files),
                    }
                    for split, files in splits.items()
                ],
                **({"default": True} if config == DEFAULT_CONFIG else {}),
            }
            for config, splits in written.items()
        }
    )
    configs.to_dataset_card_data(data)
    infos = DatasetInfosDict()
    for config, splits in written.items():
        split_dict = SplitDict()
        download_size = 0
        dataset_size = 0
        for split, files in splits.items():
            split_dict.add(
                SplitInfo(name=split, num_bytes=files.num_bytes, num_examples=files.rows)
            )
            dataset_size += files.num_bytes
            download_size += sum((folder / name).stat().st_size for name in files.files)
        infos[config] = DatasetInfo(
            features=features(config),
            splits=split_dict,
            download_size=download_size,
            dataset_size=dataset_size,
            config_name=config,
        )
    infos.to_dataset_card_data(data)
    return data


def render_card(
    report: BuildReport,
    documents: CardFacts | Iterable[Document],
    written: Mapping[str, Mapping[str, WrittenSplit]],
    folder: Path,
    release_date: str | None = None,
) -> str:
    """The whole ``README.md``: YAML header and body."""
    facts = gathered(documents)
    data = card_data(report, facts, written, folder)
    return f"---\n{data.to_yaml()}\n---\n\n{card_body(report, facts, release_date)}"


def card_body(
    report: BuildReport,
    documents: CardFacts | Iterable[Document],
    release_date: str | None = None,
) -> str:
    """The Markdown body of the card: the template filled with :func:`card_fields`."""
    facts = gathered(documents)
    template = Template(TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(card_fields(report, facts, release_date))


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items) or "- none"


def _annotation(document: Document) -> Mapping[str, Any]:
    annotation = document.metadata.get("annotation", {})
    return annotation if isinstance(annotation, Mapping) else {}


def _provenance_lines(document: Document) -> str:
    source = document.metadata.get("source", {}) or {}
    dates = document.metadata.get("dates", {}) or {}
    outlet = source.get("outlet") or "**unknown**"
    url = source.get("url") or "**unknown**"
    published = dates.get("published") or "**unknown**"
    lines = [f"- `{document.id}`: outlet {outlet}; URL {url}; published {published}."]
    if source.get("note"):
        lines.append(f"  Source note: {source['note']}")
    if dates.get("note"):
        lines.append(f"  Dates note: {dates['note']}")
    if document.seed is not None:
        lines.append(
            f"  Text: `{document.seed.path}` (sha256 `{document.seed.sha256}`), kept byte for byte."
        )
    return "\n".join(lines)


def _producers(facts: CardFacts) -> str:
    known, unknown = _outlets(facts)
    if not known:
        return "Unknown: the outlet (publisher) of every document is unknown."
    return (
        f"The outlet is known for {facts.documents - unknown} of {facts.documents} "
        f'documents ({", ".join(known)}; see "Dataset Sources"); for the others it is unknown.'
    )


def _outlets_text(facts: CardFacts) -> str:
    known, unknown = _outlets(facts)
    parts = []
    if known:
        parts.append(f"known outlets: {', '.join(known)}")
    if unknown:
        parts.append(f"{unknown} of unknown outlet")
    return "; ".join(parts) or "no outlet"


def _year(facts: CardFacts, release_date: str | None) -> str | None:
    """The release's year; for the working copy, the year of the latest annotation date."""
    if release_date:
        return release_date[:4]
    dates = [str(d) for d in facts.recorded("annotated_at") if str(d)[:4].isdigit()]
    return max(dates)[:4] if dates else None


def _citation(built_from: str, year: str | None) -> str:
    lines = [
        "@misc{corpus_teaching_ie,",
        f"  title  = {{{PRETTY_NAME}}},",
        "  author = {corpus maintainers},",
        *([f"  year   = {{{year}}},"] if year else []),
        f"  note   = {{Dataset built from {built_from.replace('*', '')}}}",
        "}",
    ]
    return "\n".join(lines)


def _agreement(facts: CardFacts) -> tuple[str, str]:
    """What the metadata says about inter-annotator agreement: the card's paragraph and
    its one-line limitation."""
    recorded = facts.recorded("agreement")
    annotators = facts.recorded("annotators")
    if recorded:
        text = "Inter-annotator agreement recorded in the documents: " + "; ".join(recorded) + "."
        return text, text
    return (
        "No inter-annotator agreement is recorded in the documents' metadata "
        f"({len(annotators)} annotator name(s) recorded). `corpus agreement` measures it "
        "between two annotators' copies of the same documents.",
        "No inter-annotator agreement is recorded in the documents' metadata.",
    )


def _rare_labels(report: BuildReport) -> str:
    labels = inventory()
    rare = [
        f"`{name}` {report.entity_counts.get(name, 0)}"
        for name in labels.entity_types
        if report.entity_counts.get(name, 0) < RARE_LABEL
    ] + [
        f"`{name}` {report.relation_counts.get(name, 0)}"
        for name in labels.relation_types
        if report.relation_counts.get(name, 0) < RARE_LABEL
    ]
    if not rare:
        return f"Every label has at least {RARE_LABEL} instances in this build."
    return (
        f"Labels with fewer than {RARE_LABEL} instances in this build (per-label scores on "
        f"them are anecdotal): {', '.join(rare)}."
    )


def _scope(report: BuildReport) -> str:
    if report.documents < BENCHMARK_DOCUMENTS:
        return (
            f"Not a benchmark: {report.documents} document(s) cannot estimate how a model "
            "generalises, and scores on them say little. Not training data for production "
            "systems."
        )
    return "Check that its domains and label frequencies fit before using it as a benchmark."


def _percent(ratio: float) -> str:
    return f"{ratio * 100:g} %"


def _split_rule(report: BuildReport) -> str:
    """The card's "Splits" section: which rule this build used, its sizes and its caveat."""
    if report.split_rule != BY_SENTENCE:
        documents = ", ".join(f"`{s}` {n}" for s, n in sorted(report.splits.items()))
        return (
            "Each document records its split in its metadata (`split`, default `train`; "
            "`corpus split` assigns one to documents without). The build puts each document, "
            "and all sentences and pairs drawn from it, in that split (documents: "
            f"{documents or 'none'}). "
            "Split **by document**, never by sentence (sentences of one document share "
            "entities and context and would leak), and keep the split in the release so every "
            "user evaluates on the same documents. With few documents, prefer "
            "cross-validation over documents."
        )
    (only,) = report.splits
    blocks = ", ".join(
        f"`{name}` the {'first' if i == 0 else 'next' if i < len(SPLITS) - 1 else 'last'} "
        f"{_percent(ratio)}"
        for i, (name, ratio) in enumerate(zip(SPLITS, DEFAULT_RATIOS, strict=True))
    )
    sentences, pairs = (
        ", ".join(f"`{name}` {report.rows[config].get(name, 0)}" for name in SPLITS)
        for config in ("ner", "relations")
    )
    return (
        f"The {report.documents} document(s) of this build are all in one split, `{only}`, "
        f"and too few (under {documents_to_split()}) for `corpus split` to give every split a "
        "document. So that code written for conll2003 or TACRED "
        '(`raw["train"]`, `raw["validation"]`, `raw["test"]`) runs unchanged, `ner` and '
        "`relations` offer **teaching splits by sentence**: the sentences of all documents "
        f"(documents in id order, sentences in order) go in contiguous blocks to {blocks} "
        "(each held-out block rounded half up and at least one sentence, `train` the rest), "
        "and every `relations` row goes with its sentence. Here: sentences "
        f"{sentences}; pairs {pairs}. The `documents` config stays by document.\n\n"
        "**Caveat:** sentences of the same document are not independent: they share names, "
        "entities and context, so scores on the `validation` and `test` sentences are "
        "**optimistic** and say nothing about new documents. They are for running the "
        "workflow, not for reporting results. Once the documents are in two or more splits "
        "(`corpus split` assigns them), every config is split by document and no sentence "
        "is split off."
    )


def card_fields(
    report: BuildReport,
    documents: CardFacts | Iterable[Document],
    release_date: str | None = None,
) -> dict[str, str]:
    """The values of the template's fields, all from the report, documents and schema."""
    facts = gathered(documents)
    labels = inventory()
    built_from = (
        "the **working copy** (not a release: do not cite or publish results on it)"
        if report.version == WORKING
        else f"release **{report.version}**"
    )
    splits_seen = sorted({s for c in report.rows.values() for s in c})
    rows_table = _table(
        ["config", *splits_seen],
        [[config, *(report.rows[config].get(s, 0) for s in splits_seen)] for config in report.rows],
    )
    entity_table = _table(
        [
            "label",
            "title",
            "definition",
            "mentions (documents)",
            "tagged in ner",
            *(
                f"dropped by {rule}" + (" (used)" if rule == NESTED_RULE else " (alternative)")
                for rule in NESTED_RULES
            ),
        ],
        [
            [
                f"`{label.name}`",
                label.title,
                label.description,
                report.entity_counts.get(label.name, 0),
                report.ner_mention_counts.get(label.name, 0),
                *(report.nested_dropped[rule].get(label.name, 0) for rule in NESTED_RULES),
            ]
            for label in labels.entities
        ],
    )
    relation_table = _table(
        [
            "label",
            "definition",
            "head types",
            "tail types",
            "symmetric",
            "relations (documents)",
            "rows (relations)",
        ],
        [
            [
                f"`{r.name}`",
                r.description,
                ", ".join(r.head),
                ", ".join(r.tail),
                "yes" if r.symmetric else "no",
                report.relation_counts.get(r.name, 0),
                report.relation_row_counts.get(r.name, 0),
            ]
            for r in labels.relations
        ]
        + [
            [
                f"`{NO_RELATION}`",
                "no relation from subject to object",
                "any",
                "any",
                "-",
                "-",
                report.relation_row_counts.get(NO_RELATION, 0),
            ]
        ],
    )
    total_drop = {rule: sum(report.nested_dropped[rule].values()) for rule in NESTED_RULES}
    annotators = facts.recorded("annotators")
    agreement, agreement_short = _agreement(facts)
    languages = _languages(facts)
    return {
        "name": NAME,
        "summary": SUMMARY,
        "built_from": built_from,
        "curators": CURATORS,
        "languages": ", ".join(f"`{code}`" for code in languages) or "not recorded",
        "annotation_license": ANNOTATION_LICENSE,
        "documents": str(report.documents),
        "sentences": str(report.sentences),
        "mentions": str(sum(report.entity_counts.values())),
        "relations": str(sum(report.relation_counts.values())),
        "clusters": str(report.clusters),
        "splits": ", ".join(f"`{s}` {n} document(s)" for s, n in sorted(report.splits.items()))
        or "none",
        "provenance": facts.provenance(),
        "scope": _scope(report),
        "rows_table": rows_table,
        "split_rule": _split_rule(report),
        "tags": ", ".join(f"{i} `{name}`" for i, name in enumerate(ner_tag_names(labels))),
        "nested_rule": NESTED_RULE,
        "nested_dropped": str(total_drop[NESTED_RULE]),
        "alternatives": ", ".join(
            f"the {rule} rule would drop {total_drop[rule]}"
            for rule in NESTED_RULES
            if rule != NESTED_RULE
        ),
        "tokenizer": tokenizer_description(),
        "sentence_joins": str(report.sentence_joins),
        "boundary_problems": _bullets(str(p) for p in report.boundary_problems),
        "no_relation": NO_RELATION,
        "symmetric": ", ".join(f"`{r.name}`" for r in labels.relations if r.symmetric) or "none",
        "nested_pairs": str(report.nested_pairs),
        "duplicate_pairs": _bullets(
            f"`{d}` {r} `{t}`" for d, r, t in report.duplicate_pair_relations
        ),
        "cross_sentence_count": str(len(report.cross_sentence_relations)),
        "cross_sentence": _bullets(
            f"`{d}` {r} `{t}`" for d, r, t in report.cross_sentence_relations
        ),
        "entity_table": entity_table,
        "relation_table": relation_table,
        "producers": _producers(facts),
        "guidelines": "; ".join(facts.recorded("guidelines")) or "not recorded",
        "origins": "; ".join(facts.recorded("origin")) or "not recorded",
        "annotators": (
            f"Annotators recorded in the documents' metadata: {', '.join(annotators)}."
            if annotators
            else "Not recorded in the documents' metadata."
        ),
        "agreement": agreement,
        "agreement_short": agreement_short,
        "outlets": _outlets_text(facts),
        "rare_labels": _rare_labels(report),
        "citation": _citation(built_from, _year(facts, release_date)),
        "build_summary": _plain_summary(report),
    }


def _plain_summary(report: BuildReport) -> str:
    summary = report.summary().splitlines()
    # the output path is where this copy was staged; it means nothing to a reader
    return "\n".join(line for line in summary if not line.strip().startswith("output:"))
