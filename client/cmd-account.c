/*
 * Account commands: register, login, logout, whoami and devices (list,
 * rename and revoke). The password goes to the server once and is never
 * stored; the device id and token the server returns live in the home's
 * store. A device is named by --device, by the learner at a prompt on a
 * terminal, or after this host, made unique among the account's devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"
#include "msg.h"
#include "utf8.h"

const struct cmd cmd_register_entry = {
        .name = "register",
        .fn = cmd_register,
        .flags = CMD_NEEDS_HOME | CMD_WRITES | CMD_NETWORK,
        .usage =
                "register HANDLE [--password-stdin] [--code CODE] [--device NAME]",
        .summary = "create an account and log this device in",
        .help = "  --password-stdin  read the password as one line from stdin\n"
                "  --code CODE       invite code, when the server is invite-only\n"
                "  --device NAME     a name for this device (1 to 64 bytes)\n"
                "Without --password-stdin the password is read from the terminal\n"
                "without echo. Passwords are 8 to 1024 bytes. Without --device,\n"
                "on a terminal cairn asks for a device name; the default (Enter,\n"
                "or no terminal) is the host name, made unique among your\n"
                "devices (myhost, myhost-2, ...).\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn register ann\n"
                "  cairn register ann --code 7f3a9c2e --device laptop\n"
                "  cairn register ann --password-stdin < password.txt\n",
};

const struct cmd cmd_login_entry = {
        .name = "login",
        .fn = cmd_login,
        .flags = CMD_NEEDS_HOME | CMD_WRITES | CMD_NETWORK,
        .usage = "login HANDLE [--password-stdin] [--device NAME]",
        .summary = "log this device in",
        .help = "  --password-stdin  read the password as one line from stdin\n"
                "  --device NAME     a name for this device (1 to 64 bytes)\n"
                "Each login makes a new device with its own revocable token.\n"
                "Without --device, on a terminal cairn asks for a device name; the\n"
                "default (Enter, or no terminal) is the host name, made unique\n"
                "among your devices (myhost, myhost-2, ...).\n"
                "Refused when this home holds another learner's records.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn login ann\n"
                "  cairn login ann --device work-laptop\n"
                "  cairn --home ~/cairn-2 login ann --password-stdin < password.txt\n",
};

const struct cmd cmd_logout_entry = {
        .name = "logout",
        .fn = cmd_logout,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "logout",
        .summary = "revoke this device and forget its token",
        .help = "Local records stay; log in again to sync them.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn logout\n"
                "  cairn logout --json\n",
};

const struct cmd cmd_whoami_entry = {
        .name = "whoami",
        .fn = cmd_whoami,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN,
        .usage = "whoami",
        .summary = "show the handle, server and device of this home",
        .help = "Works offline. Exit code 4 when not logged in.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn whoami\n"
                "  cairn whoami --json\n"
                "  cairn --home ~/cairn-2 whoami\n",
};

const struct cmd cmd_devices_entry = {
        .name = "devices",
        .fn = cmd_devices,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "devices [rename ID-PREFIX|this NAME | revoke ID-PREFIX]",
        .summary = "list, rename or revoke your devices",
        .help = "Without arguments lists every device of your account, with when\n"
                "it was last seen and made. 'devices rename ID NAME' renames one\n"
                "('this' for this device); NAME is 1 to 64 bytes, no other device\n"
                "of yours may have it. 'devices revoke ID' revokes one; revoking\n"
                "this device logs it out. ID is any unique prefix of 6 or more\n"
                "characters of an id the list shows.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn devices\n"
                "  cairn devices rename this work-laptop\n"
                "  cairn devices rename 3f2a9c1e old-desktop\n"
                "  cairn devices revoke 3f2a9c1e\n",
};

/* Hex form of a token, for the meta table. */
static void
hex(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Saves a new session (handle, device, token) and claims local records. */
static int
save_session(struct cli *c, const Cairn__Session *s)
{
	char tok[2 * CLI_TOKEN_MAX + 1], old[HANDLE_MAX + 1];
	int rc;

	if (s->handle == NULL || !handle_valid(s->handle) ||
	    s->device_id == NULL || strlen(s->device_id) > CLI_DEVICE_MAX ||
	    s->device_id[0] == '\0' || s->token.len == 0 ||
	    s->token.len > CLI_TOKEN_MAX)
		return cli_err(CAIRN_EPROTO, "the server sent a bad session");
	hex(s->token.data, s->token.len, tok);
	if ((rc = store_begin(c->st)) != CAIRN_OK)
		goto fail;
	rc = store_meta_get(c->st, "handle", old, sizeof(old));
	if (rc == CAIRN_OK && strcmp(old, s->handle) != 0) {
		/*
		 * Another learner's cursor means nothing for this one, and
		 * what their partners shared with them is not this one's to
		 * read (login refused a home holding their own records).
		 */
		if ((rc = store_drop_cache(c->st, s->handle)) ||
		    (rc = store_meta_del(c->st, "epoch")))
			goto fail;
	} else if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND) {
		goto fail;
	}
	if (!(rc = store_meta_set(c->st, "handle", s->handle)) &&
	    !(rc = store_meta_set(c->st, "device_id", s->device_id)) &&
	    !(rc = store_meta_set(c->st, "token", tok)))
		rc = store_claim(c->st, s->handle);
	if ((rc = store_end(c->st, rc)))
		goto fail;
	explicit_bzero(tok, sizeof(tok));
	snprintf(c->handle, sizeof(c->handle), "%s", s->handle);
	snprintf(c->device, sizeof(c->device), "%s", s->device_id);
	return CAIRN_OK;
fail:
	explicit_bzero(tok, sizeof(tok));
	store_rollback(c->st);
	return cli_err(CAIRN_ESTORAGE, "cannot save the login: %s",
	               store_errmsg(c->st));
}

