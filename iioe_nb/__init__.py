"""IIOE Notebooks: trilingual ICT training modules built, graded and published with Jupyter."""
from iioe_nb.errors import IioeError

__version__ = "0.1.0"
__all__ = ["IioeError", "__version__"]
