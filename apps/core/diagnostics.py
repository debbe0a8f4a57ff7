"""A self-test job: proves the queue, a worker and progress reporting work, without torch."""

from __future__ import annotations

import time

from apps.core.errors import InvalidInput


def selftest_params_validate(params: dict) -> dict:
    steps, delay = params.get("steps", 5), params.get("delay", 0.2)
    if not isinstance(steps, int) or not 1 <= steps <= 1000:
        raise InvalidInput("steps", "must be an integer in 1..1000")
    if not isinstance(delay, int | float) or not 0 <= delay <= 10:
        raise InvalidInput("delay", "must be a number of seconds in 0..10")
    return {"steps": steps, "delay": float(delay), "fail": bool(params.get("fail", False))}


def selftest_job(job, reporter) -> dict:
    steps, delay = job.params["steps"], job.params["delay"]
    started = time.monotonic()
    for step in range(1, steps + 1):
        time.sleep(delay)
        reporter.update(progress=step / steps, message=f"step {step}/{steps}", epoch={"epoch": step, "epochs": steps})
    if job.params.get("fail"):
        raise RuntimeError("self-test asked to fail")
    return {"steps": steps, "seconds": round(time.monotonic() - started, 3)}
