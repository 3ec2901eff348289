"""The fields of datasets/outside_collaborators/ (record.py's two kinds of record) and their Athena
types: an outside collaborator of the org has no repository, permission or outside."""

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "key": "string", "kind": "string", "org": "string",
    "repository": "string",  # repository_collaborator only, as the two below
    "login": "string", "id": "bigint",
    "permission": "string", "outside": "boolean",
}
