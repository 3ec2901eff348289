"""`ghstats plan`: the run's budget before any collection (ghstats.collect.budget): requests per
bucket, GraphQL points, REST requests, the hours at the credential's hourly limits, the AWS cost.

It asks GitHub only the token check and each org's repository count (one aliased query per 50
orgs); `--demo` plans the demo's collection against the bundled simulator instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

from ghstats_cli.errors import UserError

CREDENTIALS = ("pat", "app")


def add_parser(sub: Any, formatter: Any = None) -> None:
    from ghstats.collect.budget import APP_LIMIT_RULE, PAT_GRAPHQL_POINTS_PER_HOUR, PAT_REST_REQUESTS_PER_HOUR
    from ghstats.limits import FUNCTION_MEMORY_MB
    from ghstats_cli.local_auth import add_flags as add_app_flags
    from ghstats_cli.local_runs import DEFAULT_DATA_DIR
    from ghstats_cli.main import DEMO_ORGS, _collection_flags

    plan = sub.add_parser("plan", help="predict a collection's GitHub requests, points, hours and AWS cost, before it runs",
                          description="Predict what a collection will spend before it runs: GitHub requests per bucket, "
                                      "GraphQL points, REST requests, the hours at the credential's hourly limits and the "
                                      "AWS cost. Asks GitHub only the token check and each org's repository count.")
    _collection_flags(plan)
    add_app_flags(plan)
    plan.add_argument("--demo", action="store_true", help="plan the demo's collection against the bundled simulator")
    plan.add_argument("--orgs", default=DEMO_ORGS, help="with --demo: the simulated org:repos,...")
    plan.add_argument("--seed", type=int, default=7, help="with --demo: the simulator's seed")
    plan.add_argument("--credential", choices=CREDENTIALS, default=None,
                      help=f"whose hourly limits: pat ({PAT_GRAPHQL_POINTS_PER_HOUR:,} points and "
                           f"{PAT_REST_REQUESTS_PER_HOUR:,} REST requests an hour) or app (a GitHub App installation: "
                           f"{APP_LIMIT_RULE}); default: app with --app-id (with the App's credentials, each "
                           "installation's own), else pat")
    plan.add_argument("--teams-per-org", type=int, default=0, dest="teams_per_org",
                      help="assumed teams of an org (the teams collector walks 3 lists per team)")
    plan.add_argument("--pages-per-org-list", type=int, default=1, dest="pages_per_org_list",
                      help="assumed pages of 100 of an org-level REST list (alerts, members)")
    plan.add_argument("--aggregate-memory-mb", type=int, default=None, dest="aggregate_memory_mb",
                      help="Aggregate's memory as deployed (ghstats:aggregateMemoryMb), which prices its GB-seconds; "
                           f"default: the stack's default, {FUNCTION_MEMORY_MB['Aggregate']:,} MB")
    plan.add_argument("--data", "--out", dest="data", type=Path, default=DEFAULT_DATA_DIR,
                      help="folder of local runs: the newest run's alerts (latest/) give the alert lists' pages, "
                           "its ETag caches (state/) the conditional requests answered 304 (free)")
    plan.add_argument("--json", action="store_true", help="the prediction as JSON, for scripts")
    plan.set_defaults(func=cmd_plan)


def _one_line_config(config: dict[str, Any]) -> Any:
    """The parsed config, or a UserError naming each field and its fix on one line."""
    from ghstats.config import InvalidConfig, parse_config

    try:
        return parse_config(config)
    except InvalidConfig as exc:
        raise UserError("invalid collection config: " + "; ".join(exc.problems)) from None


def _assumptions(args: argparse.Namespace, config: Any) -> Any:
    from ghstats.collect.budget import Assumptions, from_previous_run
    from ghstats_cli.diff import FolderStore

    for flag, value in (("--teams-per-org", args.teams_per_org), ("--pages-per-org-list", args.pages_per_org_list)):
        if value < (0 if flag == "--teams-per-org" else 1):
            raise UserError(f"{flag} {value}: give a whole number of at least {0 if flag == '--teams-per-org' else 1}")
    # the newest local run's records, ETag caches and summary: the alert lists' pages and the 304s
    store = FolderStore(args.data / "s3")
    return from_previous_run(store.get_json, config,
                             Assumptions(pages_per_org_list=args.pages_per_org_list, teams_per_org=args.teams_per_org),
                             get_lines=store.get_lines)


def _aggregate_memory_mb(args: argparse.Namespace) -> int:
    """--aggregate-memory-mb, checked as the stack checks ghstats:aggregateMemoryMb."""
    from ghstats.limits import AGGREGATE_MEMORY_MB_RANGE, FUNCTION_MEMORY_MB

    value = FUNCTION_MEMORY_MB["Aggregate"] if args.aggregate_memory_mb is None else args.aggregate_memory_mb
    low, high = AGGREGATE_MEMORY_MB_RANGE
    if not low <= value <= high:
        raise UserError(f"--aggregate-memory-mb {value}: give Aggregate's memory as deployed "
                        f"(ghstats:aggregateMemoryMb), a whole number of MB from {low} to {high}")
    return value


def plan_config(config: Any, make_client: Callable[..., Any], *, credential: str = "pat",
                assumptions: Any = None, aggregate_memory_mb: int | None = None) -> dict[str, Any]:
    """Count with the clients of the config's api_url (`make_client(api_url, owner)`: each
    owner's, as the run's; per-org App credentials give each org its installation's), then
    predict (what `ghstats plan` prints)."""
    from ghstats.collect.budget import Assumptions, count_repositories, credential_limits, predict
    from ghstats.github.errors import GitHubAuthError, GitHubError

    clients = lambda owner: make_client(config.api_url, owner)  # noqa: E731 (each owner's, as the run's)
    try:
        counts = count_repositories(clients, config)
    except GitHubAuthError as exc:
        raise UserError(f"GitHub refused the credential ({exc}): set GITHUB_TOKEN (or the App flags) to one "
                        "with read access to the organisations") from None
    except GitHubError as exc:
        raise UserError(f"api_url {config.api_url}: GitHub could not be asked for the repository counts ({exc}); "
                        "check api_url and the network, then plan again") from None
    repositories = sum(c.repositories for c in counts.orgs.values()) + len(config.repos)
    # one credential's limits; where counts know the App's installations, each its own (predict)
    prediction = predict(counts, config, credential=credential_limits(credential, repositories),
                         assumptions=assumptions or Assumptions(), aggregate_memory_mb=aggregate_memory_mb)
    return {"config": config.to_dict(), "counts": counts.to_dict(), **prediction}


def _token_client(token: str) -> Callable[..., Any]:
    from ghstats.github.auth import StaticTokenProvider
    from ghstats.github.client import GitHubClient
    from ghstats.github.endpoints import Endpoints

    return lambda api_url, owner=None: GitHubClient(Endpoints.from_api_url(api_url), StaticTokenProvider(token))


def _local_client(args: argparse.Namespace) -> tuple[Callable[..., Any], bool]:
    """(client factory `(api_url, owner)`, an App?) from the same credentials `ghstats run` takes:
    App credentials through the run's own path (a secret's SecretTokenProvider, one per API, and
    credentials.for_owner: with `--installation-id per_org` each owner's installation)."""
    from ghstats import names
    from ghstats.github.client import GitHubClient
    from ghstats.github.credentials import SecretTokenProvider, for_owner
    from ghstats.github.endpoints import Endpoints
    from ghstats_cli.local_auth import LOCAL_SECRET, local_credential

    credential = local_credential(args, os.environ)
    print(f"credential: {credential.source}", file=sys.stderr)
    if credential.secret is None:
        return _token_client(credential.environ[names.ENV_TOKEN]), False
    secret = credential.secret
    providers: dict[str, SecretTokenProvider] = {}  # api_url -> its provider (installations looked up once)

    def make(api_url: str, owner: str | None = None) -> Any:
        endpoints = Endpoints.from_api_url(api_url)
        if api_url not in providers:
            providers[api_url] = SecretTokenProvider(LOCAL_SECRET, endpoints, fetch=lambda _: secret)
        return GitHubClient(endpoints, for_owner(providers[api_url], owner))

    return make, True


