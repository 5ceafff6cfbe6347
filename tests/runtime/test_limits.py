"""Resource limits: a run that will not fit is refused before it starts, a state that
grows past the memory allowed or a loop past its step bound stops with a diagnostic."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from qnetlang.codes import Code
from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.runtime.batch import RuntimeFailure
from qnetlang.runtime.limits import Limits, format_size, parse_size, refusal
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.cli.test_check import qnetc

GHZ = """
network lab {{
  node a {{ qubits {n}; }}
}}

protocol p {{
  role x {{
    qubit[{n}] q;
    h q[0];
    for i in 1..{n} {{
      cx q[0], q[i];
    }}
    for i in 0..{n} {{
      report z = measure q[i];
    }}
  }}
}}

run p on lab with x = a {{ shots = {shots}; }}
"""

ENDLESS = """
network lab {
  node a { qubits 1; }
}

protocol p {
  role x {
    int s = 0;
    for i in 0..1000000000 {
      s = (s + i) % 5;
    }
    report s = s;
  }
}

run p on lab with x = a { shots = 1; }
"""

# Endless in every shot, on a measured value: the check does not follow it (fast to check).
ENDLESS_ON_OUTCOME = """
network lab {
  node a { qubits 1; }
}

protocol p {
  role x {
    qubit c = |1>;
    bit m = measure c;
    int s = 0;
    while (m == 1) {
      s = (s + 1) % 5;
    }
    report s = s;
  }
}

