"""Fashion-MNIST from Debian's dataset-fashion-mnist package (IDX files, gzip-compressed).

Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017, Zalando Research, MIT licence): 70,000 28x28
grey-scale images of clothing in ten classes, 60,000 for training and 10,000 for testing.
"""

from badak.data.errors import DataError
from badak.data.idx import IDX_FILES, idx_files, load_idx_folder

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def load_fashion_mnist(directory=FASHION_MNIST_DIR):
    """Fashion-MNIST's train and test sets; label k names FASHION_MNIST_CLASSES[k].

    Returns:
        IdxData: train_images float32 (60000, 784) in [0, 1], train_labels int64 (60000,),
        test_images (10000, 784), test_labels (10000,). When the files are absent, DataError
        says how to install them.
    """
    missing = [IDX_FILES[key] for key, path in idx_files(directory).items() if path is None]
    if missing:
        raise DataError(
            f"Fashion-MNIST not found in {directory} (missing {', '.join(missing)}): "
            f"install it with `apt-get install dataset-fashion-mnist` (Debian's package)"
        )
    return load_idx_folder(directory)
