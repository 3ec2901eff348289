"""`make bench`'s multi-org rows: 5 orgs of 2,000 repositories on one personal access token
against per-org GitHub App installations (`"installation_id": "per_org"`).

    .venv/bin/python -m bench.installations [--repos-per-org 2000] [--out bench/results.md]

The real workflow (the ASL in moto's engine, the handlers in-process, the credential in a
Secrets Manager secret as the stack deploys it) runs twice in a child process of its own against
one simulator in this process (as the main rows: the collector's CPU and the simulator's are two
processes), without the latency model (the counts are exact; the wall time is CPU) and with
unlimited hourly budgets, so both runs finish and the table shows what each credential was
charged. `make bench` replaces the "## Several orgs" section of bench/results.md with it. Both
list the orgs side by side (the listing does, whatever the credential); what per-org
installations change is whose budget pays: one PAT's 5,000 points an hour for every org, or
each org's own installation's (5,000 to 12,500 an hour each), so a run that needs more than an
hour of one budget needs the largest org's share of it instead.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path
from typing import Any

from bench.results_file import replace_section
from ghstats.collect.budget import APP_BASE_PER_HOUR, APP_MAX_PER_HOUR, PAT_GRAPHQL_POINTS_PER_HOUR

ORGS = 5
APP_ID = "4242"
TOKEN = "ghs_bench_token_not_a_secret"


def measure(credential: str, url: str, orgs: list[str], private_key: str) -> dict[str, Any]:
    """One run of every org with a PAT ("pat") or per-org installations ("per_org"), against the
    simulator at `url` (in the parent process: its CPU is not this process's)."""
    import logging
    import warnings

    import boto3

    from bench.worker import scoped_transaction_rollback, serialise_boto3_client_creation, warm_containers
    from ghstats import names
    from ghstats_cli.local_aws import LocalAws
    from ghstats_cli.local_runs import quiet_engine

    quiet_engine()
    # as `make bench`'s main rows dispatch: warm containers, the ledger's transactions rolled back
    # from the items they touch (moto copies the whole table otherwise: batches squared)
    serialise_boto3_client_creation()
    scoped_transaction_rollback()
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    secret = ({"token": TOKEN} if credential == "pat"
              else {"app_id": APP_ID, "installation_id": "per_org", "private_key": private_key})
    secret_name = f"ghstats/bench-{uuid.uuid4().hex}"
    with LocalAws({names.ENV_SECRET_NAME: secret_name, names.ENV_GITHUB_API_URLS: json.dumps([url])}) as aws:
        boto3.client("secretsmanager").create_secret(Name=secret_name, SecretString=json.dumps(secret))
        warm_containers(aws)
        config = {"orgs": orgs, "api_url": url, "max_concurrency": 16,
                  "collectors": {"repository_stats": True}}  # as `make bench`'s main rows: GraphQL only
        started = time.perf_counter()
        outcome = aws.run(config, poll_s=0.25)
        wall = time.perf_counter() - started
        if outcome.status != "SUCCEEDED" or outcome.output["status"] != "SUCCEEDED":
            raise SystemExit(f"the {credential} run did not succeed: {outcome.status} {outcome.cause}")
        summary = aws.get_json(f"runs/{outcome.run_id}/summary.json")
    return {"credential": credential, "repos": summary["repos_ok"], "orgs": len(orgs), "wall_s": wall,
            "batch_size": summary["api"]["batch_size"]}


def _measure_into(answer: Any, *args: Any) -> None:
    try:
        answer.put(measure(*args))
    except BaseException as exc:  # the parent waits on the queue: always answer it
        answer.put({"error": f"{type(exc).__name__}: {exc}"})


def measured(credential: str, url: str, orgs: list[str], private_key: str) -> dict[str, Any]:
    """`measure` in a child process of its own: the warm-container dispatch and moto's patched
    engine clients belong to one local stack, and the simulator's CPU stays in this process."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    child = context.Process(target=_measure_into, args=(answer, credential, url, orgs, private_key))
    child.start()
    result = answer.get()
    child.join()
    if "error" in result:
        raise SystemExit(f"the {credential} run failed: {result['error']}")
    return result


def runs(repos_per_org: int) -> list[dict[str, Any]]:
    """Both runs against one simulator (its datasets built once, before either): what each sent,
    and whose budget paid for it."""
    from simulator import GitHubSimulator
    from simulator.auth import new_app_key_pair
    from simulator.github_simulator import DEFAULT_OAUTH_SCOPES

    orgs = {f"bench-inst-{i}": repos_per_org for i in range(ORGS)}
    installations = {org: 100 + i for i, org in enumerate(orgs)}
    private, public = new_app_key_pair()
    rows = []
    with GitHubSimulator(orgs=orgs, seed=7, tokens=(TOKEN,), graphql_points_per_hour=10**9,
                         rest_requests_per_hour=10**9, apps={APP_ID: public}, installations=installations) as sim:
        for org in orgs:
            sim.dataset.repos(org)
        for credential in ("pat", "per_org"):
            sim.reset_records()
            sim.oauth_scopes = DEFAULT_OAUTH_SCOPES if credential == "pat" else None  # App tokens have no classic scopes
            row = measured(credential, sim.url, list(orgs), private)
            graphql = [r for r in sim.requests if r.kind == "graphql"]
            payers: dict[str, dict[str, int]] = {}
            for request in graphql:
                payer = f"installation {request.installation}" if request.installation else "the PAT"
                spent = payers.setdefault(payer, {"requests": 0, "points": 0})
                spent["requests"] += 1
                spent["points"] += request.cost
            rows.append({**row, "graphql_requests": len(graphql), "points": sum(p["points"] for p in payers.values()),
                         "payers": dict(sorted(payers.items()))})
    return rows


HEADING = "## Several orgs: one PAT or an App installation per org"


def markdown(rows: list[dict[str, Any]], started: str, note: str = "") -> str:
    lines = [HEADING, "",
             f"Generated by `make bench` (or `.venv/bin/python -m bench.installations` alone), {started}. {note}"
             f"{ORGS} simulated orgs of {rows[0]['repos'] // ORGS:,} repositories; the real workflow (ASL in moto, "
             "the credential in a Secrets Manager secret), repository_stats, `batch_size` \"auto\", `max_concurrency` 16, no latency "
             "model (the wall time is the collector's CPU, in a child process, and the simulator's, in the parent); unlimited hourly budgets in the "
             "simulator, so each row shows what the run was charged and by whom.", "",
             "| credential | repositories | GraphQL requests | points | paid by | largest share | wall time | "
             "hours of budget the run needs |",
             "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |"]
    for row in rows:
        largest = max(p["points"] for p in row["payers"].values())
        payers = "; ".join(f"{name}: {p['points']:,}" for name, p in row["payers"].items())
        if row["credential"] == "pat":
            need = f"{row['points'] / PAT_GRAPHQL_POINTS_PER_HOUR:.2f} h of one PAT's 5,000 points/h"
        else:  # an installation's budget: at least 5,000 an hour, at most 12,500
            need = (f"{largest / APP_BASE_PER_HOUR:.2f} h at 5,000 points/h per installation "
                    f"({largest / APP_MAX_PER_HOUR:.2f} h at 12,500), the orgs side by side")
        lines.append(f"| {'one personal access token' if row['credential'] == 'pat' else 'per-org installations'} | "
                     f"{row['repos']:,} | {row['graphql_requests']:,} | {row['points']:,} | {payers} | {largest:,} | "
                     f"{row['wall_s']:.1f} s | {need} |")
    pat, per_org = (next(r for r in rows if r["credential"] == c) for c in ("pat", "per_org"))
    largest = max(p["points"] for p in per_org["payers"].values())
    same = ("the same points" if pat["points"] == per_org["points"]
            else f"{pat['points']:,} points against {per_org['points']:,}")
    lines += ["", f"- Same work, {same} (each installation counts its own org at planning: one counting "
              "query each, where the PAT counts every org in one); per-org installations split them over "
              f"{len(per_org['payers'])} budgets, so the budget-bound time is the largest org's share, "
              f"{largest / max(1, pat['points']):.0%} of the PAT's. Wall time is the same order either way here: "
              "the budgets are unlimited, each org is a pipeline of its own (4 at a time) either way, and the one PAT's "
              "16 batches at once are the run's total (4 per org) where each installation has 16 of its own, which 2 "
              "local cores cannot use; it differs once a run needs more than an hour of one budget (a PAT waits for its "
              "reset, each installation only for its own).", ""]
    return "\n".join(lines)


def section(repos_per_org: int = 2_000, note: str = "", out: str | Path | None = None) -> tuple[str, bool]:
    """Both runs' section (a run that fails raises SystemExit); with `out`, the rows beside it as
    JSON (results-installations.json next to results.md)."""
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = runs(repos_per_org)
    if out is not None:
        path = Path(out)
        path.with_name(path.stem + "-installations.json").write_text(
            json.dumps({"started": started, "rows": rows}, indent=2) + "\n")
    return markdown(rows, started, note), True


def update(out: str | Path, repos_per_org: int = 2_000) -> str:
    """Both runs, and their section replaced in (or added to) the results file `out`."""
    text, _ = section(repos_per_org, out=out)
    path = Path(out)
    path.write_text(replace_section(path.read_text() if path.exists() else "", text, HEADING))
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos-per-org", type=int, default=2_000)
    parser.add_argument("--out", default="bench/results.md", help="the results file whose section is replaced")
    args = parser.parse_args(argv)
    print(update(args.out, args.repos_per_org))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
