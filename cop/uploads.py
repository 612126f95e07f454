"""What may be uploaded: the kind of a file is read from its bytes, never trusted from its name.

Accepted: PDF; Word, Excel and PowerPoint (current zip-based and legacy OLE formats); PNG, JPEG, GIF and
WebP images; short MP4, WebM and QuickTime videos; at most 20 MiB. Everything else is refused with a
message fit to show as it is.

A file whose name ends in the wrong extension (a JPEG called `photo.png`, a `.docx` saved as `.zip`) is
accepted with its name corrected to the kind its bytes show: the stored type, the download's type and
its name then agree, and the person who picked the file loses nothing. A file whose bytes match no
accepted kind is refused whatever its name says.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from enum import StrEnum

from cop.errors import CopRuleError

MAX_BYTES = 20 * 1024 * 1024
MAX_NAME = 255


class UploadRefused(CopRuleError):
    """The file cannot be stored; the message says why and what would be accepted."""


class FileKind(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    DOC = "doc"
    XLS = "xls"
    PPT = "ppt"
    PNG = "png"
    JPEG = "jpg"
    GIF = "gif"
    WEBP = "webp"
    MP4 = "mp4"
    WEBM = "webm"
    MOV = "mov"


CONTENT_TYPES: dict[FileKind, str] = {
    FileKind.PDF: "application/pdf",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    FileKind.DOC: "application/msword",
    FileKind.XLS: "application/vnd.ms-excel",
    FileKind.PPT: "application/vnd.ms-powerpoint",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.GIF: "image/gif",
    FileKind.WEBP: "image/webp",
    FileKind.MP4: "video/mp4",
    FileKind.WEBM: "video/webm",
    FileKind.MOV: "video/quicktime",
}
# Extensions people's files legitimately carry for each kind; the first is the one a corrected name gets.
EXTENSIONS: dict[FileKind, tuple[str, ...]] = {
    FileKind.JPEG: ("jpg", "jpeg", "jpe"),
    FileKind.MP4: ("mp4", "m4v"),
    FileKind.MOV: ("mov", "qt"),
}
IMAGES = frozenset({FileKind.PNG, FileKind.JPEG, FileKind.GIF, FileKind.WEBP})
VIDEOS = frozenset({FileKind.MP4, FileKind.WEBM, FileKind.MOV})
DOCUMENTS = frozenset(FileKind) - IMAGES - VIDEOS
ANY = frozenset(FileKind)

ACCEPTED_TEXT = "PDF, Word, Excel or PowerPoint documents, PNG/JPEG/GIF/WebP images, or MP4/WebM/MOV videos"
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": FileKind.DOCX,
    "application/vnd.ms-word.document.macroenabled.main+xml": FileKind.DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": FileKind.XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": FileKind.PPTX,
}
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
# The stream each legacy Office format keeps its body in, as its name is written in the OLE directory.
_OLE_STREAMS = (
    ("WordDocument", FileKind.DOC),
    ("Workbook", FileKind.XLS),
    ("Book", FileKind.XLS),
    ("PowerPoint Document", FileKind.PPT),
)
_QUICKTIME_BRANDS = (b"qt  ",)
_MP4_BRANDS = (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass(frozen=True)
class CheckedFile:
    """A file fit to store: the name it keeps, its kind and the content type its bytes show."""

    filename: str
    kind: FileKind
    content_type: str
    size_bytes: int
    renamed: bool  # True when the extension was corrected to match the bytes


def extension_of(kind: FileKind) -> str:
    return EXTENSIONS.get(kind, (kind.value,))[0]


def _ooxml_kind(data: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1_000_000:  # a real one is a few kB: do not inflate a bomb
                return None
            types = archive.read(info).decode("utf-8", "replace").lower()
    except (zipfile.BadZipFile, KeyError, RuntimeError, ValueError, EOFError, NotImplementedError):
        return None
    for content_type, kind in _OOXML_MAIN.items():
        if content_type in types:
            return kind
    return None


def _ole_kind(data: bytes) -> FileKind | None:
    for stream, kind in _OLE_STREAMS:
        # Directory entry names are UTF-16LE, NUL-terminated: the terminator keeps "Book" off "Workbook".
        if b"\x00\x00" + stream.encode("utf-16-le") + b"\x00\x00" in data:
            return kind
    return None


def detect_kind(data: bytes) -> FileKind | None:
    """The kind the bytes show, or None when they are none of the accepted kinds."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return FileKind.GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return FileKind.WEBP
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _QUICKTIME_BRANDS:
            return FileKind.MOV
        return FileKind.MP4 if brand in _MP4_BRANDS or brand.startswith(b"mp4") else None
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:256]:
        return FileKind.WEBM
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(data)
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(data)
    # Readers accept a PDF header later in the first kilobyte, but so would a disguised executable with
    # "%PDF-" inside: only a byte-order mark or blank space may come before it here.
    return FileKind.PDF if data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-") else None


def _clean_name(filename: str) -> str:
    name = _UNSAFE_NAME.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return name or "file"


def _named(filename: str, kind: FileKind) -> tuple[str, bool]:
    """The name with the extension the kind has; True when it had to change."""
    name = _clean_name(filename)
    stem, dot, ext = name.rpartition(".")
    if dot and ext.lower() in EXTENSIONS.get(kind, (kind.value,)):
        fixed, renamed = name, False
    else:
        fixed, renamed = f"{stem if dot else name}.{extension_of(kind)}", True
    if len(fixed) > MAX_NAME:
        fixed = fixed[: MAX_NAME - len(extension_of(kind)) - 1] + "." + extension_of(kind)
    return fixed, renamed


def check_upload(filename: str, data: bytes, *, allowed: frozenset[FileKind] = ANY) -> CheckedFile:
    """Check an upload by its content and size; raise UploadRefused with the reason otherwise."""
    if not data:
        raise UploadRefused(f"“{_clean_name(filename)}” is empty: choose the file again.")
    if len(data) > MAX_BYTES:
        size = len(data) / (1024 * 1024)
        raise UploadRefused(
            f"“{_clean_name(filename)}” is {size:.1f} MiB: files may be at most 20 MiB. "
            "Shorten the video or compress the file, or share a link instead."
        )
    kind = detect_kind(data)
    if kind is None or kind not in allowed:
        what = ACCEPTED_TEXT if allowed == ANY else ", ".join(sorted(k.value.upper() for k in allowed))
        raise UploadRefused(
            f"“{_clean_name(filename)}” is not a file type that can be stored here. Accepted: {what}."
        )
    name, renamed = _named(filename, kind)
    return CheckedFile(name, kind, CONTENT_TYPES[kind], len(data), renamed)
