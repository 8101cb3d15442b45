#!/usr/bin/python3
"""Makes the image fixtures for Tests/Classify and their Pillow references.

Run with Debian's python3-pil (9.4.0) and python3-numpy (1.24.2):
    /usr/bin/python3 Tests/Fixtures/tools/make_resize_reference.py Tests/Fixtures/images

For each source image it writes the image file and <name>.npz (np.savez_compressed, uint8 HWC):
  decoded           what keras.utils.load_img sees before resizing: Image.open(path).convert('RGB')
                    (small images only)
  nearest_WxH       load_img(path, target_size=(H, W))                   -> img.resize((W, H), NEAREST)
  bilinear_WxH      load_img(path, target_size=(H, W), interpolation='bilinear')
The images are deterministic (fixed seeds, no timestamps), so rerunning reproduces them.
"""
import os
import sys

import numpy as np
from PIL import Image

SIZES = [(299, 299), (17, 11), (64, 9), (300, 310)]  # (W, H): down, down, mixed, up


def noise(width, height, seed):
    return np.random.RandomState(seed).randint(0, 256, size=(height, width, 3), dtype=np.uint8)


def gradient(width, height):
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255.0 * x / (width - 1)
    g = 255.0 * y / (height - 1)
    b = 127.5 + 127.5 * np.sin(x / 9.0) * np.cos(y / 13.0)  # fine detail so that antialiasing shows
    return np.clip(np.stack([r, g, b], axis=-1) + 0.5, 0, 255).astype(np.uint8)


def make_sources(folder):
    sources = {}

    path = os.path.join(folder, "noise_37x23.png")
    Image.fromarray(noise(37, 23, 1), "RGB").save(path, optimize=False)
    sources["noise_37x23"] = (path, SIZES)

    path = os.path.join(folder, "gradient_640x480.png")
    Image.fromarray(gradient(640, 480), "RGB").save(path, optimize=False, compress_level=9)
    sources["gradient_640x480"] = (path, [(299, 299), (17, 11), (64, 9)])

    # RGBA with every alpha level, fully transparent pixels keep their colour: convert('RGB') drops alpha.
    rgba = np.concatenate([noise(40, 30, 2), (np.arange(40 * 30) % 256).astype(np.uint8).reshape(30, 40, 1)], axis=-1)
    path = os.path.join(folder, "rgba_40x30.png")
    Image.fromarray(rgba, "RGBA").save(path, optimize=False)
    sources["rgba_40x30"] = (path, [(17, 11), (64, 9)])

    # Grayscale JPEG (mode L): convert('RGB') repeats the grey level.
    gray = gradient(64, 48)[:, :, 2]
    path = os.path.join(folder, "gray_64x48.jpg")
    Image.fromarray(gray, "L").save(path, quality=90)
    sources["gray_64x48"] = (path, [(17, 11), (299, 299)])

    # Colour JPEG, 4:2:0 chroma subsampling (PIL's default): decoders may differ here.
    photo = gradient(160, 120).astype(np.int16) + (noise(160, 120, 3).astype(np.int16) - 128) // 8
    path = os.path.join(folder, "photo_160x120.jpg")
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB").save(path, quality=90)
    sources["photo_160x120"] = (path, [(17, 11)])

    # Lossless WebP: every decoder must agree exactly.
    path = os.path.join(folder, "noise_24x16.webp")
    Image.fromarray(noise(24, 16, 4), "RGB").save(path, lossless=True)
    sources["noise_24x16"] = (path, [(17, 11)])
    return sources


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "images")
    os.makedirs(folder, exist_ok=True)
    for name, (path, sizes) in make_sources(folder).items():
        img = Image.open(path)
        img = img.convert("RGB") if img.mode != "RGB" else img
        # The large PNG's pixels are not repeated here (PNG is lossless; the tests decode it).
        arrays = {"decoded": np.asarray(img, dtype=np.uint8)} if img.width * img.height <= 160 * 120 else {}
        for width, height in sizes:
            arrays[f"nearest_{width}x{height}"] = np.asarray(img.resize((width, height), Image.NEAREST), dtype=np.uint8)
            arrays[f"bilinear_{width}x{height}"] = np.asarray(img.resize((width, height), Image.BILINEAR), dtype=np.uint8)
        np.savez_compressed(os.path.join(folder, name + ".npz"), **arrays)
        print(name, Image.open(path).mode, img.size, ", ".join(sorted(arrays)))


if __name__ == "__main__":
    main()
