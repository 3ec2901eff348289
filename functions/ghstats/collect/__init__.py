"""The collection steps as plain functions: plan the run (PlanRun), list an owner (ListRepos), batch (QueryBatch), an org-level item (CollectOrg), aggregate."""
