"""The stack tier: the local stack's emulator and the stack itself in a child process, on scratch databases."""
import pytest

from tests.support.local_stack import Stack
from tests.support.postgres import server_scratch_database


@pytest.fixture(scope="module", params=["speedups", "stock"])
def emulator(request):
    """The local stack's moto server (infra/local/aws.py), one per test module: with the Kinesis speed-ups
    (infra/local/moto_speedups.py) and on stock moto, which runs wherever the speed-ups stand down."""
    from infra.local.aws import Emulator

    emu = Emulator(stock=request.param == "stock")
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def scratch_database_url():
    """A fresh database on the machine's PostgreSQL, or None (the stack then embeds its own)."""
    with server_scratch_database("e2e") as dsn:
        yield dsn


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory, scratch_database_url):
    """The local stack in a child process, one per test module, on the module's own state folder."""
    state = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1] + "-state")
    running = Stack(state, scratch_database_url)
    running.start()
    yield running
    running.stop()
