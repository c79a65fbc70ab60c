"""Known vulnerabilities of the pinned packages, from PyPI's own project data.

    .venv/bin/python tools/pypi_audit.py [requirements.txt]     (make audit-pypi)

`make audit` (pip-audit) asks OSV or PyPI's per-release JSON; where neither can be reached (only
the package index is), this reads each project's JSON (`/pypi/<name>/json`), whose
`vulnerabilities` list covers the project's newest release. So a pin that IS the newest release
is checked exactly; an older pin is listed as not checkable here, with the newest version, to
be explained or upgraded. Exits 1 when a checked pin has a known vulnerability, 2 when PyPI
cannot be reached, else 0.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

INDEX = "https://pypi.org/pypi/{name}/json"


def pins(requirements: Path) -> list[tuple[str, str]]:
    found = []
    for line in requirements.read_text().splitlines():
        # Hashed files continue a pin with " \" and "--hash=" lines: the pin is the first word.
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        line = line.split()[0] if line else ""
        if "==" in line:
            name, version = (part.strip() for part in line.split("==", 1))
            found.append((name.split("[", 1)[0], version))
    return found


def newest(name: str) -> tuple[str, list[dict]]:
    with urllib.request.urlopen(INDEX.format(name=name), timeout=30) as answer:
        data = json.load(answer)
    return data["info"]["version"], data.get("vulnerabilities") or []


def main(argv: list[str]) -> int:
    requirements = Path(argv[0] if argv else "requirements.txt")
    wanted = pins(requirements)
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda pin: newest(pin[0]), wanted))
    except OSError as exc:
        print(f"PyPI cannot be reached: {exc}", file=sys.stderr)
        return 2
    vulnerable, older = [], []
    for (name, version), (latest, vulns) in zip(wanted, answers):
        if version != latest:
            older.append(f"{name}=={version} (newest {latest})")
        elif vulns:
            ids = ", ".join(v.get("id", "?") for v in vulns)
            vulnerable.append(f"{name}=={version}: {ids}")
    checked = len(wanted) - len(older)
    print(f"{len(wanted)} pins: {checked} are the newest release and checked, {len(vulnerable)} with known vulnerabilities")
    for line in vulnerable:
        print(f"  VULNERABLE {line}")
    for line in older:
        print(f"  not checkable here (older than the newest release): {line}")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
