"""Benchmarks: `python -m bench.run [--quick] [--only NAME]` runs them all and prints one table.

Figures from HTTP benchmarks always stand beside a bare-Flask baseline measured in the same run
with the same server settings and load client (see bench/README.md).
"""
