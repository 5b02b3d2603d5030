/*
 * The one error list of cairn. Each row yields an enum constant (a negative
 * code), its name, its message and the exit-code class the client maps it
 * to. The same codes travel in Response.status.code.
 */
#ifndef CAIRN_ERR_H
#define CAIRN_ERR_H

/* Exit codes of the cairn client (documented in README.md). */
#define EXIT_OK 0
#define EXIT_FAIL 1    /* internal or storage failure */
#define EXIT_USAGE 2   /* bad command line */
#define EXIT_NET 3     /* network or TLS */
#define EXIT_AUTH 4    /* not logged in, bad credentials, revoked */
#define EXIT_INVALID 5 /* not found, invalid or refused input */
#define EXIT_SERVER 6  /* server refused for its own reasons (busy...) */

/* X(NAME, code, exit class, message) */
#define CAIRN_ERRORS(X) \
	X(OK, 0, EXIT_OK, "success") \
	X(EINTERNAL, -1, EXIT_FAIL, "internal error") \
	X(ENOMEM, -2, EXIT_FAIL, "out of memory") \
	X(EIO, -3, EXIT_FAIL, "input/output error") \
	X(ESTORAGE, -4, EXIT_FAIL, "storage error") \
	X(EUSAGE, -5, EXIT_USAGE, "usage error") \
	X(EPROTO, -6, EXIT_NET, "malformed message") \
	X(ETOOBIG, -7, EXIT_NET, "message too large") \
	X(EVERSION, -8, EXIT_NET, "unsupported protocol version") \
	X(ENET, -9, EXIT_NET, "network error") \
	X(ETLS, -10, EXIT_NET, "TLS error") \
	X(ETIMEOUT, -11, EXIT_NET, "timed out") \
	X(EAUTHREQ, -12, EXIT_AUTH, "not logged in") \
	X(ECREDS, -13, EXIT_AUTH, "wrong handle or password") \
	X(EREVOKED, -14, EXIT_AUTH, "this device's token was revoked") \
	X(ERATELIMIT, -15, EXIT_AUTH, "too many attempts; wait and retry") \
	X(EEXIST, -16, EXIT_INVALID, "already exists") \
	X(EINVITE, -17, EXIT_AUTH, "invite code missing, invalid or used up") \
	X(EINVAL, -18, EXIT_INVALID, "invalid value") \
	X(EFORBIDDEN, -19, EXIT_INVALID, "not allowed") \
	X(ENOTFOUND, -20, EXIT_INVALID, "not found") \
	X(EAMBIGUOUS, -21, EXIT_INVALID, "ambiguous ID prefix") \
	X(ECLOCK, -22, EXIT_INVALID, "timestamp too far in the future") \
	X(EBUSY, -23, EXIT_SERVER, "server busy") \
	X(ESTATE, -24, EXIT_NET, "request not valid in this state") \
	X(ENOCONFIG, -25, EXIT_USAGE, "home not initialised") \
	X(ECLOSED, -26, EXIT_NET, "connection closed by peer") \
	X(EINTR, -27, EXIT_FAIL, "interrupted") \
	X(EQUOTA, -28, EXIT_SERVER, "storage quota reached") \
	X(ESERVERFULL, -29, EXIT_SERVER, "server storage full")

enum cairn_err {
#define CAIRN_ERR_ENUM(name, code, exit, msg) CAIRN_##name = (code),
	CAIRN_ERRORS(CAIRN_ERR_ENUM)
#undef CAIRN_ERR_ENUM
};

/* Returns a static message for code ("unknown error" if not in the list). */
const char *err_message(int code);
/* Returns the static name of code without prefix, e.g. "ECREDS". */
const char *err_name(int code);
/* Returns the client exit code class of code. */
int err_exit_code(int code);
/* Returns 1 if code is in the list. */
int err_known(int code);

#endif
