"""Reading a raw CSV file back the way the loader does, without a database: through the loader's own body
reader (load/body.py: gunzip by magic bytes, header check), then the csv module standing in for COPY's parsing.
The db tier (tests/db/test_loader*.py) reads the same files through COPY itself."""
import csv
import io

from chalicelib.load.body import CsvBody


def read_back(data: bytes) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a raw file's bytes. Raises load.body.BadFile where the loader would reject it."""
    body, chunks = CsvBody(io.BytesIO(data)), []
    while chunk := body.read(1 << 16):
        chunks.append(chunk)
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8"), newline=""), strict=True))
    return rows[0], rows[1:]
