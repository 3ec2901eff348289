"""POST /graphql: parse and validate with graphql-core against GitHub's schema, execute over
the dataset, and shape every error the way GitHub does."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute,
    is_abstract_type,
    parse,
    validate,
)

from simulator.connections import Connection, Desc, InvalidCursor, empty_connection
from simulator.cost import Analysis, analyze
from simulator.dataset import LANGUAGE_COLORS, LICENSE_NAMES, WORLD_NOW, Dataset, SimRepo, iso, node_id
from simulator.items import Item, items
from simulator.schema import github_schema
from simulator import policy
from simulator.faults import FORBIDDEN_FIELD

DOCS_URL = "https://docs.github.com/graphql"


def _alias_of(path: Any) -> str:
    """The top-level alias (r0, r1, ...) a nested field's path starts from."""
    while path.prev is not None:
        path = path.prev
    return str(path.key)


class GitHubFieldError(Exception):
    """An error raised by a resolver; becomes {"type", "path", "extensions"?, "locations", "message"}."""

    def __init__(self, type_: str, message: str, extensions: dict[str, Any] | None = None):
        super().__init__(message)
        self.type = type_
        self.extensions = extensions


@dataclass
class Prepared:
    """A parsed and validated document (cached per query text)."""

    document: DocumentNode | None
    errors: list[dict[str, Any]]  # GitHub-shaped parse/validation errors


@dataclass
class ExecutionContext:
    rate_limit: dict[str, Any]
    viewer_login: str
    faulted_aliases: dict[str, str] = field(default_factory=dict)  # alias -> "not_found" | "forbidden"
    # an App installation token sees its installation's owners only (lower case; None: every owner)
    visible_owners: frozenset[str] | None = None

    def hides(self, owner: str) -> bool:
        return self.visible_owners is not None and owner.lower() not in self.visible_owners


# -- validation errors in GitHub's words -----------------------------------------------------

_SUGGESTION = re.compile(r" Did you mean .*$")
_VALIDATION_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, dict[str, Any]]]]] = [
    (re.compile(r"^Cannot query field '([^']+)' on type '([^']+)'\."),
     lambda m: (f"Field '{m[1]}' doesn't exist on type '{m[2]}'",
                {"code": "undefinedField", "typeName": m[2], "fieldName": m[1]})),
    (re.compile(r"^Unknown argument '([^']+)' on field '([^'.]+)\.([^']+)'\."),
     lambda m: (f"Field '{m[3]}' doesn't accept argument '{m[1]}'",
                {"code": "argumentNotAccepted", "name": m[3], "typeName": "Field", "argumentName": m[1]})),
    (re.compile(r"^Argument '(?:[^'.]+\.)?([^'(]+)\(([^:]+):\)' of type '[^']+' is required"),
     lambda m: (f"Field '{m[1]}' is missing required arguments: {m[2]}",
                {"code": "missingRequiredArguments", "className": "Field", "name": m[1], "arguments": m[2]})),
    (re.compile(r"^Field '([^']+)' must not have a selection since type '([^']+)' has no subfields\."),
     lambda m: (f"Selections can't be made on scalars (field '{m[1]}' returns {m[2]} but has selections)",
                {"code": "selectionMismatch", "nodeName": f"field '{m[1]}'", "typeName": m[2]})),
    (re.compile(r"^Field '([^']+)' of type '([^']+)' must have a selection of subfields"),
     lambda m: (f"Field must have selections (field '{m[1]}' returns {m[2]} but has no selections. "
                f"Did you mean '{m[1]} {{ ... }}'?)",
                {"code": "selectionMismatch", "nodeName": f"field '{m[1]}'", "typeName": m[2]})),
    (re.compile(r"^Variable '\$([^']+)' is not defined(?: by operation '([^']+)')?\."),
     lambda m: (f"Variable ${m[1]} is used by {m[2] or 'anonymous query'} but not declared",
                {"code": "variableNotDefined", "variableName": m[1]})),
    (re.compile(r"^Variable '\$([^']+)' is never used(?: in operation '([^']+)')?\."),
     lambda m: (f"Variable ${m[1]} is declared by {m[2] or 'anonymous query'} but not used",
                {"code": "variableNotUsed", "variableName": m[1]})),
    (re.compile(r"^Unknown fragment '([^']+)'\."),
     lambda m: (f"Fragment {m[1]} was used, but not defined",
                {"code": "useAndDefineFragment", "fragmentName": m[1]})),
    (re.compile(r"^Fragment '([^']+)' is never used\."),
     lambda m: (f"Fragment {m[1]} was defined, but not used",
                {"code": "useAndDefineFragment", "fragmentName": m[1]})),
    (re.compile(r"^Unknown type '([^']+)'\."),
     lambda m: (f"No such type {m[1]}, so it can't be a fragment condition",
                {"code": "undefinedType", "typeName": m[1]})),
]


