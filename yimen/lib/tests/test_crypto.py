"""SM4-GCM field encryption and the HMAC-SM3 blind index (a11y-security.md S17)."""

import re
import threading

import pytest

from yimen.lib import crypto


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("FIELD_KEY", "11" * 32)
    monkeypatch.delenv("FIELD_KEYS_OLD", raising=False)
    crypto._keys.cache_clear()
    yield
    crypto._keys.cache_clear()


def test_round_trip_with_a_fresh_nonce_each_time():
    a, b = crypto.encrypt("11010519491231002X"), crypto.encrypt("11010519491231002X")
    assert a != b and crypto.decrypt(a) == crypto.decrypt(b) == "11010519491231002X"
    assert crypto.is_token(a) and not re.search(r"\d{17}[\dXx]", a)
    assert crypto.decrypt(crypto.encrypt("张三 13800138000")) == "张三 13800138000"


def test_a_changed_byte_is_detected():
    token = crypto.encrypt("11010519491231002X")
    prefix, key_id, data = token.split(":", 2)
    flipped = data[:20] + ("A" if data[20] != "A" else "B") + data[21:]
    with pytest.raises(crypto.TamperedError):
        crypto.decrypt(f"{prefix}:{key_id}:{flipped}")
    with pytest.raises(crypto.TamperedError):
        crypto.decrypt("sm4gcm:deadbeef:" + data)  # a key this server does not have
    with pytest.raises(crypto.TamperedError):
        crypto.decrypt("not a token")


def test_rotation_keeps_old_values_readable(monkeypatch):
    old = crypto.encrypt("13800138000")
    monkeypatch.setenv("FIELD_KEY", "22" * 32)
    monkeypatch.setenv("FIELD_KEYS_OLD", "11" * 32)
    crypto._keys.cache_clear()
    new = crypto.encrypt("13800138000")
    assert old.split(":")[1] != new.split(":")[1]
    assert crypto.decrypt(old) == crypto.decrypt(new) == "13800138000"


def test_blind_index_is_stable_normalised_and_keyed(monkeypatch):
    a = crypto.blind_index("11010519491231002x")
    assert a == crypto.blind_index(" 11010519491231002X ") and len(a) == 64
    assert crypto.blind_index("") == ""
    monkeypatch.setenv("FIELD_KEY", "33" * 32)
    crypto._keys.cache_clear()
    assert crypto.blind_index("11010519491231002X") != a


def test_a_bad_key_is_refused(monkeypatch):
    monkeypatch.setenv("FIELD_KEY", "abcd")
    crypto._keys.cache_clear()
    with pytest.raises(ValueError, match="64 hex digits"):
        crypto.encrypt("x")


def test_the_field_encrypts_on_write_and_decrypts_on_read():
    field = crypto.EncryptedTextField()
    stored = field.get_prep_value("11010519491231002X")
    assert crypto.is_token(stored) and field.from_db_value(stored, None, None) == "11010519491231002X"
    assert field.get_prep_value("") == "" and field.get_prep_value(None) is None
    assert field.get_prep_value(stored) == stored  # already a token: not encrypted twice


def test_processes_starting_at_once_agree_on_one_generated_key(settings, tmp_path, monkeypatch):
    """No FIELD_KEY configured: the first start writes var/.field-key; many at once all read the
    one key that won (a half-written file or an error used to break the first encrypted write)."""
    monkeypatch.delenv("FIELD_KEY", raising=False)
    monkeypatch.delenv("FIELD_KEY_FILE", raising=False)
    settings.VAR_DIR = tmp_path
    start, keys, errors = threading.Barrier(12), [], []

    def read():
        try:
            start.wait()
            keys.append(crypto._master_hex())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(keys)) == 1 and len(bytes.fromhex(keys[0])) == 32
    assert [p.name for p in tmp_path.iterdir()] == [".field-key"]  # no temporary file left
