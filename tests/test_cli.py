"""python -m glassgrad gradcheck: the table, the exit codes."""

import subprocess
import sys

from glassgrad import cli
from glassgrad.testing.opspecs import runner


def test_gradcheck_one_op_prints_a_table(capsys):
    assert cli.main(["gradcheck", "--op", "mul", "--op", "tanh"]) == 0
    out = capsys.readouterr().out
    assert "max abs err" in out and "mul" in out and "tanh" in out
    assert "2 ops" in out and "FAIL" not in out


def test_unknown_op_exits_2(capsys):
    assert cli.main(["gradcheck", "--op", "no_such_op"]) == 2
    assert "no_such_op" in capsys.readouterr().err


def test_a_failing_check_exits_nonzero(monkeypatch, capsys):
    bad = runner.Row("mul", 1, "(3,)", 0.5, 0.5, False, "gradient of input 0 is wrong")
    monkeypatch.setattr(runner, "run", lambda names, second_order: [bad])
    assert cli.main(["gradcheck"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "gradient of input 0 is wrong" in out


def test_module_entry_point_runs():
    r = subprocess.run([sys.executable, "-m", "glassgrad", "gradcheck", "--op", "exp"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "exp" in r.stdout


def test_demo_runs_and_reports(tmp_path, capsys):
    from glassgrad import demo

    assert demo.main(quick=True, out_dir=str(tmp_path / "demo")) == 0
    out = capsys.readouterr().out
    assert "d out / d w0 = -0.1966" in out
    assert "Test accuracy" in out and "all pass" in out
    assert (tmp_path / "demo" / "accuracy.png").exists()