def _document_paths(document: DocumentNode) -> dict[int, list[str]]:
    """GitHub's validation-error path of every field and argument node: ["query Name", "alias", ...]."""
    paths: dict[int, list[str]] = {}

    def walk(selection_set: SelectionSetNode | None, path: list[str]) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                here = path + [selection.alias.value if selection.alias else selection.name.value]
                paths[id(selection)] = here
                if selection.selection_set is not None:
                    paths[id(selection.selection_set)] = here
                for argument in selection.arguments or ():
                    paths[id(argument)] = here + [argument.name.value]
                walk(selection.selection_set, here)
            elif isinstance(selection, InlineFragmentNode):
                label = f"... on {selection.type_condition.name.value}" if selection.type_condition else "..."
                paths[id(selection)] = path + [label]
                walk(selection.selection_set, path + [label])
            else:
                paths[id(selection)] = path + [f"... {selection.name.value}"]

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            label = definition.operation.value + (f" {definition.name.value}" if definition.name else "")
            paths[id(definition)] = [label]
            for variable in definition.variable_definitions or ():
                paths[id(variable)] = [label]
            walk(definition.selection_set, [label])
        elif isinstance(definition, FragmentDefinitionNode):
            label = f"fragment {definition.name.value}"
            paths[id(definition)] = [label]
            walk(definition.selection_set, [label])
    return paths


def _validation_error(error: GraphQLError, paths: dict[int, list[str]]) -> dict[str, Any]:
    message = _SUGGESTION.sub("", error.message)
    extensions: dict[str, Any] | None = None
    for pattern, shape in _VALIDATION_MESSAGES:
        match = pattern.match(message)
        if match:
            message, extensions = shape(match)
            break
    out: dict[str, Any] = {}
    path = next((paths[id(n)] for n in error.nodes or () if id(n) in paths), None)
    if path is not None:
        out["path"] = path
    if extensions is not None:
        out["extensions"] = extensions
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    out["message"] = message
    return out


def _syntax_error(error: GraphQLSyntaxError) -> dict[str, Any]:
    description = error.message.removeprefix("Syntax Error: ").rstrip(".")
    location = error.locations[0] if error.locations else None
    out: dict[str, Any] = {"message": description}
    if location is not None:
        out["message"] = f"Parse error: {description} at [{location.line}, {location.column}]"
        out["locations"] = [{"line": location.line, "column": location.column}]
    return out


class _PreparedCache:
    def __init__(self, size: int = 256):
        self._size = size
        self._entries: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, query: str) -> Prepared:
        with self._lock:
            found = self._entries.get(query)
            if found is not None:
                self._entries.move_to_end(query)
                return found
        prepared = _prepare(query)
        with self._lock:
            self._entries[query] = prepared
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return prepared


def _prepare(query: str) -> Prepared:
    try:
        document = parse(query)
    except GraphQLSyntaxError as error:
        return Prepared(None, [_syntax_error(error)])
    errors = validate(github_schema(), document)
    if errors:
        paths = _document_paths(document)
        return Prepared(None, [_validation_error(e, paths) for e in errors])
    return Prepared(document, [])


_cache = _PreparedCache()


def prepare(query: str) -> Prepared:
    return _cache.get(query)


def analyze_prepared(prepared: Prepared, variables: dict[str, Any] | None,
                     operation_name: str | None) -> Analysis:
    assert prepared.document is not None
    return analyze(github_schema(), prepared.document, variables, operation_name)


