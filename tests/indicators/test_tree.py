"""The roll-up over an agency tree of any depth, on plain nodes (no database)."""

from indicators.figures import Figures
from indicators.selectors import Node, Tree, rolled_up


def tree():
    nodes = {
        1: Node(1, "city", "Thành phố", None),
        2: Node(2, "dept", "Sở Tư pháp", 1),
        3: Node(3, "ward", "Phường", 1),
        4: Node(4, "office", "Phòng", 2),
        5: Node(5, "team", "Tổ", 4),
    }
    t = Tree(nodes)
    for node in nodes.values():
        t.children.setdefault(node.parent_id, []).append(node.id)
    return t


def figures(received):
    f = Figures()
    f.counts["received"] = received
    return f


def test_subtrees_and_ancestors():
    t = tree()
    assert t.subtrees() == {1: {1, 2, 3, 4, 5}, 2: {2, 4, 5}, 3: {3}, 4: {4, 5}, 5: {5}}
    assert t.subtree(2) == {2, 4, 5}
    assert t.ancestors(5) == [5, 4, 2, 1]


def test_a_pair_counts_once_for_each_agency_above_either_side():
    t = tree()
    by_pair = {
        (5, 5): figures(1),  # the team: counts for the team, office, department, city
        (3, 4): figures(10),  # received by the ward, decided by the office
        (3, 3): figures(100),
    }
    rolled = rolled_up(by_pair, t, [1, 2, 3, 4, 5])
    assert {a: f.counts["received"] for a, f in rolled.items()} == {
        1: 111,
        2: 11,
        3: 110,
        4: 11,
        5: 1,
    }
