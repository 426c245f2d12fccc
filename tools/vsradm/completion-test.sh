#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test vsradm's bash completion (tools/vsradm/vsradm.bash-completion, or
# the file given) against a stub vsradm whose `show` lists vsrlog0 and
# vsrlog3.  Prints each failing case; exit status 1 if any failed.
set -u
comp=${1:-$(dirname "$0")/vsradm.bash-completion}
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
cat > "$stub/vsradm" <<'STUB'
#!/bin/sh
[ "$1" = show ] || exit 1
printf 'vsrlog0: cluster 7 replica 0 of 3 status normal view 0 epoch 0 primary 0\n'
printf '\top 1 commit 1 trim-point 1 log-bytes 0\n'
printf 'vsrlog3: cluster 7 replica 1 of 3 status normal view 0 epoch 0 primary 0\n'
STUB
chmod +x "$stub/vsradm"
PATH=$stub:$PATH
# shellcheck source=/dev/null
. "$comp" || { echo "cannot source $comp"; exit 1; }

failed=0
# expect "WORDS" "COMPLETIONS": the command line (the last word is the one
# being completed, empty after a trailing space) and the sorted replies.
expect() {
	local got
	read -r -a COMP_WORDS <<< "$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_vsradm
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
	if [ "$got" != "$2" ]; then
		echo "completion of '$1': got '$got', expected '$2'"
		failed=1
	fi
}

expect "vsradm " "--help --version add del down family genkey help keyid log monitor reconfigure set setconf show showconf trim up version"
expect "vsradm s" "set setconf show showconf"
expect "vsradm del " "vsrlog0 vsrlog3"
expect "vsradm log vsrlog" "vsrlog0 vsrlog3"
expect "vsradm log vsrlog3 " "-f -j from"
expect "vsradm log vsrlog3 -f " "-j from"
expect "vsradm show " "-j vsrlog0 vsrlog3"
expect "vsradm add " "vsrlog1"
expect "vsradm add vsrlog1 " "client-timeout cluster encrypt heartbeat join key-file log-file peers replica retention timeout wire-version"
expect "vsradm add vsrlog1 join 10.0.0.4:7000 " "client-timeout cluster encrypt heartbeat retention timeout wire-version"
expect "vsradm add vsrlog1 replica " ""
expect "vsradm add vsrlog1 replica 0 peers 10.0.0.1:7000 " "client-timeout cluster encrypt heartbeat key-file log-file retention timeout wire-version"
expect "vsradm add vsrlog1 replica 0 peers 10.0.0.1:7000 log-file /x " "client-timeout cluster encrypt format heartbeat key-file retention timeout wire-version"
expect "vsradm set vsrlog0 " "accept-key-file client-timeout encrypt heartbeat key-file key-swap retention timeout wire-version"
expect "vsradm set vsrlog0 encrypt " "off on require"
expect "vsradm set vsrlog0 heartbeat 50 t" "timeout"
expect "vsradm set vsrlog0 key-swap k" "key-file"
expect "vsradm genkey " ""
expect "vsradm trim " "vsrlog0 vsrlog3"
expect "vsradm trim vsrlog0 " ""
expect "vsradm reconfigure " "vsrlog0 vsrlog3"
expect "vsradm reconfigure vsrlog0 " "peers"
expect "vsradm reconfigure vsrlog0 peers " ""
expect "vsradm monitor " "-j"
expect "vsradm family " ""
expect "vsradm showconf " "vsrlog0 vsrlog3"
expect "vsradm down vsrlog" "vsrlog0 vsrlog3"
expect "vsradm setconf vsrlog" "vsrlog0 vsrlog3"
mkdir "$stub/conf" && : > "$stub/conf/vsrlog2.conf" && : > "$stub/conf/vsrlog7.conf" &&
	: > "$stub/conf/other"
VSRADM_CONFDIR=$stub/conf
expect "vsradm up " "vsrlog2 vsrlog7"
expect "vsradm setconf vsrlog0 $stub/conf/vsrlog2" "$stub/conf/vsrlog2.conf"
: > "$stub/conf/a.key"
expect "vsradm set vsrlog0 key-file $stub/conf/a" "$stub/conf/a.key"
expect "vsradm set vsrlog0 accept-key-file $stub/conf/a" "$stub/conf/a.key"
expect "vsradm add vsrlog1 replica 0 key-file $stub/conf/a" "$stub/conf/a.key"
# (files of the current directory, besides none and off)
cd "$stub/conf" || exit 1
expect "vsradm set vsrlog0 key-file n" "none"
expect "vsradm set vsrlog0 key-file " "a.key none other vsrlog2.conf vsrlog7.conf"
expect "vsradm set vsrlog0 accept-key-file o" "off other"
expect "vsradm add vsrlog1 replica 0 key-file n" ""
expect "vsradm keyid $stub/conf/a" "$stub/conf/a.key"
exit $failed
