/*
 * Reading passwords: one line from stdin (--password-stdin), or from the
 * terminal (/dev/tty) with echo off. The password is never stored.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"

/*
 * Reads one line of at most len - 1 bytes from fd into buf, dropping the
 * newline (and a CR before it). CAIRN_EINVAL if the line is too long,
 * CAIRN_EIO on a read error, CAIRN_ENOTFOUND at end of input with nothing,
 * CAIRN_EPROTO if it holds a NUL byte (a C string would end there, so
 * "longpassword\0xyz" would be taken as "longpassword").
 */
static int
read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	char ch;
	int toolong = 0, nul = 0;

	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return CAIRN_EIO;
		if (r == 0) {
			if (n == 0 && !toolong)
				return CAIRN_ENOTFOUND;
			break;
		}
		if (ch == '\n')
			break;
		if (ch == '\0')
			nul = 1;
		if (n + 1 < len)
			buf[n++] = ch;
		else
			toolong = 1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (nul)
		return CAIRN_EPROTO;
	return toolong ? CAIRN_EINVAL : CAIRN_OK;
}

/* Prompts on the terminal fd and reads a line with echo off. */
static int
tty_read(int fd, const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int rc, restore = 0;

	if (write(fd, prompt, strlen(prompt)) < 0)
		return CAIRN_EIO;
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0)
			restore = 1;
	}
	rc = read_line(fd, buf, len);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0 && rc == CAIRN_OK)
		rc = CAIRN_EIO;
	return rc;
}

static int
check_length(const char *buf, int rc)
{
	size_t n;

	if (rc == CAIRN_ENOTFOUND)
		return cli_err(CAIRN_EINVAL, "no password given");
	if (rc == CAIRN_EINVAL)
		return cli_err(CAIRN_EINVAL,
		               "password too long (at most %d bytes)",
		               CLI_PASSWORD_MAX);
	if (rc == CAIRN_EPROTO)
		return cli_err(CAIRN_EINVAL, "password holds a NUL byte");
	if (rc != CAIRN_OK)
		return cli_err(rc, "cannot read the password");
	n = strlen(buf);
	if (n < CLI_PASSWORD_MIN || n > CLI_PASSWORD_MAX)
		return cli_err(CAIRN_EINVAL,
		               "password must be %d to %d bytes long",
		               CLI_PASSWORD_MIN, CLI_PASSWORD_MAX);
	return CAIRN_OK;
}

int
password_read(int from_stdin, int confirm, char *buf, size_t len)
{
	char again[CLI_PASSWORD_MAX + 2];
	int fd = -1, rc;

	if (len < CLI_PASSWORD_MAX + 2)
		return CAIRN_EINTERNAL;
	if (from_stdin) {
		rc = check_length(buf, read_line(STDIN_FILENO, buf, len));
		goto out;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = cli_err(
		        CAIRN_EUSAGE,
		        "no terminal to read the password from; use --password-stdin");
		goto out;
	}
	rc = check_length(buf, tty_read(fd, "Password: ", buf, len));
	if (rc != CAIRN_OK || !confirm)
		goto out;
	rc = tty_read(fd, "Password again: ", again, sizeof(again));
	if (rc == CAIRN_OK && strcmp(again, buf) != 0)
		rc = cli_err(CAIRN_EINVAL, "the passwords do not match");
	else if (rc != CAIRN_OK)
		rc = cli_err(CAIRN_EIO, "cannot read the password");
	explicit_bzero(again, sizeof(again));
out:
	if (fd >= 0)
		close(fd);
	if (rc != CAIRN_OK)
		explicit_bzero(buf, len);
	return rc;
}
