"""torch.onnx's path. badak cannot export to ONNX yet: `export` raises and says so, so that a
script that imports torch.onnx runs and fails only where it asks for an export."""

__all__ = ["export", "is_in_onnx_export"]


def export(model, args=(), f=None, *more, **options):
    """torch.onnx.export's signature; badak cannot export to ONNX yet, so it always raises
    NotImplementedError, which says how to take the weights out instead (a .safetensors file
    from badak.save(model.state_dict(), ...))."""
    raise NotImplementedError(
        "badak.onnx.export: badak cannot export models to ONNX yet; save the weights with "
        "badak.save(model.state_dict(), 'model.safetensors') and load them into an exporter"
    )


def is_in_onnx_export():
    """False: badak never runs an ONNX export."""
    return False