def demo_config(sim: Any, orgs: dict[str, int], args: argparse.Namespace) -> dict[str, Any]:
    """The config `ghstats demo` collects (main.cmd_demo builds the same one)."""
    from ghstats_cli.main import DEMO_OPT_IN

    first_org = next(iter(orgs))
    excluded = [r.name_with_owner for r in sim.dataset.repos(first_org)[:2]]
    return {"orgs": [{"name": first_org, "exclude": excluded}, *list(orgs)[1:]], "repos": ["octo-user/dotfiles"],
            "batch_size": 50 if args.batch_size is None else args.batch_size,
            "max_concurrency": args.max_concurrency or 4, "api_url": sim.url,
            "collectors": dict.fromkeys(DEMO_OPT_IN, True)}


def cmd_plan(args: argparse.Namespace) -> int:
    from ghstats_cli.main import _config_from_args, _demo_orgs

    memory = _aggregate_memory_mb(args)
    if args.demo:
        from simulator import GitHubSimulator

        orgs = _demo_orgs(args.orgs)
        token = "ghs_demo_token_not_a_secret"
        with GitHubSimulator(orgs=orgs, seed=args.seed, tokens=(token,)) as sim:
            sim.add_repo("octo-user", "dotfiles")
            config = _one_line_config(demo_config(sim, orgs, args))
            assumptions = _assumptions(args, config)
            result = plan_config(config, _token_client(token), credential=args.credential or "pat",
                                 assumptions=assumptions, aggregate_memory_mb=memory)
    else:
        raw = _config_from_args(args)
        if not raw.get("orgs") and not raw.get("repos"):
            raise UserError("nothing to plan: give --config FILE (with 'orgs' and/or 'repos'), --org ORG or --repo "
                            "OWNER/NAME, or --demo")
        config = _one_line_config(raw)
        assumptions = _assumptions(args, config)
        make_client, app = _local_client(args)
        result = plan_config(config, make_client, credential=args.credential or ("app" if app else "pat"),
                             assumptions=assumptions, aggregate_memory_mb=memory)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


