/* SPDX-License-Identifier: ISC */
/*
 * broadside: the index's files (see imgfile.h).
 *
 * The checksum runs four independent multiply-xor lanes over 8-byte
 * words (the payload padded with zeros to 32 bytes): about a gigabyte in
 * a few tenths of a second, so the indexer checks every byte of a
 * restart's files before it serves them.  It finds damage, not an
 * attacker: whoever can write the state directory owns the index anyway.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imgfile.h"
#include "log.h"

#define IMG_MAGIC	"BRDSIMG\x01"
#define IMG_VERSION	1
#define IMG_HEAD	64
#define IMG_BUF		(1024 * 1024)	/* a multiple of 32 */
#define LANE_MUL	0x9e3779b97f4a7c15ull

struct img_head {
	char		 magic[8];
	uint32_t	 version;
	uint32_t	 kind;
	uint64_t	 len;
	uint64_t	 sum;
	uint64_t	 sig;
	uint64_t	 spare[3];
};

static void
lanes_init(uint64_t *lane)
{
	lane[0] = 0x243f6a8885a308d3ull;
	lane[1] = 0x13198a2e03707344ull;
	lane[2] = 0xa4093822299f31d0ull;
	lane[3] = 0x082efa98ec4e6c89ull;
}

static uint64_t
word_at(const unsigned char *p)
{
	uint64_t	 w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* n is a multiple of 32. */
static void
lanes_run(uint64_t *lane, const unsigned char *p, size_t n)
{
	size_t	 i;
	int	 k;

	for (i = 0; i < n; i += 32)
		for (k = 0; k < 4; k++) {
			lane[k] = (lane[k] ^ word_at(p + i + 8 * k)) * LANE_MUL;
			lane[k] ^= lane[k] >> 29;
		}
}

/* The last n < 32 bytes, zero-padded, and the lanes folded. */
static uint64_t
lanes_end(uint64_t *lane, const unsigned char *p, size_t n, uint64_t len)
{
	unsigned char	 tail[32];

	memset(tail, 0, sizeof(tail));
	if (n > 0)
		memcpy(tail, p, n);
	lanes_run(lane, tail, sizeof(tail));
	return (lane[0] ^ (lane[1] * 3) ^ (lane[2] * 5) ^ (lane[3] * 7)) + len;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
img_create(struct img_writer *w, int dirfd, const char *name, uint32_t kind,
    uint64_t sig)
{
	unsigned char	 zero[IMG_HEAD];

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->dirfd = dirfd;
	w->kind = kind;
	w->sig = sig;
	lanes_init(w->lane);
	if (snprintf(w->name, sizeof(w->name), "%s", name) >=
	    (int)sizeof(w->name) || snprintf(w->tmp, sizeof(w->tmp),
	    "%s.tmp", name) >= (int)sizeof(w->tmp))
		return -1;
	if ((w->buf = malloc(IMG_BUF)) == NULL)
		return -1;
	(void)unlinkat(dirfd, w->tmp, 0);	/* a crash's leftover */
	w->fd = openat(dirfd, w->tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0644);
	memset(zero, 0, sizeof(zero));
	if (w->fd == -1 || write_all(w->fd, zero, sizeof(zero)) == -1) {
		log_warn("index: %s", w->tmp);
		img_abort(w);
		return -1;
	}
	return 0;
}

static int
flush_buf(struct img_writer *w)
{
	if (w->used == 0)
		return 0;
	if (write_all(w->fd, w->buf, w->used) == -1) {
		log_warn("index: writing %s", w->tmp);
		w->failed = 1;
		return -1;
	}
	w->used = 0;
	return 0;
}

int
img_sink(void *arg, const void *p, size_t n)
{
	struct img_writer	*w = arg;
	const unsigned char	*c = p;
	size_t			 k;

	if (w->failed)
		return -1;
	while (n > 0) {
		k = IMG_BUF - w->used < n ? IMG_BUF - w->used : n;
		memcpy(w->buf + w->used, c, k);
		w->used += k;
		w->len += k;
		c += k;
		n -= k;
		if (w->used == IMG_BUF) {
			lanes_run(w->lane, w->buf, IMG_BUF);
			if (flush_buf(w) == -1)
				return -1;
		}
	}
	return 0;
}

int
img_commit(struct img_writer *w)
{
	struct img_head	 h;
	size_t		 whole = w->used & ~(size_t)31;

	if (w->failed)
		goto fail;
	lanes_run(w->lane, w->buf, whole);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, IMG_MAGIC, sizeof(h.magic));
	h.version = IMG_VERSION;
	h.kind = w->kind;
	h.len = w->len;
	h.sum = lanes_end(w->lane, w->buf + whole, w->used - whole, w->len);
	h.sig = w->sig;
	if (flush_buf(w) == -1)
		goto fail;
	/*
	 * No fsync: the index is a cache, and its checksum, not the disk's
	 * order of writes, is what keeps a torn file from being read (a
	 * crash costs a rebuild).  Syncing the 400 MB of a large archive's
	 * base took longer than writing it.
	 */
	if (pwrite(w->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    renameat(w->dirfd, w->tmp, w->dirfd, w->name) == -1) {
		log_warn("index: %s", w->name);
		goto fail;
	}
	close(w->fd);
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
	return 0;
fail:
	img_abort(w);
	return -1;
}

void
img_abort(struct img_writer *w)
{
	if (w->fd != -1) {
		close(w->fd);
		(void)unlinkat(w->dirfd, w->tmp, 0);
	}
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
}

static int
head_check(const struct img_head *h, uint32_t kind, size_t filelen,
    const char **errstr)
{
	if (memcmp(h->magic, IMG_MAGIC, sizeof(h->magic)) != 0)
		*errstr = "not an index file";
	else if (h->version != IMG_VERSION)
		*errstr = "an index file of another version";
	else if (h->kind != kind)
		*errstr = "an index file of another kind";
	else if (h->len != filelen - IMG_HEAD)
		*errstr = "an index file of the wrong length (torn?)";
	else
		return 0;
	return -1;
}

int
img_map_fd(int fd, uint32_t kind, int verify, struct img_map *m,
    const char **errstr)
{
	const struct img_head	*h;
	struct stat		 sb;
	uint64_t		 lane[4];
	size_t			 whole;

	memset(m, 0, sizeof(*m));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		*errstr = "not a regular file";
		return -1;
	}
	if (sb.st_size < IMG_HEAD || (uint64_t)sb.st_size > SIZE_MAX / 2) {
		*errstr = "an index file too short or too long";
		return -1;
	}
	m->maplen = (size_t)sb.st_size;
	m->base = mmap(NULL, m->maplen, PROT_READ, MAP_SHARED, fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		*errstr = "cannot map the index file";
		return -1;
	}
	h = m->base;
	if (head_check(h, kind, m->maplen, errstr) == -1)
		goto fail;
	m->payload = (const unsigned char *)m->base + IMG_HEAD;
	m->len = m->maplen - IMG_HEAD;
	m->sig = h->sig;
	if (verify) {
		lanes_init(lane);
		whole = m->len & ~(size_t)31;
		lanes_run(lane, m->payload, whole);
		if (lanes_end(lane, (const unsigned char *)m->payload + whole,
		    m->len - whole, m->len) != h->sum) {
			*errstr = "an index file that fails its checksum";
			goto fail;
		}
	}
	return 0;
fail:
	img_unmap(m);
	return -1;
}

void
img_unmap(struct img_map *m)
{
	if (m->base != NULL)
		munmap(m->base, m->maplen);
	memset(m, 0, sizeof(*m));
}