# -- values ----------------------------------------------------------------------------------

_SCALAR_DEFAULTS: dict[str, Any] = {
    "Int": 0, "Float": 0.0, "Boolean": False, "String": "", "ID": "", "BigInt": "0",
    "DateTime": iso(WORLD_NOW), "PreciseDateTime": iso(WORLD_NOW), "Date": iso(WORLD_NOW)[:10],  # type: ignore[index]
    "URI": "https://github.com/", "HTML": "", "GitObjectID": "0" * 40, "GitTimestamp": iso(WORLD_NOW),
}


def default_for(type_: Any) -> Any:
    """A harmless value for a field the simulator does not model: null when nullable."""
    if not isinstance(type_, GraphQLNonNull):
        return None
    inner = type_.of_type
    if isinstance(inner, GraphQLList):
        return []
    if isinstance(inner, GraphQLScalarType):
        return _SCALAR_DEFAULTS.get(inner.name, "")
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLObjectType):
        return empty_connection() if inner.name.endswith("Connection") else {"__typename": inner.name}
    if is_abstract_type(inner):
        possible = github_schema().get_possible_types(inner)
        return {"__typename": possible[0].name} if possible else None
    return None


def owner_value(login: str, type_: str, database_id: int | None = None) -> dict[str, Any]:
    return {
        "__typename": type_,
        "login": login,
        "id": node_id("O" if type_ == "Organization" else "U", database_id or 0),
        "databaseId": database_id,
        "url": f"https://github.com/{login}",
        "resourcePath": f"/{login}",
        "avatarUrl": f"https://avatars.githubusercontent.com/u/{database_id or 0}?v=4",
    }


def _language(repo: SimRepo) -> dict[str, Any] | None:
    if repo.primary_language is None:
        return None
    return {"__typename": "Language", "name": repo.primary_language,
            "color": LANGUAGE_COLORS.get(repo.primary_language), "id": f"MDg6TGFuZ3VhZ2U{len(repo.primary_language)}"}


def _license(repo: SimRepo) -> dict[str, Any] | None:
    if repo.license_spdx_id is None:
        return None
    name, key = LICENSE_NAMES.get(repo.license_spdx_id, (repo.license_spdx_id, repo.license_spdx_id.lower()))
    return {"__typename": "License", "spdxId": repo.license_spdx_id, "name": name, "key": key,
            "nickname": None, "url": f"http://choosealicense.com/licenses/{key}/",
            "pseudoLicense": key == "other"}


def _default_branch(repo: SimRepo) -> dict[str, Any] | None:
    if repo.default_branch is None:
        return None
    return {"__typename": "Ref", "name": repo.default_branch, "prefix": "refs/heads/",
            "id": f"REF_{repo.database_id}", "target": None, "branchProtectionRule": policy.protection_rule(repo)}


def _count_connection(total: int) -> Connection:
    return Connection([], [], total=total)


def _pick_states(args: dict[str, Any]) -> set[str] | None:
    states = args.get("states")
    if states is None and isinstance(args.get("filterBy"), dict):
        states = args["filterBy"].get("states")
    if states is None:
        return None
    return {str(s) for s in (states if isinstance(states, list) else [states])}


def _item_node(repo: SimRepo, item: Item) -> dict[str, Any]:
    state = item.state.upper()
    node: dict[str, Any] = {
        "__typename": "PullRequest" if item.is_pr else "Issue",
        "number": item.number, "title": item.title, "createdAt": item.created_at,
        "closedAt": item.closed_at, "closed": item.state != "open",
        "url": f"{repo.url}/{'pull' if item.is_pr else 'issues'}/{item.number}",
        "id": node_id("PR" if item.is_pr else "I", repo.database_id % 1_000_000 * 100_000 + item.number),
        "databaseId": repo.database_id % 1_000_000 * 100_000 + item.number,
        "author": {"__typename": "User", "login": item.author},
        "repository": repo,
    }
    if item.is_pr:
        node["state"] = state
        node["merged"] = item.state == "merged"
        node["mergedAt"] = item.closed_at if item.state == "merged" else None
    else:
        node["state"] = "OPEN" if item.state == "open" else "CLOSED"
    return node


