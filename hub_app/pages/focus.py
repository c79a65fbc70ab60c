"""Keyboard focus that follows content replaced under it.

When a wizard step replaces the button that was just pressed, the browser drops focus to the
page's start: a keyboard user would Tab through the header again and a screen reader would say
nothing about the new step. `focus_on_change(watch, selector)` moves focus to the first element
matching the CSS `selector` (a heading with tabindex="-1") each time `watch` changes, after React
has rendered the new content; focusing a heading makes screen readers read it out.

`SkipLinkFocus` does the same for "Skip to content": the link focuses the page's main content.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import Var, VarData


class FocusOnChange(rx.Fragment):
    """Renders nothing of its own; its hook watches a state var."""

    watch: Var[str]
    selector: Var[str]

    def _exclude_props(self) -> list[str]:
        return [*super()._exclude_props(), "watch", "selector"]

    def add_imports(self) -> dict[str, list[str]]:
        return {"react": ["useEffect", "useRef"]}

    def add_hooks(self) -> list[str | Var]:
        watch = self.watch
        # One ref per instance: the hook code is shared by every FocusOnChange of a page otherwise.
        ref = f"focusWatch_{self.get_ref() or id(self)}"
        code = f"""
const {ref} = useRef(null);
useEffect(() => {{
  const value = {watch!s};
  if ({ref}.current !== null && {ref}.current !== value) {{
    const target = document.querySelector({self.selector!s});
    if (target) target.focus({{preventScroll: false}});
  }}
  {ref}.current = value;
}}, [{watch!s}]);
"""
        return [Var(code, _var_data=VarData.merge(watch._get_all_var_data()))]


def focus_on_change(watch: Var, selector: str) -> rx.Component:
    return FocusOnChange.create(watch=watch, selector=selector)


SKIP_LINK_CLASS = "skip-link"
CONTENT_ID = "content"


class SkipLinkFocus(rx.Fragment):
    """Makes "Skip to content" (an `a.skip-link`) move the focus to the page's #content.

    Following "#content" would be a navigation for the app's router (and JavaScript from event
    handlers runs through eval, which the CSP forbids), so one listener on the document, in the
    capture phase (before the router's link handler), focuses the target and stops the navigation.
    """

    def add_imports(self) -> dict[str, list[str]]:
        return {"react": ["useEffect"]}

    def add_hooks(self) -> list[str | Var]:
        return [f"""
useEffect(() => {{
  const skipToContent = (event) => {{
    const link = event.target.closest ? event.target.closest("a.{SKIP_LINK_CLASS}") : null;
    const target = link ? document.getElementById("{CONTENT_ID}") : null;
    if (!target) return;
    event.preventDefault();
    target.focus();
  }};
  document.addEventListener("click", skipToContent, true);
  return () => document.removeEventListener("click", skipToContent, true);
}}, []);
"""]
