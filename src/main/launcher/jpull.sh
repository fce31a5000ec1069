#!/bin/sh
# jpull launcher: this file is a shell stub followed by the jpull jar (java skips the preamble).
# The heap is bounded so peak RSS does not grow with image size; blobs are streamed, never buffered.
# JPULL_JAVA_OPTS adds JVM options; never -XX:TieredStopAtLevel=1 (it makes SHA-256 ten times slower).
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
  ""|C|POSIX) export LC_ALL=C.UTF-8 ;;
esac
# jpull.jsa next to this file (made at build time) is a class-data-sharing archive: mapped, it cuts start-up
# by about a third. The JVM checks it matches this launcher and JVM, and quietly ignores it otherwise.
self=$(readlink -f -- "$0" 2>/dev/null) || self=$0
cds=
if [ -r "$self.jsa" ] && [ "${JPULL_CDS:-1}" != 0 ]; then cds=1; fi
exec "${JAVA:-java}" -Xmx96m -Xss1m -XX:+UseSerialGC -Dsun.jnu.encoding=UTF-8 -Dfile.encoding=UTF-8 \
  ${cds:+"-XX:SharedArchiveFile=$self.jsa"} ${cds:+-Xlog:cds=off} ${cds:+-Xlog:cds+dynamic=off} \
  --enable-native-access=ALL-UNNAMED $JPULL_JAVA_OPTS -jar "$self" "$@"
