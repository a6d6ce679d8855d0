"""`same_inputs_once`: a function's last result, given again for a call with the same inputs by
content (frames, arrays, numbers, text, frozen dataclasses). Two tables that draw the same
Monte Carlo samples (the vehicle and the machine technology packs, the vehicle and the machine
battery ownership) compute them once per build instead of once per table: the second gets the
first's result, bit for bit the same numbers; a curated table's printed numbers, parsed when it
is read, are not parsed again by its warning rules (nor by quality.source_findings). One entry
per function unless it says more, so memory holds one set of draws; arrays are returned read-only and frames as copies,
so a caller cannot change what the next caller gets. (In `schemas`, the lowest layer that
computes, so that the schemas' own rules may use it.)
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pandas as pd


def _feed(digest, value) -> None:
    """Add `value`'s content (and its kind, so 1 and "1" differ) to the digest."""
    digest.update(type(value).__name__.encode())
    if isinstance(value, pd.DataFrame):
        digest.update(repr((list(map(str, value.columns)), list(map(str, value.dtypes)), value.shape)).encode())
        if len(value.columns):
            digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
        else:
            _feed(digest, value.index)
    elif isinstance(value, (pd.Series, pd.Index)):
        digest.update(repr((str(value.dtype), len(value), getattr(value, "name", None))).encode())
        digest.update(pd.util.hash_pandas_object(value, index=isinstance(value, pd.Series)).to_numpy().tobytes())
    elif isinstance(value, np.ndarray):
        digest.update(repr((value.dtype.str, value.shape)).encode())
        digest.update(np.ascontiguousarray(value).tobytes() if value.dtype != object else repr(value.tolist()).encode())
    elif isinstance(value, (list, tuple)):
        digest.update(str(len(value)).encode())
        for item in value:
            _feed(digest, item)
    elif dataclasses.is_dataclass(value) and getattr(type(value), "__dataclass_params__").frozen:
        _feed(digest, [getattr(value, f.name) for f in dataclasses.fields(value)])
    elif value is None or isinstance(value, (bool, int, float, str, np.generic)):
        digest.update(repr(value).encode())
    else:
        raise TypeError(f"same_inputs_once cannot key a {type(value).__name__}")  # the call is then computed, not remembered


def content_key(args: tuple, kwargs: dict) -> bytes:
    digest = hashlib.sha256()
    _feed(digest, list(args))
    _feed(digest, sorted(kwargs))
    _feed(digest, [kwargs[k] for k in sorted(kwargs)])
    return digest.digest()


def _frozen(value):
    """The result as handed out: arrays read-only (shared), frames copied, tuples and dicts
    walked."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
        return value
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


def same_inputs_once(fn: Callable | None = None, *, entries: int = 1) -> Callable:
    """`fn`, computed once for calls with the same inputs by content while they are among the
    `entries` most recent (use as @same_inputs_once or @same_inputs_once(entries=n))."""
    if fn is None:
        return functools.partial(same_inputs_once, entries=entries)
    kept: OrderedDict[bytes, object] = OrderedDict()

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            key = content_key(args, kwargs)
        except TypeError:  # an input without a content key (an object column of lists, say): computed as it is
            return fn(*args, **kwargs)
        if key in kept:
            kept.move_to_end(key)
        else:
            while len(kept) >= entries:  # the oldest result is let go before the new one is computed
                kept.popitem(last=False)
            result = fn(*args, **kwargs)
            _frozen(result)
            kept[key] = result
        return _frozen(kept[key])

    call.cache_clear = kept.clear
    return call
