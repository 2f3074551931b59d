"""Settings: one frozen object from environment variables; missing required ones fail naming the variable."""
import dataclasses

import pytest

from chalicelib.platform.settings import MissingSetting, Settings


def test_defaults_apply_when_optional_variables_are_absent():
    settings = Settings({})
    assert settings.raw_prefix == "raw-data/" and settings.quarantine_prefix == "quarantine/"
    assert settings.flush_max_bytes == 1024 * 1024 and settings.flush_max_age_seconds == 2.0
    assert settings.kinesis_batch_size == 500 and settings.gzip_files is False


def test_values_are_read_and_cast_from_the_environment():
    settings = Settings({"FLUSH_MAX_BYTES": "2048", "GZIP_FILES": "true", "STREAM_NAME": "s"})
    assert settings.flush_max_bytes == 2048 and settings.gzip_files is True and settings.stream_name == "s"


def test_a_missing_required_setting_fails_at_first_use_naming_the_variable():
    settings = Settings({})  # constructing is fine: nothing is read yet
    with pytest.raises(MissingSetting, match="STREAM_NAME"):
        _ = settings.stream_name


def test_an_unparseable_number_fails_naming_the_variable():
    with pytest.raises(MissingSetting, match="FLUSH_MAX_BYTES"):
        _ = Settings({"FLUSH_MAX_BYTES": "lots"}).flush_max_bytes


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings({}).env = {}


def test_the_loader_scores_with_the_model_and_adds_the_policy_rules_only_when_the_stage_asks():
    from chalicelib import runtime
    from chalicelib.fraud.features import forget_state
    from chalicelib.fraud.scorer import FraudScorer
    from chalicelib.fraud.scoring import ModelScorer
    from tests.support.env import stage_env

    with stage_env(FRAUD_SCORING="true", FRAUD_ALERT_THRESHOLD="0.8", FRAUD_POLICY_RULES="false"):
        hooks = runtime.loader_hooks()
        assert [type(h) for h in hooks] == [ModelScorer] and hooks[0].threshold == 0.8
    with stage_env(FRAUD_SCORING="true", FRAUD_POLICY_RULES="true"):
        assert [type(h) for h in runtime.loader_hooks()] == [ModelScorer, FraudScorer]
    with stage_env(FRAUD_SCORING="false"):  # the per-card state is no longer kept: only that is noted
        assert runtime.loader_hooks() == (forget_state,)


def test_every_stage_sets_a_fraud_threshold_within_zero_and_one():
    import json
    from pathlib import Path

    config = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
    for stage in config["stages"].values():
        assert 0 < float(stage["environment_variables"]["FRAUD_ALERT_THRESHOLD"]) < 1
