"""Teaching tests: shared fixtures (helpers live in ``tests.teach.teach_helpers``)."""

from __future__ import annotations
