from hypothesis import HealthCheck, settings

settings.register_profile(
    "badak",
    deadline=None,
    derandomize=True,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("badak")
