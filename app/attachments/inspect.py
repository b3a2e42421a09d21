"""What an uploaded file is, from its bytes alone (never its name or the client's Content-Type), and
making it safe to store: images re-encoded without their metadata (EXIF, GPS) and given a thumbnail;
Office files opened as the zip archives they are, refused when they would unpack into far more than
they weigh (a zip bomb), hold macros, or are not the document they claim."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype  # type: ignore[import-untyped]
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 25_000_000  # a 25-megapixel photo (~100 MB decoded); more is a bomb, or not a photo
THUMBNAIL_SIZE = (320, 320)
MAX_ZIP_ENTRIES = 5_000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100  # deflate rarely beats 20:1 on real documents; bombs run to 1000:1 and more

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# content type -> (the extensions a name may carry, the one to add when it carries none)
KINDS: dict[str, tuple[frozenset[str], str]] = {
    "image/jpeg": (frozenset({".jpg", ".jpeg"}), ".jpg"),
    "image/png": (frozenset({".png"}), ".png"),
    "image/webp": (frozenset({".webp"}), ".webp"),
    "application/pdf": (frozenset({".pdf"}), ".pdf"),
    XLSX: (frozenset({".xlsx"}), ".xlsx"),
    DOCX: (frozenset({".docx"}), ".docx"),
}
NAMES_ZH = {
    "image/jpeg": "JPEG 图片",
    "image/png": "PNG 图片",
    "image/webp": "WebP 图片",
    "application/pdf": "PDF 文件",
    XLSX: "Excel（.xlsx）表格",
    DOCX: "Word（.docx）文档",
}
# Extensions of other types: a name carrying one lies about the bytes (anything else, "方案 v1.2", is a name).
OTHER_EXTENSIONS = frozenset(
    {
        *(".exe", ".dll", ".bat", ".cmd", ".sh", ".js", ".html", ".htm", ".svg", ".xml", ".txt", ".csv"),
        *(".zip", ".rar", ".7z", ".gz", ".tar", ".doc", ".xls", ".ppt", ".pptx", ".xlsm", ".docm"),
        *(".gif", ".bmp", ".tif", ".tiff", ".heic", ".avif", ".dwg", ".dxf", ".step", ".mp4", ".mov"),
        *(".apk", ".ipa"),
    }
)
# The main part each Office document declares in [Content_Types].xml.
_MAIN_PART = {
    DOCX: ("word/document.xml", "wordprocessingml.document.main+xml"),
    XLSX: ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
}


NOT_OFFICE = "The file is neither an XLSX nor a DOCX document."
NOT_OFFICE_ZH = "该文件不是 XLSX 或 DOCX 文档。"


class Refused(Exception):
    """The bytes are not something we keep. `status` is 415 (not an allowed type) or 422 (an allowed
    type, but broken or dangerous)."""

    def __init__(self, status: int, detail: str, zh: str) -> None:
        super().__init__(detail)
        self.status, self.detail, self.zh = status, detail, zh


@dataclass(frozen=True)
class Inspected:
    content_type: str
    data: bytes  # what to store: the upload, or a re-encoded image
    thumbnail: bytes | None  # WebP, for images


def inspect(data: bytes) -> Inspected:
    """Sniff, check and (for images) re-encode. CPU work: run it in a thread."""
    guess = filetype.guess(data[:8192])
    mime = guess.mime if guess is not None else None
    if mime in ("image/jpeg", "image/png", "image/webp"):
        return _image(data, mime)
    if mime == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise Refused(
                422, "The PDF is cut short (no end-of-file marker).", "PDF 文件不完整（缺少结束标记）。"
            )
        return Inspected(mime, data, None)
    if mime in ("application/zip", DOCX, XLSX):
        return Inspected(_office(data), data, None)
    raise Refused(
        415,
        "Only JPEG, PNG, WebP, PDF, XLSX and DOCX files are taken (judged by their bytes).",
        "只接受 JPEG、PNG、WebP、PDF、XLSX 和 DOCX 文件（按文件内容判断）。",
    )


# What a hostile or broken file can make Pillow or zipfile raise while reading it.
_UNREADABLE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    EOFError,
    ZeroDivisionError,
    struct.error,
    Image.DecompressionBombError,
)


def _image(data: bytes, mime: str) -> Inspected:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise Refused(
                    422,
                    f"The image is {width}×{height} pixels; at most {MAX_PIXELS:,} pixels are taken.",
                    f"图片为 {width}×{height} 像素，最多接受 {MAX_PIXELS:,} 像素。",
                )
            probe.verify()
        return _reencode(data, mime)
    except _UNREADABLE as exc:
        raise Refused(422, f"The image cannot be read: {exc}.", "图片无法读取，文件可能已损坏。") from exc


def _reencode(data: bytes, mime: str) -> Inspected:
    with Image.open(io.BytesIO(data)) as source:
        source.load()
        image = ImageOps.exif_transpose(source)  # keep the orientation the EXIF said, then drop EXIF
    image.info = {}  # no comment, ICC, XMP or EXIF is carried into the saved file
    out = io.BytesIO()
    if mime == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif mime == "image/png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=90)
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "WEBP", quality=80)
    return Inspected(mime, out.getvalue(), thumb_out.getvalue())


_ZIP_ERRORS = (
    zipfile.BadZipFile,
    UnicodeDecodeError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
    EOFError,
    ValueError,
    OSError,
)


def _office(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise Refused(415, NOT_OFFICE, NOT_OFFICE_ZH) from exc
    try:
        with archive:
            return _office_kind(archive, len(data))
    except _ZIP_ERRORS as exc:  # encrypted, an unknown compression, a bad CRC …
        raise Refused(422, "The document is damaged or encrypted.", "文档已损坏或已加密。") from exc


def _office_kind(archive: zipfile.ZipFile, size: int) -> str:
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _bomb(f"it holds {len(entries)} entries")
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > MAX_UNZIPPED_BYTES or unzipped > MAX_ZIP_RATIO * max(size, 1):
        raise _bomb(f"{size} bytes unpack into {unzipped}")
    for entry in entries:
        name = PurePosixPath(entry.filename)
        if name.is_absolute() or ".." in name.parts or "\\" in entry.filename:
            raise Refused(422, "The document holds a path outside itself.", "文档内含有越界路径。")
        if entry.compress_size and entry.file_size > MAX_ZIP_RATIO * entry.compress_size:
            raise _bomb(f"{entry.filename} unpacks {entry.file_size // entry.compress_size} times over")
    names = {entry.filename for entry in entries}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise Refused(415, "Documents with macros (.xlsm, .docm) are not taken.", "不接受含宏的文档。")
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError as exc:
        raise Refused(415, "The zip is not an Office document.", "该压缩包不是 Office 文档。") from exc
    if info.file_size > 1024 * 1024:
        raise _bomb("[Content_Types].xml is over 1 MB")
    # Read with a cap: the sizes an archive declares are the uploader's to forge.
    with archive.open(info) as part:
        declared = part.read(1024 * 1024 + 1).decode("utf-8", "replace")
    for kind, (part_name, main) in _MAIN_PART.items():
        if part_name in names and main in declared:
            return kind
    raise Refused(415, NOT_OFFICE, NOT_OFFICE_ZH)


def _bomb(why: str) -> Refused:
    return Refused(
        422,
        f"The document would unpack into far more than it weighs ({why}): refused as a zip bomb.",
        "文档解压后远大于其本身（疑似压缩炸弹），已拒绝。",
    )


def check_name(filename: str, content_type: str) -> str:
    """The name to keep: as given, with the right extension added when it has none. A name that is a
    path, or whose extension says another type than the bytes, is refused."""
    name = filename.strip()
    if not name or "/" in name or "\\" in name or name in (".", "..") or any(ord(c) < 32 for c in name):
        raise Refused(
            422, "The file name must be a plain name, not a path.", "文件名必须是单纯的名称，不能含路径。"
        )
    if len(name) > 200:
        raise Refused(422, "The file name is longer than 200 characters.", "文件名超过 200 个字符。")
    allowed, default = KINDS[content_type]
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in allowed:
        return name
    if len(name) + len(default) > 200:
        raise Refused(422, "The file name is longer than 200 characters.", "文件名超过 200 个字符。")
    if suffix in {ext for exts, _ in KINDS.values() for ext in exts} or suffix in OTHER_EXTENSIONS:
        raise Refused(
            415,
            f"The file's bytes are {content_type}, but its name says {suffix}.",
            f"文件内容是{NAMES_ZH[content_type]}，但文件名的扩展名是 {suffix}。",
        )
    return name + default
