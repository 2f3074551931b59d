"""Ingest: POST /transactions parsing, card tokens, the API token check, publishing to Kinesis."""
