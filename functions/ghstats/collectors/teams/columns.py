"""The fields of datasets/teams/ (record.py's two kinds of record) and their Athena types: a team
(key org#slug) or a team's permission on a repository (kind team_repository)."""

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "key": "string", "kind": "string", "org": "string",
    # a team
    "slug": "string", "name": "string", "id": "bigint", "privacy": "string", "parent": "string",
    "members": "array<string>", "maintainers": "array<string>", "member_count": "bigint",
    # a team's repository permission
    "repository": "string", "team": "string", "permission": "string",
}
