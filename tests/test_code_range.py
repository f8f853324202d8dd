"""Region code ranges: the indexed range that scopes every household query."""

import pytest

from villages.models import code_range


@pytest.mark.parametrize(
    ("prefix", "upper"),
    [
        ("36", "37"),
        ("3607", "3608"),
        ("3609", "361"),
        ("360799", "3608"),
        ("360731", "360732"),
    ],
)
def test_the_upper_bound_is_digits_only_and_tight(prefix, upper):
    lo, hi = code_range(prefix)
    assert (lo, hi) == (prefix, upper)
    assert hi.isdigit()  # holds under any collation, unlike '360:' on ICU


@pytest.mark.parametrize("prefix", ["3609", "360799", "36"])
def test_every_code_under_the_prefix_is_inside_and_the_neighbours_are_outside(prefix):
    lo, hi = code_range(prefix)
    inside = [prefix, prefix + "0", prefix + "999999", prefix.ljust(12, "9")]
    assert all(lo <= code < hi for code in inside)
    after = str(int(prefix) + 1)
    assert not (lo <= after.ljust(12, "0") < hi)
    before = str(int(prefix) - 1).ljust(12, "9")
    assert not (lo <= before < hi)


def test_a_prefix_of_nines_has_no_code():
    with pytest.raises(ValueError):
        code_range("99")
