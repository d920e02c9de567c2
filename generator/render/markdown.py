"""Render stage: Markdown to HTML with Python-Markdown, resolving `lesson:`/`case:` links and images."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from generator.mdmemo import ACTIVE_MEMO

EXTENSIONS = ["tables", "footnotes", "admonition", "attr_list", "def_list", "abbr", "sane_lists", "md_in_html",
              "toc"]
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a link or image becomes in the output."""

    href: str | None
    """None: drop the link and keep its text (e.g. lesson links inside a Common Cartridge)."""
    title: str | None = None
    target: str | None = None
    """Id of the page linked to, so a SCORM runtime can ask the LMS to go there."""


Resolver = Callable[[str, bool], Resolved]
"""(target as written, is_image) -> Resolved."""


class _LinkRewriter(Treeprocessor):
    def __init__(self, md: markdown.Markdown, owner: MarkdownRenderer) -> None:
        super().__init__(md)
        self.owner = owner

    def resolver(self, target: str, is_image: bool) -> Resolved:
        return self.owner.resolver(target, is_image)

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
                hint = ET.SubElement(element, "span", {"class": "visually-hidden"})
                hint.text = self.owner.new_tab_text
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
        if resolved.target and resolved.href is not None:
            element.set("data-target", resolved.target)


class _RewriteExtension(Extension):
    def __init__(self, owner: MarkdownRenderer) -> None:
        super().__init__()
        self.owner = owner

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        md.treeprocessors.register(_LinkRewriter(md, self.owner), "curriculum-links", 1)


class MarkdownRenderer:
    """One configured Python-Markdown instance, reset between bodies (building one costs as much as a page)."""

    def __init__(self, new_tab_text: str = " (opens in a new tab)") -> None:
        self.resolver: Resolver = lambda target, is_image: Resolved(target)
        self.new_tab_text = new_tab_text
        self.md = markdown.Markdown(
            extensions=[*EXTENSIONS, _RewriteExtension(self)],
            extension_configs={"toc": {"permalink": False}, "footnotes": {"BACKLINK_TITLE": "Back to the text"}},
            output_format="html",
        )

    def render(self, text: str, resolver: Resolver) -> str:
        """Render one body, or take it from the build's memo when it holds the same body resolving alike."""
        memo = ACTIVE_MEMO.get()
        return memo.render(self, text, resolver) if memo is not None else self.convert(text, resolver)

    def convert(self, text: str, resolver: Resolver) -> str:
        """Render one body; `reset` keeps footnotes, abbreviations and heading ids of bodies apart."""
        self.resolver = resolver
        try:
            return self.md.reset().convert(text)
        finally:
            self.md.reset()
