"""Start the app's scripts after the store page's plain HTML has been painted.

The built shell asks for its ~25 script files at once: `<link rel="modulepreload">` in <head>
and static imports in its boot script. On a slow connection they take the bandwidth the store's
HTML and first photo need, so even the plain-HTML store page (`store_preview`) would wait for
them. Here the store page's copy of the shell loses those preload tags, and its boot script runs
the same imports, in the same order, one frame after the first paint (preloading the same files
then, in parallel, as the tags did).

When the built shell does not have the expected shape (a Reflex upgrade changed it), the page
is left exactly as built: the app then starts as before, the plain HTML still shows first.
"""

from __future__ import annotations

import json
import re

_PRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)"/>')
_BOOT = re.compile(r'<script type="module" async="">(.*?)</script>', re.DOTALL)
_SIDE_EFFECT_IMPORT = re.compile(r'^import "([^"]+)";$')
_NAMESPACE_IMPORT = re.compile(r'^import \* as (\w+) from "([^"]+)";$')


def _as_dynamic(statement: str) -> str | None:
    """One line of the boot script, with a static import made an awaited dynamic one (None when
    a line is not understood)."""
    line = statement.strip()
    if match := _SIDE_EFFECT_IMPORT.match(line):
        return f"await import({json.dumps(match.group(1))});"
    if match := _NAMESPACE_IMPORT.match(line):
        return f"const {match.group(1)} = await import({json.dumps(match.group(2))});"
    if line.startswith("import ") and not line.startswith("import("):
        return None   # another import form: not ours to rewrite
    return line


def defer_boot(page: str) -> str:
    """`page` with its scripts started after the first paint (see the module docstring)."""
    boots = _BOOT.findall(page)
    if len(boots) != 1 or "__reactRouterRouteModules" not in boots[0]:
        return page
    statements = [_as_dynamic(line) for line in boots[0].splitlines() if line.strip()]
    if any(statement is None for statement in statements):
        return page
    preloads = _PRELOAD.findall(page)
    script = (
        '<script type="module">'
        f"const preloads = {json.dumps(preloads)};"
        "requestAnimationFrame(() => setTimeout(async () => {"
        "for (const href of preloads) { const link = document.createElement('link');"
        " link.rel = 'modulepreload'; link.href = href; document.head.appendChild(link); }"
        + "".join(statements) +
        "}, 0));</script>"
    )
    page = _PRELOAD.sub("", page)
    return _BOOT.sub(lambda _: script, page, count=1)
