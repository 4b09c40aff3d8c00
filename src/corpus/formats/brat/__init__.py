"""brat standoff: ``<id>.txt`` + ``<id>.ann`` per document, and ``annotation.conf``.

Specification: the brat standoff format, https://brat.nlplab.org/standoff.html, and the
configuration language, https://brat.nlplab.org/configuration.html.

What is written, per document:

- ``<id>.txt``: the text, byte for byte (UTF-8, LF line ends, nothing normalised);
- ``<id>.ann``, in document order:

  - one text-bound line per entity, ``T1<TAB>PER 44 58<TAB>Emomali Rahmon``;
  - one relation line per relation, ``R1<TAB>has_title Arg1:T5 Arg2:T4`` (Arg1 is the head,
    Arg2 the tail; symmetric types keep their stored order);
  - one equivalence line per coreference cluster, ``*<TAB>Coref T5 T10 T20``. We chose
    brat's equivalence (an unordered set, drawn by brat as one chain) over pairwise
    ``Coref`` relations because a cluster is a set, which is exactly what ``*`` lines
    mean; relations would invent an order and an id per pair;
  - ``#`` ``AnnotatorNotes`` lines only where a corpus id is not brat-shaped (below).
- ``<id>.corpus.json``: a sidecar with what brat has no place for: the document's
  metadata (split, language, provenance, annotation), its seed, and the ids of its
  clusters (brat equivalences carry no id). brat ignores the file.

For the collection, ``annotation.conf`` (entity types, relation types with their allowed
argument types, ``<REL-TYPE>:symmetric`` for symmetric types, the ``Coref`` equivalence,
and an ``<OVERLAP>`` rule allowing nested and equal spans, never crossing ones) and
``visual.conf`` (each type's title and colour): both generated from the schema. A
deprecated relation type is in ``annotation.conf`` only when the documents written use it
(a release 1.x), so annotators are not offered it for new work.

Offsets. brat's offsets are 0-based, end-exclusive *character* offsets into the ``.txt``
file: its server reads the file with ``codecs.open(..., encoding='utf8')`` and slices the
resulting Python string (``server/src/annotation.py``). That is the same convention as
ours (Unicode code points) for every character of the Basic Multilingual Plane, i.e. for
everything in this corpus (NBSP, curly quotes, em dashes included). Characters outside
it (emoji) are the known exception: brat's web client counts UTF-16 code units, so spans
after such a character are displayed one place off (nlplab/brat issue #1115). We write
code points, as the spec and the server do; files with astral characters work with our
reader and with Python tools, and look shifted in brat's browser view.

Ids. brat needs ``T<n>`` for text-bound annotations and ``R<n>`` for relations. A corpus
id already of that shape (the gold uses ``T1``, ``R1``, ``C1``) is written as is. Any
other id gets the next free ``T<n>``/``R<n>`` and an ``AnnotatorNotes`` line
``#1<TAB>AnnotatorNotes T7<TAB>corpus-id: <id>`` that the reader uses to restore it;
brat shows such notes to annotators and keeps them when a span is edited.

What this format loses or refuses:

- nothing, for documents of this corpus: ``read(write(doc)) == doc`` (tested on the
  release and with Hypothesis), as long as the ``.corpus.json`` sidecars travel with the
  files. Without a sidecar the reader uses metadata ``{"language": "und", "split":
  "train", "source": {"outlet": null, "url": null, ...}}`` and cluster ids ``C<n>``;
- spans across line breaks become brat discontinuous spans (``T1<TAB>X 0 5;6 9``, one
  fragment per line, which is what brat itself does) and are merged back on reading when
  the gaps hold only line breaks; a span that starts or ends with a line break, or a text
  with a carriage return, cannot be represented and is refused (``SPAN_EDGE_NEWLINE``,
  ``CARRIAGE_RETURN``);
- on reading, brat features our model does not have are errors, never dropped silently:
  events (``E``), attributes (``A``/``M``), normalisations (``N``), other discontinuous
  spans. Free-text ``AnnotatorNotes`` (other than ``corpus-id:``) are not kept.

Verbs (the same in every format module): :func:`write` (documents to a brat collection,
published in one step) and :func:`read` (a brat folder to documents). The package is split
along the format's parts: :mod:`.config` (``annotation.conf``, ``visual.conf``, names),
:mod:`.writer` and :mod:`.reader`; the sidecar's shape is checked by
``schema/brat-sidecar.schema.json``.

Reading reports every problem at once, one line each, located as
``<file>.ann: <document>: line N: CODE: message``: ``MALFORMED_LINE``,
``UNSUPPORTED_ANNOTATION``, ``UNKNOWN_ENTITY_TYPE``, ``UNKNOWN_RELATION_TYPE``,
``BAD_OFFSETS``, ``TEXT_MISMATCH``, ``DISCONTINUOUS_SPAN``,
``DANGLING_ARGUMENT``, ``BAD_ARGUMENT_ROLES``, ``DUPLICATE_ID``, ``MISSING_TEXT``,
``UNREADABLE`` (a folder named like a file), the sidecar's ``BAD_SIDECAR``; once a folder
parses cleanly, every check of ``corpus validate`` (types a relation does not allow, crossing
spans, clusters, ...) mapped back to its ``.ann`` line. Nothing is written unless every
document is clean.
"""

from corpus.formats.brat.config import (
    ANN_SUFFIX,
    COREF,
    DEFAULT_METADATA,
    NOTE_PREFIX,
    SIDECAR_FORMAT,
    SIDECAR_SUFFIX,
    SIDECAR_VERSION,
    TEXT_SUFFIX,
    annotation_conf,
    visual_conf,
)
from corpus.formats.brat.reader import document_ids, read, read_document
from corpus.formats.brat.writer import sidecar, to_ann, write

__all__ = [
    "ANN_SUFFIX",
    "COREF",
    "DEFAULT_METADATA",
    "NOTE_PREFIX",
    "SIDECAR_FORMAT",
    "SIDECAR_SUFFIX",
    "SIDECAR_VERSION",
    "TEXT_SUFFIX",
    "annotation_conf",
    "document_ids",
    "read",
    "read_document",
    "sidecar",
    "to_ann",
    "visual_conf",
    "write",
]
