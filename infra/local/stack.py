"""Start the local stack in order, and stop it so that nothing accepted is lost.

Start: state folder -> PostgreSQL + migrations -> moto + resources -> event pumps -> API -> `ready`.
Stop (drain): the API stops accepting, the Kinesis pump delivers what is on the stream, the S3 pump loads
every landed file (and the sweep runs once more), and only then does moto, which holds all of it in
memory, stop. That order is what makes "accepted before the stop" mean "in PostgreSQL after it".
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from types import MappingProxyType

from chalice.cli.factory import CLIFactory

from chalicelib.platform.settings import Settings, get_settings
from infra.local import database, state
from infra.local.api import ApiServer
from infra.local.aws import Emulator, create_resources
from infra.local.kinesis_pump import KinesisPump
from infra.local.s3_pump import S3Pump
from infra.local.sources import read_event_sources

DRAIN_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class StackOptions:
    project_dir: Path
    state_dir: Path
    api_port: int = 8000
    moto_port: int = 0
    shards: int = 2
    stage: str = "local"
    database_url: str | None = None


@dataclass(frozen=True)
class DrainReport:
    records_delivered: int  # Kinesis records the handler took (a retried batch counts once)
    files_delivered: int  # new raw-data/ objects (key, etag) the S3 handler took
    files_given_up: list[str]
    complete: bool
    files: list[tuple[str, str]]  # (key, etag) of each object delivered: scripts look them up in the ledger


class LocalStack:
    def __init__(self, options: StackOptions, say=print, api_output=None):
        self.options = options
        self._api_output = api_output  # where the API child's lines go (through this process), if not ours
        self._say = say
        self._emulator = Emulator(options.moto_port)
        self._api: ApiServer | None = None
        self._kinesis_pumps: list[KinesisPump] = []
        self._s3_pumps: list[S3Pump] = []
        self.info: dict = {}

    def start(self) -> dict:
        """Bring everything up; the stack.json content (api_url, token, database_url, aws_endpoint_url)."""
        try:
            return self._start()
        except BaseException:
            self._abort()
            raise

    def _start(self) -> dict:
        opts = self.options
        home = state.prepare_state_dir(opts.state_dir)
        state.remove_drain_file(home)  # a report from an earlier run must not pass for this one's
        secrets = state.load_or_create_secrets(home)
        dsn, where = database.resolve_database_url(home, opts.database_url)
        self._say(f"postgres  {database.redact(dsn)} ({where})")
        stage_env = CLIFactory(str(opts.project_dir)).create_config_obj(chalice_stage_name=opts.stage)\
            .environment_variables
        endpoint = self._emulator.start()
        self._say(f"moto      {endpoint}")
        env = {**os.environ, **self._emulator.client_env(), "DATABASE_URL": dsn}
        settings = Settings(MappingProxyType({**env, **stage_env}))
        create_resources(self._emulator, settings, secrets, database.rds_secret(dsn), opts.shards)
        # chalice local takes seconds to import; it loads while the migrations run and the pumps start.
        self._api = ApiServer(opts.project_dir, env, port=opts.api_port, stage=opts.stage, output=self._api_output)
        self._api.start()
        database.run_migrations({**env, **stage_env}, opts.project_dir)
        self._say("migrations applied")
        self._start_pumps(env)
        self._api.wait_ready(secrets.api_token)
        self.info = {"api_url": self._api.url, "token": secrets.api_token, "database_url": dsn,
                     "aws_endpoint_url": endpoint, "bucket": settings.bucket_name, "stream": settings.stream_name,
                     "emulator_pid": self._emulator.pid, "emulator_speedups": self._emulator.speedups}
        state.write_stack_file(home, self.info)
        return self.info

    def _abort(self) -> None:
        """A start that failed half-way: stop what runs, without draining (nothing was accepted yet)."""
        if self._api is not None:
            self._api.stop()
        if self._emulator.endpoint_url:
            self._emulator.stop()

    def api_alive(self) -> bool:
        return self._api is not None and self._api.alive()

    def outage(self) -> str | None:
        """Why a pump cannot read the emulator, once it has failed for infra/local/outage.py's limit; else None."""
        return next((p.outage for p in [*self._kinesis_pumps, *self._s3_pumps] if p.outage), None)

    def stop(self) -> DrainReport:
        """Drain and stop, in the order that loses nothing."""
        if self._api is not None:
            self._api.stop()
            self._say("API stopped; draining the stream and landed files ...")
        # Order matters: the stream's last records become files, whose events the S3 pump then delivers.
        drained = [pump.drain(DRAIN_TIMEOUT_SECONDS) for pump in [*self._kinesis_pumps, *self._s3_pumps]]
        complete = all(drained)
        report = DrainReport(
            records_delivered=sum(p.records_delivered for p in self._kinesis_pumps),
            files_delivered=sum(len(p.files_delivered) for p in self._s3_pumps),
            files_given_up=[key for p in self._s3_pumps for key in p.files_given_up],
            complete=complete and all(p.final_sweep_ok for p in self._s3_pumps),
            files=sorted(f for p in self._s3_pumps for f in p.files_delivered),
        )
        self._emulator.stop()
        home = state.prepare_state_dir(self.options.state_dir)
        state.remove_stack_file(home)
        state.write_drain_file(home, asdict(report))
        return report

    def _start_pumps(self, env: dict[str, str]) -> None:
        # The handlers run in this process, on the same settings `chalice local` gets: the stage's
        # variables on top of the emulator endpoint and the database URL, loaded by chalice itself.
        os.environ.update(env)
        get_settings.cache_clear()  # read once by the CLI, before the stage's variables were in place
        app = CLIFactory(str(self.options.project_dir), environ=os.environ)\
            .create_config_obj(chalice_stage_name=self.options.stage).chalice_app
        from chalicelib import runtime

        runtime.reset()  # settings and clients read before this point belong to the old environment
        sources = read_event_sources(app)
        self._kinesis_pumps = [KinesisPump(self._emulator.client("kinesis"), source) for source in sources.kinesis]
        self._s3_pumps = [S3Pump(self._emulator.client("s3"), self._emulator.client("sqs"), source, sources.schedules)
                          for source in sources.s3]
        for pump in [*self._kinesis_pumps, *self._s3_pumps]:
            pump.start()
        names = [s.name for group in (sources.kinesis, sources.s3, sources.schedules) for s in group]
        self._say(f"pump      handlers: {', '.join(names) or 'none registered yet'}")
