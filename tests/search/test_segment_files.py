"""Whoosh reads a mapped segment through a view, not a private copy, and reads exactly what a copy would give."""

import io

from hypothesis import given
from hypothesis import strategies as st
from whoosh.filedb.structfile import BufferFile

from portal.search import whoosh_adapter

steps = st.lists(st.one_of(
    st.tuples(st.just("read"), st.integers(-1, 40)),
    st.tuples(st.just("readline"), st.integers(-1, 40)),
    st.tuples(st.just("seek"), st.integers(0, 60), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("tell"),),
), max_size=25)


@given(data=st.binary(max_size=50).map(lambda b: b.replace(b"x", b"\n")), script=steps)
def test_a_view_reads_as_a_copy_would(data, script):
    view, copy = whoosh_adapter._ViewFile(memoryview(data)), io.BytesIO(data)
    for step in script:
        name, *args = step
        if name == "seek":
            position, whence = args
            position = -position if whence == 2 else position
            if whence == 2 and position < -len(data):
                continue
            assert view.seek(position, whence) == copy.seek(position, whence)
        else:
            assert getattr(view, name)(*args) == getattr(copy, name)(*args), step
    assert list(whoosh_adapter._ViewFile(memoryview(data))) == list(io.BytesIO(data))


def test_a_mapped_part_is_not_copied():
    backing = bytearray(b"0123456789" * 100)
    part = BufferFile(memoryview(backing))
    sub = part.subset(10, 20)
    backing[10:12] = b"AB"  # a change to the mapping shows through: the same memory, not a copy
    assert sub.read(2) == b"AB" and sub.get(0, 2) == b"AB" and part.get(10, 2) == b"AB"
    assert isinstance(part.file, whoosh_adapter._ViewFile)
