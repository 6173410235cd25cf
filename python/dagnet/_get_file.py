"""``keras.utils.get_file``: a file from a URL, kept in Keras's cache folder.

The cache is Keras's own (``$KERAS_HOME`` or ``~/.keras``, sub-folder ``datasets``) and the
file names and archive layout are Keras 3's, so whatever Keras already downloaded is
found and used without the network, and what dagnet downloads Keras reuses too.
Differences from Keras, all on the safe side: a download goes to a temporary file that is
renamed into place only once complete and verified; an archive is extracted once (again
only when it was downloaded anew) into a temporary folder renamed into place; and a
failed download raises an ``OSError`` that says where the file was expected, so it can be
copied there by hand on a machine without a network.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile
from collections.abc import Callable
from typing import Any

from ._progbar import Progbar, print_msg

__all__ = ["get_file", "hash_file", "keras_home", "validate_file"]

# The URL opener, a module attribute so tests can serve files without a network.
_open_url = urllib.request.urlopen

_CHUNK = 1 << 16


def keras_home() -> str:
    """Keras's base folder: ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` when the home
    folder is not writable), read at each call."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    return os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")


def _hasher(algorithm: str, file_hash: str | None = None) -> Any:
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError(f"get_file: unknown hash_algorithm {algorithm!r}; use 'sha256', 'md5' or 'auto'")


def hash_file(fpath: Any, algorithm: str = "sha256", chunk_size: int = _CHUNK) -> str:
    """The file's sha256 (or md5) hex digest, as ``keras.utils`` computes it."""
    hasher = _hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: Any, file_hash: str, algorithm: str = "auto", chunk_size: int = _CHUNK) -> bool:
    """Whether the file matches ``file_hash`` (sha256 when 64 hex digits long, else md5)."""
    return hash_file(fpath, _hasher(algorithm, file_hash), chunk_size) == str(file_hash)


def _cache_folder(cache_dir: Any, cache_subdir: str, relative_target: str) -> str:
    """The folder files live in. As Keras, an unwritable cache falls back to /tmp/.keras, but
    a file already present in the unwritable one is still used (a read-only shared cache)."""
    base = os.path.expanduser(os.fspath(cache_dir) if cache_dir is not None else keras_home())
    folder = os.path.join(base, cache_subdir)
    if os.path.exists(os.path.join(folder, relative_target)):
        return folder
    if not os.access(base, os.W_OK) and os.path.exists(base):
        folder = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras", cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def _targets(fname: Any, origin: str, extract: bool) -> Any:
    """Keras 3's names: (download file name, extraction folder name or None)."""
    given = fname is not None and os.fspath(fname) != ""
    name = os.fspath(fname) if given else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise ValueError(
            f"Can't parse the file name from the origin provided: '{origin}'. Please specify the `fname` argument."
        )
    if given and os.sep in name:
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's parent "
            f"directory, use the `cache_dir` argument. Received: fname={name}"
        )
    if not extract:
        return name, None
    if given and "." in name:
        return name, name[: name.find(".")] + "_extracted"
    return name + "_archive", name


