"""einsum: products and sums named by index letters, "ij,jk->ik", as torch.einsum.

The gradient of each operand is itself an einsum: the upstream gradient times the other
operands, with the operand's letters as the output (a letter summed away in the forward is
brought back by a factor of ones).
"""

import string

from badak.autograd import Function
from badak.device import np
from badak.functions._args import shape_of

_LETTERS = string.ascii_letters


class Einsum(Function):
    saves_inputs = True

    def forward(self, *operands, inputs, output, sizes):
        self.inputs_spec, self.output_spec, self.sizes = inputs, output, sizes
        return _contract(inputs, output, operands)

    def backward(self, grad):
        operands = self.inputs
        gradients = []
        for k, needed in enumerate(self.needs_input_grad):
            if not needed:
                gradients.append(None)
                continue
            specs = [self.output_spec, *(s for i, s in enumerate(self.inputs_spec) if i != k)]
            factors = [grad, *(x for i, x in enumerate(operands) if i != k)]
            missing = "".join(c for c in self.inputs_spec[k] if not any(c in s for s in specs))
            if missing:
                ones = np.ones([self.sizes[c] for c in missing], np.asarray(0, grad.dtype).dtype)
                specs.append(missing)
                factors.append(ones)
            gradients.append(Einsum()(*factors, inputs=specs, output=self.inputs_spec[k],
                                      sizes=self.sizes))  # fmt: skip
        return tuple(gradients)


def _contract(inputs, output, operands):
    equation = ",".join(inputs) + "->" + output
    if len(operands) == 1:
        return np.einsum(equation, operands[0]).copy()  # a diagonal or transpose is a view
    return np.einsum(equation, *operands, optimize=len(operands) > 2 or "greedy")


def _parse(equation, shapes):
    """(input letter strings, output letter string, letter -> size), with '...' spelled out as
    letters unused by the equation."""
    equation = equation.replace(" ", "")
    left, arrow, output = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(
            f"einsum: the equation names {len(inputs)} operands, got {len(shapes)} operands"
        )
    spare = [c for c in _LETTERS if c not in equation]
    ellipsis_dims = max(
        (len(shape) - len(spec.replace("...", "")) for spec, shape in zip(inputs, shapes)
         if "..." in spec),
        default=0,
    )  # fmt: skip
    filler = "".join(spare[:ellipsis_dims])
    spelled = []
    for spec, shape in zip(inputs, shapes):
        if "..." in spec:
            own = len(shape) - len(spec.replace("...", ""))
            spec = spec.replace("...", filler[ellipsis_dims - own :] if own else "")
        bad = [c for c in spec if c not in _LETTERS]
        if bad:
            raise ValueError(f"einsum: invalid subscript {bad[0]!r} in {equation!r}")
        if len(spec) != len(shape):
            raise ValueError(
                f"einsum: subscripts {spec!r} do not fit an operand of shape {tuple(shape)}"
            )
        if len(set(spec)) != len(spec):
            raise NotImplementedError(
                f"einsum: a letter repeated within one operand ({spec!r}) is not supported"
            )
        spelled.append(spec)
    if arrow:
        output = output.replace("...", filler)
    else:  # implicit: the letters seen once, in order, after the ellipsis's
        counts = "".join(spelled)
        output = filler + "".join(
            sorted(c for c in set(counts) if counts.count(c) == 1 and c not in filler)
        )
    sizes = {}
    for spec, shape in zip(spelled, shapes):
        for c, n in zip(spec, shape):
            if sizes.setdefault(c, n) != n:
                raise ValueError(
                    f"einsum: letter {c!r} has size {sizes[c]} in one operand and {n} in another"
                )
    unknown = [c for c in output if c not in sizes]
    if unknown or len(set(output)) != len(output):
        raise ValueError(f"einsum: invalid output subscripts {output!r} in {equation!r}")
    return spelled, output, sizes


def einsum(equation, *operands):
    """Products of the operands' elements, named by index letters and summed over the letters
    the output leaves out, as torch.einsum: "ij,jk->ik" is a matrix product, "bij,bjk->bik" a
    batched one. A letter repeated within one operand ("ii", a diagonal) is not supported.

    Args:
        equation: one letter string per operand, comma-separated, then optionally "->" and
            the output's letters; "..." stands for the dims no letter names (aligned from the
            last). Without "->", the output is the "..." dims, then the letters seen once in
            sorted order.
        operands: the tensors, as varargs or one list.

    Shape: each operand has one dim per letter of its string, a letter the same size wherever
    it appears; the result has one dim per output letter, of that letter's size.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: expected an equation string, got {type(equation).__name__}")
    inputs, output, sizes = _parse(equation, [shape_of(x) for x in operands])
    return Einsum()(*operands, inputs=inputs, output=output, sizes=sizes)
