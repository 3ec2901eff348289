"""`ghstats start` and `ghstats status` against a deployed stack.

Resources are found from the CloudFormation stack's outputs (cdk_app names them), or given
as flags.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Callable

import boto3

from ghstats import names
from ghstats.config import InvalidConfig, parse_config
from ghstats.ledger import Ledger
from ghstats_cli import report

OUTPUT_TABLE = "LedgerTableName"
OUTPUT_STATE_MACHINE = "StateMachineArn"
TERMINAL = (names.SUCCEEDED, names.PARTIAL, *names.TERMINAL_FAILURES)


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def _resolve(args: argparse.Namespace, session: Any, needed: tuple[str, ...] = (OUTPUT_TABLE, OUTPUT_STATE_MACHINE)) -> dict[str, str]:
    """Flags first; the stack's outputs only for what the flags did not give."""
    found: dict[str, str] = {}
    if getattr(args, "table", None):
        found[OUTPUT_TABLE] = args.table
    if getattr(args, "state_machine_arn", None):
        found[OUTPUT_STATE_MACHINE] = args.state_machine_arn
    if getattr(args, "stack", None) and any(key not in found for key in needed):
        outputs = stack_outputs(session.client("cloudformation"), args.stack)
        for key in needed:
            if key in outputs:
                found.setdefault(key, outputs[key])
    return found


def _session(args: argparse.Namespace) -> Any:
    return boto3.session.Session(region_name=getattr(args, "region", None))


def follow(ledger: Ledger, run_id: str, *, poll_s: float = 5.0, timeout_s: float = 6 * 3600,
           show: Callable[[dict[str, Any]], None] = lambda run: None, sleep: Callable[[float], None] = time.sleep) -> dict[str, Any] | None:
    """Poll the ledger until the run reaches a terminal status (or the timeout)."""
    deadline = time.monotonic() + timeout_s
    run = None
    while time.monotonic() < deadline:
        run = ledger.get_run(run_id)
        if run:
            show(run)
            if run.get("status") in TERMINAL:
                return run
        sleep(poll_s)
    return run


def start(args: argparse.Namespace, session: Any = None) -> int:
    from ghstats_cli.main import _config_from_args

    session = session or _session(args)
    config = _config_from_args(args)
    try:
        parse_config(config)  # the same check as PlanRun, before anything starts
    except InvalidConfig as exc:
        print(f"ghstats start: {report.config_problems(exc.problems)}", file=sys.stderr)
        return 2
    resources = _resolve(args, session, (OUTPUT_STATE_MACHINE, OUTPUT_TABLE) if args.wait else (OUTPUT_STATE_MACHINE,))
    if OUTPUT_STATE_MACHINE not in resources:
        print("state machine not found: pass --stack NAME (deployed ghstats stack) or --state-machine-arn", file=sys.stderr)
        return 2
    name = args.name or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    arn = session.client("stepfunctions").start_execution(
        stateMachineArn=resources[OUTPUT_STATE_MACHINE], name=name, input=json.dumps(config)
    )["executionArn"]
    print(f"started run {name}\n  execution: {arn}")
    if not args.wait:
        return 0
    ledger = Ledger(session.resource("dynamodb").Table(resources[OUTPUT_TABLE]))
    from ghstats_cli.progress import LineProgress, follower

    run = follow(ledger, name, show=follower(LineProgress(sys.stdout), None))  # the ledger's figures
    print(f"run {name}: {run.get('status') if run else 'unknown'}")
    if run and (run.get("error") or run.get("cause")):
        print(report.failure_text(run.get("error"), run.get("cause")), file=sys.stderr)
    from ghstats_cli.main import exit_code

    return exit_code(run.get("status") if run else None)


def status(args: argparse.Namespace, session: Any = None) -> int:
    session = session or _session(args)
    resources = _resolve(args, session, (OUTPUT_TABLE,))
    if OUTPUT_TABLE not in resources:
        print("ledger table not found: pass --stack NAME or --table NAME", file=sys.stderr)
        return 2
    ledger = Ledger(session.resource("dynamodb").Table(resources[OUTPUT_TABLE]))
    if args.run_id:
        run = ledger.get_run(args.run_id)
        if run is None:
            print(f"run {args.run_id} is not in the ledger", file=sys.stderr)
            return 1
        batches, owners = ledger.get_batches(args.run_id), ledger.get_owners(args.run_id)
        print(report.as_json({"run": run, "batches": batches, "owners": owners}) if args.json
              else report.run_detail(run, batches, owners=owners))
        from ghstats_cli.main import status_exit_code

        return status_exit_code(run.get("status"))
    runs = ledger.last_runs(args.limit, org=getattr(args, "org", None))
    print(report.as_json(runs) if args.json else report.table(report.RUN_HEADERS, [report.run_line(r) for r in runs]))
    return 0


OUTPUT_BUCKET = "BucketName"
MAX_URL_EXPIRY_S = 7 * 24 * 3600  # S3's limit for a presigned URL signed with long-term credentials


def report_file(args: argparse.Namespace, session: Any = None) -> int:
    """The run's report from the bucket: downloaded to --dest, or a presigned URL (--url)."""
    from ghstats_cli.errors import UserError

    session = session or _session(args)
    bucket = args.bucket or (stack_outputs(session.client("cloudformation"), args.stack).get(OUTPUT_BUCKET)
                             if args.stack else None)
    if not bucket:
        raise UserError(f"the stack {args.stack} has no {OUTPUT_BUCKET} output: pass --bucket NAME")
    key = names.report_key(args.run_id) if args.run_id else names.LATEST_REPORT_KEY
    from botocore.config import Config

    s3 = session.client("s3", config=Config(signature_version="s3v4"))  # every region accepts SigV4 URLs
    if not 1 <= args.expires <= MAX_URL_EXPIRY_S:
        raise UserError(f"--expires {args.expires}: give 1 to {MAX_URL_EXPIRY_S} seconds (S3's limit is 7 days)")
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
        which = f"run {args.run_id}" if args.run_id else "any run"
        raise UserError(f"s3://{bucket}/{key}: no report of {which} (a run writes it when it finishes; "
                        "`ghstats status --stack ...` lists the runs)") from None
    if args.url:
        print(s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key,
                                                              "ResponseContentType": "text/html; charset=utf-8"},
                                        ExpiresIn=args.expires))
        return 0
    dest = args.dest or f"report-{args.run_id or 'latest'}.html"
    s3.download_file(bucket, key, str(dest))
    print(f"report of {args.run_id or 'the latest run'}: {dest}")
    return 0
