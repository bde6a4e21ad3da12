"""`badak.backends.cudnn`: the switches of cuDNN, which scripts set for reproducibility. badak has
no cuDNN; the switches are kept (and change nothing) so that such scripts run unchanged."""

enabled = True
benchmark = False
deterministic = False


def is_available():
    return False
