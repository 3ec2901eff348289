"""The config is checked before any GitHub call; every problem names the field and the fix."""

import pytest

from ghstats.config import InvalidConfig, parse_config


def problems(raw):
    with pytest.raises(InvalidConfig) as caught:
        parse_config(raw)
    return caught.value.problems


def test_defaults_and_normalisation():
    config = parse_config({"orgs": ["acme", {"name": "globex", "exclude": ["old", "globex/older"], "include_forks": False}],
                           "repos": ["octo/hello"]})
    assert [o.name for o in config.orgs] == ["acme", "globex"]
    assert config.orgs[1].exclude == ("globex/old", "globex/older")
    assert config.orgs[1].include_forks is False and config.orgs[1].include_archived is True
    assert (config.batch_size, config.max_concurrency, config.api_url) == (50, 4, "https://api.github.com")
    assert config.to_dict()["orgs"][1] == {"name": "globex", "exclude": ["globex/old", "globex/older"],
                                           "include_archived": True, "include_forks": False}


@pytest.mark.parametrize("raw, field, fix", [
    ({"orgs": ["acme"], "batchsize": 10}, "batchsize", "allowed keys are"),
    ({"orgs": ["-bad-"]}, "orgs[0].name", "organisation login"),
    ({"orgs": [{"name": "acme", "colour": "red"}]}, "orgs[0].colour", "allowed keys"),
    ({"repos": ["not-a-repo"]}, "repos[0]", "owner/name"),
    ({"repos": ["a/b", "A/B"]}, "repos[1]", "list each repository once"),
    ({"orgs": ["acme", "ACME"]}, "orgs[1].name", "list each organisation once"),
    ({"orgs": []}, "orgs", "name at least one organisation"),
    ({"repos": []}, "repos", "name at least one repository"),
    ({}, "orgs", "nothing to collect"),
    ({"orgs": ["acme"], "batch_size": 0}, "batch_size", "from 1 to 100"),
    ({"orgs": ["acme"], "batch_size": 101}, "batch_size", "from 1 to 100"),
    ({"orgs": ["acme"], "batch_size": True}, "batch_size", "from 1 to 100"),
    ({"orgs": ["acme"], "max_concurrency": 41}, "max_concurrency", "from 1 to 40"),
    ({"orgs": ["acme"], "api_url": "http://github.example.com/api/v3"}, "api_url", "https"),
    ({"orgs": ["acme"], "api_url": "ftp://x"}, "api_url", "https://HOST/api/v3"),
    ({"orgs": [{"name": "acme", "exclude": ["other/x"]}]}, "orgs[0].exclude[0]", "another owner"),
    ({"orgs": [{"name": "acme", "include_forks": "no"}]}, "orgs[0].include_forks", "true or false"),
    ({"orgs": ["acme"], "run_id": "../x"}, "run_id", "letters, digits"),
])
def test_each_problem_names_field_and_fix(raw, field, fix):
    found = problems(raw)
    assert len(found) == 1, found
    assert found[0].startswith(field + ":") and fix in found[0]


def test_all_problems_reported_at_once():
    assert len(problems({"orgs": ["-x-"], "batch_size": 500, "surprise": 1})) == 3


def test_not_an_object():
    assert "JSON object" in problems(["acme"])[0]


def test_enterprise_and_local_urls_accepted():
    assert parse_config({"orgs": ["a"], "api_url": "https://ghe.example.com/api/v3/"}).api_url == "https://ghe.example.com/api/v3"
    assert parse_config({"orgs": ["a"], "api_url": "http://127.0.0.1:8765"}).api_url == "http://127.0.0.1:8765"
