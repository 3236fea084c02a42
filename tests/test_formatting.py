"""French number formats."""

from __future__ import annotations

import math

from ctg_analysis.formatting import MISSING, format_number, format_value


def test_french_numbers():
    assert format_number(12345.6, 1) == "12\u202f345,6"
    assert format_number(1234567) == "1\u202f234\u202f567"
    assert format_number(25.66, 1, sign=True) == "+25,7"
    assert format_number(-3.14, 1, sign=True) == "-3,1"
    assert format_number(-0.04, 1, sign=True) == "+0,0"  # no "-0,0"
    assert format_number(math.nan) == MISSING
    assert format_number(None) == MISSING


def test_values_with_units():
    assert format_value(25.7, "%", 1) == "25,7\u00a0%"
    assert format_value(12.3, "‰", 1) == "12,3\u00a0‰"
    assert format_value(21930, "€", 0) == "21\u202f930\u00a0€"
    assert format_value(1234.4, "nombre", 0) == "1\u202f234"
    assert format_value(math.nan, "%", 1) == MISSING
