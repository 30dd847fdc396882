"""The ipywidgets layer: panels with sliders, and charts, on top of the NumPy-only modules.

Nothing outside this package imports ``ipywidgets`` (a test imports every other
module with it blocked), so a script or a batch job never pays for it.

- :mod:`~course_lib.views.controls` — what every panel is built from: sliders in
  one style, pictures as PNG bytes, the panel size, how a panel reports an error;
- :mod:`~course_lib.views.picker` — choose a dataset sample, a shipped photo or an upload;
- :mod:`~course_lib.views.classical_panels` — lesson 01's method families with sliders and live scores;
- :mod:`~course_lib.views.calibration_panel` — lesson 05's threshold and temperature sliders;
- :mod:`~course_lib.views.postprocess_panels` — lesson 06's postprocessing chain, live;
- :mod:`~course_lib.views.studio` — lesson 07's comparison studio, a classical method beside the U-Net;
- :mod:`~course_lib.views.charts` — matplotlib charts of scores (no widgets): distributions,
  method against method, worst images, reliability diagrams.

Import the module you need: ``from course_lib.views import studio``.
"""

__all__: list[str] = []
