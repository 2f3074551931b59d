"""`make account-setup GITHUB_REPO=owner/name`: once per AWS account and region, before any stage is deployed.

    python -m infra.account_setup --github-repo acme/cardstream [--existing-oidc-provider]

Creates or updates the stack `cardstream-account` (infra/account.yaml): the deploy-state bucket every checkout
and CI share, GitHub's OIDC provider, and the deploy roles `cardstream-deploy-dev` / `cardstream-deploy-prod`,
which only the repository's GitHub environments `dev` / `prod` can assume. Prints the roles' ARNs, which go
into the GitHub environments' variable AWS_DEPLOY_ROLE_ARN (docs/deploy.md).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from infra import stack

ACCOUNT_STACK = "cardstream-account"
ACCOUNT_TEMPLATE = Path(__file__).with_name("account.yaml")


def setup_account(cfn, github_repo: str, create_oidc_provider: bool, wait_delay: int = 10) -> dict[str, str]:
    """Create or update the account stack; wait; its outputs."""
    request = {"StackName": ACCOUNT_STACK, "TemplateBody": stack.template_body(ACCOUNT_TEMPLATE),
               "Capabilities": ["CAPABILITY_NAMED_IAM"],
               "Parameters": [{"ParameterKey": "GitHubRepository", "ParameterValue": github_repo},
                              {"ParameterKey": "CreateOidcProvider",
                               "ParameterValue": str(create_oidc_provider).lower()}]}
    try:
        cfn.describe_stacks(StackName=ACCOUNT_STACK)
        exists = True
    except ClientError:
        exists = False
    if exists:
        try:
            cfn.update_stack(**request)
            waiter = "stack_update_complete"
        except ClientError as exc:
            if stack.NO_UPDATES not in str(exc):
                raise
            waiter = None
    else:
        cfn.create_stack(**request, EnableTerminationProtection=True)
        waiter = "stack_create_complete"
    if waiter:
        cfn.get_waiter(waiter).wait(StackName=ACCOUNT_STACK, WaiterConfig={"Delay": wait_delay, "MaxAttempts": 180})
    found = cfn.describe_stacks(StackName=ACCOUNT_STACK)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.account_setup", description=__doc__.splitlines()[0],
                                     epilog="example: python -m infra.account_setup --github-repo acme/cardstream")
    parser.add_argument("--github-repo", required=True, help="owner/name of the repository whose CI deploys")
    parser.add_argument("--existing-oidc-provider", action="store_true",
                        help="the account already has GitHub's OIDC provider (token.actions.githubusercontent.com)")
    args = parser.parse_args(argv)
    outputs = setup_account(boto3.client("cloudformation"), args.github_repo, not args.existing_oidc_provider)
    print(json.dumps(outputs, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
