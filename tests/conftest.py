import os

from hypothesis import HealthCheck, settings

# scikit-learn's estimator checks include an array-API check that runs only when scipy was
# imported with this set; it must come before anything imports scipy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

settings.register_profile(
    "badak",
    deadline=None,
    derandomize=True,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("badak")
