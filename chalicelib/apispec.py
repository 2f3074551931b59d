"""The API's OpenAPI document, served at GET /openapi.json.

`openapi.yaml` at the top of the repository is the one source. Chalice bundles only app.py and chalicelib/
into the Lambda package, and YAML needs a parser Lambda does not have, so `make openapi`
(`python -m chalicelib.apispec`) writes the same document as JSON next to this module, and the route serves
that copy. tests/unit/test_openapi.py fails when the two differ, so the copy cannot drift from the source.
"""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

SPEC_JSON = Path(__file__).resolve().with_name("openapi.json")
SPEC_YAML = Path(__file__).resolve().parents[1] / "openapi.yaml"


@lru_cache(maxsize=1)
def openapi_json() -> str:
    """The served document's text, read once per process."""
    return SPEC_JSON.read_text(encoding="utf-8")


def read_source(path: Path = SPEC_YAML) -> dict:
    """openapi.yaml as a dict (PyYAML: a development dependency, never imported by the Lambda)."""
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def render_json(document: dict) -> str:
    """The JSON copy's exact text: stable key order and indentation, so its diffs read like the YAML's."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def write_json(source: Path = SPEC_YAML, target: Path = SPEC_JSON) -> bool:
    """Regenerate the JSON copy; True when it changed."""
    text = render_json(read_source(source))
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return False
    target.write_text(text, encoding="utf-8")
    return True


if __name__ == "__main__":
    changed = write_json()
    print(f"{SPEC_JSON.relative_to(SPEC_YAML.parent)} {'written' if changed else 'up to date'}")
    sys.exit(0)
