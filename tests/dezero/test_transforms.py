import numpy as np
import pytest

from badak.dezero import transforms as T


def test_compose_applies_in_order_and_empty_is_identity():
    x = np.arange(3)
    assert T.Compose()(x) is x
    np.testing.assert_array_equal(T.Compose([lambda a: a + 1, lambda a: a * 10])(x), [10, 20, 30])


def test_mnist_pipeline_flattens_and_scales_to_float32():
    image = np.array([[[0, 51], [255, 102]]], dtype=np.uint8)
    out = T.Compose([T.Flatten(), T.ToFloat(), T.Normalize(0.0, 255.0)])(image)
    assert out.dtype == np.float32 and out.shape == (4,)
    np.testing.assert_array_equal(out, np.float32([0, 51, 255, 102]) / np.float32(255))


def test_normalize_keeps_float32_with_numpy_float64_statistics():
    x = np.array([1.0, 2.0], np.float32)
    out = T.Normalize(np.float64(0.5), np.float64(0.25))(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, (x - np.float32(0.5)) / np.float32(0.25))


def test_normalize_per_channel_statistics_broadcast_over_the_first_axis():
    x = np.ones((3, 2, 2), np.float32) * np.array([1.0, 2.0, 3.0], np.float32)[:, None, None]
    out = T.Normalize(mean=[1.0, 2.0, 3.0], std=[1.0, 2.0, 4.0])(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.zeros((3, 2, 2)))
    np.testing.assert_array_equal(T.Normalize([1.0], [2.0])(x)[2], np.ones((2, 2)))


def test_normalize_integer_array_gives_floats_as_numpy_promotes():
    out = T.Normalize(0.0, 2.0)(np.array([1, 3], np.uint8))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [0.5, 1.5])


def test_astype_tofloat_toint():
    x = np.array([1.7, -2.2])
    assert T.ToFloat is T.AsType
    assert T.ToFloat()(x).dtype == np.float32
    assert T.AsType(np.float16)(x).dtype == np.float16
    out = T.ToInt()(x)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [1, -2])


def test_flatten_copies():
    x = np.zeros((2, 3))
    out = T.Flatten()(x)
    assert out.shape == (6,)
    out[0] = 1
    assert x[0, 0] == 0


# ----------------------------------------------------------------------------------------------
# Image transforms (Pillow)
# ----------------------------------------------------------------------------------------------
@pytest.fixture
def image():
    Image = pytest.importorskip("PIL.Image")
    pixels = np.arange(5 * 6 * 3, dtype=np.uint8).reshape(5, 6, 3)  # H=5, W=6, RGB
    return Image.fromarray(pixels)


def test_to_array_gives_channels_first_and_passes_arrays_through(image):
    out = T.ToArray()(image)
    assert out.dtype == np.float32 and out.shape == (3, 5, 6)
    np.testing.assert_array_equal(out, np.asarray(image).transpose(2, 0, 1))
    x = np.zeros(2)
    assert T.ToArray()(x) is x
    with pytest.raises(TypeError, match="ToArray: expected a PIL image or an ndarray, got list"):
        T.ToArray()([1, 2])


def test_to_pil_inverts_to_array(image):
    back = T.ToPIL()(T.ToArray(np.uint8)(image))
    np.testing.assert_array_equal(np.asarray(back), np.asarray(image))


def test_convert_to_grey_and_to_bgr(image):
    assert T.Convert("L")(image).mode == "L"
    bgr = np.asarray(T.Convert("BGR")(image))
    np.testing.assert_array_equal(bgr, np.asarray(image)[:, :, ::-1])


def test_resize_and_center_crop_take_width_then_height(image):
    assert T.Resize(4)(image).size == (4, 4)
    assert T.Resize((3, 2))(image).size == (3, 2)
    cropped = T.CenterCrop((3, 2))(image)  # margins 3 (cols) and 3 (rows): 1 left, 2 right
    assert cropped.size == (3, 2)
    np.testing.assert_array_equal(np.asarray(cropped), np.asarray(image)[1:3, 1:4])


def test_image_sizes_must_be_an_int_or_a_pair():
    with pytest.raises(ValueError, match=r"expected an int or a pair of ints, got \(1, 2, 3\)"):
        T.CenterCrop((1, 2, 3))
