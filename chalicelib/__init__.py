"""cardstream: the pipeline's logic. `app.py` only wires these modules to Chalice decorators."""

__version__ = "0.1.0"
