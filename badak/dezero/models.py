"""DeZero's models: Model, Sequential, MLP, VGG16 and the ResNets (50, 101, 152).

The networks have DeZero's layer names, so weight files written by DeZero's `save_weights`
load into them. badak.dezero never downloads: `pretrained=True` raises, and a local copy of
DeZero's weight file is loaded with `load_weights(path)`.
"""

from badak.device import np
from badak.dezero import functions as F
from badak.dezero import layers as L
from badak.dezero import utils
from badak.dezero.functions_conv import average_pooling, pooling
from badak.dezero.layers import Layer


def _no_download(name, url):
    raise RuntimeError(
        f"{name}: pretrained=True needs DeZero's weight file from the network ({url}); "
        "badak.dezero does not download. Build the model with pretrained=False and call "
        "model.load_weights(path) on a local copy of that file."
    )


# ----------------------------------------------------------------------------------------------
# Model / Sequential / MLP
# ----------------------------------------------------------------------------------------------
class Model(Layer):
    """A Layer that is a whole network, as DeZero's Model: subclasses define forward, and
    plot(*inputs) draws the graph of forward(*inputs).

    Shape: what the subclass's forward takes and returns, e.g. MLP((10, 1)) maps x (N, D) to
    (N, 1).
    """

    def plot(self, *inputs, to_file="model.png"):
        """Draw the graph of forward(*inputs) to `to_file` with Graphviz's dot."""
        y = self.forward(*inputs)
        return utils.plot_dot_graph(y, verbose=True, to_file=to_file)


class Sequential(Model):
    """The layers (or functions) applied in turn; layers are held as l0, l1, ...

    Shape: input as the first layer takes it, output as the last gives it.
    """

    def __init__(self, *layers):
        super().__init__()
        self.layers = []
        for i, layer in enumerate(layers):
            setattr(self, f"l{i}", layer)
            self.layers.append(layer)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class MLP(Model):
    """Linear layers of the given output sizes, `activation` between them (not after the last).

    The layers are `self.layers` and the attributes l0, l1, ... (saved as "l0/W", "l0/b").
    Shape: input (N, D) -> output (N, fc_output_sizes[-1]); D is fixed by the first call.
    """

    def __init__(self, fc_output_sizes, activation=F.sigmoid):
        super().__init__()
        self.activation = activation
        self.layers = []
        for i, out_size in enumerate(fc_output_sizes):
            layer = L.Linear(out_size)
            setattr(self, f"l{i}", layer)
            self.layers.append(layer)

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.layers[-1](x)


