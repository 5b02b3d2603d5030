/*
 * The client's home directory: where it is, creating it (0700) or making
 * an existing one private, its config file ("key = value" lines, 0600)
 * and ca.pem (0600), which says what the home trusts: the pinned CA's
 * certificate, or in words, the system's CA store.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cairn.h"
#include "conf.h"
#include "err.h"

/*
 * The first line of a ca.pem that trusts the system's CA store. It holds
 * no certificate, so no other cairn reads it as a pin.
 */
#define HOME_SYSTEM_MARK "# cairn: trust the system's CA store"

/* Files of a home that must stay private (the store holds the token). */
static const char *const home_files[] = {
        "config",       "ca.pem",       "cairn.db",
        "cairn.db-wal", "cairn.db-shm", "cairn.db-journal",
};

int
home_path(const char *home, const char *name, char *out, size_t len,
          struct errbuf *err)
{
	int n;

	n = snprintf(out, len, "%s/%s", home, name);
	if (n < 0 || (size_t)n >= len)
		return errbuf_set(err, CAIRN_ETOOBIG, "path too long: %s/%s",
		                  home, name);
	return CAIRN_OK;
}

int
home_resolve(const char *opt, char *out, size_t len, struct errbuf *err)
{
	const char *env;
	int n;

	if (opt != NULL && *opt != '\0')
		n = snprintf(out, len, "%s", opt);
	else if ((env = getenv("CAIRN_HOME")) != NULL && *env != '\0')
		n = snprintf(out, len, "%s", env);
	else if ((env = getenv("XDG_DATA_HOME")) != NULL && *env == '/')
		n = snprintf(out, len, "%s/cairn", env);
	else if ((env = getenv("HOME")) != NULL && *env != '\0')
		n = snprintf(out, len, "%s/.local/share/cairn", env);
	else
		return errbuf_set(
		        err, CAIRN_EUSAGE,
		        "cannot find a home directory; use --home DIR or set CAIRN_HOME");
	if (n < 0 || (size_t)n >= len)
		return errbuf_set(err, CAIRN_EUSAGE, "home path too long");
	/* Messages and --json name the home absolutely, even before it is. */
	if (out[0] != '/') {
		char cwd[CLI_PATH_MAX], rel[CLI_PATH_MAX];

		memcpy(rel, out, (size_t)n + 1);
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return errbuf_set(
			        err, CAIRN_EIO,
			        "cannot find the current directory: %s",
			        strerror(errno));
		n = snprintf(out, len, "%s/%s", strcmp(cwd, "/") ? cwd : "",
		             rel);
		if (n < 0 || (size_t)n >= len)
			return errbuf_set(err, CAIRN_EUSAGE,
			                  "home path too long");
	}
	/* Drop trailing slashes so joined paths read well. */
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return CAIRN_OK;
}

/*
 * Makes the home dir (stat in sb) 0700 and its files 0600, as ssh wants
 * of ~/.ssh: it holds the device token and the CA pin. A directory of
 * another user, or a shared one like /tmp, is not made anyone's home.
 */
static int
home_private(const char *dir, const struct stat *sb, struct errbuf *err)
{
	char path[CLI_PATH_MAX];
	struct stat fsb;
	size_t i;
	int rc;

	if (sb->st_uid != geteuid())
		return errbuf_set(
		        err, CAIRN_EFORBIDDEN,
		        "%s belongs to another user (uid %lu); use a home of your own (--home DIR)",
		        dir, (unsigned long)sb->st_uid);
	if (sb->st_mode & S_ISVTX)
		return errbuf_set(
		        err, CAIRN_EFORBIDDEN,
		        "%s is a shared directory (sticky bit); use a directory of its own as the home (--home DIR)",
		        dir);
	if ((sb->st_mode & 07777) != 0700 && chmod(dir, 0700) != 0)
		return errbuf_set(err, CAIRN_EIO,
		                  "cannot make %s private (mode 0700): %s", dir,
		                  strerror(errno));
	for (i = 0; i < sizeof(home_files) / sizeof(home_files[0]); i++) {
		if ((rc = home_path(dir, home_files[i], path, sizeof(path),
		                    err)) != CAIRN_OK)
			return rc;
		if (lstat(path, &fsb) != 0 || !S_ISREG(fsb.st_mode) ||
		    (fsb.st_mode & 077) == 0)
			continue;
		if (chmod(path, fsb.st_mode & 0600) != 0)
			return errbuf_set(
			        err, CAIRN_EIO,
			        "cannot make %s private (mode 0600): %s", path,
			        strerror(errno));
	}
	return CAIRN_OK;
}

