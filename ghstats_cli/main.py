"""ghstats: collect GitHub organisation statistics.

  ghstats demo                      a full collection of simulated orgs, locally
  ghstats run --org acme ...        a collection against GitHub (GITHUB_TOKEN), locally
  ghstats plan --config FILE        its requests, points, hours and AWS cost, predicted before it runs
  ghstats status [RUN_ID]           one run in detail, or the last runs
  ghstats start --stack ghstats     start a collection in the deployed stack (cdk.json's config
                                    unless --config, --org or --repo say otherwise)
  ghstats report [RUN_ID]           where the run's HTML report is (--stack: download it, or --url)
  ghstats diff [RUN_A RUN_B]        what changed between two runs (default: the last two)
  ghstats webhooks serve            receive GitHub webhooks locally (the stack's receiver and processor)
  ghstats webhooks demo             a simulated story's webhooks through that receiver, and its figures
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ghstats_cli import report
from ghstats_cli.errors import UserError, aws_problem
from ghstats_cli.local_runs import DEFAULT_DATA_DIR, collect_locally, earlier_run, exported_runs

DEMO_ORGS = "acme:420,globex:150,initech:60"
DEMO_OPT_IN = ("members", "outside_collaborators", "teams", "traffic", "security_settings")  # collectors the demo turns on


def _base_config(args: argparse.Namespace) -> dict[str, Any]:
    """--config's file; for `start` without --config, --org or --repo, the schedule's config from cdk.json."""
    if args.config:
        return _config_file(Path(args.config))
    if args.command == "start" and not args.org and not args.repo:
        from ghstats_cli.context import context_collection

        return context_collection()
    return {}


def _config_file(path: Path) -> dict[str, Any]:
    fix = "give the path of a JSON file with 'orgs' and/or 'repos' (README: The collection config)"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"--config {path}: no such file; {fix}") from None
    except IsADirectoryError:
        raise UserError(f"--config {path}: is a folder; {fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"--config {path}: cannot be read ({getattr(exc, 'strerror', None) or exc}); {fix}") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"--config {path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                        "fix the file (README: The collection config)") from None
    if not isinstance(config, dict):
        kind = {list: "an array", str: "a string", bool: "true or false", type(None): "null"}.get(type(config), "a number")
        raise UserError(f"--config {path}: holds {kind}, not a JSON object; {fix}")
    return config


def _config_from_args(args: argparse.Namespace) -> dict[str, Any]:
    config = _base_config(args)
    if args.org:
        config["orgs"] = [*config.get("orgs", []), *args.org]
    if args.repo:
        config["repos"] = [*config.get("repos", []), *args.repo]
    if args.exclude:
        by_org: dict[str, list[str]] = {}
        for key in args.exclude:
            by_org.setdefault(key.split("/")[0].lower(), []).append(key)
        orgs = []
        for org in config.get("orgs", []):
            spec = {"name": org} if isinstance(org, str) else dict(org)
            extra = by_org.pop(spec["name"].lower(), [])
            if extra:
                spec["exclude"] = [*spec.get("exclude", []), *extra]
            orgs.append(spec)
        if by_org:
            raise UserError(f"--exclude names repositories of orgs not in the config ({', '.join(sorted(by_org))}): "
                            "add the org with --org, or exclude only repositories of the orgs collected")
        config["orgs"] = orgs
    for key in ("batch_size", "max_concurrency", "api_url", "run_id"):
        value = getattr(args, key, None)
        if value is not None:
            config[key] = value
    return config


# Exit codes (README, `ghstats --help`): a script can tell a partial run from a complete one.
EXIT_SUCCEEDED, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell tool stopped by a closed pipe exits: never taken for a run's outcome
EXIT_CODES_HELP = "exit codes: 0 SUCCEEDED, 3 PARTIAL (some data missing: see errors and coverage), 1 FAILED, 2 usage error"


def exit_code(status: str | None) -> int:
    return {"SUCCEEDED": EXIT_SUCCEEDED, "PARTIAL": EXIT_PARTIAL}.get(status or "", EXIT_FAILED)


def status_exit_code(status: str | None) -> int:
    """`ghstats status RUN_ID`'s exit code: a finished run's as `run` gives it; a run still going, 0."""
    from ghstats import names

    return EXIT_SUCCEEDED if status == names.RUNNING else exit_code(status)


def _print_outcome(outcome: Any, summary: dict[str, Any] | None, out_dir: Path, *, resumable: bool = False) -> int:
    if summary is None:
        print(f"\nrun {outcome.run_id}: {outcome.status}")
        print(report.failure_text(outcome.run_error, outcome.run_cause, local=True), file=sys.stderr)
        print(f"ledger and partial data: {out_dir.resolve()}")
        if resumable:
            print(f"fix the cause, then resume it: ghstats run --run-id {outcome.run_id} --out {out_dir}")
        return EXIT_FAILED
    print(f"\nrun {outcome.run_id}: {summary['status']}")
    if summary.get("owners") is not None:  # repository_stats ran
        print(report.summary_table(summary))
    for block in (report.collectors_table(summary), report.rules_table(summary)):
        if block:
            print("\n" + block)
    api = summary["api"]
    print(f"\n{summary['repos_ok']} repositories collected, {summary['repos_failed']} in errors.json")
    print(f"GitHub: {api['requests']} requests ({api['listing_requests']} token check + listing, {api['batch_requests']} batches, "
          f"{api.get('rest_requests', 0)} REST for the org-level collectors), "
          f"{api['points_used']} rate-limit points; {summary['duration_s']:.1f} s")
    print(f"files: {(out_dir / 's3' / 'runs' / outcome.run_id).resolve()}/ (repositories.json, errors.json, summary.json)")
    print(f"ledger: {(out_dir / 'ledger' / (outcome.run_id + '.json')).resolve()}")

    print(f"look it up: ghstats status {outcome.run_id} --out {out_dir}")
    return exit_code(summary["status"])


def _progress_mode(args: argparse.Namespace) -> str:
    if args.verbose:  # every change as a line, and the handlers' logs
        os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"
        return "lines"
    return "quiet" if args.quiet else "auto"


def _progress_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress while the run goes on")
    parser.add_argument("--verbose", action="store_true", help="progress as a line per change, and the steps' logs")


def _print_report_path(out_dir: Path, run_id: str) -> None:
    path = out_dir / "s3" / "runs" / run_id / "report.html"
    if path.is_file():
        print(f"report: {path.resolve()}\n  open it in a browser, or: ghstats report {run_id} --open --data {out_dir}")


def _demo_orgs(text: str) -> dict[str, int]:
    orgs: dict[str, int] = {}
    for item in text.split(","):
        name, _, count = item.strip().partition(":")
        if not name or not count.isdigit() or int(count) < 1:
            raise UserError(f"--orgs {text!r}: {item.strip()!r} is not ORG:REPOS; write e.g. --orgs {DEMO_ORGS}")
        orgs[name] = int(count)
    return orgs


def _read_local_json(out_dir: Path, key: str) -> Any:
    path = out_dir / "s3" / key
    return json.loads(path.read_text()) if path.exists() else None


def cmd_demo(args: argparse.Namespace) -> int:
    from ghstats_cli.verify import run_mismatches
    from simulator import GitHubSimulator

    orgs = _demo_orgs(args.orgs)
    token = "ghs_demo_token_not_a_secret"
    with GitHubSimulator(orgs=orgs, seed=args.seed, tokens=(token,)) as sim:
        sim.add_repo("octo-user", "dotfiles")
        first_org = next(iter(orgs))
        excluded = [r.name_with_owner for r in sim.dataset.repos(first_org)[:2]]
        config = {
            "orgs": [{"name": first_org, "exclude": excluded}, *list(orgs)[1:]],
            "repos": ["octo-user/dotfiles"],
            "batch_size": args.batch_size,
            "max_concurrency": args.max_concurrency,
            "api_url": sim.url,
            "collectors": dict.fromkeys(DEMO_OPT_IN, True),  # off by default (people data): the demo shows them
        }
        print(f"GitHub simulator at {sim.url}: {', '.join(f'{o} ({n} repos)' for o, n in orgs.items())} + octo-user/dotfiles")
        _checked(config)
        print(f"collecting with the real state machine in moto's engine: {json.dumps(config)}")
        outcome, summary = collect_locally(config, {"GITHUB_TOKEN": token}, args.out, progress=_progress_mode(args))
        code = _print_outcome(outcome, summary, args.out)
        if summary is not None:
            records = json.loads((args.out / "s3" / "runs" / outcome.run_id / "repositories.json").read_text())["repositories"]
            problems = run_mismatches(lambda key: _read_local_json(args.out, key), outcome.run_id, sim, list(orgs))
            expected = sum(len(sim.dataset.repos(o)) for o in orgs) - len(excluded) + 1
            if len(records) + summary["repos_failed"] != expected:
                problems.append(f"{len(records)} repositories collected, {expected} expected")
            print("checked against the simulator's ground truth: " + ("every count right" if not problems else f"{len(problems)} MISMATCHES"))
            for problem in problems[:20]:
                print("  " + problem)
            code = code or (1 if problems else 0)
            _print_report_path(args.out, outcome.run_id)
        return code


COLLECTION_FLAGS = ("config", "org", "repo", "exclude", "batch_size", "max_concurrency", "api_url")


def _config_keys_that_differ(given: dict[str, Any], planned: dict[str, Any]) -> list[str] | None:
    """The keys in which two configs differ once normalised (None when either is invalid)."""
    from ghstats.config import InvalidConfig, parse_config

    try:
        a, b = parse_config({**given, "run_id": None}).to_dict(), parse_config({**planned, "run_id": None}).to_dict()
    except InvalidConfig:
        return None
    return [key for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]


def _rerun_config(args: argparse.Namespace, config: dict[str, Any]) -> dict[str, Any]:
    """The config of `run --run-id ID`: the run's own when no collection flag is given."""
    from ghstats.config import RUN_ID

    if not RUN_ID.match(args.run_id):
        raise UserError(f"--run-id {args.run_id!r}: use 1-80 letters, digits, '-' or '_' (the id of a run in --out)")
    earlier = earlier_run(args.out, args.run_id)
    given = any(getattr(args, flag, None) not in (None, []) for flag in COLLECTION_FLAGS)
    where = args.out.resolve()
    if earlier is None:
        if not given:
            raise UserError(f"run {args.run_id} is not in {where}, so there is nothing to re-run: pick its folder "
                            "with --out, or say what to collect with --config FILE, --org or --repo")
        print(f"run {args.run_id} is not in {where}: collecting it from the start", file=sys.stderr)
        return config
    if not given:
        stored = earlier.planned or earlier.input
        if stored is None:
            raise UserError(f"run {args.run_id} in {where} has no stored config: say what to collect with "
                            "--config FILE, --org or --repo")
        return {**stored, "run_id": args.run_id}
    if earlier.planned is not None:
        differ = _config_keys_that_differ(config, earlier.planned)
        if differ:
            raise UserError(f"run {args.run_id} was planned with another {', '.join(differ)} and a re-run collects "
                            "its stored plan: leave out the collection flags to re-run it as planned, or leave out "
                            "--run-id to start a new run")
    return config


