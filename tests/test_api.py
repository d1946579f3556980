import classifier


def test_every_public_name_imports():
    for name in classifier.__all__:
        assert getattr(classifier, name) is not None, name


def test_public_names_are_sorted_and_unique():
    assert list(classifier.__all__) == sorted(set(classifier.__all__))
