"""Photo uploads: only real JPEG, PNG and WebP images get in, and never as they came.

Every image is decoded and encoded again by Pillow. That drops EXIF (location!), comments and
anything appended or hidden in the file. Size and pixel limits are checked before decoding, so
a small file that unpacks to gigabytes (a decompression bomb) is refused without being opened.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps

from coopshop.errors import DomainError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
LARGE_SIZE = (1600, 1600)
THUMB_SIZE = (480, 480)
MAX_IMAGES = 6


class ImageRejected(DomainError):
    """The upload is not an image we accept; the message says why and what to do."""


@dataclass(frozen=True)
class ProcessedImage:
    large: bytes
    thumb: bytes
    width: int
    height: int


def looks_like_image(head: bytes) -> bool:
    """The file's first bytes must be a JPEG, PNG or WebP signature, whatever its name says."""
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def not_an_image() -> ImageRejected:
    return ImageRejected(
        _("Dit bestand is geen foto die wij kunnen gebruiken. Kies een JPG-, PNG- of WebP-foto.")
    )


def limits() -> tuple[int, int]:
    config = current_app.config
    return (
        int(config.get("IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES)),
        int(config.get("IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)),
    )


def process_upload(content: bytes) -> ProcessedImage:
    """Check and re-encode an upload. Raises ``ImageRejected`` with a message for the member."""
    max_bytes, max_pixels = limits()
    if len(content) > max_bytes:
        raise ImageRejected(
            _(
                "Deze foto is te groot (meer dan %(mb)d MB). Kies een kleinere foto.",
                mb=max_bytes // (1024 * 1024),
            )
        )
    if not looks_like_image(content[:16]):
        raise not_an_image()
    image = decode(content, max_pixels)
    return ProcessedImage(
        large=encode(image, LARGE_SIZE),
        thumb=encode(image, THUMB_SIZE),
        width=image.width,
        height=image.height,
    )


def decode(content: bytes, max_pixels: int) -> Image.Image:
    """Open and fully decode; a truncated or malformed file fails here, not later."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=sorted(ALLOWED_FORMATS))
            if image.width * image.height > max_pixels:
                raise too_many_pixels()
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_many_pixels() from error
    except (OSError, ValueError, SyntaxError) as error:
        raise not_an_image() from error
    return flatten(ImageOps.exif_transpose(image))


def too_many_pixels() -> ImageRejected:
    return ImageRejected(
        _("Deze foto heeft te veel pixels. Kies een kleinere foto of verklein hem eerst.")
    )


def flatten(image: Image.Image) -> Image.Image:
    """Plain RGB: transparency becomes white, as it would look on the page."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def encode(image: Image.Image, size: tuple[int, int]) -> bytes:
    """A new JPEG without any metadata, at most ``size``."""
    copy = image.copy()
    copy.thumbnail(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()


def new_keys(listing_id: int) -> tuple[str, str]:
    """Random, never reused storage keys for a photo and its thumbnail."""
    token = secrets.token_hex(12)
    return f"listings/{listing_id}/{token}.jpg", f"listings/{listing_id}/{token}-thumb.jpg"
