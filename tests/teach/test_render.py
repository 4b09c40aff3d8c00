"""The annotated-article view: exact text, every mention as an element, and a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.model import Document, Entity
from corpus.render import mention_forest, render_fragment, render_page, write_page
from corpus.schema import inventory
from tests.teach.teach_helpers import (
    Element,
    corpora,
    dump_dom,
    fixture_document,
    parse_html,
    screenshot,
)

CORPORA = corpora()


def sections(root: Element) -> dict[str, Element]:
    return {el.attrs["data-doc-id"]: el for el in root.iter() if "data-doc-id" in el.attrs}


def check_view(root: Element, documents: list[Document]) -> None:
    """Every document's text is exact and every entity is an element with its exact text."""
    found = sections(root)
    assert sorted(found) == sorted(d.id for d in documents)
    for document in documents:
        section = found[document.id]
        (text_box,) = [el for el in section.iter() if "cv-text" in el.classes()]
        assert text_box.text() == document.text
        elements = [el for el in text_box.iter() if "data-entity-id" in el.attrs]
        rendered = {el.attrs["data-entity-id"]: el for el in elements}
        assert len(rendered) == len(elements) == len(document.entities)
        for entity in document.entities:
            element = rendered[entity.id]
            assert element.attrs["data-type"] == entity.type
            assert element.text() == entity.text
            assert (int(element.attrs["data-start"]), int(element.attrs["data-end"])) == (
                entity.start,
                entity.end,
            )
        relations = [el for el in section.iter() if "data-relation-id" in el.attrs]
        assert [el.attrs["data-relation-id"] for el in relations] == [
            r.id for r in document.relations
        ]
        for element, relation in zip(relations, document.relations, strict=True):
            assert (element.attrs["data-head"], element.attrs["data-tail"]) == (
                relation.head,
                relation.tail,
            )
        clusters = [el for el in section.iter() if "data-cluster-id" in el.attrs]
        assert [el.attrs["data-members"].split() for el in clusters] == [
            list(c.entities) for c in document.clusters
        ]


@pytest.mark.parametrize(("name", "documents"), CORPORA, ids=[name for name, _ in CORPORA])
def test_rendered_html_has_exact_text_and_every_entity(
    name: str, documents: list[Document]
) -> None:
    check_view(parse_html(render_page(documents)), documents)


def test_nesting_follows_spans() -> None:
    document = fixture_document()
    forest = mention_forest(document)
    by_id = {}
    stack = list(forest)
    while stack:
        node = stack.pop()
        by_id[node.entity.id] = node
        stack.extend(node.children)
    # The fixture nests ORG > PER > GPE ("The Tajik president’s official website").
    assert [child.entity.id for child in by_id["T9"].children] == ["T10"]
    assert [child.entity.id for child in by_id["T10"].children] == ["T11"]
    assert (by_id["T9"].height, by_id["T10"].height, by_id["T11"].height) == (2, 1, 0)
    # The element for an outer mention contains the inner ones.
    root = parse_html(render_fragment([document]))
    (outer,) = [el for el in root.iter() if el.attrs.get("data-entity-id") == "T9"]
    inner = [el.attrs.get("data-entity-id") for el in outer.iter()[1:] if el.tag == "span"]
    assert inner == ["T10", "T11"]


def test_text_is_escaped_and_kept_exact() -> None:
    text = "a <b>&amp; “x”\u00a0y\n\n  z</b>"
    document = Document(
        id="d1",
        text=text,
        metadata={"split": "train"},
        entities=(Entity("T1", "PER", 2, 5, "<b>"), Entity("T2", "ORG", 12, 17, "x”\u00a0y\n")),
    )
    markup = render_fragment([document])
    assert "<b>&amp;" not in markup
    check_view(parse_html(markup), [document])


def test_crossing_spans_are_a_located_error() -> None:
    document = Document(
        id="d1",
        text="abcdef",
        metadata={},
        entities=(Entity("T1", "PER", 0, 3, "abc"), Entity("T2", "ORG", 2, 5, "cde")),
    )
    with pytest.raises(CorpusError) as caught:
        render_fragment([document])
    assert [p.code for p in caught.value.problems] == ["CROSSING_SPANS"]
    assert "T2" in str(caught.value)


