"""The money core: rounding, allocation, the invoice split, refunds, formatting and parsing."""

from dataclasses import asdict
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopshop.money import (
    MAX_CENTS,
    InvalidAmount,
    InvalidRate,
    InvalidRefund,
    InvoiceLineInput,
    LineSplit,
    MixedSignInvoice,
    MoneyError,
    NegativeWeight,
    RefundExceedsLine,
    RefundSplit,
    VatRate,
    ZeroWeights,
    allocate,
    format_eur,
    from_stripe_amount,
    parse_eur,
    pct,
    round_half_up_div,
    split_invoice,
    split_refund,
    to_stripe_amount,
    vat_from_gross,
)

from .cases import INVOICE_CASES, REFUND_CASES, Case, case_id, line_from, split_from

amounts = st.integers(min_value=-(10**12), max_value=10**12)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12)
vat_rates = st.sampled_from(list(VatRate))
levies = st.integers(min_value=0, max_value=10_000)


@st.composite
def positive_weight_lists(draw: st.DrawFn) -> list[int]:
    """Non-negative weights of which at least one is positive (generated, not filtered)."""
    weights = draw(weight_lists)
    if sum(weights) == 0:
        weights[draw(st.integers(0, len(weights) - 1))] = draw(st.integers(1, 10**6))
    return weights


def invoices(min_gross: int = 0) -> st.SearchStrategy[list[InvoiceLineInput]]:
    """Invoices of one to eight lines with non-negative gross amounts and any rates."""
    line = st.builds(InvoiceLineInput, st.integers(min_value=min_gross, max_value=10**7), vat_rates)
    return st.lists(line, min_size=1, max_size=8)


@st.composite
def refundable_lines(draw: st.DrawFn) -> LineSplit:
    """One line, with a positive gross, of a split invoice."""
    return draw(st.sampled_from(split_invoice(draw(invoices(min_gross=1)), draw(levies))))


@st.composite
def steps_adding_up_to(draw: st.DrawFn, whole: int) -> list[int]:
    """Positive amounts, one to nine of them, that add up to ``whole``."""
    cuts = sorted(draw(st.sets(st.integers(1, whole - 1), max_size=8))) if whole > 1 else []
    bounds = [0, *cuts, whole]
    return [end - start for start, end in pairwise(bounds)]


def legs(split: LineSplit | RefundSplit) -> tuple[int, int, int]:
    """The legs a refund reverses, in refund order."""
    return (split.vat, split.levy, split.member)


# --- rounding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(5, 2, 3), (-5, 2, -3), (3, 2, 2), (1, 2, 1), (-1, 2, -1), (4, 3, 1), (5, 3, 2),
     (-4, 3, -1), (-5, 3, -2), (0, 7, 0), (7, 7, 1), (250, 100, 3), (249, 100, 2)],
)  # fmt: skip
def test_division_rounds_halves_away_from_zero(numerator: int, denominator: int, expected: int):
    assert round_half_up_div(numerator, denominator) == expected


@given(amounts, st.integers(min_value=1, max_value=10**6))
def test_division_gives_the_nearest_integer_and_mirrors_negatives(numerator: int, denominator: int):
    quotient = round_half_up_div(numerator, denominator)
    error = 2 * (numerator - quotient * denominator)
    assert abs(error) <= denominator
    if abs(error) == denominator:
        assert abs(quotient * denominator) > abs(numerator)  # a half went away from zero
    assert round_half_up_div(-numerator, denominator) == -quotient


@pytest.mark.parametrize("denominator", [0, -3])
def test_division_refuses_a_denominator_that_is_not_positive(denominator: int):
    with pytest.raises(ValueError, match="positive"):
        round_half_up_div(10, denominator)


@pytest.mark.parametrize("bad", [1.5, True])
def test_money_functions_refuse_anything_but_int_cents(bad: object):
    with pytest.raises(TypeError):
        round_half_up_div(bad, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        allocate(bad, [1])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "basis_points", "expected"),
    [(10000, 2500, 2500), (10002, 2500, 2501), (-10002, 2500, -2501), (80000, 1700, 13600),
     (33333, 7500, 25000), (1, 5000, 1), (1, 4999, 0), (12345, 0, 0), (12345, 10000, 12345)],
)  # fmt: skip
def test_pct_takes_basis_points_rounding_half_up(amount: int, basis_points: int, expected: int):
    assert pct(amount, basis_points) == expected


def test_pct_refuses_negative_basis_points():
    with pytest.raises(InvalidRate):
        pct(100, -1)