def render(plan: dict[str, Any]) -> str:
    """The prediction as a readable table."""
    repos = plan["repositories"]
    buckets = plan["buckets"]
    listing, batches = buckets["graphql_listing"], buckets["graphql_batches"]
    rows: list[tuple[str, str, str]] = [
        ("token check and listing (GraphQL)", f"{listing['requests']:,}", f"{listing['points']:,}"),
        (f"repository batches (GraphQL, {batches['batches']:,} of {plan['batch_size']}"
         f"{' auto' if plan['batch_size_auto'] else ''}, {plan['points_per_batch']} pt each)",
         f"{batches['requests']:,}", f"{batches['points']:,}"),
    ]
    for name, entry in buckets["rest"].items():
        free = entry.get("not_modified", 0)
        rows.append((f"{name} (REST, {entry['work_items']} work items"
                     f"{f', {free:,} answered 304: free' if free else ''})", f"{entry['requests']:,}", ""))
    rows.append(("total", f"{plan['requests']:,}", f"{plan['graphql']['points']:,}"))
    width = max(len(r[0]) for r in rows)
    hours, limit, aws = plan["hours"], plan["limits"], plan["aws"]
    owners = ", ".join(f"{o} {n:,}" for o, n in repos["by_owner"].items())
    lines = [f"repositories: {repos['total']:,} ({owners}; {repos['archived']:,} archived)"]
    for entry in repos.get("org_errors") or [{"org": org, "type": "ORG_NOT_FOUND", "fix": "check its spelling"}
                                            for org in repos["orgs_not_found"]]:
        lines.append(f"{entry['org']}: {entry['type']}, the run lists it in errors.json ({entry['fix']})")
    if repos.get("repository_errors"):
        lines.append(f"repositories the run cannot read (the App is not installed on their owner): "
                     f"{', '.join(repos['repository_errors'])}")
    lines += ["", f"{'bucket':<{width}}  {'requests':>9}  {'points':>7}"]
    lines += [f"{name:<{width}}  {req:>9}  {pts:>7}" for name, req, pts in rows]
    for name, scopes in plan["skipped_collectors"].items():
        lines.append(f"{name}: skipped, the classic token has none of {' or '.join(scopes)}")
    if plan.get("installations"):
        from ghstats.collect.budget import APP_LIMIT_RULE

        lines += ["", f"per GitHub App installation (each its own hourly budget: {APP_LIMIT_RULE}):"]
        for installation, entry in plan["installations"].items():
            spent = entry["hours"]
            lines.append(f"  installation {installation} ({', '.join(entry['owners'])}; {entry['repositories']:,} "
                         f"repositories, {entry['limits']['graphql_points_per_hour']:,}/h): "
                         f"{entry['graphql']['requests']:,} GraphQL requests, {entry['graphql']['points']:,} points, "
                         f"{entry['rest_requests']:,} REST requests ({entry['rest_counted']:,} counted): "
                         f"{spent['run']:.2f} h")
    lines += ["",
              f"hours at the {limit['credential']}'s limits ({limit['graphql_points_per_hour']:,} points/h, "
              f"{limit['rest_requests_per_hour']:,} REST requests/h): GraphQL {hours['graphql']:.2f} h, "
              f"REST {hours['rest']:.2f} h (the {plan.get('rest_counted', plan['rest_requests']):,} REST requests "
              f"GitHub counts, of {plan['rest_requests']:,} sent); the run needs {hours['run']:.2f} h "
              f"({hours['rate_limit_waits']} rate-limit window(s) to wait out)",
              f"AWS: ${aws['cost_usd']['total']:.4f} ({aws['transitions']:,} state transitions "
              f"${aws['cost_usd']['sfn']:.4f}, Lambda {aws['lambda_gb_s']:,} GB-s ${aws['cost_usd']['lambda']:.4f} "
              f"with Aggregate at {aws['aggregate_memory_mb']:,} MB, "
              f"S3 ${aws['cost_usd']['s3']:.4f}, DynamoDB ${aws['cost_usd']['dynamodb']:.4f})",
              f"planning itself: {plan['counting']['requests']} requests, {plan['counting']['points']} points",
              "", "assumptions:"]
    lines += [f"  - {a}" for a in plan["assumptions"]]
    return "\n".join(lines)