def _checked(config: dict[str, Any]) -> dict[str, Any]:
    """The config as given, once PlanRun's own check passes: a bad config is reported before
    the engine starts (and leaves no FAILED run behind)."""
    from ghstats.config import InvalidConfig, parse_config

    try:
        parse_config(config)
    except InvalidConfig as exc:
        raise UserError(report.config_problems(exc.problems)) from None
    return config


def cmd_run(args: argparse.Namespace) -> int:
    config = _config_from_args(args)
    if args.run_id:
        config = _rerun_config(args, config)
    _checked(config)
    from ghstats_cli.local_auth import local_credential

    credential = local_credential(args, os.environ)
    print(f"credential: {credential.source}", file=sys.stderr)
    earlier = earlier_run(args.out, args.run_id) if args.run_id else None
    if earlier is not None and earlier.batches_total:
        print(f"re-running run {args.run_id} from {args.out.resolve()}: its plan and {earlier.batches_stored} of "
              f"{earlier.batches_total} batches are stored, GitHub is asked for the other "
              f"{earlier.batches_total - earlier.batches_stored}", file=sys.stderr)
    outcome, summary = collect_locally(config, credential.environ, args.out, name=args.run_id, secret=credential.secret,
                                       progress=_progress_mode(args))
    code = _print_outcome(outcome, summary, args.out, resumable=True)
    _print_report_path(args.out, outcome.run_id)
    return code


