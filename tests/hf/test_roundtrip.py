"""Property: any valid document survives the ``documents`` config (our rows, the real
``datasets`` features and Arrow encoding, and back) unchanged."""

from __future__ import annotations

from typing import Any

from datasets import Dataset
from datasets.table import InMemoryTable
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.hf import LabelIds, TableBuffer, document_columns, documents_from_dataset, features
from corpus.model import Cluster, Document, Entity, Relation, Seed
from corpus.schema import inventory

ALPHABET = st.sampled_from(list("ab cd\u00a0\u2019\u2014\n\u00e9\U0001f600."))


@st.composite
def documents(draw: Any) -> Document:
    text = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=40))
    entities = []
    for index in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        entities.append(
            Entity(
                f"T{index}",
                draw(st.sampled_from(inventory().entity_types)),
                start,
                end,
                text[start:end],
            )
        )
    relations = []
    if len(entities) >= 2:
        for index in range(draw(st.integers(0, 3))):
            head, tail = draw(st.permutations(entities))[:2]
            relations.append(
                Relation(
                    f"R{index}", draw(st.sampled_from(inventory().relation_types)), head.id, tail.id
                )
            )
    clusters = ()
    if len(entities) >= 2:
        clusters = (Cluster("C1", tuple(e.id for e in entities[:2])),)
    metadata = {
        "language": "en",
        "split": draw(st.sampled_from(["train", "test"])),
        "title": draw(st.one_of(st.none(), st.text(max_size=5))),
        "source": {"outlet": None, "url": None},
    }
    seed = draw(st.one_of(st.none(), st.just(Seed("seeds/x.txt", "0" * 64))))
    return Document(
        id=draw(st.from_regex(r"[a-z0-9][a-z0-9_]{0,8}", fullmatch=True)),
        text=text,
        metadata=metadata,
        entities=tuple(entities),
        relations=tuple(relations),
        clusters=clusters,
        seed=seed,
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(documents(), min_size=1, max_size=3, unique_by=lambda d: d.id))
def test_documents_config_round_trip(docs: list[Document]) -> None:
    # the build's own path: columns, an Arrow table of the declared features, no encoding
    buffer = TableBuffer("documents", features("documents"))
    ids = LabelIds.from_schema()
    for document in docs:
        buffer.extend(document_columns(document, "9.9.9", ids))
    dataset = Dataset(InMemoryTable(buffer.rest()))
    assert dataset.features == features("documents")
    assert documents_from_dataset(dataset) == sorted(docs, key=lambda d: d.id)
