"""Gate matrices built per shot: once per distinct parameter, in each shot's place."""

from __future__ import annotations

import numpy as np

from qnetlang.quantum.gates import distinct_rows, matrix, per_shot


def test_per_shot_builds_each_distinct_matrix_once() -> None:
    built: list[tuple[float, ...]] = []

    def build(*params: float) -> np.ndarray:
        built.append(params)
        return matrix("rx", params)

    angles = np.array([0.1, 0.7, 0.1, 0.7, 0.1])
    per = per_shot(build, (angles,), 5)
    assert per.shape == (5, 2, 2) and sorted(built) == [(0.1,), (0.7,)]
    assert all(np.allclose(per[b], matrix("rx", (angles[b],))) for b in range(5))
    assert per_shot(build, (0.3,), 5).shape == (2, 2)  # one number: one matrix
    distinct, inverse = distinct_rows((angles, 2.0), 5)
    assert distinct.tolist() == [[0.1, 2.0], [0.7, 2.0]] and inverse.tolist() == [0, 1, 0, 1, 0]
