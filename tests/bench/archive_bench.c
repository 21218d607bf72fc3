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
 * its target is on the median.  Exit status 1 when a target is missed
 * (median build >= 5 s, peak RSS >= half the archive bytes, search p99 >=
 * 20 ms, a page > 64 KiB).
 */
#define _XOPEN_SOURCE 700	/* nftw */
#include <sys/types.h>
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
#include "archive_route.h"
#include "gemini_archive.h"
#include "config.h"
#include "request.h"
#include "search.h"

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
	printf(") (target < 5000)\n");
	printf("memory: peak RSS %ld KiB, RSS after build %ld KiB, "
	    "%.1f%% of the archive bytes (target < 50%%)\n", hwm, rss,
	    100.0 * hwm * 1024 / (double)(archive_bytes ? archive_bytes : 1));
	printf("search: %zu queries, p50 %.2f ms, p99 %.2f ms, max %.2f ms "
	    "(target p99 < 20)\n", nq, lat[nq / 2], lat[nq * 99 / 100],
	    lat[nq - 1]);
	printf("pages: largest generated page %zu bytes (target <= 65536)\n",
	    maxpage);
	if (median_ms >= 5000)
		fails++;
	if ((double)hwm * 1024 >= archive_bytes / 2.0)
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
