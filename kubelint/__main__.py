"""``python -m kubelint``."""

from kubelint.console import main

main()
