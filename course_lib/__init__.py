"""course_lib: the tested helper library behind the background-removal course.

One module per idea (see ``../shared/COURSE.md`` for the map):

- ``config``   fast mode and the kit's folders
- ``imageio``  safe image loading and atomic PNG writing
- ``viz``      cut-out views: checkerboard, white background, side-by-side panels

Modules are imported explicitly (``from course_lib import imageio``) so that a
lesson that never touches TensorFlow never pays for importing it.
"""

__version__ = "0.1.0"
