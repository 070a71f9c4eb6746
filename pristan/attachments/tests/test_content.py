"""A file's kind is told by its first bytes, never by its name or the type the browser sent."""

import pytest

from pristan.attachments import content

HEIC_START = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


@pytest.mark.parametrize(
    ("start", "kind"),
    [
        (b"%PDF-1.7\n", content.PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", content.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", content.PNG),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", content.WEBP),
        (HEIC_START, content.HEIC),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00", content.HEIC),
    ],
)
def test_each_accepted_kind_is_known_by_its_signature(start, kind):
    assert content.sniff(start) is kind


@pytest.mark.parametrize(
    "start",
    [
        b"<html><script>alert(1)</script>",
        b"<svg xmlns='http://www.w3.org/2000/svg'>",  # an image that runs scripts
        b"PK\x03\x04",  # a ZIP archive, a Word document
        b"GIF89a",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF, but not WebP
        b"\x00\x00\x00\x18ftypisom",  # an MP4 video
        b" %PDF-1.4",  # not at the start
        b"",
    ],
)
def test_anything_else_is_refused(start):
    assert content.sniff(start) is None


def test_only_what_a_browser_draws_is_previewed():
    assert [kind.label for kind in content.KINDS if kind.previewed] == ["PDF", "JPEG", "PNG", "WebP"]
