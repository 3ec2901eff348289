"""One organisation member (GET /orgs/{org}/members item) as a flat record, keyed (org, login)."""

from __future__ import annotations

from typing import Any, Mapping

SCHEMA_VERSION = 1
KIND = "member"
TWO_FACTOR_LIST = "two_factor_disabled"  # the owners-only list (filter=2fa_disabled)


def member_key(org: str, login: str) -> str:
    return f"{org}#{login}"


def _member(item: dict[str, Any], org: str) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "key": member_key(org, item["login"]), "kind": KIND, "org": org,
            "login": item["login"], "id": item.get("id"), "type": item.get("type")}


def owner_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{**_member(item, variables["org"]), "role": "admin"}]  # GitHub's name for an org owner


def member_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{**_member(item, variables["org"]), "role": "member"}]


def two_factor_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{**_member(item, variables["org"]), "two_factor_disabled": True}]


def complete(records: dict[str, dict[str, Any]], unread: frozenset[str]) -> dict[str, dict[str, Any]]:
    """A member the 2FA list did not name has 2FA on; None when GitHub would not show the list
    (the credential is no org owner: the coverage entry says so)."""
    known = TWO_FACTOR_LIST not in unread
    for record in records.values():
        record.setdefault("two_factor_disabled", False if known else None)
        record.setdefault("role", None)  # joined between the role lists and the 2FA list
    return records