def _download(origin: str, target: str) -> None:
    """Streams `origin` into `target` through a temporary file in the same folder."""
    print_msg(f"Downloading data from {origin}")
    fd, partial = tempfile.mkstemp(prefix=os.path.basename(target) + ".", suffix=".part", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as out, _open_url(origin) as response:
            length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
            bar = Progbar(int(length) if length and length.isdigit() else None)
            done = 0
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                done += len(chunk)
                bar.update(done)
            bar.update(done, finalize=True)
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def _inside(base: str, path: str) -> bool:
    base = os.path.realpath(base)
    return os.path.commonpath([base, os.path.realpath(os.path.join(base, path))]) == base


def _extract(archive: str, folder: str, archive_format: Any) -> bool:
    """Extracts a tar or zip archive into `folder` (atomically); members that would land
    outside it (absolute paths, '..', links pointing out) are refused."""
    formats = (
        ["tar", "zip"]
        if archive_format == "auto"
        else [archive_format]
        if isinstance(archive_format, str)
        else list(archive_format or [])
    )
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise NotImplementedError(kind)
        opener: Callable[..., Any]
        if kind == "tar" and tarfile.is_tarfile(archive):
            opener = tarfile.open
        elif kind == "zip" and zipfile.is_zipfile(archive):
            opener = zipfile.ZipFile
        else:
            continue
        parent = os.path.dirname(os.path.abspath(folder))
        staging = tempfile.mkdtemp(prefix=os.path.basename(folder) + ".", suffix=".part", dir=parent)
        try:
            with opener(archive) as handle:
                if isinstance(handle, zipfile.ZipFile):
                    names = handle.namelist()
                    links = []
                else:
                    members = handle.getmembers()
                    names = [m.name for m in members]
                    links = [m for m in members if m.issym() or m.islnk()]
                unsafe = [n for n in names if not _inside(staging, n)]
                unsafe += [
                    m.name
                    for m in links
                    if not _inside(
                        staging, m.linkname if m.islnk() else os.path.join(os.path.dirname(m.name), m.linkname)
                    )
                ]
                if unsafe:
                    raise ValueError(f"Refusing to extract {archive}: members {unsafe[:5]} would land outside {folder}")
                if isinstance(handle, tarfile.TarFile) and hasattr(tarfile, "data_filter"):
                    handle.extractall(staging, filter="data")
                else:
                    handle.extractall(staging)
            if os.path.isdir(folder):
                shutil.rmtree(folder)
            elif os.path.exists(folder):
                os.remove(folder)
            os.replace(staging, folder)
        finally:
            if os.path.exists(staging):
                shutil.rmtree(staging)
        return True
    return False


def get_file(
    fname: Any = None,
    origin: Any = None,
    untar: bool = False,
    md5_hash: Any = None,
    file_hash: Any = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: str = "auto",
    cache_dir: Any = None,
    force_download: bool = False,
) -> str:
    """Downloads a file from `origin` unless it is already in the cache; returns its path.

    Keras 3's ``keras.utils.get_file``: the file is ``<cache_dir>/<cache_subdir>/<fname>``
    (``cache_dir`` defaults to ``$KERAS_HOME`` or ``~/.keras``). A cached file whose hash
    does not match `file_hash` is downloaded again. With ``extract=True`` (or the older
    ``untar=True``) the archive is unpacked and the extraction folder's path is returned.

    Raises:
        OSError: the file is not cached (or fails its hash) and cannot be downloaded; the
            message names the URL and the path to copy the file to by hand.
        ValueError: a downloaded file does not match `file_hash`.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    download_name, extract_name = _targets(fname, origin, extract or untar)
    folder = _cache_folder(cache_dir, cache_subdir, download_name)
    target = os.path.join(folder, download_name)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        print_msg(
            f"A local file was found, but it seems to be incomplete or outdated because the "
            f"{hash_algorithm} file hash does not match the original value of {file_hash} so we will "
            "re-download the data."
        )
        download = True
    if download:
        try:
            _download(origin, target)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise OSError(
                f"URL fetch failure on {origin}: {reason}. The file is not in the cache either: "
                f"copy it to {target} (or set KERAS_HOME to a folder whose {cache_subdir}/ holds "
                "it) to use it without a network."
            ) from exc
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            os.remove(target)
            raise ValueError(
                f"Incomplete or corrupted file detected. The {hash_algorithm} file hash does not "
                f"match the provided value of {file_hash}."
            )

    if extract_name is None:
        return target
    extraction = os.path.join(folder, extract_name)
    if download or not os.path.isdir(extraction):
        if not _extract(target, extraction, "tar" if untar else archive_format):
            warnings.warn("Could not extract archive.", stacklevel=2)
    return extraction
