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


# --- files other tools (and hostile ones) write ----------------------------------------------------------
A1111 = (
    "a castle on a hill, golden hour,\nhighly detailed\n"
    "Negative prompt: blurry, lowres\n"
    "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 123456789, Size: 832x1216, Model: sdxl_base, "
    'Lora hashes: "a: 1, b: 2"'
)
COMFY_PROMPT = {
    "3": {
        "class_type": "KSampler",
        "inputs": {"seed": 42, "steps": 20, "cfg": 7, "positive": ["6", 0], "negative": ["7", 0], "model": ["4", 0]},
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "dreamshaper_8.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 768, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red fox in snow", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "watermark", "clip": ["4", 1]}},
}


def png_with(tmp_path: Path, name: str, **chunks: str | tuple[str, str]) -> Path:
    """A 16×8 PNG with text chunks: a str is tEXt; ("z", text) is zTXt; ("i", text) is iTXt."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        if isinstance(value, tuple):
            kind, text = value
            if kind == "z":
                info.add_text(key, text, zip=True)
            else:
                info.add_itxt(key, text)
        else:
            info.add_text(key, value)
    path = tmp_path / name
    Image.new("RGB", (16, 8), "teal").save(path, pnginfo=info)
    return path


async def test_import_keeps_the_batch_going_past_a_seed_too_big_for_the_database(
    gallery: GalleryService, tmp_path: Path
) -> None:
    huge = png_with(tmp_path, "huge-seed.png", **{"prompt": "a seed too big", "amethyst:seed": "18446744073709551615"})
    negative = png_with(tmp_path, "neg-seed.png", **{"prompt": "negative", "amethyst:seed": "-5"})
    after = png_with(tmp_path, "after.png", prompt="after it")
    report = await gallery.import_files([huge, negative, after])
    assert report.skipped == []
    records = {record.path.name: record for record in report.added}
    assert records["huge-seed.png"].prompt == "a seed too big" and records["huge-seed.png"].seed is None
    assert records["neg-seed.png"].seed is None
    assert records["after.png"].prompt == "after it"


async def test_a_failing_database_write_leaves_no_orphan_and_the_batch_goes_on(
    gallery: GalleryService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = png_with(tmp_path, "first.png", prompt="first")
    second = png_with(tmp_path, "second.png", prompt="second")
    real_add = gallery.store.add

    def add(path, metadata, created=None):  # type: ignore[no-untyped-def]
        if metadata.prompt == "first":
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return real_add(path, metadata, created=created)

    monkeypatch.setattr(gallery.store, "add", add)
    report = await gallery.import_files([first, second])
    assert [record.path.name for record in report.added] == ["second.png"]
    assert [path.name for path, _ in report.skipped] == ["first.png"]
    assert sorted(path.name for path in (gallery.folder / "imported").iterdir()) == ["second.png"]


async def test_an_oversized_ztxt_workflow_costs_only_that_chunk(gallery: GalleryService, tmp_path: Path) -> None:
    import os

    workflow = os.urandom(1_500_000).hex()  # 3 MB of text, past Pillow's 1 MB text-chunk limit
    path = png_with(tmp_path, "comfy.png", prompt=__import__("json").dumps(COMFY_PROMPT), workflow=("z", workflow))
    report = await gallery.import_files([path])
    assert report.skipped == [], report.skipped
    record = report.added[0]
    assert (record.prompt, record.width, record.height) == ("a red fox in snow", 16, 8)
    metadata = read_metadata(path)
    assert metadata.extra["original:workflow"] == workflow


def test_automatic1111_parameters_are_read_whole(tmp_path: Path) -> None:
    metadata = read_metadata(png_with(tmp_path, "a1111.png", parameters=A1111))
    assert metadata.prompt == "a castle on a hill, golden hour,\nhighly detailed"
    assert metadata.negative_prompt == "blurry, lowres"
    assert (metadata.seed, metadata.size, metadata.model) == (123456789, "832x1216", "sdxl_base")
    assert metadata.extra["steps"] == "28" and metadata.extra["cfg_scale"] == "6.5"
    assert metadata.extra["lora_hashes"] == "a: 1, b: 2"
    assert metadata.extra["original:parameters"] == A1111


def test_comfyui_graph_is_not_taken_for_the_prompt(tmp_path: Path) -> None:
    import json

    raw = json.dumps(COMFY_PROMPT)
    metadata = read_metadata(png_with(tmp_path, "comfy.png", prompt=("i", raw)))
    assert (metadata.prompt, metadata.negative_prompt) == ("a red fox in snow", "watermark")
    assert (metadata.seed, metadata.model, metadata.size) == (42, "dreamshaper_8.safetensors", "512x768")
    assert metadata.extra["steps"] == "20" and metadata.extra["original:prompt"] == raw


def test_random_bytes_never_crash_the_metadata_reader(tmp_path: Path) -> None:
    """Property-style: random and mutated PNGs give metadata or a plain OSError/ValueError, nothing else."""
    import random
    import zlib

    from PIL import UnidentifiedImageError

    from app.services.gallery import png_text

    rng = random.Random(1234)
    chunks: dict[str, str | tuple[str, str]] = {"prompt": "base", "workflow": ("z", "w" * 5000), "amethyst:seed": "3"}
    base = png_with(tmp_path, "base.png", **chunks).read_bytes()
    path = tmp_path / "fuzz.png"
    for trial in range(300):
        if trial % 3 == 0:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 400)))
        else:
            data = bytearray(base)
            for _ in range(rng.randrange(1, 12)):
                data[rng.randrange(8, len(data))] = rng.randrange(256)
            if trial % 5 == 0:
                data = data[: rng.randrange(8, len(data))]
            data = bytes(data)
        assert isinstance(png_text.read_text(data), dict)
        path.write_bytes(data)
        try:
            metadata = read_metadata(path)
        except (OSError, ValueError, SyntaxError, UnidentifiedImageError, zlib.error, Image.DecompressionBombError):
            continue
        assert metadata.seed is None or 0 <= metadata.seed < 2**63


def _png_with_raw_chunk(path: Path, kind: bytes, payload: bytes) -> Path:
    """A 16×8 PNG with one hand-made chunk (any bytes at all) just before IEND."""
    import struct
    import zlib

    base = png_bytes(size=(16, 8))
    end = base.rindex(b"IEND") - 4
    chunk = struct.pack(">I", len(payload)) + kind + payload
    chunk += struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    path.write_bytes(base[:end] + chunk + base[end:])
    return path


async def test_a_text_chunk_of_random_bytes_never_becomes_the_prompt(gallery: GalleryService, tmp_path: Path) -> None:
    import zlib

    junk = bytes(range(256)) * 4
    paths = [
        _png_with_raw_chunk(tmp_path / "text.png", b"tEXt", b"parameters\x00" + junk),
        _png_with_raw_chunk(tmp_path / "ztext.png", b"zTXt", b"prompt\x00\x00" + zlib.compress(junk)),
        _png_with_raw_chunk(tmp_path / "itext.png", b"iTXt", b"prompt\x00\x00\x00\x00\x00" + junk[128:]),
        _png_with_raw_chunk(tmp_path / "c1.png", b"tEXt", b"prompt\x00a cat\x85\x9b2J"),
    ]
    report = await gallery.import_files(paths)
    assert report.skipped == [], report.skipped
    assert sorted(record.path.name for record in report.added) == ["c1.png", "itext.png", "text.png", "ztext.png"]
    for record in report.added:
        assert record.prompt == "", (record.path.name, record.prompt)
        assert not any(key.startswith("original:") for key in read_metadata(record.path).extra)


def test_utf8_in_a_latin1_text_chunk_is_read_as_utf8(tmp_path: Path) -> None:
    """Many tools write UTF-8 into tEXt; an em dash there is text, not control characters to drop."""
    text = "a fox — im Schnee, 狐\n\tdetailed"
    path = _png_with_raw_chunk(tmp_path / "utf8.png", b"tEXt", b"prompt\x00" + text.encode())
    assert read_metadata(path).prompt == text
    latin = _png_with_raw_chunk(tmp_path / "latin.png", b"tEXt", "prompt\x00café".encode("latin-1"))
    assert read_metadata(latin).prompt == "café"
