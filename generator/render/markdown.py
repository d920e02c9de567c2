"""Render stage: a body's sanitised HTML (from the load stage) with `lesson:`/`case:` links and images resolved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import lxml.html

from generator.load.markdown import safe_html
from generator.load.sanitise import parse_fragment, url_scheme
from generator.mdmemo import ACTIVE_MEMO


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


class MarkdownRenderer:
    """Turns sanitised HTML into a page's HTML: links and images resolved, web links opening beside the course."""

    def __init__(self, new_tab_text: str = " (opens in a new tab)") -> None:
        self.new_tab_text = new_tab_text

    def render(self, text: str, resolver: Resolver) -> str:
        """Render one Markdown text (quiz questions and feedback); bodies come with their HTML, see `rewrite`.

        Taken from the build's memo (generator/mdmemo.py) when it holds the same text resolving alike.
        """
        memo = ACTIVE_MEMO.get()
        return memo.render(self, text, resolver) if memo is not None else self.convert(text, resolver)

    def convert(self, text: str, resolver: Resolver) -> str:
        return self.rewrite(safe_html(text)[0], resolver)

    def rewrite(self, html: str, resolver: Resolver) -> str:
        """Resolve every link and image of sanitised HTML; what this adds comes from us, not from the author."""
        root = parse_fragment(html)
        for element in list(root.iter("a", "img")):  # only these become Python objects: the rest is left in C
            if element.tag == "a" and element.get("href") is not None:
                self._link(element, resolver)
            elif element.tag == "img" and element.get("src") is not None:
                resolved = resolver(element.get("src", ""), True)
                element.set("src", resolved.href or "")
                element.set("loading", "lazy")
        inner: str = lxml.html.tostring(root, encoding="unicode", method="html")
        return inner[len("<div>"):-len("</div>")]

    def _link(self, element: lxml.html.HtmlElement, resolver: Resolver) -> None:
        href = element.get("href", "")
        if href.startswith("#"):
            return
        scheme = url_scheme(href)
        if scheme in {"http", "https", "mailto"}:
            if scheme != "mailto":
                element.set("rel", "noopener noreferrer")
                element.set("target", "_blank")  # inside an LMS frame, the web opens beside the course
                element.set("class", ((element.get("class") or "") + " external").strip())
                hint = lxml.html.Element("span", {"class": "visually-hidden"})
                hint.text = self.new_tab_text
                element.append(hint)
            return
        resolved = resolver(href, False)
        if resolved.href is None:
            element.tag = "em"
            element.attrib.clear()
            element.set("class", "xref")
            return
        element.set("href", resolved.href)
        if resolved.title:
            element.set("title", resolved.title)
        if resolved.target:
            element.set("data-target", resolved.target)
