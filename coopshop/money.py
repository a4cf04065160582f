"""The money core: integer euro cents, rounding, allocation, VAT split, refunds, formatting.

Every amount is an ``int`` of euro cents. There is one rounding primitive
(:func:`round_half_up_div`, half away from zero) and one allocation function
(:func:`allocate`, largest remainder, ties to the earlier part). Everything else in the
project that rounds or splits money goes through these two, so figures agree to the cent
everywhere (DESIGN.md §2). This module imports nothing of the project, Flask or the database.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Self

from babel.numbers import format_currency

BASIS_POINTS_PER_WHOLE = 10_000
# The largest amount a BigInteger column can hold; parsing refuses anything above it.
MAX_CENTS = 2**63 - 1


class MoneyError(ValueError):
    """Base class of every error raised by the money core."""


class InvalidAmount(MoneyError):
    """An amount is negative, malformed or out of range; ``reason`` names which, for messages."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class InvalidRate(MoneyError):
    """A VAT rate, levy or other percentage is unknown or out of range."""


class NegativeWeight(MoneyError):
    """:func:`allocate` was given a negative weight."""


class ZeroWeights(MoneyError):
    """:func:`allocate` was asked to split a non-zero total over weights that are all zero."""


class MixedSignInvoice(MoneyError):
    """An invoice mixes positive and negative lines; credit notes are separate documents."""


class InvalidRefund(MoneyError):
    """A refund is not positive, or the amounts already refunded do not fit the line."""


class RefundExceedsLine(InvalidRefund):
    """A refund is larger than what is left of the line's gross."""


def _require_cents(value: object, name: str) -> int:
    """Return ``value`` if it is an ``int``; raise TypeError for floats, Decimals and bools."""
    # bool is an int subclass; True cents is always a bug, so refuse it too.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int of cents, got {type(value).__name__}")
    return value


# --- rounding -------------------------------------------------------------------------------


def round_half_up_div(numerator: int, denominator: int) -> int:
    """Return numerator / denominator rounded half up (half away from zero), exactly.

    Negative numerators round symmetrically: -2.5 becomes -3, so a credit note mirrors its
    invoice to the cent. Raises TypeError for non-int input and ValueError unless the
    denominator is positive.
    """
    _require_cents(numerator, "numerator")
    _require_cents(denominator, "denominator")
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def pct(amount_cents: int, basis_points: int) -> int:
    """Return ``basis_points`` / 10 000 of an amount, rounded half up (away from zero).

    2500 basis points is 25 %. Raises InvalidRate for negative basis points.
    """
    if basis_points < 0:
        raise InvalidRate(f"basis points must not be negative, got {basis_points}")
    return round_half_up_div(amount_cents * basis_points, BASIS_POINTS_PER_WHOLE)


def vat_from_gross(gross_cents: int, rate_percent: int) -> int:
    """Return the VAT contained in a VAT-inclusive amount, rounded half up (away from zero).

    ``vat = gross * rate / (100 + rate)``. Raises InvalidRate for a negative rate.
    """
    if rate_percent < 0:
        raise InvalidRate(f"VAT rate must not be negative, got {rate_percent}")
    return round_half_up_div(gross_cents * rate_percent, 100 + rate_percent)


