"""A proof, made in the loader's own process while a raw file streams to COPY, that every row's per-row fields
keep the rules: what prove_rows.sql would show in the database, at no cost to it.

A file in the batcher's format (csvfile.encode_row: every non-empty field quoted, '\\r\\n' line ends) is
matched line by line with one regex whose per-row fields (time, amount, trans_num, unix time, merchant
coordinates, label) admit only canonical values within the schema's limits, and whose other fields need only
be present. The regex runs on each chunk the body hands to COPY, so it overlaps with the database's work
(about 3 us a line here, against the database's 4 us for the same proof). Any other line (minimal quoting,
as older batchers wrote, a bad or foreign row) leaves the file unproven, and the database proves or checks
it as before. The count of proven lines must equal the rows COPY read, so the two parsers cannot disagree
unseen. tests/test_loader_proof.py holds the proof to never pass a row the rule functions reject.
"""
from __future__ import annotations

import re

from chalicelib.schema import AMT_MAX, CANONICAL_PATTERNS, COORD_LIMITS, STREAM_COLUMNS, UNIX_TIME_MAX


def up_to(limit: int) -> str:
    """A regex for the whole numbers 0..limit written without sign or leading zeros."""
    digits = str(limit)
    shorter = ["0"] + [f"[1-9][0-9]{{{n}}}" for n in range(len(digits) - 1)]
    same_length = [digits]
    for i, d in enumerate(digits):
        low = "1" if i == 0 else "0"
        if d > low:
            same_length.append(f"{digits[:i]}[{low}-{chr(ord(d) - 1)}][0-9]{{{len(digits) - i - 1}}}")
    return "(?:" + "|".join(shorter + same_length) + ")"


def _decimal_up_to(limit: int, decimals: int) -> str:
    # |value| <= limit with exactly `decimals` decimals: a smaller whole part, or the limit itself.
    return f"(?:{up_to(limit - 1)}\\.[0-9]{{{decimals}}}|{limit}\\.0{{{decimals}}})"


# Far above the batcher's longest lines (a few KB): a longer one is left to the database rather than held here.
MAX_LINE_BYTES = 1 << 16


_YEAR = "(?!0000)[0-9]{4}"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_MONTH_DAY = ("(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
              "|(?:0[13578]|1[02])-31)")
_DATETIME = (f"(?:{_YEAR}-{_MONTH_DAY}|(?!0000){_LEAP_YEAR}-02-29) "
             "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")
_PER_ROW = {
    "trans_date_trans_time": _DATETIME,
    "amt": _decimal_up_to(int(AMT_MAX), 2),
    "trans_num": CANONICAL_PATTERNS["trans_num"].pattern,
    "unix_time": up_to(UNIX_TIME_MAX),
    "merch_lat": f"-?{_decimal_up_to(COORD_LIMITS['merch_lat'], 6)}",
    "merch_long": f"-?{_decimal_up_to(COORD_LIMITS['merch_long'], 6)}",
}
_PRESENT = '"[^"\\x00-\\x1f\\x7f]*+(?:""[^"\\x00-\\x1f\\x7f]*+)*+"'  # quoted, so not NULL; "" is a quote
_LABEL = f'(?:"{CANONICAL_PATTERNS["is_fraud"].pattern}")?'  # 0, 1, "" or empty (NULL: not labelled yet)
assert STREAM_COLUMNS[-1] == "is_fraud"
_LINE = ",".join(f'"{_PER_ROW[c]}"' if c in _PER_ROW else _PRESENT for c in STREAM_COLUMNS[:-1]) + "," + _LABEL
_LINES = re.compile(f"(?:{_LINE}\r\n)*+".encode("ascii"))


class LineProof:
    """Fed the file's bytes in order, header line first; holds when every line after it is proven."""

    def __init__(self):
        self._header_seen = False
        self._rest = b""  # an incomplete last line, waiting for the next chunk
        self._lines = 0
        self._failed = False

    def feed(self, chunk: bytes) -> None:
        if self._failed or not chunk:
            return
        data = self._rest + chunk if self._rest else chunk
        start = 0
        if not self._header_seen:
            start = data.find(b"\n") + 1
            if not start:
                self._rest = data  # CsvBody checked the header line, so it ends within MAX_HEADER_BYTES
                return
            self._header_seen = True
        end = data.rfind(b"\n") + 1
        if end <= start:
            self._rest = data[start:]
            if len(self._rest) > MAX_LINE_BYTES:
                self._failed, self._rest = True, b""
            return
        if _LINES.fullmatch(data, start, end) is None:
            self._failed, self._rest = True, b""
            return
        self._lines += data.count(b"\n", start, end)
        self._rest = data[end:]

    def holds(self, rows: int) -> bool:
        """Whether the file fed so far, read by COPY as `rows` rows, is proven (every line, none left over)."""
        return not self._failed and self._header_seen and not self._rest and self._lines == rows
