"""python -m simulator --port 8765 --orgs acme:500,globex:120 --seed 1 --token ghp_x --latency-ms 0
                    [--fault delete:acme/x] [--deny dependabot_alerts:globex]   (simulator/cli_faults.py)"""

from __future__ import annotations

import argparse
import sys
import threading

from simulator.cli_faults import apply_denies, parse_fault
from simulator.github_simulator import GitHubSimulator, Latency


def parse_orgs(text: str) -> dict[str, int]:
    orgs: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, count = item.partition(":")
        if not name or not count.isdigit():
            raise argparse.ArgumentTypeError(f"expected org:count, got {item!r}")
        orgs[name] = int(count)
    return orgs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator", description="Offline GitHub API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--orgs", type=parse_orgs, default=parse_orgs("acme:500,globex:120"),
                        help="org:repo-count, comma separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--token", action="append", dest="tokens",
                        help="an accepted token (repeatable); default ghp_simulator_token")
    parser.add_argument("--latency-ms", type=float, default=0, help="base delay of every GraphQL response")
    parser.add_argument("--per-repo-ms", type=float, default=0, help="extra GraphQL delay per repository() field")
    parser.add_argument("--rest-ms", type=float, default=0, help="delay of every REST response")
    parser.add_argument("--points-per-hour", type=int, default=5000)
    parser.add_argument("--max-concurrent", type=int, default=100)
    parser.add_argument("--fault", action="append", default=[], metavar="KIND[:N|:OWNER/NAME]",
                        help="inject a fault (repeatable): rate_limit:3, bad_gateway_json, delete:acme/x, forbidden:acme/x")
    parser.add_argument("--deny", action="append", default=[], metavar="COLLECTOR:ORG",
                        help="take a permission away (repeatable): dependabot_alerts:globex, members:globex")
    args = parser.parse_args(argv)
    try:
        faults = [parse_fault(text) for text in args.fault]
    except ValueError as exc:
        parser.error(str(exc))

    tokens = tuple(args.tokens or ["ghp_simulator_token"])
    sim = GitHubSimulator(
        orgs=args.orgs, seed=args.seed, tokens=tokens,
        latency=Latency(base_ms=args.latency_ms, per_repo_ms=args.per_repo_ms, rest_ms=args.rest_ms),
        graphql_points_per_hour=args.points_per_hour, max_concurrent=args.max_concurrent,
        host=args.host, port=args.port,
    ).start()
    try:
        denied = apply_denies(sim, args.deny)
    except ValueError as exc:
        sim.stop()
        parser.error(str(exc))
    for fault in faults:
        sim.add_fault(fault)
    print(f"GitHub simulator at {sim.url} (GraphQL {sim.graphql_url})")
    print(f"orgs: {', '.join(f'{name} ({count} repos)' for name, count in args.orgs.items())}; seed {args.seed}")
    print(f"token: {', '.join(tokens)}")
    for name in args.orgs:
        print(f"repositories of {name}, e.g. " + ", ".join(r.name_with_owner for r in sim.dataset.repos(name)[:3]))
    for fault in faults:
        print(f"fault: {fault.kind} " + (f"on {fault.repo}, every time" if fault.repo else f"on the next {fault.times} request(s)"))
    for line in denied:
        print(line)
    print("Ctrl-C stops", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nstopping", file=sys.stderr)
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
