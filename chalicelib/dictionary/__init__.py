"""The Sparkov data dictionary: one table of fields and rules (fields.py) and everything derived from it.

The API's schema (validate.py) is built from the table; the SQL rule functions and CHECKs, the OpenAPI field
schemas and the fast paths' regexes (patterns.py) are generated from it by `make rules` (generate.py). Nothing
is imported here, so the generator runs even when a generated file is stale.
"""
