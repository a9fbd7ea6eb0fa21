"""Issue 18: deleting the keys file revokes its keys (it used to keep them as the last good copy)."""

from __future__ import annotations

from levy.api import auth


def test_deleting_the_keys_file_revokes_its_keys_and_keeps_the_environments(tmp_path):
    path = tmp_path / "keys.json"
    secret, _ = auth.add_key(path, "web", "checkout")
    env_secret = auth.new_key()
    store = auth.KeyStore([auth.check_entry("env", "finance", auth.digest(env_secret), where="env")],
                          path, reload_seconds=0)
    assert store.identify(secret).name == "web"
    path.unlink()
    assert store.identify(secret) is None
    assert store.identify(env_secret).name == "env"
    again, _ = auth.add_key(path, "web2", "checkout")  # a new file is read again
    assert store.identify(again).name == "web2" and store.identify(secret) is None