static int list_devices(struct cli *c, struct net_conn *n,
                        Cairn__Response **out);
static int rename_call(struct cli *c, struct net_conn *n, const char *id,
                       const char *name, Cairn__Response **out);

/*
 * The rule for a device name, as cairnd applies it (login, register,
 * rename): 1 to DEVICE_NAME_MAX bytes of UTF-8 without control
 * characters. Sets the error line and returns CAIRN_EINVAL otherwise.
 */
static int
device_name_check(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > DEVICE_NAME_MAX)
		return cli_err(CAIRN_EINVAL,
		               "device name must be 1 to %d bytes, got %zu",
		               DEVICE_NAME_MAX, len);
	if (!utf8_valid(name, len))
		return cli_err(CAIRN_EINVAL, "device name must be UTF-8 text");
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return cli_err(
			        CAIRN_EINVAL,
			        "device name must not hold control characters (tabs, newlines...)");
	return CAIRN_OK;
}

/* This host's name, cut to a device name ("cairn" when it has none). */
static void
host_name(char *out, size_t len)
{
	if (gethostname(out, len) != 0 || out[0] == '\0')
		snprintf(out, len, "cairn");
	out[len - 1] = '\0';
}

/*
 * On a terminal, asks for a device name, offering def; writes what was
 * typed into out, or "" for the default (Enter, end of input).
 */
static int
ask_device_name(const char *def, char *out, size_t len)
{
	size_t n = 0, a, b;
	ssize_t r;
	char ch;

	fprintf(stderr, "Device name [%s]: ", def);
	fflush(stderr);
	for (;;) {
		r = read(STDIN_FILENO, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cli_err(CAIRN_EIO,
			               "cannot read the device name: %s",
			               strerror(errno));
		if (r == 0 || ch == '\n')
			break;
		if (n + 1 < len)
			out[n++] = ch;
		else
			return cli_err(CAIRN_EINVAL,
			               "device name must be 1 to %d bytes",
			               DEVICE_NAME_MAX);
	}
	out[n] = '\0';
	/* Spaces around it are the terminal's, not the name's. */
	for (a = 0; out[a] == ' ' || out[a] == '\t' || out[a] == '\r'; a++)
		;
	for (b = n; b > a && (out[b - 1] == ' ' || out[b - 1] == '\t' ||
	                      out[b - 1] == '\r');
	     b--)
		;
	memmove(out, out + a, b - a);
	out[b - a] = '\0';
	return CAIRN_OK;
}

/* 1 if a device of d other than this one, not revoked, is named name. */
static int
name_taken(const Cairn__DevicesOk *d, const char *self, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_devices; i++)
		if (!d->devices[i]->revoked &&
		    strcmp(d->devices[i]->id, self) != 0 &&
		    strcmp(d->devices[i]->name, name) == 0)
			return 1;
	return 0;
}

