"""GitHub's published GraphQL schema (@octokit/graphql-schema), built once per process."""

from __future__ import annotations

import gc
import json
import os
import threading
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = REPO_ROOT / "node_modules" / "@octokit" / "graphql-schema" / "schema.json"
SCHEMA_ENV = "GHSTATS_GITHUB_SCHEMA"  # optional override of the schema.json path

_lock = threading.Lock()
_schema: GraphQLSchema | None = None


def schema_path() -> Path:
    return Path(os.environ.get(SCHEMA_ENV) or SCHEMA_PATH)


def github_schema() -> GraphQLSchema:
    """The schema, built on first use (about a second) and cached for the process.

    GitHub's schema breaks a few rules of the GraphQL spec, so it is built with
    assume_valid=True (which also lets validate() run against it).
    """
    global _schema
    if _schema is None:
        with _lock:
            if _schema is None:
                path = schema_path()
                if not path.exists():
                    raise FileNotFoundError(
                        f"GitHub's GraphQL schema is missing at {path}: run `npm ci` in the repo root"
                    )
                data = json.loads(path.read_text())
                _schema = build_client_schema(data["data"] if "data" in data else data, assume_valid=True)
                del data
                # The schema is ~100k long-lived objects; every full collection (frequent: parsed
                # queries are cyclic garbage) walked them all. Freezing what lives now moves it
                # out of the collector's way: about a third off each request.
                gc.collect()
                gc.freeze()
    return _schema
