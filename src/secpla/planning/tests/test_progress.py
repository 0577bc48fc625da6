"""The roll-up rule: examples, and properties that must hold for any tree."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from secpla.planning.progress import Rolled, combine, plan_total, roll_up
from secpla.planning.templatetags.planning import pct

D = Decimal


def leaf(progress, weight=None, code="i"):
    return Rolled(
        key=code, code=code, name=code, level="Iniciativa", depth=2, weight=weight,
        progress=progress, is_initiative=True,
    )  # fmt: skip


def node(children, weight=None, code="n"):
    return Rolled(
        key=code, code=code, name=code, level="Eje", depth=0, weight=weight, children=children
    )


# --- examples -------------------------------------------------------------------------


def test_without_weights_the_parent_is_the_simple_mean():
    assert roll_up(node([leaf(D(20)), leaf(D(50)), leaf(D(80))])).progress == D(50)


def test_with_weights_the_parent_is_the_weighted_mean():
    parent = roll_up(node([leaf(D(100), D(3)), leaf(D(0), D(1))]))
    assert parent.progress == D(75)
    assert parent.weights_incomplete is False


def test_weights_change_the_result_as_documented():
    plain = roll_up(node([leaf(D(100)), leaf(D(0))])).progress
    weighted = roll_up(node([leaf(D(100), D(9)), leaf(D(0), D(1))])).progress
    assert (plain, weighted) == (D(50), D(90))


def test_a_missing_weight_falls_back_to_the_simple_mean_and_says_so():
    parent = roll_up(node([leaf(D(100), D(9)), leaf(D(0))]))
    assert parent.progress == D(50)
    assert parent.weights_incomplete is True


def test_children_without_information_are_left_out_not_counted_as_zero():
    parent = roll_up(node([leaf(D(80)), leaf(None), leaf(None)]))
    assert parent.progress == D(80)
    assert (parent.informed, parent.total) == (1, 3)


def test_a_node_with_no_information_below_has_none():
    parent = roll_up(node([leaf(None), node([leaf(None)], code="m")]))
    assert parent.progress is None
    assert pct(parent.progress) == "sin información"


def test_an_empty_node_has_no_information():
    assert roll_up(node([])).progress is None


def test_rounding_is_half_up_to_one_decimal():
    assert roll_up(node([leaf(D(0)), leaf(D(0)), leaf(D("0.5"))])).progress == D("0.2")
    assert combine([(D("10.25"), None)]) == (D("10.3"), False)


def test_levels_roll_up_through_intermediate_nodes():
    objective_a = node([leaf(D(100)), leaf(D(0))], weight=D(1), code="a")  # 50
    objective_b = node([leaf(D(20))], weight=D(3), code="b")  # 20
    eje = roll_up(node([objective_a, objective_b]))
    assert eje.progress == D("27.5")
    assert plan_total([eje]) == (D("27.5"), False)


def test_an_initiative_whose_status_does_not_count_is_left_out():
    discarded = leaf(D(20), code="x")
    discarded.excluded = True
    parent = roll_up(node([leaf(D(80)), discarded]))
    assert parent.progress == D(80)
    assert (parent.informed, parent.total) == (1, 1)


def test_a_weight_of_a_child_without_information_does_not_count():
    parent = roll_up(node([leaf(D(40), D(1)), leaf(None, D(99))]))
    assert parent.progress == D(40)


# --- properties ------------------------------------------------------------------------

progress_values = st.one_of(
    st.none(), st.decimals(min_value=0, max_value=100, places=1, allow_nan=False)
)
weights = st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=1000, places=2))


def trees(depth=3):
    leaves = st.builds(leaf, progress_values, weights)
    if depth == 0:
        return leaves
    return st.one_of(
        leaves,
        st.builds(
            lambda children, weight: node(children, weight),
            st.lists(trees(depth - 1), min_size=0, max_size=5),
            weights,
        ),
    )


@given(st.lists(trees(), min_size=1, max_size=6))
def test_a_parent_lies_between_its_informed_childrens_min_and_max(children):
    parent = roll_up(node(children))
    informed = [c.progress for c in children if c.progress is not None]
    if not informed:
        assert parent.progress is None
    else:
        assert min(informed) <= parent.progress <= max(informed)
        assert D(0) <= parent.progress <= D(100)


@given(
    st.lists(st.decimals(min_value=0, max_value=100, places=1), min_size=2, max_size=6),
    st.integers(min_value=0, max_value=5),
)
def test_raising_one_childs_weight_pulls_the_parent_towards_it(values, index):
    index %= len(values)
    even = roll_up(node([leaf(v, D(1)) for v in values])).progress
    heavy = roll_up(
        node([leaf(v, D(10) if i == index else D(1)) for i, v in enumerate(values)])
    ).progress
    target = values[index]
    # Closer to (or as close as) the heavier child's value, up to rounding.
    assert abs(heavy - target) <= abs(even - target) + D("0.1")


@given(st.lists(progress_values, min_size=1, max_size=8))
def test_equal_weights_give_the_same_result_as_no_weights(values):
    plain = roll_up(node([leaf(v) for v in values])).progress
    weighted = roll_up(node([leaf(v, D(2)) for v in values])).progress
    assert plain == weighted
