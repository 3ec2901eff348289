"""The simulator CLI's --fault and --deny flags: a PARTIAL run, errors and coverage to look at
without writing Python.

  --fault rate_limit:3          the next 3 GraphQL requests are rate limited (any fault kind: KIND:N)
  --fault bad_gateway_json      one 502 (N defaults to 1)
  --fault delete:acme/x         acme/x answers NOT_FOUND, as if deleted after the listing
  --fault forbidden:acme/x      acme/x answers FORBIDDEN (any alias kind: KIND:OWNER/NAME, every time)
  --deny dependabot_alerts:globex   the token may not read globex's Dependabot alerts (403)
  --deny members:globex         nor its members, outside collaborators and teams
"""

from __future__ import annotations

from typing import Any, Iterable

from simulator.alert_catalog import ALERT_KINDS
from simulator.faults import ALIAS_KINDS, KINDS, Fault

ALIASES = {"rate_limit": "rate_limited", "delete": "not_found", "deleted": "not_found", "502": "bad_gateway_json"}
ALERT_COLLECTORS = {f"{kind}_alerts": kind for kind in ALERT_KINDS}
MEMBER_COLLECTORS = ("members", "outside_collaborators", "teams")  # one Members permission reads all three


def parse_fault(text: str) -> Fault:
    """A Fault from KIND[:N] or KIND:OWNER/NAME (ValueError names the problem and the fix)."""
    name, _, arg = text.strip().partition(":")
    kind = ALIASES.get(name.lower(), name.lower())
    if kind not in KINDS:
        raise ValueError(f"--fault {text!r}: unknown kind {name!r}; one of {', '.join(sorted({*KINDS, *ALIASES}))}")
    if "/" in arg:
        if kind not in ALIAS_KINDS:
            raise ValueError(f"--fault {text!r}: a repository is for {', '.join(sorted(ALIAS_KINDS))} (or delete); "
                             f"write {name}:N for the next N requests")
        return Fault(kind, repo=arg, times=None)
    if arg and not arg.isdigit():
        raise ValueError(f"--fault {text!r}: {arg!r} is neither a count nor OWNER/NAME; write e.g. {name}:3")
    return Fault(kind, times=int(arg or 1))


def apply_denies(sim: Any, texts: Iterable[str]) -> list[str]:
    """Take away what each COLLECTOR:ORG says; the lines saying what was taken away."""
    denied_alerts: dict[str, set[str]] = {}
    said = []
    for text in texts:
        collector, _, org = text.strip().partition(":")
        if not org:
            raise ValueError(f"--deny {text!r}: write COLLECTOR:ORG, e.g. dependabot_alerts:globex")
        if collector in ALERT_COLLECTORS:
            denied_alerts.setdefault(org, set()).add(ALERT_COLLECTORS[collector])
            sim.set_alert_access(org, [k for k in ALERT_KINDS if k not in denied_alerts[org]])
        elif collector in MEMBER_COLLECTORS:
            sim.set_members_readable(org, False)
        else:
            raise ValueError(f"--deny {text!r}: {collector!r} is not one of "
                             f"{', '.join([*ALERT_COLLECTORS, *MEMBER_COLLECTORS])}")
        said.append(f"denied: {collector} in {org}")
    return said
