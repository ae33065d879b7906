#!/bin/sh
# Seeds fuzz/corpus/parse with the fenced examples of the language's
# documents (one file per block). Run from anywhere; the corpus is not
# committed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/corpus/parse"
mkdir -p "$out"
for doc in "$here/../grammar/README.md" "$here/../../shared/spec/dsl.md" "$here/../../shared/spec/sync.md"; do
    [ -f "$doc" ] || continue
    awk -v out="$out" -v base="$(basename "$doc" .md)" '
        /^```/ { if (inside) { close(file); inside = 0 } else { n++; file = sprintf("%s/%s-%03d", out, base, n); inside = 1; printf "" > file } next }
        inside { print >> file }
    ' "$doc"
done
ls "$out" | wc -l
