"""``app.mqtt.__all__`` lists exactly the package's public names."""

import types

import app.mqtt


def test_all_is_sorted_and_unique() -> None:
    assert list(app.mqtt.__all__) == sorted(set(app.mqtt.__all__))


def test_every_exported_name_exists() -> None:
    missing = [name for name in app.mqtt.__all__ if not hasattr(app.mqtt, name)]
    assert missing == []


def test_every_public_member_is_exported() -> None:
    public = {
        name
        for name, value in vars(app.mqtt).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(app.mqtt.__all__)
