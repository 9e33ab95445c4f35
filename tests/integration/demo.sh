#!/bin/bash
# `make demo`'s script, as a newcomer sees it: each attempt of the untrusted
# program with its outcome, and the host checked afterwards.
. tests/lib.sh

out=$(tools/demo/demo.sh "$MOAT" "${BUILD:-build}" 2>&1)
like "the host root is readable" "read /etc/os-release .* DONE" "$out"
like "secrets are absent" "read /etc/shadow .* No such file or directory" "$out"
like "writes land in the sandbox" "add a root user to /etc/passwd .* DONE" "$out"
like "mount is refused" "mount a proc file system .* Operation not permitted" "$out"
like "the internet is refused at once" "connect to 93.184.215.14:80 .* Connection refused" "$out"
like "the metadata service is refused" "connect to the cloud metadata service .* Connection refused" "$out"
like "DNS refuses names no rule allows" "resolve example.com .* Name or service not known" "$out"
like "the host's /etc/passwd is unchanged" "/etc/passwd is unchanged" "$out"
like "the volume got the result" "the volume got the result: result: 42" "$out"
like "nothing of the sandbox is left" "no process of the sandbox is left" "$out"

finish