def _items_connection(repo: SimRepo, args: dict[str, Any], pull_requests: bool) -> Connection:
    states = _pick_states(args)
    if pull_requests:
        counts = {"OPEN": repo.open_prs, "CLOSED": repo.closed_prs, "MERGED": repo.merged_prs}
    else:
        counts = {"OPEN": repo.open_issues, "CLOSED": repo.closed_issues}
    wanted = set(counts) if states is None else states & set(counts)
    total = sum(counts[s] for s in wanted)

    def build() -> tuple[list[Item], list[int]]:
        chosen = [i for i in items(repo) if i.is_pr == pull_requests
                  and (i.state.upper() if pull_requests else ("OPEN" if i.state == "open" else "CLOSED")) in wanted]
        return chosen, [i.number for i in chosen]

    return Connection(build, total=total, first=args.get("first"), last=args.get("last"),
                      after=args.get("after"), before=args.get("before"),
                      node=lambda item: _item_node(repo, item))


def _topics_connection(repo: SimRepo, args: dict[str, Any]) -> Connection:
    nodes = [{"__typename": "RepositoryTopic", "topic": {"__typename": "Topic", "name": t, "id": f"TOPIC_{t}"},
              "url": f"https://github.com/topics/{t}", "resourcePath": f"/topics/{t}"} for t in repo.topics]
    return Connection(nodes, list(range(len(nodes))), first=args.get("first"), last=args.get("last"),
                      after=args.get("after"), before=args.get("before"))


REPOSITORY_FIELDS: dict[str, Callable[[SimRepo, dict[str, Any]], Any]] = {
    "name": lambda r, a: r.name,
    "nameWithOwner": lambda r, a: r.name_with_owner,
    "owner": lambda r, a: owner_value(r.owner, r.owner_type),
    "id": lambda r, a: r.id,
    "databaseId": lambda r, a: r.database_id,
    "url": lambda r, a: r.url,
    "resourcePath": lambda r, a: f"/{r.name_with_owner}",
    "sshUrl": lambda r, a: f"git@github.com:{r.name_with_owner}.git",
    "description": lambda r, a: r.description,
    "shortDescriptionHTML": lambda r, a: r.description or "",
    "visibility": lambda r, a: r.visibility,
    "isPrivate": lambda r, a: r.is_private,
    "isArchived": lambda r, a: r.is_archived,
    "archivedAt": lambda r, a: r.updated_at if r.is_archived else None,
    "isTemplate": lambda r, a: r.is_template,
    "isFork": lambda r, a: r.is_fork,
    "isDisabled": lambda r, a: r.is_disabled,
    "isEmpty": lambda r, a: r.is_empty,
    "isLocked": lambda r, a: r.is_locked,
    "isMirror": lambda r, a: r.is_mirror,
    "isInOrganization": lambda r, a: r.owner_type == "Organization",
    "hasIssuesEnabled": lambda r, a: not r.is_fork,
    "hasWikiEnabled": lambda r, a: True,
    "hasProjectsEnabled": lambda r, a: True,
    "createdAt": lambda r, a: r.created_at,
    "updatedAt": lambda r, a: r.updated_at,
    "pushedAt": lambda r, a: r.pushed_at,
    "primaryLanguage": lambda r, a: _language(r),
    "licenseInfo": lambda r, a: _license(r),
    "defaultBranchRef": lambda r, a: _default_branch(r),
    "diskUsage": lambda r, a: r.disk_usage,
    "stargazerCount": lambda r, a: r.stargazers,
    "forkCount": lambda r, a: r.forks,
    "stargazers": lambda r, a: _count_connection(r.stargazers),
    "forks": lambda r, a: _count_connection(r.forks),
    "watchers": lambda r, a: _count_connection(r.watchers),
    "releases": lambda r, a: _count_connection(r.releases),
    "issues": lambda r, a: _items_connection(r, a, pull_requests=False),
    "pullRequests": lambda r, a: _items_connection(r, a, pull_requests=True),
    "repositoryTopics": lambda r, a: _topics_connection(r, a),
    **policy.REPOSITORY_FIELDS,
}

