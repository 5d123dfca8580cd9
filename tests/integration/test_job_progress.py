"""A job's progress reaches its row while it runs, also for a job done in well under a
second: the dispatch page polls the row and must see the steps, not 0 % until the end."""

from __future__ import annotations

from wms import jobs
from wms.models import Job, JobStatus


def _job(sessions) -> str:
    with sessions.begin() as s:
        s.add(Job(id="progress-1", kind="wms.integrity:check_job", params={},
                  status=JobStatus.STARTED))
    return "progress-1"


def _progress(sessions, job_id: str) -> float:
    with sessions() as s:
        return s.get(Job, job_id).progress


def test_quick_steps_are_written_when_they_move_far_enough(sessions, world):
    job_id = _job(sessions)
    report = jobs._Reporter(sessions, job_id, every_s=3600)
    seen = []
    for percent in (0, 2, 4, 6.7, 9, 12, 30, 31, 96, 98):
        report(percent, "working")
        seen.append(_progress(sessions, job_id))
    # 2 and 4 are within five points of the last write; 6.7 is not; 9 is within five of it.
    assert seen == [0, 0, 0, 6.7, 6.7, 12, 30, 30, 96, 96]
    report(100)
    assert _progress(sessions, job_id) == 100


def test_small_steps_are_written_once_the_interval_passed(sessions, world, monkeypatch):
    job_id = _job(sessions)
    clock = iter([10.0, 10.1, 10.7, 10.8])
    monkeypatch.setattr(jobs.time, "monotonic", lambda: next(clock))
    report = jobs._Reporter(sessions, job_id, every_s=0.5)
    seen = []
    for percent in (1, 2, 3, 4):
        report(percent)
        seen.append(_progress(sessions, job_id))
    assert seen == [1, 1, 3, 3]
