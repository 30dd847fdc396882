"""Choose the image the panels work on: a dataset sample by difficulty, a shipped photo, or an upload.

A bad upload gets a message in the panel that names the file and the reason
(:class:`course_lib.imageio.ImageLoadError`), never a traceback.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as W
import numpy as np

from course_lib.imageio import DEFAULT_MAX_PIXELS, ImageLoadError, decode_image
from course_lib.views.controls import error_html

__all__ = ["ImagePicker"]


class ImagePicker:
    """Pick the image the panels work on: a dataset sample, a demo photo, or an upload.

    ``on_pick(rgb, truth_or_None, label)`` is called with every new choice.
    ``demo`` is an optional mapping ``{name: (rgb, mask_or_None)}`` of shipped photos.
    """

    def __init__(self, split, on_pick: Callable, demo: dict | None = None, *, min_side: int = 32,
                 max_pixels: int = DEFAULT_MAX_PIXELS):
        self.split, self.on_pick, self.demo = split, on_pick, dict(demo or {})
        self.min_side, self.max_pixels = min_side, max_pixels
        sources = ["easy", "medium", "hard"] + (["demo photos"] if self.demo else []) + ["my upload"]
        self.source = W.ToggleButtons(options=sources, value="easy", description="image:")
        self.index = W.IntSlider(value=0, min=0, max=max(0, self._count("easy") - 1), description="sample",
                                 continuous_update=False)
        self.demo_choice = W.Dropdown(options=sorted(self.demo), description="photo",
                                      layout=W.Layout(display="none"))
        self.upload = W.FileUpload(accept="image/*", multiple=False, description="upload a photo",
                                   layout=W.Layout(display="none"))
        self.message = W.HTML()
        self.source.observe(lambda c: self._source_changed(), names="value")
        self.index.observe(lambda c: self._pick_sample(), names="value")
        self.demo_choice.observe(lambda c: self._pick_demo(), names="value")
        self.upload.observe(self._upload_changed, names="value")
        self.widget = W.VBox([self.source, W.HBox([self.index, self.demo_choice, self.upload]), self.message])

    def _indices(self, difficulty):
        return np.flatnonzero(self.split.difficulty == difficulty)

    def _count(self, difficulty):
        return len(self._indices(difficulty))

    def _source_changed(self):
        source = self.source.value
        self.message.value = ""
        self.index.layout.display = "" if source in ("easy", "medium", "hard") else "none"
        self.demo_choice.layout.display = "" if source == "demo photos" else "none"
        self.upload.layout.display = "" if source == "my upload" else "none"
        if source in ("easy", "medium", "hard"):
            self.index.max = max(0, self._count(source) - 1)
            self.index.value = min(self.index.value, self.index.max)
            self._pick_sample()
        elif source == "demo photos":
            self._pick_demo()
        else:
            self.message.value = "choose a photo of a product (PNG, JPEG, …) from your computer"

    def _pick_sample(self):
        indices = self._indices(self.source.value)
        if len(indices) == 0:
            self.message.value = f"no {html.escape(self.source.value)} samples in this split"
            return
        i = int(indices[self.index.value])
        meta = self.split.meta[i]
        label = f"{self.split.name} #{i}: {meta.get('product')} on {meta.get('background')} ({self.source.value})"
        self.message.value = html.escape(label)
        self.on_pick(self.split.rgb[i], self.split.alpha[i], label)

    def _pick_demo(self):
        if not self.demo_choice.value:
            return
        rgb, mask = self.demo[self.demo_choice.value]
        self.message.value = f"demo photo {html.escape(self.demo_choice.value)}" + (
            " (reference mask is approximate)" if mask is not None else " (no reference mask)")
        self.on_pick(rgb, mask, self.demo_choice.value)

    def _upload_changed(self, change):
        files = change["new"]
        if files:
            item = files[0]
            self.handle_upload(item["name"], bytes(item["content"]))

    def handle_upload(self, name: str, data: bytes) -> bool:
        """Decode an uploaded file and pick it; on failure show why in the panel. Returns success."""
        try:
            rgb = decode_image(data, name, max_pixels=self.max_pixels, min_side=self.min_side)
        except ImageLoadError as exc:
            self.message.value = error_html(str(exc))
            return False
        self.message.value = f"{html.escape(name)}: {rgb.shape[1]}×{rgb.shape[0]} pixels, no ground truth"
        self.on_pick(rgb, None, name)
        return True
