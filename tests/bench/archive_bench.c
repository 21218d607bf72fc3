/* SPDX-License-Identifier: ISC */
/*
 * broadside: archive scale measurements (issue 5, item 6).  Builds the
 * archive index of a content root the way a worker does (archive_start),
 * then reports the build time, resident memory against the archive's
 * byte size, search latency through the real Gemini route (snippets
 * included), and the size of the largest generated page.
 *
 *	archive_bench ROOT [QUERIES]
 *
 * The build runs BUILD_RUNS times (the box is shared: one run is noise);
 * its target is on the median.  Then the index is written as a flat image
 * (search_flat.h) to a file, mapped, and queried in place as a worker
 * does: plain words, phrases of 2-3 adjacent words and prefixes of 4-5
 * letters taken from sampled statements.  Exit status 1 when a target is
 * missed (median build >= 10 s with positions, peak RSS >= 1.5 GiB,
 * search p99 >= 20 ms, a page > 64 KiB, flat p99 plain >= 5 ms, phrase or
 * prefix >= 20 ms).
 */
#define _XOPEN_SOURCE 700	/* nftw */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "archive_build.h"
#include "archive_route.h"
#include "gemini_archive.h"
#include "config.h"
#include "request.h"
#include "search.h"
#include "search_flat.h"

#define QUERIES_DEFAULT	1000
#define BUILD_RUNS	3
#define SAMPLE_FILES	4096

static unsigned long long archive_bytes;
static char	**paths;
static size_t	 npaths;

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
walk_cb(const char *p, const struct stat *sb, int type, struct FTW *f)
{
	size_t	 l = strlen(p);

	(void)f;
	if (type != FTW_F)
		return 0;
	archive_bytes += (unsigned long long)sb->st_size;
	if (npaths < SAMPLE_FILES && l > 4 && strcmp(p + l - 4, ".gmi") == 0 &&
	    (archive_bytes % 7) < 3)
		paths[npaths++] = strdup(p);
	return 0;
}

