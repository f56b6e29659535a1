"""Builds the one compiled module, ``dateline/analyze/_greedy`` (spaCy's parse loop
without its GIL round trips: see the module). Everything else is in pyproject.toml.

It compiles against spaCy's and thinc's ``.pxd`` files, so it needs them (and Cython)
installed first: ``make`` installs requirements.lock, then this package without build
isolation. Where it cannot be built the package works without it, a little slower.
"""

from setuptools import setup

try:
    import numpy  # spaCy's headers include NumPy's
    from Cython.Build import cythonize
    from setuptools import Extension

    extensions = cythonize(
        [Extension("dateline.analyze._greedy", ["dateline/analyze/_greedy.pyx"], language="c++",
                   include_dirs=[numpy.get_include()], extra_compile_args=["-O3"])],
        language_level=3,
    )
except ImportError:  # no Cython or NumPy at build time: nlp.parse_sentences uses spaCy's own loop
    extensions = []

setup(ext_modules=extensions)
