/*
 * A pager for long output on a terminal (git's idea): stdout goes through
 * a pipe to $PAGER, else "less -FRX" (which quits at once when the output
 * fits the screen), run by sh -c. A pager the user quits early closes the
 * pipe: the writes that follow fail with EPIPE (SIGPIPE is ignored while
 * it runs) and that is not an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cairn.h"

#define PAGER_DEFAULT "less -FRX"

static pid_t pager_pid = -1;
static struct sigaction pager_old_pipe, pager_old_int, pager_old_quit;

/* 1 if an executable name is on $PATH. */
static int
pager_on_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char file[CLI_PATH_MAX];
	size_t n;

	if (path == NULL || path[0] == '\0')
		path = "/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 0 || n + strlen(name) + 2 > sizeof(file))
			continue;
		snprintf(file, sizeof(file), "%.*s/%s", (int)n, p, name);
		if (access(file, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* The command to page with, or NULL for none. */
static const char *
pager_command(void)
{
	const char *cmd = getenv("PAGER");

	if (cmd == NULL)
		/* Without less (a small container), no pager at all. */
		return pager_on_path("less") ? PAGER_DEFAULT : NULL;
	/* PAGER= or PAGER=cat says: no pager. */
	if (cmd[0] == '\0' || strcmp(cmd, "cat") == 0)
		return NULL;
	return cmd;
}

int
pager_start(void)
{
	struct sigaction ign;
	const char *cmd;
	int fds[2];
	pid_t pid;

	if (pager_pid > 0 || !isatty(STDOUT_FILENO) ||
	    (cmd = pager_command()) == NULL)
		return 0;
	fflush(stdout);
	if (pipe(fds) != 0)
		return 0; /* print without a pager */
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0) {
		/* The pager: the pipe is its stdin, signals as a shell's. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (dup2(fds[1], STDOUT_FILENO) < 0) {
		close(fds[0]);
		close(fds[1]);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return 0;
	}
	close(fds[0]);
	close(fds[1]);
	pager_pid = pid;
	/*
	 * A pager quit early must not kill us with SIGPIPE; Ctrl-C belongs
	 * to the pager (less uses it), and we wait for it to end.
	 */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &pager_old_pipe);
	sigaction(SIGINT, &ign, &pager_old_int);
	sigaction(SIGQUIT, &ign, &pager_old_quit);
	return 1;
}

int
pager_gone(void)
{
	return pager_pid > 0 && ferror(stdout);
}

void
pager_end(void)
{
	int fd, status;

	if (pager_pid <= 0)
		return;
	fflush(stdout);
	clearerr(stdout); /* a pager quit early: not an error */
	/* EOF for the pager; anything written later goes nowhere. */
	fd = open("/dev/null", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	} else {
		close(STDOUT_FILENO);
	}
	while (waitpid(pager_pid, &status, 0) < 0 && errno == EINTR)
		;
	pager_pid = -1;
	sigaction(SIGPIPE, &pager_old_pipe, NULL);
	sigaction(SIGINT, &pager_old_int, NULL);
	sigaction(SIGQUIT, &pager_old_quit, NULL);
}
