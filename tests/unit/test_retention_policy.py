"""The retention policy a stage's settings make: off by default, and a ledger never shorter than redelivery."""
import pytest

from chalicelib.lake.retention import RetentionMisconfigured, RetentionPolicy, shortest_ledger_days
from chalicelib.platform.settings import Settings
from chalicelib.read.transaction import not_found_message


def settings(**env: str) -> Settings:
    return Settings(env)


def test_retention_is_off_unless_the_stage_sets_hot_days():
    assert RetentionPolicy.for_stage(settings()) is None
    assert RetentionPolicy.for_stage(settings(HOT_DAYS="0")) is None


def test_the_ledger_outlives_stream_replay_and_the_sweep_window_and_the_hot_window():
    # 24 h of stream replay + 24 h of sweep window = 2 days, under the 30 hot days: 30 + 1 day of margin
    assert shortest_ledger_days(30, 24, 24) == 31
    # a week of stream retention and 1 hot day: the redelivery window wins (168 + 24 h = 8 days) + 1
    assert shortest_ledger_days(1, 168, 24) == 9
    # a sweep window shorter than Lambda's 6 h of event retries: the retries count
    assert shortest_ledger_days(1, 24, 1) == 3


def test_the_default_ledger_is_the_shortest_safe_one():
    policy = RetentionPolicy.for_stage(settings(HOT_DAYS="7", STREAM_RETENTION_HOURS="168"))
    assert (policy.hot_days, policy.ledger_days) == (7, 9)


def test_a_longer_ledger_may_be_asked_for_and_a_shorter_one_is_refused():
    assert RetentionPolicy.for_stage(settings(HOT_DAYS="30", LEDGER_DAYS="90")).ledger_days == 90
    with pytest.raises(RetentionMisconfigured, match="LEDGER_DAYS=10"):
        RetentionPolicy.for_stage(settings(HOT_DAYS="30", LEDGER_DAYS="10"))


def test_the_read_api_404_names_the_hot_window_only_when_there_is_one():
    assert not_found_message(0) == "transaction not found"
    message = not_found_message(30)
    assert "last 30 days" in message and "lake" in message


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_each_cloud_stage_keeps_a_bounded_window_and_knows_its_stream_retention(stage):
    from infra.stage_config import load_stage_file, read_config
    from tests.support.chalice_package import REPO

    env = read_config(REPO)["stages"][stage]["environment_variables"]
    assert env["STREAM_RETENTION_HOURS"] == load_stage_file(stage)["parameters"]["KinesisRetentionHours"]
    policy = RetentionPolicy.for_stage(settings(**env))
    assert policy is not None and policy.ledger_days > policy.hot_days


def test_the_local_stage_keeps_everything():
    from infra.stage_config import read_config
    from tests.support.chalice_package import REPO

    assert RetentionPolicy.for_stage(settings(**read_config(REPO)["stages"]["local"]["environment_variables"])) is None
