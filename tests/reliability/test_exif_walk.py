"""Finding Exif by walking a JPEG's header segments: any bytes give an answer (no error,
no endless loop), and inserted application segments do not hide or fake Exif."""

from __future__ import annotations

import io
import struct

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from augwise.io.decode import _exif_orientation, _has_exif
from tests.conftest import photo


def _jpeg(orientation: int | None) -> bytes:
    img = Image.fromarray(photo(12, 16))
    buf = io.BytesIO()
    if orientation is None:
        img.save(buf, "JPEG", quality=90)
    else:
        exif = Image.new("RGB", (1, 1)).getexif()
        exif[0x0112] = orientation
        img.save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


PLAIN, ROTATED = _jpeg(None), _jpeg(6)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_after_the_start_marker_give_an_answer(tail: bytes) -> None:
    assert _has_exif(b"\xff\xd8" + tail) in (True, False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0xE2, 0xEF), st.binary(max_size=64)), max_size=5),
       st.booleans())
def test_other_application_segments_neither_hide_nor_fake_exif(
    segments: list[tuple[int, bytes]], rotated: bool
) -> None:
    data = ROTATED if rotated else PLAIN
    extra = b"".join(bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body
                     for marker, body in segments)
    spliced = data[:2] + extra + data[2:]
    assert _has_exif(spliced) is rotated
    assert _exif_orientation(spliced) == (6 if rotated else 1)
