"""Test double: numpy.empty(n, dtype=object) and reshape, nothing more."""


class ndarray:
    def __init__(self, items, shape):
        self._items = list(items)
        self.shape = tuple(shape)

    def __setitem__(self, index, value):
        self._items[index] = value

    def reshape(self, shape):
        size = 1
        for s in shape:
            size *= s
        assert size == len(self._items), (shape, len(self._items))
        return ndarray(self._items, shape)

    @property
    def flat(self):
        return iter(self._items)


def empty(n, dtype=None):
    assert dtype is object
    return ndarray([None] * n, (n,))
