"""Render stage: Markdown to HTML with Python-Markdown, resolving `lesson:`/`case:` links and images."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

EXTENSIONS = ["tables", "footnotes", "admonition", "attr_list", "def_list", "abbr", "sane_lists", "md_in_html",
              "toc"]
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a link or image becomes in the output."""

    href: str | None
    """None: drop the link and keep its text (e.g. lesson links inside a Common Cartridge)."""
    title: str | None = None


Resolver = Callable[[str, bool], Resolved]
"""(target as written, is_image) -> Resolved."""


class _LinkRewriter(Treeprocessor):
    def __init__(self, md: markdown.Markdown, resolver: Resolver) -> None:
        super().__init__(md)
        self.resolver = resolver

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag == "a" and element.get("href") is not None:
                self._link(element)
            elif element.tag == "img" and element.get("src") is not None:
                resolved = self.resolver(element.get("src", ""), True)
                element.set("src", resolved.href or "")
                element.set("loading", "lazy")

    def _link(self, element: ET.Element) -> None:
        href = element.get("href", "")
        if href.startswith("#") or element.get("class") == "footnote-ref" or href.startswith("#fn"):
            return
        scheme = _SCHEME.match(href)
        if scheme and scheme.group(1).lower() in {"http", "https", "mailto"}:
            if scheme.group(1).lower() != "mailto":
                element.set("rel", "noopener noreferrer")
                element.set("target", "_blank")  # inside an LMS frame, the web opens beside the course
                element.set("class", ((element.get("class") or "") + " external").strip())
            return
        resolved = self.resolver(href, False)
        if resolved.href is None:
            element.tag = "em"
            element.attrib.clear()
            element.set("class", "xref")
        else:
            element.set("href", resolved.href)
        if resolved.title and resolved.href is not None:
            element.set("title", resolved.title)


class _RewriteExtension(Extension):
    def __init__(self, resolver: Resolver) -> None:
        super().__init__()
        self.resolver = resolver

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        md.treeprocessors.register(_LinkRewriter(md, self.resolver), "curriculum-links", 1)


def render_markdown(text: str, resolver: Resolver, heading_offset: int = 0) -> str:
    """Render one Markdown body. A fresh Markdown instance per body keeps footnotes and ids apart."""
    md = markdown.Markdown(
        extensions=[*EXTENSIONS, _RewriteExtension(resolver)],
        extension_configs={"toc": {"permalink": False, "baselevel": 1 + heading_offset},
                           "footnotes": {"BACKLINK_TITLE": "Back to the text"}},
        output_format="html",
    )
    return md.convert(text)
