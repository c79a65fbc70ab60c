"""`python -m bench.scale generate|measure|run`: see README.md, "Data at scale"."""

from bench.scale.cli import main

main()
