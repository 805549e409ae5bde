"""``app.llm.__all__`` lists exactly the package's public names."""

import types

import app.llm


def test_all_is_sorted_and_unique() -> None:
    assert list(app.llm.__all__) == sorted(set(app.llm.__all__))


def test_every_exported_name_exists() -> None:
    missing = [name for name in app.llm.__all__ if not hasattr(app.llm, name)]
    assert missing == []


def test_every_public_member_is_exported() -> None:
    public = {
        name
        for name, value in vars(app.llm).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(app.llm.__all__)
