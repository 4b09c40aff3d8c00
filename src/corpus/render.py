"""The annotated-article view: one self-contained HTML page (or notebook fragment).

What the page shows, for every document:

- the text exactly as stored (``white-space: pre-wrap``, HTML-escaped, never normalised);
- every entity as a ``<span class="cv-e" data-entity-id=... data-type=...>`` around its
  text, coloured by the type's ``x-color`` from the schema. Mentions nest as elements
  (spans never cross, which ``corpus validate`` guarantees); an outer mention is drawn
  with a lower underline than the mentions inside it, so every level stays visible. The
  type label is CSS generated content, so the element's text is exactly the mention;
- the relations as a list whose arguments are linked to their spans: hovering a relation
  highlights both spans and draws an arrow from head to tail over the text; clicking pins
  it; "draw all relations" draws every arrow at once;
- the coreference clusters: clicking one highlights its mentions and dims the others;
- a legend generated from :func:`corpus.schema.inventory` (name, title, definition, count),
  whose check boxes hide or show a type.

Everything (CSS, JavaScript) is inline and the page's Content-Security-Policy forbids any
network access. The view works without JavaScript too (colours, nesting, lists); the
script only adds the highlighting, the arrows and the cluster selection.

Python API: :func:`render_page` (a whole page), :func:`render_fragment` (a ``<div>`` for
a notebook), :func:`show` (the fragment as ``IPython.display.HTML``),
:func:`write_page` (atomic write) and :func:`excerpt` (one passage as a document).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError, Location, Problem
from corpus.fsutil import atomic_write_text
from corpus.model import Document, Entity
from corpus.paths import refuse_release_output
from corpus.schema import Inventory, inventory

#: colour of an entity whose type is not in the inventory (e.g. a prediction made elsewhere)
UNKNOWN_COLOR = "#808080"
#: vertical distance between the underlines of two nesting levels, in pixels
LEVEL_STEP_PX = 4


@dataclass
class _Node:
    entity: Entity
    children: list[_Node] = field(default_factory=list)

    @property
    def height(self) -> int:
        """0 for a mention with nothing inside it, else 1 + the height of its tallest child."""
        return 1 + max((child.height for child in self.children), default=-1)


def mention_forest(document: Document) -> list[_Node]:
    """The mentions as a forest: each mention's children are the mentions inside it.

    Two mentions with the same span nest in reading order (:meth:`Entity.sort_key`).
    Crossing spans cannot be drawn as nested elements: they are a ``CROSSING_SPANS`` error.
    """
    roots: list[_Node] = []
    stack: list[_Node] = []
    for entity in sorted(document.entities, key=Entity.sort_key):
        while stack and entity.start >= stack[-1].entity.end:
            stack.pop()
        if stack and entity.end > stack[-1].entity.end:
            outer = stack[-1].entity
            raise CorpusError(
                [
                    Problem(
                        "<render>",
                        document.id,
                        Location.at("entities", entity.id),
                        "CROSSING_SPANS",
                        f"mention {entity.id} [{entity.start}, {entity.end}) crosses mention "
                        f"{outer.id} [{outer.start}, {outer.end}); run `corpus validate`",
                    )
                ]
            )
        node = _Node(entity)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _rgba(color: str, alpha: float) -> str:
    red, green, blue = _rgb(color)
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    try:
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))
    except ValueError:
        return (128, 128, 128)


def _ink(color: str) -> str:
    """The type colour darkened until it reads on white (WCAG luminance at most 0.2)."""
    red, green, blue = _rgb(color)

    def luminance(r: float, g: float, b: float) -> float:
        def channel(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    factor = 1.0
    while luminance(red * factor, green * factor, blue * factor) > 0.2 and factor > 0:
        factor -= 0.05
    return "#{:02x}{:02x}{:02x}".format(*(round(c * max(factor, 0)) for c in (red, green, blue)))


def _colors(labels: Inventory) -> dict[str, str]:
    return {label.name: label.color for label in labels.entities}


def _render_text(document: Document, roots: list[_Node], colors: dict[str, str]) -> str:
    text = document.text
    out: list[str] = []

    def emit(nodes: list[_Node], start: int, end: int) -> None:
        position = start
        for node in nodes:
            entity = node.entity
            out.append(_text(text[position : entity.start]))
            color = colors.get(entity.type, UNKNOWN_COLOR)
            style = (
                f"--c:{color};--ink:{_ink(color)};--bg:{_rgba(color, 0.16)};"
                f"--bgs:{_rgba(color, 0.45)};"
                f"--lv:{node.height}"
            )
            out.append(
                f'<span class="cv-e" data-entity-id="{_attr(entity.id)}" '
                f'data-type="{_attr(entity.type)}" data-start="{entity.start}" '
                f'data-end="{entity.end}" style="{_attr(style)}" '
                f'title="{_attr(f"{entity.type} {entity.id} [{entity.start}, {entity.end})")}">'
            )
            emit(node.children, entity.start, entity.end)
            out.append("</span>")
            position = entity.end
        out.append(_text(text[position:end]))

    emit(roots, 0, len(text))
    return "".join(out)


def _mention_link(document: Document, entity_id: str) -> str:
    try:
        entity = document.entity(entity_id)
    except KeyError:
        return f'<span class="cv-missing">{_text(entity_id)} (missing)</span>'
    return (
        f'<a href="#" class="cv-ref" data-ref="{_attr(entity.id)}" '
        f'title="{_attr(f"{entity.type} {entity.id}")}">{_text(entity.text)}'
        f"<sub>{_text(entity.type)}</sub></a>"
    )


def _render_relations(document: Document, labels: Inventory) -> str:
    if not document.relations:
        return '<p class="cv-none">No relations.</p>'
    rows = []
    for relation in document.relations:
        try:
            label = labels.relation(relation.type)
            symbol = "↔" if label.symmetric else "→"
            hint = label.description
        except KeyError:
            symbol, hint = "→", "not in the label inventory"
        rows.append(
            f'<li class="cv-rel" data-relation-id="{_attr(relation.id)}" '
            f'data-type="{_attr(relation.type)}" data-head="{_attr(relation.head)}" '
            f'data-tail="{_attr(relation.tail)}">'
            f"{_mention_link(document, relation.head)} "
            f'<span class="cv-rtype" title="{_attr(hint)}">{symbol} {_text(relation.type)} '
            f"{symbol}</span> {_mention_link(document, relation.tail)}</li>"
        )
    return f'<ol class="cv-rels">{"".join(rows)}</ol>'


def _render_clusters(document: Document) -> str:
    if not document.clusters:
        return '<p class="cv-none">No coreference clusters.</p>'
    rows = []
    for cluster in document.clusters:
        mentions = ", ".join(_mention_link(document, member) for member in cluster.entities)
        rows.append(
            f'<li class="cv-cl" data-cluster-id="{_attr(cluster.id)}" '
            f'data-members="{_attr(" ".join(cluster.entities))}">'
            f'<button type="button" class="cv-clbtn">{_text(cluster.id)} '
            f"({len(cluster.entities)})</button> {mentions}</li>"
        )
    return f'<ul class="cv-cls">{"".join(rows)}</ul>'


def _render_legend(documents: Sequence[Document], labels: Inventory) -> str:
    counts: dict[str, int] = {}
    for document in documents:
        for entity in document.entities:
            counts[entity.type] = counts.get(entity.type, 0) + 1
    items = []
    for index, label in enumerate(labels.entities):
        items.append(
            f'<label class="cv-leg" title="{_attr(label.description)}" '
            f'data-type="{_attr(label.name)}">'
            f'<input type="checkbox" checked data-hide="cv-hide-{index}"> '
            f'<span class="cv-sw" style="background:{_attr(label.color)}"></span>'
            f"<b>{_text(label.name)}</b> {_text(label.title)} "
            f'<span class="cv-n">{counts.get(label.name, 0)}</span></label>'
        )
    unknown = sorted(set(counts) - set(labels.entity_types))
    for name in unknown:
        items.append(
            f'<span class="cv-leg" data-type="{_attr(name)}">'
            f'<span class="cv-sw" style="background:{UNKNOWN_COLOR}"></span>'
            f"<b>{_text(name)}</b> (not in the inventory) "
            f'<span class="cv-n">{counts[name]}</span></span>'
        )
    return (
        f'<div class="cv-legend"><span class="cv-legtitle">Entity types '
        f"(schema {_text(labels.version)})</span>{''.join(items)}"
        '<label class="cv-opt"><input type="checkbox" checked data-toggle="cv-labels"> '
        "type labels</label>"
        '<label class="cv-opt"><input type="checkbox" data-toggle="cv-allrels"> '
        "draw all relations</label></div>"
    )


def _metadata_line(document: Document) -> str:
    metadata = document.metadata
    parts = [f"split <b>{_text(str(metadata.get('split', '?')))}</b>"]
    if metadata.get("language"):
        parts.append(f"language {_text(str(metadata['language']))}")
    parts.append(f"{len(document.entities)} entities")
    parts.append(f"{len(document.relations)} relations")
    parts.append(f"{len(document.clusters)} clusters")
    parts.append(f"{len(document.text)} characters")
    return " · ".join(parts)


def _render_document(document: Document, labels: Inventory, colors: dict[str, str]) -> str:
    roots = mention_forest(document)
    depth = max((root.height for root in roots), default=-1) + 1
    line_height = f"calc(1.5em + {depth * LEVEL_STEP_PX + 4}px)"
    return (
        f'<section class="cv-doc" data-doc-id="{_attr(document.id)}">'
        f'<h2 class="cv-title">{_text(document.id)}</h2>'
        f'<p class="cv-meta">{_metadata_line(document)}</p>'
        '<div class="cv-body">'
        f'<div class="cv-textbox"><div class="cv-text" style="--lh:{line_height}">'
        f"{_render_text(document, roots, colors)}</div>"
        '<svg class="cv-arrows" aria-hidden="true"></svg></div>'
        '<aside class="cv-side">'
        f"<h3>Relations ({len(document.relations)})</h3>{_render_relations(document, labels)}"
        f"<h3>Coreference clusters ({len(document.clusters)})</h3>"
        f"{_render_clusters(document)}"
        "</aside></div></section>"
    )


_CSS = """
.cv{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;max-width:1400px}
.cv h2.cv-title{font-size:1.1em;margin:1em 0 .2em}
.cv .cv-meta{color:#555;margin:0 0 .6em;font-size:.9em}
.cv .cv-legend{display:flex;flex-wrap:wrap;gap:.3em .9em;align-items:center;padding:.5em .7em;
  border:1px solid #ddd;border-radius:6px;background:#fafafa;font-size:.85em}
.cv .cv-legtitle{font-weight:600;margin-right:.4em}
.cv .cv-leg{cursor:help;white-space:nowrap}
.cv .cv-sw{display:inline-block;width:.9em;height:.9em;border-radius:2px;vertical-align:-.1em;
  margin-right:.25em}
.cv .cv-n{color:#777}
.cv .cv-opt{margin-left:auto;white-space:nowrap}
.cv .cv-opt + .cv-opt{margin-left:0}
.cv .cv-body{display:flex;gap:1.5em;align-items:flex-start}
.cv .cv-textbox{position:relative;flex:3 1 0;min-width:0}
.cv .cv-text{white-space:pre-wrap;font-size:15px;overflow-wrap:break-word;line-height:var(--lh)}
.cv.cv-allrels .cv-text{line-height:calc(var(--lh) + 22px);padding-top:40px}
.cv .cv-arrows{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none;
  overflow:visible}
.cv .cv-side{flex:2 1 0;min-width:260px;font-size:.85em;max-height:90vh;overflow:auto}
.cv .cv-side h3{font-size:1em;margin:.2em 0 .4em}
.cv .cv-rels,.cv .cv-cls{margin:0 0 1em;padding-left:2.4em}
.cv .cv-rel,.cv .cv-cl{padding:.15em .3em;border-radius:4px;cursor:pointer}
.cv .cv-rel:hover,.cv .cv-rel.cv-on,.cv .cv-cl.cv-on{background:#eef3ff}
.cv .cv-rel.cv-pin{background:#dde7ff}
.cv .cv-rtype{color:#444;font-family:ui-monospace,monospace;font-size:.95em}
.cv .cv-ref{color:inherit;text-decoration:none;border-bottom:1px dotted #888}
.cv .cv-ref sub{color:#777;font-size:.75em;margin-left:1px}
.cv .cv-clbtn{font:inherit;font-size:.9em;cursor:pointer;border:1px solid #bbb;border-radius:4px;
  background:#fff;padding:0 .4em}
.cv .cv-cl.cv-on .cv-clbtn{background:#333;color:#fff;border-color:#333}
.cv .cv-none{color:#777}
.cv .cv-missing{color:#b00}
.cv .cv-e{background:var(--bg);border-bottom:2px solid var(--c);border-radius:2px;
  padding:1px 0 calc(1px + var(--lv) * 4px);transition:background .1s}
.cv.cv-labels .cv-e::after{content:attr(data-type);font-size:.58em;font-weight:700;
  color:var(--ink);vertical-align:super;margin:0 1px 0 2px;letter-spacing:.02em}
.cv .cv-e.cv-hl{background:var(--bgs);outline:2px solid var(--c);outline-offset:1px}
.cv .cv-e.cv-focus{outline:2px dashed #000;outline-offset:2px}
.cv.cv-clmode .cv-e{background:transparent;border-bottom-color:#ddd}
.cv.cv-clmode .cv-e::after{color:#bbb}
.cv.cv-clmode .cv-e.cv-sel{background:var(--bgs);border-bottom-color:var(--c);
  outline:2px solid #222;outline-offset:1px}
.cv.cv-clmode .cv-e.cv-sel::after{color:var(--ink)}
.cv .cv-arrows path{fill:none;stroke:#333;stroke-width:1.5}
.cv .cv-arrows text{font:11px ui-monospace,monospace;fill:#222;paint-order:stroke;
  stroke:#fff;stroke-width:3px}
"""

_JS = """
(function (root) {
  if (!root) return;
  var NS = 'http://www.w3.org/2000/svg';
  function docOf(el) { return el.closest('.cv-doc'); }
  function ent(doc, id) {
    return doc.querySelector('.cv-e[data-entity-id="' + CSS.escape(id) + '"]');
  }
  function clearClass(name) {
    root.querySelectorAll('.' + name).forEach(function (el) { el.classList.remove(name); });
  }
  function firstRect(el, box) {
    var rects = el.getClientRects();
    var r = rects.length ? rects[0] : el.getBoundingClientRect();
    return {x: r.left - box.left + r.width / 2, y: r.top - box.top};
  }
  function arrow(doc, rel) {
    var svg = doc.querySelector('.cv-arrows');
    var head = ent(doc, rel.dataset.head), tail = ent(doc, rel.dataset.tail);
    if (!svg || !head || !tail) return;
    var box = svg.getBoundingClientRect();
    var a = firstRect(head, box), b = firstRect(tail, box);
    var lift = Math.min(40, 14 + Math.abs(b.x - a.x) / 12 + Math.abs(b.y - a.y) / 8);
    var top = Math.min(a.y, b.y) - lift;
    var path = document.createElementNS(NS, 'path');
    path.setAttribute('d', 'M' + a.x + ',' + a.y + ' C' + a.x + ',' + top + ' ' + b.x + ',' +
      top + ' ' + b.x + ',' + (b.y - 2));
    path.setAttribute('marker-end', 'url(#' + svg.dataset.marker + ')');
    var label = document.createElementNS(NS, 'text');
    label.setAttribute('x', (a.x + b.x) / 2);
    label.setAttribute('y', top + lift / 4);
    label.setAttribute('text-anchor', 'middle');
    label.textContent = rel.dataset.type;
    svg.appendChild(path);
    svg.appendChild(label);
  }
  function redraw() {
    root.querySelectorAll('.cv-doc').forEach(function (doc) {
      var svg = doc.querySelector('.cv-arrows');
      while (svg.lastChild && svg.lastChild.nodeName !== 'defs') svg.removeChild(svg.lastChild);
      var all = root.classList.contains('cv-allrels');
      doc.querySelectorAll('.cv-rel').forEach(function (rel) {
        if (all || rel.classList.contains('cv-on') || rel.classList.contains('cv-pin')) {
          arrow(doc, rel);
        }
      });
    });
  }
  function lightRelation(rel, on) {
    var doc = docOf(rel);
    rel.classList.toggle('cv-on', on);
    [rel.dataset.head, rel.dataset.tail].forEach(function (id) {
      var el = ent(doc, id);
      if (el) el.classList.toggle('cv-hl', on || rel.classList.contains('cv-pin'));
    });
    redraw();
  }
  root.querySelectorAll('.cv-arrows').forEach(function (svg, i) {
    var id = root.id + '-arrow-' + i;
    svg.dataset.marker = id;
    svg.innerHTML = '<defs><marker id="' + id + '" viewBox="0 0 10 10" refX="9" refY="5" ' +
      'markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
      '<path d="M0,0 L10,5 L0,10 z" style="fill:#333;stroke:none"/></marker></defs>';
  });
  root.querySelectorAll('.cv-rel').forEach(function (rel) {
    rel.addEventListener('mouseenter', function () { lightRelation(rel, true); });
    rel.addEventListener('mouseleave', function () { lightRelation(rel, false); });
    rel.addEventListener('click', function (event) {
      event.preventDefault();
      rel.classList.toggle('cv-pin');
      lightRelation(rel, true);
      var head = ent(docOf(rel), rel.dataset.head);
      if (head && head.scrollIntoView) head.scrollIntoView({block: 'nearest'});
    });
  });
  root.querySelectorAll('.cv-ref').forEach(function (ref) {
    ref.addEventListener('click', function (event) { event.preventDefault(); });
    ref.addEventListener('mouseenter', function () {
      var el = ent(docOf(ref), ref.dataset.ref);
      if (el) el.classList.add('cv-focus');
    });
    ref.addEventListener('mouseleave', function () { clearClass('cv-focus'); });
  });
  root.querySelectorAll('.cv-e').forEach(function (el) {
    el.addEventListener('mouseover', function (event) {
      if (event.target.closest('.cv-e') !== el) return;
      var id = el.dataset.entityId;
      docOf(el).querySelectorAll('.cv-rel').forEach(function (rel) {
        if (rel.dataset.head === id || rel.dataset.tail === id) rel.classList.add('cv-on');
      });
      redraw();
    });
    el.addEventListener('mouseout', function (event) {
      if (event.target.closest('.cv-e') !== el) return;
      docOf(el).querySelectorAll('.cv-rel.cv-on').forEach(function (rel) {
        rel.classList.remove('cv-on');
      });
      redraw();
    });
  });
  root.querySelectorAll('.cv-cl').forEach(function (cl) {
    cl.addEventListener('click', function (event) {
      event.preventDefault();
      var doc = docOf(cl), wasOn = cl.classList.contains('cv-on');
      clearClass('cv-sel');
      root.querySelectorAll('.cv-cl.cv-on').forEach(function (c) { c.classList.remove('cv-on'); });
      root.classList.toggle('cv-clmode', !wasOn);
      if (wasOn) return;
      cl.classList.add('cv-on');
      cl.dataset.members.split(' ').forEach(function (id) {
        var el = ent(doc, id);
        if (el) el.classList.add('cv-sel');
      });
    });
  });
  root.querySelectorAll('input[data-hide]').forEach(function (box) {
    box.addEventListener('change', function () {
      root.classList.toggle(box.dataset.hide, !box.checked);
      redraw();
    });
  });
  root.querySelectorAll('input[data-toggle]').forEach(function (box) {
    box.addEventListener('change', function () {
      root.classList.toggle(box.dataset.toggle, box.checked);
      redraw();
    });
  });
  // '#relations=all&cluster=C2' in the address pre-selects a view (links, screenshots)
  decodeURIComponent((location.hash || '').slice(1)).split('&').forEach(function (part) {
    var kv = part.split('=');
    if (kv[0] === 'relations' && kv[1] === 'all') {
      root.querySelectorAll('input[data-toggle="cv-allrels"]').forEach(function (box) {
        box.checked = true;
      });
      root.classList.add('cv-allrels');
    }
    if (kv[0] === 'cluster' && kv[1]) {
      var cl = root.querySelector('.cv-cl[data-cluster-id="' + CSS.escape(kv[1]) + '"]');
      if (cl) cl.click();
    }
  });
  window.addEventListener('resize', redraw);
  redraw();
  root.classList.add('cv-js');
})(document.getElementById('%ROOT%'));
"""


def _hide_rules(labels: Inventory) -> str:
    """CSS that hides a type when its legend box is unticked (class ``cv-hide-<index>``)."""
    rules = []
    for index, label in enumerate(labels.entities):
        selector = f'.cv.cv-hide-{index} .cv-e[data-type="{_attr(label.name)}"]'
        rules.append(
            f"{selector}{{background:transparent;border-bottom-color:transparent}}"
            f"{selector}::after{{content:none}}"
        )
    return "\n".join(rules)


def render_fragment(
    documents: Sequence[Document],
    *,
    labels: Inventory | None = None,
    caption: str | None = None,
    legend: bool = True,
) -> str:
    """The view as one ``<div>`` with its own ``<style>`` and ``<script>`` (for notebooks).

    The root id is derived from the content, so rendering the same documents twice gives
    the same bytes, and two different views on one notebook page do not interfere.
    ``legend=False`` leaves out the legend (for short excerpts).
    """
    labels = labels or inventory()
    colors = _colors(labels)
    body = "".join(_render_document(document, labels, colors) for document in documents)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
    root_id = f"cv-{digest}"
    heading = f'<p class="cv-caption">{_text(caption)}</p>' if caption else ""
    return (
        f'<div class="cv cv-labels" id="{root_id}">'
        f"<style>{_CSS}{_hide_rules(labels)}</style>"
        f"{heading}{_render_legend(documents, labels) if legend else ''}{body}"
        f"<script>{_JS.replace('%ROOT%', root_id)}</script></div>"
    )


def render_page(
    documents: Sequence[Document],
    *,
    title: str = "Annotated corpus",
    labels: Inventory | None = None,
) -> str:
    """A complete, self-contained HTML page: no external resources, network forbidden by CSP."""
    fragment = render_fragment(documents, labels=labels, caption=title)
    policy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title>"
        "<style>body{margin:1.2em 1.6em;background:#fff}"
        ".cv-caption{font-size:1.3em;font-weight:600;margin:0 0 .5em}</style>"
        f"</head><body>\n{fragment}\n</body></html>\n"
    )


def write_page(
    documents: Sequence[Document], path: Path, *, title: str = "Annotated corpus"
) -> Path:
    """Write :func:`render_page` to ``path`` atomically and return the path."""
    refuse_release_output(path, whole_folder=False)
    atomic_write_text(path, render_page(documents, title=title))
    return path


def excerpt(document: Document, start: int, end: int) -> Document:
    """The part ``[start, end)`` of a document as a document of its own, for showing a
    passage: the mentions inside it (offsets shifted), the relations between them and the
    clusters with at least two of them. Its id says where it comes from."""
    from dataclasses import replace

    inside = [e for e in document.entities if start <= e.start and e.end <= end]
    kept = {e.id for e in inside}
    clusters = []
    for cluster in document.clusters:
        members = tuple(m for m in cluster.entities if m in kept)
        if len(members) >= 2:
            clusters.append(replace(cluster, entities=members))
    return Document(
        id=f"{document.id} [{start}, {end})",
        text=document.text[start:end],
        metadata=document.metadata,
        entities=tuple(replace(e, start=e.start - start, end=e.end - start) for e in inside),
        relations=tuple(r for r in document.relations if r.head in kept and r.tail in kept),
        clusters=tuple(clusters),
    )


def show(
    documents: Sequence[Document] | Document, *, caption: str | None = None, legend: bool = True
) -> Any:
    """The view as ``IPython.display.HTML``, for a notebook cell."""
    from importlib import import_module

    html_output: Any = import_module("IPython.display").HTML
    if isinstance(documents, Document):
        documents = [documents]
    return html_output(render_fragment(documents, caption=caption, legend=legend))
