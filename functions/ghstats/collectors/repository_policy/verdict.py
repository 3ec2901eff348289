"""The policy verdict of one repository: a small rule set, each rule pass / fail / unknown.

Modelled on OpenSSF Scorecard's Branch-Protection, Code-Review, Security-Policy, License and
Maintained checks and the ONS repository checks (README, "Repository policy"). A rule whose facts
GitHub did not show the credential is "unknown", never "fail": a missing permission is coverage,
not a finding.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
Outcome = Literal["pass", "fail", "unknown"]


class PolicyOptions(BaseModel):
    """collector_options.repository_policy in the config."""

    model_config = ConfigDict(extra="forbid", strict=True)

    min_reviews: int = Field(1, ge=0, le=6, description="approving reviews the default branch must require")
    maintained_days: int = Field(90, ge=1, le=3650, description="a repository pushed to within this many days is maintained")
    skip_rules: list[str] = Field(default_factory=list, description="rules left out of the verdict and the score")

    @field_validator("skip_rules")
    @classmethod
    def _known_rules(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in RULES]
        if unknown:
            raise ValueError(f"unknown rule {', '.join(unknown)}; the rules are {', '.join(RULES)}")
        return value


def _decided(ok: bool, visible: bool) -> Outcome:
    return PASS if ok else (FAIL if visible else UNKNOWN)


def _protection_rule(check: Callable[[dict[str, Any], PolicyOptions], bool]) -> Callable[[dict[str, Any], PolicyOptions, float], Outcome]:
    def rule(record: dict[str, Any], options: PolicyOptions, now: float) -> Outcome:
        if record["default_branch"] is None:
            return UNKNOWN  # an empty repository has no branch to protect yet
        seen_all = record["protection_visible"] and record["rulesets_complete"]
        return _decided(check(record["branch_protection"], options), seen_all)
    return rule


def _file_rule(name: str, also: str | None = None) -> Callable[[dict[str, Any], PolicyOptions, float], Outcome]:
    def rule(record: dict[str, Any], options: PolicyOptions, now: float) -> Outcome:
        present = record["files"][name]
        if present is None and not (also and record.get(also)):
            return UNKNOWN
        return PASS if present or (also and record.get(also)) else FAIL
    return rule


def _maintained(record: dict[str, Any], options: PolicyOptions, now: float) -> Outcome:
    if record["is_archived"] or not record["pushed_at"]:
        return FAIL
    pushed = datetime.fromisoformat(record["pushed_at"].replace("Z", "+00:00")).replace(tzinfo=timezone.utc).timestamp()
    return PASS if now - pushed <= options.maintained_days * 86400 else FAIL


def _vulnerability_alerts(record: dict[str, Any], options: PolicyOptions, now: float) -> Outcome:
    value = record["vulnerability_alerts_enabled"]
    if value is None:
        return UNKNOWN
    return _decided(bool(value), record["protection_visible"])  # GitHub shows false to non-admins


def _security_setting(field: str) -> Callable[[dict[str, Any], PolicyOptions, float], Outcome]:
    """From the security_settings collector of the same run (REST security_and_analysis, shown to
    admins): unknown where it did not run or GitHub did not show the setting."""
    def rule(record: dict[str, Any], options: PolicyOptions, now: float) -> Outcome:
        value = (record.get("security_settings") or {}).get(field)
        return UNKNOWN if value is None else (PASS if value == "enabled" else FAIL)
    return rule


RULES: dict[str, Callable[[dict[str, Any], PolicyOptions, float], Outcome]] = {
    "branch_protection": _protection_rule(lambda p, o: p["protected"]),
    "code_review": _protection_rule(lambda p, o: p["protected"] and p["required_reviews"] >= o.min_reviews),
    "force_push_blocked": _protection_rule(lambda p, o: p["protected"] and p["force_push_blocked"]),
    "deletion_blocked": _protection_rule(lambda p, o: p["protected"] and p["deletion_blocked"]),
    "security_policy": _file_rule("security_policy", also="security_policy_enabled"),
    "license": _file_rule("license", also="license"),
    "readme": _file_rule("readme"),
    "codeowners": _file_rule("codeowners"),
    "maintained": _maintained,
    "vulnerability_alerts": _vulnerability_alerts,
    "secret_scanning": _security_setting("secret_scanning"),
    "push_protection": _security_setting("push_protection"),
}


def verdict(record: dict[str, Any], options: PolicyOptions, now: float) -> dict[str, Any]:
    """Every rule's outcome, the rules that failed, and a score out of 10 over the rules decided."""
    outcomes = {name: rule(record, options, now) for name, rule in RULES.items() if name not in options.skip_rules}
    passed = [n for n, o in outcomes.items() if o == PASS]
    failed = [n for n, o in outcomes.items() if o == FAIL]
    decided = len(passed) + len(failed)
    return {"rules": outcomes, "failed": failed, "unknown": [n for n, o in outcomes.items() if o == UNKNOWN],
            "score": round(10 * len(passed) / decided, 1) if decided else None}
