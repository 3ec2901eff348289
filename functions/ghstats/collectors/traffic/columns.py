"""The fields of datasets/traffic/ and their Athena types: the daily rows (kind "day") kept across
runs, the only records of that dataset (the 14-day and popular records are in the run's
traffic.json only)."""

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "org": "string", "repository": "string", "key": "string", "kind": "string",
    "day": "string",  # YYYY-MM-DD, the row's partition (dt)
    "views": "bigint", "views_uniques": "bigint", "clones": "bigint", "clones_uniques": "bigint",
}
