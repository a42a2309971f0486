"""Previews of what training sees: replay samples through the engine's own pipeline
(:mod:`augwise.preview.replay`) and draw them as a grid (:mod:`augwise.preview.grid`).

Used by ``ImageDataGenerator.preview``, ``augwise preview`` and the doctor's report;
it sits above the loader and below ``keras_api``.
"""
