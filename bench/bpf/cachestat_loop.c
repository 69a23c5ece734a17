// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Workload of the cachestat group of bench/event-limits.mjs: the page-cache
 * events the cachestat collector counts in tracepoint mode, caused in a
 * tight loop in the thread's own context, pinned to one CPU and timed with
 * the thread's CPU clock (the programs run inside the write, so they are
 * in it).
 *
 *   cachestat_loop pagewrite N REPEAT CPU DIR
 *
 * One operation is pwrite(2) of 1 byte at the start of a page of a sparse
 * 1 MiB file (256 pages) in DIR that has no page cached there: the kernel
 * adds a page to the page cache (filemap/mm_filemap_add_to_page_cache),
 * accounts it dirty (writeback/writeback_dirty_folio) and marks its buffer
 * dirty (block/block_dirty_buffer). After the 256th page the file is cut
 * to 0 and set back to 1 MiB (two ftruncate(2)s, timed with the writes and
 * shared by the 256): the dirty pages go without ever being written (ext4
 * delayed allocation gives them no blocks), so the next round adds them
 * again. Counted with bpftrace on ext4 (6.18): 1 add, 1 dirtied folio and
 * 1.03 dirty buffers per operation (the truncates' and time updates' inode
 * writes). Writing past EOF instead would cost 2 more dirty buffers a write
 * (EOF zeroing and the inode's i_size).
 *
 * DIR must be on a disk filesystem: tmpfs (shmem) never goes through
 * __filemap_add_folio, so the add event would not fire; the loop refuses
 * it. Each return value is checked. The file is removed at exit. Prints
 * the fastest of REPEAT batches in ns per operation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define PAGE 4096L
#define PAGES 256L
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6

static char path[4096];

static void fail(const char *what)
{
	fprintf(stderr, "cachestat_loop: %s: %s\n", what, strerror(errno));
	unlink(path);
	exit(2);
}

/* Drop every page of the file and give it its 256 empty pages back. */
static void reset(int fd)
{
	if (ftruncate(fd, 0) != 0 || ftruncate(fd, PAGES * PAGE) != 0)
		fail("ftruncate");
}

int main(int argc, char **argv)
{
	if (argc != 6 || strcmp(argv[1], "pagewrite") != 0) {
		fprintf(stderr, "usage: %s pagewrite N REPEAT CPU DIR\n", argv[0]);
		return 64;
	}
	long n = atol(argv[2]), repeat = atol(argv[3]);
	int cpu = atoi(argv[4]);
	struct statfs fs;

	loop_start(n, repeat, cpu);
	if (statfs(argv[5], &fs) != 0) {
		fprintf(stderr, "cachestat_loop: %s: %s\n", argv[5], strerror(errno));
		return 2;
	}
	if (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC) {
		fprintf(stderr, "cachestat_loop: %s is on tmpfs/ramfs, whose pages never fire filemap/mm_filemap_add_to_page_cache: "
				"give a directory on a disk filesystem (TMPDIR)\n", argv[5]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/cachestat-loop.%d", argv[5], (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		fail(path);
	reset(fd);
	/* Check once that a write lands where meant and that the truncates leave no data. */
	if (pwrite(fd, "x", 1, 3 * PAGE) != 1)
		fail("pwrite");
	reset(fd);
	char c = 'y';

	if (pread(fd, &c, 1, 3 * PAGE) != 1 || c != 0) {
		fprintf(stderr, "cachestat_loop: the truncates did not drop the written byte\n");
		unlink(path);
		return 2;
	}
	reset(fd);
	double best = 1e300;

	for (long r = 0; r < repeat; r++) {
		double t0, per;
		long page = 0;

		reset(fd);
		t0 = loop_ns(CLOCK_THREAD_CPUTIME_ID);
		for (long i = 0; i < n; i++) {
			if (pwrite(fd, "x", 1, page * PAGE) != 1)
				fail("pwrite");
			if (++page == PAGES) {
				page = 0;
				reset(fd);
			}
		}
		per = (loop_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / n;
		if (per < best)
			best = per;
	}
	reset(fd);
	close(fd);
	unlink(path);
	printf("%.2f\n", best);
	return 0;
}
