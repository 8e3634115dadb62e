"""Loading libuat_approx (and through it libuat, libuat_ode, libuat_analysis) with ctypes, the
C declarations the package uses, and uat's errors as Python exceptions.

The libraries are looked for in $UAT_LIB_DIR, then in the build tree of the repository this
package sits in (build/lib), then where the dynamic linker finds installed libraries."""
import ctypes
import ctypes.util
import os

c_size = ctypes.c_size_t
c_dbl = ctypes.c_double
P = ctypes.POINTER
c_str = ctypes.c_char_p
c_void = ctypes.c_void_p


class UatError(Exception):
    """An error reported by uat: .status is uat's status code, str() its message (with
    file:line:column where uat gives one)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


UatError.__module__ = "uat"  # shown as uat.UatError in tracebacks

class Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("msg", ctypes.c_char * 512)]


def _candidates():
    env = os.environ.get("UAT_LIB_DIR")
    if env:
        yield env
    here = os.path.dirname(os.path.realpath(__file__))
    for up in ("..", os.path.join("..", "..")):
        yield os.path.normpath(os.path.join(here, up, "build", "lib"))


def _load():
    mode = getattr(os, "RTLD_GLOBAL", 0)
    for d in _candidates():
        path = os.path.join(d, "libuat_approx.so")
        if os.path.exists(path):
            return ctypes.CDLL(path, mode=mode), path
    found = ctypes.util.find_library("uat_approx")
    if found is None:
        raise ImportError("uat: libuat_approx not found: install uat (cmake --install build) or "
                          "set UAT_LIB_DIR to the folder holding libuat_approx.so")
    return ctypes.CDLL(found, mode=mode), found


lib, path = _load()


class Owned:
    """C memory held in attributes, freed once by close(), a with-block or the finalizer:
    subclasses list (attribute, free function) pairs in _owned, freed in that order."""

    _owned = ()

    def close(self):
        for attr, release in self._owned:
            ptr = getattr(self, attr, None)
            if ptr:
                release(ptr)
                setattr(self, attr, None)

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


def check(status, err):
    if status != 0:
        raise UatError(status, err.msg.decode("utf-8", "replace"))


def enc(s):
    return s.encode("utf-8") if isinstance(s, str) else s


free = ctypes.CDLL(None).free
free.argtypes = [c_void]
free.restype = None
