"""The fields of datasets/members/ (record.py's record) and their Athena types."""

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "key": "string", "kind": "string", "org": "string", "login": "string", "id": "bigint", "type": "string",
    "role": "string",  # admin (an org owner) | member
    "two_factor_disabled": "boolean",  # null when GitHub would not show the 2FA list
}
