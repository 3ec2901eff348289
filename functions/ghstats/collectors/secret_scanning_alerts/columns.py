"""The fields of datasets/secret_scanning_alerts/ (record.py's record) and their Athena types."""

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "key": "string", "repository": "string", "number": "bigint", "state": "string", "resolution": "string",
    "severity": "string",  # always null: GitHub rates no secret
    "created_at": "string", "updated_at": "string", "resolved_at": "string", "fixed_at": "string",
    "secret_type": "string", "secret_type_display_name": "string", "provider": "string", "validity": "string",
    "push_protection_bypassed": "boolean", "push_protection_bypassed_at": "string", "publicly_leaked": "boolean",
    "multi_repo": "boolean", "path": "string", "html_url": "string",
}
