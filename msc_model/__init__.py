"""msc-model: a closed-loop mineral supply chain model that finds the least-cost plan to cut
a country's external (import) dependence."""

__version__ = "0.1.0"