/*
 * Makes the default name of this new device unique among the account's
 * devices that are not revoked: myhost, else myhost-2, myhost-3... The
 * server refuses a name taken meanwhile (EEXIST); then the next is tried.
 * Writes the name the device has into out.
 */
static int
unique_default_name(struct cli *c, struct net_conn *n, const char *def,
                    char *out, size_t len)
{
	Cairn__Response *list = NULL, *resp = NULL;
	char name[DEVICE_NAME_MAX + 1], suffix[16];
	int k, rc, cut;

	snprintf(out, len, "%s", def);
	if ((rc = list_devices(c, n, &list)) != CAIRN_OK)
		return rc;
	if (!name_taken(list->devices, c->device, def))
		goto out;
	rc = CAIRN_EEXIST;
	for (k = 2; k < 1000 && rc == CAIRN_EEXIST; k++) {
		snprintf(suffix, sizeof(suffix), "-%d", k);
		cut = (int)(DEVICE_NAME_MAX - strlen(suffix));
		snprintf(name, sizeof(name), "%.*s%s", cut, def, suffix);
		if (name_taken(list->devices, c->device, name))
			continue;
		msg_free_response(resp);
		resp = NULL;
		rc = rename_call(c, n, c->device, name, &resp);
	}
	if (rc == CAIRN_OK)
		snprintf(out, len, "%s", name);
out:
	msg_free_response(list);
	msg_free_response(resp);
	return rc;
}