_ORDER_FIELDS: dict[str, Callable[[SimRepo], Any]] = {
    "NAME": lambda r: (r.name.lower(), r.name),
    "CREATED_AT": lambda r: (r.created_at, r.name.lower()),
    "UPDATED_AT": lambda r: (r.updated_at, r.name.lower()),
    "PUSHED_AT": lambda r: (r.pushed_at or "", r.name.lower()),
    "STARGAZERS": lambda r: (r.stargazers, r.name.lower()),
}


def repositories_connection(dataset: Dataset, owner_login: str, args: dict[str, Any]) -> Connection:
    """An owner's repositories with GitHub's filters, in a stable order, cursor-paginated."""
    is_fork, is_archived = args.get("isFork"), args.get("isArchived")
    privacy, visibility, is_locked = args.get("privacy"), args.get("visibility"), args.get("isLocked")
    order = args.get("orderBy") or {}
    order_field = order.get("field") or "NAME"
    descending = (order.get("direction") or "ASC") == "DESC"
    sort_key = _ORDER_FIELDS.get(order_field, _ORDER_FIELDS["NAME"])

    def keep(r: SimRepo) -> bool:
        return ((is_fork is None or r.is_fork == is_fork)
                and (is_archived is None or r.is_archived == is_archived)
                and (privacy is None or r.is_private == (privacy == "PRIVATE"))
                and (visibility is None or r.visibility == visibility)
                and (is_locked is None or r.is_locked == is_locked))

    cache_key = (is_fork, is_archived, privacy, visibility, is_locked, order_field)
    ordered, keys = dataset.listing(owner_login, cache_key, keep, sort_key)
    if descending:
        ordered, keys = ordered[::-1], [Desc(k) for k in reversed(keys)]
    return Connection(ordered, keys, first=args.get("first"), last=args.get("last"),
                      after=args.get("after"), before=args.get("before"), descending=descending)


