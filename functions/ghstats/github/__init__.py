"""The GitHub API layer: GraphQL through gql, REST through requests, errors classified."""
