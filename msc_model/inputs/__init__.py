"""Read workbook → validate → convert → :class:`~msc_model.data.ModelData`.

:func:`load_inputs` is the one entry point; :func:`describe` summarises its result.
"""

from msc_model.inputs.reader import Limits
from msc_model.inputs.summary import describe
from msc_model.inputs.validate import load_inputs

__all__ = ["Limits", "describe", "load_inputs"]
