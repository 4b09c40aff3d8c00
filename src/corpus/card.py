"""The dataset card (``README.md``) of the built Hugging Face folder.

The YAML header is written with ``huggingface_hub``'s :class:`DatasetCardData` and
filled by ``datasets``' own serialisers (``MetadataConfigs`` for ``configs:`` with
the data files per split, ``DatasetInfosDict`` for ``dataset_info:`` with the
features), the same code ``push_to_hub`` uses, so ``datasets.load_dataset(folder,
config)`` needs nothing else. The body follows the Hugging Face dataset card template
and covers what a datasheet asks. Every label, definition and count comes from the
schema and the build report; provenance comes from the documents' metadata and is
never made up: what is unknown is said to be unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus.schema import inventory

if TYPE_CHECKING:
    from corpus.hf import BuildReport
    from corpus.model import Document

PRETTY_NAME = "corpus: an annotated teaching corpus for information extraction"
LICENSE_NAME = "mit-annotations-text-of-unknown-publisher"
GUIDELINES = "annotations/GUIDELINES.md"


def card_data(report: BuildReport, datasets: Mapping[str, Mapping[str, Any]], folder: Path) -> Any:
    """The card's YAML metadata as a ``huggingface_hub.DatasetCardData``."""
    from datasets.info import DatasetInfo, DatasetInfosDict
    from datasets.splits import SplitDict, SplitInfo
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    from corpus.hf import DEFAULT_CONFIG

    data = DatasetCardData(
        language=["en"],
        license="other",
        license_name=LICENSE_NAME,
        license_details=(
            "Annotations: MIT. Text: a news article of unknown outlet whose copyright belongs "
            "to its publisher, included for research and teaching."
        ),
        pretty_name=PRETTY_NAME,
        annotations_creators=["expert-generated"],
        language_creators=["found"],
        multilinguality=["monolingual"],
        size_categories=["n<1K"],
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
                    {"split": split, "path": f"{config}/{split}.parquet"} for split in splits
                ],
                **({"default": True} if config == DEFAULT_CONFIG else {}),
            }
            for config, splits in datasets.items()
        }
    )
    configs.to_dataset_card_data(data)
    infos = DatasetInfosDict()
    for config, splits in datasets.items():
        split_dict = SplitDict()
        download_size = 0
        dataset_size = 0
        features = None
        for split, dataset in splits.items():
            num_bytes = int(dataset.data.nbytes)
            split_dict.add(SplitInfo(name=split, num_bytes=num_bytes, num_examples=len(dataset)))
            dataset_size += num_bytes
            download_size += (folder / config / f"{split}.parquet").stat().st_size
            features = dataset.features
        infos[config] = DatasetInfo(
            features=features,
            splits=split_dict,
            download_size=download_size,
            dataset_size=dataset_size,
            config_name=config,
        )
    infos.to_dataset_card_data(data)
    return data


def render_card(
    report: BuildReport,
    documents: Sequence[Document],
    datasets: Mapping[str, Mapping[str, Any]],
    folder: Path,
) -> str:
    """The whole ``README.md``: YAML header and body."""
    data = card_data(report, datasets, folder)
    return f"---\n{data.to_yaml()}\n---\n\n{card_body(report, documents)}"


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _provenance(documents: Sequence[Document]) -> str:
    lines = []
    for document in sorted(documents, key=lambda d: d.id):
        source = document.metadata.get("source", {}) or {}
        dates = document.metadata.get("dates", {}) or {}
        outlet = source.get("outlet") or "**unknown**"
        url = source.get("url") or "**unknown**"
        published = dates.get("published") or "**unknown**"
        lines.append(f"- `{document.id}`: outlet {outlet}; URL {url}; published {published}.")
        if source.get("note"):
            lines.append(f"  Source note: {source['note']}")
        if dates.get("note"):
            lines.append(f"  Dates note: {dates['note']}")
        if document.seed is not None:
            lines.append(
                f"  Text: `{document.seed.path}` (sha256 `{document.seed.sha256}`), "
                "kept byte for byte (NBSP, curly quotes and dashes included)."
            )
    return "\n".join(lines)


def _producers(documents: Sequence[Document]) -> str:
    unknown = sum(1 for d in documents if not (d.metadata.get("source", {}) or {}).get("outlet"))
    if unknown == len(documents):
        return "Unknown: the outlet (publisher), URL and author of every document are unknown."
    return (
        f"The outlet is known for {len(documents) - unknown} of {len(documents)} "
        'documents (see "Dataset Sources"); for the others it is unknown.'
    )


def _annotators(documents: Sequence[Document]) -> str:
    seen: dict[str, None] = {}
    origins: dict[str, None] = {}
    for document in documents:
        annotation = document.metadata.get("annotation", {}) or {}
        for name in annotation.get("annotators", []):
            seen[str(name)] = None
        if annotation.get("origin"):
            origins[str(annotation["origin"])] = None
    who = ", ".join(seen) or "not recorded"
    how = "; ".join(origins) or "not recorded"
    return f"Annotators: {who}. Process recorded in the documents: {how}."