/* "home HOME is not a cairn home" with what to do about it. */
static int
home_not_home(const char *dir, const char *why, struct errbuf *err)
{
	return errbuf_set(
	        err, CAIRN_ENOCONFIG,
	        "%s is not a cairn home (%s); run 'cairn init --server HOST:PORT --ca FILE' first, or 'cairn init' for a home without a server",
	        dir, why);
}

int
home_open(const char *dir, struct errbuf *err)
{
	char path[CLI_PATH_MAX];
	struct stat sb;
	int rc;

	if (stat(dir, &sb) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return home_not_home(dir, "no such directory", err);
		return errbuf_set(err, CAIRN_EIO, "cannot read %s: %s", dir,
		                  strerror(errno));
	}
	if (!S_ISDIR(sb.st_mode))
		return home_not_home(dir, "not a directory", err);
	/*
	 * The config file that init writes last marks a home. A directory
	 * without it is left as it is: not made private, nothing created.
	 */
	if ((rc = home_path(dir, "config", path, sizeof(path), err)) !=
	    CAIRN_OK)
		return rc;
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return home_not_home(dir, "never initialised", err);
		return errbuf_set(err, CAIRN_EIO, "cannot read %s: %s", path,
		                  strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return errbuf_set(err, CAIRN_EIO, "%s is not a regular file",
		                  path);
	if (stat(dir, &sb) != 0)
		return errbuf_set(err, CAIRN_EIO, "cannot read %s: %s", dir,
		                  strerror(errno));
	return home_private(dir, &sb, err);
}

int
home_make(const char *dir, struct home_made *made, struct errbuf *err)
{
	char path[CLI_PATH_MAX];
	struct stat sb, fsb;
	size_t i, n = strlen(dir);
	int rc;

	memset(made, 0, sizeof(*made));
	if (n == 0 || n >= sizeof(path))
		return errbuf_set(err, CAIRN_EUSAGE, "home path too long");
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) == 0) {
			if (made->dir_from == 0)
				made->dir_from = i;
		} else if (errno != EEXIST) {
			rc = errbuf_set(err, CAIRN_EIO, "cannot create %s: %s",
			                path, strerror(errno));
			home_unmake(dir, made);
			return rc;
		}
		path[i] = dir[i];
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		home_unmake(dir, made);
		return errbuf_set(err, CAIRN_EIO, "%s is not a directory", dir);
	}
	for (i = 0; i < sizeof(home_files) / sizeof(home_files[0]); i++) {
		if ((rc = home_path(dir, home_files[i], path, sizeof(path),
		                    err)) != CAIRN_OK) {
			home_unmake(dir, made);
			return rc;
		}
		if (lstat(path, &fsb) != 0 && errno == ENOENT)
			made->files |= 1u << i;
	}
	if ((rc = home_private(dir, &sb, err)) != CAIRN_OK) {
		home_unmake(dir, made);
		return rc;
	}
	return CAIRN_OK;
}

void
home_unmake(const char *dir, const struct home_made *made)
{
	char path[CLI_PATH_MAX];
	size_t i, n = strlen(dir);

	for (i = 0; i < sizeof(home_files) / sizeof(home_files[0]); i++)
		if ((made->files & (1u << i)) &&
		    home_path(dir, home_files[i], path, sizeof(path), NULL) ==
		            CAIRN_OK)
			unlink(path);
	if (home_path(dir, ".tmp-write", path, sizeof(path), NULL) == CAIRN_OK)
		unlink(path);
	if (made->dir_from == 0 || n >= sizeof(path))
		return;
	/* The directories made, deepest first, up to the first one made. */
	memcpy(path, dir, n + 1);
	for (i = n; i >= made->dir_from; i--) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (rmdir(path) != 0)
			break;
	}
}

