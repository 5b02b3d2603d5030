/* Reading "key = value" configuration files (see conf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "err.h"

/* Strips blanks and line ends at both ends of s in place; returns s. */
static char *
conf_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	                 s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

int
conf_read(const char *path,
          int (*set)(void *arg, const char *key, const char *value), void *arg,
          char *why, size_t whylen)
{
	char line[CONF_LINE_MAX], *k, *eq;
	FILE *f;
	int rc = CAIRN_OK, lineno = 0;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(why, whylen, "cannot read %s: %s", path,
		         strerror(errno));
		return errno == ENOENT ? CAIRN_ENOTFOUND : CAIRN_EIO;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(why, whylen, "%s:%d: line too long", path,
			         lineno);
			rc = CAIRN_EINVAL;
			break;
		}
		k = conf_trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(why, whylen, "%s:%d: expected key = value",
			         path, lineno);
			rc = CAIRN_EINVAL;
			break;
		}
		*eq = '\0';
		if ((rc = set(arg, conf_trim(k), conf_trim(eq + 1))) != 0) {
			snprintf(why, whylen, "%s:%d: bad setting '%s'", path,
			         lineno, conf_trim(k));
			break;
		}
	}
	if (rc == CAIRN_OK && ferror(f)) {
		snprintf(why, whylen, "cannot read %s", path);
		rc = CAIRN_EIO;
	}
	fclose(f);
	return rc;
}
