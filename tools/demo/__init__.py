"""The embedded demo dataset: synthetic files in the official layouts (*données fictives de démonstration*)."""

from demo.generate import DEMO_LABEL, build_demo, write_demo, write_earlier_demo

__all__ = ["DEMO_LABEL", "build_demo", "write_demo", "write_earlier_demo"]
