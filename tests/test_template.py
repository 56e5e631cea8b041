"""template.yaml: lints clean offline and keeps the promises a deployer relies on.

A deploy that goes wrong here goes wrong for real users (another skill could call the function, progress
could vanish with the stack, Alexa could time out first), so each promise is pinned by a test.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.devtools import package

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short tags (!Ref, !GetAtt, !Sub, !If ...) as their long form."""


def _intrinsic(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _intrinsic)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=CfnLoader)


def _only(template: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = [(name, res) for name, res in template["Resources"].items() if res["Type"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {[name for name, _ in found]}"
    return found[0]


@pytest.fixture(scope="module")
def function(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return _only(template, "AWS::Serverless::Function")


@pytest.fixture(scope="module")
def table(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return _only(template, "AWS::DynamoDB::Table")


def test_cfn_lint_reports_nothing() -> None:
    from cfnlint.api import lint_file

    matches = lint_file(TEMPLATE)
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []


def test_function_runs_the_handler_on_python_313_arm64(function: tuple[str, dict[str, Any]]) -> None:
    _, resource = function
    props = resource["Properties"]
    assert props["Handler"] == "lambda_handler.handler"
    assert (ROOT / "lambda_handler.py").is_file()
    assert props["Runtime"] == "python{}.{}".format(*package.LAMBDA_PYTHON)  # what the .pyc are built for
    assert props["Architectures"] == ["arm64"]
    assert package.LAMBDA_PLATFORM.endswith("aarch64")  # the wheels the package downloads


def test_function_answers_before_alexa_gives_up(function: tuple[str, dict[str, Any]]) -> None:
    props = function[1]["Properties"]
    assert props["Timeout"] < 8  # Alexa waits 8 seconds for a response
    assert 512 <= props["MemorySize"] <= 1769  # CPU scales with memory; cold starts are CPU-bound


def test_sam_build_runs_the_package_command(function: tuple[str, dict[str, Any]]) -> None:
    name, resource = function
    assert resource["Metadata"]["BuildMethod"] == "makefile"
    assert resource["Properties"]["CodeUri"] == "."
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = re.search(rf"^build-{name}:.*\n((?:\t.*\n?)+)", makefile, re.MULTILINE)
    assert target, f"Makefile lacks the build-{name} target that sam build runs"
    assert "skill.devtools.package" in target.group(1) or "-m skill package" in target.group(1)
    assert "--unzipped-into" in target.group(1) and "ARTIFACTS_DIR" in target.group(1)


def test_only_our_skill_can_invoke(template: dict[str, Any], function: tuple[str, dict[str, Any]]) -> None:
    props = function[1]["Properties"]
    events = [event for event in props["Events"].values() if event["Type"] == "AlexaSkill"]
    assert events == [{"Type": "AlexaSkill", "Properties": {"SkillId": {"Ref": "SkillId"}}}]
    assert props["Environment"]["Variables"]["SPINE_COACH_SKILL_ID"] == {"Ref": "SkillId"}
    parameter = template["Parameters"]["SkillId"]
    assert "Default" not in parameter  # required: a deploy without a skill id would accept any skill
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("amzn1.ask.skill.0f3e9c7a-1234-4bcd-9ef0-123456789abc")
    for wrong in ("", "amzn1.ask.skill.", "amzn1.echo-sdk-ams.app.1", "arn:aws:lambda:::function:x"):
        assert not pattern.fullmatch(wrong), wrong


def test_progress_table_survives_and_is_protected(table: tuple[str, dict[str, Any]]) -> None:
    _, resource = table
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    props = resource["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True


def _adapter_default(parameter: str) -> object:
    """A default of DynamoDbAdapter.__init__, read from its source: importing the module builds a boto3
    resource at once (it needs a region), and the defaults are all we want to know."""
    spec = importlib.util.find_spec("ask_sdk_dynamodb.adapter")
    assert spec is not None and spec.origin
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            names = [arg.arg for arg in node.args.args]
            with_default = names[len(names) - len(node.args.defaults):]
            defaults = dict(zip(with_default, node.args.defaults, strict=True))
            if parameter in defaults:
                return ast.literal_eval(defaults[parameter])
    raise AssertionError(f"DynamoDbAdapter has no default for {parameter}")


def test_table_key_is_what_the_ask_sdk_adapter_writes(table: tuple[str, dict[str, Any]]) -> None:
    key = _adapter_default("partition_key_name")
    assert key == "id"
    props = table[1]["Properties"]
    assert props["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": key, "AttributeType": "S"}]


def test_function_uses_exactly_that_table(function: tuple[str, dict[str, Any]],
                                          table: tuple[str, dict[str, Any]]) -> None:
    table_name = table[0]
    props = function[1]["Properties"]
    assert props["Environment"]["Variables"]["SPINE_COACH_STORE"] == {"Fn::Sub": f"dynamodb://${{{table_name}}}"}
    assert props["Policies"] == [{"DynamoDBCrudPolicy": {"TableName": {"Ref": table_name}}}]
    assert "LOG_LEVEL" in props["Environment"]["Variables"]


def test_snapstart_is_a_switch_on_published_versions(template: dict[str, Any],
                                                     function: tuple[str, dict[str, Any]]) -> None:
    props = function[1]["Properties"]
    assert props["AutoPublishAlias"]  # SnapStart applies only to published versions
    apply_on = props["SnapStart"]["ApplyOn"]["Fn::If"]
    condition, when_on, when_off = apply_on
    assert (when_on, when_off) == ("PublishedVersions", "None")
    assert template["Conditions"][condition] == {"Fn::Equals": [{"Ref": "EnableSnapStart"}, "true"]}
    parameter = template["Parameters"]["EnableSnapStart"]
    assert parameter["Default"] == "true"
    assert sorted(parameter["AllowedValues"]) == ["false", "true"]


def test_logs_are_json_in_a_group_with_retention(template: dict[str, Any],
                                                  function: tuple[str, dict[str, Any]]) -> None:
    logging_config = function[1]["Properties"]["LoggingConfig"]
    assert logging_config["LogFormat"] == "JSON"
    group = template["Resources"][logging_config["LogGroup"]["Ref"]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30


def test_outputs_give_what_the_console_and_operators_need(template: dict[str, Any],
                                                          function: tuple[str, dict[str, Any]],
                                                          table: tuple[str, dict[str, Any]]) -> None:
    name = function[0]
    values = [output["Value"] for output in template["Outputs"].values()]
    assert {"Fn::GetAtt": [name, "Arn"]} in values
    assert {"Ref": f"{name}.Alias"} in values  # the endpoint to paste into the Alexa console
    assert {"Ref": table[0]} in values
