// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm log: print the committed records of /dev/NAME with their op
 * numbers.  Each read() returns one whole record; the file position is the
 * op number of the next record (see Documentation/vsradm.rst).
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vsradm.h"

#define LOG_BUF_START	(64 * 1024)
#define LOG_BUF_MAX	(16 * 1024 * 1024)

static void print_record(uint64_t op, const unsigned char *p, size_t len, bool json)
{
	size_t i;

	if (json) {
		/* Records are bytes: JSON strings hold only valid UTF-8. */
		j_obj_open(NULL);
		j_u64("op", op);
		j_u64("len", len);
		if (utf8_valid(p, len))
			j_strn("data", p, len);
		else
			j_base64("data-base64", p, len);
		j_obj_close();
		j_end_line();
		return;
	}
	printf("%llu\t", (unsigned long long)op);
	for (i = 0; i < len; i++) {
		if (p[i] == '\\')
			fputs("\\\\", stdout);
		else if (p[i] == '\n')
			fputs("\\n", stdout);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
	putchar('\n');
	fflush(stdout);
}

int cmd_log(int argc, char **argv)
{
	bool follow = false, from_set = false;
	const char *name = NULL;
	unsigned char *buf;
	size_t size = LOG_BUF_START;
	uint64_t from = 0;
	char path[64];
	int fd, i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow")) {
			follow = true;
		} else if (output_option(argv[i])) {
			continue;
		} else if (argv[i][0] == '-') {
			unknown_option("log", argv[i]);
		} else if (!strcmp(argv[i], "from")) {
			if (++i >= argc)
				usage_error("\"from\" needs an op number");
			from = parse_u64("op", argv[i], UINT64_MAX);
			from_set = true;
		} else if (!name) {
			name = argv[i];
		} else {
			usage_error("usage: %s log NAME [from OP] [-f]", prog);
		}
	}
	if (!name)
		usage_error("usage: %s log NAME [from OP] [-f]", prog);
	if (strncmp(name, VSR_DEV_PREFIX, strlen(VSR_DEV_PREFIX)) || strchr(name, '/') ||
	    strlen(name) >= VSR_NAME_LEN)
		usage_error("invalid instance name \"%s\" (expected %sN)", name, VSR_DEV_PREFIX);
	snprintf(path, sizeof(path), "/dev/%s", name);

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fail("log %s: cannot open %s: %s", name, path, strerror(errno));
	if (from_set && lseek(fd, (off_t)from, SEEK_SET) < 0)
		fail("log %s: cannot start at op %llu: %s", name,
		     (unsigned long long)from, strerror(errno));
	buf = malloc(size);
	if (!buf)
		fail("out of memory");

	for (;;) {
		off_t pos;
		ssize_t n;
		int err;

		/*
		 * The position may be at an op that is no record (a session's
		 * registration, a barrier, a trim): the read skips those and
		 * leaves the position just past the record it returns.
		 */
		n = read(fd, buf, size);
		if (n > 0) {
			pos = lseek(fd, 0, SEEK_CUR);
			if (pos < 1)
				fail("log %s: cannot read the position: %s", name,
				     strerror(pos < 0 ? errno : ERANGE));
			print_record((uint64_t)pos - 1, buf, (size_t)n, opt_json);
			continue;
		}
		/* End of file: a reconfiguration removed the replica. */
		if (n == 0) {
			fprintf(stderr, "%s: log %s: the end: the replica was removed from the cluster\n",
				prog, name);
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EMSGSIZE && size < LOG_BUF_MAX) {
			size *= 4;
			free(buf);
			buf = malloc(size);
			if (!buf)
				fail("out of memory");
			continue;
		}
		if (errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			if (!follow)
				break;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				fail("log %s: poll: %s", name, strerror(errno));
			/* POLLHUP alone: removed, the next read() says 0. */
			if (((pfd.revents & (POLLHUP | POLLERR)) == (POLLHUP | POLLERR) ||
			     (pfd.revents & POLLNVAL)) && !(pfd.revents & POLLIN))
				fail("log %s: the instance is gone", name);
			/* POLLERR alone: the next read() says why. */
			continue;
		}
		if (errno == EIO)
			fail("log %s: the instance has failed (see vsradm show and the kernel log)",
			     name);
		err = errno;
		pos = lseek(fd, 0, SEEK_CUR);
		if (pos < 0)
			fail("log %s: read: %s", name, strerror(err));
		fail("log %s: read at op %llu: %s", name, (unsigned long long)pos,
		     strerror(err));
	}
	free(buf);
	close(fd);
	return 0;
}
