"""DeZero's transforms: callables applied to one example as a Dataset hands it out.

    MNIST(transform=Compose([Flatten(), ToFloat(), Normalize(0.0, 255.0)]))

Array transforms (Normalize, Flatten, AsType, ToFloat, ToInt) need NumPy only. The image
transforms (Convert, Resize, CenterCrop, ToArray, ToPIL) work on PIL images; Pillow is imported
when one of them needs it, so badak does not depend on it.
"""

from badak.device import np


class Compose:
    """Applies the given transforms in order; with none, returns its input unchanged."""

    def __init__(self, transforms=None):
        self.transforms = [] if transforms is None else transforms

    def __call__(self, img):
        for transform in self.transforms:
            img = transform(img)
        return img


# ----------------------------------------------------------------------------------------------
# Transforms for PIL images
# ----------------------------------------------------------------------------------------------
def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "badak.dezero.transforms: this transform works on PIL images and needs Pillow "
            "(pip install pillow)"
        ) from None
    return Image


def _pair(size):
    if isinstance(size, (int, np.integer)):
        return (int(size), int(size))
    if isinstance(size, (tuple, list)) and len(size) == 2:
        return tuple(size)
    raise ValueError(f"expected an int or a pair of ints, got {size!r}")


class Convert:
    """Converts a PIL image to `mode` ('RGB', 'L', ...); 'BGR' is RGB with red and blue swapped."""

    def __init__(self, mode="RGB"):
        self.mode = mode

    def __call__(self, img):
        if self.mode != "BGR":
            return img.convert(self.mode)
        red, green, blue = img.convert("RGB").split()
        return _pil_image().merge("RGB", (blue, green, red))


class Resize:
    """Resizes a PIL image to `size`, an int (square) or (width, height); bilinear by default."""

    def __init__(self, size, mode=None):
        self.size = _pair(size)
        self.mode = mode

    def __call__(self, img):
        mode = _pil_image().BILINEAR if self.mode is None else self.mode
        return img.resize(self.size, mode)


class CenterCrop:
    """Crops the centre of a PIL image to `size`, an int (square) or (width, height); where the
    margin to cut is odd, the extra pixel comes off the right or bottom."""

    def __init__(self, size):
        self.size = _pair(size)

    def __call__(self, img):
        width, height = img.size
        out_width, out_height = self.size
        left = (width - out_width) // 2
        top = (height - out_height) // 2
        return img.crop((left, top, left + out_width, top + out_height))


class ToArray:
    """A PIL image as a (C, H, W) array of `dtype`; an ndarray passes through unchanged."""

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    def __call__(self, img):
        if isinstance(img, np.ndarray):
            return img
        if isinstance(img, _pil_image().Image):
            return np.asarray(img).transpose(2, 0, 1).astype(self.dtype)
        raise TypeError(f"ToArray: expected a PIL image or an ndarray, got {type(img).__name__}")


class ToPIL:
    """A (C, H, W) array as a PIL image."""

    def __call__(self, array):
        return _pil_image().fromarray(array.transpose(1, 2, 0))


# ----------------------------------------------------------------------------------------------
# Transforms for NumPy arrays
# ----------------------------------------------------------------------------------------------
class Normalize:
    """(array - mean) / std, with scalar statistics or one per channel (the first axis).

    A floating array keeps its dtype: the statistics are cast to it. An integer array gives the
    float result NumPy's promotion gives.
    """

    def __init__(self, mean=0, std=1):
        self.mean = mean
        self.std = std

    def __call__(self, array):
        return (array - self._stat(self.mean, array)) / self._stat(self.std, array)

    @staticmethod
    def _stat(value, array):
        floating = array.dtype.kind in "fc"
        if np.isscalar(value):
            return array.dtype.type(value) if floating else value
        value = np.asarray(value, dtype=array.dtype if floating else None)
        if value.size == 1:
            return value.reshape(())
        return value.reshape((len(value),) + (1,) * (array.ndim - 1))


class Flatten:
    """The array as a 1-D copy."""

    def __call__(self, array):
        return array.flatten()


class AsType:
    """The array converted to `dtype`."""

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    def __call__(self, array):
        return array.astype(self.dtype)


ToFloat = AsType


class ToInt(AsType):
    """The array converted to an integer dtype (Python's int: int64)."""

    def __init__(self, dtype=int):
        self.dtype = dtype
