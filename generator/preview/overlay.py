"""Preview stage: what the server adds to each HTML page it serves (never to packages): reload script and diagnostics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from generator.diagnostics import Diagnostic, Severity

EVENTS_PATH: Final = "/__preview/events"
SCRIPT_PATH: Final = "/__preview/reload.js"
STYLE_PATH: Final = "/__preview/overlay.css"
"""Served as files, not inline: the pages' Content-Security-Policy runs only scripts and styles from their origin."""

# Self-contained: the overlay must not depend on the theme's stylesheet, which may itself be what broke.
STYLE: Final = """
#curriculum-preview-errors{position:fixed;inset:0 0 auto 0;z-index:2147483647;max-height:60vh;overflow:auto;margin:0;
 padding:1rem 1.25rem;background:#fff;color:#1a1a1a;border-bottom:4px solid #b00020;box-shadow:0 4px 16px rgba(0,0,0,.35);
 font:16px/1.5 system-ui,sans-serif}
#curriculum-preview-errors h2{margin:0 0 .5rem;font-size:1.15rem;color:#b00020}
#curriculum-preview-errors ul,#curriculum-preview-warnings ul{margin:0;padding:0;list-style:none}
#curriculum-preview-errors li,#curriculum-preview-warnings li{margin:.5rem 0}
#curriculum-preview-errors code,#curriculum-preview-warnings code{font:inherit;font-family:ui-monospace,monospace;
 white-space:pre-wrap;word-break:break-word}
.curriculum-preview-hint{display:block;margin-left:1.5rem;color:#444}
#curriculum-preview-errors button{font:inherit;margin-top:.5rem;padding:.25rem .75rem}
#curriculum-preview-warnings{position:fixed;right:.75rem;bottom:.75rem;z-index:2147483646;max-width:min(40rem,90vw);
 max-height:50vh;overflow:auto;padding:.25rem .75rem;background:#fffbe6;color:#1a1a1a;border:2px solid #8a6d00;
 border-radius:6px;font:14px/1.45 system-ui,sans-serif}
#curriculum-preview-warnings summary{cursor:pointer;font-weight:600}
"""

SCRIPT: Final = """
(function () {
  var me = document.getElementById("curriculum-preview");
  var hide = document.getElementById("curriculum-preview-hide");
  if (hide) hide.addEventListener("click", function () {
    document.getElementById("curriculum-preview-errors").hidden = true;
  });
  if (!window.EventSource) return;
  var source = new EventSource("@EVENTS@?since=" + me.dataset.since + "&token=" + me.dataset.token);
  source.onmessage = function (event) {
    var update = JSON.parse(event.data);
    if (update.all || update.changed.indexOf(me.dataset.page) !== -1) {
      source.close();
      location.reload();
      return;
    }
    me.dataset.kept = String(Number(me.dataset.kept || 0) + 1);  // updates seen that left this page alone
  };
})();
""".replace("@EVENTS@", EVENTS_PATH)

_BLOCK: Final = """<link rel="stylesheet" href="{{ style_path }}">
{% if errors %}
<section id="curriculum-preview-errors" role="alert" aria-labelledby="curriculum-preview-errors-title">
<h2 id="curriculum-preview-errors-title">{{ errors|length }} error{{ "s" if errors|length != 1 }} in the sources: {{ shown }}</h2>
<ul>
{% for d in errors %}
<li>{{ item(d) }}</li>
{% endfor %}
</ul>
<button type="button" id="curriculum-preview-hide">Hide until the next change</button>
</section>
{% endif %}
{% if warnings %}
<details id="curriculum-preview-warnings">
<summary>{{ warnings|length }} warning{{ "s" if warnings|length != 1 }}</summary>
<ul>
{% for d in warnings %}
<li>{{ item(d) }}</li>
{% endfor %}
</ul>
</details>
{% endif %}
"""

_ITEM: Final = """<code>{{ where }}: {{ d.severity.value }} {{ d.code }}: {{ d.message }}</code>\
{% if d.hint %}<span class="curriculum-preview-hint">hint: {{ d.hint }}</span>{% endif %}"""

_NOT_FOUND: Final = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Not found · preview</title></head>
<body>
<main><h1>Not found</h1><p>The rendered programme has no page <code>{{ page }}</code>.
This page reloads when one appears. <a href="/">Programme overview</a></p></main>
</body>
</html>
"""


def _environment() -> Environment:
    return Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                       lstrip_blocks=True)


def diagnostics_block(diagnostics: Sequence[Diagnostic], has_site: bool) -> str:
    """The overlay listing errors (role="alert") and a collapsed panel of warnings; empty when there are neither."""
    errors = [d for d in diagnostics if d.is_error]
    warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
    env = _environment()
    item_template = env.from_string(_ITEM)

    def item(d: Diagnostic) -> Markup:
        return Markup(item_template.render(d=d, where=_where(d)))

    shown = "this is the last version without errors" if has_site else "nothing can be shown until they are fixed"
    return env.from_string(_BLOCK).render(errors=errors, warnings=warnings, item=item, shown=shown,
                                          style_path=STYLE_PATH)


def _where(d: Diagnostic) -> str:
    where = str(d.file) if d.file else "<project>"
    return f"{where}:{d.line}" if d.line is not None else where


def reload_tag(page: str, since: int, token: str) -> str:
    """The script that reloads `page` when the server reports it (or a shared asset) changed after `since`."""
    # built per request, so a plain escaped string rather than a template compiled each time
    return (f'<script id="curriculum-preview" src="{SCRIPT_PATH}" data-page="{escape(page)}" data-since="{since}" '
            f'data-token="{escape(token)}"></script>\n')


def inject(html: bytes, page: str, block: str, since: int, token: str) -> bytes:
    """`html` with the diagnostics `block` and the reload script inserted before its closing </body> tag."""
    extra = (block + reload_tag(page, since, token)).encode("utf-8")
    at = html.rfind(b"</body>")
    return html + extra if at < 0 else html[:at] + extra + html[at:]


def not_found_page(page: str) -> bytes:
    """A page for a path the site does not have (yet); the server injects the overlay and reload script into it."""
    return _environment().from_string(_NOT_FOUND).render(page=page).encode("utf-8")