def test_legend_comes_from_the_schema() -> None:
    root = parse_html(render_fragment([fixture_document()]))
    legend = [el.attrs["data-type"] for el in root.iter() if "cv-leg" in el.classes()]
    assert legend == inventory().entity_types


def test_page_is_self_contained() -> None:
    page = render_page([fixture_document()])
    assert "Content-Security-Policy" in page
    for needle in ("src=", 'href="http', "@import", "url(http"):
        assert needle not in page
    assert render_page([fixture_document()]) == page  # deterministic


@pytest.mark.parametrize(("name", "documents"), CORPORA, ids=[name for name, _ in CORPORA])
def test_page_in_headless_chromium(name: str, documents: list[Document], tmp_path: Path) -> None:
    page = write_page(documents, tmp_path / "view.html", title=f"corpus view: {name}")
    profile = tmp_path / "profile"
    dom = dump_dom(page.as_uri() + "#relations=all", profile)
    root = parse_html(dom)
    check_view(root, documents)
    (view,) = [el for el in root.iter() if "cv" in el.classes()]
    assert {"cv-js", "cv-allrels"} <= view.classes()  # the script ran
    arrows = [el for el in root.iter() if el.tag == "path" and "marker-end" in el.attrs]
    assert len(arrows) == sum(len(d.relations) for d in documents)
    clustered = next((d for d in documents if d.clusters), None)
    if clustered is not None:
        cluster = clustered.clusters[0]
        dom = dump_dom(page.as_uri() + f"#cluster={cluster.id}", profile)
        selected = {
            el.attrs["data-entity-id"] for el in parse_html(dom).iter() if "cv-sel" in el.classes()
        }
        assert selected == set(cluster.entities)
    shot = screenshot(page.as_uri() + "#relations=all", tmp_path / f"view-{name}.png", profile)
    assert shot.stat().st_size > 20_000
    if clustered is not None:
        screenshot(
            page.as_uri() + f"#cluster={clustered.clusters[-1].id}",
            tmp_path / f"cluster-{name}.png",
            profile,
        )


def test_render_command_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from corpus.cli import main

    output = tmp_path / "out" / "view.html"
    assert main(["render", "-o", str(output)]) == 0
    assert "wrote" in capsys.readouterr().out
    page = output.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'data-entity-id="' in page


def test_render_command_unknown_version_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus.cli import main

    output = tmp_path / "view.html"
    assert main(["render", "--version", "9.9.9", "-o", str(output)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "RELEASE_NOT_FOUND" in err[0]
    assert not output.exists()


def test_output_the_file_system_refuses_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus.cli import main

    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    for argv in (["render", "-o"], ["export", "conll", "-o"]):
        assert main([*argv, str(tmp_path)]) == 2  # a folder where a file is expected
        assert capsys.readouterr().err == f"{tmp_path}: -: /: OS_ERROR: Is a directory\n"
        assert main([*argv, str(tmp_path / "a-file" / "view.html")]) == 2
        assert capsys.readouterr().err == (
            f"{tmp_path / 'a-file'}: -: /: OS_ERROR: exists and is not a folder, "
            "so nothing can be written inside it\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # no temporary file left


def test_render_over_a_symlink_loop_is_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus.cli import main

    (tmp_path / "a.html").symlink_to("b.html")
    (tmp_path / "b.html").symlink_to("a.html")
    assert main(["render", "-o", str(tmp_path / "a.html")]) == 0  # the link is replaced
    assert (tmp_path / "a.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_excerpt_keeps_what_lies_inside() -> None:
    from corpus.render import excerpt

    document = fixture_document()
    start = document.text.index("The Tajik president")
    part = excerpt(document, start, start + len("The Tajik president’s official website"))
    assert [e.id for e in part.entities] == ["T9", "T10", "T11"]
    for entity in part.entities:
        assert part.text[entity.start : entity.end] == entity.text
    whole = excerpt(document, 0, 60)
    assert {r.id for r in whole.relations} == {"R1", "R2"}
    check_view(parse_html(render_fragment([part, whole])), [part, whole])


def test_fragment_without_legend() -> None:
    document = fixture_document()
    root = parse_html(render_fragment([document], legend=False))
    assert not [el for el in root.iter() if "cv-leg" in el.classes()]
    check_view(root, [document])
