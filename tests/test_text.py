"""Tests for embedkit.text's file-encoding helpers: where a file stops being UTF-8, and the warning that says so."""

from __future__ import annotations

import pytest

from embedkit.text import BadByte, detect_encoding, first_non_utf8, not_utf8_message


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_first_non_utf8_across_chunk_boundaries(chunk, tmp_path):
    """Check that the first non-UTF-8 byte's line, offset and value are exact whatever the chunk cuts, a character split by a chunk included."""
    p = tmp_path / "t.txt"
    text = "naïve €uro\nthé 😀\n".encode()
    p.write_bytes(text)
    assert first_non_utf8(p, chunk) is None
    p.write_bytes(text + b"caf\xe9\n")
    assert first_non_utf8(p, chunk) == BadByte(line=3, offset=len(text) + 3, value=0xE9)
    p.write_bytes(text + "€".encode()[:2])  # a character cut off by the end of the file
    assert first_non_utf8(p, chunk) == BadByte(line=3, offset=len(text), value=0xE2)


def test_not_utf8_message_and_detection_agree(tmp_path):
    """Check the one warning wording for a Windows-1252 and a Latin-1 file, with and without the place."""
    p = tmp_path / "w.txt"
    p.write_bytes(b"ok\nclich\xe9 \x85\n")
    assert detect_encoding(p) == "cp1252"
    assert not_utf8_message("w.txt", detect_encoding(p), first_non_utf8(p)) == (
        "w.txt is not UTF-8 (line 2: byte 0xe9); read it as Windows-1252 (cp1252)"
    )
    p.write_bytes(b"\x81\n")  # undefined in Windows-1252
    assert not_utf8_message("w.txt", detect_encoding(p)) == "w.txt is not UTF-8; read it as Latin-1"
