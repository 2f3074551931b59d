"""The lake's resources in infra/cloudformation.yaml: the Glue table follows the dictionary, the named queries
are the tile files, and the reporting principal reads the curated table and nothing else."""
import json

import pytest

from chalicelib.dictionary.fields import STREAM_COLUMNS
from chalicelib.lake import statements
from infra.stack import load_template
from infra.stage_config import read_config
from tests.support.chalice_package import REPO

RES = load_template()["Resources"]


def test_the_raw_table_has_the_raw_files_columns_as_text_and_their_partition_keys():
    table = RES["RawTransactionsTable"]["Properties"]["TableInput"]
    columns = table["StorageDescriptor"]["Columns"]
    assert [c["Name"] for c in columns] == list(STREAM_COLUMNS) and {c["Type"] for c in columns} == {"string"}
    assert [k["Name"] for k in table["PartitionKeys"]] == list(statements.PARTITION_COLUMNS)
    assert table["Name"] == statements.RAW_TABLE


def test_the_raw_table_reads_quoted_csv_with_partition_projection_and_no_crawler():
    table = RES["RawTransactionsTable"]["Properties"]["TableInput"]
    serde = table["StorageDescriptor"]["SerdeInfo"]
    assert serde["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert serde["Parameters"]["quoteChar"] == '"'
    params = table["Parameters"]
    assert params["projection.enabled"] == "true" and params["skip.header.line.count"] == "1"
    assert params["projection.hour.values"].split(",") == [f"{h:02d}" for h in range(24)]
    assert params["storage.location.template"]["Fn::Sub"].endswith("/raw-data/dt=${!dt}/hour=${!hour}/")
    assert not any(r["Type"] == "AWS::Glue::Crawler" for r in RES.values())


@pytest.mark.parametrize("tile", statements.TILES)
def test_each_tile_is_a_named_query_holding_its_file_text(tile):
    queries = {q["Properties"]["Name"]["Fn::Sub"]: q["Properties"] for q in RES.values()
               if q["Type"] == "AWS::Athena::NamedQuery"}
    query = queries[f"cardstream-${{Stage}}-tile-{tile.replace('_', '-')}"]
    assert query["QueryString"] == statements.tile_query(tile)
    assert query["WorkGroup"] == {"Ref": "LakeWorkGroup"} and query["Database"] == {"Ref": "LakeDatabase"}


def test_the_workgroup_enforces_encrypted_results_and_a_bytes_scanned_limit():
    config = RES["LakeWorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] == {"Ref": "LakeBytesScannedCutoff"}
    assert config["ResultConfiguration"]["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    bucket = RES["AthenaResultsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == {"Ref": "AthenaResultsRetentionDays"}
    deny = RES["AthenaResultsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_reporting_principal_reads_the_curated_table_never_the_raw_files():
    text = json.dumps(RES["LakeReportingPolicy"]["Properties"]["PolicyDocument"])
    assert "raw-data" not in text and statements.RAW_TABLE not in text and "*\"" not in text.replace("/*\"", "")
    assert f"table/${{LakeDatabase}}/{statements.CURATED_TABLE}" in text
    assert "lake/transactions/*" in text


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_stage_config_names_the_template_database_and_workgroup(stage):
    env = read_config(REPO)["stages"][stage]["environment_variables"]
    assert RES["LakeDatabase"]["Properties"]["DatabaseInput"]["Name"]["Fn::Sub"].replace("${Stage}", stage) == \
        env["LAKE_DATABASE"]
    assert RES["LakeWorkGroup"]["Properties"]["Name"]["Fn::Sub"].replace("${Stage}", stage) == env["LAKE_WORKGROUP"]