/* VmHWM / VmRSS in KiB from /proc, or ru_maxrss. */
static long
mem_kib(const char *key)
{
	char	 line[256];
	long	 v = -1;
	FILE	*f;

	if ((f = fopen("/proc/self/status", "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, key, strlen(key)) == 0)
				v = strtol(line + strlen(key) + 1, NULL, 10);
		fclose(f);
	}
	if (v < 0) {
		struct rusage	 ru;

		getrusage(RUSAGE_SELF, &ru);
		v = ru.ru_maxrss;
	}
	return v;
}

struct pick {
	char	 w[3][SEARCH_TOKEN_MAX + 1];
	size_t	 n, seen, want;
};

static int
pick_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct pick	*p = arg;

	(void)s;
	(void)e;
	if (p->seen++ % 97 == 13 && len >= 3 && p->n < p->want) {
		memcpy(p->w[p->n], tok, len);
		p->w[p->n++][len] = '\0';
	}
	return p->n == p->want;
}

static double
load(void)
{
	double	 l[1] = { -1 };

	getloadavg(l, 1);
	return l[0];
}

static int
dcmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A generated Gemini page, as the server routes and renders it. */
static void
gemini_get(const struct request_ctx *ctx, const char *path,
    const char *query, struct response *r)
{
	struct route	 rt;

	archive_route(archive_folder(ctx->archive), path, 0, &rt);
	gemini_archive_serve(ctx, &rt, path, query, r);
}

static size_t
page_len(const struct response *r)
{
	return r->out.len + r->body_len;
}

/* -- the flat image --------------------------------------------------- */

/* A statement's words, for phrases and prefixes. */
#define TEXT_WORDS	4096
struct words {
	char	 w[TEXT_WORDS][SEARCH_TOKEN_MAX + 1];
	size_t	 n;
};

static int
words_cb(void *arg, const char *tok, size_t len, size_t s, size_t e)
{
	struct words	*w = arg;

	(void)s;
	(void)e;
	memcpy(w->w[w->n], tok, len);
	w->w[w->n++][len] = '\0';
	return w->n == TEXT_WORDS;
}

static int
ascii_word(const char *w, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return 0;
	return w[n - 1] != '\0';
}

/*
 * Query i of a kind from a sampled statement: 0 plain (1-3 words), 1 a
 * phrase of 2-3 adjacent words, 2 a prefix of 4-5 letters.
 */
static void
flat_pick(int kind, size_t i, char *text, struct words *w, char *q,
    size_t qsz)
{
	size_t		 k, at, n;
	ssize_t		 r;
	int		 fd;

	w->n = 0;
	snprintf(q, qsz, kind == 2 ? "solid*" : "protest");
	if (npaths == 0 || (fd = open(paths[(i * 7919 + kind) % npaths],
	    O_RDONLY)) == -1)
		return;
	r = read(fd, text, 65535);
	close(fd);
	if (r <= 0)
		return;
	search_tokenize(text, (size_t)r, words_cb, w);
	if (w->n < 8)
		return;
	at = (i * 2654435761u) % (w->n - 4);
	q[0] = '\0';
	switch (kind) {
	case 0:
		for (k = 0; k < 1 + i % 3; k++)
			snprintf(q + strlen(q), qsz - strlen(q), "%s%s",
			    k ? " " : "", w->w[(at + k * 37) % w->n]);
		break;
	case 1:
		n = 2 + i % 2;
		snprintf(q, qsz, "\"");
		for (k = 0; k < n; k++)
			snprintf(q + strlen(q), qsz - strlen(q), "%s%s",
			    k ? " " : "", w->w[at + k]);
		snprintf(q + strlen(q), qsz - strlen(q), "\"");
		break;
	default:
		n = 4 + i % 2;
		for (k = at; k < w->n; k++)
			if (strlen(w->w[k]) > n && ascii_word(w->w[k], n))
				break;
		if (k == w->n)
			k = at;
		snprintf(q, qsz, "%.*s*", (int)n, w->w[k]);
		break;
	}
}

static int
file_sink(void *arg, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 r;
	int		 fd = *(int *)arg;

	while (n > 0) {
		if ((r = write(fd, c, n)) <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

struct flat {
	size_t	 bytes;
	double	 write_ms;
	double	 p50[3], p99[3], max[3];
	size_t	 hits[3];		/* queries with a match */
	size_t	 mismatch;		/* flat total != in-memory total */
};

static const char *const kind_name[3] = { "plain", "phrase", "prefix" };

/*
 * The image of the catalog's index written to a file, mapped, and
 * queried there with the catalog's ranks; plain queries checked against
 * the in-memory index's totals.
 */
static int
flat_bench(const struct catalog *s, size_t nq, char *text, struct flat *f)
{
	struct search_seg	 sg;
	struct search_hit	 h[SEARCH_RESULTS_MAX];
	struct words		*w;
	uint32_t		*rank;
	double			*lat, t0;
	char			 q[1024], tmp[] = "/tmp/broadside-image-XXXXXX";
	size_t			 i, n, total, n2, total2;
	void			*mem;
	struct stat		 sb;
	int			 fd, kind;

	memset(f, 0, sizeof(*f));
	if ((w = malloc(sizeof(*w))) == NULL ||
	    (lat = calloc(nq + 1, sizeof(*lat))) == NULL ||
	    (rank = malloc((s->nst + 1) * sizeof(*rank))) == NULL ||
	    (fd = mkstemp(tmp)) == -1)
		return -1;
	unlink(tmp);
	for (i = 0; i < s->nst; i++)
		rank[i] = SEARCH_RANK_NONE;
	for (i = 0; i < s->n; i++)
		rank[s->order[i]] = (uint32_t)i;
	t0 = now_ms();
	if (search_write(s->search, file_sink, &fd) == -1 ||
	    fstat(fd, &sb) == -1)
		return -1;
	f->write_ms = now_ms() - t0;
	f->bytes = (size_t)sb.st_size;
	mem = mmap(NULL, f->bytes, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (mem == MAP_FAILED || search_seg_open(&sg, mem, f->bytes) == -1)
		return -1;
	for (kind = 0; kind < 3; kind++) {
		for (i = 0; i < nq; i++) {
			flat_pick(kind, i, text, w, q, sizeof(q));
			t0 = now_ms();
			if (search_seg_query(&sg, 1, rank, s->nst, q, strlen(q),
			    h, SEARCH_RESULTS_MAX, &n, &total) == -1)
				return -1;
			lat[i] = now_ms() - t0;
			f->hits[kind] += total > 0;
			if (kind == 0 && i < 100 && (search_query(s->search, q,
			    strlen(q), h, SEARCH_RESULTS_MAX, &n2,
			    &total2) == -1 || total2 != total))
				f->mismatch++;
		}
		qsort(lat, nq, sizeof(*lat), dcmp);
		f->p50[kind] = lat[nq / 2];
		f->p99[kind] = lat[nq * 99 / 100];
		f->max[kind] = lat[nq - 1];
	}
	munmap(mem, f->bytes);
	free(rank);
	free(lat);
	free(w);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config		 conf;
	struct request_ctx	 ctx;
	struct response		 r;
	char			 q[1024], path[64], *text;
	double			 t0, build_ms, cpu_ms, *lat;
	double			 runs[BUILD_RUNS], median_ms;
	struct rusage		 ru0, ru1;
	struct flat		 fl;
	size_t			 nq = QUERIES_DEFAULT, i, maxpage = 0, total;
	long			 hwm, rss;
	int			 rootfd, fd, fails = 0, y;
	ssize_t			 n;

	if (argc < 2) {
		fprintf(stderr, "usage: archive_bench ROOT [QUERIES]\n");
		return 2;
	}
	if (argc > 2)
		nq = strtoul(argv[2], NULL, 10);
	if ((paths = calloc(SAMPLE_FILES, sizeof(*paths))) == NULL ||
	    (lat = calloc(nq + 1, sizeof(*lat))) == NULL ||
	    (text = malloc(65536)) == NULL)
		return 2;
	snprintf(q, sizeof(q), "%s/statements", argv[1]);
	if (nftw(q, walk_cb, 32, FTW_PHYS) == -1) {
		perror(q);
		return 2;
	}
	memset(&conf, 0, sizeof(conf));
	conf.hostname = "localhost";
	conf.root = argv[1];
	conf.archive = "statements";
	conf.title = "Statements";
	conf.lang = "en";
	conf.gopher_port = 70;
	conf.wrap = 70;
	if ((rootfd = open(argv[1], O_RDONLY | O_DIRECTORY)) == -1) {
		perror(argv[1]);
		return 2;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &conf;
	ctx.rootfd = rootfd;

	getrusage(RUSAGE_SELF, &ru0);
	t0 = now_ms();
	if ((ctx.archive = archive_new(&conf, rootfd)) == NULL)
		return 2;
	build_ms = now_ms() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	cpu_ms = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
	    ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1000.0 +
	    (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
	    ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1000.0;
	hwm = mem_kib("VmHWM:");
	rss = mem_kib("VmRSS:");

	/* Queries: 1 to 3 words taken from sampled statements. */
	for (i = 0; i < nq; i++) {
		struct pick	 p;

		memset(&p, 0, sizeof(p));
		p.want = 1 + i % 3;
		q[0] = '\0';
		if (npaths > 0 && (fd = open(paths[(i * 7919) % npaths],
		    O_RDONLY)) != -1) {
			n = read(fd, text, 65535);
			close(fd);
			if (n > 0)
				search_tokenize(text, (size_t)n, pick_cb, &p);
		}
		for (size_t k = 0; k < p.n; k++)
			snprintf(q + strlen(q), sizeof(q) - strlen(q), "%s%s",
			    k ? "%20" : "", p.w[k]);
		if (i % 10 == 0)
			snprintf(q, sizeof(q), "%s", i % 20 ? "the" :
			    "workers%20the%20solidarity");
		if (q[0] == '\0')
			snprintf(q, sizeof(q), "protest");
		response_init(&r);
		t0 = now_ms();
		gemini_get(&ctx, "/search", q, &r);
		lat[i] = now_ms() - t0;
		response_free(&r);
	}
	qsort(lat, nq, sizeof(*lat), dcmp);

	/* Every generated page: the largest. */
	{
		const char	*pages[] = { "/", "/statements/",
		    "/statements/tags/", "/statements/atom.xml",
		    "/statements/tags/migrants/" };

		for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
			response_init(&r);
			gemini_get(&ctx, pages[i], NULL, &r);
			if (page_len(&r) > maxpage)
				maxpage = page_len(&r);
			response_free(&r);
		}
		for (y = 1990; y <= 2030; y++)
			for (int pg = 1; pg < 40; pg++) {
				if (pg == 1)
					snprintf(path, sizeof(path),
					    "/statements/%d/", y);
				else
					snprintf(path, sizeof(path),
					    "/statements/%d/page/%d/", y, pg);
				response_init(&r);
				gemini_get(&ctx, path, NULL, &r);
				total = page_len(&r);
				response_free(&r);
				if (total > maxpage)
					maxpage = total;
				if (total < 200)
					break;
			}
	}

	/* The indexer's way: a catalog, its index written as a file. */
	{
		struct build_conf	 bc;
		struct catalog		*cat;

		memset(&bc, 0, sizeof(bc));
		bc.rootfd = rootfd;
		bc.archive = "statements";
		bc.watchfd = -1;
		bc.force = 1;
		bc.quiet = 1;
		if ((cat = catalog_build(&bc)) == NULL ||
		    flat_bench(cat, nq, text, &fl) == -1) {
			fprintf(stderr, "archive_bench: the flat image "
			    "failed\n");
			return 2;
		}
		catalog_free(cat);
	}

	/* The build again, for a median. */
	runs[0] = build_ms;
	for (i = 1; i < BUILD_RUNS; i++) {
		archive_free(ctx.archive);
		t0 = now_ms();
		if ((ctx.archive = archive_new(&conf, rootfd)) == NULL)
			return 2;
		runs[i] = now_ms() - t0;
	}
	qsort(runs, BUILD_RUNS, sizeof(*runs), dcmp);
	median_ms = runs[BUILD_RUNS / 2];

	printf("archive: %llu bytes in %s/statements\n", archive_bytes,
	    argv[1]);
	printf("build: %.0f ms wall, %.0f ms CPU in all threads, load "
	    "average %.2f\n", build_ms, cpu_ms, load());
	printf("build: median of %d runs %.0f ms wall (runs", BUILD_RUNS,
	    median_ms);
	for (i = 0; i < BUILD_RUNS; i++)
		printf(" %.0f", runs[i]);
	printf(") (target < 10000)\n");
	printf("memory: peak RSS %ld KiB, RSS after build %ld KiB, "
	    "%.1f%% of the archive bytes (target < 1572864 KiB)\n", hwm, rss,
	    100.0 * hwm * 1024 / (double)(archive_bytes ? archive_bytes : 1));
	printf("search: %zu queries, p50 %.2f ms, p99 %.2f ms, max %.2f ms "
	    "(target p99 < 20)\n", nq, lat[nq / 2], lat[nq * 99 / 100],
	    lat[nq - 1]);
	printf("pages: largest generated page %zu bytes (target <= 65536)\n",
	    maxpage);
	printf("image: %zu bytes, written in %.0f ms\n", fl.bytes,
	    fl.write_ms);
	for (i = 0; i < 3; i++)
		printf("flat %s: %zu queries (%zu matched), p50 %.2f ms, p99 "
		    "%.2f ms, max %.2f ms (target p99 < %d)\n", kind_name[i],
		    nq, fl.hits[i], fl.p50[i], fl.p99[i], fl.max[i],
		    i == 0 ? 5 : 20);
	printf("flat check: %zu of 100 plain totals differ from the in-memory "
	    "index (target 0)\n", fl.mismatch);
	if (median_ms >= 10000)
		fails++;
	if (hwm >= 1572864)
		fails++;
	if (fl.p99[0] >= 5 || fl.p99[1] >= 20 || fl.p99[2] >= 20 ||
	    fl.mismatch > 0)
		fails++;
	if (lat[nq * 99 / 100] >= 20)
		fails++;
	if (maxpage > 65536)
		fails++;
	archive_free(ctx.archive);
	close(rootfd);
	for (i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	free(lat);
	free(text);
	printf("%s\n", fails ? "FAIL" : "ok");
	return fails ? 1 : 0;
}
