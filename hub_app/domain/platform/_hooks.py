"""Optional collaborators that live in other areas and may not be installed yet.

Only a missing module is tolerated; an ImportError raised *inside* an existing module is a bug and
propagates, so a broken refactor never silently switches a feature off.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (exc.name == name or name.startswith(exc.name + ".")):
            return None
        raise


def optional_function(module_name: str, function_name: str):
    module = optional_module(module_name)
    return getattr(module, function_name, None) if module is not None else None
