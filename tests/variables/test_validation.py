"""Every conversion and validation rule, each with a value it accepts and one it refuses.

Values arrive as text from `--var`; failures name the variable, the source and the expectation.
"""

from __future__ import annotations

import pytest
from variables_support import program_of

from playbook.diagnostics import PlaybookError
from playbook.runtime.variables import VariableSources, bind_variables


def bind_one(definition: str, text: str):
    program = program_of(
        f"""
        [variables]
        X = {definition}

        [runbook]
        title = "t"

        [step]
        type = "Command"
        command_name = "true"
        """
    )
    return bind_variables(program, VariableSources(cli=(f"X={text}",), interactive=False))


CONVERSIONS = [
    ('{ type = "string" }', "42", "42"),
    ('{ type = "int" }', "42", 42),
    ('{ type = "int" }', " -7 ", -7),
    ('{ type = "float" }', "3.14", 3.14),
    ('{ type = "float" }', "2", 2.0),
    ('{ type = "bool" }', "true", True),
    ('{ type = "bool" }', "false", False),
    ('{ type = "bool" }', "True", True),
    ('{ type = "bool" }', "yes", True),
    ('{ type = "bool" }', "no", False),
    ('{ type = "bool" }', "1", True),
    ('{ type = "bool" }', "0", False),
    ('{ type = "list" }', '["a","b"]', ["a", "b"]),
    ('{ type = "dict" }', '{"key":"value"}', {"key": "value"}),
    ("{ default = 5 }", "6", 6),  # the type follows the default's
]


@pytest.mark.parametrize(("definition", "text", "expected"), CONVERSIONS)
def test_text_is_converted_to_the_declared_type(definition, text, expected):
    value = bind_one(definition, text).values["X"]
    assert value == expected
    assert type(value) is type(expected)


FAILURES = [
    (
        '{ type = "int" }',
        "4.5",
        "variable 'X' from --var: expected an int, got '4.5'",
        "X takes an int",
    ),
    (
        '{ type = "float" }',
        "pi",
        "variable 'X' from --var: expected a float, got 'pi'",
        "X takes a number",
    ),
    (
        '{ type = "bool" }',
        "maybe",
        "variable 'X' from --var: expected a bool (true/false, yes/no, 1/0), got 'maybe'",
        "X takes a bool (true/false, yes/no, 1/0)",
    ),
    (
        '{ type = "list" }',
        "a,b",
        "variable 'X' from --var: expected a list written as JSON, got 'a,b' (Expecting value)",
        'X takes a JSON list such as ["a", "b"]',
    ),
    (
        '{ type = "list" }',
        '{"a": 1}',
        """variable 'X' from --var: expected a list written as JSON, got '{"a": 1}'""",
        'X takes a JSON list such as ["a", "b"]',
    ),
    (
        '{ type = "dict" }',
        "[1]",
        "variable 'X' from --var: expected a dict written as JSON, got '[1]'",
        'X takes a JSON object such as {"key": "value"}',
    ),
    (
        '{ choices = ["dev", "prod"] }',
        "qa",
        "variable 'X' from --var: 'qa' is not one of 'dev', 'prod'",
        "X takes a string, one of 'dev', 'prod'",
    ),
    (
        '{ type = "int", min = 60, max = 3600 }',
        "59",
        "variable 'X' from --var: '59' is below the minimum 60",
        "X takes an int, at least 60, at most 3600",
    ),
    (
        '{ type = "int", min = 60, max = 3600 }',
        "3601",
        "variable 'X' from --var: '3601' is above the maximum 3600",
        "X takes an int, at least 60, at most 3600",
    ),
    (
        '{ type = "float", max = 1.5 }',
        "1.6",
        "variable 'X' from --var: '1.6' is above the maximum 1.5",
        "X takes a number, at most 1.5",
    ),
    (
        '{ pattern = "v[0-9]+" }',
        "v1x",
        "variable 'X' from --var: 'v1x' does not match the pattern 'v[0-9]+'",
        "X takes a string, matching 'v[0-9]+'",
    ),
]


@pytest.mark.parametrize(("definition", "text", "message", "hint"), FAILURES)
def test_a_value_breaking_a_rule_is_refused_with_what_was_expected(definition, text, message, hint):
    with pytest.raises(PlaybookError) as error:
        bind_one(definition, text)
    [diagnostic] = error.value.diagnostics
    assert diagnostic.message == message
    assert diagnostic.hint == hint


@pytest.mark.parametrize(
    ("definition", "text", "expected"),
    [
        ('{ choices = ["dev", "prod"] }', "prod", "prod"),
        ('{ type = "int", min = 60, max = 3600 }', "60", 60),
        ('{ type = "int", min = 60, max = 3600 }', "3600", 3600),
        ('{ pattern = "v[0-9]+" }', "v12", "v12"),
    ],
)
def test_values_within_the_rules_are_accepted(definition, text, expected):
    assert bind_one(definition, text).values["X"] == expected


def test_every_invalid_value_is_reported_at_once(write):
    program = program_of(
        """
        [variables]
        A = { type = "int" }
        B = { type = "bool" }

        [runbook]
        title = "t"

        [step]
        type = "Command"
        command_name = "true"
        """
    )
    file = write("v.json", '{"B": "sometimes"}')
    with pytest.raises(PlaybookError) as error:
        bind_variables(program, VariableSources(cli=("A=x",), files=(file,), interactive=False))
    assert [d.message for d in error.value.diagnostics] == [
        "variable 'A' from --var: expected an int, got 'x'",
        f"variable 'B' from --vars-file {file}: expected a bool (true/false, yes/no, 1/0), "
        "got 'sometimes'",
    ]


def test_typed_values_from_files_keep_their_type(write):
    program = program_of(
        """
        [variables]
        PORT = { type = "int" }
        HOSTS = { type = "list" }

        [runbook]
        title = "t"

        [step]
        type = "Command"
        command_name = "true"
        """
    )
    file = write("v.toml", 'PORT = 8080\nHOSTS = ["a", "b"]\n')
    values = bind_variables(program, VariableSources(files=(file,), interactive=False)).values
    assert values == {"PORT": 8080, "HOSTS": ["a", "b"]}


def test_a_variable_written_as_its_own_table_has_the_line_of_its_header():
    program = program_of(
        """
        [runbook]
        title = "t"

        [variables]
        APP = "web"

        [variables.PORT]
        type = "int"
        default = 80

        [deploy]
        type = "Command"
        command_name = "deploy {{ APP }} {{ PORT }}"
        """
    )
    assert [(variable.name, variable.line) for variable in program.variables] == [
        ("APP", 6),
        ("PORT", 8),
    ]
