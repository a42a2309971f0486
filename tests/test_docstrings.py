"""The examples in the public API's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import inspect
from pathlib import Path

import pytest

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
SRC = Path(__file__).resolve().parents[1] / "src"
# every module whose docstrings hold an example: a new example runs from the day it is written
MODULES = sorted(
    ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for p in (SRC / "augwise").rglob("*.py")
    if ">>>" in p.read_text()
)
PUBLIC = {
    "augwise": ["ImageDataGenerator", "ImageDataGenerator.flow",
                "ImageDataGenerator.flow_from_directory", "ImageDataGenerator.flow_from_dataframe",
                "ImageDataGenerator.fit", "ImageDataGenerator.standardize",
                "ImageDataGenerator.random_transform", "ImageDataGenerator.get_random_transform",
                "ImageDataGenerator.apply_transform", "ImageDataGenerator.preview",
                "AugmentConfig", "AugmentConfig.load", "AugmentConfig.from_dict",
                "AugmentConfig.to_dict", "AugmentConfig.python_call"],
    "augwise.doctor": ["diagnose"],
    "augwise.torch": ["as_dataset"],
    "augwise.tune.data": ["load_data", "arrays_data"],
    "augwise.tune.runner": ["tune"],
    "augwise.tune.harm": ["measure_harm"],
}


def run_doctests(name: str) -> doctest.TestResults:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in finder.find(module, name):
        runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(MODULES) > 20
    result = run_doctests(name)
    assert result.failed == 0, capsys.readouterr().out


def _object(module: str, dotted: str) -> object:
    obj: object = importlib.import_module(module)
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize(("module", "name"), [(m, n) for m, ns in PUBLIC.items() for n in ns])
def test_every_public_function_has_a_running_example(module: str, name: str) -> None:
    doc = inspect.getdoc(_object(module, name)) or ""
    examples = doctest.DocTestParser().get_examples(doc)
    assert examples, f"{module}.{name} has no >>> example in its docstring"
    skipped = [e for e in examples if e.options.get(doctest.SKIP)]
    assert len(skipped) < len(examples), f"{module}.{name}: every example is skipped"


def test_a_wrong_example_fails(capsys: pytest.CaptureFixture[str]) -> None:
    test = doctest.DocTestParser().get_doctest(">>> 1 + 1\n3\n", {}, "wrong", None, 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 1
    assert "Expected:\n    3\nGot:\n    2" in capsys.readouterr().out
