"""Discovery: plugins by file, helpers private to their folder, presets, refusals."""

import sys

import pytest
from _plugins import plugin_folder

from harness import discovery
from harness.errors import UsageError


def test_a_broken_plugin_is_listed_unavailable_with_its_error_and_others_still_load(toy_dirs):
    plugins = {p.name: p for p in discovery.discover("methods", [toy_dirs["methods"]])}
    assert not plugins["broken"].available
    assert plugins["broken"].reason == "ImportError: this plugin is broken on purpose"
    assert plugins["chance"].available and plugins["flaky"].cls is not None


def test_underscore_files_are_helpers_not_plugins(tmp_path):
    (tmp_path / "_helper.py").write_text("VALUE = 41\n")
    (tmp_path / "uses_helper.py").write_text(
        "from . import _helper\nfrom harness.api import Method\n"
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
    with pytest.raises(UsageError, match=str(missing)):
        discovery.discover("methods", [missing])


def _plugin_folder(folder, value: int, name: str):
    folder.mkdir()
    (folder / "_helper.py").write_text(f"VALUE = {value}\n")
    (folder / "uses.py").write_text(
        "from . import _helper\nfrom harness.api import Method\n"
        f"class Uses(Method):\n    name = {name!r}\n    tasks = ('posture',)\n"
        "    answer = _helper.VALUE\n"
    )


def test_two_folders_with_same_named_helpers_each_get_their_own(tmp_path):
    _plugin_folder(tmp_path / "a", 1, "uses-a")
    _plugin_folder(tmp_path / "b", 2, "uses-b")
    plugins = {p.name: p for p in discovery.discover("methods", [tmp_path / "a", tmp_path / "b"])}
    assert plugins["uses-a"].cls.answer == 1 and plugins["uses-b"].cls.answer == 2
    assert str(tmp_path / "a") not in sys.path  # nothing leaks onto the import path
    assert "_helper" not in sys.modules


def test_a_plugin_cannot_import_another_plugin_by_its_bare_name(tmp_path):
    folder = plugin_folder(
        tmp_path / "m", base="from harness.api import Method\n", derived="import base\n"
    )
    plugins = {p.name: p for p in discovery.discover("methods", [folder])}
    assert not plugins["derived"].available and "base" in plugins["derived"].reason


def test_presets_are_listed_as_methods_of_their_own(tmp_path):
    folder = plugin_folder(
        tmp_path / "m",
        tunable="from harness.api import Method, Preset\n"
        "class Tunable(Method):\n    name = 'tunable'\n    tasks = ('posture', 'action')\n"
        "    presets = {'tunable-big': Preset({'size': 9}, tasks=('posture',), "
        "description='the big one')}\n"
        "    def __init__(self, *, size=1):\n        self.size = size\n",
    )
    plugins = {p.name: p for p in discovery.discover("methods", [folder])}
    big = plugins["tunable-big"]
    assert big.cls is plugins["tunable"].cls
    assert big.create().size == 9 and plugins["tunable"].create().size == 1
    assert big.tasks == ("posture",) and plugins["tunable"].tasks == ("posture", "action")
    assert big.description == "the big one"
    assert discovery.load_plugin("methods", big.path, "tunable-big").create().size == 9


def test_a_plugin_reusing_a_builtin_name_is_refused_naming_both_files(tmp_path):
    folder = plugin_folder(
        tmp_path / "m",
        impostor="from harness.api import Method\n"
        "class Impostor(Method):\n    name = 'chance'\n    tasks = ('posture',)\n",
    )
    plugins = discovery.discover("methods", [folder])
    chance = [p for p in plugins if p.name == "chance"]
    assert chance[0].available and chance[0].path.name == "chance.py"  # the built-in stays
    assert not chance[1].available
    assert "chance.py" in chance[1].reason and chance[1].path.name == "impostor.py"


def test_unknown_method_errors_name_files_that_failed_to_import(toy_dirs):
    plugins = discovery.discover("methods", [toy_dirs["methods"]])
    with pytest.raises(UsageError, match="broken.py .ImportError: this plugin is broken"):
        discovery.select_methods(["nonesuch"], plugins)
