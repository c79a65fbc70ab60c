"""Load from `wrk` (a C load generator) for bench/http_booking.py: one-day availability and
signed-in bookings.

The Python driver (httpx) spends about 1.5 ms of CPU per request: at 1,000 requests/s it alone
would take 1.5 of the machine's 2 cores away from the server. wrk costs a few percent of a core
at that rate, so its figures show the server's capacity rather than the driver's. It is a Debian
package (`apt-get install wrk`; `make bench` installs it); without it the benchmark keeps the
httpx figures only and says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# Random days 1..60 ahead of `today`, like the httpx driver; non-200 answers are counted by wrk.
LUA = """
local base = "%(path)s"
local t0 = os.time({year=%(year)d, month=%(month)d, day=%(day)d, hour=12})
math.randomseed(%(seed)d)
request = function()
  local day = os.date("%%Y-%%m-%%d", t0 + 86400 * math.random(1, 60))
  return wrk.format("GET", base .. "?start=" .. day .. "&end=" .. day)
end
"""

# Signed-in bookings: each request a (JSON body, bearer token) pair of its own; wrk's threads take
# alternate pairs, so no pair is sent twice while the list lasts.
BOOKING_LUA = """
local pairs_list = {%(pairs)s}
local threads_total = %(threads)d
local started = 0
function setup(thread)
  thread:set("next_index", started)
  started = started + 1
end
request = function()
  local pair = pairs_list[next_index %% #pairs_list + 1]
  next_index = next_index + threads_total
  return wrk.format("POST", "%(path)s",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. pair[2]}, pair[1])
end
"""

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50: float
    p99: float
    errors: int  # non-2xx/3xx answers plus socket errors


def available() -> bool:
    return shutil.which("wrk") is not None


def _duration(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse(output: str) -> WrkResult:
    requests, seconds = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output).groups()[:2]
    unit = re.search(r"\d+ requests in [\d.]+(\w+)", output).group(1)
    elapsed = float(seconds) * _UNITS[unit]
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    return WrkResult(requests=int(requests), seconds=elapsed, rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
                     # No request completed (an overloaded server): no latency distribution printed.
                     p50=_duration(latency["50"]) if "50" in latency else float("nan"),
                     p99=_duration(latency["99"]) if "99" in latency else float("nan"), errors=errors)


def _run(base_url: str, script_text: str, connections: int, seconds: float) -> WrkResult:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "load.lua"
        script.write_text(script_text)
        output = subprocess.run(
            ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
             "-s", str(script), base_url],
            check=True, capture_output=True, text=True, timeout=seconds + 60,
        ).stdout
    return parse(output)


def one_day_availability(base_url: str, path: str, today: date, connections: int, seconds: float,
                         seed: int = 5) -> WrkResult:
    return _run(base_url, LUA % {"path": path, "year": today.year, "month": today.month, "day": today.day,
                                 "seed": seed}, connections, seconds)


def bookings(base_url: str, path: str, requests: list[tuple[str, str]], connections: int,
             seconds: float) -> WrkResult:
    """POST each (JSON body, token) of `requests` once, from `connections` connections, for `seconds`.

    The caller gives more pairs than the run can send: once they run out wrk starts again from
    the first, and those repeats book nothing (count the new bookings, not the answers)."""
    for body, token in requests:
        if "]]" in body or not token.replace("-", "").replace("_", "").isalnum():
            raise ValueError("a body or token that cannot be written into the Lua script as is")
    listed = ",\n".join(f'{{[[{body}]], "{token}"}}' for body, token in requests)
    return _run(base_url, BOOKING_LUA % {"pairs": listed, "threads": min(2, connections), "path": path},
                connections, seconds)
