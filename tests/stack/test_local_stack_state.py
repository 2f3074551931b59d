"""The local stack's state folder and database wiring: what must stay stable across restarts."""
import stat

from infra.local.database import rds_secret, redact
from infra.local.state import load_or_create_secrets, prepare_state_dir, read_stack_file, write_stack_file


def test_secrets_are_generated_once_and_reused_across_restarts(tmp_path):
    state = prepare_state_dir(tmp_path / "state")
    first = load_or_create_secrets(state)
    assert load_or_create_secrets(state) == first
    assert len(bytes.fromhex(first.card_key_hex)) == 32 and len(first.api_token) >= 32


def test_each_state_folder_gets_its_own_token_and_card_key(tmp_path):
    a = load_or_create_secrets(prepare_state_dir(tmp_path / "a"))
    b = load_or_create_secrets(prepare_state_dir(tmp_path / "b"))
    assert a.api_token != b.api_token and a.card_key_hex != b.card_key_hex


def test_secret_files_are_readable_by_the_owner_only(tmp_path):
    state = prepare_state_dir(tmp_path / "state")
    load_or_create_secrets(state)
    write_stack_file(state, {"token": "t"})
    for name in ("secrets.json", "stack.json"):
        assert stat.S_IMODE((state / name).stat().st_mode) == 0o600
    assert read_stack_file(state) == {"token": "t"}


def test_secrets_never_show_in_their_repr(tmp_path):
    secrets = load_or_create_secrets(prepare_state_dir(tmp_path))
    assert secrets.api_token not in repr(secrets) and secrets.card_key_hex not in repr(secrets)


def test_db_secret_has_the_rds_shape_for_a_tcp_url():
    assert rds_secret("postgresql://loader:pw@127.0.0.1:5433/cards") == {
        "engine": "postgres", "host": "127.0.0.1", "port": 5433, "username": "loader", "password": "pw",
        "dbname": "cards"}


def test_db_secret_keeps_the_socket_folder_of_an_embedded_server_as_host():
    secret = rds_secret("postgresql://postgres:@/postgres?host=/tmp/state/pg")
    assert (secret["host"], secret["port"], secret["username"], secret["dbname"]) == (
        "/tmp/state/pg", 5432, "postgres", "postgres")


def test_redact_hides_the_password_only():
    assert redact("postgresql://u:secret@h:5432/d") == "postgresql://u:***@h:5432/d"
    assert redact("postgresql://postgres@127.0.0.1:5432/d") == "postgresql://postgres@127.0.0.1:5432/d"
