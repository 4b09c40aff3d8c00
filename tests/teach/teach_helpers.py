"""Shared helpers for the teaching tests: the documents to test on, a DOM parser, Chromium."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import strategies as st

from corpus.formats.native import document_files, from_dict, read_json
from corpus.model import Cluster, Document, Entity, Relation
from corpus.schema import inventory

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURE = HERE / "fixtures" / "seed_fixture.json"
CHROMIUM = "/usr/bin/chromium"


def fixture_document() -> Document:
    """A small hand annotation of the real seed text (see fixtures/make_fixture.py)."""
    return from_dict(read_json(FIXTURE))


def read_folder(folder: Path) -> list[Document]:
    return [from_dict(read_json(path)) for path in document_files(folder)]


def latest_release() -> tuple[str, list[Document]] | None:
    """(version, documents) of the newest release on disk, read as plain native files."""
    releases = ROOT / "annotations" / "releases"
    if not releases.is_dir():
        return None
    versions = sorted(
        (p.name for p in releases.iterdir() if (p / "documents").is_dir()),
        key=lambda v: tuple(int(x) if x.isdigit() else 0 for x in v.split(".")),
    )
    if not versions:
        return None
    return versions[-1], read_folder(releases / versions[-1] / "documents")


def corpora() -> list[tuple[str, list[Document]]]:
    """Everything to test on: the fixture always, and the latest release; the working copy
    only while there is no release (afterwards it is being edited and may be mid-change)."""
    found = [("fixture", [fixture_document()])]
    release = latest_release()
    if release is not None:
        found.append((f"release-{release[0]}", release[1]))
        return found
    working = ROOT / "annotations" / "working"
    if working.is_dir() and document_files(working):
        documents = read_folder(working)
        if any(document.entities for document in documents):
            found.append(("working", documents))
    return found


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> list[Element]:
        found = [self]
        for child in self.children:
            if isinstance(child, Element):
                found.extend(child.iter())
        return found

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


VOID = {"meta", "br", "input", "img", "link", "hr", "source", "wbr", "col", "area", "base"}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if self.stack[-1].tag not in ("script", "style"):
            self.stack[-1].children.append(data)


def parse_html(markup: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    return builder.root


def chromium_args(profile: Path) -> list[str]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        raise AssertionError(
            "chromium is not installed: run `make test` (it installs Debian's chromium) or "
            "`apt-get install -y chromium`"
        )
    return [
        CHROMIUM if Path(CHROMIUM).exists() else "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after the page's scripts ran, serialised by headless Chromium."""
    result = subprocess.run(
        [*chromium_args(profile), "--virtual-time-budget=2000", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def screenshot(url: str, path: Path, profile: Path, size: str = "1400,1600") -> Path:
    subprocess.run(
        [*chromium_args(profile), f"--screenshot={path}", f"--window-size={size}", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return path


# ------------------------------------------------------- random valid documents (Hypothesis)

WORD = st.text(alphabet='abcXYZé’—&<"😀', min_size=1, max_size=5)
SEPARATOR = st.sampled_from([" ", "  ", "\n", "\n\n", " \n", "\u00a0", " \t "])


@st.composite
def documents(draw: st.DrawFn) -> Document:
    labels = inventory()
    words = draw(st.lists(WORD, min_size=1, max_size=12))
    separators = [draw(SEPARATOR) for _ in words[1:]]
    text, bounds = "", []
    for index, word in enumerate(words):
        if index:
            text += separators[index - 1]
        bounds.append((len(text), len(text) + len(word)))
        text += word
    spans: list[tuple[int, int, str]] = []
    wanted = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(words) - 1),
                st.integers(1, 3),
                st.sampled_from(labels.entity_types),
            ),
            max_size=10,
        )
    )
    for first, length, label in wanted:
        start, end = bounds[first][0], bounds[min(first + length, len(words)) - 1][1]
        crossing = any(s < start < e < end or start < s < end < e for s, e, _ in spans)
        if not crossing and (start, end, label) not in spans:
            spans.append((start, end, label))
    foreign = draw(st.lists(st.booleans(), min_size=len(spans), max_size=len(spans)))
    entities = tuple(
        Entity(f"ent-{i}" if odd else f"T{i + 1}", label, start, end, text[start:end])
        for i, ((start, end, label), odd) in enumerate(zip(spans, foreign, strict=True))
    )
    relations: list[Relation] = []
    pairs = draw(st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), max_size=6))
    for a, b in pairs:
        if len(entities) < 2:
            break
        head, tail = entities[a % len(entities)], entities[b % len(entities)]
        allowed = [r for r in labels.relations if r.allows(head.type, tail.type)]
        if head.id == tail.id or not allowed:
            continue
        relation = allowed[draw(st.integers(0, len(allowed) - 1))]
        if any(
            r.type == relation.name and {r.head, r.tail} == {head.id, tail.id} for r in relations
        ):
            continue
        rel_id = f"R{len(relations) + 1}" if draw(st.booleans()) else f"rel.{len(relations)}"
        relations.append(Relation(rel_id, relation.name, head.id, tail.id))
    clusters = []
    for label in labels.entity_types:
        members = tuple(e.id for e in entities if e.type == label)
        if len(members) >= 2 and draw(st.booleans()):
            clusters.append(Cluster(f"C{len(clusters) + 1}", members))
    metadata = {
        "language": "en",
        "split": draw(st.sampled_from(["train", "dev", "test"])),
        "source": {"outlet": draw(st.none() | st.text(max_size=5)), "url": None},
        "annotation": {"annotators": draw(st.lists(st.text(max_size=4), max_size=2))},
    }
    return Document(
        id=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,8}", fullmatch=True)),
        text=text,
        metadata=metadata,
        entities=entities,
        relations=tuple(relations),
        clusters=tuple(clusters),
    )