/* register and login share everything but the request they send. */
static int
session_command(struct cli *c, int argc, char **argv, int reg)
{
	static const struct option opts[] = {
	        {"password-stdin", no_argument, NULL, 'p'},
	        {"code", required_argument, NULL, 'c'},
	        {"device", required_argument, NULL, 'd'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Register rg = CAIRN__REGISTER__INIT;
	Cairn__Login lg = CAIRN__LOGIN__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	struct net_conn *n = NULL;
	char password[CLI_PASSWORD_MAX + 2], host[DEVICE_NAME_MAX + 1];
	char typed[DEVICE_NAME_MAX + 1], name[DEVICE_NAME_MAX + 1];
	const char *handle, *code = "", *device = NULL, *arg;
	uint64_t foreign;
	int ch, from_stdin = 0, rc, by_default = 0;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'p')
			from_stdin = 1;
		else if (ch == 'c' && reg)
			code = arg;
		else if (ch == 'c')
			return cli_usage(c, "--code is for register");
		else if (ch == 'd')
			device = arg;
	}
	if (argc - cli_optind() != 1)
		return cli_usage(c, "expected one HANDLE");
	handle = argv[cli_optind()];
	if (!handle_valid(handle))
		return cli_err(
		        CAIRN_EINVAL,
		        "bad handle '%s': 2 to 32 of a-z 0-9 _ -, starting with a letter",
		        handle);
	if (device != NULL && (rc = device_name_check(device)) != CAIRN_OK)
		return rc;
	if ((rc = store_count_foreign(c->st, handle, &foreign)) != CAIRN_OK)
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	if (foreign > 0)
		return cli_err(
		        CAIRN_EFORBIDDEN,
		        "this home holds another learner's records; use another --home for %s",
		        handle);
	if (device == NULL) {
		host_name(host, sizeof(host));
		typed[0] = '\0';
		if (isatty(STDIN_FILENO) &&
		    (rc = ask_device_name(host, typed, sizeof(typed))) !=
		            CAIRN_OK)
			return rc;
		by_default = typed[0] == '\0';
		device = by_default ? host : typed;
		if (!by_default && (rc = device_name_check(device)) != CAIRN_OK)
			return rc;
	}
	if ((rc = password_read(from_stdin, reg, password, sizeof(password))))
		return rc;
	if ((rc = cli_net_open(c, 0, &n)) != CAIRN_OK)
		goto out;
	if (reg) {
		rg.handle = (char *)handle;
		rg.password = password;
		rg.code = (char *)code;
		rg.device_name = (char *)device;
		req.body_case = CAIRN__REQUEST__BODY_REGISTER;
		req.register_ = &rg;
	} else {
		lg.handle = (char *)handle;
		lg.password = password;
		lg.device_name = (char *)device;
		req.body_case = CAIRN__REQUEST__BODY_LOGIN;
		req.login = &lg;
	}
	if ((rc = net_call(n, &req, &resp, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	if (resp->body_case != CAIRN__RESPONSE__BODY_SESSION ||
	    resp->session == NULL) {
		rc = cli_err(CAIRN_EPROTO, "the server sent no session");
		goto out;
	}
	if ((rc = save_session(c, resp->session)) != CAIRN_OK)
		goto out;
	snprintf(name, sizeof(name), "%s", device);
	/* Logged in all the same: a name that stays as it was is no error. */
	if (by_default &&
	    unique_default_name(c, n, host, name, sizeof(name)) != CAIRN_OK) {
		fprintf(stderr,
		        "cairn: warning: could not make the device name '%s' unique: %s\n",
		        host, cli_errmsg() != NULL ? cli_errmsg() : "");
		cli_err_clear();
	}
	/* The name other machines show this one by (a timer running here). */
	if (store_meta_set(c->st, "device_name", name) != CAIRN_OK)
		fprintf(stderr, "cairn: cannot save this device's name: %s\n",
		        store_errmsg(c->st));
	if (c->json)
		rc = out_json(json_pack("{s:s, s:s, s:s}", "handle", c->handle,
		                        "device", c->device, "device_name",
		                        name));
	else
		printf("%s as %s (device %.8s, %s)\n",
		       reg ? "registered and logged in" : "logged in",
		       c->handle, c->device, name);
out:
	explicit_bzero(password, sizeof(password));
	msg_free_response(resp);
	net_close(n);
	return rc;
}

int
cmd_register(struct cli *c, int argc, char **argv)
{
	return session_command(c, argc, argv, 1);
}

int
cmd_login(struct cli *c, int argc, char **argv)
{
	return session_command(c, argc, argv, 0);
}

/* Forgets this device's id and token; records and handle stay. */
static int
forget_device(struct cli *c)
{
	int rc;

	if (!(rc = store_begin(c->st)) &&
	    !(rc = store_meta_del(c->st, "token")))
		rc = store_meta_del(c->st, "device_id");
	if ((rc = store_end(c->st, rc)))
		goto fail;
	c->token_len = 0;
	return CAIRN_OK;
fail:
	return cli_err(CAIRN_ESTORAGE, "cannot forget the token: %s",
	               store_errmsg(c->st));
}

int
cmd_logout(struct cli *c, int argc, char **argv)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Logout lo = CAIRN__LOGOUT__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	struct net_conn *n = NULL;
	int rc;

	if (argc > 1)
		return cli_usage(c, "unexpected argument");
	rc = cli_net_open(c, 1, &n);
	if (rc == CAIRN_OK) {
		req.body_case = CAIRN__REQUEST__BODY_LOGOUT;
		req.logout = &lo;
		if ((rc = net_call(n, &req, &resp, &err)) != CAIRN_OK)
			rc = cli_errbuf(rc, &err);
	}
	/* A token the server no longer knows is as good as revoked. */
	if (rc != CAIRN_OK && rc != CAIRN_EREVOKED && rc != CAIRN_EAUTHREQ)
		goto out;
	if ((rc = forget_device(c)) != CAIRN_OK)
		goto out;
	if (c->json)
		rc = out_json(json_pack("{s:s}", "handle", c->handle));
	else
		printf("logged out %s; local records stay in %s\n", c->handle,
		       c->home);
out:
	msg_free_response(resp);
	net_close(n);
	return rc;
}

int
cmd_whoami(struct cli *c, int argc, char **argv)
{
	if (argc > 1)
		return cli_usage(c, "unexpected argument");
	if (c->json)
		return out_json(json_pack(
		        "{s:s, s:o, s:s}", "handle", c->handle, "server",
		        out_str_or_null(c->server), "device", c->device));
	printf("%s on %s (device %s)\n", c->handle,
	       c->server[0] ? c->server : "(no server)", c->device);
	return CAIRN_OK;
}

static json_t *
device_json(const Cairn__Device *d)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:b, s:b}", "id", d->id, "name",
	                 d->name, "created_at", out_time_or_null(d->created_at),
	                 "last_seen", out_time_or_null(d->last_seen), "revoked",
	                 d->revoked, "current", d->current);
}

