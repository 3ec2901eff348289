"""The fields of datasets/repositories/ (record.py's record) and their Athena types."""

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "key": "string", "owner": "string", "name": "string", "name_with_owner": "string",
    "id": "string",  # GraphQL's node id (R_…)
    "database_id": "bigint", "url": "string", "description": "string", "visibility": "string",
    "is_archived": "boolean", "is_template": "boolean", "is_fork": "boolean", "is_disabled": "boolean",
    "is_empty": "boolean",
    "created_at": "string", "updated_at": "string", "pushed_at": "string",  # ISO-8601 text
    "primary_language": "string", "license": "string", "default_branch": "string", "disk_usage_kb": "bigint",
    "stars": "bigint", "forks": "bigint", "watchers": "bigint", "open_issues": "bigint", "closed_issues": "bigint",
    "open_pull_requests": "bigint", "closed_pull_requests": "bigint", "merged_pull_requests": "bigint",
    "releases": "bigint", "topics": "array<string>",
}
