"""The fields of datasets/code_scanning_alerts/ (record.py's record) and their Athena types."""

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "key": "string", "repository": "string", "number": "bigint", "state": "string", "severity": "string",
    "rule_severity": "string", "created_at": "string", "updated_at": "string", "fixed_at": "string",
    "dismissed_at": "string", "dismissed_reason": "string", "rule_id": "string", "rule_name": "string",
    "tool": "string", "tool_version": "string", "ref": "string", "path": "string", "start_line": "bigint",
    "html_url": "string",
}
