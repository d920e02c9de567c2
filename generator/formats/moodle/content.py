"""Package stage helper (Moodle backup): page HTML made Moodle's — our styles inside, files and links in Moodle's form."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources

from markupsafe import Markup, escape

from generator.formats.moodle.files import FilePool
from generator.formats.moodle.plan import Activity
from generator.render.html import MOODLE_LINK
from generator.render.site import Page, Site, relative_href

PLUGINFILE = "@@PLUGINFILE@@"
"""Moodle's placeholder for the file area of the text it is in; restore points it at the new context."""
_ARTICLE = re.compile(r'<article class="curriculum-page">.*</article>', re.DOTALL)
_PAGE_LINK = re.compile(r'<a ([^>]*?)href="' + re.escape(MOODLE_LINK) + r'([^"#]+)(#[^"]*)?"([^>]*)>(.*?)</a>', re.DOTALL)


@cache
def page_style() -> str:
    return resources.files("generator").joinpath("static", "moodle-page.css").read_text(encoding="utf-8")


def page_content(site: Site, page: Page, activity: Activity, pool: FilePool, cmid_of: Callable[[str], int | None],
                 ) -> tuple[str, list[int]]:
    """The page's article with our stylesheet in front, its files stored in the page's `content` area.

    mod_page shows its content without cleaning it (view.php: noclean), so the <style> element survives;
    every rule is scoped to `.curriculum-page`, so Moodle's own theme is untouched. Links to other pages
    become `$@PAGEVIEWBYID*<cmid>@$`, which Moodle's restore turns into the restored page's address;
    links to pages not in this backup lose their link and keep their text.
    Returns the content and the ids of the stored files.
    """
    html = site.files[page.path].decode("utf-8")
    found = _ARTICLE.search(html)
    fragment = found.group(0) if found else html
    ids = []
    for path in site.dependencies_of(page):
        if not path.startswith("media/"):
            continue
        target = f'="{relative_href(page.path, path)}"'
        if target in fragment:
            fragment = fragment.replace(target, f'="{PLUGINFILE}/{path}"')
            ids.append(pool.add(activity.context_id, "mod_page", "content", 0, path, site.files[path]))

    def link(match: re.Match[str]) -> str:
        before, ident, anchor, after, label = match.groups()
        cmid = cmid_of(ident)
        if cmid is None:
            return f'<em class="xref">{label}</em>'
        return f'<a {before}href="$@PAGEVIEWBYID*{cmid}@${anchor or ""}"{after}>{label}</a>'

    fragment = _PAGE_LINK.sub(link, fragment)
    return f"<style>{page_style()}</style>\n{fragment}", ids


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{escape(t)}</p>" for t in texts if t)


def item_list(items: list[str]) -> Markup:
    return Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(i) for i in items))
