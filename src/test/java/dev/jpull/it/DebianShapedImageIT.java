package dev.jpull.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jpull.it.RealImageRound.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code debootstrap --variant=minbase bookworm}-shaped image, as two layers (the base, then an
 * {@code apt-get install} + {@code useradd} on top), through the real registry into the store and into
 * {@code --rootfs}, each tree equal to umoci's of the same image, then deleted by {@code jpull rm} +
 * {@code jpull gc} (issue 12). Root: devices with their major:minor, a FIFO, owners, setuid/setgid, a file
 * capability. Ordinary user: the same tree as {@code umoci unpack --rootless}, devices skipped with one
 * warning per kind; from the root pass that round runs through runuser and is listed as root.
 */
class DebianShapedImageIT {
  static final Set<String> DEVICES = Set.of("dev/console", "dev/full", "dev/null", "dev/ptmx", "dev/random",
      "dev/tty", "dev/urandom", "dev/zero", "dev/loop0");
  /** cap_net_raw+ep, as iputils-ping carries it: VFS_CAP_REVISION_2 | effective, permitted bit 13. */
  static final byte[] CAP_NET_RAW = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

  static Shape shape() {
    Layer base = new Layer()
        .dir("./", 0755)
        .symlink("bin", "usr/bin").dir("boot", 0755)
        .dir("dev", 0755)
        .charDevice("dev/console", 0600, 0, 0, 5, 1)
        .symlink("dev/fd", "/proc/self/fd")
        .charDevice("dev/full", 0666, 0, 0, 1, 7)
        .blockDevice("dev/loop0", 0660, 0, 6, 7, 0)
        .charDevice("dev/null", 0666, 0, 0, 1, 3)
        .charDevice("dev/ptmx", 0666, 0, 5, 5, 2)
        .dir("dev/pts", 0755)
        .charDevice("dev/random", 0666, 0, 0, 1, 8)
        .dir("dev/shm", 01777)
        .symlink("dev/stderr", "/proc/self/fd/2").symlink("dev/stdin", "/proc/self/fd/0")
        .symlink("dev/stdout", "/proc/self/fd/1")
        .charDevice("dev/tty", 0666, 0, 5, 5, 0)
        .charDevice("dev/urandom", 0666, 0, 0, 1, 9)
        .charDevice("dev/zero", 0666, 0, 0, 1, 5)
        .dir("etc", 0755)
        .dir("etc/alternatives", 0755).symlink("etc/alternatives/awk", "/usr/bin/mawk")
        .dir("etc/apt", 0755).dir("etc/apt/sources.list.d", 0755)
        .file("etc/apt/sources.list.d/debian.sources", 0644, "Types: deb\nURIs: http://deb.debian.org/debian\n")
        .file("etc/group", 0644, "root:x:0:\nshadow:x:42:\n")
        .file("etc/gshadow", 0640, 0, 42, "root:*::\nshadow:*::\n")
        .file("etc/hostname", 0644, "debian\n")
        .symlink("etc/localtime", "/usr/share/zoneinfo/Etc/UTC")
        .symlink("etc/mtab", "../proc/self/mounts")
        .symlink("etc/os-release", "../usr/lib/os-release")
        .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/bash\n")
        .file("etc/shadow", 0640, 0, 42, "root:*:19000:0:99999:7:::\n")
        .dir("etc/ssl", 0755).dir("etc/ssl/private", 0700)
        .dir("home", 0755)
        .symlink("lib", "usr/lib").symlink("lib64", "usr/lib64")
        .dir("media", 0755).dir("mnt", 0755).dir("opt", 0755)
        .dir("proc", 0555)
        .dir("root", 0700).file("root/.bashrc", 0644, "# ~/.bashrc\n").file("root/.profile", 0644, "# ~/.profile\n")
        .dir("run", 0755).fifo("run/initctl", 0600).dir("run/lock", 01777)
        .symlink("sbin", "usr/sbin").dir("srv", 0755)
        .dir("sys", 0555)
        .dir("tmp", 01777)
        .dir("usr", 0755).dir("usr/bin", 0755)
        .binary("usr/bin/[", 0755, 3000, 1)
        .binary("usr/bin/bash", 0755, 40_000, 2)
        .file("usr/bin/chage", 02755, 0, 42, "chage")
        .file("usr/bin/chfn", 04755, "chfn")
        .binary("usr/bin/dash", 0755, 12_000, 3)
        .file("usr/bin/expiry", 02755, 0, 42, "expiry")
        .binary("usr/bin/gzip", 0755, 9000, 4)
        .file("usr/bin/gunzip", 0755, "#!/bin/sh\nexec gzip -d \"$@\"\n")
        .hardlink("usr/bin/uncompress", "usr/bin/gunzip")
        .symlink("usr/bin/awk", "/etc/alternatives/awk")
        .binary("usr/bin/mawk", 0755, 7000, 5)
        .file("usr/bin/mount", 04755, "mount")
        .file("usr/bin/passwd", 04755, "passwd")
        .binary("usr/bin/perl", 0755, 20_000, 6)
        .hardlink("usr/bin/perl5.36.0", "usr/bin/perl")
        .symlink("usr/bin/sh", "dash")
        .file("usr/bin/su", 04755, "su")
        .dir("usr/lib", 0755)
        .file("usr/lib/os-release", 0644, "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n")
        .dir("usr/lib/x86_64-linux-gnu", 0755)
        .binary("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 0755, 30_000, 7)
        .binary("usr/lib/x86_64-linux-gnu/libc.so.6", 0755, 200_000, 8)
        .dir("usr/lib64", 0755)
        .symlink("usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        .dir("usr/local", 0755).dir("usr/local/bin", 0755)
        .dir("usr/sbin", 0755)
        .file("usr/sbin/nologin", 0755, "nologin")
        .file("usr/sbin/unix_chkpwd", 02755, 0, 42, "unix_chkpwd")
        .dir("usr/share", 0755).dir("usr/share/zoneinfo", 0755).dir("usr/share/zoneinfo/Etc", 0755)
        .file("usr/share/zoneinfo/Etc/UTC", 0644, "TZif2")
        .dir("var", 0755).dir("var/cache", 0755).dir("var/cache/apt", 0755)
        .binary("var/cache/apt/pkgcache.bin", 0644, 50_000, 9)
        .dir("var/cache/man", 02755, 6, 12)
        .dir("var/lib", 0755).dir("var/lib/dpkg", 0755).file("var/lib/dpkg/status", 0644, "Package: base-files\n")
        .dir("var/local", 02775, 0, 50)
        .symlink("var/lock", "/run/lock")
        .dir("var/log", 0755).dir("var/log/apt", 0755)
        .dir("var/mail", 02775, 0, 8)
        .symlink("var/run", "/run")
        .dir("var/spool", 0755).symlink("var/spool/mail", "../mail")
        .dir("var/tmp", 01777);
    // RUN apt-get install -y iputils-ping && useradd -m app
    Layer install = new Layer()
        .dir("etc", 0755)
        .file("etc/group", 0644, "root:x:0:\nshadow:x:42:\napp:x:1000:\n")
        .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/bin/sh\n")
        .file("etc/shadow", 0640, 0, 42, "root:*:19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n")
        .dir("home", 0755)
        .dir("home/app", 0700, 1000, 1000)
        .file("home/app/.bashrc", 0644, 1000, 1000, "# app\n")
        .dir("home/app/.ssh", 0700, 1000, 1000)
        .file("home/app/.ssh/authorized_keys", 0600, 1000, 1000, "ssh-ed25519 AAAA app\n")
        .dir("usr", 0755).dir("usr/bin", 0755)
        .fileWithXattr("usr/bin/ping", 0755, "ping", "security.capability", CAP_NET_RAW)
        .dir("var", 0755).dir("var/cache", 0755).dir("var/cache/apt", 0755)
        .whiteout("var/cache/apt/pkgcache.bin")
        .dir("var/lib", 0755).dir("var/lib/dpkg", 0755)
        .fileWithXattr("var/lib/dpkg/status", 0644, "Package: base-files\n\nPackage: iputils-ping\n",
            "user.jpull.origin", "apt".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .dir("var/log", 0755).dir("var/log/apt", 0755)
        .file("var/log/apt/history.log", 0640, 0, 4, "Install: iputils-ping\n");
    return new Shape("debian/bookworm", List.of(base.build(), install.build()), DEVICES, true, true, true);
  }

  @Test
  void asRootStoreAndRootfsEqualUmociUnpackWithDevicesAndFifosThenRmAndGcDeleteThem(@TempDir Path dir)
      throws Exception {
    assumeTrue(RunAs.root(), "root pass only: device nodes with major:minor, owners and security.capability "
        + "need root; the ordinary-user pass runs asOrdinaryUser…");
    RealImageRound.run(dir, shape(), RunAs.self());
  }

  /** As the ordinary user itself, or (root pass) through runuser and listed as root. */
  @Test
  void asOrdinaryUserStoreAndRootfsEqualUmociRootlessDevicesSkippedOneWarningEachThenRmAndGcDeleteThem(
      @TempDir Path dir) throws Exception {
    RealImageRound.run(dir, shape(), RunAs.root() ? RunAs.ordinaryUser() : RunAs.self());
  }
}
