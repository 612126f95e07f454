"""Uploads are judged by their bytes: accepted kinds, corrected names, refused files with the reason."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop.uploads import ANY, IMAGES, MAX_BYTES, FileKind, UploadRefused, check_upload, detect_kind

OOXML_MAIN = {
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    FileKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}


def ooxml(kind: FileKind) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/main.xml" ContentType="{OOXML_MAIN[kind]}"/></Types>',
        )
        archive.writestr("main.xml", "<doc/>")
    return buffer.getvalue()


def ole(stream: str) -> bytes:
    entry = b"\x00\x00" + stream.encode("utf-16-le") + b"\x00\x00"
    return bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504 + b"Root Entry".ljust(64, b"\x00") + entry


SAMPLES: dict[FileKind, bytes] = {
    FileKind.PDF: b"%PDF-1.7\n%\xe2\xe3\n1 0 obj",
    FileKind.DOCX: ooxml(FileKind.DOCX),
    FileKind.XLSX: ooxml(FileKind.XLSX),
    FileKind.PPTX: ooxml(FileKind.PPTX),
    FileKind.DOC: ole("WordDocument"),
    FileKind.XLS: ole("Workbook"),
    FileKind.PPT: ole("PowerPoint Document"),
    FileKind.PNG: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    FileKind.JPEG: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    FileKind.GIF: b"GIF89a\x01\x00\x01\x00",
    FileKind.WEBP: b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    FileKind.MP4: b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2",
    FileKind.WEBM: b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm",
    FileKind.MOV: b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00",
}


@pytest.mark.parametrize("kind", list(FileKind))
def test_each_accepted_kind_is_recognised_from_its_bytes(kind: FileKind) -> None:
    assert detect_kind(SAMPLES[kind]) is kind
    checked = check_upload(f"file.{kind.value}", SAMPLES[kind])
    assert (checked.kind, checked.renamed, checked.filename) == (kind, False, f"file.{kind.value}")


def test_a_jpeg_named_png_keeps_its_content_and_gets_the_right_extension() -> None:
    checked = check_upload("board photo.png", SAMPLES[FileKind.JPEG])
    assert (checked.filename, checked.content_type, checked.renamed) == (
        "board photo.jpg",
        "image/jpeg",
        True,
    )


def test_a_word_document_saved_as_zip_is_stored_as_docx() -> None:
    assert check_upload("lesson plan.zip", SAMPLES[FileKind.DOCX]).filename == "lesson plan.docx"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("notes.txt", b"just some text"),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("archive.zip", b"PK\x03\x04not really a zip"),
        ("fake.pdf", b"MZ fake pdf with %PDF- later" + b"x" * 2000),
        ("sheet.xls", bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 100),
    ],
)
def test_anything_else_is_refused_whatever_its_name(name: str, data: bytes) -> None:
    with pytest.raises(UploadRefused, match="not a file type that can be stored"):
        check_upload(name, data)


def test_a_file_over_twenty_mebibytes_is_refused_with_its_size() -> None:
    with pytest.raises(UploadRefused, match=r"20\.0 MiB: files may be at most 20 MiB"):
        check_upload("video.mp4", SAMPLES[FileKind.MP4] + b"\x00" * MAX_BYTES)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(UploadRefused, match="empty"):
        check_upload("x.pdf", b"")


def test_a_photo_field_refuses_a_pdf() -> None:
    with pytest.raises(UploadRefused, match="GIF, JPG, PNG, WEBP"):
        check_upload("photo.pdf", SAMPLES[FileKind.PDF], allowed=IMAGES)


def test_a_path_and_control_characters_are_taken_out_of_the_name() -> None:
    assert check_upload("../../etc/pass\x00wd.pdf", SAMPLES[FileKind.PDF]).filename == "pass_wd.pdf"
    assert check_upload("C:\\Users\\me\\plan.pdf", SAMPLES[FileKind.PDF]).filename == "plan.pdf"


@given(st.binary(max_size=600), st.text(max_size=300))
def test_any_bytes_and_name_either_pass_with_a_safe_name_or_are_refused(data: bytes, name: str) -> None:
    try:
        checked = check_upload(name, data, allowed=ANY)
    except UploadRefused as refused:
        assert str(refused)
    else:
        assert "/" not in checked.filename and len(checked.filename) <= 255
        assert checked.kind is detect_kind(data)
        assert checked.filename.rsplit(".", 1)[-1].lower() in {checked.kind.value, "jpeg", "jpe", "m4v", "qt"}
