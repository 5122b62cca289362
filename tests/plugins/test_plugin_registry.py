"""Discovery through entry points: lazy loading, and broken packages named only when used."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from playbook.domain.plugins import PluginNotFoundError
from playbook.plugins import PluginLoadError, PluginRegistry, check_function_node, run_function
from playbook.plugins.schema import metadata_warnings

GOOD = """
from playbook.domain.plugins import FunctionSignature, Plugin, PluginMetadata

class FakePlugin(Plugin):
    def get_metadata(self):
        return PluginMetadata(name="good", version="0.1", functions={
            "ping": FunctionSignature(name="ping")})

    def execute(self, function_name, params):
        return "pong"
"""


def test_builtin_and_example_plugins_are_discovered(registry: PluginRegistry) -> None:
    assert {"python", "http", "my-plugin", "example"} <= set(registry.names())
    assert registry.metadata("my-plugin").description == "Custom functionality for Playbook"
    assert registry.source("my-plugin").package == "my-plugin 1.0.0"


def test_a_plugin_installed_as_a_package_is_found_and_runs(
    install_plugin: Callable[..., None],
) -> None:
    install_plugin("good", GOOD)
    assert run_function(PluginRegistry(), "good", "ping", {}).result == "pong"


def test_listing_plugins_imports_none_of_them(install_plugin: Callable[..., None]) -> None:
    install_plugin("good", GOOD)
    registry = PluginRegistry()
    assert "good" in registry.names()
    assert "fake_playbook_plugin_0" not in sys.modules
    registry.metadata("good")
    assert "fake_playbook_plugin_0" in sys.modules


def test_a_broken_plugin_breaks_only_its_own_use(install_plugin: Callable[..., None]) -> None:
    install_plugin("broken", "import no_such_module_anywhere\n", package="playbook-broken")
    registry = PluginRegistry()
    assert check_function_node(registry, "python", "notify", {"message": "hi"}) == []
    assert run_function(registry, "python", "sleep", {"seconds": 0}).result == 0
    with pytest.raises(PluginLoadError) as raised:
        registry.metadata("broken")
    assert raised.value.message == (
        "plugin 'broken' from package playbook-broken 1.0 is broken: cannot import "
        "fake_playbook_plugin_0:FakePlugin: ModuleNotFoundError: "
        "No module named 'no_such_module_anywhere'"
    )
    assert raised.value.hint == "reinstall or fix the package (fake_playbook_plugin_0:FakePlugin)"


def test_an_entry_point_that_is_not_a_plugin_class_is_broken(
    install_plugin: Callable[..., None],
) -> None:
    install_plugin("odd", "class FakePlugin:\n    pass\n", package="odd-pkg")
    with pytest.raises(PluginLoadError, match=r"odd-pkg 1\.0 is broken: .* is not a subclass"):
        PluginRegistry().metadata("odd")


def test_metadata_that_is_not_made_of_the_models_makes_a_plugin_broken(
    install_plugin: Callable[..., None],
) -> None:
    install_plugin(
        "odd",
        """
        from playbook.domain.plugins import FunctionSignature, Plugin, PluginMetadata

        class FakePlugin(Plugin):
            def get_metadata(self):
                metadata = PluginMetadata(name="odd", version="1")
                metadata.functions = {"go": "not a signature"}
                return metadata

            def execute(self, function_name, params):
                return None
        """,
    )
    with pytest.raises(PluginLoadError) as raised:
        PluginRegistry().metadata("odd")
    assert raised.value.message.endswith(
        "is broken: invalid metadata: function 'go' is not a FunctionSignature"
    )


def test_a_type_playbook_cannot_check_leaves_the_plugin_usable(
    install_plugin: Callable[..., None],
) -> None:
    """1.3 never checked declared types at run time, so such a plugin worked; it still does."""
    install_plugin(
        "loose",
        """
        from playbook.domain.plugins import FunctionSignature, ParameterDef, Plugin, PluginMetadata

        class FakePlugin(Plugin):
            def get_metadata(self):
                return PluginMetadata(name="loose", version="1", functions={
                    "go": FunctionSignature(name="go", parameters={
                        "n": ParameterDef(type="number")})})

            def execute(self, function_name, params):
                return params
        """,
    )
    registry = PluginRegistry()
    assert run_function(registry, "loose", "go", {"n": [1, "two"]}).result == {"n": [1, "two"]}
    assert metadata_warnings(registry.metadata("loose")) == [
        "function 'go' parameter 'n' has type number, which Playbook cannot check; "
        "its values are passed as written"
    ]


def test_get_metadata_raising_makes_a_plugin_broken(install_plugin: Callable[..., None]) -> None:
    install_plugin(
        "raises",
        """
        from playbook.domain.plugins import Plugin

        class FakePlugin(Plugin):
            def get_metadata(self):
                raise RuntimeError("no metadata today")

            def execute(self, function_name, params):
                return None
        """,
    )
    with pytest.raises(
        PluginLoadError, match="get_metadata raised RuntimeError: no metadata today"
    ):
        PluginRegistry().metadata("raises")


def test_two_packages_claiming_one_name_are_reported(install_plugin: Callable[..., None]) -> None:
    install_plugin("dup", GOOD, package="first-pkg")
    install_plugin("dup", GOOD, package="second-pkg")
    with pytest.raises(PluginLoadError) as raised:
        PluginRegistry().metadata("dup")
    assert raised.value.message == (
        "plugin 'dup' is provided by several packages: first-pkg 1.0, second-pkg 1.0"
    )


def test_unknown_plugin_lists_the_installed_ones(registry: PluginRegistry) -> None:
    with pytest.raises(PluginNotFoundError) as raised:
        registry.create("pyhton")
    assert raised.value.message == "unknown plugin 'pyhton'"
    assert raised.value.hint is not None
    assert raised.value.hint.startswith("did you mean 'python'? installed plugins: ")
    assert "http, my-plugin" in raised.value.hint
