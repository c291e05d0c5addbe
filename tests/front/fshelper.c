// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fshelper - system calls the shell has no command for, used by front.sh.
 *
 *	fshelper exchange A B	   renameat2(A, B, RENAME_EXCHANGE)
 *	fshelper noreplace A B	   renameat2(A, B, RENAME_NOREPLACE)
 *	fshelper mmap FILE SIZE C  fill FILE (resized to SIZE) with byte C
 *				   through a MAP_SHARED mapping, msync
 *	fshelper unlinked FILE	   create, write, unlink, write more, fsync
 *	fshelper relink A B	   create A, link B, unlink A, write via the
 *				   fd opened as A (the data must reach B)
 *
 * Exit 0 on success, 1 with the error printed, 3 for EEXIST.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what)
{
	int err = errno;

	fprintf(stderr, "fshelper: %s: %s\n", what, strerror(err));
	return err == EEXIST ? 3 : 1;
}

static int do_mmap(const char *path, size_t size, int c)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	char *p;

	if (fd < 0)
		return fail("open");
	if (ftruncate(fd, (off_t)size))
		return fail("ftruncate");
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	memset(p, c, size);
	if (msync(p, size, MS_SYNC))
		return fail("msync");
	munmap(p, size);
	return close(fd) ? fail("close") : 0;
}

static int do_unlinked(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644), i;

	memset(buf, 'u', sizeof(buf));
	if (fd < 0)
		return fail("open");
	if (write(fd, "first\n", 6) != 6)
		return fail("write");
	if (unlink(path))
		return fail("unlink");
	for (i = 0; i < 16; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return fail("write unlinked");
	if (fsync(fd))
		return fail("fsync");
	return close(fd) ? fail("close") : 0;
}

static int do_relink(const char *a, const char *b)
{
	int fd = open(a, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return fail("open");
	if (link(a, b))
		return fail("link");
	if (unlink(a))
		return fail("unlink");
	if (pwrite(fd, "relinked\n", 9, 0) != 9)
		return fail("write");
	if (fdatasync(fd))
		return fail("fdatasync");
	return close(fd) ? fail("close") : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "exchange"))
		return renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3],
				 RENAME_EXCHANGE) ?
			       fail("renameat2") :
			       0;
	if (argc == 4 && !strcmp(argv[1], "noreplace"))
		return renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3],
				 RENAME_NOREPLACE) ?
			       fail("renameat2") :
			       0;
	if (argc == 5 && !strcmp(argv[1], "mmap"))
		return do_mmap(argv[2], strtoul(argv[3], NULL, 0), argv[4][0]);
	if (argc == 3 && !strcmp(argv[1], "unlinked"))
		return do_unlinked(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "relink"))
		return do_relink(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment in fshelper.c\n");
	return 2;
}
