"""`python -m bench.installations`: the same orgs on one PAT, then on an installation per org,
each installation paying for its own org's requests."""

from __future__ import annotations

from bench.installations import HEADING, ORGS, update


def test_per_org_installations_split_the_points_the_pat_pays_alone(tmp_path):
    out = tmp_path / "results.md"
    out.write_text("# Benchmark results\n\n## Earlier section\n\nkept\n")
    section = update(out, repos_per_org=30)
    import json

    rows = {r["credential"]: r for r in json.loads((tmp_path / "results-installations.json").read_text())["rows"]}
    pat, per_org = rows["pat"], rows["per_org"]
    assert pat["repos"] == per_org["repos"] == ORGS * 30
    assert list(pat["payers"]) == ["the PAT"] and pat["payers"]["the PAT"]["points"] == pat["points"]
    assert sorted(per_org["payers"]) == [f"installation {100 + i}" for i in range(ORGS)]
    # each org's work on its own budget: the orgs are the same size, so are their shares, but for
    # the run's one token check (the first org's installation)
    shares = sorted(p["points"] for p in per_org["payers"].values())
    assert shares[-1] - shares[0] == 1 and shares.count(shares[0]) == ORGS - 1
    # the same work, the same points, but for the counting: one query for every org on the PAT, one
    # for each installation's org
    assert sum(shares) == per_org["points"] == pat["points"] + ORGS - 1
    text = out.read_text()
    assert text.count(HEADING) == 1 and "## Earlier section\n\nkept" in text and section in text
    update(out, repos_per_org=30)  # a second run replaces its section
    assert out.read_text().count(HEADING) == 1
