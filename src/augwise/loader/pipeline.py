"""Default-mode batch pipelines: sample parameters, then one fused warp per image.

A pipeline turns ``(epoch, sample indices)`` into a :class:`BatchImages`.  Images stay
in their source dtype (uint8 for files) through the warp and the colour table; the batch
is cast to the output dtype once, then standardised in place.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import cv2
import numpy as np
from PIL import Image

from augwise.core.buffers import BufferPool
from augwise.core.config import AugmentConfig
from augwise.core.geometry import (
    keep_aspect_box,
    resize_matrix,
    scale_box,
    transform_matrices,
)
from augwise.core.kernels import (
    NAME_TO_CV,
    SMALL_IMAGE_PIXELS,
    WarpSpec,
    apply_colour,
    area_shrink,
    frame_bounds,
    fused_interpolation,
    remap_batch,
    resize_method,
    shrink_factor,
    shrink_matrix,
    value_range_of,
    warp_batch,
    warp_cold,
    warp_framed,
    warp_into,
    warpable,
    whole_numbers,
)
from augwise.core.params import BatchParams
from augwise.core.policies import GEOMETRIC, apply_colour_ops
from augwise.core.sampling import STREAM_NAMES, RandomStreams, generator, params_from_uniforms
from augwise.core.standardize import standardize_batch
from augwise.core.stats import FeaturewiseStats
from augwise.core.validate import check_choice
from augwise.io.cache import DecodedCache
from augwise.io.decode import CHANNELS, Decoded, DecodeSpec, ImageDecodeError, load_image
from augwise.loader.skiplog import SkipLog

log = logging.getLogger("augwise")

StatsSource = Callable[[], FeaturewiseStats | None]
ON_ERROR = ("raise", "skip")
T = TypeVar("T")
SAVE_FORMATS = ("png", "jpeg", "jpg", "bmp", "ppm", "tif", "tiff", "gif", "webp")


@dataclass(frozen=True)
class BatchImages:
    """One processed batch and how it was made, one slot per requested sample.

    The slot of a file skipped with ``on_error='skip'`` is filled by a stand-in sample
    (see :func:`refill`): ``sources`` says whose image each slot holds; the slot keeps
    its own parameters.
    """

    x: np.ndarray  # final images (kept slots only), output dtype and data format
    indices: np.ndarray  # int64: the sample requested for each slot
    sources: np.ndarray  # int64: the sample whose image fills each slot (-1: none, left out)
    params: BatchParams  # parameters of every slot (identity if not augmented)
    stage: np.ndarray  # (n, H, W, C) augmented images before the float cast (float arrays
    # already in the output dtype: the same array as ``x``, standardised in place)

    @property
    def kept(self) -> np.ndarray:
        """Bool per slot: False where a file was skipped and nothing stood in."""
        return np.asarray(self.sources >= 0)


def check_on_error(on_error: str) -> str:
    """``on_error`` itself, or a ValueError naming the accepted values."""
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    return on_error


def after(order: np.ndarray, end: int) -> Iterator[int]:
    """The samples of ``order`` from position ``end`` on, wrapping round once."""
    n = len(order)
    for p in range(n):
        yield int(order[(end + p) % n])


def refill(
    count: int, candidates: Iterable[int], read: Callable[[int], T | None], skipped: SkipLog
) -> Iterator[tuple[int, T]]:
    """Stand-ins for ``count`` skipped slots: the first readable ``candidates`` in order
    (``read`` returns None for an unreadable one), round again if too few are readable.

    Raises ValueError when no candidate is readable.
    """
    found: list[int] = []
    for j in candidates:
        if len(found) == count:
            return
        item = read(j)
        if item is not None:
            found.append(j)
            yield j, item
    if not found:
        path, reason = next(iter(skipped.files.items()), ("?", "?"))
        raise ValueError(
            f"on_error='skip' found no readable image: all {len(skipped)} files were skipped "
            f"(e.g. {path!r}: {reason}); see the iterator's .skipped, and fix or remove them"
        )
    for k in range(count - len(found)):
        j = found[k % len(found)]
        item = read(j)
        if item is None:  # pragma: no cover - read() gave it once already
            raise ValueError(f"sample {j} became unreadable during the epoch")
        yield j, item


def fill_slots(
    indices: np.ndarray,
    read: Callable[[int], T | None],
    fill: Callable[[int, T], None],
    stand_ins: Iterable[int] | None,
    skipped: SkipLog,
) -> np.ndarray:
    """``fill(slot, item)`` with each slot's ``read(sample)``; the slots of unreadable
    samples get stand-ins from :func:`refill` (none without ``stand_ins``).

    Returns the sources: the sample that filled each slot, -1 where none did.
    """
    sources = np.array(indices, dtype=np.int64)
    bad = []
    for i, j in enumerate(sources.tolist()):
        item = read(j)
        if item is None:
            bad.append(i)
            sources[i] = -1
        else:
            fill(i, item)
    if bad and stand_ins is not None:
        found = refill(len(bad), stand_ins, read, skipped)
        for i, (j, item) in zip(bad, found, strict=True):
            sources[i] = j
            fill(i, item)
    return sources


@dataclass(frozen=True)
class SaveSpec:
    """``save_to_dir`` options."""

    directory: str
    prefix: str = ""
    format: str = "png"


class Pipeline:
    """Shared parts: parameter sampling, the final cast and standardisation."""

    def __init__(
        self,
        config: AugmentConfig,
        stats: StatsSource,
        streams: RandomStreams,
        augment: bool,
        save: SaveSpec | None,
    ) -> None:
        self.config = config
        self.stats = stats
        self.streams = streams
        self.augment = augment and config.augments
        self.save = save
        self.spec = WarpSpec.create(config.fill_mode, config.cval, config.interpolation_order)
        self.out_dtype = np.dtype(config.output_dtype or config.dtype)
        self._rescale_only = _rescale_only(config, self.out_dtype)
        self._tables: dict[tuple[int, int], tuple[BatchParams, np.ndarray]] = {}
        # batch and stage arrays, reused once the caller has let go of them (see BufferPool;
        # per-image temporaries are left to malloc, which reuses a block freed at once)
        self.buffers = BufferPool()

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_tables"] = {}
        return state

    # per-image shape in channels-last order
    hwc: tuple[int, int, int]

    @property
    def image_shape(self) -> tuple[int, int, int]:
        h, w, c = self.hwc
        return (c, h, w) if self.config.data_format == "channels_first" else (h, w, c)

    def run(
        self, epoch: int, indices: np.ndarray, stand_ins: Iterable[int] | None = None
    ) -> BatchImages:
        """Process the samples ``indices`` of ``epoch`` into a batch; the slots of skipped
        files are filled from ``stand_ins`` (see :func:`refill`), or left out without."""
        raise NotImplementedError

    def params(self, epoch: int, indices: np.ndarray) -> BatchParams:
        h, w, c = self.hwc
        if not self.augment:
            return BatchParams.identity(len(indices))
        u = self.streams.uniforms(epoch, indices)
        return params_from_uniforms(self.config, u, h, w, c)

    def plan(self, epoch: int, indices: np.ndarray, n: int) -> tuple[BatchParams,
                                                                     np.ndarray | None]:
        """Parameters and target-frame matrices of ``indices`` (None: no augmentation).

        Small images (where the per-batch cost of drawing them shows) of datasets up to
        :data:`_TABLE_MAX_SAMPLES` take rows of a table computed for the whole epoch at
        once; the rows are the same numbers, each depending on its sample only.
        """
        h, w, _ = self.hwc
        if not self.augment:
            return self.params(epoch, indices), None
        if h * w >= SMALL_IMAGE_PIXELS or n > _TABLE_MAX_SAMPLES:
            params = self.params(epoch, indices)
            return params, transform_matrices(params, h, w)
        key = (self.streams.seed, epoch)
        table = self._tables.get(key)
        if table is None:
            every = self.params(epoch, np.arange(n))
            table = (every, transform_matrices(every, h, w))
            self._tables[key] = table
            for old in [k for k in list(self._tables) if k[1] < epoch - 1 or k[1] > epoch + 1]:
                self._tables.pop(old, None)
        return table[0].select(indices), table[1][indices]

    def finish(self, stage: np.ndarray, kept: np.ndarray) -> np.ndarray:
        """Cast the kept images once into the output layout, then standardise."""
        src = stage if kept.all() else stage[kept]
        if self.config.data_format == "channels_first":
            src = src.transpose(0, 3, 1, 2)
        if self.config.output_dtype == "uint8":
            if src.dtype == np.uint16:
                return np.ascontiguousarray((src >> 8).astype(np.uint8))
            return np.ascontiguousarray(src.astype(np.uint8, copy=False))
        out = self.buffers.take(src.shape, self.out_dtype)
        if self._rescale_only is not None and np.can_cast(src.dtype, self.out_dtype, "safe"):
            # cast and rescale in one pass: the values cast exactly, so this is the same
            # arithmetic as a cast followed by ``*= rescale``
            np.multiply(src, self._rescale_only, out=out, casting="unsafe")
            return out
        np.copyto(out, src, casting="unsafe")
        if self.config.standardizes:
            out = standardize_batch(out, self.config, self.stats())
        return out

    hash_high = 10**7  # file-name hash range of save_to_dir (Keras': 10**4 for arrays)

    def stage_range(self, stage: np.ndarray) -> tuple[float, float]:
        """The value range of the images in ``stage`` (for ``save_to_dir``)."""
        return (0.0, 65535.0) if stage.dtype == np.uint16 else (0.0, 255.0)

    def save_batch(self, epoch: int, batch: BatchImages) -> None:
        """Write the images of a batch the user received to ``save_to_dir``.

        Named ``{prefix}_{sample}_{hash}``: the sample shown, a hash of the slot's sample.
        """
        if self.save is None:
            return
        lo, hi = self.stage_range(batch.stage)
        pairs = zip(batch.indices.tolist(), batch.sources.tolist(), strict=True)
        for i, (j, src) in enumerate(pairs):
            if src < 0:
                continue
            img = batch.stage[i]
            if img.dtype != np.uint8:
                scaled = (img.astype(np.float64) - lo) / max(hi - lo, 1e-12) * 255.0
                img = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
            h = int(generator(self.streams.seed, STREAM_NAMES, epoch, j).integers(self.hash_high))
            name = f"{self.save.prefix}_{src}_{h}.{self.save.format}"
            pil = Image.fromarray(img[:, :, 0] if img.shape[2] == 1 else img)
            pil.save(os.path.join(self.save.directory, name))


class ArrayPipeline(Pipeline):
    """Images from an in-memory array ``(N, H, W, C)`` or ``(N, C, H, W)``."""

    hash_high = 10**4

    def __init__(
        self,
        x: np.ndarray,
        config: AugmentConfig,
        stats: StatsSource,
        streams: RandomStreams,
        augment: bool,
        save: SaveSpec | None = None,
    ) -> None:
        super().__init__(config, stats, streams, augment, save)
        self.x = x
        if config.data_format == "channels_first":
            _, c, h, w = x.shape
        else:
            _, h, w, c = x.shape
        self.hwc = (h, w, c)
        self.value_range = value_range_of(x)
        # float arrays of whole numbers in [0, 255] (uint8 images cast to float) are warped
        # as uint8, as the directory path is: see whole_numbers
        self.work_dtype = (
            np.dtype(np.uint8)
            if x.dtype.kind == "f" and self.value_range == (0.0, 255.0) and whole_numbers(x)
            else warpable(x[:0]).dtype
        )
        # and such an array is converted once, here, instead of every image every epoch:
        # a quarter of the bytes to read per image, and exact (whole numbers in range)
        self.source = x
        if self.work_dtype == np.uint8 and x.dtype != np.uint8 and x.size <= UINT8_COPY_MAX:
            self.source = x.astype(np.uint8)
        self._in_place = (
            self.work_dtype == self.out_dtype
            and self.out_dtype.kind == "f"
            and config.data_format == "channels_last"
            and (self._rescale_only is not None or not config.standardizes)
            and save is None  # save_to_dir writes the stage when the batch is consumed
        )

    def stage_range(self, stage: np.ndarray) -> tuple[float, float]:
        return self.value_range

    def _image(self, j: int) -> np.ndarray:
        img = self.source[j]
        if self.config.data_format == "channels_first":
            img = img.transpose(1, 2, 0)
        return np.ascontiguousarray(img, dtype=self.work_dtype)

    def run(
        self, epoch: int, indices: np.ndarray, stand_ins: Iterable[int] | None = None
    ) -> BatchImages:
        indices = np.asarray(indices, dtype=np.int64)
        params, matrices = self.plan(epoch, indices, len(self.x))
        h, w, c = self.hwc
        stage = self.buffers.take((len(indices), h, w, c), self.work_dtype)
        if matrices is None or h * w < SMALL_IMAGE_PIXELS:
            # small images: gather the batch once, then one tight loop of warps
            batch = self.source[indices]
            if self.config.data_format == "channels_first":
                batch = batch.transpose(0, 2, 3, 1)
            batch = np.ascontiguousarray(batch, dtype=self.work_dtype)
            if matrices is None:
                stage[...] = batch
            else:
                m23 = np.ascontiguousarray(matrices[:, :2])
                if not remap_batch(batch, m23, stage, self.spec):
                    warp_batch(batch, m23, _moves(matrices, len(indices)), stage, self.spec)
        else:
            # uint8 warps gain most from never sampling outside the source (see
            # warp_framed); float rows of a large array are not in the CPU cache (warp_cold)
            warp = warp_framed if self.work_dtype == np.uint8 else warp_cold
            moves = _moves(matrices, len(indices))
            for i, j in enumerate(indices.tolist()):
                src = self._image(j)
                if moves[i]:
                    warp(src, matrices[i, :2], stage[i], self.spec)
                else:
                    stage[i] = src
        _colour(stage, params, self.value_range)
        if self._in_place:
            # already the output dtype and layout: standardise the stage itself (one pass
            # over the batch fewer; ``stage`` is then the same array as ``x``)
            if self._rescale_only is not None:
                np.multiply(stage, self._rescale_only, out=stage)
            return BatchImages(stage, indices, indices, params, stage)
        kept = np.ones(len(indices), dtype=bool)
        return BatchImages(self.finish(stage, kept), indices, indices, params, stage)


class FilePipeline(Pipeline):
    """Images decoded from files, resized and augmented by one fused warp."""

    def __init__(
        self,
        paths: Sequence[str],
        config: AugmentConfig,
        stats: StatsSource,
        streams: RandomStreams,
        augment: bool,
        *,
        target_size: tuple[int, int],
        color_mode: str,
        interpolation: str,
        keep_aspect_ratio: bool,
        on_error: str,
        max_image_pixels: int | None,
        save: SaveSpec | None = None,
        cache: DecodedCache | None = None,
    ) -> None:
        super().__init__(config, stats, streams, augment, save)
        self.cache = cache
        check_on_error(on_error)
        if interpolation not in NAME_TO_CV:
            raise ValueError(
                f"interpolation must be one of {sorted(NAME_TO_CV)}, got {interpolation!r}"
            )
        self.paths = list(paths)
        check_choice("color_mode", color_mode, tuple(CHANNELS))
        self.target = (int(target_size[0]), int(target_size[1]))
        self.hwc = (self.target[0], self.target[1], CHANNELS[color_mode])
        self.keep_aspect_ratio = keep_aspect_ratio
        self.on_error = on_error
        self.skipped = SkipLog()
        self.resize_flag = NAME_TO_CV[interpolation]
        self.resize_spec = self.spec.with_interpolation(self.resize_flag)
        self._frames: dict[object, _Frame] = {}
        self.warp_spec = self.spec.with_interpolation(
            fused_interpolation(interpolation, config.interpolation_order)
        )
        zoom_lo = config.zoom_range[0] if self.augment else 1.0
        final = self.warp_spec.interpolation if self.augment else self.resize_flag
        self.decode_spec = DecodeSpec(
            color_mode=color_mode,
            target_hw=self.target,
            keep_aspect_ratio=keep_aspect_ratio,
            magnification=1.0 / min(zoom_lo, 1.0),
            max_pixels=max_image_pixels,
            # two-stage resampling: area-average first unless the user asked for point
            # sampling (nearest keeps every output value a source value, e.g. for masks);
            # when a warp follows, the cheaper reduce (see area_reduce)
            reduce=None if final == cv2.INTER_NEAREST else ("fast" if self.augment else "exact"),
        )

    def load(self, j: int) -> Decoded | None:
        path = self.paths[j]
        if path in self.skipped:
            return None
        try:
            if self.cache is not None:
                return self.cache.load(path, self.decode_spec)
            return load_image(path, self.decode_spec)
        except ImageDecodeError as exc:
            if self.on_error == "raise":
                raise
            self.skipped.add(path, exc.reason)
            return None

    def _frame(self, dec: Decoded) -> _Frame:
        """The geometry of fitting ``dec`` to the target, computed once per decoded size."""
        key = (dec.array.shape[:2], dec.full_hw, dec.scale)
        frame = self._frames.get(key)
        if frame is None:
            frame = self._make_frame(dec)
            if len(self._frames) >= _MAX_FRAMES:
                self._frames.clear()
            self._frames[key] = frame
        return frame

    def _make_frame(self, dec: Decoded) -> _Frame:
        fh, fw = dec.full_hw
        if self.keep_aspect_ratio:
            whole: tuple[float, float, float, float] = keep_aspect_box(fh, fw, *self.target)
        else:
            whole = (0.0, 0.0, float(fw), float(fh))
        sy, sx = dec.scale
        # an exact fit (reduced to the target) stays exact despite the float division
        x0, y0, bw, bh = (_snap(v) for v in scale_box(whole, 1.0 / sx, 1.0 / sy))
        rows, cols = dec.array.shape[:2]
        # crop to whole pixels so borders behave as at the crop's edge, as in Keras
        ix0, iy0 = math.floor(x0 + 1e-6), math.floor(y0 + 1e-6)
        ix1 = min(cols, math.ceil(x0 + bw - 1e-6))
        iy1 = min(rows, math.ceil(y0 + bh - 1e-6))
        box = (x0 - ix0, y0 - iy0, bw, bh)
        th, tw = self.target
        fit = resize_matrix(box, th, tw)  # target frame -> view
        fit.setflags(write=False)
        crop_hw = (iy1 - iy0, ix1 - ix0)
        return _Frame(
            crop=(slice(iy0, iy1), slice(ix0, ix1)),
            fit=fit,
            bounds=frame_bounds(fit, th, tw),
            copy=crop_hw == (th, tw) and box == (0, 0, tw, th),
            resize=box[:2] == (0, 0) and (bw, bh) == (crop_hw[1], crop_hw[0]),
        )

    def render(self, dec: Decoded, matrix: np.ndarray | None, out: np.ndarray) -> None:
        """Crop, resize and transform ``dec`` into ``out`` (H, W, C) with one resample."""
        src = dec.array
        if src.dtype != out.dtype:
            src = src.astype(out.dtype)
        frame = self._frame(dec)
        view = src[frame.crop]
        th, tw = self.target
        if matrix is None:
            if frame.copy:
                out[...] = view
                return
            if frame.resize:
                res = cv2.resize(view, (tw, th), dst=out,
                                 interpolation=resize_method(self.resize_flag))
                if res is not out:
                    out[...] = res.reshape(out.shape)
                return
            full, spec = frame.fit, self.resize_spec
        else:
            full, spec = frame.fit @ matrix, self.warp_spec
        f = shrink_factor(full) if spec.interpolation != cv2.INTER_NEAREST else 1
        bounds = frame.bounds
        if f >= 2 and min(view.shape[:2]) >= f:
            # antialias: average f x f blocks (exact ratio: OpenCV's fast area path) so that
            # the less-reduced axis keeps < 2 source pixels per output pixel
            view = area_shrink(view, f)
            full = shrink_matrix(f) @ full
            # constant fill keeps what falls inside the target frame, as Keras (resize,
            # then transform) does
            bounds = frame_bounds(shrink_matrix(f) @ frame.fit, th, tw)
        elif dec.stored:  # from the decoded-image cache: not in the CPU cache
            warp_cold(view, full[:2], out, spec, bounds)
            return
        warp_into(view, full[:2], out, spec, bounds)

    def run(
        self, epoch: int, indices: np.ndarray, stand_ins: Iterable[int] | None = None
    ) -> BatchImages:
        indices = np.asarray(indices, dtype=np.int64)
        params = self.params(epoch, indices)
        th, tw, c = self.hwc
        stage = self.buffers.take((len(indices), th, tw, c), np.uint8)
        matrices = transform_matrices(params, th, tw) if self.augment else None
        moves = _moves(matrices, len(indices))

        def fill(i: int, dec: Decoded) -> None:
            nonlocal stage
            if dec.array.dtype == np.uint16 and stage.dtype == np.uint8:
                stage = stage.astype(np.uint16)
            m = matrices[i] if matrices is not None and moves[i] else None
            self.render(dec, m, stage[i])

        sources = fill_slots(indices, self.load, fill, stand_ins, self.skipped)
        stage[sources < 0] = 0  # skipped slots (left out): a reused stage holds old pixels
        _colour(stage, params, self.stage_range(stage))
        return BatchImages(self.finish(stage, sources >= 0), indices, sources, params, stage)


@dataclass(frozen=True)
class _Frame:
    """How a decoded image of one size maps onto the target: the crop of whole pixels,
    the target-to-crop matrix, the target frame's rectangle in the crop (the pixels
    constant fill keeps), and whether the crop is the target (``copy``) or only needs a
    plain resize when nothing moves (``resize``)."""

    crop: tuple[slice, slice]
    fit: np.ndarray
    bounds: tuple[float, float, float, float]
    copy: bool
    resize: bool


_MAX_FRAMES = 256  # distinct decoded sizes remembered per pipeline


def _snap(v: float) -> float:
    r = round(v)
    return float(r) if abs(v - r) < 1e-9 else v


# the largest uint8 copy (bytes) of a float array of whole numbers kept for warping
UINT8_COPY_MAX = 1 << 30
_TABLE_MAX_SAMPLES = 1 << 17  # at most ~20 MiB of parameters per epoch table


def _rescale_only(config: AugmentConfig, dtype: np.dtype) -> np.ndarray | None:
    """``rescale`` as a ``dtype`` scalar when it is the only standardisation step."""
    if (
        not config.rescale
        or dtype.kind != "f"
        or config.preprocessing_function is not None
        or config.samplewise_center
        or config.samplewise_std_normalization
        or config.needs_fit
    ):
        return None
    return np.asarray(config.rescale, dtype=dtype)


def _moves(matrices: np.ndarray | None, n: int) -> list[bool]:
    """Per image: does its matrix differ from the identity (``np.allclose`` with
    ``atol=1e-12``, vectorised over the batch)?"""
    if matrices is None:
        return [False] * n
    eye = np.eye(3)
    off = np.any(np.abs(matrices - eye) > 1e-12 + 1e-5 * eye, axis=(1, 2))
    return [bool(v) for v in np.atleast_1d(off)]


def _colour(stage: np.ndarray, params: BatchParams, value_range: tuple[float, float]) -> None:
    if params.channel_shift is not None or params.brightness is not None:
        for i in range(len(stage)):
            shift = None if params.channel_shift is None else params.channel_shift[i]
            bright = None if params.brightness is None else float(params.brightness[i])
            apply_colour(stage[i], shift, bright, value_range, out=stage[i])
    if params.policy_ops is not None:
        for i, ops in enumerate(params.policy_ops):
            if any(op not in GEOMETRIC and op != "identity" for op, _ in ops):
                stage[i] = apply_colour_ops(stage[i], ops, value_range)
