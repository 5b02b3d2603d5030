/*
 * What a file-based store keeps outside its database, to tell a database
 * restored from a backup from the one it served: the identity of the
 * database file (device, inode, birth time: a copied file is a new file)
 * and a mark file beside it holding the epoch and the highest seq issued
 * (a database restored in place, e.g. with sqlite3 .restore, is the same
 * file but behind its mark). The mark is `.NAME.cairnd-mark` in the
 * database's directory, so a backup of `NAME*` does not carry it along.
 * No SQL here; store-sqlite.c decides what a mismatch means.
 */
#define _GNU_SOURCE /* statx */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "store.h"

#define MARK_SIZE 128 /* one fixed record, rewritten in place */

struct store_mark {
	int fd;
};

int
store_file_id(const char *path, char *out, size_t len)
{
	struct statx sx;
	int btime;

	if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_BTIME, &sx) != 0)
		return CAIRN_ENOTFOUND;
	btime = (sx.stx_mask & STATX_BTIME) != 0;
	snprintf(out, len, "%u:%u:%llu:%lld.%09u", sx.stx_dev_major,
	         sx.stx_dev_minor, (unsigned long long)sx.stx_ino,
	         btime ? (long long)sx.stx_btime.tv_sec : 0LL,
	         btime ? sx.stx_btime.tv_nsec : 0u);
	return CAIRN_OK;
}

int
store_mark_open(const char *db_path, struct store_mark **out)
{
	const char *slash = strrchr(db_path, '/');
	struct store_mark *m;
	char path[CONFIG_MARK_PATH_MAX];
	int n;

	if (slash != NULL)
		n = snprintf(path, sizeof(path), "%.*s/.%s.cairnd-mark",
		             (int)(slash - db_path), db_path, slash + 1);
	else
		n = snprintf(path, sizeof(path), ".%s.cairnd-mark", db_path);
	if (n < 0 || (size_t)n >= sizeof(path))
		return CAIRN_EINVAL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return CAIRN_ENOMEM;
	m->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (m->fd < 0) {
		free(m);
		return CAIRN_EIO;
	}
	*out = m;
	return CAIRN_OK;
}

void
store_mark_close(struct store_mark *m)
{
	if (m == NULL)
		return;
	close(m->fd);
	free(m);
}

int
store_mark_read(struct store_mark *m, char epoch[UUID_LEN + 1], uint64_t *seq)
{
	char buf[MARK_SIZE + 1], e[UUID_LEN + 1];
	unsigned long long s;
	ssize_t n;

	n = pread(m->fd, buf, MARK_SIZE, 0);
	if (n <= 0)
		return CAIRN_ENOTFOUND;
	buf[n] = '\0';
	/* "cairnd-mark 1 EPOCH SEQ\n"; anything else counts as no mark. */
	if (sscanf(buf, "cairnd-mark 1 %36s %llu", e, &s) != 2 ||
	    !uuid_valid(e))
		return CAIRN_ENOTFOUND;
	memcpy(epoch, e, sizeof(e));
	*seq = (uint64_t)s;
	return CAIRN_OK;
}

int
store_mark_write(struct store_mark *m, const char *epoch, uint64_t seq)
{
	char buf[MARK_SIZE];
	int n;

	/*
	 * Fixed size, padded, written in place without fsync: the mark only
	 * needs to be ahead of a restored backup, and a mark lost with the
	 * page cache merely disables the check until the next commit.
	 */
	memset(buf, ' ', sizeof(buf));
	n = snprintf(buf, sizeof(buf), "cairnd-mark 1 %s %" PRIu64 "\n", epoch,
	             seq);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return CAIRN_EINVAL;
	buf[n] = ' ';
	buf[sizeof(buf) - 1] = '\n';
	if (pwrite(m->fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		return CAIRN_EIO;
	return CAIRN_OK;
}
