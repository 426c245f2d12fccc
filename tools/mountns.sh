# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the checks that mount things in a mount namespace of their own
# (tools/check.sh's deb step, tools/vm/init-check.sh; POSIX sh).
# mountns_setup sets
#
#   mountns_prop     the --propagation of `unshare -m` that makes it
#   mountns_scratch  the directory to make the mount points in
#
# Where the namespace can be made private, that is all it takes, and
# mountns_scratch is /tmp.  In a chroot whose root is not a mount point
# (fresh-machine's) it cannot: the namespace keeps the propagation it
# inherits, and the mount points go under /dev/shm if that mount
# propagates nothing back (a slave or private one, as a chroot's /dev
# usually is).  Returns 1, with a message, if neither works.
mountns_setup() {
	if unshare -m --propagation private true 2>/dev/null; then
		mountns_prop=private
		mountns_scratch=/tmp
		return 0
	fi
	case $(findmnt -n -o PROPAGATION -T /dev/shm 2>/dev/null) in
	private*|slave*)
		mountns_prop=unchanged
		mountns_scratch=/dev/shm
		return 0 ;;
	esac
	echo "mountns: no private mount namespace here, and /dev/shm is shared" >&2
	return 1
}
