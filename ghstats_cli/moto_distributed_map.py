"""Make moto's Distributed Map fail as AWS's does when a child execution fails.

AWS: a Distributed Map run fails with States.ExceedToleratedFailureThreshold once more child
executions fail than ToleratedFailureCount/ToleratedFailurePercentage allow (both 0 unless
given, as in our ASL): it starts no further child, and the Map state fails with that error.
moto 5.2.5's engine counts the failed children, runs every other item anyway, and then
succeeds, which would let a local run go on to Aggregate with a batch missing.
`enforce_tolerated_failures()` adds both missing parts to moto's map run, once per process:
no child starts after the threshold is exceeded (children already running finish), and the
run then fails. The ASL is not changed for it.
"""

from __future__ import annotations

import threading

THRESHOLD_ERROR = "States.ExceedToleratedFailureThreshold"
THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"

_installed = False
_lock = threading.Lock()


def exceeds_tolerance(failed: int, total: int, tolerated_count: int, tolerated_percentage: float) -> bool:
    """Whether the failed children fail the map run: moto parses an unset threshold as 0, so a
    run is let through only where a threshold that was set tolerates its failures (our ASL sets
    none: any failure fails it, as in AWS)."""
    if failed == 0:
        return False
    return failed > tolerated_count and (total == 0 or 100.0 * failed / total > tolerated_percentage)


def enforce_tolerated_failures() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
        from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
            FailureEvent, FailureEventException)
        from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
        from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
        from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
            distributed_iteration_component as component)
        from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

        from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
            distributed_item_processor_worker as worker)

        def exceeded(record) -> bool:
            counter = record.item_counter
            failed = counter.failed.get() + counter.timed_out.get()
            return exceeds_tolerance(failed, counter.total.get(), record.tolerated_failure_count,
                                     record.tolerated_failure_percentage)

        original_job = worker.DistributedItemProcessorWorker._eval_job

        def eval_job(self, env, job):
            if exceeded(self._map_run_record):  # AWS starts no child once the run has failed
                job.job_output = None
                return
            original_job(self, env, job)

        original = component.DistributedIterationComponent._map_run

        def map_run(self, env, eval_input):
            original(self, env, eval_input)
            if exceeded(eval_input.map_run_record):
                raise FailureEventException(failure_event=FailureEvent(
                    env=env, error_name=StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold),
                    event_type=HistoryEventType.MapRunFailed,
                    event_details=EventDetails(mapRunFailedEventDetails=MapRunFailedEventDetails(
                        error=THRESHOLD_ERROR, cause=THRESHOLD_CAUSE))))

        worker.DistributedItemProcessorWorker._eval_job = eval_job
        component.DistributedIterationComponent._map_run = map_run
        _installed = True
