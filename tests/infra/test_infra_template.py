"""infra/cloudformation.yaml: lints clean, and declares what issue 6 asks of each resource."""
import json
import string
from pathlib import Path

import pytest

from infra.stack import TEMPLATE_PATH, load_template
from infra.stage_config import MIGRATE_OUTPUT_ENV, OUTPUT_ENV, load_stage_file

T = load_template()
RES = T["Resources"]


def _of_type(kind: str) -> dict:
    return {name: r for name, r in RES.items() if r["Type"] == kind}


def _default(param: str):
    return T["Parameters"][param].get("Default")


def test_cfn_lint_finds_no_errors():
    from cfnlint.api import lint_file

    errors = [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in lint_file(Path(TEMPLATE_PATH))
              if m.rule.severity == "error"]
    assert errors == []


def test_the_deploy_reads_the_template_as_cfn_lint_does():
    from cfnlint.decode import cfn_yaml

    assert json.loads(json.dumps(T)) == json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE_PATH))))


def test_every_taggable_resource_carries_the_stage_and_cost_tags():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    untagged = []
    for name, res in RES.items():
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", res["Type"]).schema
        if "Tags" not in schema.get("properties", {}):
            continue
        tags = {t["Key"]: t["Value"] for t in res["Properties"].get("Tags", [])}
        if tags.get("Stage") != {"Ref": "Stage"} or tags.get("CostCenter") != {"Ref": "CostCenter"}:
            untagged.append(name)
    assert untagged == []


def test_two_private_subnets_in_two_zones_and_no_path_to_the_internet():
    subnets = _of_type("AWS::EC2::Subnet").values()
    # the zones are parameters the deploy's preflight fills from checked AZ IDs (infra/preflight.py)
    assert sorted(s["Properties"]["AvailabilityZone"]["Ref"] for s in subnets) == ["AvailabilityZone1",
                                                                                  "AvailabilityZone2"]
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is False for s in subnets)
    kinds = {r["Type"] for r in RES.values()}
    assert not kinds & {"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP"}


def test_lambdas_reach_kinesis_secrets_and_s3_through_endpoints():
    endpoints = {e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[-1]: e["Properties"]
                 for e in _of_type("AWS::EC2::VPCEndpoint").values()}
    assert endpoints["kinesis-streams"]["VpcEndpointType"] == "Interface"
    assert endpoints["secretsmanager"]["VpcEndpointType"] == "Interface"
    assert endpoints["kinesis-streams"]["PrivateDnsEnabled"] and endpoints["secretsmanager"]["PrivateDnsEnabled"]
    assert endpoints["s3"]["VpcEndpointType"] == "Gateway"
    assert endpoints["s3"]["RouteTableIds"] == [{"Ref": "PrivateRouteTable"}]


def test_only_the_lambda_security_group_reaches_the_database_and_only_on_5432():
    rules = [r for r in _of_type("AWS::EC2::SecurityGroupIngress").values()
             if r["Properties"]["GroupId"] == {"Ref": "DatabaseSecurityGroup"}]
    assert RES["DatabaseSecurityGroup"]["Properties"].get("SecurityGroupIngress") is None
    unconditional = [r["Properties"] for r in rules if "Condition" not in r]
    assert [(p["FromPort"], p["ToPort"], p["SourceSecurityGroupId"]) for p in unconditional] == [
        (5432, 5432, {"Ref": "LambdaSecurityGroup"})]
    # the QuickSight VPC connection's group, only when the stage asks for it
    assert {r["Condition"] for r in rules if "Condition" in r} == {"QuickSightAccess"}


def test_database_is_postgres_15_private_encrypted_backed_up_and_protected_by_parameters():
    db = RES["Database"]["Properties"]
    assert db["Engine"] == "postgres" and _default("DbEngineVersion").startswith("15")
    assert db["PubliclyAccessible"] is False and db["StorageEncrypted"] is True
    assert db["DeletionProtection"] == {"Ref": "DbDeletionProtection"}
    assert db["DBInstanceClass"] == {"Ref": "DbInstanceClass"}
    assert db["BackupRetentionPeriod"] == {"Ref": "DbBackupRetentionDays"}
    assert T["Parameters"]["DbBackupRetentionDays"]["MinValue"] >= 1
    assert RES["Database"]["DeletionPolicy"] == "Snapshot"