def card_body(report: BuildReport, documents: Sequence[Document]) -> str:
    """The Markdown body of the card."""
    from corpus.hf import NESTED_RULE, NESTED_RULES, NO_RELATION, ner_tag_names
    from corpus.release import WORKING
    from corpus.tokenize import tokenizer_description

    labels = inventory()
    built_from = (
        "the **working copy** (not a release: do not cite or publish results on it)"
        if report.version == WORKING
        else f"release **{report.version}**"
    )
    rows_table = _table(
        ["config", *sorted({s for c in report.rows.values() for s in c})],
        [
            [
                config,
                *(
                    report.rows[config].get(s, 0)
                    for s in sorted({s for c in report.rows.values() for s in c})
                ),
            ]
            for config in report.rows
        ],
    )
    entity_rows = [
        [
            f"`{label.name}`",
            label.title,
            label.description,
            report.entity_counts.get(label.name, 0),
            report.ner_mention_counts.get(label.name, 0),
            *(report.nested_dropped[rule].get(label.name, 0) for rule in NESTED_RULES),
        ]
        for label in labels.entities
    ]
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
        entity_rows,
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
    symmetric = ", ".join(f"`{r.name}`" for r in labels.relations if r.symmetric) or "none"
    problems = "\n".join(f"- {p}" for p in report.boundary_problems) or "- none"
    cross = (
        "\n".join(f"- `{d}` {r} `{t}`" for d, r, t in report.cross_sentence_relations) or "- none"
    )
    duplicates = (
        "\n".join(f"- `{d}` {r} `{t}`" for d, r, t in report.duplicate_pair_relations) or "- none"
    )
    splits = ", ".join(f"`{s}` {n} document(s)" for s, n in sorted(report.splits.items()))
    tags = ", ".join(f"{i} `{name}`" for i, name in enumerate(ner_tag_names(labels)))
    total_drop = {rule: sum(report.nested_dropped[rule].values()) for rule in NESTED_RULES}
    alternatives = ", ".join(
        f"the {rule} rule would drop {total_drop[rule]}"
        for rule in NESTED_RULES
        if rule != NESTED_RULE
    )
    return f"""# Dataset Card for corpus

A small, carefully annotated teaching corpus for information extraction: English news text
annotated with typed entity mentions (nested), typed relations between mentions and
coreference clusters. This folder was built by `corpus build` from {built_from}.

## Dataset Details

### Dataset Description

- **Curated by:** the corpus maintainers (see the project repository).
- **Language:** English (`en`).
- **License:** annotations (entities, relations, clusters, metadata) MIT, like the `corpus`
  package. The text is a news article of unknown outlet; its copyright belongs to its
  publisher; it is included for research and teaching only. Hence `license: other` above.
- **Size:** {report.documents} document(s), {report.sentences} sentences, \
  {sum(report.entity_counts.values())} entity mentions, \
  {sum(report.relation_counts.values())} relations. Splits: {splits}.

### Dataset Sources

{_provenance(documents)}

## Uses

### Direct Use

Teaching and trying out information extraction: named and nominal entity recognition
(`ner`, conll2003-style), relation classification (`relations`, TACRED-style), coreference
and nested mentions (`documents`), and the evaluation schemes of `corpus evaluate`
(SemEval 2013 task 9.1 strict / exact / partial / type; relations strict and boundaries).
It is a worked example for checking that a pipeline runs end to end and for error analysis.

### Out-of-Scope Use

Not a benchmark: one article cannot estimate how a model generalises, and scores on it say
little. Not training data for production systems. Not a source of facts about the people
named in it. Do not redistribute the article text outside research and teaching.

## Dataset Structure

Load with nothing of ours installed:

```python
from datasets import load_dataset
documents = load_dataset("path/to/this/folder")            # default config: documents
ner = load_dataset("path/to/this/folder", "ner")
relations = load_dataset("path/to/this/folder", "relations")
names = ner["train"].features["ner_tags"].feature.names
```

Rows per config and split:

{rows_table}

### `documents` (default)

One row per document, lossless: `id`, `version` (the release), `text`, `entities` (list of
`id`, `type` (ClassLabel of the entity types), `start`, `end`, `text`), `relations` (list of
`id`, `type` (ClassLabel of the relation types), `head`, `tail`: entity ids), `clusters` (list of
`id`, `entities`: entity ids), `metadata` (the document's metadata as a JSON string: language,
split, provenance, dates, annotation) and `seed` (`path`, `sha256` of the source text).
Offsets are 0-based, end-exclusive Unicode code points of `text`: `text[start:end]` is the
mention. Mentions may nest (never cross).

### `ner`

One row per sentence, as conll2003: `id` (`<document>:<sentence>`), `document_id`,
`sentence` (index in the document), `tokens`, `ner_tags` (IOB2, sequence of ClassLabel) and
`token_starts` / `token_ends` (each token's character offsets in the document text, to map
predictions back). Tags: {tags}.

Nested mentions cannot all be flat tags. Rule: **{NESTED_RULE} span wins**: a mention
overlapping a longer one is left out of the tags (it stays in `documents` and `relations`).
The {NESTED_RULE} rule drops {total_drop[NESTED_RULE]} span(s); {alternatives}; per label in
the inventory table below.

Sentences and tokens: {tokenizer_description()}. Whitespace (newlines, NBSP, double spaces) is
never a token. A blank line always ends a sentence; a sentence is never ended inside a
mention ({report.sentence_joins} such sentence end(s) suppressed). A mention whose start or
end falls inside a token is not moved: it is left out of `ner` and `relations` and listed
here:

{problems}

### `relations`

TACRED-style: one row per **ordered pair of distinct entity mentions in the same sentence**:
`id`, `document_id`, `sentence`, `tokens`, `subj_start`, `subj_end`, `obj_start`, `obj_end`
(token indices, end exclusive), `subj_type`, `obj_type` (ClassLabel of the entity types),
`relation` (ClassLabel: `{NO_RELATION}` then the relation types), `subj_id`, `obj_id` (entity
ids in `documents`) and `relation_id` (the gold relation's id, null for `{NO_RELATION}`).
Symmetric types ({symmetric}) hold in both orders, so they label both rows. A mention and a
mention nested in it form a pair like any other
({report.nested_pairs} rows; TACRED has no such case). If two gold relations link the same
ordered pair, the first in schema order labels the row; the others are listed here:

{duplicates}

Relations whose arguments lie in different sentences have no row; they are kept in
`documents` ({len(report.cross_sentence_relations)}):

{cross}

### Label inventory and counts

Labels come from the project's schema (`schema/labels.schema.json`), in its order.

{entity_table}

{relation_table}

### How label ids evolve

Class ids are positions in the schema's label lists, and new labels are only ever
**appended** to the schema. So an id never changes meaning between releases: a later release
may add ids (new `B-X`/`I-X` pairs at the end of `ner_tags`, new relation types at the end of
`relation`), never renumber or remove old ones. Code that reads the names from the features
(`features["ner_tags"].feature.names`) works across releases; models trained on an older
release need new output rows for appended labels.

### Splits

Each document records its split in its metadata (`split`, default `train`); the build puts
each document, and all sentences and pairs drawn from it, in that split. Today the corpus is
one article, so everything is `train`. When it grows, split **by document**, never by sentence
(sentences of one article share entities and context and would leak), and keep the split
in the release so every user evaluates on the same documents. With few documents, prefer
cross-validation over documents.

## Dataset Creation

### Curation Rationale

A corpus small enough to read in full and annotated carefully, to teach annotation,
information extraction and evaluation with real (not toy) text: nominal and pronominal
mentions, nesting, titles, events, agreements and relations between them.

### Source Data

#### Data Collection and Processing

The text was received as the project's seed file and is stored byte for byte; nothing was
normalised. No collection process is known beyond that.

#### Who are the source data producers?

{_producers(documents)} Unknown values are recorded as null in the metadata and never
guessed; each document's own note is under "Dataset Sources" above.

### Annotations

#### Annotation process

Manual annotation of every mention, relation and coreference cluster by the guidelines
`{GUIDELINES}` in the project repository (definitions, examples, counter-examples, boundary
rules, decisions log). Documents are validated against the JSON Schema and semantic checks
before a release; releases are immutable and checksummed. {_annotators(documents)}

#### Who are the annotators?

The project's maintainers; no crowd workers.

#### Personal and Sensitive Information

The article names public office holders (heads of state, ministers) acting in their public
roles. It contains no private individuals and no sensitive personal data beyond what was
published.

## Bias, Risks, and Limitations

- {report.documents} document(s); today one article on one topic (a bilateral security visit)
  in one register (government-sourced news): nothing here represents other domains,
  languages or viewpoints.
- One annotation pass, reviewed once: no inter-annotator agreement has been measured.
- The text reports official statements; the corpus repeats them without verifying them.
- Label frequencies are tiny; per-label scores are anecdotal.

### Recommendations

Use it to learn and to test tooling; evaluate models on larger corpora.

## Citation

```bibtex
@misc{{corpus_teaching_ie,
  title  = {{corpus: an annotated teaching corpus for information extraction}},
  author = {{corpus maintainers}},
  year   = {{2026}},
  note   = {{Dataset built from {built_from.replace("*", "")}}}
}}
```

Please also cite the article's publisher if it becomes known.

## More Information

Build summary (`corpus build`):

```
{_plain_summary(report)}
```
"""


def _plain_summary(report: BuildReport) -> str:
    summary = report.summary().splitlines()
    # the output path is where this copy was staged; it means nothing to a reader
    return "\n".join(line for line in summary if not line.strip().startswith("output:"))
