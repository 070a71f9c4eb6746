"""What a file is, told by its first bytes (its magic number), never by its name or by what the
browser said: a file named photo.jpg that is a web page is refused."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str  # as people name it
    extension: str
    previewed: bool  # shown in the browser (images a browser draws, PDFs); else only downloaded


PDF = Kind("application/pdf", "PDF", "pdf", previewed=True)
JPEG = Kind("image/jpeg", "JPEG", "jpg", previewed=True)
PNG = Kind("image/png", "PNG", "png", previewed=True)
WEBP = Kind("image/webp", "WebP", "webp", previewed=True)
HEIC = Kind("image/heic", "HEIC", "heic", previewed=False)  # a phone's photo: most browsers do not draw it

KINDS = (PDF, JPEG, PNG, WEBP, HEIC)
BY_TYPE = {kind.content_type: kind for kind in KINDS}
SNIFFED_BYTES = 32  # enough for every signature below
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def sniff(start: bytes) -> Kind | None:
    """The kind of a file that begins with `start`, or None when it is none that Pristan accepts."""
    if start.startswith(b"%PDF-"):
        return PDF
    if start.startswith(b"\xff\xd8\xff"):
        return JPEG
    if start.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if start[:4] == b"RIFF" and start[8:12] == b"WEBP":
        return WEBP
    if start[4:8] == b"ftyp" and start[8:12] in HEIF_BRANDS:
        return HEIC
    return None


def accepted_labels() -> str:
    return ", ".join(kind.label for kind in KINDS)
