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
    assert (config.batch_size, config.max_concurrency, config.api_url) == ("auto", 4, "https://api.github.com")
    assert config.rest_concurrency == 2  # REST work items: their own, lower setting
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
    ({"orgs": ["acme"], "max_concurrency": 0}, "max_concurrency", "from 1 to 40"),
    ({"orgs": ["acme"], "max_concurrency": 41}, "max_concurrency", "from 1 to 40"),
    ({"orgs": ["acme"], "rest_concurrency": 0}, "rest_concurrency", "from 1 to 40"),
    ({"orgs": ["-acme"]}, "orgs[0].name", "not starting with a hyphen"),
    ({"orgs": ["ac_me"]}, "orgs[0].name", "letters, digits and hyphens"),
    ({"orgs": ["a" * 40]}, "orgs[0].name", "at most 39 characters"),
    ({"repos": ["-acme/x"]}, "repos[0]", "not starting with a hyphen"),
    ({"repos": ["acme/."]}, "repos[0]", "not '.' or '..'"),
    ({"repos": ["acme/.."]}, "repos[0]", "not '.' or '..'"),
    ({"repos": ["acme/" + "x" * 101]}, "repos[0]", "at most 100"),
    ({"orgs": [{"name": "acme", "exclude": [".."]}]}, "orgs[0].exclude[0]", "not '.' or '..'"),
    ({"orgs": ["acme"], "api_url": "http://github.example.com/api/v3"}, "api_url", "https"),
    ({"orgs": ["acme"], "api_url": "ftp://x"}, "api_url", "https://HOST/api/v3"),
    ({"orgs": ["acme"], "api_url": "https://github.com"}, "api_url", "use https://api.github.com"),
    ({"orgs": ["acme"], "api_url": "https://www.github.com/"}, "api_url", "use https://api.github.com"),
    ({"orgs": ["acme"], "api_url": "https://api.github.com/graphql"}, "api_url", "the GraphQL URL is derived"),
    ({"orgs": ["acme"], "api_url": "https://ghe.example.com/api/graphql"}, "api_url", "give the REST base"),
    ({"orgs": ["acme"], "api_url": "http://127.0.0.1:8765/graphql"}, "api_url", "give the REST base"),
    ({"orgs": ["acme"], "api_url": "https://ghe.example.com"}, "api_url", "API is at https://HOST/api/v3"),
    ({"orgs": ["acme"], "api_url": "https://ghe.example.com/api"}, "api_url", "API is at https://HOST/api/v3"),
    ({"orgs": ["acme"], "api_url": "https://api.github.com/api/v3"}, "api_url", "https://api.github.com with no path"),
    ({"orgs": ["acme"], "api_url": "http://127.0.0.1:8765/other"}, "api_url", "http://127.0.0.1:PORT"),
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


