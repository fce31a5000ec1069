package dev.jpull.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jpull.it.RealImageRound.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Fedora/RHEL/UBI-shaped image — {@code etc/shadow} and {@code etc/gshadow} 0000, {@code usr/bin/sudo}
 * 04111, a 0000 and a 0111 directory with entries inside, 0555 {@code usr/bin}, {@code usr/lib} and
 * {@code usr/lib64} full of files, 0555 empty {@code proc}/{@code sys}, {@code root} 0550 with content,
 * sticky {@code tmp} — as a base layer and a {@code dnf install} + {@code useradd} layer that writes into
 * and deletes from those 0555 and 0000 directories and rewrites the 0000 files. Through the real registry
 * into the store and into {@code --rootfs}, each tree equal to umoci's, then deleted by {@code jpull rm} +
 * {@code jpull gc} (issue 12). The ordinary user's round runs as that user in the user pass (and is checked
 * as far as the user can list), and through runuser in the root pass, listed as root.
 */
class FedoraShapedImageIT {
  static Shape shape() {
    // Container base images have no "./" entry and an empty /dev.
    Layer base = new Layer()
        .symlink("bin", "usr/bin").symlink("sbin", "usr/sbin").symlink("lib", "usr/lib").symlink("lib64", "usr/lib64")
        .dir("afs", 0755).dir("boot", 0555).dir("dev", 0755)
        .dir("etc", 0755)
        .file("etc/group", 0644, "root:x:0:\nutmp:x:22:\nmail:x:12:\n")
        .file("etc/gshadow", 0, "root:::\n")
        .file("etc/gshadow-", 0, "root:::\n")
        .symlink("etc/os-release", "../usr/lib/os-release")
        .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/bash\n")
        .dir("etc/security", 0755).file("etc/security/opasswd", 0600, "")
        .file("etc/shadow", 0, "root:!locked::0:99999:7:::\n")
        .file("etc/shadow-", 0, "root:!locked::0:99999:7:::\n")
        .file("etc/sudoers", 0440, "root ALL=(ALL) ALL\n")
        .dir("etc/sudoers.d", 0750)
        .dir("home", 0755).dir("media", 0755).dir("mnt", 0755)
        .dir("opt", 0755)
        .dir("opt/exec-only", 0111).file("opt/exec-only/tool", 0755, "#!/bin/sh\n")
        .dir("proc", 0555)
        .dir("root", 0550).file("root/.bash_profile", 0644, "# .bash_profile\n")
        .file("root/.bashrc", 0644, "# .bashrc\n")
        .dir("run", 0755).dir("srv", 0755)
        .dir("sys", 0555)
        .dir("tmp", 01777)
        .dir("usr", 0755)
        .dir("usr/bin", 0555)
        .binary("usr/bin/bash", 0755, 40_000, 11)
        .file("usr/bin/chage", 04755, "chage")
        .file("usr/bin/newgrp", 04755, "newgrp")
        .file("usr/bin/passwd", 04755, "passwd")
        .symlink("usr/bin/sh", "bash")
        .file("usr/bin/sudo", 04111, "sudo")
        .binary("usr/bin/xz", 0755, 8000, 12)
        .hardlink("usr/bin/unxz", "usr/bin/xz")
        .dir("usr/lib", 0555)
        .dir("usr/lib/modules", 0555)
        .file("usr/lib/os-release", 0644, "NAME=\"Fedora Linux\"\nID=fedora\n")
        .dir("usr/lib/sysimage", 0755).dir("usr/lib/sysimage/rpm", 0755)
        .binary("usr/lib/sysimage/rpm/rpmdb.sqlite", 0644, 60_000, 13)
        .dir("usr/lib64", 0555)
        .binary("usr/lib64/ld-linux-x86-64.so.2", 0755, 30_000, 14)
        .binary("usr/lib64/libc.so.6", 0755, 200_000, 15)
        .symlink("usr/lib64/libz.so.1", "libz.so.1.3")
        .binary("usr/lib64/libz.so.1.3", 0755, 9000, 16)
        .dir("usr/libexec", 0755).file("usr/libexec/exec-only", 0111, "x")
        .dir("usr/libexec/utempter", 0755, 0, 22).file("usr/libexec/utempter/utempter", 02711, 0, 22, "utempter")
        .dir("usr/sbin", 0555).file("usr/sbin/ldconfig", 0755, "ldconfig").file("usr/sbin/unix_chkpwd", 04755, "chkpwd")
        .dir("usr/share", 0755)
        .dir("usr/share/ro", 0555).dir("usr/share/ro/sub", 0555).file("usr/share/ro/sub/old", 0444, "old")
        .dir("var", 0755).dir("var/cache", 0755)
        .dir("var/cache/ldconfig", 0700).file("var/cache/ldconfig/aux-cache", 0600, "cache")
        .dir("var/lib", 0755)
        .dir("var/lib/private", 0)
        .file("var/lib/private/state", 0600, "state")
        .dir("var/lib/private/sub", 0700).file("var/lib/private/sub/data", 0644, "data")
        .dir("var/log", 0755).file("var/log/btmp", 0660, 0, 22, "")
        .dir("var/spool", 0755).dir("var/spool/mail", 0775, 0, 12)
        .dir("var/tmp", 01777);
    // RUN dnf install -y vim-minimal && dnf remove -y newgrp-ish && useradd app
    Layer install = new Layer()
        .dir("etc", 0755)
        .file("etc/group", 0644, "root:x:0:\nutmp:x:22:\nmail:x:12:\napp:x:1000:\n")
        .file("etc/gshadow", 0, "root:::\napp:!::\n")
        .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/bin/bash\n")
        .file("etc/shadow", 0, "root:!locked::0:99999:7:::\napp:!!:19000:0:99999:7:::\n")
        .dir("home", 0755).dir("home/app", 0700, 1000, 1000).file("home/app/.bashrc", 0644, 1000, 1000, "# app\n")
        .dir("root", 0550).file("root/.bash_history", 0600, "dnf install vim-minimal\n")
        .dir("usr", 0755)
        .dir("usr/bin", 0555)
        .whiteout("usr/bin/newgrp")
        .binary("usr/bin/vi", 0755, 30_000, 17)
        .hardlink("usr/bin/view", "usr/bin/vi")
        .dir("usr/lib", 0555).dir("usr/lib/sysimage", 0755).dir("usr/lib/sysimage/rpm", 0755)
        .binary("usr/lib/sysimage/rpm/rpmdb.sqlite", 0644, 61_000, 18)
        .dir("usr/share", 0755).dir("usr/share/ro", 0555).dir("usr/share/ro/sub", 0555)
        .opaque("usr/share/ro/sub").file("usr/share/ro/sub/new", 0444, "new")
        .dir("var", 0755).dir("var/lib", 0755)
        .dir("var/lib/private", 0)
        .whiteout("var/lib/private/state")
        .file("var/lib/private/new", 0600, "new");
    return new Shape("fedora/40", List.of(base.build(), install.build()), Set.of(), false, false, false);
  }

  @Test
  void asRootStoreAndRootfsEqualUmociUnpackThenRmAndGcDeleteThem(@TempDir Path dir) throws Exception {
    assumeTrue(RunAs.root(), "root pass only: owners (0:22 utempter, 1000:1000 home) need root; the ordinary-user "
        + "pass runs asOrdinaryUser…");
    RealImageRound.run(dir, shape(), RunAs.self());
  }

  /**
   * Ordinary user: 0000 files and directories, 04111 and 0555 directories with content, as umoci --rootless
   * leaves them; rm + gc must delete trees that {@code rm -rf} cannot.
   */
  @Test
  void asOrdinaryUserStoreAndRootfsEqualUmociRootlessThenRmAndGcDeleteThem(@TempDir Path dir) throws Exception {
    RealImageRound.run(dir, shape(), RunAs.root() ? RunAs.ordinaryUser() : RunAs.self());
  }
}
