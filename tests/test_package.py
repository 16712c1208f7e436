"""The distribution: its licence, metadata and the pinned model weights."""

from __future__ import annotations

import tomllib
from importlib.metadata import metadata, version
from pathlib import Path

import engram
from engram._distribution import DISTRIBUTION
from engram.embedders import onnx

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_licence_is_apache_2_and_ships_in_the_wheel() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text


def test_the_installed_metadata_names_the_project() -> None:
    meta = metadata(DISTRIBUTION)
    assert meta["Name"] == DISTRIBUTION == PROJECT["name"]
    assert version(DISTRIBUTION) == engram.__version__
    assert meta["License-Expression"] == "Apache-2.0"
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert meta.get_all("Project-URL")
    assert (ROOT / "src" / "engram" / "py.typed").exists()


def test_the_model_weights_are_pinned_to_the_measured_version() -> None:
    pin = f"{onnx.WEIGHTS_PACKAGE}=={onnx.WEIGHTS_VERSION}"
    assert pin in PROJECT["dependencies"]
    assert version(onnx.WEIGHTS_PACKAGE) == onnx.WEIGHTS_VERSION
    assert len(onnx.WEIGHTS_SHA256) == 64
