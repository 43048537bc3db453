"""digest: build a daily newsletter digest email from articles and ticker headlines."""

from __future__ import annotations

__version__ = "0.1.0"
