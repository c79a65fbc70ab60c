"""The store manager's dashboard (/manage), one folder per section.

Each section folder holds `page.py` (components), `state.py` (the Reflex state; class names are
Reflex's keys, so they stay as they are) and `present.py` (opens the unit of work, calls the domain,
returns plain rows; no Reflex). `shell/` holds what all sections share. Sections never import each
other; the import contracts in pyproject.toml check this.
"""
