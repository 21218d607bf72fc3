/*
 * broadside: worker confinement.  As root: chroot to the content root,
 * clear supplementary groups, setgid, setuid, check root cannot be
 * regained.  As an ordinary user none of that is possible and we say so.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "sandbox.h"

int
sandbox_prepare(const struct config *conf, struct sandbox_user *u)
{
	struct passwd	*pw;

	memset(u, 0, sizeof(*u));
	if (geteuid() != 0) {
		if (conf->user != NULL && conf->user[0] != '\0')
			log_info("not started as root: running as uid %d, "
			    "no chroot and no privilege drop",
			    (int)geteuid());
		return 0;
	}
	if (conf->user == NULL || conf->user[0] == '\0') {
		log_warnx("%s: started as root but [server] user is empty: "
		    "refusing to serve as root", conf->path);
		return -1;
	}
	if ((pw = getpwnam(conf->user)) == NULL) {
		log_warnx("%s: [server] user: no such user \"%s\"", conf->path,
		    conf->user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_warnx("%s: [server] user \"%s\" is root", conf->path,
		    conf->user);
		return -1;
	}
	u->enabled = 1;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", conf->user);
	return 0;
}

int
sandbox_enter(const struct config *conf, const struct sandbox_user *u)
{
	if (!u->enabled)
		return 0;
	if (conf->chroot) {
		if (chroot(conf->root) == -1 || chdir("/") == -1) {
			log_warn("chroot %s", conf->root);
			return -1;
		}
	}
	if (setgroups(1, &u->gid) == -1 || setgid(u->gid) == -1 ||
	    setuid(u->uid) == -1) {
		log_warn("dropping privileges to %s", u->name);
		return -1;
	}
	if (setuid(0) != -1) {
		log_warnx("could regain root after dropping privileges");
		return -1;
	}
	return 0;
}
