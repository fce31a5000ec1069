#!/usr/bin/env python3
"""Generate the benchmark images, reproducibly, as OCI image layouts.

    make-images.py OUT_DIR NAME...      NAME: big, many, tiny, big-zstd, and for bench/run --scaling:
                                        files-10k, files-100k, files-500k, bytes-0.1g, bytes-1g, bytes-4g

Every byte follows from fixed seeds and fixed mtimes, so two runs (on the same Python, zlib and zstd
versions) write the same blobs. Layer tars are generated entry by entry and streamed through zlib to disk;
no layer (and no file of one) is ever held in memory. A layout is reused when its stamp (a hash of this
script and the zstd version) matches, because building `big` takes a minute or two.

Content kinds, so that inflating and writing behave like real images:
  text  words with a Zipf distribution (~0.3 after gzip), like docs, sources and configs
  bin   machine-code-like bytes: low-entropy runs, zero padding, string tables, some noise (~0.5)
  rand  incompressible random bytes, like already-compressed archives and media
Text and bin files are slices of 16 MB pools taken at random offsets, larger than gzip's 32 KB window
and zstd -3's 2 MB window, so files do not compress against each other more than real ones do.
"""
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile
import zlib
from multiprocessing import Pool

MB = 1 << 20
KB = 1 << 10
MTIME = 1700000000          # 2023-11-14T22:13:20Z, every entry
CREATED = "2023-11-14T22:13:20Z"
POOL = 16 * MB

# --- content -------------------------------------------------------------------------------------

_pools = {}


def pool(kind):
    """The 16 MB source of `text` or `bin` content, built once per process from a fixed seed."""
    if kind not in _pools:
        rng = random.Random(7)
        syll = ["ka", "lo", "mi", "ne", "su", "tor", "an", "el", "is", "up", "re", "con", "fig", "ma",
                "str", "ing", "er", "de", "fi", "ne", "th", "ex", "port", "li", "b", "ch", "ar", "ge"]
        vocab = ["".join(rng.choice(syll) for _ in range(rng.randint(1, 4))) for _ in range(6000)]
        vocab += ["the", "of", "and", "to", "in", "is", "for", "return", "if", "else", "def", "int",
                  "static", "void", "import", "{", "}", "(", ")", "=", "==", ";", "#", "//", "0", "1"]
        weights = [1.0 / (i + 1) for i in range(len(vocab))]
        rng.shuffle(vocab)
        out, n = [], 0
        while n < POOL:
            words = rng.choices(vocab, weights=weights, k=20000)
            for i in range(0, len(words), rng.randint(6, 14)):
                line = " " * (4 * rng.randint(0, 3)) + " ".join(words[i:i + 10]) + "\n"
                out.append(line)
                n += len(line)
        text = "".join(out).encode()[:POOL]
        if kind == "text":
            _pools[kind] = text
        else:
            low = bytes(rng.choice(b"\x00\x00\x00\x01\x48\x89\x8b\xe8\xff\x0f\x45\x24\xc3\x90\x74\x85")
                        for _ in range(256))
            blocks, n = [], 0
            while n < POOL:
                r = rng.random()
                if r < 0.45:
                    b = rng.randbytes(4096).translate(low)
                elif r < 0.65:
                    b = bytearray(4096)
                    for _ in range(rng.randint(1, 64)):
                        b[rng.randrange(4096)] = rng.randrange(256)
                    b = bytes(b)
                elif r < 0.85:
                    o = rng.randrange(len(text) - 4096)
                    b = text[o:o + 4096]
                else:
                    b = rng.randbytes(4096)
                blocks.append(b)
                n += 4096
            _pools[kind] = b"".join(blocks)[:POOL]
    return _pools[kind]


