"""`ghstats start` and `ghstats status` against a deployed stack (moto), and local status."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from ghstats import names
from ghstats.ledger import Ledger
from ghstats_cli import deployed
from ghstats_cli.context import CDK_JSON, context_collection
from ghstats_cli.errors import UserError
from ghstats_cli.local_aws import TABLE, create_table
from ghstats_cli.main import _config_from_args, main, parser


@pytest.fixture
def aws(monkeypatch):
    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        create_table(session.resource("dynamodb"))
        sfn = session.client("stepfunctions")
        arn = sfn.create_state_machine(name="ghstats", roleArn="arn:aws:iam::123456789012:role/x",
                                       definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}))["stateMachineArn"]
        yield session, arn


def args(*argv):
    return parser().parse_args(list(argv))


def test_start_validates_then_starts_with_the_config_as_input(aws, capsys):
    session, arn = aws
    code = deployed.start(args("start", "--state-machine-arn", arn, "--org", "acme", "--repo", "octo/hello",
                               "--batch-size", "25", "--name", "weekly-1"), session)
    assert code == 0
    executions = session.client("stepfunctions").list_executions(stateMachineArn=arn)["executions"]
    assert [e["name"] for e in executions] == ["weekly-1"]
    described = session.client("stepfunctions").describe_execution(executionArn=executions[0]["executionArn"])
    assert json.loads(described["input"]) == {"orgs": ["acme"], "repos": ["octo/hello"], "batch_size": 25}
    assert "started run weekly-1" in capsys.readouterr().out


def started_input(session, arn):
    sfn = session.client("stepfunctions")
    [execution] = sfn.list_executions(stateMachineArn=arn)["executions"]
    return json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])


def test_start_without_config_flags_collects_the_cdk_json_context_config(aws):
    session, arn = aws
    assert deployed.start(args("start", "--state-machine-arn", arn, "--name", "now"), session) == 0
    assert started_input(session, arn) == json.loads(CDK_JSON.read_text())["context"]["ghstats:collection"]


def test_start_flags_override_the_context_config(aws):
    session, arn = aws
    assert deployed.start(args("start", "--state-machine-arn", arn, "--batch-size", "25"), session) == 0
    assert started_input(session, arn) == {**json.loads(CDK_JSON.read_text())["context"]["ghstats:collection"], "batch_size": 25}


def test_run_does_not_fall_back_to_the_context_config():
    assert _config_from_args(args("run")) == {}


def test_context_config_without_cdk_json_names_the_flags(tmp_path):
    with pytest.raises(UserError, match="--config FILE, --org or --repo"):
        context_collection(tmp_path / "cdk.json")


def test_context_config_is_checked_like_cdk_synth(tmp_path):
    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps({"context": {"ghstats:collection": {"orgs": ["-acme"]}}}))
    with pytest.raises(UserError, match=r"'ghstats:collection'.*orgs\[0\]\.name"):
        context_collection(cdk_json)


def test_start_refuses_bad_config_before_starting(aws, capsys):
    session, arn = aws
    code = deployed.start(args("start", "--state-machine-arn", arn, "--org", "acme", "--batch-size", "500"), session)
    assert code == 2
    assert "batch_size" in capsys.readouterr().err
    assert session.client("stepfunctions").list_executions(stateMachineArn=arn)["executions"] == []


def test_status_lists_runs_and_shows_one(aws, capsys):
    session, _ = aws
    ledger = Ledger(session.resource("dynamodb").Table(TABLE))
    for run_id, started in (("r1", "2026-01-01T00:00:00Z"), ("r2", "2026-01-02T00:00:00Z")):
        ledger._table.put_item(Item={"pk": names.run_pk(run_id), "sk": "RUN", "run_id": run_id, "status": "SUCCEEDED",
                                     "started_at": started, "gsi1pk": "RUNS", "gsi1sk": names.time_order(started, run_id)})
    ledger.record_run_plan("r2", "2026-01-02T00:00:00Z", ["acme"])
    ledger.record_owner_plan("r2", "acme", {"0000-00000": 3}, 3, [])
    ledger.batch_failed("r2", "0000-00000", "GitHubServerError", "GitHub answered 502", None)
    ledger.owner_failed("r2", "globex", "GitHubAuthError", "the token cannot see globex", None)
    assert deployed.status(args("status", "--table", TABLE), session) == 0
    listing = capsys.readouterr().out
    assert listing.index("r2") < listing.index("r1")
    assert deployed.status(args("status", "r2", "--table", TABLE), session) == 0
    detail = capsys.readouterr().out
    assert "GitHubServerError" in detail and "0000-00000" in detail
    assert "globex" in detail and "the token cannot see globex" in detail  # the org whose listing failed
    assert detail.startswith("run ") and "owners             acme" in detail  # labels, not reprs
    assert deployed.status(args("status", "r2", "--table", TABLE, "--json"), session) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert as_json["run"]["run_id"] == "r2" and as_json["batches"][0]["status"] != "DONE"
    assert {o["owner_name"]: o["status"] for o in as_json["owners"]} == {"acme": "LISTED", "globex": "FAILED"}
    assert deployed.status(args("status", "--table", TABLE, "--json"), session) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == ["r2", "r1"]
    assert deployed.status(args("status", "nope", "--table", TABLE), session) == 1
    # a run's own status gives the exit code, as `run` gives it; a run still going: 0
    for status, code in (("PARTIAL", 3), ("FAILED", 1), ("RUNNING", 0)):
        ledger._table.update_item(Key={"pk": names.run_pk("r1"), "sk": "RUN"}, UpdateExpression="SET #s = :s",
                                  ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": status})
        assert deployed.status(args("status", "r1", "--table", TABLE), session) == code


def test_follow_polls_until_terminal(aws):
    session, _ = aws
    ledger = Ledger(session.resource("dynamodb").Table(TABLE))
    ledger._table.put_item(Item={"pk": names.run_pk("r1"), "sk": "RUN", "run_id": "r1", "status": "RUNNING"})
    seen = []

    def finish_on_second_poll(_):
        ledger._table.update_item(Key={"pk": names.run_pk("r1"), "sk": "RUN"}, UpdateExpression="SET #s = :s",
                                  ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": "PARTIAL"})

    run = deployed.follow(ledger, "r1", show=lambda r: seen.append(r["status"]), sleep=finish_on_second_poll)
    assert run["status"] == "PARTIAL" and seen == ["RUNNING", "PARTIAL"]


def test_stack_outputs_name_the_resources():
    class FakeCloudFormation:
        def describe_stacks(self, StackName):
            assert StackName == "ghstats"
            return {"Stacks": [{"Outputs": [{"OutputKey": "LedgerTableName", "OutputValue": "t"},
                                            {"OutputKey": "StateMachineArn", "OutputValue": "arn:sm"}]}]}

    class FakeSession:
        def client(self, name):
            assert name == "cloudformation"
            return FakeCloudFormation()

    assert deployed._resolve(args("status", "--stack", "ghstats"), FakeSession()) == {"LedgerTableName": "t", "StateMachineArn": "arn:sm"}


def test_local_status_reads_exported_runs(tmp_path, capsys):
    ledger_dir = tmp_path / "ledger"
    ledger_dir.mkdir()
    (ledger_dir / "r9.json").write_text(json.dumps({"run": {"run_id": "r9", "status": "PARTIAL", "started_at": "2026-01-01",
                                                            "batches_done": 2, "batches_total": 2}, "batches": []}))
    assert main(["status", "--data", str(tmp_path)]) == 0
    assert "r9" in capsys.readouterr().out
    assert main(["status", "r9", "--data", str(tmp_path)]) == 3  # PARTIAL, as `run` exits
    assert "status             PARTIAL" in capsys.readouterr().out
    assert main(["status", "zzz", "--data", str(tmp_path)]) == 1


def test_run_id_that_is_not_a_run_id_is_refused(tmp_path, capsys):
    assert main(["run", "--run-id", "../../etc", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--run-id '../../etc': use 1-80 letters, digits" in err and "Traceback" not in err


def test_run_id_not_in_the_folder_without_flags_says_what_to_do(tmp_path, capsys):
    assert main(["run", "--run-id", "r1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"run r1 is not in {tmp_path.resolve()}, so there is nothing to re-run" in err and "--out" in err


# -- messages a user reads: one line naming the problem and the fix, exit 2, no traceback ---------


def one_line_error(capsys, command):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith(f"ghstats {command}: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("command", ["run", "start"])
def test_missing_config_file_is_one_line_with_the_fix(tmp_path, capsys, command):
    assert main([command, "--config", str(tmp_path / "nope.json")]) == 2
    err = one_line_error(capsys, command)
    assert f"--config {tmp_path / 'nope.json'}: no such file; give the path of a JSON file" in err


@pytest.mark.parametrize("text, says", [
    ('{"orgs": ["acme",]}', "not valid JSON (Expecting value at line 1, column 18); fix the file"),
    ('["acme"]', "holds an array, not a JSON object"),
    ("", "not valid JSON (Expecting value at line 1, column 1)"),
])
def test_broken_config_file_is_one_line_with_the_fix(tmp_path, capsys, text, says):
    path = tmp_path / "collection.json"
    path.write_text(text)
    assert main(["run", "--config", str(path), "--out", str(tmp_path)]) == 2
    assert f"--config {path}: {says}" in one_line_error(capsys, "run")
    assert not (tmp_path / "ledger").exists()


def test_config_folder_is_one_line(tmp_path, capsys):
    assert main(["run", "--config", str(tmp_path)]) == 2
    assert "is a folder" in one_line_error(capsys, "run")


def test_exclude_of_an_org_not_collected_is_one_line(capsys):
    assert main(["run", "--org", "acme", "--exclude", "globex/x"]) == 2
    assert "--exclude names repositories of orgs not in the config (globex): add the org with --org" in one_line_error(capsys, "run")


@pytest.fixture
def no_aws_setup(monkeypatch, tmp_path):
    """No region, no credentials, no profile, no instance metadata: a laptop without AWS set up."""
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.parametrize("argv", [["status", "--stack", "ghstats"], ["status", "r1", "--table", "t"],
                                  ["start", "--stack", "ghstats", "--org", "acme"]])
def test_deployed_commands_without_a_region_say_how_to_give_one(no_aws_setup, capsys, argv):
    assert main(argv) == 2
    assert "no AWS region is set: pass --region REGION" in one_line_error(capsys, argv[0])


@pytest.mark.parametrize("argv", [["status", "--stack", "ghstats"], ["start", "--stack", "ghstats", "--org", "acme"],
                                  ["start", "--state-machine-arn", "arn:aws:states:us-east-1:1:stateMachine:x", "--org", "a"]])
def test_deployed_commands_without_credentials_say_how_to_give_them(no_aws_setup, capsys, argv):
    assert main([*argv, "--region", "us-east-1"]) == 2
    assert "no AWS credentials found: set AWS_PROFILE" in one_line_error(capsys, argv[0])


def test_deployed_commands_with_an_unknown_profile_name_it(no_aws_setup, monkeypatch, capsys):
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    assert main(["status", "--stack", "ghstats", "--region", "us-east-1"]) == 2
    err = one_line_error(capsys, "status")
    assert "nosuch" in err and "set AWS_PROFILE to one of `aws configure list-profiles`" in err


def test_a_stack_that_does_not_exist_is_named(monkeypatch, capsys):
    from botocore.exceptions import ClientError

    def no_such_stack(cloudformation, stack):  # what CloudFormation answers (moto's needs openapi_spec_validator)
        raise ClientError({"Error": {"Code": "ValidationError", "Message": f"Stack with id {stack} does not exist"}},
                          "DescribeStacks")

    monkeypatch.setattr(deployed, "stack_outputs", no_such_stack)
    assert main(["status", "--stack", "nope", "--region", "us-east-1"]) == 2
    assert "stack nope was not found in us-east-1: pass --stack NAME" in one_line_error(capsys, "status")


def test_a_bad_config_is_reported_before_the_engine_starts_one_problem_a_line(tmp_path, capsys, monkeypatch):
    import time

    from ghstats_cli import local_runs

    def engine(*_, **__):
        raise AssertionError("the engine was started")

    monkeypatch.setattr(local_runs, "LocalAws", engine)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_x")
    started = time.monotonic()
    code = main(["run", "--org", "acme", "--org", "ACME", "--batch-size", "500", "--api-url", "ftp://x", "--out", str(tmp_path)])
    assert time.monotonic() - started < 1
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    lines = err.splitlines()
    assert lines[0] == "ghstats run: invalid collection config (3 problems), nothing was started:"
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["orgs[1].name", "batch_size", "api_url"]
    assert all("; " in line for line in lines[1:])  # each names the fix
    assert list(tmp_path.iterdir()) == []  # no FAILED run left behind


def test_start_reports_each_config_problem_on_its_own_line(aws, capsys):
    session, arn = aws
    assert deployed.start(args("start", "--state-machine-arn", arn, "--org=-x", "--max-concurrency", "0"), session) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "ghstats start: invalid collection config (2 problems), nothing was started:"
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["orgs[0].name", "max_concurrency"]


@pytest.mark.parametrize("orgs", ["acme", "acme:many", "acme:0,", ":3"])
def test_demo_orgs_that_are_not_org_count_pairs_are_one_line(capsys, orgs):
    assert main(["demo", "--orgs", orgs]) == 2
    assert "is not ORG:REPOS; write e.g. --orgs acme:420" in one_line_error(capsys, "demo")


def test_demo_checks_its_config_before_the_engine_starts(tmp_path, capsys):
    assert main(["demo", "--orgs", "acme:5", "--batch-size", "500", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "ghstats demo: invalid collection config (1 problem), nothing was started:\n  batch_size: 500" in err
    assert "Traceback" not in err and not (tmp_path / "ledger").exists()


# -- failure causes print as text -----------------------------------------------------------------

AUTH_CAUSE = json.dumps({"errorType": "GitHubAuthError", "errorMessage": "GitHub answered 401 (Bad credentials): the "
                         "token is invalid, expired or revoked; put a valid token or GitHub App credentials into the secret"})


@pytest.mark.parametrize("error, cause, local, text", [
    ("GitHubAuthError", AUTH_CAUSE, False, "error: GitHubAuthError: GitHub answered 401 (Bad credentials): the token is "
     "invalid, expired or revoked; put a valid token or GitHub App credentials into the secret"),
    ("GitHubAuthError", AUTH_CAUSE, True, "error: GitHubAuthError: GitHub answered 401 (Bad credentials): the token is "
     "invalid, expired or revoked; set GITHUB_TOKEN to a valid token (export GITHUB_TOKEN=...)"),
    ("States.TaskFailed", '{"errorType": "KeyError", "errorMessage": "\'keys\'", "stackTrace": ["..."]}', False,
     "error: States.TaskFailed (KeyError): 'keys'"),
    ("States.Timeout", "The execution timed out", False, "error: States.Timeout: The execution timed out"),
    ("ABORTED", None, False, "error: ABORTED"),
    ("GitHubAuthError", '{"errorType": "GitHubAuthError", "errorMess', False, 'error: GitHubAuthError: {"errorType": "GitHubAuthError", "errorMess'),
    ("GitHubAuthError", '{"errorMessage": "the secret is gone"}', True,
     "error: GitHubAuthError: the secret is gone; locally, set GITHUB_TOKEN to a valid token (export GITHUB_TOKEN=...)"),
])
def test_failure_text_prints_the_cause_as_text(error, cause, local, text):
    from ghstats_cli.report import failure_text

    assert failure_text(error, cause, local=local) == text


def test_a_local_run_with_a_bad_token_says_to_set_github_token(make_sim, tmp_path, monkeypatch, capsys, engine_delays):
    sim = make_sim({"acme": 5})
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_revoked")
    assert main(["run", "--org", "acme", "--api-url", sim.url, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert ("error: GitHubAuthError: GitHub answered 401 (Bad credentials): the token is invalid, expired or revoked; "
            "set GITHUB_TOKEN to a valid token (export GITHUB_TOKEN=...)\n") in err
    assert "secret" not in err and "errorType" not in err and "Traceback" not in err and "ghp_revoked" not in err
    # and the local status detail says the same, as text
    [ledger_file] = (tmp_path / "ledger").glob("*.json")
    assert main(["status", ledger_file.stem, "--data", str(tmp_path)]) == 1  # FAILED
    detail = capsys.readouterr().out
    assert "\nerror: GitHubAuthError: GitHub answered 401 (Bad credentials)" in detail and "set GITHUB_TOKEN" in detail
    assert "errorType" not in detail and "\ncause:" not in detail


def failed_run_in_ledger(session, run_id):
    ledger = Ledger(session.resource("dynamodb").Table(TABLE))
    ledger._table.put_item(Item={"pk": names.run_pk(run_id), "sk": "RUN", "run_id": run_id, "status": "FAILED",
                                 "started_at": "2026-01-01T00:00:00Z", "error": "GitHubAuthError", "cause": AUTH_CAUSE})
    return ledger


def test_deployed_status_prints_the_cause_as_text(aws, capsys):
    session, _ = aws
    failed_run_in_ledger(session, "r1")
    assert deployed.status(args("status", "r1", "--table", TABLE), session) == 1  # FAILED
    out = capsys.readouterr().out
    assert "\nerror: GitHubAuthError: GitHub answered 401 (Bad credentials): the token is invalid" in out
    assert "into the secret" in out  # deployed, the token is in the secret
    assert "errorType" not in out and "\ncause:" not in out


def test_start_wait_prints_the_cause_of_a_failed_run_as_text(aws, capsys):
    session, arn = aws
    failed_run_in_ledger(session, "weekly-1")
    code = deployed.start(args("start", "--state-machine-arn", arn, "--table", TABLE, "--org", "acme", "--name", "weekly-1",
                               "--wait"), session)
    captured = capsys.readouterr()
    assert code == 1 and "run weekly-1: FAILED" in captured.out
    assert captured.err == ("error: GitHubAuthError: GitHub answered 401 (Bad credentials): the token is invalid, expired "
                            "or revoked; put a valid token or GitHub App credentials into the secret\n")


# -- a connection failure names the URL it tried -------------------------------------------------


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_connection_failure_names_the_url_and_never_the_token():
    import requests

    from ghstats.github.auth import StaticTokenProvider
    from ghstats.github.client import GitHubClient
    from ghstats.github.endpoints import Endpoints
    from ghstats.github.errors import GitHubServerError

    port = closed_port()
    client = GitHubClient(Endpoints.from_api_url(f"http://127.0.0.1:{port}"), StaticTokenProvider("ghp_secret_value"),
                          session=requests.Session(), timeout=(2.0, 2.0))
    for call, url in ((client.preflight, f"http://127.0.0.1:{port}/graphql"),):
        with pytest.raises(GitHubServerError) as caught:
            call()
        assert str(caught.value) == f"request to {url} failed: ConnectionError; check api_url and that the host is reachable"
        assert "ghp_secret_value" not in str(caught.value) and "Authorization" not in str(caught.value)
        assert "ghp_secret_value" not in json.dumps(caught.value.failure.to_dict())


def test_a_local_run_that_cannot_reach_github_names_the_url(tmp_path, monkeypatch, capsys, engine_delays):
    port = closed_port()
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret_value")
    assert main(["run", "--org", "acme", "--api-url", f"http://127.0.0.1:{port}", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert (f"error: GitHubServerError: request to http://127.0.0.1:{port}/graphql failed: ConnectionError; "
            "check api_url and that the host is reachable\n") in err
    assert "ghp_secret_value" not in err and "Traceback" not in err


def test_report_prints_the_local_path_of_a_run_or_the_newest(tmp_path, capsys):
    (tmp_path / "s3" / "runs" / "r1").mkdir(parents=True)
    (tmp_path / "s3" / "latest").mkdir()
    (tmp_path / "s3" / "runs" / "r1" / "report.html").write_text("<html>r1</html>")
    (tmp_path / "s3" / "latest" / "report.html").write_text("<html>r1</html>")
    assert main(["report", "r1", "--data", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str((tmp_path / "s3" / "runs" / "r1" / "report.html").resolve())
    assert main(["report", "--data", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip().endswith("latest/report.html")
    assert main(["report", "r2", "--data", str(tmp_path)]) == 2
    assert "no report of run r2" in capsys.readouterr().err


def test_report_from_the_bucket_downloads_it_or_gives_a_presigned_url(aws, tmp_path, capsys):
    session, _ = aws
    s3 = session.client("s3")
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key=names.report_key("r1"), Body=b"<html>r1</html>")
    dest = tmp_path / "r1.html"
    assert main(["report", "r1", "--bucket", "data", "--dest", str(dest)]) == 0
    assert dest.read_text() == "<html>r1</html>"
    assert main(["report", "r1", "--bucket", "data", "--url", "--expires", "600"]) == 0
    url = capsys.readouterr().out.strip().splitlines()[-1]
    assert "runs/r1/report.html" in url and "X-Amz-Expires=600" in url
    assert main(["report", "--bucket", "data"]) == 2  # no latest report yet
    assert "s3://data/latest/report.html: no report of any run" in capsys.readouterr().err
    assert main(["report", "r1", "--bucket", "data", "--url", "--expires", "0"]) == 2


def test_run_detail_shows_labels_not_reprs():
    from ghstats_cli.report import run_detail

    text = run_detail({"run_id": "r1", "status": "PARTIAL", "orgs": ["acme", "globex"], "track_rank": 3,
                       "orgs_failed": [], "batches_done": 1, "batches_total": 2, "repos_ok": 5, "repos_failed": 1,
                       "collectors": {"traffic": {"records": 9, "ok": 1, "not_applicable": 2}}}, [])
    assert "owners             acme, globex" in text and "batches            1 of 2 done" in text
    assert "[" not in text and "track_rank" not in text and "{" not in text
    assert "not_applicable" in text.splitlines()[-4]


def test_local_status_filters_by_org_and_exits_with_the_runs_code(tmp_path, capsys):
    from ghstats_cli.main import main

    (tmp_path / "ledger").mkdir()
    for run_id, status, orgs, started in (("r1", "PARTIAL", ["Acme"], "2026-01-01"), ("r2", "SUCCEEDED", ["globex"], "2026-01-02"),
                                          ("r3", "RUNNING", ["acme"], "2026-01-03"), ("r4", "FAILED", ["acme"], "2026-01-04")):
        (tmp_path / "ledger" / f"{run_id}.json").write_text(json.dumps(
            {"run": {"run_id": run_id, "status": status, "orgs": orgs, "started_at": started}, "batches": [], "owners": []}))
    assert main(["status", "--data", str(tmp_path), "--org", "acme", "--json"]) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == ["r4", "r3", "r1"]
    # `status RUN_ID` exits as `run` did: 0 SUCCEEDED, 3 PARTIAL, 1 FAILED; a run still going, 0
    codes = {run_id: main(["status", run_id, "--data", str(tmp_path), "--json"]) for run_id in ("r1", "r2", "r3", "r4")}
    assert codes == {"r1": 3, "r2": 0, "r3": 0, "r4": 1}


def test_a_closed_pipe_ends_the_output_quietly(tmp_path):
    import subprocess
    import sys

    (tmp_path / "ledger").mkdir()
    for i in range(2_000):  # well over a pipe's 64 KiB buffer: the writer meets the closed pipe
        (tmp_path / "ledger" / f"r{i}.json").write_text(json.dumps(
            {"run": {"run_id": f"r{i}", "status": "SUCCEEDED", "orgs": ["acme"], "started_at": f"2026-01-01T{i:05d}"},
             "batches": [], "owners": []}))
    pipe = subprocess.run(f"{sys.executable} -m ghstats_cli status --data {tmp_path} --json --limit 2000 | head -c 10;"
                          " exit ${PIPESTATUS[0]}", shell=True, executable="/bin/bash", capture_output=True, text=True)
    assert len(pipe.stdout) == 10 and "Traceback" not in pipe.stderr and "BrokenPipe" not in pipe.stderr
    assert pipe.returncode == 141  # as a shell tool stopped by the closed pipe: not a run's outcome
