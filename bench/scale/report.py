"""The results of a run as a markdown table, a JSON file and a PNG plot of cost vs data size."""

from __future__ import annotations

import json
import math
from pathlib import Path

# Targets of the scale issue at the full size (p95 server time), by figure group.
TARGET_MS = {"dashboard": 50.0, "admin": 100.0}
AVAILABILITY_RATIO = 1.2
# What the plot shows: one line per figure (the biggest store's where it is per store).
PLOTTED = (
    ("availability: 1 day", "biggest"), ("availability: 31 days", "biggest"), ("booking: signed in", "biggest"),
    ("overview (30 days)", "biggest"), ("bookings calendar: week", "biggest"), ("bookings list: first page", "biggest"),
    ("bookings list: last page", "biggest"), ("clients list: search", "biggest"),
    ("bookings CSV export (all)", "biggest"), ("admin list: booking", "platform"), ("admin analytics", "platform"),
    ("reminder tick (scan + write, rolled back)", "platform"), ("Stripe webhook intake", "platform"),
)


def _key(figure: dict) -> tuple[str, str, str]:
    return figure["group"], figure["name"], figure["store"]


def _all_keys(levels: list[dict]) -> list[tuple[str, str, str]]:
    """Every figure of any level, in the order they were first measured."""
    return list(dict.fromkeys(_key(f) for level in levels for f in level["figures"]))


def verdict(figure: dict | None, base: dict | None) -> str:
    if figure is None:
        return "not measured"
    if figure["n"] == 0:
        return "no data"
    if figure["group"] == "availability" and base and base["n"]:
        ratio = figure["p95_ms"] / base["p95_ms"]
        return "met" if ratio <= AVAILABILITY_RATIO else f"missed ({ratio:.1f}x of 1x)"
    target = TARGET_MS.get(figure["group"])
    if target is None or "CSV" in figure["name"]:
        return ""
    return "met" if figure["p95_ms"] <= target else f"missed (> {target:.0f} ms)"


