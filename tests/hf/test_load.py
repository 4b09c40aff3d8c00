"""Loading the built folder: with only ``datasets`` installed (a separate virtual
environment without ``corpus`` or spaCy), by training loops written for conll2003 and
TACRED, through ``corpus.load_dataset``, and back to our documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import corpus
from corpus.hf import BUILD_INFO_FILE, CONFIGS, documents_from_dataset, features, is_current
from corpus.hf import load_dataset as corpus_load_dataset
from corpus.model import Document

PURE_PRELUDE = """
import importlib.util, json, sys
assert importlib.util.find_spec("corpus") is None, "corpus must not be installed here"
assert importlib.util.find_spec("spacy") is None, "spacy must not be installed here"
from datasets import load_dataset
folder = sys.argv[1]
"""


def run_pure(python: Path, code: str, folder: Path, tmp_path: Path) -> Any:
    """Run ``code`` in the datasets-only environment; it prints one JSON value."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    result = subprocess.run(
        [str(python), "-I", "-c", PURE_PRELUDE + textwrap.dedent(code), str(folder)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_each_config_loads_with_only_datasets_installed(
    pure_python: Path, built: tuple[Path, Any], gold: list[Document], tmp_path: Path
) -> None:
    folder, report = built
    loaded = run_pure(
        pure_python,
        """
        out = {}
        for config in ("documents", "ner", "relations"):
            ds = load_dataset(folder, config)
            out[config] = {"features": {s: ds[s].features.to_dict() for s in ds},
                           "rows": {s: ds[s].num_rows for s in ds},
                           "data": {s: ds[s].to_list() for s in ds}}
        out["default"] = sorted(load_dataset(folder))
        print(json.dumps(out))
    """,
        folder,
        tmp_path,
    )
    for config in CONFIGS:
        assert loaded[config]["rows"] == report.rows[config]
        for split_features in loaded[config]["features"].values():
            assert split_features == features(config).to_dict()
    assert loaded["default"] == sorted(report.rows["documents"])
    entity_types = corpus.inventory().entity_types
    rows = {row["id"]: row for split in loaded["documents"]["data"].values() for row in split}
    for document in gold:
        row = rows[document.id]
        spans = [
            (entity_types[e["type"]], e["start"], e["end"], e["text"]) for e in row["entities"]
        ]
        assert spans == [(e.type, e.start, e.end, e.text) for e in document.entities]
        assert all(row["text"][s:e] == t for _, s, e, t in spans)


CONLL_LOOP = """
    # as transformers' run_ner.py reads conll2003: nothing in it knows about this corpus
    raw = load_dataset(folder, "ner")
    train_dataset = raw["train"]
    eval_dataset = raw["validation"]
    predict_dataset = raw["test"]
    features = train_dataset.features
    label_list = features["ner_tags"].feature.names
    label2id = {label: i for i, label in enumerate(label_list)}
    id2label = {i: label for label, i in label2id.items()}
    def align(batch):
        return {"labels": [[label2id[id2label[tag]] for tag in tags]
                           for tags in batch["ner_tags"]]}
    splits = {}
    for name, dataset in (("train", train_dataset), ("validation", eval_dataset),
                          ("test", predict_dataset)):
        processed = dataset.map(align, batched=True)
        sentences = entities = 0
        for example in processed:
            assert len(example["tokens"]) == len(example["ner_tags"]) == len(example["labels"])
            sentences += 1
            entities += sum(id2label[t].startswith("B-") for t in example["ner_tags"])
            for previous, tag in zip(["O"] + [id2label[t] for t in example["ner_tags"]],
                                     [id2label[t] for t in example["ner_tags"]]):
                if tag.startswith("I-"):
                    assert previous[2:] == tag[2:], "IOB2: I- continues its own type"
        splits[name] = {"sentences": sentences, "entities": entities}
    print(json.dumps({"labels": label_list, "splits": splits}))
"""

TACRED_LOOP = """
    # written for TACRED: entity markers around subject and object, label ids from features
    raw = load_dataset(folder, "relations")
    features = raw["train"].features
    label_list = features["relation"].names
    no_relation = features["relation"].str2int("no_relation")
    counts = {}
    rows = {}
    for split in ("train", "validation", "test"):
        rows[split] = raw[split].num_rows
        for example in raw[split]:
            tokens = list(example["tokens"])
            ss, se = example["subj_start"], example["subj_end"]
            os_, oe = example["obj_start"], example["obj_end"]
            subj_type = features["subj_type"].int2str(example["subj_type"])
            obj_type = features["obj_type"].int2str(example["obj_type"])
            marked = []
            for i, token in enumerate(tokens):
                if i == ss: marked.append(f"[S:{subj_type}]")
                if i == os_: marked.append(f"[O:{obj_type}]")
                marked.append(token)
                if i == se - 1: marked.append(f"[/S:{subj_type}]")
                if i == oe - 1: marked.append(f"[/O:{obj_type}]")
            assert len(marked) == len(tokens) + 4
            label = label_list[example["relation"]]
            counts[label] = counts.get(label, 0) + 1
    print(json.dumps({"no_relation": no_relation, "counts": counts, "rows": rows}))
"""


def test_a_conll2003_training_loop_runs_unchanged(
    pure_python: Path, built: tuple[Path, Any], tmp_path: Path
) -> None:
    """The loop reads ``raw["train"]``, ``raw["validation"]`` and ``raw["test"]``: the gold's
    one article has all three (teaching splits by sentence)."""
    folder, report = built
    out = run_pure(pure_python, CONLL_LOOP, folder, tmp_path)
    assert out["labels"][0] == "O" and len(out["labels"]) == 1 + 2 * len(
        corpus.inventory().entity_types
    )
    assert {s: counts["sentences"] for s, counts in out["splits"].items()} == report.rows["ner"]
    assert all(counts["sentences"] > 0 for counts in out["splits"].values())
    assert sum(counts["entities"] for counts in out["splits"].values()) == sum(
        report.ner_mention_counts.values()
    )


def test_a_tacred_style_loop_runs_unchanged(
    pure_python: Path, built: tuple[Path, Any], tmp_path: Path
) -> None:
    folder, report = built
    out = run_pure(pure_python, TACRED_LOOP, folder, tmp_path)
    assert out["no_relation"] == 0
    assert out["counts"] == dict(report.relation_row_counts)
    assert out["rows"] == report.rows["relations"]


def test_documents_convert_back_to_the_gold_release(
    built: tuple[Path, Any], gold: list[Document]
) -> None:
    import datasets

    folder, _ = built
    dataset = datasets.load_dataset(str(folder), "documents")
    assert documents_from_dataset(dataset) == sorted(gold, key=lambda d: d.id)


def test_corpus_load_dataset_builds_when_missing_or_stale(
    tmp_path: Path, gold_version: str, gold: list[Document]
) -> None:
    target = tmp_path / "dataset"
    assert not is_current(gold_version, target)
    ner = corpus_load_dataset("ner", gold_version, output=target)
    assert is_current(gold_version, target)
    assert sum(ner[s].num_rows for s in ner) > 0
    info_path = target / BUILD_INFO_FILE
    info = json.loads(info_path.read_text(encoding="utf-8"))
    info["fingerprint"] = "0" * 64  # as if built from other content
    info_path.write_text(json.dumps(info), encoding="utf-8")
    assert not is_current(gold_version, target)
    documents = corpus_load_dataset("documents", gold_version, output=target)
    assert is_current(gold_version, target)
    assert documents_from_dataset(documents) == sorted(gold, key=lambda d: d.id)
    with pytest.raises(ValueError, match="unknown config"):
        corpus_load_dataset("conll", gold_version, output=target)


def test_the_public_api_is_reachable_from_the_package() -> None:
    import corpus.hf  # noqa: F401  (importing the submodules must not shadow the functions)
    from corpus.evaluation import evaluate

    assert corpus.load_dataset is corpus_load_dataset
    assert corpus.evaluate is evaluate


def test_importing_corpus_does_not_import_datasets_or_spacy() -> None:
    code = (
        "import sys, corpus; corpus.Document; "
        "heavy = [m for m in ('datasets', 'spacy', 'pyarrow') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
