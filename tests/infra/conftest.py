"""The infra tier: the CloudFormation template, `chalice package` per stage, the IAM policies, the deploy and
its rehearsal against moto in server mode, and the dependency locks. The packages are built once per session
(tests/support/chalice_package.py)."""
