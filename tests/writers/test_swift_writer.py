"""Package.swift: names are Swift identifiers, every other value one string literal per the
Swift grammar, the tools-version line matches its grammar (issue 20, case 5)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.errors import ConfigError
from shipyard.release.publishers.swiftpm import SwiftPMOptions, package_swift
from shipyard.writers import swift
from tests.writers.strategies import anything

#: A Swift single-line string literal: characters other than " \ and line breaks, or one of
#: the escapes the Swift grammar defines (\0 \\ \t \n \r \" \' \u{1-8 hex digits}).
LITERAL = re.compile(r'"((?:[^"\\\n\r]|\\[0\\tnr"\']|\\u\{[0-9a-fA-F]{1,8}\})*)"')
ESCAPE = re.compile(r'\\(?:u\{([0-9a-fA-F]{1,8})\}|(.))')
SIMPLE = {"0": "\0", "\\": "\\", "t": "\t", "n": "\n", "r": "\r", '"': '"', "'": "'"}


def decode(body: str) -> str:
    return ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else SIMPLE[m[2]], body)


def tokenize(source: str) -> tuple[str, list[str]]:
    """The source with each string literal replaced by ``"…"``, and the literals' values.
    A quote or backslash outside a well-formed literal fails the test."""
    values = [decode(m[1]) for m in LITERAL.finditer(source)]
    skeleton = LITERAL.sub('"…"', source)
    assert '\\' not in skeleton and skeleton.count('"') == 2 * len(values), skeleton
    return skeleton, values


def options(**values: Any) -> SwiftPMOptions:
    base: dict[str, Any] = {"repo": "r", "package": "MLXRunner",
                            "download_url": "https://example.com/{name}"}
    return SwiftPMOptions(**{**base, **values})


SKELETON, _ = tokenize(package_swift(options(), "Core", "https://e.com/x.zip", "0" * 64))


@pytest.mark.parametrize(("key", "value"), [
    ("package", 'X", dependencies: [.package(url: "https://evil", from: "1.0")], name: "Y'),
    ("package", "let"),
    ("package", "9lives"),
    ("tools_version", "5.9\nlet evil = 1"),
    ("tools_version", "5"),
    ("platforms", ['.macOS(.v14)], dependencies: [.package(url: "x", from: "1.0")'])])
def test_what_swift_cannot_take_is_refused_at_load(key: str, value: Any) -> None:
    toml = key.replace("_", "-")
    with pytest.raises(ConfigError, match=rf"tool\.shipyard\.publish\.swiftpm\.{toml}"):
        options(**{key: value})


def test_literal_escapes_interpolation_and_quotes() -> None:
    assert swift.string('a"b\\(c)\n\u202e') == '"a\\"b\\\\(c)\\n\\u{202e}"'
    assert swift.tools_version_line("5.10.1") == "// swift-tools-version:5.10.1"
    with pytest.raises(ValueError):
        swift.tools_version_line("5.9 // x")


identifiers = st.from_regex(swift.IDENTIFIER, fullmatch=True).filter(swift.is_identifier)


@settings(max_examples=100, deadline=None)
@given(package=identifiers, target=identifiers, url=anything, checksum=anything,
       tools=st.from_regex(swift.TOOLS_VERSION, fullmatch=True))
def test_every_value_is_one_literal_and_no_declaration_is_added(
        package: str, target: str, url: str, checksum: str, tools: str) -> None:
    source = package_swift(options(package=package, tools_version=tools), target,
                           "https://" + url, checksum)
    skeleton, values = tokenize(source)
    expected_skeleton = SKELETON.replace("5.9", tools, 1)
    assert skeleton == expected_skeleton
    assert values == [package, package, target, target, "https://" + url, checksum]
    assert skeleton.count("let ") == 1 and skeleton.count("import ") == 1
