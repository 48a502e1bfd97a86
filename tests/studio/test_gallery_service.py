"""The gallery service against a real SQLite cache DB and real PNG files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from app.context import AppContext
from app.services.gallery import GalleryQuery, GalleryService, ImageMetadata
from app.services.gallery.files import sanitize_filename
from app.services.gallery.metadata import read_metadata
from tests.studio.helpers import png_bytes


@pytest.fixture
def gallery(context: AppContext):  # type: ignore[no-untyped-def]
    folder = context.paths.folder
    return GalleryService(context.sessions, folder("gallery"), folder("thumbs"), context.workers)


def meta(prompt: str, model: str = "flux-schnell", seed: int = 7) -> ImageMetadata:
    return ImageMetadata(
        prompt=prompt,
        negative_prompt="blurry",
        model=model,
        size="1K",
        aspect="1:1",
        seed=seed,
        cost=2,
        job_id="job-1",
    )


async def test_generated_image_keeps_metadata_in_png_and_database(gallery: GalleryService) -> None:
    record = await gallery.save_generated(png_bytes(), meta("A lighthouse at dusk"))
    assert record.path.exists() and record.path.is_relative_to(gallery.folder)
    assert (record.width, record.height) == (48, 32)
    in_file = read_metadata(record.path)
    assert in_file.prompt == "A lighthouse at dusk"
    assert (in_file.negative_prompt, in_file.model) == ("blurry", "flux-schnell")
    assert (in_file.seed, in_file.size) == (7, "1K")
    again = await gallery.get(record.id)
    assert again is not None and again.seed == 7 and again.cost == 2


async def test_search_filter_and_sort(gallery: GalleryService) -> None:
    first = await gallery.save_generated(png_bytes(), meta("red fox in snow", "flux-schnell"))
    second = await gallery.save_generated(png_bytes(), meta("blue whale 100% real_ish", "qwen-image"))
    third = await gallery.save_generated(png_bytes(), meta("Red panda", "qwen-image"))
    newest = await gallery.query(GalleryQuery())
    assert [r.id for r in newest] == [third.id, second.id, first.id]
    oldest = await gallery.query(GalleryQuery(newest_first=False))
    assert [r.id for r in oldest] == [first.id, second.id, third.id]
    assert {r.id for r in await gallery.query(GalleryQuery(search="RED"))} == {first.id, third.id}
    assert [r.id for r in await gallery.query(GalleryQuery(search="red qwen"))] == []
    assert [r.id for r in await gallery.query(GalleryQuery(search="100%"))] == [second.id]
    assert [r.id for r in await gallery.query(GalleryQuery(search="l_i"))] == [second.id]
    assert [r.id for r in await gallery.query(GalleryQuery(search="red", model="qwen-image"))] == [third.id]
    await gallery.set_favourite(first.id, True)
    assert [r.id for r in await gallery.query(GalleryQuery(favourites_only=True))] == [first.id]
    assert await gallery.models() == ["flux-schnell", "qwen-image"]


async def test_delete_is_soft_until_finished(gallery: GalleryService) -> None:
    record = await gallery.save_generated(png_bytes(), meta("to delete"))
    await gallery.thumbnails.get(record.path)
    thumb = gallery.thumbnails.cache_path(record.path)
    assert thumb.exists()
    await gallery.delete([record.id])
    assert await gallery.query(GalleryQuery()) == []
    await gallery.undo_delete([record.id])
    assert [r.id for r in await gallery.query(GalleryQuery())] == [record.id]
    await gallery.delete([record.id])
    assert await gallery.finish_delete([record.id]) == 1
    assert not record.path.exists() and not thumb.exists()
    assert await gallery.get(record.id) is None


async def test_import_reads_metadata_and_skips_corrupt_files(gallery: GalleryService, tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(png_bytes(metadata=meta("imported castle", "qwen-image", seed=99)))
    plain = tmp_path / "plain.jpg"
    Image.new("RGB", (20, 10), "white").save(plain)
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(png_bytes()[:60])
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    report = await gallery.import_files([good, plain, corrupt, notes])
    assert sorted(r.path.name for r in report.added) == ["good.png", "plain.jpg"]
    assert sorted(p.name for p, _ in report.skipped) == ["broken.png", "notes.txt"]
    assert "2 skipped" in report.summary()
    castle = next(r for r in report.added if r.path.name == "good.png")
    assert (castle.prompt, castle.model, castle.seed) == ("imported castle", "qwen-image", 99)
    assert castle.path.parent == gallery.folder / "imported"
    assert good.exists()  # the original stays where it was


async def test_thumbnails_cached_on_disk_and_corrupt_raises(gallery: GalleryService, tmp_path: Path) -> None:
    from app.services.gallery.thumbnails import ThumbnailError

    big = tmp_path / "big.png"
    Image.new("RGB", (1024, 512), "purple").save(big)
    cold = await gallery.thumbnails.get(big)
    assert (cold.width, cold.height, cold.from_cache) == (256, 128, False)
    assert len(cold.pixels) == 256 * 128 * 4
    warm = await gallery.thumbnails.get(big)
    assert warm.from_cache and (warm.width, warm.height) == (256, 128)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ThumbnailError):
        await gallery.thumbnails.get(broken)


async def test_save_as_formats_and_sanitized_names(gallery: GalleryService, tmp_path: Path) -> None:
    record = await gallery.save_generated(png_bytes(), meta("export me"))
    out = tmp_path / "out"
    out.mkdir()
    png = await gallery.export(record, out / 'my: "best" image?.png')
    assert png.parent == out and png.name == "my_ _best_ image.png"
    assert read_metadata(png).prompt == "export me"
    jpeg = await gallery.export(record, out / "photo.jpg")
    webp = await gallery.export(record, out / "photo.webp")
    with Image.open(jpeg) as image:
        assert image.format == "JPEG"
    with Image.open(webp) as image:
        assert image.format == "WEBP"


def test_sanitize_filename() -> None:
    assert sanitize_filename("../../etc/passwd") == "etc_passwd"
    assert sanitize_filename("CON.png") == "CON_.png"
    assert sanitize_filename("  ...  ") == "image"
    assert sanitize_filename("a" * 300 + ".png") == "a" * 80 + ".png"
