"""Repository traffic, in GitHub's shapes, moving day by day with the simulator's clock:

- GET /repos/{o}/{r}/traffic/views, /traffic/clones (`per=day`, GitHub's default): the 14 days up to
  and including today (UTC), each {timestamp, count, uniques}, and the 14-day count and uniques
  (the uniques of 14 days are not the sum of the daily uniques);
- GET /repos/{o}/{r}/traffic/popular/paths, /popular/referrers: the top 10 of those 14 days.

A day's figures are a function of (repository id, day) alone, so any run on any day sees the same
past; today's figure grows with the hours of the day (GitHub's today is incomplete until the day
ends). Push access is needed (AccessSettings.push), and an archived repository has none:
403 "Must have push access to repository." like GitHub.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from simulator.dataset import Dataset, SimRepo
from simulator.responses import message_body
from simulator.rest_api import RestAnswer, not_found

TRAFFIC_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)/traffic/(views|clones|popular/paths|popular/referrers)/?$")
WINDOW_DAYS = 14
TOP = 10
NO_PUSH = "Must have push access to repository."
DOCS = "https://docs.github.com/rest/metrics/traffic"
REFERRERS = ("google.com", "github.com", "news.ycombinator.com", "reddit.com", "bing.com", "duckduckgo.com",
             "stackoverflow.com", "dev.to", "twitter.com", "linkedin.com", "medium.com", "t.co")
PAGES = ("", "/issues", "/pulls", "/blob/main/README.md", "/releases", "/actions", "/wiki", "/discussions",
         "/tree/main/docs", "/blob/main/CONTRIBUTING.md", "/security", "/graphs/contributors")


def _number(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


@dataclass(frozen=True)
class DayFigures:
    day: str  # YYYY-MM-DD
    views: int
    views_uniques: int
    clones: int
    clones_uniques: int


def day_figures(repo: SimRepo, day: str, fraction: float = 1.0) -> DayFigures:
    """A repository's figures of one day; `fraction` of it for a day not yet over (today)."""
    scale = 1 + repo.stargazers // 50  # busier repositories are seen more
    views = _number(repo.database_id, day, "views") % (40 * scale)
    clones = _number(repo.database_id, day, "clones") % (6 * scale)
    views, clones = int(views * fraction), int(clones * fraction)
    return DayFigures(day, views, _uniques(views, repo, day, "views"), clones, _uniques(clones, repo, day, "clones"))


def _uniques(count: int, repo: SimRepo, day: str, kind: str) -> int:
    return 0 if count == 0 else 1 + _number(repo.database_id, day, kind, "uniques") % count


def window(now: float) -> tuple[list[str], float]:
    """The 14 days GitHub shows at `now` (oldest first, today last), and how much of today is over."""
    moment = datetime.fromtimestamp(now, timezone.utc)
    today = moment.date()
    days = [(today - timedelta(days=back)).isoformat() for back in range(WINDOW_DAYS - 1, -1, -1)]
    midnight = datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
    return days, (moment - midnight).total_seconds() / 86400


def figures(repo: SimRepo, now: float) -> list[DayFigures]:
    """The repository's figures of each day GitHub shows at `now`."""
    days, over = window(now)
    return [day_figures(repo, day, over if day == days[-1] else 1.0) for day in days]


def totals(repo: SimRepo, now: float, kind: str) -> tuple[int, int]:
    """The 14-day count and uniques (a visitor of several days counts once: at most the sum)."""
    found = figures(repo, now)
    count = sum(getattr(f, kind) for f in found)
    daily_uniques = [getattr(f, f"{kind}_uniques") for f in found]
    if not count:
        return 0, 0
    low, high = max(daily_uniques), sum(daily_uniques)
    return count, low + _number(repo.database_id, found[-1].day, kind, "window") % (high - low + 1)


def popular(repo: SimRepo, now: float, kind: str) -> list[dict[str, Any]]:
    """The top 10 paths or referrers of the 14 days, by count (then name)."""
    views, _ = totals(repo, now, "views")
    names = PAGES if kind == "paths" else REFERRERS
    found = []
    for name in names:
        count = _number(repo.database_id, name, kind, views) % (1 + views // 3)
        if count:
            found.append((name, count, 1 + _number(repo.database_id, name, kind, "u") % count))
    found.sort(key=lambda f: (-f[1], f[0]))
    if kind == "referrers":
        return [{"referrer": name, "count": count, "uniques": uniques} for name, count, uniques in found[:TOP]]
    path = f"/{repo.name_with_owner}"
    return [{"path": path + name, "title": f"{repo.name_with_owner}{name.replace('/', ' · ')}", "count": count,
             "uniques": uniques} for name, count, uniques in found[:TOP]]


class TrafficApi:
    def __init__(self, dataset: Dataset, push: Callable[[str], bool], clock: Callable[[], float]):
        self.dataset = dataset
        self.push = push
        self.clock = clock

    def get(self, path: str, query: dict[str, list[str]]) -> RestAnswer | None:
        """The answer to a traffic path, None for any other path."""
        match = TRAFFIC_PATH.match(path)
        if match is None:
            return None
        repo = self.dataset.get(f"{match[1]}/{match[2]}")
        if repo is None:
            return not_found()
        if repo.is_archived or not self.push(repo.name_with_owner):
            return 403, message_body(NO_PUSH, DOCS, 403), {}
        kind, now = match[3], self.clock()
        if kind.startswith("popular/"):
            return 200, popular(repo, now, kind.split("/")[1]), {}
        if query.get("per", ["day"])[0] != "day":  # GitHub also sums by week; ghstats asks for days
            return 422, message_body("Validation Failed: this simulator serves per=day", DOCS, 422), {}
        count, uniques = totals(repo, now, kind)
        return 200, {"count": count, "uniques": uniques, kind: [
            {"timestamp": f"{f.day}T00:00:00Z", "count": getattr(f, kind), "uniques": getattr(f, f"{kind}_uniques")}
            for f in figures(repo, now)]}, {}
