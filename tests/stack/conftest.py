"""The stack tier: the local stack's emulator and the stack itself in a child process, on scratch databases."""
import psycopg2
import pytest

from tests.support.local_stack import Stack
from tests.support.postgres import LOCAL_ADMIN_DSN, scratch_database


@pytest.fixture(scope="module")
def emulator():
    """The local stack's moto server (infra/local/aws.py), one per test module."""
    from infra.local.aws import Emulator

    emu = Emulator()
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def scratch_database_url():
    """A fresh database on the machine's PostgreSQL, or None (the stack then embeds its own)."""
    try:
        psycopg2.connect(LOCAL_ADMIN_DSN, connect_timeout=2).close()
    except psycopg2.OperationalError:
        yield None
        return
    with scratch_database(LOCAL_ADMIN_DSN, "e2e") as dsn:
        yield dsn


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory, scratch_database_url):
    """The local stack in a child process, one per test module, on the module's own state folder."""
    state = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1] + "-state")
    running = Stack(state, scratch_database_url)
    running.start()
    yield running
    running.stop()
