"""Minimal issue and pull-request items made up on the fly from a repository's counts.

GitHub numbers issues and pull requests in one sequence. Which number is an issue or a pull
request, and in which state, is a seeded shuffle of the counts: the same repository always
gives the same items, and the counts per state are exactly the truth's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from simulator.dataset import SimRepo, iso, parse_iso, WORLD_NOW

AUTHORS = ("octocat", "hubot", "monalisa", "dependabot[bot]", "renovate[bot]", "sim-user", "defunkt")


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    is_pr: bool
    state: str  # "open" | "closed" | "merged" (merged: pull requests only)
    created_at: str
    closed_at: str | None
    author: str

    @property
    def title(self) -> str:
        return f"{'Pull request' if self.is_pr else 'Issue'} #{self.number}"


def items(repo: SimRepo) -> tuple[Item, ...]:
    """Every issue and pull request of `repo`, by number (1..N)."""
    return _items(repo.database_id, repo.created_at, repo.updated_at, repo.open_issues,
                  repo.closed_issues, repo.open_prs, repo.closed_prs, repo.merged_prs)


@lru_cache(maxsize=512)
def _items(database_id: int, created_at: str, updated_at: str, open_issues: int, closed_issues: int,
           open_prs: int, closed_prs: int, merged_prs: int) -> tuple[Item, ...]:
    kinds = ([(False, "open")] * open_issues + [(False, "closed")] * closed_issues
             + [(True, "open")] * open_prs + [(True, "closed")] * closed_prs
             + [(True, "merged")] * merged_prs)
    rng = random.Random(database_id)
    # Old items tend to be closed, recent ones open: shuffle, then move open ones to the end.
    rng.shuffle(kinds)
    kinds.sort(key=lambda kind: (kind[1] == "open") and rng.random() < 0.7)
    start = parse_iso(created_at)
    end = max(start + 3600, min(parse_iso(updated_at), WORLD_NOW))
    total = len(kinds) or 1
    result = []
    for index, (is_pr, state) in enumerate(kinds):
        created = start + (end - start) * index // total
        closed = None if state == "open" else iso(min(end, created + 3600 + int(rng.random() * 20 * 86400)))
        result.append(Item(index + 1, is_pr, state, iso(created), closed,  # type: ignore[arg-type]
                           AUTHORS[int(rng.random() * len(AUTHORS))]))
    return tuple(result)
