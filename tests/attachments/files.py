"""Real files of each kind, made in memory: what a phone or a desktop would upload."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from PIL import Image

CONTENT_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def jpeg_with_gps(size: tuple[int, int] = (1200, 800)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    exif[0x8825] = {1: "N", 2: (30.0, 39.0, 0.0), 3: "E", 4: (104.0, 4.0, 0.0)}  # GPS: 成都
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment="拍摄于成都工厂")
    return out.getvalue()


def png(size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 128)).save(out, "PNG")
    return out.getvalue()


def pdf(pad: int = 0) -> bytes:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"% " + b"x" * pad + b"\n"
    return body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_DOCX)
        archive.writestr("word/document.xml", "<w:document>技改方案</w:document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["设备", "数量"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A DOCX-shaped archive whose one part unpacks a thousand times over."""
    return docx({"word/media/filler.bin": b"\0" * (60 * 1024 * 1024)})