static int
list_devices(struct cli *c, struct net_conn *n, Cairn__Response **out)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DevicesList dl = CAIRN__DEVICES_LIST__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	int rc;

	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	req.devices = &dl;
	if ((rc = net_call(n, &req, &resp, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if (resp->body_case != CAIRN__RESPONSE__BODY_DEVICES ||
	    resp->devices == NULL) {
		msg_free_response(resp);
		return cli_err(CAIRN_EPROTO, "the server sent no device list");
	}
	*out = resp;
	return CAIRN_OK;
}

static int
print_devices(struct cli *c, const Cairn__DevicesOk *d)
{
	const Cairn__Device *dev;
	int64_t now = (int64_t)time(NULL);
	char seen[32], made[32], name[DEVICE_NAME_MAX + 1];
	json_t *arr;
	size_t i, j;

	if (c->json) {
		if ((arr = json_array()) == NULL)
			return CAIRN_ENOMEM;
		for (i = 0; i < d->n_devices; i++)
			if (json_array_append_new(
			            arr, device_json(d->devices[i])) != 0) {
				json_decref(arr);
				return cli_err(CAIRN_EPROTO,
				               "the server sent a bad device");
			}
		return out_json(arr);
	}
	for (i = 0; i < d->n_devices; i++) {
		dev = d->devices[i];
		out_ago(dev->last_seen, now, seen);
		out_ago(dev->created_at, now, made);
		/* A name is the learner's text: no escapes reach the terminal.
		 */
		for (j = 0; dev->name[j] != '\0' && j < DEVICE_NAME_MAX; j++)
			name[j] = (unsigned char)dev->name[j] < 0x20 ||
			                          dev->name[j] == 0x7f
			                  ? '?'
			                  : dev->name[j];
		name[j] = '\0';
		printf("%s%.8s%s %-20s last seen %s, made %s%s%s\n",
		       out_color("id"), dev->id, out_color("reset"), name, seen,
		       made, dev->current ? " (this device)" : "",
		       dev->revoked ? " [revoked]" : "");
	}
	return CAIRN_OK;
}

static int
revoke_device(struct cli *c, struct net_conn *n, const char *prefix)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DeviceRevoke dr = CAIRN__DEVICE_REVOKE__INIT;
	Cairn__Response *list = NULL, *resp = NULL;
	const Cairn__Device *hit = NULL;
	struct errbuf err = {""};
	char id[CLI_DEVICE_MAX + 1];
	size_t i, plen = strlen(prefix);
	int rc, current = 0;

	if (plen < 6 || !uuid_prefix_valid(prefix))
		return cli_err(
		        CAIRN_EINVAL,
		        "bad device id '%s': give 6 or more of its characters",
		        prefix);
	if ((rc = list_devices(c, n, &list)) != CAIRN_OK)
		return rc;
	for (i = 0; i < list->devices->n_devices; i++) {
		if (strncmp(list->devices->devices[i]->id, prefix, plen) != 0)
			continue;
		if (hit != NULL) {
			rc = cli_err(
			        CAIRN_EAMBIGUOUS,
			        "device id '%s' is ambiguous; give more characters",
			        prefix);
			goto out;
		}
		hit = list->devices->devices[i];
	}
	if (hit == NULL || strlen(hit->id) > CLI_DEVICE_MAX) {
		rc = cli_err(CAIRN_ENOTFOUND,
		             "no device %s; see 'cairn devices'", prefix);
		goto out;
	}
	snprintf(id, sizeof(id), "%s", hit->id);
	current = hit->current || strcmp(id, c->device) == 0;
	dr.device_id = id;
	req.body_case = CAIRN__REQUEST__BODY_REVOKE;
	req.revoke = &dr;
	if ((rc = net_call(n, &req, &resp, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	if (current && (rc = forget_device(c)) != CAIRN_OK)
		goto out;
	if (c->json)
		rc = out_json(json_pack("{s:s}", "revoked", id));
	else
		printf("revoked device %s%s\n", id,
		       current ? " (this device; now logged out)" : "");
out:
	msg_free_response(list);
	msg_free_response(resp);
	return rc;
}

/* Sends DeviceRename; the answer (with its device) goes to *out. */
static int
rename_call(struct cli *c, struct net_conn *n, const char *id, const char *name,
            Cairn__Response **out)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DeviceRename dr = CAIRN__DEVICE_RENAME__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	int rc;

	(void)c;
	dr.device_id = (char *)id;
	dr.name = (char *)name;
	req.body_case = CAIRN__REQUEST__BODY_RENAME;
	req.rename = &dr;
	if ((rc = net_call(n, &req, &resp, &err)) != CAIRN_OK) {
		/* A server that predates rename does not know the request. */
		if (rc == CAIRN_EPROTO && strstr(err.msg, "unknown request"))
			return cli_err(
			        rc,
			        "this server cannot rename devices (it is older than this cairn); ask its operator to upgrade cairnd");
		return cli_errbuf(rc, &err);
	}
	if (resp->body_case != CAIRN__RESPONSE__BODY_RENAMED ||
	    resp->renamed == NULL || resp->renamed->device == NULL) {
		msg_free_response(resp);
		return cli_err(CAIRN_EPROTO,
		               "the server sent no renamed device");
	}
	*out = resp;
	return CAIRN_OK;
}

static int
rename_device(struct cli *c, struct net_conn *n, const char *which,
              const char *name)
{
	Cairn__Response *resp = NULL;
	const Cairn__Device *d;

	int rc;

	if (strcmp(which, "this") == 0)
		which = c->device;
	else if (strlen(which) < 6 || !uuid_prefix_valid(which))
		return cli_err(
		        CAIRN_EINVAL,
		        "bad device id '%s': give 6 or more of its characters, or 'this'",
		        which);
	if ((rc = device_name_check(name)) != CAIRN_OK)
		return rc;
	if ((rc = rename_call(c, n, which, name, &resp)) != CAIRN_OK)
		return rc;
	d = resp->renamed->device;
	/* This device's name is what a timer running here shows elsewhere. */
	if (d->current && d->name != NULL &&
	    store_meta_set(c->st, "device_name", d->name) != CAIRN_OK)
		fprintf(stderr, "cairn: cannot save this device's name: %s\n",
		        store_errmsg(c->st));
	if (c->json)
		rc = out_json(json_pack("{s:o}", "renamed", device_json(d)));
	else
		printf("renamed device %.8s to %s%s\n", d->id, d->name,
		       d->current ? " (this device)" : "");
	msg_free_response(resp);
	return rc;
}

int
cmd_devices(struct cli *c, int argc, char **argv)
{
	struct net_conn *n = NULL;
	Cairn__Response *resp = NULL;
	int rc;

	if (argc == 1) {
		if ((rc = cli_net_open(c, 1, &n)) != CAIRN_OK ||
		    (rc = list_devices(c, n, &resp)) != CAIRN_OK)
			goto out;
		rc = print_devices(c, resp->devices);
	} else if (argc == 3 && strcmp(argv[1], "revoke") == 0) {
		if ((rc = cli_net_open(c, 1, &n)) != CAIRN_OK)
			goto out;
		rc = revoke_device(c, n, argv[2]);
	} else if (argc == 4 && strcmp(argv[1], "rename") == 0) {
		if ((rc = cli_net_open(c, 1, &n)) != CAIRN_OK)
			goto out;
		rc = rename_device(c, n, argv[2], argv[3]);
	} else if (argc > 1 && strcmp(argv[1], "rename") == 0) {
		rc = cli_usage(
		        c,
		        "expected 'rename ID NAME' (ID 'this' for this device)");
	} else {
		rc = cli_usage(
		        c,
		        "expected no argument, 'rename ID NAME' or 'revoke ID'");
	}
out:
	msg_free_response(resp);
	net_close(n);
	return rc;
}
