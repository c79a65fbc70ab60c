"""`<html lang>` follows the language chosen in the header (WCAG 3.1.1): screen readers pick
their voice and pronunciation from it, and the built pages all say "en" until told otherwise."""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import Var, VarData


class PageLanguage(rx.Fragment):
    """Renders nothing; its hook writes `lang` to the document's root element."""

    lang: Var[str]

    def _exclude_props(self) -> list[str]:
        return [*super()._exclude_props(), "lang"]

    def add_imports(self) -> dict[str, list[str]]:
        return {"react": ["useEffect"]}

    def add_hooks(self) -> list[str | Var]:
        code = f"useEffect(() => {{ if ({self.lang!s}) document.documentElement.lang = {self.lang!s}; }}, [{self.lang!s}]);"
        return [Var(code, _var_data=VarData.merge(self.lang._get_all_var_data()))]


def page_language(lang: Var) -> rx.Component:
    return PageLanguage.create(lang=lang)