class Content:
    """A file's bytes, produced on demand: tarfile reads it like a file."""

    def __init__(self, kind, size, seed):
        self.kind, self.left, self.rng = kind, size, random.Random(seed)
        if kind != "rand":
            self.src = pool(kind)
            self.pos = self.rng.randrange(len(self.src))

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        if n <= 0:
            return b""
        self.left -= n
        if self.kind == "rand":
            return self.rng.randbytes(n)
        parts = []
        while n > 0:
            take = min(n, len(self.src) - self.pos)
            parts.append(self.src[self.pos:self.pos + take])
            self.pos = (self.pos + take) % len(self.src)
            n -= take
        return b"".join(parts)


class Sink:
    """What tarfile writes to: hashes the tar (diff ID), gzips it with zlib, hashes and writes the blob."""

    def __init__(self, path, level=6):
        self.f = open(path, "wb")
        self.diff, self.blob, self.n, self.size = hashlib.sha256(), hashlib.sha256(), 0, 0
        # wbits 31: a gzip member whose header has mtime 0 and no file name, i.e. a fixed header.
        self.z = zlib.compressobj(level, zlib.DEFLATED, 31)

    def write(self, b):
        self.diff.update(b)
        self.n += len(b)
        self._out(self.z.compress(b))
        return len(b)

    def tell(self):
        return self.n

    def _out(self, c):
        if c:
            self.blob.update(c)
            self.size += len(c)
            self.f.write(c)

    def close(self):
        self._out(self.z.flush())
        self.f.close()


# --- plans: every entry of every layer, decided up front (cheap) so layers can be built in parallel ---