@pytest.mark.parametrize(
    ("gross", "rate", "expected"),
    [(12100, 21, 2100), (2500, 9, 206), (999, 0, 0), (334, 21, 58), (3, 21, 1), (1, 21, 0),
     (-12100, 21, -2100), (77777, 9, 6422)],
)  # fmt: skip
def test_vat_is_taken_from_the_gross_rounding_half_up(gross: int, rate: int, expected: int):
    assert vat_from_gross(gross, rate) == expected


def test_vat_refuses_a_negative_rate():
    with pytest.raises(InvalidRate):
        vat_from_gross(100, -9)


# --- allocation -----------------------------------------------------------------------------


def test_allocate_gives_leftover_cents_to_the_largest_remainders():
    assert allocate(100, [1, 2, 3]) == [17, 33, 50]


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [(10, [1, 1, 1], [4, 3, 3]), (2, [1, 1, 1], [1, 1, 0]), (3, [1, 5], [1, 2])],
)
def test_allocate_breaks_ties_towards_the_earlier_part(
    total: int, weights: list[int], expected: list[int]
):
    assert allocate(total, weights) == expected


def test_allocate_mirrors_a_negative_total():
    assert allocate(-10, [1, 1, 1]) == [-4, -3, -3]


def test_allocate_gives_nothing_to_a_zero_weight():
    assert allocate(5, [0, 1, 0, 1]) == [0, 3, 0, 2]


@pytest.mark.parametrize("weights", [[0, 0], []])
def test_allocate_splits_zero_over_zero_weights_as_zeros(weights: list[int]):
    assert allocate(0, weights) == [0] * len(weights)


@pytest.mark.parametrize("weights", [[0, 0], []])
def test_allocate_refuses_to_split_money_over_zero_weights(weights: list[int]):
    with pytest.raises(ZeroWeights):
        allocate(5, weights)


def test_allocate_refuses_a_negative_weight():
    with pytest.raises(NegativeWeight):
        allocate(10, [3, -1])


@given(amounts, positive_weight_lists())
def test_allocated_parts_add_up_to_the_whole(total: int, weights: list[int]):
    assert sum(allocate(total, weights)) == total


@given(st.integers(min_value=0, max_value=10**12), positive_weight_lists())
def test_allocated_parts_are_within_a_cent_of_their_exact_share(total: int, weights: list[int]):
    weight_sum = sum(weights)
    for part, weight in zip(allocate(total, weights), weights, strict=True):
        assert part >= 0
        assert abs(part * weight_sum - total * weight) < weight_sum
        if weight == 0:
            assert part == 0


@given(amounts, positive_weight_lists())
def test_allocate_is_deterministic_and_mirrors_negative_totals(total: int, weights: list[int]):
    parts = allocate(total, weights)
    assert allocate(total, tuple(weights)) == parts
    assert allocate(-total, weights) == [-part for part in parts]


@given(st.integers(min_value=0, max_value=10**6), st.integers(1, 10**6), st.integers(2, 12))
def test_equal_weights_give_the_leftover_to_the_earlier_parts(total: int, weight: int, n: int):
    parts = allocate(total, [weight] * n)
    assert parts == sorted(parts, reverse=True)
    assert max(parts) - min(parts) <= 1


# --- VAT rates and the invoice split --------------------------------------------------------


def test_vat_rates_know_their_percent_and_exempt_is_its_own_rate():
    assert [rate.percent for rate in VatRate] == [21, 9, 0, 0]
    assert VatRate.EXEMPT != VatRate.ZERO


@pytest.mark.parametrize(
    ("value", "expected"),
    [(21, VatRate.STANDARD), ("9", VatRate.REDUCED), (0, VatRate.ZERO),
     ("exempt", VatRate.EXEMPT), (VatRate.EXEMPT, VatRate.EXEMPT)],
)  # fmt: skip
def test_vat_rate_parses_stored_values(value: int | str, expected: VatRate):
    assert VatRate.parse(value) is expected


@pytest.mark.parametrize("value", [6, "high", "", None])
def test_vat_rate_refuses_unknown_rates(value: object):
    with pytest.raises(InvalidRate):
        VatRate.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", INVOICE_CASES, ids=case_id)
def test_invoice_split_matches_the_worked_case(case: Case):
    lines = [line_from(line) for line in case["lines"]]
    splits = split_invoice(lines, case["levy_bp"])
    assert [asdict(split) for split in splits] == case["expected"]


def test_exempt_and_zero_rated_lines_carry_no_vat():
    lines = [InvoiceLineInput(1000, VatRate.ZERO), InvoiceLineInput(999, VatRate.EXEMPT)]
    assert [split.vat for split in split_invoice(lines, 1500)] == [0, 0]


