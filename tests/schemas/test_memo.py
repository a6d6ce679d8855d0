"""pipelines/schemas/memo.py: the last result, given again for the same inputs by content."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.schemas.memo import same_inputs_once


def test_a_call_with_the_same_content_is_computed_once_and_other_content_again():
    calls = []

    @same_inputs_once
    def draws(frame: pd.DataFrame, n: int, seed: int = 1):
        calls.append(n)
        return np.full((2, n), float(seed)), frame.assign(total=frame["x"].sum())

    frame = pd.DataFrame({"x": [1.0, 2.0], "name": ["a", "b"]})
    first = draws(frame, 3, seed=5)
    again = draws(frame.copy(), 3, seed=5)  # another frame with the same content
    assert calls == [3]
    assert np.array_equal(first[0], again[0]) and first[1].equals(again[1])
    draws(frame.assign(x=[1.0, 2.5]), 3, seed=5)  # one value changed
    draws(frame.assign(x=[1.0, 2.5]), 3, seed=6)  # another seed
    draws(frame.assign(x=[1.0, 2.5]), 4, seed=6)  # another count
    assert calls == [3, 3, 3, 4]
    draws(frame, 3, seed=5)  # one entry only: the first inputs are computed again
    assert calls == [3, 3, 3, 4, 3]


def test_a_caller_cannot_change_what_the_next_caller_gets():
    @same_inputs_once
    def draws(n: int):
        return np.arange(float(n)), pd.DataFrame({"v": [1, 2]})

    samples, frame = draws(3)
    with pytest.raises(ValueError):
        samples[0] = 99.0  # read-only
    frame.loc[0, "v"] = 99  # a copy
    samples_again, frame_again = draws(3)
    assert samples_again.tolist() == [0.0, 1.0, 2.0] and frame_again["v"].tolist() == [1, 2]


def test_an_input_without_a_content_key_is_computed_every_time():
    calls = []

    @same_inputs_once
    def f(x):
        calls.append(x)
        return 1

    thing = object()
    assert f(thing) == 1 and f(thing) == 1
    assert calls == [thing, thing]
    lists = pd.DataFrame({"a": [[1, 2], [3]]})  # pandas cannot hash lists
    assert f(lists) == 1 and len(calls) == 3


def test_several_entries_are_kept_the_least_recently_used_let_go_first():
    calls = []

    @same_inputs_once(entries=2)
    def f(n):
        calls.append(n)
        return n

    for n in (1, 2, 1, 2, 3, 1):
        f(n)
    assert calls == [1, 2, 3, 1]  # 3 let 1 go (used before 2), so 1 is computed again
