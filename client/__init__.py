"""cardstream's client: generate Sparkov-shaped CSVs and replay CSVs through the ingest API.

In-process use (tests and benchmarks; `make demo` runs `python -m client` as a child process):
    from client import replay, write_csv
    write_csv("sample.csv", 10_000, seed=7)
    result = replay("sample.csv", url, token)   # -> ReplayResult
"""
__version__ = "0.1.0"

from client.generate import generate_rows, write_csv  # noqa: E402
from client.outcome import ReplayResult  # noqa: E402
from client.replay import AuthRefused, RetryPolicy, replay  # noqa: E402

__all__ = ["AuthRefused", "ReplayResult", "RetryPolicy", "generate_rows", "replay", "write_csv"]
