"""A moto model for AWS::CloudWatch::Alarm (moto 5.x has none), so the deploy rehearsal creates the stack's alarms.

Registered by infra/moto_cfn.py on the proven moto releases only, like its other models: moto finds
CloudFormation models among CloudFormationModel's subclasses, so importing this module registers it.
Metric-math alarms keep their queries' ids, labels and expressions (the rehearsal checks names, not math).
"""
from __future__ import annotations

from moto.core.common_models import CloudFormationModel


class _CfnAlarm(CloudFormationModel):
    def __init__(self, name: str):
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[account_id][region_name].delete_alarms([self.name])

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        from moto.cloudwatch.models import MetricDataQuery, cloudwatch_backends

        props = cloudformation_json.get("Properties", {})
        queries = [MetricDataQuery(q["Id"], q.get("Label", ""), q.get("MetricStat", {}).get("Period"),
                                   q.get("ReturnData", True), q.get("Expression")) for q in props.get("Metrics", [])]
        name = props.get("AlarmName", resource_name)
        cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=name, namespace=props.get("Namespace"), metric_name=props.get("MetricName"),
            comparison_operator=props["ComparisonOperator"], evaluation_periods=int(props["EvaluationPeriods"]),
            period=props.get("Period"), threshold=float(props["Threshold"]), statistic=props.get("Statistic"),
            description=props.get("AlarmDescription", ""),
            dimensions=props.get("Dimensions", []),
            alarm_actions=props.get("AlarmActions", []), metric_data_queries=queries or None,
            datapoints_to_alarm=props.get("DatapointsToAlarm"), extended_statistic=props.get("ExtendedStatistic"),
            ok_actions=props.get("OKActions", []), treat_missing_data=props.get("TreatMissingData"),
            tags=props.get("Tags"))
        return cls(name)