@pytest.mark.parametrize("url, normalised", [
    ("https://api.github.com", "https://api.github.com"),
    ("https://api.github.com/", "https://api.github.com"),
    ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3"),
    ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3"),
    ("https://ghe.example.com:8443/api/v3", "https://ghe.example.com:8443/api/v3"),
    ("https://api.octocorp.ghe.com", "https://api.octocorp.ghe.com"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ("http://localhost:8765/", "http://localhost:8765"),
    ("http://127.0.0.1:8765/api/v3", "http://127.0.0.1:8765/api/v3"),
])
def test_api_base_urls_accepted(url, normalised):
    assert parse_config({"orgs": ["a"], "api_url": url}).api_url == normalised


@pytest.mark.parametrize("name", ["a", "a-b", "a-b-c", "A1", "a" * 39, "legacy-", "old--org"])
def test_logins_accepted(name):
    assert parse_config({"orgs": [name]}).orgs[0].name == name


@pytest.mark.parametrize("repo", ["acme/x", "acme/.github", "acme/...", "acme/.x", "acme/a.b_c-d", "acme/" + "x" * 100])
def test_repository_names_accepted(repo):
    assert parse_config({"repos": [repo]}).repos == (repo,)


@pytest.mark.parametrize("key, value", [("batch_size", 1), ("batch_size", 100), ("max_concurrency", 1), ("max_concurrency", 40)])
def test_bounds_are_inclusive(key, value):
    assert getattr(parse_config({"orgs": ["acme"], key: value}), key) == value


def test_a_collection_has_a_name_and_a_fingerprint_of_what_it_collects():
    config = parse_config({"orgs": ["acme"]})
    assert config.name == "default" and config.to_dict()["name"] == "default"
    same = parse_config({"orgs": ["acme"], "run_id": "weekly-1", "name": "default"})
    assert same.fingerprint() == config.fingerprint()  # run_id is not part of what is collected
    assert parse_config({"orgs": ["acme"], "batch_size": 40}).fingerprint() != config.fingerprint()
    assert parse_config({"orgs": ["acme"], "name": "traffic"}).fingerprint() != config.fingerprint()


@pytest.mark.parametrize("name", ["", "two words", "a" * 65, 7])
def test_a_bad_collection_name_names_the_rule(name):
    [problem] = problems({"orgs": ["acme"], "name": name})
    assert problem.startswith("name: ") and "one collection of a name runs at a time" in problem


def test_config_differences_name_each_changed_key():
    from ghstats.config import config_differences

    before = parse_config({"orgs": ["acme"], "batch_size": 50}).to_dict()
    after = parse_config({"orgs": ["acme", "globex"], "batch_size": 40, "run_id": "x"}).to_dict()
    assert config_differences(before, after) == [
        "batch_size: 50 -> 40",
        'orgs: [{"name": "acme", "exclude": [], "include_archived": true, "include_forks": true}] -> '
        '[{"name": "acme", "exclude": [], "include_archived": true, "include_forks": true}, '
        '{"name": "globex", "exclude": [], "include_archived": true, "include_forks": true}]',
    ]


def test_only_the_deployments_own_spelling_of_an_api_url_is_allowed():
    from ghstats.github.hosts import ApiUrlNotAllowed, allowed_api_url

    allowed = ("https://api.github.com", "https://ghe.example.com/api/v3/")
    assert allowed_api_url("https://API.github.com/", allowed) == "https://api.github.com"
    assert allowed_api_url("https://ghe.example.com/api/v3", allowed) == "https://ghe.example.com/api/v3"
    for trick in ("https://evil.example\\@api.github.com", "https://evil.example@api.github.com",
                  "https://api.github.com@evil.example", "https://api.github.com:443", "https://api.github.com.",
                  "http://api.github.com", "https://api.github.com/?x", "https://ghe.example.com/api/v3/../v3", None, 7):
        with pytest.raises(ApiUrlNotAllowed):
            allowed_api_url(trick, allowed)


def test_the_deployments_hosts_setting_is_checked_with_the_api_url_rules():
    from ghstats.github.hosts import BadHostSetting, allowed_api_urls

    assert allowed_api_urls({}) == ("https://api.github.com",)
    assert allowed_api_urls({"GHSTATS_GITHUB_API_URLS": '["https://ghe.example.com/api/v3"]'}) == ("https://ghe.example.com/api/v3",)
    for bad in ("[]", "not json", '["https://github.com"]', '["https://evil\\\\\\\\@api.github.com"]', '[7]'):
        with pytest.raises(BadHostSetting):
            allowed_api_urls({"GHSTATS_GITHUB_API_URLS": bad})


def test_collectors_slo_days_and_strict_permissions_name_the_field_and_the_fix():
    from ghstats.collectors import REGISTRY

    config = parse_config({"orgs": ["acme"]})
    assert dict(config.collectors) == {name: c.default_enabled for name, c in REGISTRY.items()}
    assert dict(config.slo_days) == {"critical": 7, "high": 30, "medium": 90, "low": 180} and config.strict_permissions is False
    off = parse_config({"orgs": ["acme"], "collectors": {"dependabot_alerts": False}, "slo_days": {"high": 14}})
    assert dict(off.collectors)["dependabot_alerts"] is False and dict(off.slo_days)["high"] == 14
    found = problems({"orgs": ["acme"], "collectors": {"dependabot": True, "code_scanning_alerts": "yes"},
                      "slo_days": {"urgent": 1, "low": 0}, "strict_permissions": "no"})
    assert any(p.startswith("collectors.dependabot: unknown collector; known collectors are repository_stats") for p in found)
    assert "collectors.code_scanning_alerts: 'yes' is not true or false" in found
    assert any(p.startswith("slo_days.urgent: unknown severity") for p in found)
    assert any(p.startswith("slo_days.low: 0 is not a whole number of days") for p in found)
    assert "strict_permissions: 'no' is not true or false" in found
    assert problems({"orgs": ["acme"], "collectors": {name: False for name in REGISTRY}}) == [
        "collectors: every collector is off; turn at least one on"]


def test_collector_options_are_checked_by_the_collectors_model_every_problem_by_its_path():
    config = parse_config({"orgs": ["acme"], "collector_options": {"repository_policy": {"min_reviews": 2}}})
    assert config.to_dict()["collector_options"] == {
        "repository_policy": {"min_reviews": 2, "maintained_days": 90, "skip_rules": []}}
    with pytest.raises(InvalidConfig) as caught:
        parse_config({"orgs": ["acme"], "collector_options": {
            "repository_policy": {"min_reviews": "2", "maintained_days": 0, "skip_rules": ["readme", "nope"], "x": 1},
            "dependabot_alerts": {}}})
    problems = caught.value.problems
    assert "collector_options.dependabot_alerts: no such collector with settings; collectors with settings are " \
           "repository_policy" in problems
    by_field = {p.split(":")[0]: p for p in problems}
    assert "default 1" in by_field["collector_options.repository_policy.min_reviews"]  # "2" is not a number: strict
    assert "greater than or equal to 1" in by_field["collector_options.repository_policy.maintained_days"]
    assert "unknown rule nope; the rules are branch_protection" in by_field["collector_options.repository_policy.skip_rules"]
    assert "allowed keys are min_reviews, maintained_days, skip_rules" in by_field["collector_options.repository_policy.x"]
    with pytest.raises(InvalidConfig, match="collector_options: expected an object"):
        parse_config({"orgs": ["acme"], "collector_options": []})
