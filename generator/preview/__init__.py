"""Preview: load → check → render, served on 127.0.0.1 with live reload and the diagnostics shown in the page."""

from __future__ import annotations

from generator.preview.incremental import Preview, Update
from generator.preview.server import PreviewServer, open_preview

__all__ = ["Preview", "PreviewServer", "Update", "open_preview"]
