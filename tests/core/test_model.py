"""The document model is immutable all the way down: metadata included."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from corpus.formats import native
from corpus.model import Document
from tests.core.core_helpers import FIXTURE


def test_metadata_is_read_only_and_documents_hash() -> None:
    document = native.from_dict(native.read_json(FIXTURE))
    assert hash(document) == hash(native.from_dict(native.read_json(FIXTURE)))  # TypeError before
    assert {document, native.from_dict(native.read_json(FIXTURE))} == {document}
    with pytest.raises(TypeError):
        document.metadata["split"] = "test"  # type: ignore[index]
    with pytest.raises(TypeError):
        document.metadata["source"]["note"] = "changed"
    nested = Document("x", "t", {"annotators": ["alice"]})
    with pytest.raises(TypeError):
        nested.metadata["annotators"].append("bob")
    assert nested.metadata == {"annotators": ["alice"]}
    with pytest.raises(TypeError):
        document.metadata.update(split="test")  # type: ignore[attr-defined]


def test_read_only_metadata_still_equals_and_round_trips() -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    document = native.from_dict(data)
    assert document.metadata == data["metadata"]  # equal to the plain JSON it came from
    assert native.from_dict(native.to_dict(document)) == document
    assert json.loads(native.dumps(document))["metadata"] == data["metadata"]
    assert pickle.loads(pickle.dumps(document)) == document
    assert copy.deepcopy(document) == document
    edited = dict(document.metadata) | {"split": "test"}  # a plain copy is the way to change it
    assert Document(document.id, document.text, edited).metadata["split"] == "test"