def _deployed(call: Any, args: argparse.Namespace) -> int:
    """Run a command against the deployed stack; AWS set-up problems become one-line errors."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call(args)
    except (BotoCoreError, ClientError) as exc:
        region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        problem = aws_problem(exc, region=region, stack=args.stack)
        if problem is None:
            raise
        raise UserError(problem) from None


def cmd_status(args: argparse.Namespace) -> int:
    if args.stack or args.table:
        from ghstats_cli import deployed

        return _deployed(deployed.status, args)
    runs = exported_runs(args.data)
    if not runs:
        print(f"no runs in {args.data.resolve()} (run `make demo` or `ghstats run` first)", file=sys.stderr)
        return 1
    if args.run_id:
        for items in runs:
            if items["run"]["run_id"] == args.run_id:
                print(report.as_json(items) if args.json else report.run_detail(items["run"], items["batches"], local=True,
                                                                                 owners=items.get("owners") or []))
                return status_exit_code(items["run"].get("status"))
        print(f"run {args.run_id} is not in {args.data.resolve()}", file=sys.stderr)
        return 1
    if args.org:  # the runs whose config named the org
        runs = [i for i in runs if args.org.lower() in (str(o).lower() for o in i["run"].get("orgs") or [])]
    shown = [i["run"] for i in runs[: args.limit]]
    print(report.as_json(shown) if args.json else report.table(report.RUN_HEADERS, [report.run_line(r) for r in shown]))
    return 0


def local_report(data_dir: Path, run_id: str | None) -> Path:
    """The report of a run of `data_dir` (the newest run's without a run id)."""
    from ghstats import names

    path = data_dir / "s3" / (names.report_key(run_id) if run_id else names.LATEST_REPORT_KEY)
    if not path.is_file():
        runs = [items["run"]["run_id"] for items in exported_runs(data_dir)]
        which = f"run {run_id}" if run_id else "any run"
        hint = f"runs there: {', '.join(runs[:5])}" if runs else "run `make demo` or `ghstats run` first"
        raise UserError(f"no report of {which} in {data_dir.resolve()} ({hint})")
    return path.resolve()


def cmd_report(args: argparse.Namespace) -> int:
    if args.stack or args.bucket:
        from ghstats_cli import deployed

        return _deployed(deployed.report_file, args)
    path = local_report(args.data, args.run_id)
    print(path)
    if args.open:
        import webbrowser

        webbrowser.open(path.as_uri())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ghstats_cli.export import export_run

    for path in export_run(args.data, args.run_id, args.collectors, args.format, args.dest):
        print(path)
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from ghstats_cli import deployed

    return _deployed(deployed.start, args)


def batch_size_flag(text: str) -> int | str:
    """--batch-size: "auto" or a whole number (the config check says whether it is in range)."""
    return text if text == "auto" else int(text)


batch_size_flag.__name__ = "batch size (\"auto\" or 1..100)"  # argparse's "invalid ... value" names it


def _collection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="JSON file: {orgs, repos, batch_size, max_concurrency, api_url}")
    parser.add_argument("--org", action="append", help="organisation login (repeatable)")
    parser.add_argument("--repo", action="append", help="owner/name of a single repository (repeatable)")
    parser.add_argument("--exclude", action="append", help="owner/name to leave out of its org (repeatable)")
    parser.add_argument("--batch-size", type=batch_size_flag, dest="batch_size",
                        help='repositories per GraphQL request: "auto" (default: the fewest points per repository) or 1..100')
    parser.add_argument("--max-concurrency", type=int, dest="max_concurrency")
    parser.add_argument("--api-url", dest="api_url", help="https://api.github.com (default) or https://HOST/api/v3")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written, and each option's default where its help does not say it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        shown = action.default not in (None, False, argparse.SUPPRESS) and action.option_strings
        return f"{text} (default: {action.default})" if shown and "default" not in text else text


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ghstats")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ghstats", description=__doc__, epilog=EXIT_CODES_HELP,
                                  formatter_class=HelpFormatter)
    top.add_argument("--version", action="version", version=f"ghstats {_version()}")
    sub = top.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="collect simulated orgs with the real workflow, locally")
    demo.add_argument("--orgs", default=DEMO_ORGS, help=f"org:repos,... (default {DEMO_ORGS})")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--batch-size", type=batch_size_flag, default=50, dest="batch_size")
    demo.add_argument("--max-concurrency", type=int, default=4, dest="max_concurrency")
    demo.add_argument("--out", type=Path, default=DEFAULT_DATA_DIR)
    _progress_flags(demo)
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="collect from GitHub (token in GITHUB_TOKEN) with the workflow, locally")
    _collection_flags(run)
    run.add_argument("--run-id", dest="run_id",
                     help="resume this run of --out: its plan and finished batches are reused "
                          "(without collection flags, its config too)")
    run.add_argument("--out", type=Path, default=DEFAULT_DATA_DIR)
    from ghstats_cli.local_auth import add_flags as add_app_flags

    add_app_flags(run)
    _progress_flags(run)
    run.set_defaults(func=cmd_run)

    status = sub.add_parser("status", help="one run in detail, or the last runs")
    status.add_argument("run_id", nargs="?")
    status.add_argument("--limit", type=int, default=10)
    status.add_argument("--org", help="only runs that collected this org")
    status.add_argument("--data", "--out", dest="data", type=Path, default=DEFAULT_DATA_DIR, help="folder of local runs")
    status.add_argument("--stack", help="deployed stack name (reads its ledger table)")
    status.add_argument("--table", help="ledger table name (instead of --stack)")
    status.add_argument("--region")
    status.add_argument("--json", action="store_true", help="the ledger's items as JSON, for scripts")
    status.set_defaults(func=cmd_status)

    show = sub.add_parser("report", help="the run's HTML report: its path, or from the deployed stack",
                          description="The run's HTML report (the newest run's without RUN_ID). Locally: its path "
                                      "in --data (--open: in the browser). Deployed (--stack or --bucket): downloaded "
                                      "to --dest, or a presigned URL with --url.")
    show.add_argument("run_id", nargs="?")
    show.add_argument("--data", "--out", dest="data", type=Path, default=DEFAULT_DATA_DIR, help=f"folder of local runs (default {DEFAULT_DATA_DIR})")
    show.add_argument("--open", action="store_true", help="open it in the default browser (local)")
    show.add_argument("--stack", help="deployed stack name (its BucketName output)")
    show.add_argument("--bucket", help="data bucket name (instead of --stack)")
    show.add_argument("--region")
    show.add_argument("--url", action="store_true", help="print a presigned URL instead of downloading")
    show.add_argument("--expires", type=int, default=3600, help="the URL's lifetime in seconds (default 3600)")
    show.add_argument("--dest", help="where to download it (default report-<RUN_ID|latest>.html)")
    show.set_defaults(func=cmd_report)

    from ghstats_cli.plan import add_parser as add_plan

    add_plan(sub, HelpFormatter)

    from ghstats_cli.diff import add_parser as add_diff

    add_diff(sub, DEFAULT_DATA_DIR)

    from ghstats_cli.export import FORMATS

    export = sub.add_parser("export", help="a run's records as CSV, JSON Lines or Parquet files",
                            description="A run's records as flat files for spreadsheets and BI tools: one file per "
                                        "collector in DEST/RUN_ID/ (CSV: nested fields as dotted columns, lists "
                                        "joined with ';').")
    export.add_argument("run_id", nargs="?", help="a run of --out (default: the newest)")
    export.add_argument("--format", default="csv", help=f"{', '.join(FORMATS)} (default csv)")
    export.add_argument("--collector", action="append", dest="collectors",
                        help="repeatable (default: every collector the run has; repository_stats is 'repositories')")
    export.add_argument("--out", "--data", dest="data", type=Path, default=DEFAULT_DATA_DIR,
                        help=f"folder of local runs (default {DEFAULT_DATA_DIR})")
    export.add_argument("--dest", type=Path, default=Path("exports"), help="where the files go (default exports/)")
    export.set_defaults(func=cmd_export)

    start = sub.add_parser("start", help="start a collection in the deployed stack",
                           description="Start a collection in the deployed stack. Without --config, --org or --repo "
                                       "it collects the 'ghstats:collection' config of cdk.json context (what the "
                                       "schedule starts); the other flags override its values.")
    _collection_flags(start)
    start.add_argument("--stack", default="ghstats")
    start.add_argument("--state-machine-arn", dest="state_machine_arn")
    start.add_argument("--table")
    start.add_argument("--region")
    start.add_argument("--name", help="execution name (= run id); default: a timestamp")
    start.add_argument("--wait", action="store_true", help="follow progress in the ledger until the run ends")
    start.set_defaults(func=cmd_start)

    from ghstats_cli.webhooks import add_parser as add_webhooks

    add_webhooks(sub, DEFAULT_DATA_DIR, HelpFormatter)
    for command in sub.choices.values():  # every option's default in --help, and the exit codes
        command.formatter_class = HelpFormatter
        for action in command._actions:
            if action.help is None and action.option_strings:
                action.help = action.dest.replace("_", " ")
        command.epilog = command.epilog or EXIT_CODES_HELP
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"ghstats {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `ghstats status --json | head`: the reader stopped reading
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    raise SystemExit(main())