# ----------------------------------------------------------------------------------------------
# VGG16
# ----------------------------------------------------------------------------------------------
class VGG16(Model):
    """VGG-16 (Simonyan and Zisserman, 2014): 13 3x3 convolutions in 5 blocks, each block ending
    in 2x2 max pooling, then three Linear layers (4096, 4096, 1000) with dropout.

    Input (N, 3, H, W), H and W multiples of 32 (224 for ImageNet) -> output (N, 1000).
    """

    WEIGHTS_PATH = "https://github.com/koki0702/dezero-models/releases/download/v0.1/vgg16.npz"

    def __init__(self, pretrained=False):
        if pretrained:
            _no_download("VGG16", VGG16.WEIGHTS_PATH)
        super().__init__()
        self.conv1_1 = L.Conv2d(64, kernel_size=3, stride=1, pad=1)
        self.conv1_2 = L.Conv2d(64, kernel_size=3, stride=1, pad=1)
        self.conv2_1 = L.Conv2d(128, kernel_size=3, stride=1, pad=1)
        self.conv2_2 = L.Conv2d(128, kernel_size=3, stride=1, pad=1)
        self.conv3_1 = L.Conv2d(256, kernel_size=3, stride=1, pad=1)
        self.conv3_2 = L.Conv2d(256, kernel_size=3, stride=1, pad=1)
        self.conv3_3 = L.Conv2d(256, kernel_size=3, stride=1, pad=1)
        self.conv4_1 = L.Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv4_2 = L.Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv4_3 = L.Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv5_1 = L.Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv5_2 = L.Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.conv5_3 = L.Conv2d(512, kernel_size=3, stride=1, pad=1)
        self.fc6 = L.Linear(4096)
        self.fc7 = L.Linear(4096)
        self.fc8 = L.Linear(1000)

    def forward(self, x):
        blocks = (
            (self.conv1_1, self.conv1_2),
            (self.conv2_1, self.conv2_2),
            (self.conv3_1, self.conv3_2, self.conv3_3),
            (self.conv4_1, self.conv4_2, self.conv4_3),
            (self.conv5_1, self.conv5_2, self.conv5_3),
        )
        for block in blocks:
            for conv in block:
                x = F.relu(conv(x))
            x = pooling(x, 2, 2)
        x = F.reshape(x, (x.shape[0], -1))
        x = F.dropout(F.relu(self.fc6(x)))
        x = F.dropout(F.relu(self.fc7(x)))
        return self.fc8(x)

    @staticmethod
    def preprocess(image, size=(224, 224), dtype=np.float32):
        """A PIL image as VGG16's input: RGB resized to `size`, to BGR, ImageNet's channel means
        subtracted, channels first. Returns shape (3, H, W)."""
        image = image.convert("RGB")
        if size:
            image = image.resize(size)
        array = np.asarray(image, dtype=dtype)[:, :, ::-1]
        array = array - np.array([103.939, 116.779, 123.68], dtype=dtype)
        return array.transpose(2, 0, 1)


# ----------------------------------------------------------------------------------------------
# ResNet
# ----------------------------------------------------------------------------------------------
class ResNet(Model):
    """ResNet (He et al., 2015) with bottleneck blocks, as DeZero lays it out (after Chainer).

    DeZero passes its convolutions' arguments in Chainer's order (in_channels, out_channels,
    ksize, stride, pad), which its own Conv2d reads differently, so DeZero's ResNet cannot be
    built; here each convolution gets the channels, kernel, stride and padding DeZero meant.
    Input (N, 3, H, W) -> output (N, 1000).
    """

    WEIGHTS_PATH = "https://github.com/koki0702/dezero-models/releases/download/v0.1/resnet{}.npz"

    def __init__(self, n_layers=152, pretrained=False):
        blocks = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}
        if n_layers not in blocks:
            raise ValueError(
                f"ResNet: n_layers should be 50, 101 or 152, but {n_layers!r} was given"
            )
        if pretrained:
            _no_download(f"ResNet{n_layers}", ResNet.WEIGHTS_PATH.format(n_layers))
        super().__init__()
        block = blocks[n_layers]
        self.conv1 = L.Conv2d(64, 7, stride=2, pad=3, in_channels=3)
        self.bn1 = L.BatchNorm()
        self.res2 = BuildingBlock(block[0], 64, 64, 256, 1)
        self.res3 = BuildingBlock(block[1], 256, 128, 512, 2)
        self.res4 = BuildingBlock(block[2], 512, 256, 1024, 2)
        self.res5 = BuildingBlock(block[3], 1024, 512, 2048, 2)
        self.fc6 = L.Linear(1000)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = pooling(x, kernel_size=3, stride=2)
        x = self.res2(x)
        x = self.res3(x)
        x = self.res4(x)
        x = self.res5(x)
        x = _global_average_pooling_2d(x)
        return self.fc6(x)


class ResNet152(ResNet):
    """ResNet with 152 layers (blocks 3, 8, 36, 3): input (N, 3, H, W) -> output (N, 1000)."""

    def __init__(self, pretrained=False):
        super().__init__(152, pretrained)


class ResNet101(ResNet):
    """ResNet with 101 layers (blocks 3, 4, 23, 3): input (N, 3, H, W) -> output (N, 1000)."""

    def __init__(self, pretrained=False):
        super().__init__(101, pretrained)


