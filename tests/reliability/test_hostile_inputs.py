"""Hostile inputs found by an adversarial battery: each is refused with a ValueError or
TypeError naming the argument or file (exit 2 on the command line), or read correctly;
never a hang, a MemoryError, an internal exception or a silently wrong batch."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from augwise import ImageDataGenerator, Iterator, NumpyArrayIterator
from augwise.core.files import FileTooLarge, UnreadableFile, read_regular


def _run(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter, so that a regression that blocks fails the test
    instead of hanging the suite."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, check=False)


def _tree(root: Path, n: int = 3) -> Path:
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            img = rng.integers(0, 256, (12, 14, 3), dtype=np.uint8)
            Image.fromarray(img).save(root / cls / f"g{i}.png")
    return root


# -- files: FIFOs, devices, directories, bounds ------------------------------------------


def test_read_regular_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    res = _run(f"""
        from augwise.core.files import UnreadableFile, read_regular, read_head
        for p in [{str(fifo)!r}, "/dev/zero", {str(tmp_path)!r}]:
            for read in (read_regular, lambda q: read_head(q, 16)):
                try:
                    read(p)
                except UnreadableFile as exc:
                    print(exc.reason)
        """, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("a FIFO (named pipe), not a regular file") == 2
    assert res.stdout.count("a character device, not a regular file") == 2
    assert res.stdout.count("a directory, not a regular file") == 2
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 1000)
    assert read_regular(str(big), 1000) == b"x" * 1000
    with pytest.raises(FileTooLarge, match="1,000 bytes, over the 999"):
        read_regular(str(big), 999)
    with pytest.raises(UnreadableFile, match="No such file"):
        read_regular(str(tmp_path / "missing"))


@pytest.mark.parametrize("on_error", ["skip", "raise"])
def test_fifo_and_device_in_a_class_folder(tmp_path: Path, on_error: str) -> None:
    root = _tree(tmp_path / "data")
    os.mkfifo(root / "a" / "pipe.png")
    os.symlink("/dev/zero", root / "b" / "zero.jpg")
    res = _run(f"""
        from augwise import ImageDataGenerator, ImageDecodeError
        it = ImageDataGenerator().flow_from_directory(
            {str(root)!r}, target_size=(8, 8), batch_size=8, shuffle=False,
            on_error={on_error!r}, verbose=False)
        try:
            shapes = [it[i][0].shape[0] for i in range(len(it))]
        except ImageDecodeError as exc:
            print("refused", exc)
        else:
            print("sizes", shapes, sorted(it.skipped.values()))
        """, timeout=60)
    assert res.returncode == 0, res.stderr
    if on_error == "skip":
        assert "sizes [8]" in res.stdout
        assert "a FIFO (named pipe), not a regular file" in res.stdout
        assert "a character device, not a regular file" in res.stdout
    else:
        assert "refused" in res.stdout and "not a regular file" in res.stdout


def test_config_and_harm_files_that_are_not_data(tmp_path: Path) -> None:
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    res = _run(f"""
        from augwise.core.config import read_config_file
        from augwise.results.harm import HarmReport
        for read, path in ((read_config_file, {str(fifo)!r}), (HarmReport.load, "/dev/zero")):
            try:
                read(path)
            except ValueError as exc:
                print(type(exc).__name__, exc)
        """, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "cannot read config file" in res.stdout and "FIFO" in res.stdout
    assert "cannot read harm report '/dev/zero'" in res.stdout
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    from augwise.results.harm import HarmReport

    with pytest.raises(ValueError, match="nested too deeply"):
        HarmReport.load(deep)


def _npz_member_with_header(path: Path, shape: tuple[int, ...], data: bytes) -> None:
    """An ``.npz`` whose ``x_train.npy`` declares ``shape`` but holds ``data``."""
    header = {"descr": "|u1", "fortran_order": False, "shape": shape}
    body = repr(header).encode("latin1")
    body += b" " * (-(len(body) + 11) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + data
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("x_train.npy", npy)
        zf.writestr("y_train.npy", _npy_bytes(np.zeros(2, np.int64)))


def _npy_bytes(arr: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def test_array_files_that_declare_more_than_they_hold(tmp_path: Path) -> None:
    from augwise.io.datasets import open_source

    bomb = tmp_path / "bomb.npz"
    _npz_member_with_header(bomb, (300_000, 1000, 1000), b"\0" * 100)
    with pytest.raises(ValueError, match=r"declares 300,000,000,000 bytes .* holds 100"):
        open_source(str(bomb))
    short = tmp_path / "short.npy"
    short.write_bytes(_npy_bytes(np.zeros((4, 8, 8), np.uint8))[:-10])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        open_source(str(short))
    fine = tmp_path / "fine.npz"
    np.savez(fine, x_train=np.zeros((4, 8, 8), np.uint8), y_train=np.arange(4) % 2)
    assert len(open_source(str(fine)).train) == 4


@pytest.mark.parametrize("case", ["nan_images", "nan_labels", "no_samples"])
def test_array_sources_refuse_nan_and_empty(tmp_path: Path, case: str) -> None:
    from augwise import diagnose

    x = np.full((20, 8, 8, 3), 100.0, np.float32)
    y = np.arange(20.0) % 2
    if case == "nan_images":
        x[3, 1, 1, 0] = np.nan
    elif case == "nan_labels":
        y[5] = np.nan
    else:
        x, y = x[:0], y[:0]
    path = tmp_path / "data.npz"
    np.savez(path, x_train=x, y_train=y)
    match = {"nan_images": "images holds 1 NaN", "nan_labels": "labels holds 1 NaN",
             "no_samples": "holds no image"}[case]
    with pytest.raises(ValueError, match=match):
        diagnose(str(path), workers=1, progress=False)


# -- arrays: byte order, range, NaN in the single-image methods ----------------------------


def test_big_endian_arrays_give_the_native_batches() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (4, 10, 12, 3)).astype(np.float32)
    gen = ImageDataGenerator(rotation_range=20, brightness_range=(0.5, 1.5), seed=0)
    ours = gen.flow(x.astype(">f4"), batch_size=4, shuffle=False)[0]
    native = gen.flow(x, batch_size=4, shuffle=False)[0]
    np.testing.assert_array_equal(ours, native)
    one = x[0].astype(">f4")
    np.testing.assert_array_equal(gen.random_transform(one, seed=1),
                                  gen.random_transform(x[0], seed=1))
    np.testing.assert_array_equal(ImageDataGenerator(samplewise_center=True).standardize(one),
                                  ImageDataGenerator(samplewise_center=True).standardize(x[0]))


def test_values_beyond_the_output_dtype_are_refused() -> None:
    for compat in (False, True):
        with pytest.raises(ValueError, match="beyond float32's range"):
            ImageDataGenerator(keras_compat=compat).flow(np.full((2, 4, 4, 3), 1e308),
                                                         batch_size=2)
    # float64 output holds them
    out = ImageDataGenerator(dtype="float64").flow(np.full((2, 4, 4, 3), 1e308),
                                                   batch_size=2)[0]
    assert np.isfinite(out).all()


def test_single_image_methods_refuse_nan_and_inf() -> None:
    x = np.full((8, 8, 3), 100, np.float32)
    x[4, 4, 0] = np.inf
    gen = ImageDataGenerator(rotation_range=30, samplewise_center=True)
    for call in (lambda: gen.random_transform(x, seed=0), lambda: gen.standardize(x),
                 lambda: gen.apply_transform(x, {"theta": 10})):
        with pytest.raises(ValueError, match="NaN or infinite"):
            call()


@pytest.mark.parametrize("keras_compat", [False, True])
@pytest.mark.parametrize(("params", "error", "match"), [
    ({"theta": float("nan")}, ValueError, "theta must be finite"),
    ({"tx": float("inf")}, ValueError, "tx must be finite"),
    ({"zx": 0}, ValueError, "zx and zy must not be 0"),
    ({"brightness": float("nan")}, ValueError, "brightness must be finite"),
    ({"channel_shift_intensity": float("inf")}, ValueError, "channel_shift_intensity"),
    ({"flip_horizontal": "False"}, TypeError, "flip_horizontal must be True or False"),
    ({"flip_vertical": 0.5}, TypeError, "flip_vertical must be True or False"),
    ({"theta": "10"}, TypeError, "theta must be a number"),
])
def test_apply_transform_refuses_invalid_parameters(
    keras_compat: bool, params: dict[str, Any], error: type[Exception], match: str
) -> None:
    x = np.full((8, 8, 3), 100, np.float32)
    with pytest.raises(error, match=match):
        ImageDataGenerator(keras_compat=keras_compat).apply_transform(x, params)


def test_apply_transform_takes_keras_flags_and_numbers() -> None:
    x = np.arange(8 * 8 * 3, dtype=np.float32).reshape(8, 8, 3)
    gen = ImageDataGenerator()
    for flag in (True, np.bool_(True), 1, 1.0, np.array(True)):
        np.testing.assert_array_equal(gen.apply_transform(x, {"flip_horizontal": flag}),
                                      x[:, ::-1])
    for params in ({"theta": np.float64(0), "tx": 0}, {"flip_horizontal": None},
                   {"theta": np.array(0.0)}):
        np.testing.assert_array_equal(gen.apply_transform(x, params), x)


def test_dataframe_targets_and_weights_refuse_nan(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    root = _tree(tmp_path / "data", n=2)
    df = pd.DataFrame({"filename": ["a/g0.png", "a/g1.png", "b/g0.png"],
                       "t": [0.5, np.nan, 1.0], "w": [1.0, 2.0, np.inf]})
    gen = ImageDataGenerator()
    for kw, col in ((dict(y_col="t", class_mode="raw"), "y_col 't'"),
                    (dict(y_col=["t", "w"], class_mode="multi_output"), "y_col 't'"),
                    (dict(y_col=None, class_mode=None, weight_col="w"), "weight_col 'w'")):
        with pytest.raises(ValueError, match=f"{col}: values holds 1 NaN or infinite"):
            gen.flow_from_dataframe(df, str(root), verbose=False, **kw)


# -- arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"dtype": "uint8", "rescale": 1 / 255}, "dtype='uint8' cannot hold what rescale"),
    ({"dtype": "uint8", "samplewise_center": True}, "cannot hold what samplewise_center"),
    ({"dtype": "int8"}, "dtype='int8' cannot hold pixel values from 0 to 255"),
])
def test_generator_arguments_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ImageDataGenerator(**kwargs)


def test_an_empty_shift_list_is_no_shift_as_in_keras() -> None:
    x = np.random.default_rng(0).uniform(0, 255, (2, 6, 7, 3)).astype(np.float32)
    for compat in (False, True):
        out = ImageDataGenerator(width_shift_range=[], keras_compat=compat).flow(
            x, batch_size=2, shuffle=False)[0]
        np.testing.assert_array_equal(out, x)


def test_uint8_output_without_standardisation_still_works() -> None:
    x = np.full((2, 4, 4, 3), 200, np.uint8)
    out = ImageDataGenerator(dtype="uint8").flow(x, batch_size=2)[0]
    assert out.dtype == np.uint8 and int(out.max()) == 200


def test_iterator_arguments_refused(tmp_path: Path) -> None:
    x = np.zeros((6, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        ImageDataGenerator(rotation_range=5).get_random_transform((4, 4, 1), seed=-1)
    with pytest.raises(TypeError, match="image_data_generator must be an augwise"):
        NumpyArrayIterator(x, None, "gen")  # type: ignore[arg-type]
    assert NumpyArrayIterator(x, None, None, batch_size=3)[1].shape == (3, 4, 4, 1)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        Iterator(6, 0, False, 0)
    with pytest.raises(ValueError, match="batch 99 does not exist"):
        ImageDataGenerator().flow(x, batch_size=2).batch_params(99)
    a_file = tmp_path / "cache"
    a_file.write_text("not a folder")
    root = _tree(tmp_path / "data", n=1)
    with pytest.raises(ValueError, match="cannot be a cache folder"):
        ImageDataGenerator().flow_from_directory(str(root), cache=str(a_file), verbose=False)


def test_diagnose_and_tune_data_refuse_bad_arguments() -> None:
    from augwise import diagnose
    from augwise.tune import arrays_data

    x = np.zeros((20, 8, 8, 1), np.uint8)
    with pytest.raises(ValueError, match="max_image_pixels must be an int > 0"):
        diagnose((x, np.arange(20) % 2), max_image_pixels=0, workers=1, progress=False)
    with pytest.raises(ValueError, match="NaN or infinite"):
        arrays_data(np.full((10, 4, 4, 3), np.inf), np.arange(10) % 2)


# -- command line -----------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUGWISE_DEBUG"}
    return subprocess.run([sys.executable, "-m", "augwise.cli.main", *args], capture_output=True,
                          text=True, timeout=300, check=False, cwd=cwd, env=env)


def test_cli_input_errors_exit_2(tmp_path: Path) -> None:
    root = _tree(tmp_path / "data", n=2)
    csv = tmp_path / "data.csv"
    csv.write_text("filename,class\n" + "".join(
        f"{root / c / f'g{i}.png'},{c}\n" for c in "ab" for i in range(2)))
    res = _cli("doctor", str(csv), "--y-col", "nope", "--workers", "1", "-o", "out",
               cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "y_col='nope' is not a column of the csv" in res.stderr
    assert "Traceback" not in res.stderr
    res = _cli("preview", str(root), "-o", "p.png", "--color-mode", "cmyk", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "color_mode must be" in res.stderr and "Traceback" not in res.stderr


def test_cli_preview_logs_each_skipped_file_once(tmp_path: Path) -> None:
    root = tmp_path / "bad"
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i in range(2):
            (root / cls / f"z{i}.jpg").write_bytes(b"")
    res = _cli("preview", str(root), "-o", "p.png", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if "skipped unreadable image" in ln]
    assert len(lines) == 4 and len(set(lines)) == 4, res.stderr


def test_cli_empty_data_path_is_refused_not_the_current_folder(tmp_path: Path) -> None:
    for command in (("doctor", "", "-o", "out"), ("preview", "", "-o", "p.png")):
        res = _cli(*command, cwd=tmp_path)
        assert res.returncode == 2, res.stderr
        assert "is an empty path" in res.stderr
    assert not (tmp_path / "out").exists()


def test_tune_storage_is_checked_before_any_work(tmp_path: Path) -> None:
    from augwise.tune.storage import check_storage_url

    with pytest.raises(ValueError, match="names no database SQLAlchemy knows"):
        check_storage_url("bogus://x")
    with pytest.raises(ValueError, match="does not exist"):
        check_storage_url(f"journal:{tmp_path}/missing/j.log")
    check_storage_url(f"sqlite:///{tmp_path}/study.db")
    check_storage_url(f"journal:{tmp_path}/j.log")
    res = _cli("tune", "--demo", "--storage", "bogus://x", "-o", "t", cwd=tmp_path)
    assert res.returncode == 2 and "data:" not in res.stderr, res.stderr


# -- round two: adapters, caches, save_to_dir, Keras' list shifts ---------------------------


def test_torch_channels_first_gives_nchw_for_every_image_tensor(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from augwise.torch import as_dataset

    def first(it: Any) -> Any:
        loader = torch.utils.data.DataLoader(as_dataset(it, channels_first=True),
                                             batch_size=None)
        return next(iter(loader))

    nchw = ImageDataGenerator(data_format="channels_first").flow(
        np.zeros((4, 3, 6, 8), np.uint8), batch_size=4, seed=0)
    assert tuple(first(nchw).shape) == (4, 3, 6, 8)  # already NCHW: not transposed again
    x, misc = np.zeros((4, 6, 8, 3), np.uint8), np.zeros((4, 5))
    inputs, _ = first(ImageDataGenerator().flow((x, misc), np.arange(4), batch_size=4, seed=0))
    assert [tuple(t.shape) for t in inputs] == [(4, 3, 6, 8), (4, 5)]
    root = _tree(tmp_path / "data", n=2)
    auto = ImageDataGenerator().flow_from_directory(str(root), target_size=(8, 10),
                                                    class_mode="input", batch_size=4,
                                                    verbose=False, seed=0)
    images, target = first(auto)
    assert tuple(images.shape) == tuple(target.shape) == (4, 3, 8, 10)


def test_unwritable_cache_folder_warns_once_and_batches_stay(tmp_path: Path) -> None:
    root = _tree(tmp_path / "data", n=2)
    plain = ImageDataGenerator(rotation_range=10).flow_from_directory(
        str(root), target_size=(8, 8), shuffle=False, verbose=False, seed=0)
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    it = ImageDataGenerator(rotation_range=10).flow_from_directory(
        str(root), target_size=(8, 8), shuffle=False, verbose=False, seed=0,
        cache=str(blocked))
    for sub in range(256):  # every sub-folder name taken by a file: no entry can be written
        (blocked / f"{sub:02x}").write_text("in the way")
    with pytest.warns(RuntimeWarning, match="cannot write to the cache folder") as caught:
        got = it[0]
    assert len(caught) == 1
    np.testing.assert_array_equal(got[0], plain[0][0])


def test_cache_and_save_arguments_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path / "data", n=1)
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="cache='' names no folder"):
        gen.flow_from_directory(str(root), cache="", verbose=False)
    with pytest.raises(TypeError, match="cache_limit_bytes must be an int"):
        gen.flow_from_directory(str(root), cache="memory", cache_limit_bytes=True,
                                verbose=False)
    x = np.zeros((2, 4, 4, 3), np.uint8)
    for prefix in ("../escape", "sub/dir", "a\0b", "x" * 201):
        with pytest.raises(ValueError, match="must be a plain file-name prefix"):
            gen.flow(x, batch_size=2, save_to_dir=str(tmp_path), save_prefix=prefix)
    assert not list(tmp_path.parent.glob("escape*"))


@pytest.mark.parametrize("shifts", [[-2, 2], [-0.1, 0.2], [-3, 0.5]])
def test_shift_lists_may_hold_negative_values_as_in_keras(shifts: list[float]) -> None:
    keras_image = pytest.importorskip("keras.src.legacy.preprocessing.image")
    x = np.random.default_rng(0).uniform(0, 255, (8, 10, 12, 3)).astype(np.float32)
    ours = ImageDataGenerator(width_shift_range=shifts, keras_compat=True).flow(
        x, batch_size=8, shuffle=False, seed=1)[0]
    theirs = keras_image.ImageDataGenerator(width_shift_range=shifts).flow(
        x, batch_size=8, shuffle=False, seed=1)[0]
    np.testing.assert_allclose(ours, theirs, atol=1e-3)
    ImageDataGenerator(width_shift_range=shifts).flow(x, batch_size=8, seed=1)[0]


def test_keras_compat_skip_reason_names_the_read_error(tmp_path: Path) -> None:
    root = _tree(tmp_path / "data", n=2)
    it = ImageDataGenerator(keras_compat=True).flow_from_directory(
        str(root), target_size=(8, 8), batch_size=4, shuffle=False, on_error="skip",
        verbose=False)
    gone = root / "a" / "g0.png"
    gone.unlink()
    os.mkfifo(gone)
    it[0]
    assert it.skipped == {str(gone): "a FIFO (named pipe), not a regular file"}