def markdown(levels: list[dict], memory: dict | None, context: dict) -> str:
    first, last = levels[0], levels[-1]
    base = {_key(f): f for f in first["figures"]}
    lines = [
        "# Cost vs data size",
        "",
        f"Run: {context.get('started', '')} UTC, seed {context.get('seed')}, anchor day {context.get('anchor')}; "
        f"machine: {context.get('cpus')} cores, load average before each level in the level's column note.",
        "Server time per request/call in ms, p50 / p95 (n timed calls after warm-up); the ratio is the "
        f"last level's p95 over the first level's ({first['label']}).",
        *([f"How this run was made: {context['note']}"] if context.get("note") else []),
        "",
        "| level | stores | bookings | biggest store's bookings | median store's bookings | measured in | load avg (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        sizes = {s["label"]: s["bookings"] for s in level["stores_under_test"]}
        lines.append(f"| {level['label']} | {level['stores']:,} | {level['bookings']:,} | {sizes.get('biggest', 0):,} | "
                     f"{sizes.get('median', 0):,} | {level['seconds']} s | {level['load_before'][0]} |")
    generated = [level for level in levels if level.get("generation")]
    if generated:
        lines += ["", "| level | generation (fresh database, migrate, COPY, indexes, checks, vacuum) | rows | "
                      "rows/s during COPY | phases (s) |", "|---|---:|---:|---:|---|"]
        for level in generated:
            gen = level["generation"]
            rows = sum(gen["rows"].values())
            phases = ", ".join(f"{k} {v}" for k, v in gen["phases"].items())
            lines.append(f"| {level['label']} | {gen['seconds']} s | {rows:,} | "
                         f"{rows / max(gen['phases'].get('copy', 0), 1e-9):,.0f} | {phases} |")
    header = "| figure | store | " + " | ".join(level["label"] for level in levels) + \
             f" | {last['label']} / {first['label']} (p95) | target at full size |"
    lines += ["", header, "|---|---|" + "---:|" * len(levels) + "---:|---|"]
    by_level = [{_key(f): f for f in level["figures"]} for level in levels]
    for key in _all_keys(levels):
        group, name, store = key
        cells = []
        for figures in by_level:
            f = figures.get(key)
            cells.append("" if f is None or not f["n"] else f"{f['p50_ms']:.1f} / {f['p95_ms']:.1f}" +
                         (f" ({f['peak_mb']} MB peak)" if f.get("peak_mb") is not None else ""))
        end, start = by_level[-1].get(key), base.get(key)
        ratio = (f"{end['p95_ms'] / start['p95_ms']:.1f}x" if end and start and start["n"] and end["n"]
                 and start["p95_ms"] else "")
        note = f" ({end['note']})" if end and end.get("note") else ""
        lines.append(f"| {name}{note} | {store} | " + " | ".join(cells) + f" | {ratio} | {verdict(end, start)} |")
    if memory:
        lines += ["", "## Memory at the full size (RSS)", ""]
        for what, trees in memory.items():
            for moment, processes in trees.items():
                if isinstance(processes, dict):
                    for process, mb in processes.items():
                        lines.append(f"- {what}, {moment.replace('_', ' ')}: `{process}` {mb} MB")
    return "\n".join(lines) + "\n"


def plot(levels: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [level["bookings"] for level in levels]
    fig, ax = plt.subplots(figsize=(11, 7))
    styles = ("-", "--", "-.", ":")
    colors = plt.get_cmap("tab20").colors
    for n, (name, store) in enumerate(PLOTTED):
        values = []
        for level in levels:
            match = next((f for f in level["figures"] if f["name"] == name and f["store"] == store and f["n"]), None)
            values.append(match["p95_ms"] if match else math.nan)
        if not all(math.isnan(v) for v in values):
            ax.plot(sizes, values, marker="o", color=colors[(2 * n) % len(colors)], linestyle=styles[n % len(styles)],
                    label=f"{name} ({store})")
    ax.axhline(TARGET_MS["dashboard"], color="grey", linestyle="--", linewidth=0.8)
    ax.axhline(TARGET_MS["admin"], color="grey", linestyle=":", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("bookings in the database (stores grow alike)")
    ax.set_ylabel("p95 server time (ms)")
    ax.set_title("Appointment Hub: cost vs data size (dashed: 50 ms dashboard target, dotted: 100 ms admin)")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(out_dir: Path, levels: list[dict], memory: dict | None, context: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "scale.json").write_text(json.dumps({"context": context, "levels": levels, "memory": memory}, indent=1))
    (out_dir / "scale.md").write_text(markdown(levels, memory, context))
    if levels:
        plot(levels, out_dir / "scale.png")


def condensed(levels: list[dict]) -> str:
    """p95 at every level side by side, for the README."""
    by_level = [{_key(f): f for f in level["figures"]} for level in levels]
    lines = ["| figure (p95 ms) | store | " + " | ".join(level["label"] for level in levels) + " | full vs 1x | target |",
             "|---|---|" + "---:|" * len(levels) + "---:|---|"]
    for key in _all_keys(levels):
        cells = [f"{figures[key]['p95_ms']:.0f}" if key in figures and figures[key]["n"] else "–"
                 for figures in by_level]
        start, end = by_level[0].get(key), by_level[-1].get(key)
        ratio = (f"{end['p95_ms'] / start['p95_ms']:.1f}x"
                 if start and end and start["n"] and end["n"] and start["p95_ms"] else "")
        peak = f" (peak {end['peak_mb']} MB)" if end and end.get("peak_mb") is not None else ""
        lines.append(f"| {key[1]}{peak} | {key[2]} | " + " | ".join(cells) + f" | {ratio} | {verdict(end, start)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    data = json.loads(Path(sys.argv[1]).read_text())
    print(condensed(data["levels"]))