class GraphQLResolvers:
    """graphql-core's field resolver for GitHub's schema, over one Dataset."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self._root: dict[str, Callable[[ExecutionContext, dict[str, Any], Any], Any]] = {
            "organization": self._organization,
            "repository": self._repository,
            "repositoryOwner": self._repository_owner,
            "user": self._user,
            "viewer": self._viewer,
            "rateLimit": lambda ctx, args, info: dict(ctx.rate_limit),
        }

    # -- root fields ---------------------------------------------------------------------

    def _organization(self, ctx: ExecutionContext, args: dict[str, Any], info: Any) -> Any:
        login = args.get("login", "")
        canonical = self.dataset.org_login(login)
        if canonical is None or ctx.hides(login):
            raise GitHubFieldError("NOT_FOUND", f"Could not resolve to an Organization with the login of '{login}'.")
        return self._owner_value(canonical)

    def _user(self, ctx: ExecutionContext, args: dict[str, Any], info: Any) -> Any:
        login = args.get("login", "")
        owner = self.dataset.owner(login)
        if login.lower() == ctx.viewer_login.lower():
            return self._viewer(ctx, args, info)
        if owner is None or owner.type != "User":
            raise GitHubFieldError("NOT_FOUND", f"Could not resolve to a User with the login of '{login}'.")
        return self._owner_value(owner.login)

    def _repository_owner(self, ctx: ExecutionContext, args: dict[str, Any], info: Any) -> Any:
        owner = self.dataset.owner(args.get("login", ""))
        return None if owner is None else self._owner_value(owner.login)

    def _owner_value(self, login: str) -> dict[str, Any]:
        owner = self.dataset.owner(login)
        assert owner is not None
        value = owner_value(owner.login, owner.type, owner.database_id)
        value["name"] = owner.login.capitalize() if owner.type == "Organization" else owner.login
        value["repositories"] = _OwnerRepos(owner.login)
        return value

    def _viewer(self, ctx: ExecutionContext, args: dict[str, Any], info: Any) -> Any:
        value = owner_value(ctx.viewer_login, "User", 1)
        value["name"] = "Simulated User"
        value["repositories"] = _OwnerRepos(ctx.viewer_login)
        return value

    def _repository(self, ctx: ExecutionContext, args: dict[str, Any], info: Any) -> Any:
        owner, name = args.get("owner", ""), args.get("name", "")
        fault = ctx.faulted_aliases.get(info.path.key)
        if fault == "forbidden":
            raise GitHubFieldError("FORBIDDEN", "Resource not accessible by integration", {"saml_failure": False})
        repo = None if fault == "not_found" or ctx.hides(owner) else self.dataset.get(f"{owner}/{name}")
        if repo is None:
            raise GitHubFieldError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return repo

    # -- the one field resolver ----------------------------------------------------------

    def resolve(self, source: Any, info: Any, **args: Any) -> Any:
        name = info.field_name
        value: Any = _MISSING
        if info.parent_type is info.schema.query_type:
            handler = self._root.get(name)
            if handler is not None:
                return handler(info.context, args, info)
        elif isinstance(source, SimRepo):
            if name == FORBIDDEN_FIELD and info.context.faulted_aliases.get(_alias_of(info.path)) == "forbidden_field":
                raise GitHubFieldError("FORBIDDEN", "Resource not accessible by integration", {"saml_failure": False})
            handler = REPOSITORY_FIELDS.get(name)
            if handler is not None:
                value = handler(source, args)
        elif isinstance(source, dict):
            value = source.get(name, _MISSING)
            if isinstance(value, policy.Lazy):
                value = value.build(args)
            elif isinstance(value, _OwnerRepos):
                value = repositories_connection(self.dataset, value.login, args)
        else:
            value = getattr(source, name, _MISSING)
        if value is _MISSING or (value is None and isinstance(info.return_type, GraphQLNonNull)):
            return default_for(info.return_type)
        return value


class _OwnerRepos:
    """Placeholder for an owner's `repositories` connection (built with the field's arguments)."""

    __slots__ = ("login",)

    def __init__(self, login: str):
        self.login = login


_MISSING = object()


def _resolve_type(value: Any, info: Any, abstract_type: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("__typename")
    if isinstance(value, SimRepo):
        return "Repository"
    return None


_VARIABLE_MESSAGE = re.compile(r"^Variable '\$([^']+)' (?:has invalid value|got invalid value|of )")
_VARIABLE_TYPE = re.compile(r"type '([^']+)'")


def format_error(error: GraphQLError) -> dict[str, Any]:
    """One execution error as GitHub writes it (type first, then path, locations, message)."""
    original = error.original_error
    out: dict[str, Any] = {}
    message = error.message
    if isinstance(original, GitHubFieldError):
        out["type"] = original.type
    elif isinstance(original, InvalidCursor):
        out["type"] = "INVALID_CURSOR_ARGUMENTS"
    if error.path is not None:
        out["path"] = list(error.path)
    if isinstance(original, GitHubFieldError) and original.extensions is not None:
        out["extensions"] = original.extensions
    if error.path is None:
        match = _VARIABLE_MESSAGE.match(message)
        if match:
            type_match = _VARIABLE_TYPE.search(message)
            explanation = message.split(": ", 1)[-1]
            out["extensions"] = {"value": None, "problems": [{"path": [], "explanation": explanation}]}
            message = (f"Variable ${match[1]} of type {type_match[1] if type_match else 'unknown'} "
                       "was provided invalid value")
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    out["message"] = message
    return out


def execute_prepared(resolvers: GraphQLResolvers, prepared: Prepared, variables: dict[str, Any] | None,
                     operation_name: str | None, context: ExecutionContext) -> dict[str, Any]:
    """Run a prepared document; the JSON body GitHub would send ("errors" only when there are some)."""
    assert prepared.document is not None
    result = execute(github_schema(), prepared.document, context_value=context,
                     variable_values=variables, operation_name=operation_name,
                     field_resolver=resolvers.resolve, type_resolver=_resolve_type)
    assert isinstance(result, ExecutionResult)
    errors = [format_error(e) for e in result.errors or ()]
    if result.data is None and errors and all("path" not in e for e in errors):
        return {"errors": errors}
    body: dict[str, Any] = {"data": result.data}
    if errors:
        body["errors"] = errors
    return body
