"""`ghstats diff [RUN_A RUN_B]`: what changed between two runs, per collector (the collectors'
own diffs, as the report's "Since the previous run" shows them), from a local folder or the bucket."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Iterator

from ghstats import names
from ghstats.collect.record_disk import RecordDisk
from ghstats.collectors import REGISTRY
from ghstats.report import trend
from ghstats.report.run_sections import change_rows
from ghstats.run_diff import counts, run_changes, stored_records
from ghstats_cli import report
from ghstats_cli.errors import UserError


class FolderStore:
    """The read side of the object store over a local run folder's s3/ (what `ghstats run` writes)."""

    def __init__(self, root: Path):
        self.root = root

    def get_json(self, key: str) -> Any | None:
        path = self.root / key
        return json.loads(path.read_text()) if path.is_file() else None

    def get_lines(self, key: str) -> Iterator[str] | None:
        path = self.root / key
        return _file_lines(path) if path.is_file() else None


def _file_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="\n") as lines:
        yield from lines


def _store(args: argparse.Namespace) -> Any:
    if args.bucket or args.stack:
        import boto3

        from ghstats.storage import S3ObjectStore
        from ghstats_cli.deployed import OUTPUT_BUCKET, stack_outputs

        session = boto3.session.Session(region_name=args.region)
        bucket = args.bucket or stack_outputs(session.client("cloudformation"), args.stack).get(OUTPUT_BUCKET)
        return S3ObjectStore(session.client("s3"), bucket), f"s3://{bucket}"
    return FolderStore(args.data / "s3"), str(args.data.resolve())


def _runs(store: Any, where: str, given: list[str]) -> tuple[str, str]:
    if len(given) == 2:
        return given[0], given[1]
    if len(given) == 1:
        raise UserError("give two run ids (RUN_A RUN_B), or none for the last two runs of the newest run's collection")
    index = store.get_json(names.TREND_KEY) or {"runs": []}
    if not index["runs"]:
        raise UserError(f"no runs with a trend index in {where}: give two run ids (RUN_A RUN_B)")
    newest = index["runs"][-1]
    points = trend.of_collection(index, newest)
    if len(points) < 2:
        raise UserError(f"the collection '{newest['collection']}' has one run in {where} ({newest['run_id']}): "
                        "nothing to compare it with yet")
    return points[-2]["run_id"], points[-1]["run_id"]


def diff_runs(store: Any, where: str, run_a: str, run_b: str) -> dict[str, Any]:
    with RecordDisk() as disk:  # both runs' records, read onto a temporary folder (removed after)
        after_of = stored_records(store, run_b, disk)
        after = {name: found for name in REGISTRY if (found := after_of(name)) is not None}
        if not after or store.get_json(names.summary_key(run_a)) is None:
            missing = run_b if not after else run_a
            raise UserError(f"run {missing} has no outputs in {where} (`ghstats status` lists the runs)")
        changes = run_changes(stored_records(store, run_a, disk), after)
    return {"from": run_a, "to": run_b, "counts": counts(changes), "changes": changes}


def cmd_diff(args: argparse.Namespace) -> int:
    store, where = _store(args)
    run_a, run_b = _runs(store, where, args.runs)
    result = diff_runs(store, where, run_a, run_b)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(f"from run {run_a} to run {run_b}\n")
    rows = [[name, kind.replace("_", " "), n] for name, kinds in result["counts"].items() for kind, n in kinds.items()
            if not kind.endswith("_movers")]
    print(report.table(["collector", "change", "count"], rows))
    shown = change_rows(result["changes"])
    if shown:
        print()
        print(report.table(["collector", "change", "what", "detail"], shown[: args.limit]))
        if len(shown) > args.limit:
            print(f"... and {len(shown) - args.limit} more (--limit N, or --json for all)")
    return 0


def add_parser(sub: Any, default_data: Path) -> None:
    diff = sub.add_parser("diff", help="what changed between two runs (default: the last two)",
                          description="What changed between two runs, per collector: repositories added, removed, "
                                      "renamed, archived, visibility; the biggest movers; alerts opened and fixed; "
                                      "access granted and revoked; policy rules newly failing.")
    diff.add_argument("runs", nargs="*", metavar="RUN", help="RUN_A RUN_B (default: the last two runs of the newest run's collection)")
    diff.add_argument("--data", "--out", dest="data", type=Path, default=default_data, help=f"folder of local runs (default {default_data})")
    diff.add_argument("--stack", help="deployed stack name (reads its bucket)")
    diff.add_argument("--bucket", help="data bucket name (instead of --stack)")
    diff.add_argument("--region")
    diff.add_argument("--json", action="store_true", help="every change as JSON, for scripts")
    diff.add_argument("--limit", type=int, default=50, help="changes listed (default 50)")
    diff.set_defaults(func=cmd_diff)
