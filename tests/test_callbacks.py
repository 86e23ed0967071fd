"""Inline-button callback data: what is encoded decodes to the same button; anything else is None."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.callbacks import MAX_CALLBACK_BYTES, Callback, Op, decode

ARGS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=20)
BIG = st.integers(min_value=-(10**20), max_value=10**20)
CASE_IDS = st.integers(0, 10**12 - 1)
STEPS = st.integers(0, 9999)
VERSIONS = st.integers(0, 10**9 - 1)


def callbacks(
    case: st.SearchStrategy[int] = CASE_IDS,
    step: st.SearchStrategy[int] = STEPS,
    version: st.SearchStrategy[int] = VERSIONS,
    arg: st.SearchStrategy[str] = ARGS,
) -> st.SearchStrategy[Callback]:
    return st.builds(Callback, st.sampled_from(Op), case, step, version, arg)


@given(callbacks())
@example(Callback(Op.TEAM_TOGGLE, 10**12 - 1, 9999, 10**9 - 1, "9" * 20))
@example(Callback(Op.REVIEW, 0, 0, 0, ""))
def test_every_button_in_range_roundtrips(callback: Callback) -> None:
    data = callback.encode()
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert data.isascii()
    assert decode(data) == callback


@given(callbacks(case=BIG, step=BIG, version=BIG, arg=st.text(max_size=80)))
@example(Callback(Op.REVIEW, -1, 2, 3))
@example(Callback(Op.REVIEW, 10**12, 2, 3))
@example(Callback(Op.REVIEW, 1, 10**4, 3))
@example(Callback(Op.REVIEW, 1, 2, 10**9))
@example(Callback(Op.REVIEW, 1, 2, 3, "A"))
@example(Callback(Op.REVIEW, 1, 2, 3, "a:b"))
@example(Callback(Op.REVIEW, 1, 2, 3, "é"))
@example(Callback(Op.REVIEW, 1, 2, 3, "x" * 60))
def test_encode_gives_a_working_button_or_value_error(callback: Callback) -> None:
    try:
        data = callback.encode()
    except ValueError:
        return
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert decode(data) == callback  # never a button that does nothing when pressed


@pytest.mark.parametrize(
    "callback",
    [
        Callback(Op.REVIEW, -1, 2, 3),
        Callback(Op.REVIEW, 1, -2, 3),
        Callback(Op.REVIEW, 1, 2, -3),
        Callback(Op.REVIEW, 10**40, 2, 3),
        Callback(Op.REVIEW, 1, 2, 3, "a" * 70),
        Callback(Op.REVIEW, 1, 2, 3, "a:b"),
    ],
)
def test_an_unusable_button_is_refused_at_encoding(callback: Callback) -> None:
    with pytest.raises(ValueError):
        callback.encode()


def test_known_encodings() -> None:
    assert Callback(Op.REVIEW, 12, 2, 5, "a").encode() == "r:12:2:5:a"
    assert Callback(Op.TEAM_DONE, 3, 5, 7).encode() == "td:3:5:7"
    assert decode("r:12:2:5:k") == Callback(Op.REVIEW, 12, 2, 5, "k")
    assert decode("w:1:3:9") == Callback(Op.WITHDRAW, 1, 3, 9, "")


FORGED = [
    None,
    "",
    "garbage",
    "r",
    "r:",
    "r:1",
    "r:1:2",
    "r:1:2:3:",
    "r:1:2:3:a:b",
    "r:1:2:3:a:",
    "r::2:3",
    "r:1:2:3:4:5:6",
    "zz:1:2:3",
    "q:1:2:3",
    "R:1:2:3",
    "r:-1:2:3",
    "r:1:-2:3",
    "r:1:2:-3",
    "r:+1:2:3",
    "r:1.0:2:3",
    "r:0x1f:2:3",
    "r:1e3:2:3",
    "r: 1:2:3",
    " r:1:2:3",
    "r:1:2:3 ",
    "r:1:2:3\n",
    "r:1:2:3:a\n",
    "r:1:2:3\x00",
    "r:1:2:3:A",
    "r:1:2:3:é",
    "r:1:2:3:a-b",
    "r:١٢:2:3",
    "r:1:٢:3",
    "r:1:2:３",
    "r:1:2:3:٣",
    "é:1:2:3",
    "r:1234567890123:2:3",
    "r:1:12345:3",
    "r:1:2:1234567890",
    "r:1:2:3:" + "a" * 21,
    "r:1:2:3:" + "a" * 60,
    "r:1:2:3" + " " * 64,
    "r;1;2;3",
    '{"op":"r","case":1}',
]


@pytest.mark.parametrize("data", FORGED)
def test_forged_data_decodes_to_none(data: str | None) -> None:
    assert decode(data) is None


@given(st.text(max_size=100))
def test_any_text_decodes_to_none_or_a_valid_button(data: str) -> None:
    callback = decode(data)
    if callback is None:
        return
    assert data.isascii() and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert min(callback.case_id, callback.step, callback.version) >= 0
    assert decode(callback.encode()) == callback


@given(st.binary(max_size=80))
def test_random_bytes_decode_to_none_or_a_valid_button(raw: bytes) -> None:
    data = raw.decode("latin-1")
    callback = decode(data)
    if callback is not None:
        assert decode(callback.encode()) == callback
