"""Members' texts: plain text with paragraphs (never HTML) and slugs for clean addresses."""

from __future__ import annotations

import re
import unicodedata

BLANK_LINE = re.compile(r"\n\s*\n")


def paragraphs(text: str | None) -> list[str]:
    """Split on blank lines; the template escapes each paragraph and keeps its line breaks."""
    normalised = (text or "").replace("\r\n", "\n").strip()
    return [part.strip() for part in BLANK_LINE.split(normalised) if part.strip()]


def slug(text: str) -> str:
    """``Handgemaakte fiets, één!`` → ``handgemaakte-fiets-een`` (at most 80 characters)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-") or "aanbod"
