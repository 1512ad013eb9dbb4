"""Progress on a terminal (tqdm frames redrawn in place) and in a log (plain lines, no carriage returns)."""

from __future__ import annotations

import io
import re
import threading
import time

import pytest

from embedkit import progress
from embedkit.progress import LazyProgress, LogLines, clock, is_terminal, progress_bar, waiting


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_delay(monkeypatch):
    """As if every piece of work took long: progress appears at once."""
    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0.0)


def wait_for(stream: io.StringIO, text: str) -> None:
    """Wait (up to 30 s, for a loaded machine) until ``text`` has been written to ``stream``."""
    deadline = time.monotonic() + 30
    while text not in stream.getvalue():
        assert time.monotonic() < deadline, stream.getvalue()
        time.sleep(0.01)


def test_is_terminal():
    """Check that a TTY counts as a terminal and a plain, a closed or a non-stream object does not."""
    closed = io.StringIO()
    closed.close()
    assert [is_terminal(s) for s in (FakeTerminal(), io.StringIO(), closed, object())] == [True, False, False, False]


def test_clock():
    """Check the elapsed-time format of the log lines."""
    assert [clock(s) for s in (0, 0.99, 42, 61, 3599, 3723.5)] == [
        "00:00",
        "00:00",
        "00:42",
        "01:01",
        "59:59",
        "1:02:03",
    ]


def test_log_gets_a_line_past_the_delay_and_one_at_the_end():
    """Check that a stream that is not a terminal gets plain newline-terminated lines, no '\\r' and no
    padding: one at the first update past the delay, one at the end, nothing in between."""
    log = io.StringIO()
    with progress_bar(desc="rows", total=4, delay=0.0, file=log) as bar:
        assert isinstance(bar, LogLines)
        for _ in range(4):
            bar.update(1)
    assert re.fullmatch(r"rows: 1/4 \(25%\), 00:0\d\nrows: 4/4 \(100%\), 00:0\d\n", log.getvalue()), log.getvalue()


def test_log_line_every_interval_with_postfix_and_stage(monkeypatch):
    """Check that each line waits LOG_INTERVAL after the last (0 here: every update), carries the postfix,
    that a new description (a stage) gets a line, and that the last line is not repeated at the end."""
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    log = io.StringIO()
    bar = progress_bar(desc="t-SNE: affinities", total=3, delay=0.0, file=log)
    bar.update(1)
    bar.set_postfix(loss="0.512", epoch=1)
    bar.set_description_str("t-SNE: optimising")
    bar.update(2)
    bar.close()
    bar.close()
    lines = [re.sub(r", 00:0\d", ", T", line) for line in log.getvalue().split("\n")]
    assert lines == [
        "t-SNE: affinities: 1/3 (33%), T",
        "t-SNE: optimising: 1/3 (33%), T, loss=0.512, epoch=1",
        "t-SNE: optimising: 3/3 (100%), T, loss=0.512, epoch=1",
        "",
    ]


def test_log_counts_without_total_and_with_unit_scale():
    """Check the count of work with no total (with its unit) and of scaled units (3.00k)."""
    log = io.StringIO()
    with progress_bar(desc="reading v.txt", unit=" vectors", unit_scale=True, delay=0.0, file=log) as bar:
        bar.update(3000)
    with progress_bar(desc="writing v.bin", total=3000, unit=" vectors", unit_scale=True, delay=0.0, file=log) as bar:
        bar.update(1500.0)
        bar.update(1500.0)
    with progress_bar(desc="words", delay=0.0, file=log) as bar:
        bar.update(12345)
        bar.update(0.5)
    lines = [re.sub(r", 00:0\d", ", T", line) for line in log.getvalue().splitlines()]
    assert lines == [
        "reading v.txt: 3.00k vectors, T",
        "writing v.bin: 1.50k/3.00k (50%), T",
        "writing v.bin: 3.00k/3.00k (100%), T",
        "words: 12,345 it, T",
        "words: 12,345.5 it, T",
    ]


def test_log_stays_silent_for_work_shorter_than_the_delay():
    """Check that work that ends before the delay writes nothing to a log."""
    log = io.StringIO()
    with progress_bar(desc="rows", total=3, delay=60.0, file=log) as bar:
        bar.update(3)
    with waiting("loading the model", file=log):
        pass
    assert log.getvalue() == ""


