"""The fields of datasets/dependabot_alerts/ (record.py's record) and their Athena types."""

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "key": "string", "repository": "string", "number": "bigint", "state": "string", "severity": "string",
    "created_at": "string", "updated_at": "string", "fixed_at": "string", "dismissed_at": "string",
    "auto_dismissed_at": "string", "dismissed_reason": "string", "html_url": "string",
    "ecosystem": "string", "package": "string", "manifest_path": "string", "scope": "string",
    "ghsa_id": "string", "cve_id": "string", "vulnerable_version_range": "string", "first_patched_version": "string",
}
