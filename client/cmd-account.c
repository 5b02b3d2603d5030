/*
 * Account commands: register, login, logout, whoami and devices (list and
 * revoke). The password goes to the server once and is never stored; the
 * device id and token the server returns live in the home's store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"
#include "msg.h"

const struct cmd cmd_register_entry = {
        .name = "register",
        .fn = cmd_register,
        .flags = CMD_NEEDS_HOME | CMD_WRITES | CMD_NETWORK,
        .usage =
                "register HANDLE [--password-stdin] [--code CODE] [--device NAME]",
        .summary = "create an account and log this device in",
        .help = "  --password-stdin  read the password as one line from stdin\n"
                "  --code CODE       invite code, when the server is invite-only\n"
                "  --device NAME     a name for this device (default: host name)\n"
                "Without --password-stdin the password is read from the terminal\n"
                "without echo. Passwords are 8 to 1024 bytes.\n",
};

const struct cmd cmd_login_entry = {
        .name = "login",
        .fn = cmd_login,
        .flags = CMD_NEEDS_HOME | CMD_WRITES | CMD_NETWORK,
        .usage = "login HANDLE [--password-stdin] [--device NAME]",
        .summary = "log this device in",
        .help = "  --password-stdin  read the password as one line from stdin\n"
                "  --device NAME     a name for this device (default: host name)\n"
                "Each login makes a new device with its own revocable token.\n"
                "Refused when this home holds another learner's records.\n",
};

const struct cmd cmd_logout_entry = {
        .name = "logout",
        .fn = cmd_logout,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "logout",
        .summary = "revoke this device and forget its token",
        .help = "Local records stay; log in again to sync them.\n",
};

const struct cmd cmd_whoami_entry = {
        .name = "whoami",
        .fn = cmd_whoami,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN,
        .usage = "whoami",
        .summary = "show the handle, server and device of this home",
        .help = "Works offline. Exit code 4 when not logged in.\n",
};

const struct cmd cmd_devices_entry = {
        .name = "devices",
        .fn = cmd_devices,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "devices [revoke ID-PREFIX]",
        .summary = "list or revoke your devices",
        .help = "Without arguments lists every device of your account. 'devices\n"
                "revoke ID' revokes one (any unique prefix of 6 or more\n"
                "characters); revoking this device logs it out.\n",
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
	const char *handle, *code = "", *device = NULL, *arg;
	uint64_t foreign;
	int ch, from_stdin = 0, rc;

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
	if (device == NULL) {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "cairn");
		host[sizeof(host) - 1] = '\0';
		device = host;
	}
	if (strlen(device) == 0 || strlen(device) > DEVICE_NAME_MAX)
		return cli_err(CAIRN_EINVAL,
		               "device name must be 1 to %d bytes",
		               DEVICE_NAME_MAX);
	if ((rc = store_count_foreign(c->st, handle, &foreign)) != CAIRN_OK)
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	if (foreign > 0)
		return cli_err(
		        CAIRN_EFORBIDDEN,
		        "this home holds another learner's records; use another --home for %s",
		        handle);
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
	/* The name other machines show this one by (a timer running here). */
	if (store_meta_set(c->st, "device_name", device) != CAIRN_OK)
		fprintf(stderr, "cairn: cannot save this device's name: %s\n",
		        store_errmsg(c->st));
	if (c->json)
		rc = out_json(json_pack("{s:s, s:s}", "handle", c->handle,
		                        "device", c->device));
	else
		printf("%s as %s (device %.8s)\n",
		       reg ? "registered and logged in" : "logged in",
		       c->handle, c->device);
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
	json_t *arr;
	char seen[64];
	size_t i;

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
		if (d->devices[i]->last_seen > 0) {
			json_t *t = out_time_or_null(d->devices[i]->last_seen);
			snprintf(seen, sizeof(seen), "last seen %s",
			         json_string_value(t));
			json_decref(t);
		} else {
			snprintf(seen, sizeof(seen), "never seen");
		}
		printf("%s%.8s%s %-20s %s%s%s\n", out_color("id"),
		       d->devices[i]->id, out_color("reset"),
		       d->devices[i]->name, seen,
		       d->devices[i]->current ? " (this device)" : "",
		       d->devices[i]->revoked ? " [revoked]" : "");
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
	} else {
		rc = cli_usage(c, "expected no argument or 'revoke ID'");
	}
out:
	msg_free_response(resp);
	net_close(n);
	return rc;
}
