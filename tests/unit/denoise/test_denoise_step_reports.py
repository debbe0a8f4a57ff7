"""The job's view of a long epoch: the loop's on_log becomes progress and a message, throttled."""

import pytest

from apps.denoise import training


class _Reporter:
    def __init__(self):
        self.updates = []

    def update(self, **kwargs):
        self.updates.append(kwargs)


def _entry(step):
    return {"step": step, "steps": 1000, "epoch": 1 + step // 500, "epochs": 2, "loss": 0.0123456, "lr": 1e-3}


def test_step_reports_move_progress_inside_the_epoch(monkeypatch):
    monkeypatch.setattr(training, "STEP_REPORT_SECONDS", 0.0)
    reporter = _Reporter()
    on_log = training._step_reporter(reporter, 0.02, 0.85, " (note)")
    on_log(_entry(250))
    on_log(_entry(1000))
    assert [u["progress"] for u in reporter.updates] == pytest.approx([0.02 + 0.83 * 0.25, 0.85])
    assert reporter.updates[0]["message"] == "epoch 1 of 2, step 250 of 1,000: loss 0.01235 (note)"


def test_step_reports_are_throttled(monkeypatch):
    monkeypatch.setattr(training, "STEP_REPORT_SECONDS", 3600.0)
    reporter = _Reporter()
    on_log = training._step_reporter(reporter, 0.0, 1.0, "")
    for step in range(50, 1001, 50):
        on_log(_entry(step))
    assert reporter.updates == []  # the epoch reports still come; these only fill the gaps
