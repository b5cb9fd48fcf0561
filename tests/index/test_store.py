"""The SQLite file of the index, opened by several processes."""

from experimaestro.index.store import SQLiteStore


def test_a_store_created_meanwhile_by_another_process_is_kept(tmp_path, monkeypatch):
    """Two processes open a new index at once: the second one read "no tables yet" before
    the first one created them (injected: its first look at the schema sees nothing); it
    must keep the tables and what the first one wrote, not drop them."""
    path = tmp_path / "index.sqlite"
    first = SQLiteStore(path)
    first.put_folders({"some.type": 42})
    looks = []
    real = SQLiteStore._version

    def late(db):
        looks.append(1)
        return None if len(looks) == 1 else real(db)

    monkeypatch.setattr(SQLiteStore, "_version", staticmethod(late))
    second = SQLiteStore(path)
    assert len(looks) == 2  # (it looked again once it held the write lock)
    assert second.folders() == {"some.type": 42}
    assert first.folders() == {"some.type": 42}
    first.close()
    second.close()