# --- allocation -----------------------------------------------------------------------------


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` over parts in proportion to ``weights``; the parts sum to ``total``.

    Rounding: largest remainder. Every part first gets the floor of its exact share; the
    cents left over go one each to the parts with the largest remainders, ties to the earlier
    part. A zero weight gets zero. A negative total is split as its absolute value and negated,
    so a reversal mirrors the original exactly. If all weights are zero, a zero total gives
    all zeros (e.g. a group of free lines) and any other total raises ZeroWeights.
    Raises NegativeWeight for a negative weight and TypeError for non-int input.
    """
    _require_cents(total, "total")
    for weight in weights:
        if _require_cents(weight, "weight") < 0:
            raise NegativeWeight(f"weights must not be negative, got {list(weights)}")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total == 0:
            return [0] * len(weights)
        raise ZeroWeights(f"cannot split {total} cents over weights that are all zero")
    if total < 0:
        return [-part for part in allocate(-total, weights)]
    shares = [divmod(total * weight, weight_sum) for weight in weights]
    parts = [floor for floor, _ in shares]
    leftover = total - sum(parts)
    # Sorting on (-remainder, index) puts the earlier part first among equal remainders.
    by_remainder = sorted(range(len(parts)), key=lambda index: (-shares[index][1], index))
    for index in by_remainder[:leftover]:
        parts[index] += 1
    return parts


# --- VAT rates and the invoice split --------------------------------------------------------


class VatRate(StrEnum):
    """A Dutch VAT rate as stored on a listing. Exempt is 0 % VAT but its own invoice group."""

    STANDARD = "21"
    REDUCED = "9"
    ZERO = "0"
    EXEMPT = "exempt"

    @property
    def percent(self) -> int:
        """The rate in whole percent; exempt counts as 0."""
        return 0 if self is VatRate.EXEMPT else int(self.value)

    @classmethod
    def parse(cls, value: "int | str | VatRate") -> Self:
        """Return the rate for 21, "9", "exempt", ...; raise InvalidRate for anything else."""
        try:
            return cls(str(value))
        except ValueError:
            raise InvalidRate(f"unknown VAT rate {value!r}") from None


@dataclass(frozen=True)
class InvoiceLineInput:
    """One invoice line to split: its total price including VAT, and its VAT rate."""

    gross_cents: int
    vat_rate: VatRate


@dataclass(frozen=True)
class LineSplit:
    """The legs of one invoice line: who gets which part of its gross.

    Raises ValueError on construction if the legs do not add up, so an inconsistent split
    can never reach the ledger.
    """

    gross: int
    vat: int
    ex_vat: int
    levy: int
    member: int

    def __post_init__(self) -> None:
        if self.ex_vat != self.gross - self.vat or self.member != self.ex_vat - self.levy:
            raise ValueError(f"line legs do not add up: {self}")


def split_invoice(lines: Sequence[InvoiceLineInput], levy_bp: int) -> list[LineSplit]:
    """Split every line into VAT, levy and member legs; output order is input order.

    VAT is computed per rate group over the whole invoice (:func:`vat_from_gross`, half up)
    and allocated to the group's lines by gross (:func:`allocate`, largest remainder);
    ``ex_vat = gross - vat``; ``levy = pct(ex_vat, levy_bp)`` (half up);
    ``member = ex_vat - levy``. A credit note (all lines negative) mirrors its invoice.
    Raises InvalidRate unless 0 <= levy_bp <= 10 000 and MixedSignInvoice if the lines mix
    positive and negative amounts.
    """
    if not 0 <= levy_bp <= BASIS_POINTS_PER_WHOLE:
        raise InvalidRate(f"levy must be between 0 and 10000 basis points, got {levy_bp}")
    grosses = [_require_cents(line.gross_cents, "gross_cents") for line in lines]
    # Allocating VAT by gross needs weights of one sign, or a line's VAT could exceed it.
    if any(gross > 0 for gross in grosses) and any(gross < 0 for gross in grosses):
        raise MixedSignInvoice("an invoice cannot mix positive and negative lines")
    vats = _vat_per_line(lines)
    return [_split_line(gross, vat, levy_bp) for gross, vat in zip(grosses, vats, strict=True)]


def _vat_per_line(lines: Sequence[InvoiceLineInput]) -> list[int]:
    """Return each line's VAT: its rate group's VAT over the invoice, allocated by gross."""
    groups: dict[VatRate, list[int]] = {}
    for index, line in enumerate(lines):
        groups.setdefault(VatRate.parse(line.vat_rate), []).append(index)
    vats = [0] * len(lines)
    for rate, indexes in groups.items():
        grosses = [lines[index].gross_cents for index in indexes]
        group_vat = vat_from_gross(sum(grosses), rate.percent)
        # abs(): a credit note's lines are all negative; allocate() negates the parts back.
        for index, vat in zip(indexes, allocate(group_vat, [abs(g) for g in grosses]), strict=True):
            vats[index] = vat
    return vats


def _split_line(gross: int, vat: int, levy_bp: int) -> LineSplit:
    """Return a line's legs given its share of the group VAT."""
    ex_vat = gross - vat
    levy = pct(ex_vat, levy_bp)
    return LineSplit(gross=gross, vat=vat, ex_vat=ex_vat, levy=levy, member=ex_vat - levy)


# --- refunds --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundSplit:
    """The legs a refund takes back from one line: VAT, levy and the member's part."""

    vat: int
    levy: int
    member: int

    @property
    def gross(self) -> int:
        """The refunded amount including VAT."""
        return self.vat + self.levy + self.member

    def __add__(self, other: "RefundSplit") -> "RefundSplit":
        return RefundSplit(self.vat + other.vat, self.levy + other.levy, self.member + other.member)


NO_REFUND = RefundSplit(vat=0, levy=0, member=0)


def split_refund(
    original: LineSplit, refund_gross_cents: int, already_refunded: RefundSplit | None = None
) -> RefundSplit:
    """Split a refund of part of a line over its legs in the order vat, levy, member.

    The refund is allocated (:func:`allocate`, largest remainder, ties to the earlier leg)
    over what is left of each leg after ``already_refunded``. So every step is between zero
    and what is left of each leg, and refunds that add up to the gross reverse every leg
    exactly. (Splitting the cumulative refund and subtracting would not do: largest remainder
    can give a leg one cent *less* for a larger total, which would make a step negative.)
    Raises InvalidRefund if the refund is not positive or ``already_refunded`` does not fit
    the line, and RefundExceedsLine if it is more than is left of the line's gross.
    """
    remaining = _remaining_legs(original, already_refunded or NO_REFUND)
    _require_cents(refund_gross_cents, "refund_gross_cents")
    if refund_gross_cents <= 0:
        raise InvalidRefund(f"a refund must be positive, got {refund_gross_cents}")
    if refund_gross_cents > sum(remaining):
        raise RefundExceedsLine(
            f"refund of {refund_gross_cents} exceeds the {sum(remaining)} cents left "
            f"of the line's {original.gross}"
        )
    vat, levy, member = allocate(refund_gross_cents, remaining)
    return RefundSplit(vat=vat, levy=levy, member=member)


def _remaining_legs(original: LineSplit, already: RefundSplit) -> list[int]:
    """Return what is left of each leg (vat, levy, member); raise InvalidRefund if it cannot be."""
    legs = (original.vat, original.levy, original.member)
    taken = (already.vat, already.levy, already.member)
    if any(leg < 0 for leg in legs):
        raise InvalidRefund(f"only a line with non-negative legs can be refunded: {original}")
    if not all(0 <= done <= leg for done, leg in zip(taken, legs, strict=True)):
        raise InvalidRefund(f"already refunded {already} does not fit the line {original}")
    return [leg - done for leg, done in zip(legs, taken, strict=True)]


# --- formatting, parsing, Stripe ------------------------------------------------------------


@lru_cache(maxsize=8192, typed=True)  # Babel re-parses its pattern on every call; pages repeat prices
def format_eur(cents: int, locale: str = "nl") -> str:
    """Format cents for display: "€ 1.234,56" for nl, "€1,234.56" for en; no rounding needed.

    The Decimal exists only for display (cents scaled by 10^-2, exact). Babel's no-break space
    is replaced by a plain space so the text is the same in templates, PDFs, CSV and tests.
    """
    amount = Decimal(_require_cents(cents, "cents")).scaleb(-2)
    return format_currency(amount, "EUR", locale=locale).replace("\u00a0", " ")


_CURRENCY_MARK = re.compile(r"^(?:€|eur)\s*|\s*(?:€|eur)$", re.IGNORECASE)
# Euros with optional dot thousands groups (not starting with 0), then an optional comma part.
_COMMA_DECIMAL = re.compile(r"([1-9]\d{0,2}(?:\.\d{3})+|\d*)(?:,(\d*))?", re.ASCII)
# "12.50": a single dot followed by exactly two digits is a decimal point (DESIGN brief).
_DOT_DECIMAL = re.compile(r"(\d+)\.(\d{2})", re.ASCII)
_NEGATIVE = re.compile(r"^[-\u2212]")


def parse_eur(text: str) -> int:
    """Parse a Dutch euro amount typed by a person into cents; exact, no rounding.

    Accepts "12", "12,5", "12,50", "1.234,56", "€ 12,50", "12,50 €" and "12.50" (a single
    dot followed by exactly two digits is a decimal point; other dots group thousands).
    Raises InvalidAmount with ``reason`` "empty", "negative", "too_many_decimals",
    "not_a_number" or "too_large".
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    cleaned = _CURRENCY_MARK.sub("", text.strip()).strip()
    if not cleaned:
        raise InvalidAmount("enter an amount, for example 12,50", "empty")
    if _NEGATIVE.match(cleaned):
        raise InvalidAmount(f"the amount must not be negative: {text!r}", "negative")
    euros, decimals = _split_euros_and_decimals(cleaned, text)
    if len(decimals) > 2:
        raise InvalidAmount(f"at most two digits after the comma: {text!r}", "too_many_decimals")
    return _cents_from_parts(euros, decimals, text)


def _split_euros_and_decimals(cleaned: str, text: str) -> tuple[str, str]:
    """Return the euro digits (with any dots) and the decimal digits; raise if neither fits."""
    dot = _DOT_DECIMAL.fullmatch(cleaned)
    if dot:
        return dot.group(1), dot.group(2)
    comma = _COMMA_DECIMAL.fullmatch(cleaned)
    if comma and (comma.group(1) or comma.group(2)):
        return comma.group(1), comma.group(2) or ""
    raise InvalidAmount(f"not an amount in euros, for example 12,50: {text!r}", "not_a_number")


def _cents_from_parts(euros: str, decimals: str, text: str) -> int:
    """Return the cents for euro digits (dots allowed) and 0-2 decimals; raise if too large."""
    euro_digits = euros.replace(".", "").lstrip("0") or "0"
    too_large = InvalidAmount(f"the amount is too large: {text!r}", "too_large")
    # Compare lengths before int(): Python refuses to convert very long digit strings.
    if len(euro_digits) > len(str(MAX_CENTS)):
        raise too_large
    cents = int(euro_digits) * 100 + int(decimals.ljust(2, "0"))
    if cents > MAX_CENTS:
        raise too_large
    return cents


def to_stripe_amount(cents: int) -> int:
    """Return the amount Stripe expects for euros: its smallest unit, which is the cent.

    The one place this conversion lives, so a currency with other units changes only here.
    No rounding is involved. Raises TypeError for non-int and InvalidAmount for negative input.
    """
    if _require_cents(cents, "cents") < 0:
        raise InvalidAmount(f"a Stripe amount must not be negative, got {cents}", "negative")
    return cents


def from_stripe_amount(amount: int) -> int:
    """Return cents for an amount read back from Stripe (euros: the same integer), checked.

    Raises TypeError for non-int and InvalidAmount for negative input.
    """
    if _require_cents(amount, "amount") < 0:
        raise InvalidAmount(f"a Stripe amount must not be negative, got {amount}", "negative")
    return amount
