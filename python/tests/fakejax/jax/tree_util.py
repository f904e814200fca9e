"""Test double: tree_map over tuples, lists and dicts."""


def tree_map(f, tree, is_leaf=None):
    if is_leaf is not None and is_leaf(tree):
        return f(tree)
    if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        return type(tree)(tree_map(f, t, is_leaf) for t in tree)
    if isinstance(tree, dict):
        return {k: tree_map(f, v, is_leaf) for k, v in tree.items()}
    return f(tree)


def leaves(tree):
    if isinstance(tree, (tuple, list)) and type(tree).__name__ != \
            "PartitionSpec":
        return [x for t in tree for x in leaves(t)]
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in leaves(v)]
    return [] if tree is None else [tree]
