"""Channel and lag layout of window rows.

A window row contains ``n_steps`` past time steps of ``n_channels`` channels,
oldest first and channel-minor::

    [c0(t-L), c1(t-L), ..., c0(t-L+1), c1(t-L+1), ..., c0(t-1), c1(t-1)]

so that ``row.reshape(n_steps, n_channels)`` is the sequence an LSTM reads.
The names :func:`make_windows` gives these columns, ``"<channel>_lag<k>"``,
carry the layout, so estimators can recover it from ``feature_names_in_``.
"""

import re
from dataclasses import dataclass

import numpy as np

_LAG_NAME = re.compile(r"^(?P<channel>.*)_lag(?P<lag>[1-9][0-9]*)$")


@dataclass(frozen=True)
class Layout:
    """Channel names and lags of the columns of window rows."""

    channels: tuple
    lags: tuple  # lag of each time step, oldest (largest) first

    @property
    def n_channels(self):
        return len(self.channels)

    @property
    def n_steps(self):
        return len(self.lags)

    def feature_names(self, steps=None):
        """Return column names for the given time-step positions."""
        if steps is None:
            steps = range(self.n_steps)
        return np.asarray(
            [f"{ch}_lag{self.lags[s]}" for s in steps for ch in self.channels],
            dtype=object,
        )


def lag_names(channels, n_steps):
    """Return the column names of rows with ``n_steps`` lags of ``channels``."""
    return Layout(tuple(channels), tuple(range(n_steps, 0, -1))).feature_names()


def _parse_names(names):
    """Return the layout the names describe, or None if they describe none."""
    parsed = [_LAG_NAME.match(str(name)) for name in names]
    if not parsed or not all(parsed):
        return None
    channels = []
    for match in parsed:
        if match["channel"] in channels:
            break
        channels.append(match["channel"])
    n_channels = len(channels)
    if len(names) % n_channels:
        return None
    lags = []
    for step in range(len(names) // n_channels):
        block = parsed[step * n_channels : (step + 1) * n_channels]
        if [m["channel"] for m in block] != channels:
            return None
        step_lags = {int(m["lag"]) for m in block}
        if len(step_lags) != 1:
            return None
        lags.append(step_lags.pop())
    if any(a <= b for a, b in zip(lags, lags[1:])):
        return None
    return Layout(tuple(channels), tuple(lags))


def infer_layout(n_features, feature_names=None, n_channels=None):
    """Work out the layout of rows with ``n_features`` columns.

    The layout comes from ``feature_names`` when they follow the
    ``"<channel>_lag<k>"`` pattern, otherwise from ``n_channels`` (one
    channel when it is None).

    Raises
    ------
    ValueError
        If ``n_features`` is not a multiple of the channel count, or if
        ``n_channels`` contradicts the names.
    """
    layout = None if feature_names is None else _parse_names(feature_names)
    if layout is not None:
        if n_channels is not None and n_channels != layout.n_channels:
            raise ValueError(
                f"n_channels={n_channels} contradicts the feature names, which "
                f"hold {layout.n_channels} channel(s) {list(layout.channels)}. "
                "Set n_channels=None to take the layout from the names."
            )
        return layout
    n_channels = 1 if n_channels is None else n_channels
    if n_features % n_channels:
        raise ValueError(
            f"X has {n_features} columns, which is not a multiple of "
            f"n_channels={n_channels}. Each row must hold the same number of "
            "time steps of every channel, oldest first and channel-minor."
        )
    channels = tuple(f"x{c}" for c in range(n_channels))
    return Layout(channels, tuple(range(n_features // n_channels, 0, -1)))