run p on lab with x = a;
"""


def one_run(text: str) -> ir.Run:
    result = check(SourceFile("limits.qnet", text))
    assert result.ok and result.ir is not None, [d.message for d in result.diagnostics]
    (run,) = result.ir.runs
    return run


def refused(run: ir.Run, **options: object) -> str:
    with pytest.raises(RuntimeFailure) as failure:
        run_shots(run, **options)  # type: ignore[arg-type]
    diagnostic = failure.value.diagnostic
    assert diagnostic.code == Code.MEMORY_LIMIT and diagnostic.help is not None
    return f"{diagnostic.message} | {diagnostic.help} | " + \
        " | ".join(note.message for note in diagnostic.notes)


def test_forty_entangled_qubits_are_refused_before_running() -> None:
    run = one_run(GHZ.format(n=40, shots=1000))
    assert run.footprint is not None and run.footprint.entangled == 40
    started = time.perf_counter()
    text = refused(run, engine="statevector", limits=Limits(max_memory=parse_size("16GiB")))
    assert time.perf_counter() - started < 1  # refused, not attempted
    assert "40 qubits become entangled in one state of 2**40 amplitudes" in text
    assert "more than the 16 GiB allowed" in text and "x: q[0], x: q[1]" in text
    assert "--engine mbqc" in text and "--max-memory" in text
    assert "--engine stabilizer" in text
    assert "--engine statevector" in refused(run, engine="density",
                                             limits=Limits(max_memory=2 ** 34))


def test_forty_entangled_qubits_of_clifford_gates_run_on_tableaux_by_themselves() -> None:
    result = run_shots(one_run(GHZ.format(n=40, shots=20)),
                       limits=Limits(max_memory=parse_size("1GiB")))
    assert result.engine == "stabilizer"
    assert result.reports["z"].n == 800 and 0 < result.reports["z"].mean < 1


def test_the_refusal_points_at_the_gate_that_makes_the_group() -> None:
    run = one_run(GHZ.format(n=40, shots=1000))
    with pytest.raises(RuntimeFailure) as failure:
        run_shots(run, engine="statevector", limits=Limits(max_memory=2 ** 34))
    span = failure.value.diagnostic.span
    assert span is not None and span.line == 11


def test_a_billion_shots_are_refused_for_the_values_they_keep() -> None:
    """Only when their values are kept: tallied, they take the same memory for any
    number of shots."""
    run = one_run(GHZ.format(n=2, shots=10 ** 9))
    text = refused(run, limits=Limits(max_memory=parse_size("16GiB")), samples=True)
    assert "1,000,000,000 shots" in text and "reported values" in text
    assert "keep fewer shots' values" in text
    assert refusal(run, "statevector", 10 ** 9, 1024, 1, Limits(parse_size("16GiB"))) is None


def test_more_memory_lets_a_refused_run_go() -> None:
    run = one_run(GHZ.format(n=6, shots=64))
    refused(run, engine="density", limits=Limits(max_memory=parse_size("1MiB")))
    result = run_shots(run, engine="density", limits=Limits(max_memory=parse_size("1GiB")))
    assert result.reports["z"].n == 64 * 6


def test_the_engine_refuses_a_state_the_check_did_not_foresee() -> None:
    """`max_memory` bounds what the engines build, however the run got there."""
    run = one_run(GHZ.format(n=12, shots=8))
    run.footprint = None
    for engine in ("statevector", "density", "mbqc"):
        with pytest.raises(RuntimeFailure) as failure:
            run_shots(run, engine=engine, limits=Limits(max_memory=parse_size("64KiB")))
        assert failure.value.diagnostic.code == Code.MEMORY_LIMIT
        assert "this gate would entangle" in failure.value.diagnostic.message


def test_an_endless_loop_stops_at_the_step_bound_naming_its_role_and_line() -> None:
    run = one_run(ENDLESS)
    with pytest.raises(RuntimeFailure) as failure:
        run_shots(run, limits=Limits(max_steps=20_000))
    diagnostic = failure.value.diagnostic
    assert diagnostic.code == Code.STEP_LIMIT
    assert "stopped after 20,000 steps: role `x` may loop for ever here" in diagnostic.message
    assert diagnostic.span is not None and diagnostic.span.line in (9, 10)
    assert "--max-steps" in (diagnostic.help or "")


def test_a_wall_clock_limit_stops_a_long_run() -> None:
    run = one_run(ENDLESS_ON_OUTCOME)
    started = time.perf_counter()
    with pytest.raises(RuntimeFailure) as failure:
        run_shots(run, limits=Limits(max_steps=10 ** 12, max_seconds=0.3))
    assert time.perf_counter() - started < 10
    assert "took longer than the 0.3 s allowed" in failure.value.diagnostic.message


def test_the_step_bound_is_per_batch_and_does_not_depend_on_jobs(tmp_path: Path) -> None:
    run = one_run(GHZ.format(n=3, shots=3000))
    one = run_shots(run, seed=3, limits=Limits(max_steps=200))
    two = run_shots(run, seed=3, jobs=2, limits=Limits(max_steps=200))
    assert one.reports == two.reports


def test_cli_options(tmp_path: Path) -> None:
    program = tmp_path / "endless.qnet"
    program.write_text(ENDLESS_ON_OUTCOME, encoding="utf-8")
    result = qnetc("run", str(program), "--max-steps", "5000")
    assert result.returncode == 1 and "error[E0906]" in result.stderr
    ghz = tmp_path / "ghz.qnet"
    ghz.write_text(GHZ.format(n=40, shots=1000), encoding="utf-8")
    result = qnetc("run", str(ghz), "--max-memory", "8GB", "--engine", "statevector")
    assert result.returncode == 1 and "error[E0907]" in result.stderr
    assert "7.45 GiB allowed" in result.stderr
    for bad in ("lots", "0", "-1GB", "1e99TB"):
        result = qnetc("run", str(ghz), "--max-memory", bad)
        assert result.returncode == 2 and "--max-memory" in result.stderr
    assert qnetc("run", str(program), "--time-limit", "0").returncode == 2


@pytest.mark.parametrize(("text", "size"), [("16GB", 16 * 10 ** 9), ("512MiB", 2 ** 29),
                                            ("2e9", 2 * 10 ** 9), ("1.5 GiB", 3 * 2 ** 29),
                                            ("100kb", 10 ** 5)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_sizes_print_in_binary_units() -> None:
    assert format_size(2 ** 34) == "16 GiB"
    assert format_size(48 * 2 ** 40) == "48 TiB"
    assert format_size(512) == "512 bytes"
