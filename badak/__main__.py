"""``python -m badak``: the same as the ``badak`` console script."""

from badak.cli import console_main

if __name__ == "__main__":
    console_main()
