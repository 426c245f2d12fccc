#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel release of Debian's default kernel (linux-image-amd64).
dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null | sed 's/^linux-image-//; s/[ ,(].*//')
if [ -z "$dep" ]; then
	echo "stock-kver: linux-image-amd64 is not installed" >&2
	exit 1
fi
echo "$dep"
