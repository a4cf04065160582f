"""Only real JPEG, PNG and WebP photos get in, re-encoded; everything else is refused with a
clear message and nothing is stored."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from coopshop.catalogue.images import ImageRejected, process_upload
from coopshop.catalogue.models import ListingImage
from coopshop.extensions import db
from tests.catalogue.builders import gen_listing, jpeg_bytes, png_bytes
from tests.conftest import login
from tests.factories import gen_cooperative, gen_member

REFUSED = "Dit bestand is geen foto die wij kunnen gebruiken"


def setup(app):
    with app.app_context():
        member = gen_member(gen_cooperative())
        return gen_listing(member, state="draft").id, member.user.email


def upload(client, listing_id, content: bytes, name="foto.jpg", alt="Een foto"):
    return client.post(
        f"/mijn/aanbod/{listing_id}/fotos",
        data={"photo": (io.BytesIO(content), name, "image/jpeg"), "alt_text": alt},
        content_type="multipart/form-data",
    )


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def image_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ListingImage))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height``: a decompression bomb's trick."""
    real = png_bytes((1, 1))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    patched = struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return real[:8] + patched + real[8 + 25 :]


def webp_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, format="WEBP")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"#!/bin/sh\nrm -rf /\n" + b"x" * 100, "foto.jpg", REFUSED),
        (b"<?php system($_GET['c']); ?>", "foto.png", REFUSED),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "foto.svg",
            REFUSED,
        ),
        (b"GIF89a" + b"\x00" * 50, "foto.gif", REFUSED),
        (jpeg_bytes((400, 300))[:300], "afgebroken.jpg", REFUSED),
        (png_claiming(50_000, 50_000), "bom.png", "te veel pixels"),
        (png_bytes((400, 400), "white") + b"\x00" * 300_000, "groot.png", "te groot"),
    ],
    ids=["script", "php", "svg", "gif", "truncated", "decompression-bomb", "huge-file"],
)
def test_anything_that_is_not_a_real_photo_is_refused_and_nothing_is_stored(
    app, client, content, name, message
):
    listing_id, email = setup(app)
    login(client, email)
    app.config["IMAGE_MAX_BYTES"] = 200_000  # the default (10 MB) is checked below, without HTTP

    response = upload(client, listing_id, content, name)

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert image_count(app) == 0
    assert stored_files(app) == []


@pytest.mark.parametrize(
    "content", [png_bytes(), jpeg_bytes(), webp_bytes()], ids=["png", "jpeg", "webp"]
)
def test_real_photos_are_accepted_and_re_encoded_as_jpeg(app, client, content):
    listing_id, email = setup(app)
    login(client, email)

    assert upload(client, listing_id, content).status_code == 302

    assert image_count(app) == 1
    files = stored_files(app)
    assert len(files) == 2
    for path in files:
        assert path.read_bytes().startswith(b"\xff\xd8\xff")


def test_exif_and_hidden_data_are_stripped(app, client):
    listing_id, email = setup(app)
    login(client, email)
    exif = Image.Exif()
    exif[0x010F] = "Geheime Camera"  # Make
    exif[0x8825] = {2: (52.0, 5.0, 0.0)}  # GPS
    original = jpeg_bytes((200, 150), exif=exif.tobytes()) + b"VERBORGEN-ACHTERAF"

    upload(client, listing_id, original)

    for path in stored_files(app):
        data = path.read_bytes()
        assert b"Geheime Camera" not in data
        assert b"VERBORGEN-ACHTERAF" not in data
        with Image.open(path) as stored:
            assert not stored.getexif()


def test_alt_text_is_required_and_a_seventh_photo_is_refused(app, client):
    listing_id, email = setup(app)
    login(client, email)

    missing_alt = upload(client, listing_id, png_bytes(), alt="")
    assert "Dit veld is verplicht." in missing_alt.get_data(as_text=True)
    for _ in range(6):
        assert upload(client, listing_id, png_bytes()).status_code == 302

    seventh = upload(client, listing_id, png_bytes())

    assert image_count(app) == 6
    assert len(stored_files(app)) == 12
    assert 'enctype="multipart/form-data"' not in seventh.get_data(as_text=True)


def test_photos_are_served_with_their_type_and_a_long_cache_life(app, client):
    listing_id, email = setup(app)
    login(client, email)
    upload(client, listing_id, png_bytes())
    with app.app_context():
        key = db.session.scalar(select(ListingImage.key))

    response = client.get(f"/bestanden/{key}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    response.close()


@pytest.mark.parametrize(
    "path", ["/bestanden/../instance/config.py", "/bestanden/x.svg", "/bestanden/nope.jpg"]
)
def test_only_stored_photos_can_be_fetched(client, path):
    assert client.get(path).status_code == 404


def test_the_default_size_limit_is_ten_megabytes(app):
    oversized = png_bytes() + b"\x00" * (10 * 1024 * 1024)

    with app.test_request_context(), pytest.raises(ImageRejected, match="te groot"):
        process_upload(oversized)
