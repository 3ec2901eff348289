"""What an auditor asks of an organisation's members first: how many, who owns it, and who has
no two-factor authentication (unknown where the credential is no owner); who joined, who left
and whose role changed since the collector's previous run."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ghstats.collectors.access_summary import changes, collected_orgs, org_of
from ghstats.collectors.members.record import KIND, TWO_FACTOR_LIST
from ghstats.collectors.unit import Record, SummaryContext

NAME = "members"


def summarise_members(records: dict[str, Record], context: SummaryContext) -> dict[str, Any]:
    orgs = collected_orgs(context, NAME)
    unknown_2fa = {e["org"].lower() for e in context.coverage if e["collector"] == NAME and e.get("list") == TWO_FACTOR_LIST}
    members = [r for r in records.values() if r["kind"] == KIND]
    per_org: dict[str, dict[str, Any]] = {}
    for org in sorted({org_of(r) for r in members} | orgs):
        mine = [r for r in members if org_of(r) == org]
        roles = Counter(r["role"] for r in mine)
        per_org[org] = {"members": len(mine), "admins": roles["admin"],
                        "without_2fa": None if org in unknown_2fa else sum(bool(r["two_factor_disabled"]) for r in mine)}
    return {
        "members": len(members),
        "admins": sum(r["role"] == "admin" for r in members),
        "without_2fa": sorted((r["key"] for r in members if r["two_factor_disabled"]), key=str.lower),
        "two_factor_unknown_orgs": sorted(unknown_2fa),  # the credential is no owner there
        "orgs": per_org,
        "since_previous_run": changes(records, context, {KIND: "role"}, orgs),
    }