class ResNet50(ResNet):
    """ResNet with 50 layers (blocks 3, 4, 6, 3): input (N, 3, H, W) -> output (N, 1000)."""

    def __init__(self, pretrained=False):
        super().__init__(50, pretrained)


def _global_average_pooling_2d(x):
    """(N, C, H, W) -> (N, C): the mean over each feature map."""
    N, C, H, W = x.shape
    return F.reshape(average_pooling(x, (H, W), stride=1), (N, C))


class BuildingBlock(Layer):
    """One BottleneckA (changes channels and resolution) then n_layers - 1 BottleneckB, held
    as a, b1, b2, ...

    Shape: (N, in_channels, H, W) -> (N, out_channels, H', W'), H' = ceil(H / stride).
    """

    def __init__(
        self, n_layers=None, in_channels=None, mid_channels=None, out_channels=None, stride=None,
        downsample_fb=None,
    ):  # fmt: skip
        super().__init__()
        self.a = BottleneckA(in_channels, mid_channels, out_channels, stride, downsample_fb)
        self._forward = ["a"]
        for i in range(1, n_layers):
            setattr(self, f"b{i}", BottleneckB(out_channels, mid_channels))
            self._forward.append(f"b{i}")

    def forward(self, x):
        for name in self._forward:
            x = getattr(self, name)(x)
        return x


class BottleneckA(Layer):
    """1x1 (reduce) -> 3x3 -> 1x1 (expand), each followed by BatchNorm, added to a projection of
    the input (1x1 convolution with the block's stride), then relu.

    downsample_fb: False puts the stride on the first 1x1 convolution (the original MSRA
    ResNet), True on the 3x3 one (Facebook's ResNet).

    Shape: (N, in_channels, H, W) -> (N, out_channels, H', W'), H' = ceil(H / stride).
    """

    def __init__(self, in_channels, mid_channels, out_channels, stride=2, downsample_fb=False):
        super().__init__()
        stride_1x1, stride_3x3 = (1, stride) if downsample_fb else (stride, 1)
        self.conv1 = L.Conv2d(mid_channels, 1, stride_1x1, 0, nobias=True, in_channels=in_channels)
        self.bn1 = L.BatchNorm()
        self.conv2 = L.Conv2d(mid_channels, 3, stride_3x3, 1, nobias=True, in_channels=mid_channels)
        self.bn2 = L.BatchNorm()
        self.conv3 = L.Conv2d(out_channels, 1, 1, 0, nobias=True, in_channels=mid_channels)
        self.bn3 = L.BatchNorm()
        self.conv4 = L.Conv2d(out_channels, 1, stride, 0, nobias=True, in_channels=in_channels)
        self.bn4 = L.BatchNorm()

    def forward(self, x):
        h1 = F.relu(self.bn1(self.conv1(x)))
        h1 = F.relu(self.bn2(self.conv2(h1)))
        h1 = self.bn3(self.conv3(h1))
        h2 = self.bn4(self.conv4(x))
        return F.relu(h1 + h2)


class BottleneckB(Layer):
    """1x1 -> 3x3 -> 1x1 with BatchNorm, added to the unchanged input, then relu.

    Shape: (N, in_channels, H, W) -> the same shape.
    """

    def __init__(self, in_channels, mid_channels):
        super().__init__()
        self.conv1 = L.Conv2d(mid_channels, 1, 1, 0, nobias=True, in_channels=in_channels)
        self.bn1 = L.BatchNorm()
        self.conv2 = L.Conv2d(mid_channels, 3, 1, 1, nobias=True, in_channels=mid_channels)
        self.bn2 = L.BatchNorm()
        self.conv3 = L.Conv2d(in_channels, 1, 1, 0, nobias=True, in_channels=mid_channels)
        self.bn3 = L.BatchNorm()

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return F.relu(h + x)
