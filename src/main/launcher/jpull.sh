#!/bin/sh
# jpull launcher: this file is a shell stub followed by the jpull jar (java skips the preamble).
# The heap is bounded so peak RSS does not grow with image size; blobs are streamed, never buffered.
# JPULL_JAVA_OPTS adds JVM options; never -XX:TieredStopAtLevel=1 (it makes SHA-256 ten times slower).
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
  ""|C|POSIX) export LC_ALL=C.UTF-8 ;;
esac
exec "${JAVA:-java}" -Xmx96m -Xss1m -XX:+UseSerialGC -Dsun.jnu.encoding=UTF-8 -Dfile.encoding=UTF-8 \
  --enable-native-access=ALL-UNNAMED $JPULL_JAVA_OPTS -jar "$0" "$@"
