"""CLI commands: every public module here exposing `register(subparsers)` is added by cli.py.

A module adds its sub-parser(s) with `set_defaults(func=handler)`; the handler receives the parsed
arguments and returns the exit code. Import heavy things (duckdb, the parser) inside the handler.
"""
