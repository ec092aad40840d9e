"""The port of Sparkle's version comparator, checked against the cases of Sparkle's own test
suite (Tests/SUVersionComparisonTest.m), and the sparkle:version of SemVer prereleases."""

from __future__ import annotations

import pytest

from shipyard.updates.versions import compare, sparkle_version

SPARKLE_CASES = [
    ('1.0', '1.1', -1),
    ('1.0', '1.0', 0),
    ('2.0', '1.1', 1),
    ('0.1', '0.0.1', 1),
    ('0.1', '0.1.2', -1),
    ('1.0', '1.0.0', 0),
    ('1.0.0', '1.0', 0),
    ('1.5.5-335d3e2', '1.5.6-b252311', -1),
    ('1.5.5-335d3e2', '1.5.5-a655360', 0),
    ('1.5.6-b252311', '1.5.5-335d3e2', 1),
    ('1.5-335d3e2', '1.5.0-335d3e2', 0),
    ('1.5.0-335d3e2', '1.5-335d3e2', 0),
    ('1.5.5', '1.5.6a1', -1),
    ('1.1.0b1', '1.1.0b2', -1),
    ('1.1.1b2', '1.1.2b1', -1),
    ('1.1.1b2', '1.1.2a1', -1),
    ('1.0a1', '1.0b1', -1),
    ('1.0b1', '1.0', -1),
    ('0.9', '1.0a1', -1),
    ('1.0b', '1.0b2', -1),
    ('1.0b10', '1.0b11', -1),
    ('1.0b9', '1.0b10', -1),
    ('1.0rc', '1.0', -1),
    ('1.0b', '1.0', -1),
    ('1.0pre1', '1.0', -1),
    ('1.0pre1', '1.0.0pre1', 0),
    ('1.0.0pre1', '1.0pre1', 0),
    ('1.0 (1234)', '1.0 (1235)', -1),
    ('1.0b1 (1234)', '1.0 (1234)', -1),
    ('1.0b5 (1234)', '1.0b5 (1235)', -1),
    ('1.0b5 (1234)', '1.0.1b5 (1234)', -1),
    ('1.0.1b5 (1234)', '1.0.1b6 (1234)', -1),
    ('2.0.0.2429', '2.0.0.2430', -1),
    ('1.1.1.1818', '2.0.0.2430', -1),
    ('3.3 (5847)', '3.3.1b1 (5902)', -1),
    ('3.3 (5847)', '3.3.0 (5847)', 0),
    ('3.3.0 (5847)', '3.3 (5847)', 0),
    ('1.1.1.1818', '1.1.1.1818.0', 0),
    ('1.1.1.1818.0', '1.1.1.1818', 0),
    ('3.3b1 (5902)', '3.3.0b1 (5902)', 0),
    ('3.3.0b1 (5902)', '3.3b1 (5902)', 0),
    ('201210251627', '201211051041', -1),
    ('201210251627.0', '201210251627', 0),
    ('201210251627', '201210251627.0', 0),
]


@pytest.mark.parametrize(("a", "b", "expected"), SPARKLE_CASES)
def test_sparkles_own_comparison_cases(a: str, b: str, expected: int) -> None:
    assert compare(a, b) == expected


def test_a_dash_would_hide_the_prerelease_from_sparkle() -> None:
    assert compare("1.1.0-beta.1", "1.1.0") == 0  # why sparkle:version drops the dash
    assert sparkle_version("1.1.0-beta.1") == "1.1.0beta.1"
    assert sparkle_version("1.1.0-rc.2+build.7") == "1.1.0rc.2"
    assert sparkle_version("1.1.0") == "1.1.0"


def test_the_release_sequence_is_strictly_ordered_as_sparkle_sees_it() -> None:
    sequence = [sparkle_version(v) for v in
                ("1.0.0", "1.0.1", "1.1.0-alpha.1", "1.1.0-beta.1", "1.1.0-beta.2",
                 "1.1.0-rc.1", "1.1.0", "1.1.1")]
    for older, newer in zip(sequence, sequence[1:], strict=False):
        assert compare(older, newer) == -1, (older, newer)
        assert compare(newer, older) == 1
