import sys

from harness import discovery


def test_a_broken_plugin_is_listed_unavailable_with_its_error_and_others_still_load(toy_dirs):
    plugins = {p.name: p for p in discovery.discover("methods", [toy_dirs["methods"]])}
    assert not plugins["broken"].available
    assert plugins["broken"].reason == "ImportError: this plugin is broken on purpose"
    assert plugins["chance"].available and plugins["flaky"].cls is not None


def test_underscore_files_are_helpers_not_plugins(tmp_path):
    (tmp_path / "_helper.py").write_text("VALUE = 41\n")
    (tmp_path / "uses_helper.py").write_text(
        "import _helper\nfrom harness.api import Method\n"
        "class Uses(Method):\n    name = 'uses-helper'\n    tasks = ('posture',)\n"
        "    answer = _helper.VALUE + 1\n"
    )
    plugins = {p.name: p for p in discovery.discover("methods", [tmp_path])}
    assert "_helper" not in plugins and "helper" not in plugins
    assert plugins["uses-helper"].cls.answer == 42


def test_the_datasets_folder_never_becomes_an_importable_package():
    discovery.discover("datasets")
    assert "datasets" not in sys.modules or not hasattr(sys.modules["datasets"], "mk_synth")


def test_a_missing_plugin_folder_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nope"
    try:
        discovery.discover("methods", [missing])
    except FileNotFoundError as error:
        assert str(missing) in str(error)
    else:
        raise AssertionError("expected FileNotFoundError")