def test_parameter_group_forces_tls_and_carries_the_original_design_settings():
    group = RES["DbParameterGroup"]["Properties"]
    assert group["Family"] == "postgres15" and group["Parameters"]["rds.force_ssl"] == "1"
    refs = {name: value["Ref"] for name, value in group["Parameters"].items() if isinstance(value, dict)}
    original = {"max_connections": 100, "shared_buffers": 2048, "work_mem": 4096, "maintenance_work_mem": 65536,
                "effective_cache_size": 6144, "shared_preload_libraries": "pg_stat_statements", "timezone": "UTC"}
    assert {name: _default(refs[name]) for name in original} == original  # 16 MB, 4 MB, 64 MB, 48 MB


def test_rds_makes_and_rotates_the_master_password_and_every_other_secret_is_generated():
    db = RES["Database"]["Properties"]
    assert db["ManageMasterUserPassword"] is True and "MasterUserPassword" not in db
    assert T["Outputs"]["DbSecretName"]["Value"] == {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}
    secrets = _of_type("AWS::SecretsManager::Secret")
    assert all("GenerateSecretString" in s["Properties"] and "SecretString" not in s["Properties"]
               for s in secrets.values())


def test_card_key_is_generated_as_64_hex_characters():
    spec = RES["CardKeySecret"]["Properties"]["GenerateSecretString"]
    alphabet = set(string.ascii_letters + string.digits) - set(spec["ExcludeCharacters"])
    alphabet -= set(string.ascii_uppercase) if spec["ExcludeUppercase"] else set()
    assert spec["GenerateStringKey"] == "key" and spec["PasswordLength"] == 64
    assert alphabet <= set(string.hexdigits.lower())
    assert RES["CardKeySecret"]["DeletionPolicy"] == "Retain"


def test_stream_is_kms_encrypted_with_shards_and_retention_as_parameters():
    stream = RES["Stream"]["Properties"]
    assert stream["StreamEncryption"]["EncryptionType"] == "KMS"
    assert stream["ShardCount"] == {"Ref": "KinesisShardCount"}
    assert stream["RetentionPeriodHours"] == {"Ref": "KinesisRetentionHours"}


@pytest.mark.parametrize("bucket", ["LandingBucket", "AccessLogBucket"])
def test_buckets_are_encrypted_private_versioned_and_kept_on_delete(bucket):
    props = RES[bucket]["Properties"]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert RES[bucket]["DeletionPolicy"] == "Retain"


def test_landing_bucket_logs_to_the_access_log_bucket_and_expires_raw_and_quarantine():
    props = RES["LandingBucket"]["Properties"]
    assert props["LoggingConfiguration"]["DestinationBucketName"] == \
        RES["AccessLogBucket"]["Properties"]["BucketName"]
    rules = {r.get("Prefix"): r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["raw-data/"]["ExpirationInDays"] == {"Ref": "RawDataRetentionDays"}
    assert rules["quarantine/"]["ExpirationInDays"] == {"Ref": "QuarantineRetentionDays"}


@pytest.mark.parametrize("policy", ["LandingBucketPolicy", "AccessLogBucketPolicy"])
def test_bucket_policies_deny_requests_without_tls(policy):
    statements = RES[policy]["Properties"]["PolicyDocument"]["Statement"]
    assert {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}.items() <= \
        next(s for s in statements if s["Effect"] == "Deny").items()


def test_each_alarm_notifies_the_alarm_topic():
    alarms = _of_type("AWS::CloudWatch::Alarm")
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())


def test_the_alarms_watch_rds_kinesis_lambda_and_the_dlq():
    watched = set()
    for alarm in _of_type("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        metrics = [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m] or [props]
        watched |= {(m["Namespace"], m["MetricName"]) for m in metrics}
    assert watched >= {("AWS/RDS", "CPUUtilization"), ("AWS/RDS", "FreeStorageSpace"),
                       ("AWS/RDS", "DatabaseConnections"), ("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds"),
                       ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles"),
                       ("AWS/SQS", "ApproximateNumberOfMessagesVisible")}


def test_rds_alarms_use_the_original_thresholds():
    assert RES["DbCpuAlarm"]["Properties"]["Threshold"] == 80
    assert _default("DbFreeStorageAlarmBytes") == 2 * 1024 ** 3
    connections = RES["DbConnectionsAlarm"]["Properties"]
    assert connections["Threshold"] == 80
    assert connections["Metrics"][0]["Expression"] == {"Fn::Sub": "100 * connections / ${DbMaxConnections}"}


def test_outputs_hold_everything_the_stage_config_and_post_deploy_read():
    needed = {*OUTPUT_ENV.values(), *MIGRATE_OUTPUT_ENV.values(), "LambdaSubnetIds", "LambdaSecurityGroupId",
              "DeadLetterQueueArn"}
    assert needed <= set(T["Outputs"])


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_stage_files_set_only_parameters_the_template_declares(stage):
    assert set(load_stage_file(stage)["parameters"]) <= set(T["Parameters"])
