import hashlib, json, os, subprocess, sys
out = sys.argv[1]
srcs = sys.argv[2:]
os.makedirs(out + "/blobs/sha256", exist_ok=True)
def blob(data_path=None, data=None):
    h = hashlib.sha256()
    if data is not None:
        h.update(data); d = h.hexdigest()
        open(f"{out}/blobs/sha256/{d}", "wb").write(data); return d, len(data)
    with open(data_path, "rb") as f:
        for c in iter(lambda: f.read(1 << 20), b""): h.update(c)
    d = h.hexdigest(); os.rename(data_path, f"{out}/blobs/sha256/{d}")
    return d, os.path.getsize(f"{out}/blobs/sha256/{d}")
layers, diffs = [], []
for i, s in enumerate(srcs):
    tar = f"{out}/l{i}.tar"
    subprocess.run(["tar", "-C", "/", "-cf", tar, s.lstrip("/")], check=True)
    h = hashlib.sha256()
    with open(tar, "rb") as f:
        for c in iter(lambda: f.read(1 << 20), b""): h.update(c)
    diffs.append("sha256:" + h.hexdigest())
    subprocess.run(["gzip", "-6", "-n", tar], check=True)
    d, n = blob(tar + ".gz")
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + d, "size": n})
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diffs}, "config": {}}).encode()
cd, cn = blob(data=cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + cd, "size": cn}, "layers": layers}).encode()
md, mn = blob(data=man)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + md, "size": mn,
  "annotations": {"org.opencontainers.image.ref.name": "1"}}]}, open(out + "/index.json", "w"))
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
