import classifier


def test_every_public_name_imports():
    for name in classifier.__all__:
        assert getattr(classifier, name) is not None, name


def test_public_names_are_sorted_and_unique():
    assert list(classifier.__all__) == sorted(set(classifier.__all__))


def test_every_public_name_loads_from_the_module_that_defines_it():
    assert sorted(classifier._MODULES) == sorted(classifier.__all__)
    for name, module in classifier._MODULES.items():
        assert getattr(classifier, name).__module__ == f"classifier.{module}", name


def test_dir_lists_the_public_names_and_a_wrong_name_is_an_attribute_error():
    assert set(classifier.__all__) <= set(dir(classifier))
    try:
        classifier.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("classifier.no_such_name did not raise")
