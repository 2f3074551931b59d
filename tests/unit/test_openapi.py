"""openapi.yaml: valid, in step with the Chalice routes and the data dictionary, and served as JSON.

The spec must accept everything the API accepts: a fuzzer sends what the spec forbids and expects a 4xx
(schemathesis' negative_data_rejection), so a spec stricter than the API reads as "invalid data accepted".
"""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from marshmallow import ValidationError
from openapi_spec_validator import validate as validate_openapi

from chalicelib import apispec
from chalicelib.dictionary.fields import BY_NAME, FIELD_TABLE, FIELDS, OPTIONAL_FIELDS
from chalicelib.dictionary.validate import validate_transaction
from tests.support.factories import make_transaction
from tests.support.strategies import json_values, padding, tricky

SPEC = apispec.read_source()
SCHEMAS = SPEC["components"]["schemas"]
TRANSACTION = SCHEMAS["Transaction"]


def _app():
    from app import app

    return app


def _operations(spec: dict) -> dict[tuple[str, str], dict]:
    return {(path, method.upper()): op for path, item in spec["paths"].items() for method, op in item.items()}


def test_the_served_json_copy_is_the_yaml_source_exactly():
    assert apispec.SPEC_JSON.read_text(encoding="utf-8") == apispec.render_json(SPEC), "run `make openapi`"


def test_the_document_is_valid_openapi_3_1():
    validate_openapi(SPEC)


def test_every_chalice_route_is_described_and_nothing_else():
    routes = {(path, method) for path, methods in _app().routes.items() for method in methods}
    assert set(_operations(SPEC)) == routes


def test_a_route_asks_for_the_bearer_token_exactly_when_chalice_gives_it_an_authorizer():
    for (path, method), op in _operations(SPEC).items():
        needs_token = _app().routes[path][method].authorizer is not None
        assert op.get("security", SPEC["security"]) == ([{"bearer": []}] if needs_token else []), (path, method)


def test_transaction_properties_are_the_data_dictionary_fields():
    assert tuple(TRANSACTION["properties"]) == FIELDS
    assert set(TRANSACTION["required"]) == set(FIELDS) - OPTIONAL_FIELDS
    assert TRANSACTION["additionalProperties"] is False


@pytest.mark.parametrize("field", [f.name for f in FIELD_TABLE if f.api and f.kind in ("text", "code")])
def test_text_length_limits_are_the_dictionarys(field):
    pattern = TRANSACTION["properties"][field]["pattern"]
    limit = BY_NAME[field].max_len or BY_NAME[field].length[1]
    assert any(f"{{{low},{limit - 1 + low}}}" in pattern for low in (0, 1)) or limit <= 2


def test_number_limits_are_the_dictionarys():
    props = TRANSACTION["properties"]
    assert props["amt"]["maximum"] == BY_NAME["amt"].maximum and props["amt"]["minimum"] == 0
    assert props["city_pop"]["maximum"] == BY_NAME["city_pop"].maximum
    assert props["unix_time"]["maximum"] == BY_NAME["unix_time"].maximum
    for name in ("lat", "long", "merch_lat", "merch_long"):
        limit = BY_NAME[name].maximum
        assert (props[name]["minimum"], props[name]["maximum"]) == (-limit, limit)


def test_a_stored_transaction_as_served_has_no_card_number_token_or_cardholder():
    exposed = set(SCHEMAS["StoredTransaction"]["properties"])
    assert not exposed & {"cc_num", "card_token", "first", "last", "street", "dob", "zip", "lat", "long", "job"}


# ---- the spec accepts everything the API accepts -----------------------------------------------------------

_VALIDATOR = Draft202012Validator(TRANSACTION)


@st.composite
def field_values(draw):
    name = draw(st.sampled_from(FIELDS))
    kind = draw(st.sampled_from(["padded", "tricky", "json"]))
    if kind == "padded":
        value = draw(padding) + make_transaction()[name] + draw(padding)
    else:
        value = draw(tricky if kind == "tricky" else json_values)
    return name, value


@given(field_values())
def test_every_transaction_the_api_accepts_matches_the_spec(name_value):
    name, value = name_value
    item = make_transaction(**{name: value})
    try:
        validate_transaction(item)
    except ValidationError:
        return
    errors = [e.message for e in _VALIDATOR.iter_errors(item)]
    assert errors == [], (name, value)


@pytest.mark.parametrize("value", [" 4.97 ", 4.97, "-0", 0, "+1.5", ".5"])
def test_amounts_the_api_accepts_match_the_spec(value):
    item = make_transaction(amt=value)
    validate_transaction(item)
    assert _VALIDATOR.is_valid(item)


# ---- responses as the API sends them match the spec ---------------------------------------------------------

def _response_schema(path: str, method: str, status: int) -> dict:
    response = SPEC["paths"][path][method.lower()]["responses"][str(status)]
    if "$ref" in response:
        response = SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "$defs": SCHEMAS}


def _resolve_refs(schema):
    """Point the spec's #/components/schemas/X references at $defs, for a plain JSON Schema validator."""
    text = json.dumps(schema).replace("#/components/schemas/", "#/$defs/")
    return json.loads(text)


INGEST_CASES = {
    "accepted": ({"transactions": [make_transaction(), make_transaction(amt="x")]}, "application/json", True, 202),
    "all invalid": ({"transactions": [make_transaction(amt="x")]}, "application/json", True, 400),
    "not json": (b"{nope", "application/json", True, 400),
    "too many": ({"transactions": [make_transaction()] * 501}, "application/json", True, 413),
    "wrong type": (b"a,b", "text/csv", True, 415),
    "no token": ({}, "application/json", False, 401),
}


def test_ingest_responses_match_the_spec_for_their_status(api, auth_headers):
    for case, (body, content_type, with_token, status) in INGEST_CASES.items():
        headers = {**(auth_headers if with_token else {}), "Content-Type": content_type}
        raw = body if isinstance(body, bytes) else json.dumps(body)
        response = api.http.post("/transactions", headers=headers, body=raw)
        assert response.status_code == status, case
        Draft202012Validator(_resolve_refs(_response_schema("/transactions", "POST", status))).validate(
            json.loads(response.body))


def test_health_matches_the_spec(api):
    response = api.http.get("/health")
    Draft202012Validator(_resolve_refs(_response_schema("/health", "GET", 200))).validate(json.loads(response.body))


def test_the_document_is_served_as_json_without_a_token(api):
    response = api.http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == SPEC
