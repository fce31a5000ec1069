#!/usr/bin/env python3
"""Compare two unpacked root filesystems entry by entry.

    treecmp.py [--ignore-owner] A B        exit 0 when identical, 1 (listing differences) otherwise
    treecmp.py --snapshot A OUT.json       write A's listing, to compare against later with B=OUT.json

Per entry: type, permission bits (incl. setuid/setgid/sticky), size and SHA-256 of regular files, link
target of symlinks, device numbers, hardlink group (the smallest path sharing the inode), and owner unless
--ignore-owner (rootless unpackers cannot chown). Times are not compared: the tools set them alike but
directory times change as later layers write into them, and that is no one's content.
"""
import hashlib
import json
import os
import stat
import sys


def snapshot(root, ignore_owner=False):
    entries, inodes = {}, {}

    def walk(d, rel):
        with os.scandir(d) as it:
            for e in sorted(it, key=lambda e: e.name):
                path, r = e.path, (rel + "/" + e.name) if rel else e.name
                st = e.stat(follow_symlinks=False)
                m = st.st_mode
                row = {"type": stat.S_IFMT(m), "mode": stat.S_IMODE(m)}
                if not ignore_owner:
                    row["owner"] = [st.st_uid, st.st_gid]
                if stat.S_ISREG(m):
                    row["size"] = st.st_size
                    with open(path, "rb") as f:
                        row["sha256"] = hashlib.file_digest(f, "sha256").hexdigest()
                    if st.st_nlink > 1:
                        inodes.setdefault((st.st_dev, st.st_ino), []).append(r)
                elif stat.S_ISLNK(m):
                    row["target"] = os.readlink(path)
                elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
                    row["rdev"] = [os.major(st.st_rdev), os.minor(st.st_rdev)]
                entries[r] = row
                if stat.S_ISDIR(m):
                    walk(path, r)

    walk(root, "")
    for paths in inodes.values():
        for p in paths:
            entries[p]["hardlinks"] = min(paths)
    return entries


def load(path, ignore_owner):
    if path.endswith(".json") and os.path.isfile(path):
        with open(path) as f:
            snap = json.load(f)
        if ignore_owner:
            for row in snap.values():
                row.pop("owner", None)
        return snap
    return snapshot(path, ignore_owner)


def differences(a, b, limit=20):
    out = []
    for p in sorted(a.keys() | b.keys()):
        if p not in b:
            out.append(f"only in A: {p}")
        elif p not in a:
            out.append(f"only in B: {p}")
        elif a[p] != b[p]:
            keys = sorted(k for k in a[p].keys() | b[p].keys() if a[p].get(k) != b[p].get(k))
            show = lambda k, v: oct(v) if k == "mode" and v is not None else v  # noqa: E731
            out.append(f"differs: {p}: " + ", ".join(f"{k} {show(k, a[p].get(k))} vs {show(k, b[p].get(k))}"
                                                     for k in keys))
        if len(out) >= limit:
            out.append("…")
            break
    return out


def main(argv):
    ignore_owner = "--ignore-owner" in argv
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 2:
        print(*__doc__.strip().splitlines()[2:4], sep="\n", file=sys.stderr)
        return 2
    if "--snapshot" in argv:
        with open(args[1], "w") as f:
            json.dump(snapshot(args[0], ignore_owner), f)
        return 0
    a, b = load(args[0], ignore_owner), load(args[1], ignore_owner)
    diff = differences(a, b)
    if diff:
        print(f"rootfs differ ({len(a)} vs {len(b)} entries):", *diff, sep="\n  ")
        return 1
    print(f"rootfs identical ({len(a)} entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
