"""`badak.accelerator`, as torch.accelerator: the current accelerator, if any. badak computes on
the CPU only, so there is none (`device = badak.accelerator.current_accelerator() or "cpu"`)."""

__all__ = ["current_accelerator", "device_count", "is_available"]


def is_available():
    return False


def current_accelerator(check_available=False):
    """None: no accelerator (torch's answer on a CPU-only machine)."""
    return None


def device_count():
    return 0