def test_a_free_line_splits_into_zero_legs():
    free = InvoiceLineInput(0, VatRate.STANDARD)
    assert split_invoice([free], 1500) == [LineSplit(0, 0, 0, 0, 0)]


def test_an_empty_invoice_has_no_splits():
    assert split_invoice([], 1500) == []


def test_an_invoice_cannot_mix_positive_and_negative_lines():
    lines = [InvoiceLineInput(1000, VatRate.STANDARD), InvoiceLineInput(-500, VatRate.REDUCED)]
    with pytest.raises(MixedSignInvoice):
        split_invoice(lines, 1500)


@pytest.mark.parametrize("levy_bp", [-1, 10_001])
def test_the_levy_must_be_between_nothing_and_everything(levy_bp: int):
    with pytest.raises(InvalidRate):
        split_invoice([InvoiceLineInput(1000, VatRate.STANDARD)], levy_bp)


def test_line_legs_that_do_not_add_up_are_refused():
    with pytest.raises(ValueError, match="do not add up"):
        LineSplit(gross=1000, vat=100, ex_vat=900, levy=100, member=799)


@given(invoices(), levies)
def test_every_line_splits_into_legs_that_add_up_to_its_gross(
    lines: list[InvoiceLineInput], levy_bp: int
):
    splits = split_invoice(lines, levy_bp)
    assert [split.gross for split in splits] == [line.gross_cents for line in lines]
    for split in splits:
        assert split.vat + split.levy + split.member == split.gross
        assert split.ex_vat == split.gross - split.vat
        assert split.levy == pct(split.ex_vat, levy_bp)
        assert min(split.vat, split.levy, split.member) >= 0


@given(invoices(), levies)
def test_vat_per_rate_group_is_taken_from_the_group_gross(
    lines: list[InvoiceLineInput], levy_bp: int
):
    splits = split_invoice(lines, levy_bp)
    for rate in VatRate:
        group = [split for split, line in zip(splits, lines, strict=True) if line.vat_rate is rate]
        group_gross = sum(split.gross for split in group)
        assert sum(split.vat for split in group) == vat_from_gross(group_gross, rate.percent)


@given(invoices(), levies)
def test_a_credit_note_mirrors_its_invoice(lines: list[InvoiceLineInput], levy_bp: int):
    negated = [InvoiceLineInput(-line.gross_cents, line.vat_rate) for line in lines]
    mirrored = [
        LineSplit(*(-value for value in asdict(split).values()))
        for split in split_invoice(lines, levy_bp)
    ]
    assert split_invoice(negated, levy_bp) == mirrored


# --- refunds --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", REFUND_CASES, ids=case_id)
def test_refund_reverses_every_leg_pro_rata(case: Case):
    (original,) = split_invoice([line_from(case["line"])], case["levy_bp"])
    assert original == split_from(case["original"])
    refund = split_refund(original, case["refund_gross_cents"])
    assert asdict(refund) == case["expected"]


def test_refunding_the_rest_after_a_partial_refund_reverses_the_line_exactly():
    original = LineSplit(gross=12100, vat=2100, ex_vat=10000, levy=1500, member=8500)
    first = split_refund(original, 5000)
    rest = split_refund(original, 7100, already_refunded=first)
    assert first + rest == RefundSplit(vat=2100, levy=1500, member=8500)


def test_a_later_partial_refund_never_takes_a_leg_below_zero():
    # Splitting the cumulative 3869 and subtracting the split of 3868 would give the VAT leg
    # -1 cent here (largest remainder is not monotone in the total); the rest is split instead.
    original = LineSplit(gross=4352, vat=482, ex_vat=3870, levy=2029, member=1841)
    already = split_refund(original, 3868)
    assert legs(already) == (429, 1803, 1636)
    assert legs(split_refund(original, 1, already_refunded=already)) == (0, 1, 0)


@pytest.mark.parametrize("refund", [0, -100])
def test_a_refund_must_be_positive(refund: int):
    original = LineSplit(gross=12100, vat=2100, ex_vat=10000, levy=1500, member=8500)
    with pytest.raises(InvalidRefund, match="positive"):
        split_refund(original, refund)


def test_a_refund_cannot_exceed_what_is_left_of_the_line():
    original = LineSplit(gross=12100, vat=2100, ex_vat=10000, levy=1500, member=8500)
    with pytest.raises(RefundExceedsLine):
        split_refund(original, 12101)
    with pytest.raises(RefundExceedsLine):
        split_refund(original, 7101, already_refunded=split_refund(original, 5000))


