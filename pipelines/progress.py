"""A Dagster logger that prints one line per finished asset and per failed check, so
`make build` shows progress instead of Dagster's full debug stream."""
from __future__ import annotations

import logging
import sys
import time

from dagster import logger


def failure_text(error) -> str:
    """The innermost error of a failed step: Dagster wraps ours ("Error occurred while
    executing op ..."), the useful message is in the cause chain."""
    messages = []
    while error is not None:
        messages.append(error.message.strip())
        error = error.cause
    return messages[-1] if messages else ""


# One line per asset materialized (a step may hold many: the tables are one multi-asset step)
# and per step that failed or was skipped.
_MARKS = {"ASSET_MATERIALIZATION": "ok  ", "STEP_FAILURE": "FAIL", "STEP_SKIPPED": "skip"}


class _ProgressHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None:
            # "Dependencies for step ... failed ... Not executing.": the FAIL line above says why
            if record.levelno >= logging.ERROR and "Not executing." not in record.getMessage():
                print(f"  error: {record.getMessage()}", file=sys.stderr)
            return
        kind = event.event_type_value
        step = (event.step_key or "").replace("__", ".")
        elapsed = time.monotonic() - self.started
        if kind in _MARKS:
            what = event.asset_key.to_user_string().replace("/", ".") if kind == "ASSET_MATERIALIZATION" else f"step {step}"
            print(f"  [{elapsed:5.1f}s] {_MARKS[kind]} {what}", flush=True)
            if kind == "STEP_FAILURE":
                text = failure_text(event.event_specific_data.error)
                print("         " + text.replace("\n", "\n         "), flush=True)
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                print(f"           warning: {data.asset_key.to_user_string()} check '{data.check_name}' flagged rows", flush=True)


@logger(description="One line per finished asset and per failed check (used by `make build`).")
def progress_logger(init_context) -> logging.Logger:
    log = logging.getLogger("battery.progress")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.handlers = [_ProgressHandler()]
    return log
