"""Pictures attached to ideas: checked by decoding them, then re-encoded without metadata.

The file name and extension a browser sends prove nothing, so Pillow opens the data itself;
re-encoding after applying the EXIF orientation drops EXIF (GPS position, camera serial).
"""

import uuid
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGES = 3
MAX_BYTES = 5 * 1024 * 1024
# A small file can declare a huge canvas (a "decompression bomb"); refuse before decoding.
MAX_PIXELS = 40_000_000
MAX_SIDE = 2000
ACCEPT = "image/jpeg,image/png,image/webp"
# Pillow's format name → file extension and the options it is saved with.
FORMATS = {
    "JPEG": ("jpg", {"quality": 85, "optimize": True}),
    "PNG": ("png", {"optimize": True}),
    "WEBP": ("webp", {"quality": 85}),
}


@dataclass(frozen=True)
class PreparedImage:
    """A checked, re-encoded picture with its description, ready to be stored."""

    content: ContentFile
    alt_text: str
    width: int
    height: int


def prepare_image(upload, alt_text: str) -> PreparedImage:
    """Check an uploaded picture and re-encode it; ValidationError says what is wrong."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("The picture is too large (%(size)s); at most %(max)s are allowed.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(MAX_BYTES)}
        )
    upload.seek(0)
    try:
        with Image.open(upload) as original:
            kind = original.format
            if kind not in FORMATS:
                raise ValidationError(_("Please upload a JPEG, PNG or WebP picture."))
            if original.width * original.height > MAX_PIXELS:
                raise ValidationError(_("The picture has too many pixels."))
            original.seek(0)  # first frame of an animation
            original.load()
            image = ImageOps.exif_transpose(original)
    except Image.DecompressionBombError:
        raise ValidationError(_("The picture has too many pixels.")) from None
    except UnidentifiedImageError:
        raise ValidationError(_("This file is not a JPEG, PNG or WebP picture.")) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(_("The picture is damaged and cannot be read.")) from None
    image = _without_metadata(image, kind)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    extension, options = FORMATS[kind]
    buffer = BytesIO()
    image.save(buffer, format=kind, **options)
    name = f"{uuid.uuid4().hex}.{extension}"  # the original name may say who sent it
    return PreparedImage(
        content=ContentFile(buffer.getvalue(), name=name),
        alt_text=alt_text.strip(),
        width=image.width,
        height=image.height,
    )


def _without_metadata(image: Image.Image, kind: str) -> Image.Image:
    """A copy of the pixels only: no EXIF, XMP, text chunks or comments come along."""
    if kind == "JPEG":
        mode = "L" if image.mode in {"L", "1"} else "RGB"
    else:
        has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
        mode = "RGBA" if has_alpha else "RGB"
    pixels = image.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    return clean
