"""GTIN check digits (GS1 General Specifications, mod-10 with weights 3 and 1)."""

from __future__ import annotations


def check_digit(body: str) -> int:
    """Check digit for the digits of a GTIN without its last digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    return (
        code.isdigit()
        and len(code) in (8, 12, 13, 14)
        and check_digit(code[:-1]) == int(code[-1])
    )


def to_gtin14(code: str) -> str:
    """GTIN-8/12/13 are GTIN-14 with leading zeros; products store the 14-digit form."""
    if not is_valid_gtin(code):
        raise ValueError(f"{code!r} is not a valid GTIN (length or check digit)")
    return code.zfill(14)


def make_gtin13(prefix_and_item: str) -> str:
    """Append the check digit to 12 digits (company prefix + item reference)."""
    if len(prefix_and_item) != 12 or not prefix_and_item.isdigit():
        raise ValueError("a GTIN-13 body has 12 digits")
    return prefix_and_item + str(check_digit(prefix_and_item))