def test_an_earlier_refund_larger_than_a_leg_is_refused():
    original = LineSplit(gross=12100, vat=2100, ex_vat=10000, levy=1500, member=8500)
    with pytest.raises(InvalidRefund, match="does not fit"):
        split_refund(original, 1, already_refunded=RefundSplit(vat=2101, levy=0, member=0))


def test_money_errors_are_value_errors_with_names():
    assert issubclass(RefundExceedsLine, InvalidRefund)
    for error in (InvalidAmount, InvalidRate, InvalidRefund, NegativeWeight, ZeroWeights):
        assert issubclass(error, MoneyError)
    assert issubclass(MoneyError, ValueError)


@given(refundable_lines())
def test_a_full_refund_reverses_every_leg_exactly(original: LineSplit):
    assert legs(split_refund(original, original.gross)) == legs(original)


@given(refundable_lines(), st.data())
def test_a_refund_takes_between_nothing_and_all_of_each_leg(
    original: LineSplit, data: st.DataObject
):
    refund_gross = data.draw(st.integers(min_value=1, max_value=original.gross))
    refund = split_refund(original, refund_gross)
    assert refund.gross == refund_gross
    for taken, leg in zip(legs(refund), legs(original), strict=True):
        assert 0 <= taken <= leg


@given(refundable_lines(), st.data())
def test_partial_refunds_adding_up_to_the_gross_reverse_each_leg_exactly(
    original: LineSplit, data: st.DataObject
):
    already = RefundSplit(vat=0, levy=0, member=0)
    for step in data.draw(steps_adding_up_to(original.gross)):
        refund = split_refund(original, step, already_refunded=already)
        assert refund.gross == step
        assert min(legs(refund)) >= 0
        already = already + refund
        assert all(done <= leg for done, leg in zip(legs(already), legs(original), strict=True))
    assert legs(already) == legs(original)


# --- formatting, parsing, Stripe ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "locale", "expected"),
    [(123456, "nl", "€ 1.234,56"), (5, "nl", "€ 0,05"), (0, "nl", "€ 0,00"),
     (123456789, "nl", "€ 1.234.567,89"), (-123456, "nl", "€ -1.234,56"),
     (123456, "en", "€1,234.56"), (-5, "en", "-€0.05")],
)  # fmt: skip
def test_amounts_are_formatted_for_the_reader_locale(cents: int, locale: str, expected: str):
    assert format_eur(cents, locale) == expected


def test_formatting_refuses_floats():
    with pytest.raises(TypeError):
        format_eur(12.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,50", 1250), ("12", 1200), ("1.234,56", 123456), ("€ 12,50", 1250), ("€12,50", 1250),
     ("12,50 €", 1250), ("EUR 12,50", 1250), ("\u20ac\u00a012,50", 1250), ("12.50", 1250),
     ("0.50", 50), ("0,05", 5), ("12,5", 1250), (" 7 ", 700), ("1.234", 123400),
     ("1.234.567,89", 123456789), (",50", 50), ("12,", 1200), ("0", 0),
     ("92233720368547758,07", MAX_CENTS)],
)  # fmt: skip
def test_dutch_amounts_are_parsed_into_cents(text: str, expected: int):
    assert parse_eur(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("   ", "empty"), ("€", "empty"), ("-12,50", "negative"),
     ("€ -5", "negative"), ("\u22125", "negative"), ("12,505", "too_many_decimals"),
     ("abc", "not_a_number"), ("12.5", "not_a_number"), ("1.23.45", "not_a_number"),
     ("1,234.56", "not_a_number"), ("12 50", "not_a_number"), ("12,50,1", "not_a_number"),
     ("+5", "not_a_number"), (",", "not_a_number"), ("0.505", "not_a_number"),
     ("1e3", "not_a_number"), ("\u0663", "not_a_number"),
     ("92233720368547758,08", "too_large"), ("9" * 5000, "too_large")],
)  # fmt: skip
def test_unclear_amounts_are_refused_with_a_reason(text: str, reason: str):
    with pytest.raises(InvalidAmount) as refused:
        parse_eur(text)
    assert refused.value.reason == reason


@given(st.integers(min_value=0, max_value=10**15))
def test_a_formatted_dutch_amount_parses_back_to_the_same_cents(cents: int):
    assert parse_eur(format_eur(cents, "nl")) == cents


@pytest.mark.parametrize("convert", [to_stripe_amount, from_stripe_amount])
def test_stripe_amounts_are_whole_non_negative_cents(convert):
    assert convert(1234) == 1234
    assert convert(0) == 0
    with pytest.raises(InvalidAmount):
        convert(-1)
    with pytest.raises(TypeError):
        convert(12.34)
    with pytest.raises(TypeError):
        convert(True)
