"""Choose the image the panels work on (a dataset sample, a shipped photo, an upload) and the model that reads it.

:class:`ImagePicker` picks the photo; :class:`CheckpointPicker` loads another
U-Net checkpoint (a path, or an uploaded ``.keras`` file), e.g. one
``course-finetune`` wrote (lesson 10). A bad upload of either kind gets a
message in the panel that names the file and the reason, never a traceback.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import ipywidgets as W
import numpy as np

from course_lib.imageio import DEFAULT_MAX_PIXELS, ImageLoadError, decode_image
from course_lib.views.controls import error_html

__all__ = ["ImagePicker", "CheckpointPicker"]


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


class CheckpointPicker:
    """Load a U-Net checkpoint (``.keras``) from a path or an upload and hand it to ``on_model(model, label)``.

    The file is loaded with :func:`course_lib.inference.load_pretrained`
    (``safe_mode=True``: a checkpoint cannot run code of its own). A file that is
    not a Keras model, or a model whose output is not the two-channel softmax
    (background, object) of the kit's U-Nets, gets a message naming it.
    """

    def __init__(self, on_model: Callable, *, placeholder: str = "build/finetune/my_photos/model.keras"):
        self.on_model = on_model
        self.path = W.Text(placeholder=placeholder, description="checkpoint", layout=W.Layout(width="420px"))
        self.load_button = W.Button(description="load")
        self.upload = W.FileUpload(accept=".keras", multiple=False, description="upload a .keras")
        self.message = W.HTML()
        self.load_button.on_click(lambda _: self.load_path(self.path.value))
        self.upload.observe(self._upload_changed, names="value")
        self.widget = W.VBox([W.HBox([self.path, self.load_button, self.upload]), self.message])

    def load_path(self, path) -> bool:
        """Load the checkpoint at ``path`` and hand it on; on failure show why. Returns success."""
        text = str(path).strip()
        if not text:
            self.message.value = error_html("type the path of a .keras checkpoint first")
            return False
        return self._load(Path(text).expanduser(), text)

    def handle_upload(self, name: str, data: bytes) -> bool:
        """Load an uploaded checkpoint's bytes (via a temporary file) and hand it on. Returns success."""
        handle, tmp = tempfile.mkstemp(suffix=".keras")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            return self._load(Path(tmp), name)
        finally:
            os.unlink(tmp)

    def _upload_changed(self, change):
        files = change["new"]
        if files:
            self.handle_upload(files[0]["name"], bytes(files[0]["content"]))

    def _load(self, path: Path, label: str) -> bool:
        from course_lib.inference import load_pretrained

        try:
            if path.suffix != ".keras":
                raise ValueError("a checkpoint is a .keras file (course-finetune writes model.keras)")
            model = load_pretrained(path)
            channels = model.output_shape[-1] if not isinstance(model.output_shape, list) else None
            if channels != 2:
                raise ValueError(f"its output has {channels} channels; the kit's U-Nets end in 2 "
                                 "(background, object)")
        except Exception as exc:  # any unreadable file: a message in the panel, not a traceback
            self.message.value = error_html(f"{label} cannot be used: {type(exc).__name__}: {exc}")
            return False
        self.message.value = f"using {html.escape(label)} ({model.count_params():,} parameters)"
        self.on_model(model, label)
        return True
