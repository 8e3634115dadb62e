"""Run against this checkout's package (python/uat) unless UAT_PYTHON_INSTALLED is set, in
which case the installed one (pip install ./python) is imported."""
import os
import sys

if not os.environ.get("UAT_PYTHON_INSTALLED"):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