def test_log_iterates_and_takes_updates_from_threads(monkeypatch):
    """Check that iterating yields every item and counts it, and that updates from several threads are
    all counted with every line whole."""
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    log = io.StringIO()
    assert list(progress_bar(range(3), desc="epochs", delay=0.0, file=log)) == [0, 1, 2]
    assert log.getvalue().splitlines()[-1].startswith("epochs: 3/3 (100%), ")
    log = io.StringIO()
    bar = progress_bar(desc="q", total=4000, delay=0.0, file=log)
    threads = [threading.Thread(target=lambda: [bar.update(1) for _ in range(1000)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bar.close()
    lines = log.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == 4001  # one line per update, the last not repeated at close
    assert all(re.fullmatch(r"q: [\d,]+/4,000 \(\d+%\), 00:\d\d", line) for line in lines[:-1])
    assert lines[-2].startswith("q: 4,000/4,000 (100%), ")


def test_terminal_gets_animated_frames():
    """Check that a terminal gets tqdm's frames, redrawn with '\\r' and cleared at the end."""
    tty = FakeTerminal()
    with progress_bar(desc="rows", total=4, delay=0.0, file=tty) as bar:
        assert not isinstance(bar, LogLines)
        bar.update(4)
    out = tty.getvalue()
    assert out.startswith("\rrows:   0%|") and "0/4" in out
    assert "\n" not in out  # redrawn in place, never a new line
    assert out.endswith("\r")  # leave=False: the line is cleared


def test_disabled_progress_writes_nothing(no_delay):
    """Check that disabled progress (the CLI's -q and --json) writes nothing on a terminal or a log."""
    for stream in (FakeTerminal(), io.StringIO()):
        with progress_bar(desc="rows", total=3, delay=0.0, enabled=False, file=stream) as bar:
            bar.update(3)
        assert list(progress_bar(range(2), desc="epochs", enabled=False, file=stream)) == [0, 1]
        with waiting("loading the model", enabled=False, file=stream):
            time.sleep(0.05)
        assert stream.getvalue() == ""


def test_lazy_progress_makes_its_bar_at_the_first_update(no_delay, capsys):
    """Check that LazyProgress writes nothing when nothing is updated, and lines once it is."""
    with LazyProgress(desc="reading v.txt", unit=" vectors", unit_scale=True):
        pass
    assert capsys.readouterr().err == ""
    with LazyProgress(desc="reading v.txt", unit=" vectors", unit_scale=True) as bar:
        bar.update(2000)
    assert re.fullmatch(r"reading v\.txt: 2\.00k vectors, 00:0\d\n", capsys.readouterr().err)


def test_waiting_in_a_log(no_delay):
    """Check that work with no steps writes a line when it has run the delay and one when it ends, saying
    whether it finished or stopped (an error followed), in whole lines."""
    log = io.StringIO()
    with waiting("loading the model", file=log):
        wait_for(log, "\n")
    with pytest.raises(ValueError, match=r"^bad model$"), waiting("loading torch and the model", file=log):
        wait_for(log, "loading torch and the model ...\n")
        raise ValueError("bad model")
    assert re.fullmatch(
        r"loading the model \.\.\.\nloading the model: done in 00:\d\d\n"
        r"loading torch and the model \.\.\.\nloading torch and the model: stopped after 00:\d\d\n",
        log.getvalue(),
    ), log.getvalue()


def test_waiting_in_a_log_repeats_every_interval(no_delay, monkeypatch):
    """Check that long work with no steps writes a line every LOG_INTERVAL seconds."""
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.05)
    log = io.StringIO()
    with waiting("translating 5 sources", file=log):
        wait_for(log, "so far\n")
    lines = log.getvalue().splitlines()
    assert lines[0] == "translating 5 sources ..."
    assert all(re.fullmatch(r"translating 5 sources: 00:\d\d so far", line) for line in lines[1:-1])
    assert re.fullmatch(r"translating 5 sources: done in 00:\d\d", lines[-1]) and len(lines) >= 3


def test_waiting_on_a_terminal(no_delay):
    """Check that on a terminal work with no steps gets a seconds counter redrawn in place, then cleared."""
    tty = FakeTerminal()
    with waiting("loading the model", file=tty):
        wait_for(tty, "loading the model: 00:")
    out = tty.getvalue()
    assert out.startswith("\rloading the model: 00:0") and "\n" not in out and out.endswith("\r")
