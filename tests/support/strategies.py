"""Hypothesis strategies shared by the property tests of the API, the spec and the loader."""
import sys

from hypothesis import strategies as st

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)

NUMBERISH = "0123456789+-. eE\u0660\u0661\u0664\u0669\uff11\u00b2\t"  # ASCII, Arabic-Indic, fullwidth, superscript
numberish = st.text(st.sampled_from(NUMBERISH), max_size=24)
long_digits = st.integers(4000, 6000).map(lambda n: "1" * n)  # beyond int()'s 4300-digit limit
surrogates = st.text(st.sampled_from("ab\ud800\udfff"), min_size=1, max_size=5)  # lone ones are valid JSON
tricky = numberish | long_digits | surrogates | st.sampled_from(["-0", "-0.00", "+0", "-.0", "++5", "0" * 30 + "7"])

PY_WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
padding = st.text(st.sampled_from(PY_WHITESPACE), max_size=3)  # what str.strip() takes away
