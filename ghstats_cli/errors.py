"""Mistakes a user can fix: one line naming the problem and the fix, exit 2, no traceback."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """main() prints the message (problem and fix) and exits 2."""


def aws_problem(exc: Exception, *, region: str | None = None, stack: str | None = None) -> str | None:
    """What a botocore error means for someone running `ghstats status/start --stack`, and the
    fix; None for errors that are not about the user's AWS set-up."""
    from botocore import exceptions as boto

    if isinstance(exc, boto.NoRegionError):
        return ("no AWS region is set: pass --region REGION (the deployed stack's region), or set AWS_REGION "
                "or a region in your AWS profile")
    if isinstance(exc, boto.NoCredentialsError):
        return ("no AWS credentials found: set AWS_PROFILE to a configured profile (aws configure, aws sso login) "
                "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    if isinstance(exc, boto.PartialCredentialsError):
        return f"the AWS credentials are incomplete ({exc}): set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use a profile"
    if isinstance(exc, boto.ProfileNotFound):
        return f"{exc}: set AWS_PROFILE to one of `aws configure list-profiles`, or unset it"
    if isinstance(exc, (boto.SSOError, boto.SSOTokenLoadError, boto.UnauthorizedSSOTokenError, boto.TokenRetrievalError)):
        return f"the AWS SSO session cannot be used ({exc}): run `aws sso login` and try again"
    if isinstance(exc, boto.EndpointConnectionError):
        return f"cannot reach AWS at {exc.kwargs.get('endpoint_url')}: check the network and --region"
    if isinstance(exc, boto.ClientError):
        error: dict[str, Any] = exc.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        operation = getattr(exc, "operation_name", "the request")
        if operation == "DescribeStacks" and "does not exist" in message:
            return (f"stack {stack or '?'} was not found in {region or 'the default region'}: pass --stack NAME of the "
                    "deployed ghstats stack and the --region it is in")
        if code in ("ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException", "InvalidClientTokenId"):
            return f"AWS refused the credentials ({code}: {message}): refresh them (aws sso login) or pick another profile"
        if code in ("AccessDenied", "AccessDeniedException"):
            return f"AWS denied {operation} ({message}): use credentials (a profile or role) allowed to call it"
        return f"AWS answered {operation} with {code}: {message}"
    if isinstance(exc, boto.BotoCoreError):
        return f"AWS: {exc}"
    return None