class Plan:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.layers = []        # each: list of entry dicts
        self.modes = {}         # file path -> mode, so that a hard link's header carries its target's

    def layer(self):
        self.layers.append([])
        self.dirs = set()
        return self

    def _dir(self, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self.layers[-1].append(dict(t="dir", path=d, mode=0o755))

    def files(self, prefix, count, total, kind, ext, mode=0o644, sigma=1.2, subdirs=1):
        """`count` files whose sizes are log-normal and add up to about `total` bytes."""
        raw = [self.rng.lognormvariate(0, sigma) for _ in range(count)]
        scale = total / sum(raw)
        paths = []
        for i, r in enumerate(raw):
            sub = f"/d{self.rng.randrange(subdirs):02d}" if subdirs > 1 else ""
            path = f"{prefix}{sub}/{kind[0]}{i:05d}-{self.rng.getrandbits(24):06x}{ext}"
            self.add_file(path, max(0, int(r * scale)), kind, mode)
            paths.append(path)
        return paths

    def add_file(self, path, size, kind, mode=0o644):
        self._dir(path)
        self.modes[path] = mode
        self.layers[-1].append(dict(t="file", path=path, mode=mode, size=size, kind=kind,
                                    seed=self.rng.getrandbits(64)))

    def symlinks(self, targets, count):
        for i, t in enumerate(self.rng.sample(targets, min(count, len(targets)))):
            d, base = t.rsplit("/", 1)
            target = base if i % 3 else "/" + t          # relative and absolute links
            self.layers[-1].append(dict(t="sym", path=f"{d}/link-{i}-{base}", mode=0o777, target=target))
        self.layers[-1].append(dict(t="sym", path=targets[0].rsplit("/", 1)[0] + "/dangling",
                                    mode=0o777, target="../does/not/exist"))

    def hardlinks(self, targets, count):
        for t in self.rng.sample(targets, min(count, len(targets))):
            # the same inode, so the same mode (as docker and buildkit write them): unpackers disagree on which
            # header's mode wins when they differ, and a benchmark image should not depend on that
            self.layers[-1].append(dict(t="hard", path=t + ".hl", mode=self.modes[t], target=t))

    def whiteouts(self, paths, count):
        """Delete `count` of `paths` (files of lower layers) with .wh. entries."""
        for p in self.rng.sample(paths, min(count, len(paths))):
            d, base = p.rsplit("/", 1)
            self._dir(p)
            self.layers[-1].append(dict(t="file", path=f"{d}/.wh.{base}", mode=0o644, size=0,
                                        kind="text", seed=0))

    def remove_dir(self, d):
        parent, base = d.rsplit("/", 1)
        self._dir(d)
        self.layers[-1].append(dict(t="file", path=f"{parent}/.wh.{base}", mode=0o644, size=0,
                                    kind="text", seed=0))

    def opaque(self, d):
        self._dir(d + "/x")
        self.layers[-1].append(dict(t="file", path=f"{d}/.wh..wh..opq", mode=0o644, size=0,
                                    kind="text", seed=0))


def plan_big():
    p = Plan(1001)
    base = p.layer().files("usr/share/doc", 1800, 18 * MB, "text", ".txt", subdirs=60)
    base += p.files("etc", 400, 2 * MB, "text", ".conf", subdirs=20)
    bins = p.files("usr/bin", 300, 14 * MB, "bin", "", mode=0o755)
    p.symlinks(bins, 40)
    p.hardlinks(bins, 10)
    # the ~400 MB layer: a JDK-like tree
    p.layer().files("opt/jdk/lib", 400, 250 * MB, "bin", ".so", sigma=1.6, subdirs=8)
    p.add_file("opt/jdk/lib/modules", 120 * MB, "bin")
    p.files("opt/jdk/jmods", 70, 60 * MB, "rand", ".jmod")
    p.add_file("opt/jdk/lib/src.zip", 110 * MB, "rand")
    p.files("opt/jdk/legal", 900, 100 * MB, "text", ".md", subdirs=40)
    p.files("opt/jdk/bin", 60, 6 * MB, "bin", "", mode=0o755)
    libs = p.layer().files("usr/lib/x86_64-linux-gnu", 1600, 310 * MB, "bin", ".so", sigma=1.5, subdirs=30)
    p.files("usr/share/locale", 500, 30 * MB, "text", ".mo", subdirs=25)
    p.symlinks(libs, 200)
    py = p.layer().files("usr/lib/python3", 4000, 60 * MB, "text", ".py", sigma=1.0, subdirs=120)
    p.files("usr/lib/python3/lib-dynload", 200, 100 * MB, "bin", ".so", subdirs=4)
    p.files("usr/lib/python3/wheels", 25, 45 * MB, "rand", ".whl")
    p.layer().add_file("srv/data/blob.bin", 120 * MB, "rand")
    p.files("srv/data/chunks", 50, 50 * MB, "rand", ".bin", sigma=0.001)
    app = p.layer().files("app/static", 1500, 140 * MB, "text", ".js", subdirs=50)
    p.files("app/lib", 300, 80 * MB, "bin", ".so", subdirs=6)
    p.files("app/assets", 150, 50 * MB, "rand", ".png", subdirs=5)
    p.hardlinks(app, 30)
    p.layer().files("etc/app", 500, 6 * MB, "text", ".yaml", subdirs=10)
    p.files("var/cache/app", 30, 40 * MB, "rand", ".pack")
    p.whiteouts(base + [f for f in py if not f.startswith("usr/lib/python3/d005/")], 150)
    p.remove_dir("usr/share/locale/d07")
    p.opaque("usr/lib/python3/d005")
    p.add_file("usr/lib/python3/d005/replaced.py", 4 * KB, "text")
    return p


def plan_many():
    p = Plan(2002)
    base = p.layer().files("usr/share", 3200, 55 * MB, "text", ".txt", sigma=1.4, subdirs=300)
    bins = p.files("usr/lib", 900, 52 * MB, "bin", ".so", sigma=1.4, subdirs=60)
    p.files("usr/bin", 250, 10 * MB, "bin", "", mode=0o755)
    p.symlinks(bins, 150)
    p.hardlinks(bins, 20)
    p.layer().files("var/lib/apt", 700, 18 * MB, "text", ".list", subdirs=20)
    p.files("usr/lib/extra", 250, 12 * MB, "bin", ".so", subdirs=10)
    p.whiteouts(base, 127)
    return p


def plan_tiny():
    p = Plan(3003)
    base = p.layer().files("usr/share", 14, 400 * KB, "text", ".txt")
    bins = p.files("usr/bin", 6, 2600 * KB, "rand", "", mode=0o755)
    p.symlinks(bins, 3)
    p.hardlinks(bins, 2)
    p.add_file("usr/share/" + "long-name-" * 12 + "end.txt", 3000, "text")
    p.add_file("usr/share/deep/" + "/".join(["directory-level"] * 8) + "/file.txt", 2000, "text")
    p.add_file("usr/share/ünïcödé-文件.txt", 1000, "text")
    p.layer().files("opt/app", 8, 1200 * KB, "rand", ".dat")
    p.files("opt/app/conf", 6, 40 * KB, "text", ".conf")
    p.layer().whiteouts(base, 4)
    p.opaque("opt/app/conf")
    p.add_file("opt/app/conf/only.conf", 500, "text")
    return p


def plan_files(count):
    """One layer of `count` small text files (~700 bytes on average) in 1,000-file directories."""
    def plan():
        p = Plan(4004 + count)
        p.layer().files("data", count, count * 700, "text", ".txt", sigma=1.0, subdirs=max(1, count // 1000))
        return p
    return plan


def plan_bytes(total):
    """`total` bytes of tar over 4 layers, as big's mix: half machine-code-like, a quarter text, a quarter
    random, in files of ~2 MB on average (so entries grow with bytes, slowly)."""
    def plan():
        p = Plan(5005 + total // MB)
        for i in range(4):
            part = total // 4
            p.layer().files(f"layer{i}/bin", max(1, part // (4 * MB)), part // 2, "bin", ".so", subdirs=8)
            p.files(f"layer{i}/text", max(1, part // (2 * MB)), part // 4, "text", ".txt", subdirs=8)
            p.files(f"layer{i}/rand", max(1, part // (8 * MB)), part // 4, "rand", ".bin")
        return p
    return plan


PLANS = {"big": plan_big, "many": plan_many, "tiny": plan_tiny,
         "files-10k": plan_files(10_000), "files-100k": plan_files(100_000), "files-500k": plan_files(500_000),
         "bytes-0.1g": plan_bytes(100 * MB), "bytes-1g": plan_bytes(1024 * MB), "bytes-4g": plan_bytes(4096 * MB)}


# --- building ------------------------------------------------------------------------------------

def build_layer(args):
    entries, path = args
    sink = Sink(path)
    with tarfile.open(fileobj=sink, mode="w", format=tarfile.PAX_FORMAT, copybufsize=MB) as tar:
        for e in entries:
            ti = tarfile.TarInfo(e["path"])
            ti.mtime, ti.mode, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, e["mode"], 0, 0, "root", "root"
            if e["t"] == "dir":
                ti.type = tarfile.DIRTYPE
                tar.addfile(ti)
            elif e["t"] == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, e["target"]
                tar.addfile(ti)
            elif e["t"] == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, e["target"]
                tar.addfile(ti)
            else:
                ti.size = e["size"]
                tar.addfile(ti, Content(e["kind"], e["size"], e["seed"]))
    sink.close()
    return sink.blob.hexdigest(), sink.size, sink.diff.hexdigest(), sink.n


class Layout:
    """An OCI image layout being written: blobs by digest, index.json with the ref name `1`."""

    def __init__(self, out):
        self.out = out
        os.makedirs(f"{out}/blobs/sha256", exist_ok=True)

    def put_file(self, tmp, hexdigest):
        os.replace(tmp, f"{self.out}/blobs/sha256/{hexdigest}")

    def put_bytes(self, data):
        d = hashlib.sha256(data).hexdigest()
        with open(f"{self.out}/blobs/sha256/{d}", "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + d, "size": len(data)}

    def finish(self, layers, diff_ids, stamp, entries=0):
        cfg = json.dumps({"created": CREATED, "architecture": "amd64", "os": "linux",
                          "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
                          "rootfs": {"type": "layers", "diff_ids": diff_ids},
                          "history": [{"created": CREATED, "created_by": f"bench layer {i}"}
                                      for i in range(len(layers))]}, indent=None).encode()
        man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
               "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **self.put_bytes(cfg)),
               "layers": layers}
        m = self.put_bytes(json.dumps(man).encode())
        index = {"schemaVersion": 2, "manifests": [dict(mediaType=man["mediaType"], **m,
                                                        annotations={"org.opencontainers.image.ref.name": "1"})]}
        with open(f"{self.out}/oci-layout", "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')
        with open(f"{self.out}/index.json", "w") as f:
            json.dump(index, f)
        with open(f"{self.out}/entries", "w") as f:
            f.write(str(entries))
        with open(f"{self.out}/stamp", "w") as f:
            f.write(stamp)


def manifest(out):
    with open(f"{out}/index.json") as f:
        d = json.load(f)["manifests"][0]["digest"].split(":")[1]
    with open(f"{out}/blobs/sha256/{d}") as f:
        return json.load(f)


def stamp():
    with open(__file__, "rb") as f:
        h = hashlib.sha256(f.read())
    h.update(zlib.ZLIB_RUNTIME_VERSION.encode())
    try:
        h.update(subprocess.run(["zstd", "-V"], capture_output=True, text=True).stdout.encode())
    except FileNotFoundError:
        pass
    return h.hexdigest()


def up_to_date(out, s):
    try:
        with open(f"{out}/stamp") as f:
            return f.read() == s
    except FileNotFoundError:
        return False


def build(out, name, workers):
    plan = PLANS[name]()
    lay = Layout(out)
    jobs = [(entries, f"{out}/layer{i}.tmp") for i, entries in enumerate(plan.layers)]
    with Pool(workers) as pool_:
        results = pool_.map(build_layer, jobs, chunksize=1)
    layers, diffs = [], []
    for (_, tmp), (blob, size, diff, tar_size) in zip(jobs, results):
        lay.put_file(tmp, blob)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": "sha256:" + blob, "size": size})
        diffs.append("sha256:" + diff)
    return lay, layers, diffs, sum(len(entries) for entries in plan.layers)


def recompress(args):
    src, dst = args
    # The same tars, zstd-compressed single-threaded at level 3 (reproducible for a given zstd version).
    subprocess.run(["bash", "-o", "pipefail", "-c", 'gzip -dc "$0" | zstd -q -3 -T1 -c > "$1"', src, dst],
                   check=True)
    h = hashlib.sha256()
    with open(dst, "rb") as f:
        for c in iter(lambda: f.read(MB), b""):
            h.update(c)
    return h.hexdigest(), os.path.getsize(dst)


def build_zstd(out, gz_out, workers):
    man = manifest(gz_out)
    with open(f"{gz_out}/blobs/sha256/{man['config']['digest'].split(':')[1]}") as f:
        diffs = json.load(f)["rootfs"]["diff_ids"]
    lay = Layout(out)
    jobs = [(f"{gz_out}/blobs/sha256/{l['digest'].split(':')[1]}", f"{out}/layer{i}.tmp")
            for i, l in enumerate(man["layers"])]
    with Pool(workers) as pool_:
        results = pool_.map(recompress, jobs, chunksize=1)
    with open(f"{gz_out}/entries") as f:
        entries = int(f.read())
    layers = []
    for (_, tmp), (blob, size) in zip(jobs, results):
        lay.put_file(tmp, blob)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
                       "digest": "sha256:" + blob, "size": size})
    return lay, layers, diffs, entries


def main():
    out_dir, names = sys.argv[1], sys.argv[2:]
    s = stamp()
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    order = sorted(names, key=lambda n: n == "big-zstd")        # big before big-zstd
    if "big-zstd" in names and "big" not in names:
        order.insert(0, "big")
    for name in order:
        out = f"{out_dir}/{name}"
        if up_to_date(out, s):
            continue
        subprocess.run(["rm", "-rf", out], check=True)
        print(f"bench: generating image {name} (once; reused until make-images.py changes)",
              file=sys.stderr, flush=True)
        if name == "big-zstd":
            lay, layers, diffs, entries = build_zstd(out, f"{out_dir}/big", workers)
        else:
            lay, layers, diffs, entries = build(out, name, workers)
        lay.finish(layers, diffs, s, entries)


if __name__ == "__main__":
    main()
