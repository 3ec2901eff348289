"""The collection steps as plain functions: plan (ListRepos), batch (QueryBatch), aggregate."""
