"""GitHub's GraphQL rate-limit cost, node count and pagination checks, from the query AST.

Computed before execution, as GitHub does:

- a connection is a field whose type's name ends in "Connection";
- each connection costs one request per parent instance: the product of the first/last of
  the connections it is nested in (a connection under a plain object counts 1 per parent);
- cost = round(requests / 100), at least 1; `rateLimit` adds nothing;
- node count = sum over connections of first/last × the parent instances; at most 500,000;
- first/last above 100 → EXCESSIVE_PAGINATION, below 0 → INVALID_PAGINATION, nodes/edges
  without first/last → MISSING_PAGINATION_BOUNDARIES (totalCount alone needs neither).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)

MAX_PAGE = 100
MAX_NODES = 500_000
POINTS_DIVISOR = 100


@dataclass
class RepoTarget:
    """A `repository(owner:, name:)` field on Query: which alias asks for which repository."""

    alias: str
    owner: str | None
    name: str | None
    line: int
    column: int

    @property
    def key(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Analysis:
    requests: int = 0  # the sum before dividing by 100
    node_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # whole-query errors, GitHub-shaped
    repo_targets: list[RepoTarget] = field(default_factory=list)
    dry_run: bool = False
    operation: OperationDefinitionNode | None = None

    @property
    def cost(self) -> int:
        return max(1, int(self.requests / POINTS_DIVISOR + 0.5))


def location(node: Any) -> dict[str, int]:
    loc = node.loc
    if loc is None:
        return {"line": 1, "column": 1}
    token = loc.start_token
    return {"line": token.line, "column": token.column}


def find_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        return next((o for o in operations if o.name and o.name.value == operation_name), None)
    return operations[0] if len(operations) == 1 else None


def argument_value(node: FieldNode, name: str, variables: dict[str, Any],
                   defaults: dict[str, Any]) -> Any:
    for argument in node.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, VariableNode):
                variable = value.name.value
                return variables.get(variable, defaults.get(variable))
            return value_from_ast_untyped(value, {**defaults, **variables})
    return None


class _Analyzer:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]):
        self.schema = schema
        self.variables = variables
        self.defaults: dict[str, Any] = {}
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.result = Analysis()

    # Fields of a selection set grouped by response key (as execution merges them), with
    # fragments expanded. Each entry: (field nodes, the type they were selected on).
    def collect(self, selection_set: SelectionSetNode | None, parent_type: Any,
                into: dict[str, tuple[list[FieldNode], Any]] | None = None,
                seen_fragments: frozenset[str] = frozenset()) -> dict[str, tuple[list[FieldNode], Any]]:
        fields = {} if into is None else into
        if selection_set is None:
            return fields
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                if key in fields:
                    fields[key][0].append(selection)
                else:
                    fields[key] = ([selection], parent_type)
            elif isinstance(selection, InlineFragmentNode):
                type_ = parent_type
                if selection.type_condition is not None:
                    type_ = self.schema.get_type(selection.type_condition.name.value) or parent_type
                self.collect(selection.selection_set, type_, fields, seen_fragments)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen_fragments:
                    continue
                type_ = self.schema.get_type(fragment.type_condition.name.value) or parent_type
                self.collect(fragment.selection_set, type_, fields, seen_fragments | {name})
        return fields

    def walk(self, selection_sets: list[SelectionSetNode | None], parent_type: Any,
             multiplier: int, path: list[str], at_root: bool) -> None:
        grouped: dict[str, tuple[list[FieldNode], Any]] = {}
        for selection_set in selection_sets:
            self.collect(selection_set, parent_type, grouped)
        for key, (nodes, owner_type) in grouped.items():
            node = nodes[0]
            name = node.name.value
            if name.startswith("__"):
                continue
            fields = getattr(owner_type, "fields", None) or {}
            definition = fields.get(name)
            if definition is None:
                continue  # validation reports unknown fields
            named = get_named_type(definition.type)
            child_sets = [n.selection_set for n in nodes]
            if at_root and owner_type is self.schema.query_type:
                self.root_field(key, name, node)
            if named.name.endswith("Connection") and hasattr(named, "fields"):
                size = self.page_size(key, node, path)
                self.result.requests += multiplier
                if size is None:
                    if self.selects_items(child_sets, named):
                        self.error("MISSING_PAGINATION_BOUNDARIES", node, path + [key],
                                   "You must provide a `first` or `last` value to properly paginate "
                                   f"the `{name}` connection.")
                    self.walk(child_sets, named, multiplier, path + [key], False)
                else:
                    self.result.node_count += multiplier * size
                    self.walk(child_sets, named, multiplier * size, path + [key], False)
            elif any(s is not None for s in child_sets):
                self.walk(child_sets, named, multiplier, path + [key], False)

    def root_field(self, key: str, name: str, node: FieldNode) -> None:
        if name == "repository":
            owner = argument_value(node, "owner", self.variables, self.defaults)
            repo = argument_value(node, "name", self.variables, self.defaults)
            loc = location(node)
            self.result.repo_targets.append(
                RepoTarget(key, owner if isinstance(owner, str) else None,
                           repo if isinstance(repo, str) else None, loc["line"], loc["column"]))
        elif name == "rateLimit":
            if argument_value(node, "dryRun", self.variables, self.defaults) is True:
                self.result.dry_run = True

    def page_size(self, key: str, node: FieldNode, path: list[str]) -> int | None:
        size = None
        for argument in ("first", "last"):
            value = argument_value(node, argument, self.variables, self.defaults)
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            if value > MAX_PAGE:
                self.error("EXCESSIVE_PAGINATION", node, path + [key],
                           f"Requesting {value} records on the `{node.name.value}` connection exceeds "
                           f"the `{argument}` limit of {MAX_PAGE} records.")
            elif value < 0:
                self.error("INVALID_PAGINATION", node, path + [key],
                           f"`{argument}` on the connection cannot be less than zero.")
            size = value if size is None else max(size, value)
        return size

    def selects_items(self, child_sets: list[SelectionSetNode | None], connection_type: Any) -> bool:
        grouped: dict[str, tuple[list[FieldNode], Any]] = {}
        for selection_set in child_sets:
            self.collect(selection_set, connection_type, grouped)
        return any(nodes[0].name.value in ("nodes", "edges") for nodes, _ in grouped.values())

    def error(self, type_: str, node: FieldNode, path: list[str], message: str) -> None:
        self.result.errors.append(
            {"type": type_, "path": list(path), "locations": [location(node)], "message": message})


def analyze(schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any] | None = None,
            operation_name: str | None = None) -> Analysis:
    """Cost, node count, pagination errors and repository() targets of one (valid) document."""
    analyzer = _Analyzer(schema, document, dict(variables or {}))
    operation = find_operation(document, operation_name)
    analyzer.result.operation = operation
    if operation is None:
        return analyzer.result
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            analyzer.defaults[definition.variable.name.value] = value_from_ast_untyped(definition.default_value)
    root = {"query": schema.query_type, "mutation": schema.mutation_type,
            "subscription": schema.subscription_type}[operation.operation.value]
    analyzer.walk([operation.selection_set], root, 1, [], True)
    result = analyzer.result
    if result.node_count > MAX_NODES and not result.errors:
        result.errors.append({
            "type": "MAX_NODE_LIMIT_EXCEEDED",
            "message": f"This query requests up to {result.node_count:,} possible nodes which exceeds "
                       f"the maximum limit of {MAX_NODES:,}.",
        })
    return result
