import pytest

from kgapi.graphql.errors import BadUserInput
from kgapi.graphql.ids import from_global_id, to_global_id
from kgapi.graphql.pagination import check_first, decode_cursor, encode_cursor


def test_cursor_round_trip_keeps_the_sort_key() -> None:
    cursor = encode_cursor("Document", ["pk-kz", 3])
    assert decode_cursor("Document", cursor) == ["pk-kz", 3]


def test_cursor_from_another_list_is_bad_user_input() -> None:
    cursor = encode_cursor("Entity", ["x"])
    with pytest.raises(BadUserInput) as caught:
        decode_cursor("Document", cursor)
    assert caught.value.extensions == {"code": "BAD_USER_INPUT", "argument": "after"}


@pytest.mark.parametrize("garbage", ["%%%", "bm90IGpzb24", "WzFd"])
def test_garbage_cursor_is_bad_user_input(garbage: str) -> None:
    with pytest.raises(BadUserInput, match="after"):
        decode_cursor("Document", garbage)


def test_first_is_bounded() -> None:
    assert check_first(100, 100) == 100
    with pytest.raises(BadUserInput, match="between 0 and 100"):
        check_first(101, 100)
    with pytest.raises(BadUserInput):
        check_first(-1, 100)


def test_global_ids() -> None:
    assert from_global_id(to_global_id("Document", "a-b")) == ("Document", "a-b")
    assert from_global_id("not-an-id!") is None
