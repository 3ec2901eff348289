"""GraphQL documents: the .graphql files in queries/, and the generated batch query."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

QUERIES_DIR = Path(__file__).parent / "queries"
_FRAGMENT_FILES = {
    "RateLimitFields": "rate_limit_fields.graphql",
}
_SPREAD = re.compile(r"\.\.\.\s*([A-Za-z_][A-Za-z0-9_]*)")
# GitHub owner and repository names (also what the config validator accepts).
# Login: 1-39 letters, digits and hyphens, not starting with a hyphen. GitHub gives new logins
# single hyphens only, but older accounts and organisations keep double and trailing ones.
OWNER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9-]{0,38}"
# Repository: 1-100 letters, digits, '.', '_' and '-', but not "." or ".." (path segments).
NAME_PATTERN = r"(?!\.\.?(?![A-Za-z0-9._-]))[A-Za-z0-9._-]{1,100}"
OWNER_RULE = "letters, digits and hyphens, not starting with a hyphen, at most 39 characters"
NAME_RULE = "at most 100 letters, digits, '.', '_' or '-', and not '.' or '..'"
REPO_KEY = re.compile(rf"^({OWNER_PATTERN})/({NAME_PATTERN})$")


@lru_cache(maxsize=None)
def _read(filename: str) -> str:
    return (QUERIES_DIR / filename).read_text()


def with_fragments(text: str) -> str:
    """Append every fragment the text spreads (transitively), each once."""
    seen: list[str] = []
    pending = _SPREAD.findall(text)
    while pending:
        name = pending.pop(0)
        if name in seen or name not in _FRAGMENT_FILES:
            continue
        seen.append(name)
        pending.extend(_SPREAD.findall(_read(_FRAGMENT_FILES[name])))
    return "\n".join([text, *(_read(_FRAGMENT_FILES[n]) for n in seen)])


def document(name: str) -> str:
    """A named document from queries/ with the fragments it uses."""
    return with_fragments(_read(f"{name}.graphql"))


def alias(index: int) -> str:
    return f"r{index}"


def batch_query(keys: list[str], fragments: Sequence[tuple[str, str]]) -> str:
    """One query with an alias per repository: r0: repository(owner: "o", name: "n") {...},
    each alias selecting nameWithOwner and spreading every fragment given (name, GraphQL text:
    the enabled repository-level collectors' fragments), so one request serves them all.

    Names are validated against GitHub's name rules and quoted as JSON strings (a subset of
    GraphQL string syntax), so no input can change the query's shape.
    """
    if not keys:
        raise ValueError("a batch needs at least one repository")
    # nameWithOwner: the engine's own field (which repository GitHub answered, after a rename);
    # with no fragment (no repository-level collector on) the batch still confirms each repository
    spreads = "    nameWithOwner\n" + "".join(f"    ...{name}\n" for name, _ in fragments)
    lines = ["query RepositoryBatch {", "  rateLimit {", "    ...RateLimitFields", "  }"]
    for index, key in enumerate(keys):
        match = REPO_KEY.match(key)
        if not match:
            raise ValueError(f"not a repository name 'owner/name': {key!r}")
        owner, name = match.groups()
        lines.append(
            f"  {alias(index)}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) "
            "{\n" + spreads + "  }"
        )
    lines.append("}")
    return "\n".join([with_fragments("\n".join(lines)), *(text for _, text in fragments)])
