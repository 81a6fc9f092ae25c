"""The demo company: a deterministic, scalable multi-site manufacturer and distributor
that fills every table of the data model, with stories for the analyses to find
(see ``docs/demo.md``).
"""

from obeya.demo.config import DemoConfig
from obeya.demo.generate import Progress, generate
from obeya.demo.stories import Promotion, Stories, stories
from obeya.demo.writer import write_parquet

__all__ = ["DemoConfig", "Progress", "Promotion", "Stories", "generate", "stories", "write_parquet"]
