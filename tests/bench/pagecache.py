#!/usr/bin/env python3
"""broadside bench helper: the page cache of one folder's files.

    pagecache.py warm DIR    read every file once (a running server's view)
    pagecache.py evict DIR   drop their cached data (posix_fadvise DONTNEED),
                             as after a reboot; other files are not touched
"""
import os
import sys


def files(top):
    for folder, _, names in os.walk(top):
        for name in names:
            yield os.path.join(folder, name)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("warm", "evict"):
        sys.exit(__doc__)
    mode, top = sys.argv[1], sys.argv[2]
    count = 0
    for path in files(top):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            if mode == "warm":
                while os.read(fd, 1 << 20):
                    pass
            else:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        count += 1
    print(f"pagecache: {mode} {count} files under {top}")


if __name__ == "__main__":
    main()
