"""Benchmarks of the dashboard at national scale (`python -m retention_analytics bench`).

pandas_baseline.py is the plain-pandas implementation of every page's summaries the benchmark
compares the SQL metrics with (and tests/test_bench.py checks against them for correctness);
runner.py builds the synthetic stores, times each page in separate processes and writes the
report. Nothing here is imported by the app.
"""
