#!/bin/sh
# jpull launcher: this file is a shell stub followed by the jpull jar (java skips the preamble).
# The heap is bounded so peak RSS does not grow with image size; blobs are streamed, never buffered.
# JPULL_JAVA_OPTS adds JVM options; never -XX:TieredStopAtLevel=1 (it makes SHA-256 ten times slower).
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
  ""|C|POSIX) export LC_ALL=C.UTF-8 ;;
esac
self=$(readlink -f -- "$0" 2>/dev/null) || self=$0
java=${JAVA:-java}
# A bare --version loads a dozen of jpull's classes: mapping the start-up file (30+ MB, relocated to a random
# address at every start, ~0.1 s) would cost it more than the classes it holds save.
share=${JPULL_CDS:-1}
if [ $# -eq 1 ] && { [ "$1" = --version ] || [ "$1" = -V ]; }; then
  share=0
fi
set -- $JPULL_JAVA_OPTS -jar "$self" "$@"
# The JVM's version, from its release file (0 when unreadable): some options below stop a JVM that does not
# know them from starting, so each is passed only to the versions that have it.
feature=0 update=0
if bin=$(command -v "$java") && bin=$(readlink -f -- "$bin") && [ -r "${bin%/bin/*}/release" ]; then
  while IFS= read -r line; do
    case $line in JAVA_VERSION=*)
      line=${line#JAVA_VERSION=\"}; feature=${line%%[!0-9]*}; line=${line#"$feature"}
      line=${line#.}; line=${line#"${line%%[!0-9]*}"}; line=${line#.}; update=${line%%[!0-9]*}
      feature=${feature:-0} update=${update:-0}; break ;;
    esac
  done < "${bin%/bin/*}/release"
fi
# Hand freed C heap back to the system every second (JDK-8293114: 17.0.9+, 21.0.1+, 22+; experimental
# before 17.0.11 and 21.0.3): glibc keeps what the JIT compilers' arenas and the NIO buffers freed, which
# was ~8 MiB of a large pull's peak RSS.
if [ "$feature" -ge 22 ] || { [ "$feature" -eq 21 ] && [ "$update" -ge 1 ]; } \
    || { [ "$feature" -eq 17 ] && [ "$update" -ge 9 ]; }; then
  set -- -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=1000 "$@"
fi
# Next to this file the build leaves what jpull's common commands load, for the JVM that built it: jpull.aot,
# a JDK AOT cache (Java 25+), or jpull.jsa, a class-data-sharing archive; mapped, either cuts start-up by
# about a third. The JVM checks that the file matches it and this launcher, and quietly runs without it
# otherwise (logging off, -Xshare:auto): -XX:AOTCache and -Xlog:aot stop a JVM older than 24 from starting.
if [ "$share" != 0 ] && { [ -s "$self.aot" ] || [ -s "$self.jsa" ]; }; then
  if [ -s "$self.aot" ] && [ "$feature" -ge 25 ]; then
    # The training ran in source-file mode, which adds --add-modules ALL-DEFAULT: the default root modules of
    # a class-path application, so nothing changes but that the cache's module graph matches.
    set -- "-XX:AOTCache=$self.aot" -XX:AOTMode=auto --add-modules ALL-DEFAULT -Xlog:aot=off -Xlog:cds=off "$@"
  elif [ -s "$self.jsa" ]; then
    set -- "-XX:SharedArchiveFile=$self.jsa" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off "$@"
  fi
fi
# The JIT compiles a method after 200 calls (C1, with profiling) and 5,000 (C2) by default: on 2 cores the
# compiler threads then spend more CPU on start-up code that runs a few hundred times than the code itself.
# Ten and thirty times as many calls leave the start to the interpreter; the loops that matter (hashing,
# inflating, tar) reach the compilers through their back-edge counters as before, so big pulls are unchanged.
# Measured with hyperfine (docs/performance.md): an up-to-date re-pull 0.42 -> 0.40 s, `tiny` 0.84 -> 0.75 s.
set -- -XX:Tier3InvocationThreshold=2000 -XX:Tier4InvocationThreshold=150000 "$@"
# -XX:-UsePerfData: no /tmp/hsperfdata_<user>/<pid> file (jpull writes only to the store and the target;
# jcmd PID still attaches, jps no longer lists it).
exec "$java" -Xmx96m -Xss1m -XX:+UseSerialGC -XX:-UsePerfData -Dsun.jnu.encoding=UTF-8 -Dfile.encoding=UTF-8 \
  --enable-native-access=ALL-UNNAMED "$@"
