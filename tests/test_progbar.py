"""The Keras-style progress bar: exact output on a TTY (compared with the bytes Keras 3.15
writes for the same updates and clock), the plain line for logs, verbose=2, averaging and
the time/ETA formatting.  A fake clock drives every timing, so nothing depends on speed."""

import io
import sys

import numpy as np
import pytest

from dagnet import _progbar
from dagnet._progbar import Progbar, format_eta, format_time_per_unit, format_value


class FakeStream(io.StringIO):
    """A captured stdout that says whether it is a terminal."""

    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


class FakeClock:
    def __init__(self, start=100.0):
        self.now = start

    def __call__(self):
        return self.now

    def tick(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(_progbar, "_now", fake)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    return fake


def bold(s):
    return f"\x1b[1m{s}\x1b[0m"


def green(s):
    return f"\x1b[32m{s}\x1b[0m"


def white(s):
    return f"\x1b[37m{s}\x1b[0m"


def strip_ansi(s):
    for code in ("\x1b[1m", "\x1b[0m", "\x1b[32m", "\x1b[37m"):
        s = s.replace(code, "")
    return s


# ----------------------------------------------------------------------------- formatting


def test_format_eta():
    assert format_eta(0) == "0s"
    assert format_eta(42.9) == "42s"  # truncated, as Keras's %d does
    assert format_eta(60) == "60s"  # minutes only strictly above 60 s
    assert format_eta(62) == "1:02"
    assert format_eta(3600) == "60:00"
    assert format_eta(3725) == "1:02:05"
    assert format_eta(5001 * 1.0 - 2) == "1:23:19"


def test_format_time_per_unit():
    assert format_time_per_unit(0) == "0s/step"
    assert format_time_per_unit(1.0) == "1s/step"
    assert format_time_per_unit(1.6) == "2s/step"
    assert format_time_per_unit(0.003) == "3ms/step"
    assert format_time_per_unit(0.76) == "760ms/step"
    assert format_time_per_unit(2.5e-5) == "25us/step"
    assert format_time_per_unit(5.04e-4, "sample") == "504us/sample"


def test_format_value():
    assert format_value(0.69314718) == "0.6931"
    assert format_value(12.0) == "12.0000"
    assert format_value(-0.5) == "-0.5000"
    assert format_value(1e-4) == "1.0000e-04"
    assert format_value(0.0) == "0.0000e+00"  # Keras shows an exact zero this way too
    assert format_value(np.float32(0.25)) == "0.2500"


# ------------------------------------------------------------------------- live bar (TTY)


def test_tty_output_matches_keras_bytes(clock):
    """Five updates, 3 ms apart: the exact bytes Keras 3.15 writes (averaged metrics,
    '\\b' back over the previous line, padding when the line shrinks, final newline)."""
    out = FakeStream(tty=True)
    bar = Progbar(5, interval=0, stream=out)
    steps = [(1.0, 0.0), (0.5, 0.5), (0.25, 0.5), (0.5, 0.75), (0.125, 1.0)]
    for i, (loss, acc) in enumerate(steps, 1):
        clock.tick(0.003)
        bar.update(i, [("loss", loss), ("acc", acc)], finalize=None)
    expected = (
        "\r"
        + bold("1/5")
        + " "
        + green("━" * 4)
        + white("━" * 16)
        + " "
        + bold("0s")
        + " 3ms/step - loss: 1.0000 - acc: 0.0000e+00"
        + "\b" * 69
        + "\r"
        + bold("2/5")
        + " "
        + green("━" * 8)
        + white("━" * 12)
        + " "
        + bold("0s")
        + " 3ms/step - loss: 0.7500 - acc: 0.2500    "
        + "\b" * 65
        + "\r"
        + bold("3/5")
        + " "
        + green("━" * 12)
        + white("━" * 8)
        + " "
        + bold("0s")
        + " 3ms/step - loss: 0.5833 - acc: 0.3333"
        + "\b" * 65
        + "\r"
        + bold("4/5")
        + " "
        + green("━" * 16)
        + white("━" * 4)
        + " "
        + bold("0s")
        + " 3ms/step - loss: 0.5625 - acc: 0.4375"
        + "\b" * 65
        # The finalizing update shows the values it is given (epoch aggregates).
        + "\r"
        + bold("5/5")
        + " "
        + green("━" * 20)
        + white("")
        + " "
        + bold("0s")
        + " 3ms/step - loss: 0.1250 - acc: 1.0000\n"
    )
    assert out.getvalue() == expected


def test_tty_shorter_line_is_padded_and_final_shows_elapsed(clock):
    out = FakeStream(tty=True)
    bar = Progbar(3, interval=0, stream=out)
    clock.tick(0.5)
    bar.update(1, [("loss", 1.0), ("a_long_metric_name", 2.0)])
    clock.tick(0.5)
    bar.update(2, [("loss", 1.0)])
    bar._values.pop("a_long_metric_name")  # make the next line shorter than this one
    bar._values_order.remove("a_long_metric_name")
    clock.tick(0.5)
    bar.update(3, [("loss", 1.0)])
    expected = (
        "\r"
        + bold("1/3")
        + " "
        + green("━" * 6)
        + white("━" * 14)
        + " "
        + bold("1s")
        + " 500ms/step - loss: 1.0000 - a_long_metric_name: 2.0000"
        + "\b" * 82
        + "\r"
        + bold("2/3")
        + " "
        + green("━" * 13)
        + white("━" * 7)
        + " "
        + bold("0s")
        + " 500ms/step - loss: 1.0000 - a_long_metric_name: 2.0000"
        + "\b" * 82
        + "\r"
        + bold("3/3")
        + " "
        + green("━" * 20)
        + white("")
        + " "
        + bold("2s")
        + " 500ms/step - loss: 1.0000"
        + " " * 29
        + "\n"
    )
    assert out.getvalue() == expected


def test_tty_eta_and_step_time_ignore_the_first_step(clock):
    out = FakeStream(tty=True)
    bar = Progbar(5000, interval=0, stream=out)
    clock.tick(1.0)
    bar.update(1, [("loss", 1.0)])
    clock.tick(1.5)
    bar.update(2, [("loss", 2.0)])
    clock.tick(0.02)
    bar.update(3, [("loss", 3.0)])
    frames = [strip_ansi(f).rstrip("\b \n") for f in out.getvalue().split("\r")[1:]]
    # Step 1 alone: 1 s/step, 4999 steps left.  Later steps are timed from the end of
    # step 1: (1.5 + 0.02) / 2 = 760 ms/step.  Values are running averages.
    assert frames == [
        "   1/5000 " + "━" * 20 + " 1:23:19 1s/step - loss: 1.0000",
        "   2/5000 " + "━" * 20 + " 2:04:57 2s/step - loss: 1.5000",
        "   3/5000 " + "━" * 20 + " 1:03:17 760ms/step - loss: 2.0000",
    ]


def test_tty_unknown_target(clock):
    out = FakeStream(tty=True)
    bar = Progbar(None, stream=out)
    for step in range(1, 4):
        clock.tick(2.0)
        bar.update(step, [("loss", 0.5)])
    bar.update(3, [("loss", 0.25)], finalize=True)
    frames = out.getvalue().split("\r")[1:]
    assert [strip_ansi(f).rstrip("\b") for f in frames] == [
        "      1/Unknown 2s 2s/step - loss: 0.5000",
        "      2/Unknown 4s 2s/step - loss: 0.5000",
        "      3/Unknown 6s 2s/step - loss: 0.5000",
        "      3/Unknown 6s 2s/step - loss: 0.2500\n",
    ]


def test_tty_redraws_are_throttled_by_interval(clock):
    out = FakeStream(tty=True)
    bar = Progbar(100, interval=0.05, stream=out)
    for step in range(1, 101):
        clock.tick(0.01)
        bar.update(step, [("loss", 1.0)])
    # The first update always draws, then at most one redraw per 50 ms, plus the final one.
    redraws = out.getvalue().count("\r")
    assert 15 <= redraws <= 25
    assert out.getvalue().endswith("1.0000\n")


def test_ipykernel_counts_as_interactive(clock, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    out = FakeStream(tty=False)
    bar = Progbar(2, interval=0, stream=out)
    bar.update(1)
    assert out.getvalue().startswith("\r")


# --------------------------------------------------------------- plain line (not a TTY)


def test_not_a_tty_prints_one_plain_line_at_the_end(clock):
    out = FakeStream(tty=False)
    bar = Progbar(50, interval=0, stream=out)
    for step in range(1, 50):
        clock.tick(0.003)
        bar.update(step, [("loss", 0.6931), ("acc", 0.5)])
    assert out.getvalue() == ""
    clock.tick(0.003)
    bar.update(50, [("loss", 0.6931), ("acc", 0.5)])
    assert out.getvalue() == "50/50 " + "━" * 20 + " 0s 3ms/step - loss: 0.6931 - acc: 0.5000\n"


def test_not_a_tty_unknown_target_prints_on_finalize(clock):
    out = FakeStream(tty=False)
    bar = Progbar(None, stream=out)
    clock.tick(1.0)
    bar.update(1, [("loss", 1.0)])
    bar.update(1, [("loss", 0.5)], finalize=True)
    assert out.getvalue() == "      1/Unknown 1s 1s/step - loss: 0.5000\n"


# ------------------------------------------------------------------------ verbose 2 / 0


def test_verbose_2_prints_one_line_when_done(clock):
    for tty in (True, False):
        out = FakeStream(tty=tty)
        bar = Progbar(50, verbose=2, stream=out)
        for step in range(1, 51):
            clock.tick(0.003)
            bar.update(step, [("loss", 0.6931), ("acc", 0.0001)])
        assert out.getvalue() == "50/50 - 0s - 3ms/step - loss: 0.6931 - acc: 1.0000e-04\n"


def test_verbose_2_counter_is_padded_and_elapsed_is_rounded(clock):
    out = FakeStream(tty=False)
    bar = Progbar(120, verbose=2, stream=out)
    clock.tick(1.0)
    bar.update(1)
    clock.tick(2.0)
    bar.update(120, [("loss", 2.0)])
    assert out.getvalue() == "120/120 - 3s - 17ms/step - loss: 2.0000\n"


def test_verbose_2_with_unknown_target_prints_nothing(clock):
    out = FakeStream(tty=False)
    bar = Progbar(None, verbose=2, stream=out)
    bar.update(3, [("loss", 1.0)], finalize=True)
    assert out.getvalue() == ""


def test_verbose_0_is_silent(clock):
    out = FakeStream(tty=True)
    bar = Progbar(3, verbose=0, stream=out)
    for step in range(1, 4):
        bar.update(step, [("loss", 1.0)])
    assert out.getvalue() == ""


# -------------------------------------------------------------------------- averaging


def test_running_average_is_weighted_by_steps_since_last_update(clock):
    out = FakeStream(tty=False)
    bar = Progbar(10, stateful_metrics=["acc"], unit_name="sample", stream=out)
    bar.update(2, [("loss", 1.0), ("acc", 0.5)])  # 2 samples at 1.0
    bar.update(6, [("loss", 4.0), ("acc", 0.25)])  # 4 samples at 4.0
    bar.update(8, [("loss", 4.0), ("acc", 0.75)], finalize=False)
    total, weight = bar._values["loss"]
    assert total / weight == pytest.approx((2 * 1.0 + 6 * 4.0) / 8)
    assert bar._values["acc"] == [0.75, 1]  # stateful: the latest value, as given
    bar.add(2, [("loss", 9.0), ("acc", 1.0)])  # reaches the target: finalizes
    assert out.getvalue().endswith(" - loss: 9.0000 - acc: 1.0000\n")


def test_stateless_metrics_lists_the_averaged_ones(clock):
    bar = Progbar(10, stateless_metrics=["loss"], stream=FakeStream(tty=False))
    bar.update(2, [("loss", np.array([1.0, 3.0])), ("acc", 0.5)])  # arrays are averaged
    bar.update(4, [("loss", 4.0), ("acc", 0.25)])
    assert bar._metrics_text() == " - loss: 3.0000 - acc: 0.2500"


def test_values_may_be_a_dict(clock):
    bar = Progbar(10, stream=FakeStream(tty=False))
    bar.update(1, {"b": 1.0, "a": 2.0})
    assert bar._metrics_text() == " - b: 1.0000 - a: 2.0000"  # first-seen order


def test_repeated_step_counts_once(clock):
    bar = Progbar(None, stream=FakeStream(tty=False))
    bar.update(2, [("loss", 2.0)])
    bar.update(2, [("loss", 4.0)])
    assert bar._values["loss"] == [2.0 * 2 + 4.0 * 1, 3]


def test_both_metric_lists_is_an_error():
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless_metrics`"):
        Progbar(10, stateful_metrics=["a"], stateless_metrics=["b"])


def test_unencodable_bar_falls_back_to_equals_signs(clock):
    class AsciiStream(FakeStream):
        encoding = "ascii"

        def write(self, s):
            s.encode("ascii")  # raises UnicodeEncodeError like an ASCII console
            return super().write(s)

    out = AsciiStream(tty=False)
    bar = Progbar(2, stream=out)
    bar.update(2, [("loss", 1.0)])
    assert out.getvalue() == "2/2 " + "=" * 20 + " 0s 0s/step - loss: 1.0000\n"


def test_writes_to_current_stdout_by_default(clock, capsys):
    bar = Progbar(1)
    bar.update(1, [("loss", 1.0)])
    assert capsys.readouterr().out == "1/1 " + "━" * 20 + " 0s 0s/step - loss: 1.0000\n"
