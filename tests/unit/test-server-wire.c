/*
 * The server over the wire: a real cairnd loop (server_run) on a thread of
 * this process, on 127.0.0.1 with a free port and throwaway certificates,
 * driven by a minimal blocking TLS client built on common/. Covers the
 * protocol state rules, malformed input, devices, revoke, logout, the
 * login rate limit, pipelining and the orderly stop on SIGTERM; sync is in
 * test-server-wire-sync.c.
 *
 * The server's stderr goes into a pipe read by a logger thread, which
 * finds the port in the server.listen line and keeps the lines so tests
 * can check what was logged.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "hlc.h"
#include "msg.h"
#include "wire-harness.h"

static void
test_first_request_must_be_hello(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DevicesList dl = CAIRN__DEVICES_LIST__INIT;
	struct client c;

	cl_connect(&c);
	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	req.devices = &dl;
	call_expect(&c, &req, CAIRN_ESTATE);
	assert_null(cl_recv(&c)); /* then the server closes */
	cl_close(&c);
}

static void
test_bad_version_and_auth_required(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;
	Cairn__DevicesList dl = CAIRN__DEVICES_LIST__INIT;
	struct client c;
	Cairn__Response *r;

	cl_connect(&c);
	h.version = PROTOCOL_VERSION + 1;
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	call_expect(&c, &req, CAIRN_EVERSION);
	assert_null(cl_recv(&c));
	cl_close(&c);

	/* Every version from the oldest served on is answered in kind. */
	for (h.version = PROTOCOL_VERSION_MIN; h.version <= PROTOCOL_VERSION;
	     h.version++) {
		cl_connect(&c);
		r = cl_call(&c, &req);
		assert_int_equal(code_of(r), 0);
		assert_int_equal(r->hello->version, h.version);
		msg_free_response(r);
		cl_close(&c);
	}

	cl_connect(&c);
	cl_hello(&c);
	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	req.devices = &dl;
	r = cl_call(&c, &req);
	assert_int_equal(code_of(r), CAIRN_EAUTHREQ);
	assert_non_null(strstr(r->status->message, "cairn login"));
	msg_free_response(r);
	/* Still open: an unauthenticated request is not fatal. */
	cl_hello(&c);
	cl_close(&c);
}

static void
test_malformed_input(void **state)
{
	char buf[64];
	int fd;
	static const uint8_t junk[] = {0, 0, 0, 3, 0xff, 0xff, 0xff};
	static const uint8_t giant[] = {0x7f, 0xff, 0xff, 0xff};
	struct client c;
	Cairn__Response *r;

	cl_connect(&c);
	cl_raw(&c, junk, sizeof(junk));
	r = cl_recv(&c);
	assert_non_null(r);
	assert_int_equal(r->id, 0);
	assert_int_equal(code_of(r), CAIRN_EPROTO);
	msg_free_response(r);
	assert_null(cl_recv(&c));
	cl_close(&c);

	cl_connect(&c);
	cl_hello(&c);
	cl_raw(&c, giant, sizeof(giant));
	r = cl_recv(&c);
	assert_non_null(r);
	assert_int_equal(code_of(r), CAIRN_ETOOBIG);
	msg_free_response(r);
	assert_null(cl_recv(&c));
	cl_close(&c);

	/* Plain text instead of TLS: the server just closes. */
	fd = tcp_connect();
	assert_int_equal(write(fd, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	assert_true(wait_logged("tls.fail"));
}

static void
test_register_login_auth(void **state)
{
	char dev[UUID_LEN + 1], dev2[UUID_LEN + 1];
	uint8_t tok[32], tok2[32];
	struct client c;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "Bad Handle", PASSWORD, NULL, NULL),
	                 CAIRN_EINVAL);
	assert_int_equal(cl_account(&c, 1, "carol", "short", NULL, NULL),
	                 CAIRN_EINVAL);
	assert_int_equal(cl_account(&c, 1, "carol", PASSWORD, dev, tok), 0);
	assert_int_equal(cl_account(&c, 1, "carol", PASSWORD, NULL, NULL),
	                 CAIRN_EEXIST);
	cl_close(&c);

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(
	        cl_account(&c, 0, "carol", "wrong password", NULL, NULL),
	        CAIRN_ECREDS);
	assert_int_equal(cl_account(&c, 0, "nobody", PASSWORD, NULL, NULL),
	                 CAIRN_ECREDS);
	assert_int_equal(cl_account(&c, 0, "carol", PASSWORD, dev2, tok2), 0);
	assert_string_not_equal(dev, dev2);
	assert_int_equal(cl_auth(&c, dev, tok), 0);
	tok[0] ^= 1;
	assert_int_equal(cl_auth(&c, dev, tok), CAIRN_ECREDS);
	cl_close(&c);
	assert_true(wait_logged("auth.register user=carol"));
	assert_true(wait_logged("auth.fail op=login user=carol"));
	assert_false(logged("wrong password\" password"));
	assert_false(logged(PASSWORD));
}

