"""cardstream's client: generate Sparkov-shaped CSVs and replay CSVs through the ingest API."""
__version__ = "0.1.0"
