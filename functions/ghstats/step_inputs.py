"""What the state machine hands each Lambda step (statemachine/collect.asl.json's Parameters):
one Pydantic model per step, checked by Powertools' parser in the handler, so a step given a
malformed input fails at once, naming the field, instead of half-way through its work."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ghstats.github.documents import OWNER_PATTERN
from ghstats.names import BATCH_ID_PATTERN

RunId = Field(min_length=1, max_length=80)


class StepInput(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    run_id: str = RunId


class StartRunInput(StepInput):
    config: Any = None  # the execution input: parse_config checks it and names every problem
    started_at: str
    execution_arn: str


class PlanRunInput(StepInput):
    config: Any = None
    started_at: str
    retry_count: int = Field(0, ge=0)
    rate_limit_waits: int = Field(0, ge=0)
    execution_arn: str | None = None


class ListReposInput(StepInput):
    owner: str = Field(pattern=rf"^{OWNER_PATTERN}$")  # one of the run's owners: a GitHub login
    retry_count: int = Field(0, ge=0)
    rate_limit_waits: int = Field(0, ge=0)
    execution_arn: str | None = None


class QueryBatchInput(StepInput):
    batch_id: str = Field(pattern=BATCH_ID_PATTERN)
    retry_count: int = Field(0, ge=0)
    rate_limit_waits: int = Field(0, ge=0)
    execution_arn: str | None = None


class CollectOrgInput(StepInput):
    item_id: str = Field(min_length=3, max_length=200)
    retry_count: int = Field(0, ge=0)
    rate_limit_waits: int = Field(0, ge=0)
    execution_arn: str | None = None


class AggregateInput(StepInput):
    pass
