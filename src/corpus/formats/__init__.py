"""Readers and writers, one module per format, with the same verbs.

Every format offers ``read`` (the format to documents, every problem located) and ``write``
(documents to the format): :mod:`.native` (the JSON documents; its validated ``read`` is
:func:`corpus.sources.load`, because the validator sits above the formats), :mod:`.brat` (lossless
standoff, a package: ``config``, ``reader``, ``writer``), :mod:`.labelstudio` (tasks and the
checking import, a package: ``config``, ``reader``, ``writer``) and :mod:`.conll` (one-way,
lossy; ``read`` gives sentences back). Each module documents the specification it follows and
what it cannot carry; the JSON shapes of a Label Studio export and of a brat sidecar are
checked by schemas under ``schema/`` (:mod:`.shape`).
"""