int
home_split_server(const char *s, char *host, size_t hostlen, char *port,
                  size_t portlen)
{
	const char *colon, *h;
	size_t hl, pl, i;
	long p;
	char *end;

	if (s[0] == '[') {
		h = s + 1;
		colon = strchr(h, ']');
		if (colon == NULL || colon[1] != ':')
			return CAIRN_EINVAL;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		h = s;
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)))
			return CAIRN_EINVAL;
		hl = (size_t)(colon - s);
	}
	pl = strlen(colon + 1);
	if (hl == 0 || hl >= hostlen || pl == 0 || pl >= portlen)
		return CAIRN_EINVAL;
	for (i = 0; i < pl; i++)
		if (colon[1 + i] < '0' || colon[1 + i] > '9')
			return CAIRN_EINVAL;
	p = strtol(colon + 1, &end, 10);
	if (p < 1 || p > 65535)
		return CAIRN_EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	for (i = 0; i < hl; i++)
		if (host[i] == ' ' || host[i] == '/' || host[i] == '\t')
			return CAIRN_EINVAL;
	memcpy(port, colon + 1, pl + 1);
	return CAIRN_OK;
}

/* What home_config_read fills in. */
struct home_conf {
	char *server;
	size_t len;
};

static int
home_conf_set(void *arg, const char *key, const char *value)
{
	struct home_conf *hc = arg;

	if (strcmp(key, "server") != 0)
		return CAIRN_OK; /* settings of later versions are kept */
	if (strlen(value) >= hc->len)
		return CAIRN_EINVAL;
	memcpy(hc->server, value, strlen(value) + 1);
	return CAIRN_OK;
}

int
home_config_read(const char *home, char *server, size_t len, struct errbuf *err)
{
	struct home_conf hc = {server, len};
	char path[CLI_PATH_MAX], why[CLI_PATH_MAX + 64];
	int rc;

	server[0] = '\0';
	if ((rc = home_path(home, "config", path, sizeof(path), err)) !=
	    CAIRN_OK)
		return rc;
	rc = conf_read(path, home_conf_set, &hc, why, sizeof(why));
	if (rc == CAIRN_ENOTFOUND)
		return CAIRN_OK;
	if (rc != CAIRN_OK)
		return errbuf_set(err, rc, "%s", why);
	return CAIRN_OK;
}

/* Writes len bytes to HOME/name through a temporary file and rename. */
static int
write_atomic(const char *home, const char *name, const void *p, size_t len,
             struct errbuf *err)
{
	char path[CLI_PATH_MAX], tmp[CLI_PATH_MAX];
	const char *c = p;
	ssize_t w;
	int fd = -1, rc;

