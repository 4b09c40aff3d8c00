"""Shared helpers for the teaching tests: the documents to test on, a DOM parser, Chromium."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from corpus.formats.native import document_files, from_dict, read_json
from corpus.model import Document

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
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={profile}",
    ]


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after the page's scripts ran, serialised by headless Chromium."""
    result = subprocess.run(
        [*chromium_args(profile), "--virtual-time-budget=2000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return result.stdout


def screenshot(url: str, path: Path, profile: Path, size: str = "1400,1600") -> Path:
    subprocess.run(
        [*chromium_args(profile), f"--screenshot={path}", f"--window-size={size}", url],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return path
