"""SM4-GCM and SM3-HMAC: ciphertext is randomised and tamper-evident, indexes are keyed."""

import pytest

from wangge.access.crypto import CIPHERTEXT_PREFIX, DataCipher, DecryptionError, sm3_hex

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def test_sm3_matches_the_standard_test_vector():
    # GB/T 32905-2016, example 1: SM3("abc")
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_round_trip_and_randomised_ciphertext():
    cipher = DataCipher.from_hex(KEY)
    a, b = cipher.encrypt("11010519491231002X"), cipher.encrypt("11010519491231002X")
    assert a != b and a.startswith(CIPHERTEXT_PREFIX)
    assert "11010519491231002X" not in a
    assert cipher.decrypt(a) == cipher.decrypt(b) == "11010519491231002X"


def test_encrypting_many_values_at_once_is_encrypting_each():
    """The bulk path (an import commit's) gives tokens `decrypt` reads, each with its own
    nonce, and leaves empty values empty."""
    cipher = DataCipher.from_hex(KEY)
    values = ["13812345678", "", "13812345678", '{"id":"110105********273*","birth":""}', "张三"]
    tokens = cipher.encrypt_many(values)
    assert tokens[1] == "" and tokens[0] != tokens[2]
    assert [cipher.decrypt(t) if t else "" for t in tokens] == values
    assert all(t.startswith(CIPHERTEXT_PREFIX) for t in tokens if t)


def test_many_values_at_once_each_get_their_own_nonce():
    """The nonces of one call come from one read of the random source: still one per value
    (a repeated GCM nonce under one key gives the plaintexts' XOR away)."""
    import base64

    cipher = DataCipher.from_hex(KEY)
    tokens = cipher.encrypt_many(["13812345678"] * 200)
    nonces = {base64.b64decode(t[len(CIPHERTEXT_PREFIX) :])[:12] for t in tokens}
    assert len(nonces) == 200


def test_tampered_ciphertext_is_refused():
    cipher = DataCipher.from_hex(KEY)
    token = cipher.encrypt("13812345678")
    body = token[len(CIPHERTEXT_PREFIX) :]
    flipped = CIPHERTEXT_PREFIX + body[:-6] + ("A" if body[-6] != "A" else "B") + body[-5:]
    with pytest.raises(DecryptionError):
        cipher.decrypt(flipped)


def test_another_key_cannot_decrypt_or_reproduce_the_index():
    mine, theirs = DataCipher.from_hex(KEY), DataCipher.from_hex("ff" * 32)
    with pytest.raises(DecryptionError):
        theirs.decrypt(mine.encrypt("13812345678"))
    assert mine.blind_index("13812345678") != theirs.blind_index("13812345678")


def test_blind_index_is_deterministic_and_not_a_plain_hash():
    cipher = DataCipher.from_hex(KEY)
    assert cipher.blind_index("13812345678") == cipher.blind_index("13812345678")
    assert cipher.blind_index("13812345678") != sm3_hex(b"13812345678")
    assert cipher.blind_index("") == ""


def test_short_keys_are_refused():
    with pytest.raises(ValueError, match="数据密钥太短"):
        DataCipher.from_hex("abcd")
