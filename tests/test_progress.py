"""Progress in words: counts, and a time-left estimate at the rate seen so far."""

from biofm.progress import TimeLeft, progress_text, time_left_text


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_time_left_is_the_rate_so_far_applied_to_what_remains():
    clock = Clock()
    left = TimeLeft(clock)
    assert left(0, 100) is None  # nothing finished yet: no estimate
    clock.now += 10
    assert left(25, 100) == 30.0  # 25 in 10 s -> 75 in 30 s
    clock.now += 10
    assert left(50, 100) == 20.0
    assert left(100, 100) == 0.0


def test_the_estimate_starts_from_the_first_report_not_zero():
    clock = Clock()
    left = TimeLeft(clock)
    left(40, 100)  # resumed work: 40 were done before this run began
    clock.now += 6
    assert left(60, 100) == 12.0  # 20 in 6 s -> 40 in 12 s


def test_progress_text_reads_as_counts_then_time_left():
    assert progress_text(37, 100, "notes", 11.2) == "37/100 notes · about 12 s left"
    assert progress_text(0, 2500, "documents", None) == "0/2,500 documents"
    assert progress_text(100, 100, "notes", 0.0) == "100/100 notes"  # done: no estimate
    assert time_left_text(0.4) == "under a second left"
    assert time_left_text(150) == "about 2 min left"
    assert time_left_text(3 * 3600 + 20 * 60) == "about 3 h 20 min left"