static void
test_login_rate_limit(void **state)
{
	struct client c;
	int i;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "dave", PASSWORD, NULL, NULL), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(
		        cl_account(&c, 0, "dave", "not the one", NULL, NULL),
		        CAIRN_ECREDS);
	/* Even the right password is refused until the window passes. */
	assert_int_equal(cl_account(&c, 0, "dave", PASSWORD, NULL, NULL),
	                 CAIRN_ERATELIMIT);
	cl_close(&c);
	assert_true(wait_logged("auth.ratelimited op=login key=dave"));
}

static void
test_devices_revoke_logout(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DevicesList dl = CAIRN__DEVICES_LIST__INIT;
	Cairn__DeviceRevoke rv = CAIRN__DEVICE_REVOKE__INIT;
	Cairn__Logout lo = CAIRN__LOGOUT__INIT;
	char dev1[UUID_LEN + 1], dev2[UUID_LEN + 1], prefix[9];
	uint8_t tok1[32], tok2[32];
	struct client c;
	Cairn__Response *r;
	size_t i;
	int current = 0;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "gina", PASSWORD, dev1, tok1), 0);
	assert_int_equal(cl_account(&c, 0, "gina", PASSWORD, dev2, tok2), 0);
	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	req.devices = &dl;
	r = cl_call(&c, &req);
	assert_int_equal(r->body_case, CAIRN__RESPONSE__BODY_DEVICES);
	assert_int_equal(r->devices->n_devices, 2);
	for (i = 0; i < 2; i++) {
		if (r->devices->devices[i]->current) {
			current++;
			assert_string_equal(r->devices->devices[i]->id, dev2);
		}
	}
	assert_int_equal(current, 1);
	msg_free_response(r);

	/* Revoke dev1 by prefix from dev2's session. */
	memcpy(prefix, dev1, 8);
	prefix[8] = '\0';
	rv.device_id = prefix;
	req.body_case = CAIRN__REQUEST__BODY_REVOKE;
	req.revoke = &rv;
	r = cl_call(&c, &req);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->devices->n_devices, 1);
	assert_string_equal(r->devices->devices[0]->id, dev1);
	assert_true(r->devices->devices[0]->revoked);
	msg_free_response(r);
	rv.device_id = "abc";
	call_expect(&c, &req, CAIRN_EINVAL);
	rv.device_id = "ffffffff-ffff";
	call_expect(&c, &req, CAIRN_ENOTFOUND);

	assert_int_equal(cl_auth(&c, dev1, tok1), CAIRN_EREVOKED);
	assert_true(wait_logged("reason=\"revoked\""));
	/* Logout revokes this device and ends the session. */
	assert_int_equal(cl_auth(&c, dev2, tok2), 0);
	req.body_case = CAIRN__REQUEST__BODY_LOGOUT;
	req.logout = &lo;
	call_expect(&c, &req, 0);
	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	call_expect(&c, &req, CAIRN_EAUTHREQ);
	assert_int_equal(cl_auth(&c, dev2, tok2), CAIRN_EREVOKED);
	cl_close(&c);
}

/* Sends req; the answer's status must be code with exactly message. */
static void
call_says(struct client *c, Cairn__Request *req, int code, const char *message)
{
	Cairn__Response *r = cl_call(c, req);

	assert_non_null(r);
	assert_int_equal(code_of(r), code);
	assert_non_null(r->status);
	assert_string_equal(r->status->message, message);
	msg_free_response(r);
}