	if ((rc = home_path(home, name, path, sizeof(path), err)) != CAIRN_OK ||
	    (rc = home_path(home, ".tmp-write", tmp, sizeof(tmp), err)) !=
	            CAIRN_OK)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	fchmod(fd, 0600);
	while (len > 0) {
		w = write(fd, c, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		c += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	rc = CAIRN_OK;
	goto out;
fail:
	rc = errbuf_set(err, CAIRN_EIO, "cannot write %s: %s", path,
	                strerror(errno));
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int
home_config_write(const char *home, const char *server, struct errbuf *err)
{
	char text[CLI_SERVER_MAX + 256];
	int n;

	if (server != NULL)
		n = snprintf(
		        text, sizeof(text),
		        "# cairn client settings (written by 'cairn init').\n"
		        "server = %s\n",
		        server);
	else
		n = snprintf(
		        text, sizeof(text),
		        "# cairn client settings (written by 'cairn init').\n"
		        "# No server yet: this home works offline. Point it at one with\n"
		        "# 'cairn init --server HOST:PORT --ca FILE'.\n");
	if (n < 0 || (size_t)n >= sizeof(text))
		return errbuf_set(err, CAIRN_EINVAL, "server too long");
	return write_atomic(home, "config", text, (size_t)n, err);
}

int
home_ca_load(const char *src, char **out, size_t *outlen, struct errbuf *err)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = NULL;
	BIO *bio = NULL;
	X509 *x = NULL;
	int rc;

	f = fopen(src, "rb");
	if (f == NULL) {
		rc = errbuf_set(err, CAIRN_EINVAL, "cannot read CA file %s: %s",
		                src, strerror(errno));
		goto out;
	}
	data = malloc(CLI_CA_MAX + 1);
	if (data == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	len = fread(data, 1, CLI_CA_MAX + 1, f);
	if (ferror(f)) {
		rc = errbuf_set(err, CAIRN_EIO, "cannot read CA file %s", src);
		goto out;
	}
	if (len > CLI_CA_MAX) {
		rc = errbuf_set(err, CAIRN_EINVAL,
		                "CA file %s is larger than 1 MiB", src);
		goto out;
	}
	data[len] = '\0';
	if (strstr(data, "-----BEGIN CERTIFICATE-----") == NULL) {
		rc = errbuf_set(
		        err, CAIRN_EINVAL,
		        "%s holds no PEM certificate (give the CA's ca.pem)",
		        src);
		goto out;
	}
	/* Something that only looks like one would fail every connection. */
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		ERR_clear_error();
		rc = errbuf_set(
		        err, CAIRN_EINVAL,
		        "%s holds no certificate that can be read (give the CA's ca.pem)",
		        src);
		goto out;
	}
	*out = data;
	*outlen = len;
	data = NULL;
	rc = CAIRN_OK;
out:
	X509_free(x);
	BIO_free(bio);
	if (f != NULL)
		fclose(f);
	free(data);
	return rc;
}

int
home_ca_save(const char *home, const char *data, size_t len, struct errbuf *err)
{
	return write_atomic(home, "ca.pem", data, len, err);
}

int
home_trust(const char *path)
{
	char line[sizeof(HOME_SYSTEM_MARK)];
	size_t n;
	FILE *f;

	if (path == NULL || path[0] == '\0')
		return HOME_TRUST_NONE;
	if ((f = fopen(path, "rb")) == NULL)
		return HOME_TRUST_PINNED; /* loading it says what is wrong */
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	if (n == sizeof(line) - 1 &&
	    memcmp(line, HOME_SYSTEM_MARK, sizeof(line) - 1) == 0)
		return HOME_TRUST_SYSTEM;
	return HOME_TRUST_PINNED;
}

int
home_trust_system(const char *home, struct errbuf *err)
{
	static const char text[] = HOME_SYSTEM_MARK
	        "\n"
	        "# 'cairn init --system-ca' wrote this file: the server's certificate is\n"
	        "# verified against the CAs this system trusts, with no CA pinned.\n"
	        "# Pin one instead with 'cairn init --server HOST:PORT --ca FILE'.\n";

	return write_atomic(home, "ca.pem", text, sizeof(text) - 1, err);
}

int
home_ca_describe(const char *path, char *out, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char subject[256], fp[3 * EVP_MAX_MD_SIZE + 1];
	unsigned mdlen = 0, i;
	X509 *first = NULL, *x;
	size_t more = 0;
	FILE *f;

	out[0] = '\0';
	if ((f = fopen(path, "rb")) == NULL)
		return CAIRN_EINVAL;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (first == NULL)
			first = x;
		else {
			more++;
			X509_free(x);
		}
	}
	fclose(f);
	ERR_clear_error();
	if (first == NULL)
		return CAIRN_EINVAL;
	X509_NAME_oneline(X509_get_subject_name(first), subject,
	                  sizeof(subject));
	if (X509_digest(first, EVP_sha256(), md, &mdlen) != 1)
		mdlen = 0;
	X509_free(first);
	fp[0] = '\0';
	for (i = 0; i < mdlen; i++)
		snprintf(fp + 3 * i, sizeof(fp) - 3 * i, "%02X%s", md[i],
		         i + 1 < mdlen ? ":" : "");
	/* "/CN=cairn private CA for x" reads better without the slash. */
	if (more > 0)
		snprintf(out, len, "%s, SHA-256 %s, and %zu more",
		         subject + (subject[0] == '/'), fp, more);
	else
		snprintf(out, len, "%s, SHA-256 %s",
		         subject + (subject[0] == '/'), fp);
	return CAIRN_OK;
}
