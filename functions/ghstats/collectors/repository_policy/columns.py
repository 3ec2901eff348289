"""The fields of datasets/repository_policy/ (record.py's record, with what _with_verdict adds at
aggregation) and their Athena types."""

from ghstats.collectors.repository_policy.record import FILES
from ghstats.collectors.repository_policy.verdict import RULES


def struct(fields: dict[str, str]) -> str:
    return "struct<" + ",".join(f"{name}:{kind}" for name, kind in fields.items()) + ">"


BRANCH_PROTECTION = {
    "protected": "boolean", "sources": "array<string>", "rulesets": "array<string>", "required_reviews": "bigint",
    "code_owner_reviews": "boolean", "status_checks": "boolean", "force_push_blocked": "boolean",
    "deletion_blocked": "boolean", "signed_commits": "boolean",
}
VERDICT = {
    "rules": struct(dict.fromkeys(RULES, "string")),  # pass | fail | unknown; a skipped rule is null
    "failed": "array<string>", "unknown": "array<string>", "score": "double",
}

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "key": "string", "repository": "string", "default_branch": "string", "viewer_permission": "string",
    "protection_visible": "boolean", "rulesets_complete": "boolean", "is_archived": "boolean",
    "pushed_at": "string", "license": "string", "delete_branch_on_merge": "boolean",
    "vulnerability_alerts_enabled": "boolean", "security_policy_enabled": "boolean",
    "files": struct(dict.fromkeys(FILES, "boolean")),
    "branch_protection": struct(BRANCH_PROTECTION),
    # the same run's security_settings record's (null when that collector did not run)
    "security_settings": struct({"secret_scanning": "string", "push_protection": "string"}),
    "verdict": struct(VERDICT),
}