static void
test_device_rename(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DeviceRename rn = CAIRN__DEVICE_RENAME__INIT;
	char dev1[UUID_LEN + 1], dev2[UUID_LEN + 1], ivy[UUID_LEN + 1];
	char prefix[9], long_name[DEVICE_NAME_MAX + 2], why[128];
	struct client c, c2;
	Cairn__Response *r;

	(void)state;
	cl_connect(&c2);
	cl_hello(&c2);
	assert_int_equal(cl_account(&c2, 1, "ivy", PASSWORD, ivy, NULL), 0);
	cl_close(&c2);

	cl_connect(&c);
	cl_hello(&c);
	req.body_case = CAIRN__REQUEST__BODY_RENAME;
	req.rename = &rn;
	rn.device_id = "ffffffff";
	rn.name = "desk";
	call_expect(&c, &req, CAIRN_EAUTHREQ);
	assert_int_equal(cl_account(&c, 1, "hank", PASSWORD, dev1, NULL), 0);
	assert_int_equal(cl_account(&c, 0, "hank", PASSWORD, dev2, NULL), 0);

	/* dev1 by a prefix, from dev2's session. */
	memcpy(prefix, dev1, 8);
	prefix[8] = '\0';
	rn.device_id = prefix;
	r = cl_call(&c, &req);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->body_case, CAIRN__RESPONSE__BODY_RENAMED);
	assert_string_equal(r->renamed->device->id, dev1);
	assert_string_equal(r->renamed->device->name, "desk");
	assert_false(r->renamed->device->current);
	assert_false(r->renamed->device->revoked);
	msg_free_response(r);
	assert_true(wait_logged("auth.rename user=hank"));

	rn.device_id = dev2;
	call_says(&c, &req, CAIRN_EEXIST,
	          "another of your devices is named 'desk'; pick another name");
	rn.name = "kitchen";
	r = cl_call(&c, &req);
	assert_int_equal(code_of(r), 0);
	assert_true(r->renamed->device->current);
	msg_free_response(r);

	snprintf(
	        why, sizeof(why),
	        "device name must be 1 to %d bytes of UTF-8 without control characters",
	        DEVICE_NAME_MAX);
	rn.name = "";
	call_says(&c, &req, CAIRN_EINVAL, why);
	memset(long_name, 'x', DEVICE_NAME_MAX + 1);
	long_name[DEVICE_NAME_MAX + 1] = '\0';
	rn.name = long_name;
	call_says(&c, &req, CAIRN_EINVAL, why);
	long_name[DEVICE_NAME_MAX] = '\0'; /* exactly the limit */
	call_expect(&c, &req, 0);
	rn.name = "a\tb";
	call_says(&c, &req, CAIRN_EINVAL, why);
	rn.name = "\xff\xfe";
	call_says(&c, &req, CAIRN_EINVAL, why);

	rn.name = "desk2";
	rn.device_id = "abc";
	call_says(
	        &c, &req, CAIRN_EINVAL,
	        "device ID must be at least 6 characters of an ID from 'cairn devices'");
	rn.device_id = "ffffffff-ffff";
	call_says(
	        &c, &req, CAIRN_ENOTFOUND,
	        "no device of yours matches 'ffffffff-ffff'; see 'cairn devices'");
	rn.device_id = ivy;
	snprintf(why, sizeof(why),
	         "device %s is not one of yours; see 'cairn devices'", ivy);
	call_says(&c, &req, CAIRN_EFORBIDDEN, why);
	cl_close(&c);
}

static void
test_pipelined_requests(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;
	Cairn__Response *r;
	struct client c;
	uint32_t ids[20];
	int i;

	cl_connect(&c);
	h.version = 1;
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	for (i = 0; i < 20; i++)
		ids[i] = cl_send(&c, &req);
	for (i = 0; i < 20; i++) {
		r = cl_recv(&c);
		assert_non_null(r);
		assert_int_equal(r->id, ids[i]);
		msg_free_response(r);
	}
	cl_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_first_request_must_be_hello),
	        cmocka_unit_test(test_bad_version_and_auth_required),
	        cmocka_unit_test(test_malformed_input),
	        cmocka_unit_test(test_register_login_auth),
	        cmocka_unit_test(test_login_rate_limit),
	        cmocka_unit_test(test_devices_revoke_logout),
	        cmocka_unit_test(test_device_rename),
	        cmocka_unit_test(test_pipelined_requests),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
